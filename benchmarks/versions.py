"""Side by side against an older commit: the same probe, run on both versions' sources.

An older commit's ``model/`` is materialised in a temporary folder (``git archive``, which
leaves the repository untouched; the folder is removed afterwards, whatever happens). Each
measurement is one run of ``benchmarks/probe.py`` in a fresh interpreter with ``PYTHONPATH``
set to one version's tree; the probe checks which ``model`` it imported. The versions take
turns, the order rotating every round, so that a spell of load from other jobs on the
machine falls on each version alike; the summaries give the minimum (the run least
disturbed) and the median.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PROBE = Path(__file__).with_name("probe.py")
#: The environment variable that sets the new engine's thread count (``model.core.threads``).
THREADS_VARIABLE = "BELARUS_ABM_THREADS"
#: A probe that has not finished after this long is stuck (9.1 M citizens take minutes).
PROBE_TIMEOUT_S = 3600
#: Citizens of the untimed priming run: 65 chunks of 1,024, so that the new engine's
#: threaded path (64 chunks or more, ``model.core.threads``) is compiled into the cache too.
PRIME_CITIZENS = 66_560


class ProbeError(RuntimeError):
    """A probe run failed; the message holds its standard error."""


@dataclass(frozen=True)
class Source:
    """A version's source tree: ``root/model`` is the package to import.

    Attributes:
        label: how tables name it (``"old"``, ``"new"``).
        root: the folder put on ``PYTHONPATH``.
        commit: the commit it holds (with ``+changes`` when the working tree differs).
    """

    label: str
    root: Path
    commit: str


@dataclass(frozen=True)
class Variant:
    """One way of running a version: its source and its thread count (None: its default)."""

    source: Source
    threads: int | None = None

    @property
    def name(self) -> str:
        """The variant's label in tables, e.g. ``new, 1 thread``."""
        if self.threads is None:
            return self.source.label
        return f"{self.source.label}, {self.threads} thread{'s' * (self.threads > 1)}"

    def environment(self) -> dict[str, str]:
        """Return the environment of a probe: this source first on the path, these threads."""
        env = {**os.environ, "PYTHONPATH": str(self.source.root)}
        env.pop(THREADS_VARIABLE, None)
        if self.threads is not None:
            env[THREADS_VARIABLE] = str(self.threads)
        return env


def git(*args: str, repo: Path = ROOT) -> str:
    """Return the output of a git command run in ``repo``."""
    return subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True,
                          check=True).stdout.strip()


def current_source(label: str = "new", repo: Path = ROOT) -> Source:
    """Return the working tree as a source, its commit marked when ``model/`` has changes."""
    commit = git("rev-parse", "--short", "HEAD", repo=repo)
    if git("status", "--porcelain", "--", "model", repo=repo):
        commit += "+changes"
    return Source(label, repo, commit)


def describe_commit(commit: str, repo: Path = ROOT) -> dict:
    """Return a commit's short hash, date and subject."""
    short, date, subject = git("log", "-1", "--format=%h%n%cs%n%s", commit, repo=repo).split(
        "\n", 2)
    return {"commit": short, "date": date, "subject": subject}


@contextmanager
def materialised(commit: str, label: str = "old", repo: Path = ROOT) -> Iterator[Source]:
    """Yield a temporary source tree holding ``commit``'s ``model/``; remove it on exit."""
    full = git("rev-parse", "--verify", f"{commit}^{{commit}}", repo=repo)
    folder = Path(tempfile.mkdtemp(prefix=f"belarus-abm-{full[:7]}-"))
    try:
        archive = subprocess.run(["git", "archive", "--format=tar", full, "model"], cwd=repo,
                                 capture_output=True, check=True).stdout
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(folder, filter="data")
        if not (folder / "model" / "__init__.py").is_file():
            raise FileNotFoundError(f"commit {commit} has no model package")
        yield Source(label, folder, full[:7])
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def run_probe(variant: Variant, task: str, **options) -> dict:
    """Run ``probe.py task`` for one variant in a fresh interpreter; return its record.

    ``options`` become the probe's command-line options (``citizens=5000`` gives
    ``--citizens 5000``; a list gives several values).
    """
    arguments = []
    for key, value in options.items():
        values = value if isinstance(value, list | tuple) else [value]
        arguments += [f"--{key.replace('_', '-')}", *(str(v) for v in values)]
    with tempfile.TemporaryDirectory(prefix="belarus-abm-probe-") as folder:
        output = Path(folder) / "record.json"
        command = [sys.executable, str(PROBE), task, "--expect-root", str(variant.source.root),
                   "--output", str(output), *arguments]
        finished = subprocess.run(command, cwd=variant.source.root, env=variant.environment(),
                                  capture_output=True, text=True, timeout=PROBE_TIMEOUT_S)
        if finished.returncode != 0 or not output.is_file():
            raise ProbeError(f"probe {task} for {variant.name} failed "
                             f"(exit {finished.returncode}):\n{finished.stderr[-4000:]}")
        record = json.loads(output.read_text())
    return record | {"version": variant.source.label, "variant": variant.name,
                     "commit": variant.source.commit, "threads": variant.threads}


