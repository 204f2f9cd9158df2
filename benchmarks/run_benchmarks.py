"""Benchmark suite: time per step, throughput, build time, peak memory, ensembles, scaling.

Usage (from the repository root)::

    python benchmarks/run_benchmarks.py                     # 10^4, 10^5, 10^6 citizens
    python benchmarks/run_benchmarks.py --full-population   # ... and 9.1 million (~5 GB)
    python benchmarks/run_benchmarks.py --quick             # smoke run, a few seconds

Sizes run with the compiled kernels (the default engine) and, up to 10^6 citizens, with the
numpy engine as well, to show what the kernels buy. Each population size runs in a fresh
process, one after another, so that peak memory (``ru_maxrss``) belongs to that size alone
and no two heavy jobs overlap. Writes
``benchmarks.csv`` (tidy), ``benchmarks.md`` and ``scaling.png`` to the output folder.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import platform
import shlex
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import measure, report  # noqa: E402
from model.inputs.scenario import DEFAULT_END, MAX_CITIZENS  # noqa: E402


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000],
                        help="population sizes (default: 10^4 10^5 10^6)")
    parser.add_argument("--full-population", action="store_true",
                        help=f"also run the full population, {MAX_CITIZENS:,} citizens "
                             "(about 5 GB of memory and 10 minutes)")
    parser.add_argument("--numpy-engine-up-to", type=int, default=1_000_000,
                        help="also time the numpy engine (the specification the compiled "
                             "kernels are tested against) at sizes up to this "
                             "(default: %(default)s; 0 for none)")
    parser.add_argument("--end", default=DEFAULT_END, help="last month (default: %(default)s)")
    parser.add_argument("--ensemble-runs", type=int, default=16,
                        help="default runs in the ensemble benchmark (default: %(default)s)")
    parser.add_argument("--workers", type=int, default=2,
                        help="processes for the ensemble benchmark (default: %(default)s)")
    parser.add_argument("--reference-citizens", type=int, default=1_000,
                        help="citizens in the per-agent reference run (default: %(default)s)")
    parser.add_argument("--reference-end", default="2021-09",
                        help="last month of the reference run (default: %(default)s)")
    parser.add_argument("--default-repeats", type=int, default=5,
                        help="repeats of the default simulate() run (default: %(default)s)")
    parser.add_argument("--quick", action="store_true",
                        help="smoke run: small sizes, one year, few runs")
    parser.add_argument("--output", type=Path, default=None,
                        help="output folder (default: benchmarks/results, or "
                             "benchmarks/results/quick with --quick)")
    args = parser.parse_args(argv)
    if args.quick:
        args.sizes, args.end, args.ensemble_runs = [2_000, 10_000], "2021-09", 4
        args.reference_citizens, args.reference_end, args.default_repeats = 200, "2021-03", 1
    if args.full_population and MAX_CITIZENS not in args.sizes:
        args.sizes = [*args.sizes, MAX_CITIZENS]
    args.sizes = sorted(args.sizes)
    if args.output is None:
        args.output = ROOT / "benchmarks" / "results" / ("quick" if args.quick else "")
    return args


def in_fresh_process(function, *args):
    """Run ``function(*args)`` in a new interpreter (spawn) and return its result."""
    with ProcessPoolExecutor(max_workers=1,
                             mp_context=multiprocessing.get_context("spawn")) as pool:
        return pool.submit(function, *args).result()


def machine_description() -> dict:
    """Return what the figures were measured on."""
    import mesa
    import numpy
    import scipy

    cpuinfo = Path("/proc/cpuinfo").read_text().splitlines()
    cpu = next((line.split(":", 1)[1].strip() for line in cpuinfo
                if line.startswith("model name")), platform.processor())
    flags = next((line.split(":", 1)[1].split() for line in cpuinfo
                  if line.startswith("flags")), [])
    simd = " ".join(flag for flag in ("avx2", "avx512f", "fma") if flag in flags)
    memory_kib = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text()
                      .splitlines() if line.startswith("MemTotal"))
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                                capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        commit = "unknown"
    return {"date": time.strftime("%Y-%m-%d %H:%M %Z"), "commit": commit,
            "cpu": f"{cpu} ({simd})", "cores (nproc)": os.cpu_count(),
            "memory": f"{memory_kib / 2**20:.1f} GiB",
            "python": platform.python_version(), "numpy": numpy.__version__,
            "scipy": scipy.__version__, "mesa": mesa.__version__,
            "load average at start (1 min)": f"{os.getloadavg()[0]:.2f}"}


def main(argv=None) -> int:
    args = parse_args(argv)
    command = "python benchmarks/run_benchmarks.py " + shlex.join(sys.argv[1:] if argv is None
                                                                  else argv)
    machine = machine_description()
    results: dict = {"sizes": []}

    for n in args.sizes:
        print(f"size {n:,} ...", flush=True)
        record = in_fresh_process(measure.measure_size, n, args.end)
        print(f"  build {record['build_total']:.2f} s, step {record['step_mean'] * 1e3:.1f} ms, "
              f"total {record['total']:.1f} s, peak {record['peak_rss_mb']:.0f} MB", flush=True)
        results["sizes"].append(record)

    results["numpy_engine"] = []
    for n in (n for n in args.sizes if n <= args.numpy_engine_up_to):
        print(f"size {n:,}, numpy engine ...", flush=True)
        record = in_fresh_process(measure.measure_size, n, args.end, 0, "numpy")
        print(f"  step {record['step_mean'] * 1e3:.1f} ms, peak {record['peak_rss_mb']:.0f} MB",
              flush=True)
        results["numpy_engine"].append(record)

    print("default run ...", flush=True)
    results["default_run"] = in_fresh_process(measure.measure_default_run, args.default_repeats)
    print("network scaling ...", flush=True)
    network_sizes = [n for n in (10_000, 30_000, 100_000, 300_000, 1_000_000, 3_000_000)
                     if n <= max(args.sizes)]
    results["network"] = in_fresh_process(measure.measure_network, network_sizes,
                                          [14, 7, 28, 56])
    print("ensemble ...", flush=True)
    results["ensemble"] = [in_fresh_process(measure.measure_ensemble, args.ensemble_runs, w)
                           for w in sorted({1, args.workers})]
    print("reference ...", flush=True)
    results["reference"] = in_fresh_process(measure.measure_reference,
                                            args.reference_citizens, args.reference_end)
    machine["load average at end (1 min)"] = f"{os.getloadavg()[0]:.2f}"

    report.write_atomic(args.output / "benchmarks.csv",
                        report.csv_text(report.tidy_rows(results)))
    report.write_atomic(args.output / "benchmarks.md", report.markdown(results, machine, command))
    report.write_atomic(args.output / "scaling.png", report.scaling_plot(results))
    print(f"wrote {args.output}/benchmarks.csv, benchmarks.md, scaling.png")
    for target, measured, met in report.targets(results):
        print(f"  {'met' if met else 'NOT MET' if met is False else 'not run'}: {target}: "
              f"{measured}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
