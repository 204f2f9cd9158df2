"""Write the benchmark results: a tidy CSV, a markdown report and the scaling plot."""

from __future__ import annotations

import csv
import io
import os
import tempfile
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

#: (metric, unit) of every per-size figure written to the CSV, in table order.
SIZE_METRICS = [
    ("build_population", "s"), ("build_initial_solve", "s"), ("build_network", "s"),
    ("build_total", "s"), ("steps", "steps"), ("step_mean", "s"), ("step_median", "s"),
    ("step_cpu_mean", "s"), ("run", "s"), ("run_cpu", "s"), ("citizen_steps_per_s", "1/s"),
    ("citizen_steps_per_cpu_s", "1/s"), ("total", "s"), ("peak_rss_after_build_mb", "MB"),
    ("peak_rss_mb", "MB"), ("persistent_bytes_per_citizen", "B"),
]


#: The speed-up target is judged from this size up (the benchmark's smallest); below it a
#: month's fixed cost (raking the survey, Python calls) weighs on the step.
SPEEDUP_FROM = 10_000


def write_atomic(path: Path, text: str | bytes) -> None:
    """Write a file whole or not at all (temporary file in the same folder, then rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = "wb" if isinstance(text, bytes) else "w"
    with tempfile.NamedTemporaryFile(mode, dir=path.parent, delete=False,
                                     suffix=".tmp") as handle:
        handle.write(text)
    os.replace(handle.name, path)


def tidy_rows(results: dict) -> list[dict]:
    """Return one row per (benchmark, citizens, metric)."""
    rows = []

    def add(benchmark, citizens, metric, value, unit):
        rows.append({"benchmark": benchmark, "citizens": citizens, "metric": metric,
                     "value": value, "unit": unit})

    for record in results["sizes"]:
        for metric, unit in SIZE_METRICS:
            add("size", record["citizens"], metric, record[metric], unit)
        add("size", record["citizens"], "kernel_load", record["kernel_load"], "s")
    for record in results.get("numpy_engine", []):
        for metric, unit in SIZE_METRICS:
            add("size_numpy_engine", record["citizens"], metric, record[metric], unit)
    default = results["default_run"]
    add("default_run", default["citizens"], "simulate_median", default["simulate_median"], "s")
    add("default_run", default["citizens"], "simulate_cpu_median",
        default["simulate_cpu_median"], "s")
    for row in results["network"]:
        benchmark = f"network_k{row['mean_degree']}"
        add(benchmark, row["citizens"], "build_network", row["build_network"], "s")
        add(benchmark, row["citizens"], "ns_per_tie", row["ns_per_tie"], "ns")
    for row in results["ensemble"]:
        add(f"ensemble_{row['workers']}_workers", row["citizens"], "runs_per_minute",
            row["runs_per_minute"], "1/min")
    ref = results["reference"]
    for metric in ("reference_citizen_steps_per_s", "reference_citizen_steps_per_cpu_s",
                   "vectorised_citizen_steps_per_cpu_s"):
        add("reference", ref["citizens"], metric, ref[metric], "1/s")
    for record in results["sizes"]:
        add("speedup", record["citizens"], "cpu_speedup_vs_reference",
            record["citizen_steps_per_cpu_s"] / ref["reference_citizen_steps_per_cpu_s"], "x")
    return rows


def csv_text(rows: list[dict]) -> str:
    """Return the tidy rows as CSV."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=["benchmark", "citizens", "metric", "value", "unit"])
    writer.writeheader()
    for row in rows:
        writer.writerow({**row, "value": f"{row['value']:.6g}"})
    return out.getvalue()


