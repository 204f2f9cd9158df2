"""The benchmark code runs and reports what it measured (no timing is asserted)."""

import csv

import numpy as np

from benchmarks import measure, report


def test_size_measurement_and_report(tmp_path):
    record = measure.measure_size(400, "2020-12")
    assert record["steps"] == 3
    assert record["peak_rss_mb"] >= record["peak_rss_after_build_mb"] > 0
    sizes = [size for _, _, size in record["inventory"]]
    assert record["persistent_bytes_per_citizen"] == sum(sizes)
    # Every state array is counted once: 9 float64 arrays alone take 72 bytes a citizen.
    assert record["persistent_bytes_per_citizen"] > 72
    names = [name for name, _, _ in record["inventory"]]
    assert len(names) == len(set(names)) and "state.r" in names
    assert record["build_total"] >= record["build_network"] > 0

    numpy_record = measure.measure_size(400, "2020-12", engine="numpy")
    assert numpy_record["engine"] == "numpy" and numpy_record["steps"] == 3

    results = {
        "sizes": [record],
        "numpy_engine": [numpy_record],
        "default_run": {"citizens": 20_000, "repeats": 1, "simulate_median": 0.5,
                        "simulate_min": 0.5, "simulate_cpu_median": 0.5},
        "network": measure.measure_network([1_000, 4_000], [14, 7], repeats=1),
        "ensemble": [{"runs": 2, "workers": 1, "citizens": 20_000, "wall": 1.0,
                      "runs_per_minute": 120.0}],
        "reference": measure.measure_reference(60, "2020-11"),
    }
    assert results["reference"]["max_share_difference"] < 1e-12
    ties = [(row["citizens"], row["mean_degree"], row["ties"]) for row in results["network"]]
    assert [t[:2] for t in ties] == [(1_000, 14), (4_000, 14), (4_000, 7)]
    assert ties[1][2] > 3 * ties[0][2] and ties[2][2] < 0.6 * ties[1][2]

    rows = report.tidy_rows(results)
    report.write_atomic(tmp_path / "b.csv", report.csv_text(rows))
    with open(tmp_path / "b.csv") as handle:
        read = list(csv.DictReader(handle))
    assert len(read) == len(rows)
    assert {row["benchmark"] for row in read} >= {"size", "size_numpy_engine", "network_k14",
                                                  "network_k7", "reference", "speedup"}
    assert all(np.isfinite(float(row["value"])) for row in read)
    text = report.markdown(results, {"cpu": "test"}, "python benchmarks/run_benchmarks.py")
    assert "Speed-up over the per-agent Mesa reference" in text and "state.r" in text
    assert "Compiled kernels against the numpy engine" in text
    png = report.scaling_plot(results)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