def rotations(items: Sequence, rounds: int) -> Iterator[tuple[int, object]]:
    """Yield (round, item) for every item in every round, each round starting one item later.

    With two versions this is A B, B A, A B, ...: each takes the first and the second
    place equally often, so neither always runs right after the other's warm caches or
    during the same spell of load.
    """
    for number in range(rounds):
        start = number % len(items)
        for item in [*items[start:], *items[:start]]:
            yield number, item


def prime(sources: Sequence[Source], citizens: int = PRIME_CITIZENS,
          say=print) -> dict[str, float]:
    """Run each source once, untimed, so that no timed run pays for compilation.

    Returns the seconds each took (compiling, the first time after a change).
    """
    seconds = {}
    for source in sources:
        say(f"  priming {source.label} ({source.commit}) ...")
        seconds[source.label] = run_probe(Variant(source), "prime", citizens=citizens)["seconds"]
    return seconds


def compare_calibration(variants: Sequence[Variant], rounds: int, seeds_per_round: int,
                        citizens: int, end: str, say=print) -> list[dict]:
    """Time calibration-size ``simulate`` runs, versions taking turns; one record per probe.

    Round r runs seeds r * seeds_per_round onwards, the same seeds for every version.
    """
    records = []
    for number, variant in rotations(variants, rounds):
        seeds = list(range(number * seeds_per_round, (number + 1) * seeds_per_round))
        record = run_probe(variant, "calibration", citizens=citizens, end=end, seeds=seeds)
        walls = [run["wall"] for run in record["runs"]]
        say(f"  round {number + 1}/{rounds} {variant.name}: {min(walls) * 1e3:.0f} to "
            f"{max(walls) * 1e3:.0f} ms a run")
        records.append(record | {"round": number})
    return records


def compare_large(variants: Sequence[Variant], rounds: int, citizens: int, end: str,
                  seed: int = 0, say=print) -> list[dict]:
    """Build and run one large model per variant per round, variants taking turns."""
    records = []
    for number, variant in rotations(variants, rounds):
        record = run_probe(variant, "large", citizens=citizens, end=end, seed=seed)
        say(f"  round {number + 1}/{rounds} {variant.name}: build {record['build']['wall']:.1f} "
            f"s, run {record['run']['wall']:.1f} s, peak {record['peak_rss_mb']:.0f} MB")
        records.append(record | {"round": number})
    return records


def summary(values: Sequence[float]) -> dict[str, float]:
    """Return the minimum, median and count of some measurements."""
    return {"min": min(values), "median": statistics.median(values), "n": len(values)}


def calibration_summary(records: Sequence[dict], runs_key: str = "runs") -> dict[str, dict]:
    """Return per version: wall, CPU and thread-CPU seconds of a run (``summary`` each).

    ``runs_key``: ``"runs"`` (the plain ``simulate``) or ``"fit_runs"`` (as a fit's
    evaluation runs it); records from before the fit runs were measured have none.
    """
    out = {}
    for variant in dict.fromkeys(record["variant"] for record in records):
        runs = [run for record in records if record["variant"] == variant
                for run in record.get(runs_key, [])]
        if not runs:
            continue
        out[variant] = {clock: summary([run[clock] for run in runs])
                        for clock in ("wall", "cpu", "thread_cpu")}
        out[variant]["commit"] = next(r["commit"] for r in records if r["variant"] == variant)
    return out


def large_metrics(record: dict) -> dict[str, float]:
    """Return one large run's figures: seconds, throughput and memory per citizen."""
    n, steps = record["citizens"], record["steps"]
    base = record["rss_before_build_mb"]
    return {
        "build_wall": record["build"]["wall"], "build_cpu": record["build"]["cpu"],
        "run_wall": record["run"]["wall"], "run_cpu": record["run"]["cpu"],
        "run_thread_cpu": record["run"]["thread_cpu"],
        "total_wall": record["build"]["wall"] + record["run"]["wall"],
        "citizen_steps_per_s": n * steps / record["run"]["wall"],
        "citizen_steps_per_cpu_s": n * steps / record["run"]["cpu"],
        "peak_rss_mb": record["peak_rss_mb"], "rss_after_build_mb": record["rss_after_build_mb"],
        "rss_growth_after_build_b": (record["rss_after_build_mb"] - base) * 2**20 / n,
        "rss_growth_after_run_b": (record["rss_after_run_mb"] - base) * 2**20 / n,
        "peak_growth_b": (record["peak_rss_mb"] - base) * 2**20 / n,
        "rss_growth_trimmed_b": (record["rss_trimmed_mb"] - base) * 2**20 / n,
    }


def large_summary(records: Sequence[dict]) -> dict[str, dict]:
    """Return per variant the ``summary`` of each of ``large_metrics``."""
    out = {}
    for variant in dict.fromkeys(record["variant"] for record in records):
        mine = [large_metrics(record) for record in records if record["variant"] == variant]
        out[variant] = {metric: summary([m[metric] for m in mine]) for metric in mine[0]}
        first = next(r for r in records if r["variant"] == variant)
        out[variant] |= {"commit": first["commit"], "threads": first["thread_count"],
                         "citizens": first["citizens"], "steps": first["steps"],
                         "digests": sorted({r["shares_digest"] for r in records
                                            if r["variant"] == variant})}
    return out


def ratio(old: dict[str, float], new: dict[str, float]) -> dict[str, float]:
    """Return how many times faster ``new`` is than ``old``, from the minima and the medians."""
    return {"min": old["min"] / new["min"], "median": old["median"] / new["median"]}