def _table(header: list[str], rows: list[list]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def targets(results: dict) -> list[tuple[str, str, bool | None]]:
    """Return (target, measured, met) for the issue's targets (None: not measured)."""
    by_size = {record["citizens"]: record for record in results["sizes"]}
    ref = results["reference"]["reference_citizen_steps_per_cpu_s"]
    default = results["default_run"]
    rows = [("Default run (20,000 citizens, 123 steps) under 1 s",
             f"{default['simulate_median']:.2f} s (median of {default['repeats']}, wall)",
             default["simulate_median"] < 1.0)]
    for n, seconds, gigabytes, label in ((1_000_000, 60, 2, "1,000,000 citizens"),
                                         (9_100_000, 600, 16, "Full population (9.1 M)")):
        record = by_size.get(n)
        if record is None:
            rows.append((f"{label}: under {seconds} s and {gigabytes} GB", "not run", None))
            continue
        rows.append((f"{label}: under {seconds} s and {gigabytes} GB",
                     f"{record['total']:.1f} s, {record['peak_rss_mb'] / 1024:.2f} GB",
                     record["total"] < seconds and record["peak_rss_mb"] < gigabytes * 1024))
    benchmarked = [record["citizen_steps_per_cpu_s"] for record in results["sizes"]
                   if record["citizens"] >= SPEEDUP_FROM]
    if benchmarked:
        rows.append((f"At least 100x the reference's citizen-steps per second (CPU), at every "
                     f"size from {SPEEDUP_FROM:,}", f"{min(benchmarked) / ref:.0f}x at worst",
                     min(benchmarked) / ref >= 100))
    return rows


def markdown(results: dict, machine: dict, command: str) -> str:
    """Return the markdown report."""
    ref = results["reference"]
    reference_speed = ref["reference_citizen_steps_per_cpu_s"]
    out = ["# Benchmark results", "", f"Command: `{command}`", ""]
    out += [_table(["machine", ""], [[key, value] for key, value in machine.items()]), ""]

    out += ["## Targets", "", _table(["target", "measured", "met"], [
        [target, measured, {True: "yes", False: "**no**", None: "not run"}[met]]
        for target, measured, met in targets(results)]), ""]

    out += ["## Build and run, by population size (one seed, 2020-09 to the end month)", "",
            _table(["citizens", "build s (population / solve / network)", "steps",
                    "ms per step (wall)", "ms per step (CPU)", "citizen-steps/s (CPU)",
                    "total s", "peak RSS MB", "kept B/citizen"],
                   [[f"{r['citizens']:,}",
                     f"{r['build_total']:.2f} ({r['build_population']:.2f} / "
                     f"{r['build_initial_solve']:.2f} / {r['build_network']:.2f})",
                     r["steps"], f"{r['step_mean'] * 1e3:.1f}", f"{r['step_cpu_mean'] * 1e3:.1f}",
                     f"{r['citizen_steps_per_cpu_s'] / 1e6:.2f} M", f"{r['total']:.1f}",
                     f"{r['peak_rss_mb']:.0f}", f"{r['persistent_bytes_per_citizen']:.0f}"]
                    for r in results["sizes"]]), ""]

    default = results["default_run"]
    out += [f"Default run, `simulate()` with 20,000 citizens to 2030-12: median "
            f"{default['simulate_median']:.3f} s wall ({default['simulate_cpu_median']:.3f} s "
            f"CPU), best {default['simulate_min']:.3f} s, {default['repeats']} repeats.", ""]

    out += ["## Ensemble throughput (20,000-citizen default runs)", "",
            _table(["workers", "runs", "wall s", "runs per minute"],
                   [[r["workers"], r["runs"], f"{r['wall']:.1f}", f"{r['runs_per_minute']:.0f}"]
                    for r in results["ensemble"]]), ""]

    out += ["## Network build (best of 3): cost per tie stays flat in N and in k", "",
            _table(["citizens", "mean degree k", "ties", "build s", "ns per tie"],
                   [[f"{r['citizens']:,}", r["mean_degree"], f"{r['ties']:,}",
                     f"{r['build_network']:.3f}", f"{r['ns_per_tie']:.1f}"]
                    for r in results["network"]]), ""]

    out += ["## Speed-up over the per-agent Mesa reference", "",
            f"Reference (`model/oracle/reference.py`), {ref['citizens']:,} citizens, "
            f"{ref['steps']} steps: {ref['reference_citizen_steps_per_cpu_s']:,.0f} "
            f"citizen-steps per CPU second ({ref['reference_citizen_steps_per_s']:,.0f} per "
            f"wall second); the vectorised model on the same world: "
            f"{ref['vectorised_citizen_steps_per_cpu_s']:,.0f}; largest share difference "
            f"between the two {ref['max_share_difference']:.1e}.", "",
            _table(["citizens", "vectorised citizen-steps/s (CPU)", "speed-up"],
                   [[f"{r['citizens']:,}", f"{r['citizen_steps_per_cpu_s']:,.0f}",
                     f"{r['citizen_steps_per_cpu_s'] / reference_speed:.0f}x"]
                    for r in results["sizes"]]), ""]

    numpy_engine = results.get("numpy_engine", [])
    if numpy_engine:
        compiled = {r["citizens"]: r["citizen_steps_per_cpu_s"] for r in results["sizes"]}
        out += ["## Compiled kernels against the numpy engine", "",
                "The same model with `engine=\"numpy\"`: the array-operation specification "
                "that the compiled kernels are tested against (`tests/test_kernels.py`). "
                f"Loading the compiled kernels took {results['sizes'][0]['kernel_load']:.2f} s "
                "once per process (not in the step times).", "",
                _table(["citizens", "numpy engine citizen-steps/s (CPU)",
                        "compiled citizen-steps/s (CPU)", "compiled / numpy",
                        "numpy engine speed-up over the reference", "numpy engine peak RSS MB"],
                       [[f"{r['citizens']:,}", f"{r['citizen_steps_per_cpu_s']:,.0f}",
                         f"{compiled[r['citizens']]:,.0f}",
                         f"{compiled[r['citizens']] / r['citizen_steps_per_cpu_s']:.2f}",
                         f"{r['citizen_steps_per_cpu_s'] / reference_speed:.0f}x",
                         f"{r['peak_rss_mb']:.0f}"]
                        for r in numpy_engine]), ""]

    largest = max(results["sizes"], key=lambda r: r["citizens"])
    out += [f"## Memory kept per citizen ({largest['citizens']:,} citizens)", "",
            _table(["array", "dtype", "bytes per citizen"],
                   [[name, dtype, f"{size:.2f}"] for name, dtype, size in largest["inventory"]]
                   + [["**total**", "", f"**{largest['persistent_bytes_per_citizen']:.1f}**"]]),
            ""]
    return "\n".join(out)


def scaling_plot(results: dict) -> bytes:
    """Return the scaling figure (PNG bytes): step time, throughput, network, memory."""
    sizes = results["sizes"]
    n = np.array([r["citizens"] for r in sizes], dtype=float)
    ref = results["reference"]["reference_citizen_steps_per_cpu_s"]
    fig, axes = plt.subplots(2, 2, figsize=(10, 8))

    ax = axes[0, 0]
    step = np.array([r["step_cpu_mean"] for r in sizes])
    ax.loglog(n, step * 1e3, "o-", label="time per step (CPU)")
    ax.loglog(n, step[0] * 1e3 * n / n[0], "k:", label="proportional to N")
    ax.set(xlabel="citizens", ylabel="ms per monthly step", title="Time per step")
    ax.legend()

    ax = axes[0, 1]
    ax.semilogx(n, [r["citizen_steps_per_cpu_s"] / 1e6 for r in sizes], "o-",
                label="compiled kernels (CPU)")
    numpy_engine = results.get("numpy_engine", [])
    if numpy_engine:
        ax.semilogx([r["citizens"] for r in numpy_engine],
                    [r["citizen_steps_per_cpu_s"] / 1e6 for r in numpy_engine], "^--",
                    label="numpy engine (CPU)")
    ax.axhline(ref / 1e6, color="tab:red", label="per-agent Mesa reference")
    ax.axhline(100 * ref / 1e6, color="tab:red", ls="--", label="100 x reference")
    ax.set(xlabel="citizens", ylabel="million citizen-steps per second", title="Throughput",
           ylim=(0, None))
    ax.legend()

    ax = axes[1, 0]
    network = results["network"]
    first_k = network[0]["mean_degree"]
    for rows, marker, label in (
            ([r for r in network if r["mean_degree"] == first_k], "o-", f"N varies, k = {first_k}"),
            ([r for r in network if r["citizens"] == network[-1]["citizens"]], "s",
             f"k varies, N = {network[-1]['citizens']:,}")):
        ax.loglog([r["ties"] for r in rows], [r["build_network"] for r in rows], marker,
                  label=label)
    ties = np.array([r["ties"] for r in network], dtype=float)
    per_tie = np.median([r["build_network"] / r["ties"] for r in network])
    ax.loglog(np.sort(ties), np.sort(ties) * per_tie, "k:", label="proportional to N k")
    ax.set(xlabel="ties (N k)", ylabel="seconds", title="Network build")
    ax.legend()

    ax = axes[1, 1]
    ax.loglog(n, [r["peak_rss_mb"] / 1024 for r in sizes], "o-", label="peak RSS")
    ax.loglog(n, n * np.array([r["persistent_bytes_per_citizen"] for r in sizes]) / 2**30,
              "s--", label="arrays kept")
    for limit, label in ((2, "2 GB (1 M target)"), (16, "16 GB (9.1 M target)")):
        ax.axhline(limit, color="grey", ls=":", lw=1)
        ax.text(n[0], limit * 1.1, label, fontsize=8)
    ax.set(xlabel="citizens", ylabel="GB", title="Memory")
    ax.legend(loc="lower right")

    fig.tight_layout()
    out = io.BytesIO()
    fig.savefig(out, format="png", dpi=110)
    plt.close(fig)
    return out.getvalue()
