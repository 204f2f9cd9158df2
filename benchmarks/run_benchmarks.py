"""Benchmark suite: the current code side by side with an older commit, then in detail.

Usage (from the repository root)::

    python benchmarks/run_benchmarks.py                     # against 521770a; 10^4..10^6
    python benchmarks/run_benchmarks.py --full-population   # ... and 9.1 million citizens
    python benchmarks/run_benchmarks.py --quick             # smoke run, about two minutes

1. Side by side (``benchmarks/versions.py``): the older commit's ``model/`` is materialised
   in a temporary folder, and the same probe script (``benchmarks/probe.py``) measures both
   versions, each run in a fresh interpreter, the versions taking turns: calibration-size
   ``simulate`` runs, and one large run (new code on every core and on one thread).
2. Current code (``benchmarks/measure.py``), each measurement in a fresh process, one at a
   time so that peak memory is its own: throughput by size and thread count, memory kept
   per citizen, determinism across thread counts, the speed-up over the per-agent oracle,
   where a calibration-size run spends its time, the network build and ensemble throughput.

Writes ``benchmarks.csv`` (tidy), ``benchmarks.md``, ``scaling.png`` and ``benchmarks.json``
(every raw record; ``--from-json`` renders the report again from it) to the output folder.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import platform
import shlex
import signal
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import measure, report, versions  # noqa: E402
from model.inputs.scenario import DEFAULT_END, MAX_CITIZENS  # noqa: E402

#: The code as it stood on 2026-11-28, before the one-engine rewrite.
DEFAULT_AGAINST = "521770a"


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    add = parser.add_argument
    add("--against", default=DEFAULT_AGAINST, help="the older commit to compare with")
    add("--calibration-rounds", type=int, default=4,
        help="calibration-size processes per version, the versions taking turns")
    add("--calibration-seeds", type=int, default=5,
        help="calibration-size runs per process (after a warm-up run)")
    add("--calibration-citizens", type=int, default=5_000)
    add("--calibration-end", default="2025-11")
    add("--large-citizens", type=int, default=1_000_000, help="citizens of the large run")
    add("--large-rounds", type=int, default=3, help="large runs per variant, taking turns")
    add("--end", default=DEFAULT_END, help="last month of the large and detail runs")
    add("--full-population", action="store_true",
        help=f"also run {MAX_CITIZENS:,} citizens: new code, side by side and in the details "
             "(several minutes each)")
    add("--full-population-against", action="store_true",
        help="with --full-population, run the older commit at full size too (about 5 min "
             "and 3.5 GB)")
    add("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000],
        help="population sizes of the current-code details")
    add("--threads", type=int, nargs="+", default=[1, 2], help="thread counts of the details")
    add("--reference-citizens", type=int, default=1_000, help="citizens of the oracle run")
    add("--reference-end", default="2021-09", help="last month of the oracle run")
    add("--breakdown-runs", type=int, default=10,
        help="calibration-size runs timed part by part")
    add("--network-sizes", type=int, nargs="+",
        default=[10_000, 30_000, 100_000, 300_000, 1_000_000, 3_000_000])
    add("--ensemble-runs", type=int, default=16, help="default runs in the ensemble benchmark")
    add("--workers", type=int, default=2, help="most worker processes of the ensemble benchmark")
    add("--quick", action="store_true",
        help="smoke run: small sizes, one year, few runs (writes to results/quick)")
    add("--output", type=Path, default=None,
        help="output folder (default: benchmarks/results, or benchmarks/results/quick)")
    add("--from-json", type=Path, default=None,
        help="render the report from a benchmarks.json instead of measuring")
    args = parser.parse_args(argv)
    if args.quick:
        args.calibration_rounds, args.calibration_seeds = 2, 2
        args.large_citizens, args.large_rounds, args.end = 100_000, 1, "2021-09"
        args.sizes, args.reference_citizens, args.reference_end = [10_000, 100_000], 200, "2021-03"
        args.breakdown_runs, args.network_sizes, args.ensemble_runs = 3, [10_000, 100_000], 4
    if args.full_population and MAX_CITIZENS not in args.sizes:
        args.sizes = [*args.sizes, MAX_CITIZENS]
    args.sizes = sorted(args.sizes)
    args.network_sizes = sorted(n for n in args.network_sizes if n <= max(args.sizes))
    if args.output is None:
        args.output = ROOT / "benchmarks" / "results" / ("quick" if args.quick else "")
    return args


def in_fresh_process(function, *args):
    """Run ``function(*args)`` in a new interpreter (spawn) and return its result."""
    with ProcessPoolExecutor(max_workers=1,
                             mp_context=multiprocessing.get_context("spawn")) as pool:
        return pool.submit(function, *args).result()


def load_averages() -> str:
    """Return the 1, 5 and 15-minute load averages."""
    return " / ".join(f"{load:.2f}" for load in os.getloadavg())


def machine_description(against: dict) -> dict:
    """Return what the figures were measured on, and with which code."""
    import mesa
    import numba
    import numpy

    cpuinfo = Path("/proc/cpuinfo").read_text().splitlines()
    cpu = next((line.split(":", 1)[1].strip() for line in cpuinfo
                if line.startswith("model name")), platform.processor())
    flags = next((line.split(":", 1)[1].split() for line in cpuinfo
                  if line.startswith("flags")), [])
    simd = " ".join(flag for flag in ("avx2", "avx512f", "fma") if flag in flags)
    memory_kib = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text()
                      .splitlines() if line.startswith("MemTotal"))
    current = versions.current_source()
    return {"date": time.strftime("%Y-%m-%d %H:%M %Z"), "current code": current.commit,
            "against": f"{against['commit']} ({against['date']})",
            "cpu": f"{cpu} ({simd})", "cores (nproc)": os.cpu_count(),
            "memory": f"{memory_kib / 2**20:.1f} GiB", "python": platform.python_version(),
            "numpy": numpy.__version__, "numba": numba.__version__, "mesa": mesa.__version__,
            "load average at start (1 / 5 / 15 min)": load_averages()}


def side_by_side(args: argparse.Namespace, results: dict) -> None:
    """Measure the older commit and the current tree with the same probe, taking turns."""
    new = versions.current_source()
    with versions.materialised(args.against) as old:
        print(f"side by side: {old.commit} (in {old.root}) and {new.commit}", flush=True)
        results["prime"] = versions.prime([old, new])
        print("calibration size ...", flush=True)
        results["calibration"] = versions.compare_calibration(
            [versions.Variant(old), versions.Variant(new)], args.calibration_rounds,
            args.calibration_seeds, args.calibration_citizens, args.calibration_end)
        print(f"{args.large_citizens:,} citizens ...", flush=True)
        large = [versions.Variant(old), versions.Variant(new), versions.Variant(new, 1)]
        results["large"] = versions.compare_large(large, args.large_rounds,
                                                  args.large_citizens, args.end)
        if args.full_population:
            print(f"{MAX_CITIZENS:,} citizens ...", flush=True)
            full = [versions.Variant(new)]
            if args.full_population_against:
                full.insert(0, versions.Variant(old))
            results["full_population"] = versions.compare_large(full, 1, MAX_CITIZENS, args.end)


def current_code(args: argparse.Namespace, results: dict) -> None:
    """Measure the current code in detail, each measurement in a fresh process."""
    results["sizes"] = []
    for number, n in enumerate(args.sizes):
        # Alternate which thread count goes first, so that neither always meets the same load.
        order = args.threads if number % 2 == 0 else args.threads[::-1]
        for threads in order:
            print(f"size {n:,} on {threads} thread(s) ...", flush=True)
            record = in_fresh_process(measure.measure_size, n, args.end, threads)
            print(f"  build {record['build']:.2f} s, median step "
                  f"{record['step_median'] * 1e3:.1f} ms, peak {record['peak_rss_mb']:.0f} MiB",
                  flush=True)
            results["sizes"].append(record)
    print("calibration-size breakdown ...", flush=True)
    results["breakdown"] = in_fresh_process(measure.measure_breakdown, args.calibration_citizens,
                                            args.calibration_end,
                                            list(range(args.breakdown_runs)))
    print("oracle ...", flush=True)
    results["reference"] = in_fresh_process(measure.measure_reference, args.reference_citizens,
                                            args.reference_end)
    print("network scaling ...", flush=True)
    results["network"] = in_fresh_process(measure.measure_network, args.network_sizes,
                                          [14, 7, 28, 56])
    print("ensemble ...", flush=True)
    results["ensemble"] = [in_fresh_process(measure.measure_ensemble, args.ensemble_runs, w)
                           for w in sorted({1, args.workers})]


def write_outputs(results: dict, output: Path) -> None:
    """Write the CSV, the markdown report, the figure and the raw records."""
    report.write_atomic(output / "benchmarks.json", json.dumps(results, indent=1))
    report.write_atomic(output / "benchmarks.csv", report.csv_text(report.tidy_rows(results)))
    report.write_atomic(output / "benchmarks.md", report.markdown(results))
    report.write_atomic(output / "scaling.png", report.scaling_plot(results))
    print(f"wrote {output}/benchmarks.csv, benchmarks.md, scaling.png, benchmarks.json")
    for target, measured, met in report.targets(results):
        print(f"  {report.met_label(met)}: {target}: {measured}")


def _stop_on_terminate(signum, frame):
    # SIGTERM ends the run like Ctrl-C: the temporary source tree is removed on the way out.
    raise SystemExit(128 + signum)


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.from_json:
        write_outputs(json.loads(args.from_json.read_text()), args.output)
        return 0
    signal.signal(signal.SIGTERM, _stop_on_terminate)
    words = sys.argv[1:] if argv is None else argv
    against = versions.describe_commit(args.against)
    command = " ".join(["python benchmarks/run_benchmarks.py", shlex.join(words)]).strip()
    results: dict = {"command": command,
                     "against": against, "machine": machine_description(against)}
    side_by_side(args, results)
    current_code(args, results)
    results["machine"]["load average at end (1 / 5 / 15 min)"] = load_averages()
    write_outputs(results, args.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
