"""Write the benchmark results: a tidy CSV, a markdown report and the scaling figure.

Every function reads the ``results`` dict that ``run_benchmarks.py`` assembles (and keeps
in ``benchmarks.json``); nothing here measures. Memory is in MiB (2^20 bytes), as
``ru_maxrss`` counts it, and per citizen in bytes.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import matplotlib.ticker
import numpy as np

from benchmarks import measure, versions

#: The issue's speed targets (docs/performance.md).
CALIBRATION_SPEEDUP = 2.0
CALIBRATION_SIZE = (5_000, "2025-11")
LARGE_SPEEDUP = 1.5
LARGE_SIZE = (1_000_000, "2030-12")
FULL_POPULATION_SECONDS = 180
FULL_POPULATION_MIB = 4 * 1024
#: Memory kept per citizen by the code of 2026-11-28 (its own inventory).
KEPT_BYTES_BEFORE = 235
ORACLE_SPEEDUP = 100
ORACLE_SIZES = (10_000, 1_000_000)
#: The groups of the memory inventory, in the order tables and the figure show them.
GROUPS = ("population", "state", "network", "world", "survey")
UNITS = {"wall": "s", "cpu": "s", "thread_cpu": "s"}


def write_atomic(path: Path, content: str | bytes) -> None:
    """Write a file whole or not at all (a temporary file in the same folder, then rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = "wb" if isinstance(content, bytes) else "w"
    with tempfile.NamedTemporaryFile(mode, dir=path.parent, delete=False,
                                     suffix=".tmp") as handle:
        handle.write(content)
    # A temporary file is private (0600); the result gets the permissions of a new file.
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(handle.name, 0o666 & ~umask)
    os.replace(handle.name, path)


# --- derived figures ----------------------------------------------------------------------
def variant_names(records: list[dict], version: str) -> list[str]:
    """Return the variants of one version among some probe records, in order of appearance."""
    return list(dict.fromkeys(r["variant"] for r in records if r["version"] == version))


def large_speedups(summary: dict) -> dict[str, dict]:
    """Return, per new variant, old/new ratios of build, run and total wall time."""
    old = next((name for name in summary if name == "old"), None)
    if old is None:
        return {}
    return {name: {metric: versions.ratio(summary[old][metric], figures[metric])
                   for metric in ("build_wall", "run_wall", "total_wall")}
            for name, figures in summary.items() if name != old}


def oracle_speedups(results: dict) -> list[dict]:
    """Return the engine's citizen-steps per second over the oracle's, per size and threads."""
    reference = results["reference"]
    return [{"citizens": r["citizens"], "threads": r["threads"],
             "cpu": r["citizen_steps_per_cpu_s"] / reference["reference_citizen_steps_per_cpu_s"],
             "wall": r["citizen_steps_per_s"] / reference["reference_citizen_steps_per_s"]}
            for r in results["sizes"]]


def largest_size(results: dict) -> dict:
    """Return the details record of the largest population (the most telling memory)."""
    return max(results["sizes"], key=lambda r: (r["citizens"], -r["threads"]))


# --- CSV ----------------------------------------------------------------------------------
def tidy_rows(results: dict) -> list[dict]:
    """Return one row per (benchmark, version, citizens, threads, metric)."""
    rows = []

    def add(benchmark, version, citizens, threads, metric, value, unit):
        rows.append({"benchmark": benchmark, "version": version, "citizens": citizens,
                     "threads": "" if threads is None else threads, "metric": metric,
                     "value": float(value), "unit": unit})

    citizens = results["calibration"][0]["citizens"]
    for benchmark, runs_key in (("calibration", "runs"), ("fit_evaluation", "fit_runs")):
        calibration = versions.calibration_summary(results["calibration"], runs_key)
        for name, figures in calibration.items():
            for clock, unit in UNITS.items():
                for statistic in ("min", "median"):
                    add(f"{benchmark}_run", name, citizens, None, f"{clock}_{statistic}",
                        figures[clock][statistic], unit)
            add(f"{benchmark}_run", name, citizens, None, "runs", figures["wall"]["n"], "runs")
        if "old" in calibration:
            for name in (n for n in calibration if n != "old"):
                for clock in ("wall", "cpu"):
                    for statistic, value in versions.ratio(calibration["old"][clock],
                                                           calibration[name][clock]).items():
                        add(f"{benchmark}_speedup", name, citizens, None,
                            f"{clock}_{statistic}", value, "x")

    for benchmark, key in (("large_run", "large"), ("full_population_run", "full_population")):
        if not results.get(key):
            continue
        summary = versions.large_summary(results[key])
        for name, figures in summary.items():
            for metric, stats in figures.items():
                if isinstance(stats, dict):
                    for statistic in ("min", "median"):
                        add(benchmark, name, figures["citizens"], figures["threads"],
                            f"{metric}_{statistic}", stats[statistic], _unit(metric))
        for name, ratios in large_speedups(summary).items():
            for metric, pair in ratios.items():
                for statistic, value in pair.items():
                    add(f"{benchmark}_speedup", name, summary[name]["citizens"],
                        summary[name]["threads"], f"{metric}_{statistic}", value, "x")

    for r in results["sizes"]:
        for metric, unit in (("build", "s"), ("build_population", "s"),
                             ("build_initial_solve", "s"), ("build_network", "s"),
                             ("steps", "steps"), ("step_first", "s"), ("step_median", "s"),
                             ("run", "s"), ("run_cpu", "s"), ("run_thread_cpu", "s"),
                             ("citizen_steps_per_s", "1/s"), ("citizen_steps_per_cpu_s", "1/s"),
                             ("total", "s"), ("rss_after_build_mb", "MiB"),
                             ("peak_rss_mb", "MiB"), ("rss_growth_after_build_b", "B"),
                             ("rss_growth_after_run_b", "B"), ("rss_growth_trimmed_b", "B"),
                             ("compile_load", "s")):
            add("size", "new", r["citizens"], r["threads"], metric, r[metric], unit)
        add("size", "new", r["citizens"], r["threads"], "kept_bytes_per_citizen",
            r["inventory"]["bytes_per_citizen"], "B")
    for row in measure.determinism(results["sizes"]):
        add("determinism", "new", row["citizens"], max(row["threads"]), "max_share_difference",
            row["max_share_difference"], "share")
        add("determinism", "new", row["citizens"], max(row["threads"]), "same_state",
            row["same_state"], "bool")
    largest = largest_size(results)
    for name, _, size in largest["inventory"]["rows"]:
        add("inventory", "new", largest["citizens"], None, name, size, "B")
    add("inventory", "new", largest["citizens"], None, "per_thread_chunk_buffers",
        largest["inventory"]["fixed_bytes"], "B total")

    reference = results["reference"]
    for metric in ("reference_citizen_steps_per_s", "reference_citizen_steps_per_cpu_s",
                   "max_share_difference"):
        add("oracle", "oracle", reference["citizens"], 1, metric, reference[metric],
            "share" if metric == "max_share_difference" else "1/s")
    for row in oracle_speedups(results):
        for clock in ("cpu", "wall"):
            add("oracle_speedup", "new", row["citizens"], row["threads"], clock, row[clock], "x")
    breakdown = results["breakdown"]
    for part, milliseconds in breakdown["parts_ms"].items():
        add("calibration_breakdown", "new", breakdown["citizens"], 1, part, milliseconds, "ms")
    for row in results["network"]:
        add(f"network_k{row['mean_degree']}", "new", row["citizens"], 1, "build_network",
            row["build_network"], "s")
        add(f"network_k{row['mean_degree']}", "new", row["citizens"], 1, "ns_per_tie",
            row["ns_per_tie"], "ns")
    for row in results["ensemble"]:
        add("ensemble", "new", row["citizens"], 1, f"runs_per_minute_{row['workers']}_workers",
            row["runs_per_minute"], "1/min")
    return rows


def _unit(metric: str) -> str:
    if metric.endswith("_b"):
        return "B"
    if metric.endswith("_mb"):
        return "MiB"
    return "1/s" if "per" in metric else "s"


def csv_text(rows: list[dict]) -> str:
    """Return the tidy rows as CSV."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=["benchmark", "version", "citizens", "threads",
                                             "metric", "value", "unit"])
    writer.writeheader()
    for row in rows:
        writer.writerow({**row, "value": f"{row['value']:.6g}"})
    return out.getvalue()


# --- targets ------------------------------------------------------------------------------
def targets(results: dict) -> list[tuple[str, str, bool | None]]:
    """Return (target, measured, met) for each of the issue's speed targets (None: not run)."""
    return [_calibration_target(results), _large_target(results),
            _full_population_target(results), _determinism_target(results),
            _memory_target(results), _oracle_target(results)]


def _calibration_target(results: dict) -> tuple[str, str, bool | None]:
    target = (f"Calibration-size run (`simulate`, baseline, 5,000 citizens, 2020-09 to 2025-11) "
              f"at least {CALIBRATION_SPEEDUP:g}x faster than `{results['against']['commit']}`")
    records = results["calibration"]
    summary = versions.calibration_summary(records)
    speed = versions.ratio(summary["old"]["wall"], summary["new"]["wall"])
    measured = (f"{summary['old']['wall']['median'] * 1e3:.0f} → "
                f"{summary['new']['wall']['median'] * 1e3:.0f} ms (median wall): "
                f"{speed['median']:.2f}x median, {speed['min']:.2f}x min")
    fits = versions.calibration_summary(records, "fit_runs")
    if {"old", "new"} <= set(fits):
        fit_speed = versions.ratio(fits["old"]["wall"], fits["new"]["wall"])
        measured += (f"; as a fit's evaluation runs it (the new code reads only the "
                     f"{_months_read(records)} months the waves see): "
                     f"{fits['old']['wall']['median'] * 1e3:.0f} → "
                     f"{fits['new']['wall']['median'] * 1e3:.0f} ms, "
                     f"{fit_speed['median']:.2f}x median, {fit_speed['min']:.2f}x min")
    if (records[0]["citizens"], records[0]["end"]) != CALIBRATION_SIZE:
        return target, f"not at the target size; at {records[0]['citizens']:,}: {measured}", None
    return target, measured, min(speed.values()) >= CALIBRATION_SPEEDUP


def _months_read(records: list[dict]) -> str:
    """Return how many months the new code's fit evaluations read."""
    counts = {r.get("fit_months_read") for r in records if r["variant"] == "new"}
    return ", ".join(str(c) for c in sorted(c for c in counts if c is not None)) or "every"


def _large_target(results: dict) -> tuple[str, str, bool | None]:
    target = (f"One run of 1,000,000 citizens (2020-09 to 2030-12, build and run) at least "
              f"{LARGE_SPEEDUP:g}x faster using both cores")
    summary = versions.large_summary(results["large"])
    speed = large_speedups(summary)["new"]["total_wall"]
    figures = summary["new"]
    measured = (f"{summary['old']['total_wall']['median']:.1f} → "
                f"{figures['total_wall']['median']:.1f} s (median wall, {figures['threads']} "
                f"threads): {speed['median']:.2f}x median, {speed['min']:.2f}x min")
    if (figures["citizens"], results["large"][0]["end"]) != LARGE_SIZE:
        return target, f"not at the target size; at {figures['citizens']:,}: {measured}", None
    return target, measured, min(speed.values()) >= LARGE_SPEEDUP


def _full_population_target(results: dict) -> tuple[str, str, bool | None]:
    target = (f"Full population (9.1 million) in under {FULL_POPULATION_SECONDS // 60} minutes "
              f"and {FULL_POPULATION_MIB // 1024} GiB")
    records = [r for r in results.get("full_population") or [] if r["version"] == "new"]
    if not records:
        return target, "not run (`--full-population`)", None
    figures = versions.large_summary(records)["new"]
    seconds, peak = figures["total_wall"]["min"], figures["peak_rss_mb"]["min"]
    return (target, f"{seconds:.0f} s, {peak / 1024:.2f} GiB peak RSS",
            seconds < FULL_POPULATION_SECONDS and peak < FULL_POPULATION_MIB)


def _determinism_target(results: dict) -> tuple[str, str, bool | None]:
    target = "Results identical for a given seed whatever the number of threads"
    rows = [row for row in measure.determinism(results["sizes"]) if row["uses_threads"]]
    large = versions.large_summary(results["large"])
    threaded = [name for name in large if name != "old"]
    digests = {digest for name in threaded for digest in large[name]["digests"]}
    if not rows:
        return target, "not exercised (no size of 65,536 citizens or more)", None
    worst = max(row["max_share_difference"] for row in rows)
    same = all(row["same_state"] for row in rows)
    sizes = ", ".join(f"{row['citizens']:,}" for row in rows)
    thread_counts = " and ".join(str(large[name]["threads"]) for name in threaded)
    measured = (f"at {sizes} citizens, 1 and 2 threads: largest share difference {worst:g}, "
                f"final state {'bit-identical' if same else 'DIFFERENT'}; large run "
                f"({next(iter(large.values()))['citizens']:,}) on {thread_counts} threads: "
                f"{'the same shares' if len(digests) == 1 else 'DIFFERENT shares'}")
    return target, measured, worst == 0.0 and same and len(digests) == 1


def _memory_target(results: dict) -> tuple[str, str, bool | None]:
    target = f"Memory kept per citizen no higher than before ({KEPT_BYTES_BEFORE} B)"
    largest = largest_size(results)
    kept = largest["inventory"]["bytes_per_citizen"]
    large = versions.large_summary(results["large"])
    growth = ", ".join(f"{name} {figures['rss_growth_trimmed_b']['median']:.0f} B"
                       for name, figures in large.items())
    measured = (f"{kept:.0f} B counted array by array at {largest['citizens']:,} citizens; "
                f"measured (resident memory kept after the run, per citizen, at "
                f"{next(iter(large.values()))['citizens']:,}): {growth}")
    return target, measured, kept <= KEPT_BYTES_BEFORE


def _oracle_target(results: dict) -> tuple[str, str, bool | None]:
    low, high = ORACLE_SIZES
    target = (f"At least {ORACLE_SPEEDUP}x the oracle's citizen-steps per second at "
              f"{low:,} to {high:,} citizens (CPU, one thread)")
    rows = [row for row in oracle_speedups(results)
            if low <= row["citizens"] <= high and row["threads"] == 1]
    if not rows:
        return target, "no size in the range was run", None
    sizes = {row["citizens"] for row in rows}
    missing = [f"{n:,}" for n in (10_000, 100_000, 1_000_000) if n not in sizes]
    measured = ", ".join(f"{row['cpu']:.0f}x at {row['citizens']:,}" for row in rows)
    if missing:
        measured += f" ({', '.join(missing)} not run)"
    return target, measured, min(row["cpu"] for row in rows) >= ORACLE_SPEEDUP


# --- markdown -----------------------------------------------------------------------------
def _table(header: list[str], rows: list[list]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def met_label(met: bool | None) -> str:
    return {True: "met", False: "**not met**", None: "not measured"}[met]


def _loads(records: list[dict]) -> str:
    """Return the range of one-minute load averages seen at the starts and ends of runs."""
    loads = [r[key] for r in records for key in ("load_start", "load_end") if key in r]
    return f"{min(loads):.1f} to {max(loads):.1f}" if loads else "n/a"


def markdown(results: dict) -> str:
    """Return the markdown report."""
    out = ["# Benchmark results", "", f"Command: `{results['command']}`", ""]
    out += [_table(["machine and run", ""], [[k, v] for k, v in results["machine"].items()]), ""]
    out += ["## Targets", "", _table(["target", "measured", ""], [
        [target, measured, met_label(met)] for target, measured, met in targets(results)]), ""]
    out += _comparison_section(results)
    out += _details_section(results)
    return "\n".join(out)


def _comparison_section(results: dict) -> list[str]:
    against = results["against"]
    out = [f"## Side by side against `{against['commit']}` ({against['date']})", "",
           f"`{against['commit']}`: {against['subject']}", "",
           "Both versions are measured by the same script (`benchmarks/probe.py`), each run "
           "in a fresh interpreter with `PYTHONPATH` set to that version's source (the probe "
           "checks which `model` it imported), the versions taking turns. Every process "
           "first makes one small untimed run, so compiled code is loaded before timing. "
           "Ratios are old / new: above 1 the new code is faster.", ""]
    records = results["calibration"]
    summary = versions.calibration_summary(records)
    out += [f"### Calibration size: `simulate`, {records[0]['citizens']:,} citizens, 2020-09 to "
            f"{records[0]['end']}", "",
            _table(["version", "commit", "runs", "wall min ms", "wall median ms",
                    "CPU min ms", "CPU median ms", "load (1 min)"],
                   [[name, f["commit"], f["wall"]["n"], f"{f['wall']['min'] * 1e3:.1f}",
                     f"{f['wall']['median'] * 1e3:.1f}", f"{f['cpu']['min'] * 1e3:.1f}",
                     f"{f['cpu']['median'] * 1e3:.1f}",
                     _loads([r for r in records if r["variant"] == name])]
                    for name, f in summary.items()]), ""]
    if "new" in summary and "old" in summary:
        wall = versions.ratio(summary["old"]["wall"], summary["new"]["wall"])
        cpu = versions.ratio(summary["old"]["cpu"], summary["new"]["cpu"])
        out += [f"Speed-up: **{wall['median']:.2f}x** (median wall), {wall['min']:.2f}x (min "
                f"wall); CPU {cpu['median']:.2f}x (median), {cpu['min']:.2f}x (min). "
                f"Rounds: {max(r['round'] for r in records) + 1}, "
                f"{len(records[0]['runs'])} seeds per process.", ""]
    fits = versions.calibration_summary(records, "fit_runs")
    if {"old", "new"} <= set(fits):
        wall = versions.ratio(fits["old"]["wall"], fits["new"]["wall"])
        out += [f"**As a fit's evaluation runs it**: the same runs again, the new code reading "
                f"the shares only in the {_months_read(records)} months the target and check "
                "waves see (`simulate(..., observe=months)`, what `calibrate` does); the old "
                "code's fits read every month.", "",
                _table(["version", "runs", "wall min ms", "wall median ms", "CPU min ms",
                        "CPU median ms"],
                       [[name, f["wall"]["n"], f"{f['wall']['min'] * 1e3:.1f}",
                         f"{f['wall']['median'] * 1e3:.1f}", f"{f['cpu']['min'] * 1e3:.1f}",
                         f"{f['cpu']['median'] * 1e3:.1f}"] for name, f in fits.items()]), "",
                f"Speed-up: **{wall['median']:.2f}x** (median wall), {wall['min']:.2f}x (min "
                "wall).", ""]
    for key, title in (("large", "Large run"), ("full_population", "Full population")):
        if results.get(key):
            out += _large_table(results[key], title)
    return out


def _large_table(records: list[dict], title: str) -> list[str]:
    summary = versions.large_summary(records)
    first = next(iter(summary.values()))
    out = [f"### {title}: {first['citizens']:,} citizens, 2020-09 to {records[0]['end']} "
           f"({first['steps']} steps)", "",
           "Medians over rounds (min in brackets). RSS growth is resident memory after the "
           "build, after the run, and after the run once the allocator has returned freed "
           "memory (`malloc_trim`: what the run keeps), minus before the build, per "
           "citizen.", "",
           _table(["version", "threads", "build s", "run s", "total s",
                   "citizen-steps/s (wall)", "run CPU s", "peak RSS MiB",
                   "RSS after build MiB", "RSS growth B/citizen (build / run / kept)",
                   "rounds",
                   "load (1 min)"],
                  [[name, f["threads"], _median_min(f["build_wall"]), _median_min(f["run_wall"]),
                    _median_min(f["total_wall"]),
                    f"{f['citizen_steps_per_s']['median'] / 1e6:.2f} M",
                    f"{f['run_cpu']['median']:.2f}", f"{f['peak_rss_mb']['median']:.0f}",
                    f"{f['rss_after_build_mb']['median']:.0f}",
                    f"{f['rss_growth_after_build_b']['median']:.0f} / "
                    f"{f['rss_growth_after_run_b']['median']:.0f} / "
                    f"{f['rss_growth_trimmed_b']['median']:.0f}", f["total_wall"]["n"],
                    _loads([r for r in records if r["variant"] == name])]
                   for name, f in summary.items()]), ""]
    speedups = large_speedups(summary)
    if speedups:
        out += [_table(["new variant", "build old/new", "run old/new", "total old/new"],
                       [[name] + [f"{r[m]['median']:.2f}x ({r[m]['min']:.2f}x)"
                                  for m in ("build_wall", "run_wall", "total_wall")]
                        for name, r in speedups.items()]), ""]
    return out


def _median_min(stats: dict) -> str:
    return f"{stats['median']:.2f} ({stats['min']:.2f})"


def _details_section(results: dict) -> list[str]:
    sizes = results["sizes"]
    out = ["## Current code", "",
           "Each size and thread count in a fresh process, one at a time; every compiled "
           "function loaded (threaded path included) before the timed build.", "",
           "### Throughput", "",
           _table(["citizens", "threads", "build s (population / solve / network)", "steps",
                   "first step ms", "median step ms", "citizen-steps/s (wall)",
                   "citizen-steps/s (CPU)", "total s", "peak RSS MiB", "load (1 min)"],
                  [[f"{r['citizens']:,}", r["threads"],
                    f"{r['build']:.2f} ({r['build_population']:.2f} / "
                    f"{r['build_initial_solve']:.2f} / {r['build_network']:.2f})", r["steps"],
                    f"{r['step_first'] * 1e3:.1f}", f"{r['step_median'] * 1e3:.1f}",
                    f"{r['citizen_steps_per_s'] / 1e6:.2f} M",
                    f"{r['citizen_steps_per_cpu_s'] / 1e6:.2f} M", f"{r['total']:.1f}",
                    f"{r['peak_rss_mb']:.0f}", _loads([r])] for r in sizes]), ""]
    by_size = {}
    for r in sizes:
        by_size.setdefault(r["citizens"], {})[r["threads"]] = r
    pairs = [(n, runs[1], runs[max(runs)]) for n, runs in by_size.items()
             if 1 in runs and max(runs) > 1]
    if pairs:
        out += ["Speed-up of the run from more threads: wall time on 1 thread over wall "
                "time on more (in brackets the same ratio of CPU time, below 1 when the "
                "threads add work): " + "; ".join(
                    f"{n:,}: {one['run'] / many['run']:.2f}x on {many['threads']} "
                    f"({one['run_cpu'] / many['run_cpu']:.2f}x)" for n, one, many in pairs)
                + ".", ""]
    rows = measure.determinism(sizes)
    if rows:
        out += ["### Determinism: the same seed on 1 and 2 threads", "",
                _table(["citizens", "threads", "threaded path", "largest share difference",
                        "final state"],
                       [[f"{row['citizens']:,}", " and ".join(map(str, row["threads"])),
                         "yes" if row["uses_threads"] else "no (under 64 chunks)",
                         f"{row['max_share_difference']:g}",
                         "bit-identical" if row["same_state"] else "**different**"]
                        for row in rows]), ""]
    out += _memory_section(results)
    out += _oracle_section(results)
    out += _breakdown_section(results["breakdown"])
    out += _network_and_ensemble(results)
    return out


def _memory_section(results: dict) -> list[str]:
    largest = largest_size(results)
    inventory = largest["inventory"]
    groups = {group: sum(size for name, _, size in inventory["rows"]
                         if name.startswith(group + ".")) for group in GROUPS}
    out = [f"### Memory kept per citizen ({largest['citizens']:,} citizens)", "",
           "Every per-citizen array the model keeps, each counted once (arrays sharing "
           "memory with one already counted are skipped: "
           + (", ".join(f"`{a}` is `{b}`" for a, b in inventory["shared"]) or "none") + ").",
           "",
           _table(["array", "dtype", "bytes per citizen"],
                  [[f"`{name}`", dtype, f"{size:.2f}"] for name, dtype, size in inventory["rows"]]
                  + [["**total**", "", f"**{inventory['bytes_per_citizen']:.1f}**"]]), "",
           "By group: " + ", ".join(f"{g} {b:.0f} B" for g, b in groups.items()) + ". "
           f"Fixed cost, whatever the population: each thread's chunk buffer of random "
           f"numbers, {' x '.join(map(str, inventory['fixed_shape'][1:]))} 32-bit words, "
           f"{inventory['fixed_bytes'] / inventory['fixed_shape'][0] / 1024:.0f} KiB a thread.",
           "",
           "Measured resident memory growth per citizen (after the build / after the run / "
           "after the run with freed memory returned by the allocator, minus before the "
           "build): " + "; ".join(
               f"{r['citizens']:,} on {r['threads']}: {r['rss_growth_after_build_b']:.0f} / "
               f"{r['rss_growth_after_run_b']:.0f} / {r['rss_growth_trimmed_b']:.0f} B"
               for r in results["sizes"]) + ".", ""]
    return out


def _oracle_section(results: dict) -> list[str]:
    reference = results["reference"]
    return ["### Speed-up over the per-agent oracle", "",
            f"`model.oracle.reference.ReferenceModel`, {reference['citizens']:,} citizens, "
            f"{reference['steps']} steps, best of {reference['repeats']}: "
            f"{reference['reference_citizen_steps_per_cpu_s']:,.0f} citizen-steps per CPU second "
            f"({reference['reference_citizen_steps_per_s']:,.0f} per wall second); the engine "
            f"on the same world: {reference['engine_citizen_steps_per_cpu_s']:,.0f}; largest "
            f"share difference between the two {reference['max_share_difference']:.1e}.", "",
            _table(["citizens", "threads", "speed-up (CPU)", "speed-up (wall)"],
                   [[f"{row['citizens']:,}", row["threads"], f"{row['cpu']:.0f}x",
                     f"{row['wall']:.0f}x"] for row in oracle_speedups(results)]), ""]


def _breakdown_section(breakdown: dict) -> list[str]:
    total = breakdown["total_ms"]
    return [f"### Where a calibration-size run goes ({breakdown['citizens']:,} citizens, 2020-09 "
            f"to {breakdown['end']}, mean of {breakdown['runs']} runs, one thread)", "",
            _table(["part", "calls per run", "ms per run", "share"],
                   [[part, breakdown["calls"].get(part, ""), f"{ms:.1f}", f"{ms / total:.0%}"]
                    for part, ms in breakdown["parts_ms"].items()]
                   + [["**total**", "", f"**{total:.1f}**", ""]]), ""]


def _network_and_ensemble(results: dict) -> list[str]:
    return ["### Network build (best of 3)", "",
            _table(["citizens", "mean degree k", "ties", "build s", "ns per tie"],
                   [[f"{r['citizens']:,}", r["mean_degree"], f"{r['ties']:,}",
                     f"{r['build_network']:.3f}", f"{r['ns_per_tie']:.1f}"]
                    for r in results["network"]]), "",
            "### Ensemble throughput (`model.runs.execution.run_tasks`)", "",
            _table(["workers", "runs", "citizens", "wall s", "runs per minute", "load (1 min)"],
                   [[r["workers"], r["runs"], f"{r['citizens']:,}", f"{r['wall']:.1f}",
                     f"{r['runs_per_minute']:.0f}", _loads([r])] for r in results["ensemble"]]),
            ""]


# --- figure -------------------------------------------------------------------------------
def scaling_plot(results: dict) -> bytes:
    """Return the figure (PNG bytes): speed-ups, throughput, network build and memory."""
    fig, axes = plt.subplots(2, 2, figsize=(11, 8.5))
    _plot_speedups(axes[0, 0], results)
    _plot_throughput(axes[0, 1], results)
    _plot_network(axes[1, 0], results["network"])
    _plot_memory(axes[1, 1], results)
    fig.tight_layout()
    out = io.BytesIO()
    fig.savefig(out, format="png", dpi=110)
    plt.close(fig)
    return out.getvalue()


def _plot_speedups(ax, results: dict) -> None:
    calibration = versions.calibration_summary(results["calibration"])
    bars = [("calibration size", versions.ratio(calibration["old"]["wall"],
                                                calibration["new"]["wall"]), CALIBRATION_SPEEDUP)]
    large = versions.large_summary(results["large"])
    citizens = next(iter(large.values()))["citizens"]
    for name, ratios in large_speedups(large).items():
        bars.append((f"{citizens:,}: {name}", ratios["total_wall"], LARGE_SPEEDUP))
    x = np.arange(len(bars))
    ax.bar(x - 0.2, [b[1]["median"] for b in bars], 0.4, label="median")
    ax.bar(x + 0.2, [b[1]["min"] for b in bars], 0.4, label="min")
    for i, (_, _, goal) in enumerate(bars):
        ax.hlines(goal, i - 0.45, i + 0.45, colors="tab:red", linestyles="--")
    ax.axhline(1.0, color="grey", lw=0.8)
    ax.set_xticks(x, [b[0] for b in bars], fontsize=8)
    ax.set(ylabel="old / new wall time", title=f"Speed-up over {results['against']['commit']} "
           "(red: target)")
    ax.legend()


def _plot_throughput(ax, results: dict) -> None:
    reference = results["reference"]["reference_citizen_steps_per_cpu_s"]
    for colour, threads in enumerate(sorted({r["threads"] for r in results["sizes"]})):
        rows = sorted((r for r in results["sizes"] if r["threads"] == threads),
                      key=lambda r: r["citizens"])
        n, label = [r["citizens"] for r in rows], f"{threads} thread{'s' * (threads > 1)}"
        ax.semilogx(n, [r["citizen_steps_per_s"] / 1e6 for r in rows], "o-", color=f"C{colour}",
                    label=f"{label}, wall")
        ax.semilogx(n, [r["citizen_steps_per_cpu_s"] / 1e6 for r in rows], "x:",
                    color=f"C{colour}", label=f"{label}, CPU")
    ax.axhline(ORACLE_SPEEDUP * reference / 1e6, color="tab:red", ls="--",
               label=f"{ORACLE_SPEEDUP} x oracle (CPU)")
    ax.set(xlabel="citizens", ylabel="million citizen-steps per second", title="Throughput",
           ylim=(0, None))
    ax.legend(fontsize=8)


def _plot_network(ax, network: list[dict]) -> None:
    first_k = network[0]["mean_degree"]
    for rows, marker, label in (
            ([r for r in network if r["mean_degree"] == first_k], "o-", f"N varies, k = {first_k}"),
            ([r for r in network if r["citizens"] == network[-1]["citizens"]], "s",
             f"k varies, N = {network[-1]['citizens']:,}")):
        ax.loglog([r["ties"] for r in rows], [r["build_network"] for r in rows], marker,
                  label=label)
    ties = np.sort([r["ties"] for r in network]).astype(float)
    per_tie = np.median([r["build_network"] / r["ties"] for r in network])
    ax.loglog(ties, ties * per_tie, "k:", label="proportional to N k")
    ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    ax.set(xlabel="ties (N k)", ylabel="seconds", title="Network build")
    ax.legend(fontsize=8)


def _plot_memory(ax, results: dict) -> None:
    inventory = largest_size(results)["inventory"]
    bottom = 0.0
    for group in GROUPS:
        size = sum(s for name, _, s in inventory["rows"] if name.startswith(group + "."))
        ax.bar(0, size, bottom=bottom, label=f"kept: {group}")
        bottom += size
    growth = [(f"{r['citizens']:,}\n{r['threads']} thr", r["rss_growth_trimmed_b"])
              for r in sorted(results["sizes"], key=lambda r: (r["citizens"], r["threads"]))]
    large = versions.large_summary(results["large"])
    growth += [(f"{figures['citizens']:,}\n{name}", figures["rss_growth_trimmed_b"]["median"])
               for name, figures in large.items() if name in ("old", "new")]
    x = np.arange(1, len(growth) + 1)
    ax.bar(x, [size for _, size in growth], color="tab:grey",
           label="measured: resident memory kept after the run")
    ax.axhline(KEPT_BYTES_BEFORE, color="tab:red", ls="--",
               label=f"kept before ({KEPT_BYTES_BEFORE} B)")
    ax.set_xticks([0, *x], ["counted", *(label for label, _ in growth)], fontsize=7)
    ax.set(ylabel="bytes per citizen", title="Memory per citizen")
    ax.legend(fontsize=7)
