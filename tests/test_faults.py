"""Fault drills: a held or unusable output folder, damaged run files, a full disk, stop
signals, a lost Dask scheduler or workers.

Each must end with a clear message and a documented exit status, keep every finished run, and
leave the folder consistent (no manifest next to tables it does not describe) and no process
behind. Subprocesses start in their own session and are killed with their whole group when a
test ends, whatever its outcome.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import psutil
import pytest

from model import cli
from model.commands._executor import Setup, connect
from model.inputs.errors import InputError
from model.inputs.scenario import baseline
from model.inputs.scenario_files import write_scenario
from model.runs import execution
from model.runs.execution import Task, run_tasks, simulate_task
from model.runs.folder import PROJECT_ROOT, FolderInUseError, FolderLock
from tests.helpers import SEED_ENSEMBLE

ROOT = Path(__file__).resolve().parents[1]
CITIZENS = 300
QUICK = ["--citizens", str(CITIZENS), "--no-plots", "--no-posterior", "--workers", "1"]
#: Generous upper bounds from the issue (a loaded 2-core machine is far quicker).
LOSS_REPORTED_WITHIN_S = 60
UNREACHABLE_REPORTED_WITHIN_S = 5


@pytest.fixture(scope="module")
def short(tmp_path_factory):
    folder = tmp_path_factory.mktemp("scenarios")
    return write_scenario(baseline().with_changes(name="short", end="2021-06"),
                          folder / "short.toml")


@pytest.fixture(scope="module")
def long_run(tmp_path_factory):
    """A scenario whose runs take long enough (~0.3 s each) to stop a command mid-way."""
    folder = tmp_path_factory.mktemp("long")
    return write_scenario(baseline().with_changes(name="long", end="2024-12"),
                          folder / "long.toml")


class Group:
    """Subprocesses in their own sessions, killed with everything they started at the end."""

    def __init__(self):
        self.processes: list[subprocess.Popen] = []

    def start(self, command, **kwargs) -> subprocess.Popen:
        process = subprocess.Popen(command, start_new_session=True, **kwargs)
        self.processes.append(process)
        return process

    def kill_all(self) -> None:
        for process in self.processes:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@pytest.fixture
def group():
    processes = Group()
    yield processes
    processes.kill_all()


def wait_for(condition, seconds: float = 120.0, what: str = "") -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def run_files(out: Path) -> list[Path]:
    return sorted((out / "runs").glob("*.npz"))


def run_command(*argv, setup: Setup | None = None) -> int:
    return cli.main(["run", *map(str, argv)], setup=setup)


# --- the output folder ----------------------------------------------------------------------
def test_a_held_folder_refuses_a_second_command_at_once_and_names_the_holder(short, tmp_path,
                                                                               capsys):
    out = tmp_path / "out"
    with FolderLock(out):
        assert run_command(short, *SEED_ENSEMBLE, "--seeds", "1", *QUICK, "--out", out) == 2
    err = capsys.readouterr().err
    assert f'--out: value = "{out}": in use by another command: process {os.getpid()}' in err
    assert not run_files(out) and not (out / "manifest.json").exists()
    # Released: the folder is free again, and the lock file is gone.
    assert run_command(short, *SEED_ENSEMBLE, "--seeds", "1", *QUICK, "--out", out) == 0
    assert not (out / ".lock").exists()


def test_a_killed_holder_is_detected_and_its_folder_taken_over(short, tmp_path, group, capsys):
    out = tmp_path / "out"
    holder = group.start(
        [sys.executable, "-c", "import sys, time; from model.runs.folder import FolderLock; "
         f"FolderLock({str(out)!r}).__enter__(); print('held', flush=True); time.sleep(600)"],
        cwd=ROOT, stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "held"
    with pytest.raises(FolderInUseError, match=f"process {holder.pid} on "):
        FolderLock(out).__enter__()
    holder.kill()  # SIGKILL: no chance to let the folder go
    holder.wait()
    assert run_command(short, *SEED_ENSEMBLE, "--seeds", "1", *QUICK, "--out", out) == 0
    err = capsys.readouterr().err
    assert f"the last command here, process {holder.pid}" in err and "no longer runs" in err


@pytest.mark.parametrize(("value", "allowed"), [
    ("", "an empty one would write into the working directory"),
    ("/", "a folder below the filesystem root"),
    (str(PROJECT_ROOT), "a folder other than the project's own"),
    ("file.txt", "a folder; this is a file"),
    ("file.txt/sub", "is a file, so nothing can be made under it"),
    ("with\x1b[2Jescape", "without control characters (found U+001B)"),
])
def test_an_unusable_output_folder_exits_2_and_nothing_is_written(short, tmp_path, monkeypatch,
                                                                  capsys, value, allowed):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "file.txt").write_text("not a folder")
    before = sorted(os.listdir(tmp_path))
    assert run_command(short, *SEED_ENSEMBLE, "--seeds", "1", *QUICK, "--out", value) == 2
    err = capsys.readouterr().err
    assert allowed in err and "Traceback" not in err
    assert sorted(os.listdir(tmp_path)) == before  # no runs/ or tables in the working folder


@pytest.fixture
def read_only_folder(tmp_path):
    """A folder no command can write: chmod for a normal user; a read-only tmpfs for root."""
    folder = tmp_path / "read_only"
    folder.mkdir()
    if os.geteuid() != 0:
        folder.chmod(0o555)
        yield folder
        folder.chmod(0o755)
        return
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=64k", "tmpfs", str(folder)],
                             capture_output=True)
    if mounted.returncode != 0:
        pytest.skip("root ignores permissions, and no read-only file system can be mounted")
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=True)


def test_a_read_only_folder_is_refused_before_any_run(short, read_only_folder, capsys):
    for out in (read_only_folder, read_only_folder / "below"):
        assert run_command(short, *SEED_ENSEMBLE, "--seeds", "1", *QUICK, "--out", out) == 2
        assert "a folder this user can " in capsys.readouterr().err
    assert os.listdir(read_only_folder) == []


# --- damaged or interrupted writes ------------------------------------------------------------
def test_a_damaged_run_file_is_run_again_and_stale_temporaries_go(short, tmp_path, capsys):
    clean, out = tmp_path / "clean", tmp_path / "out"
    common = [short, *SEED_ENSEMBLE, "--seeds", "3", *QUICK]
    assert run_command(*common, "--out", clean) == 0
    assert run_command(*common, "--out", out) == 0
    damaged = run_files(out)[1]
    damaged.write_bytes(damaged.read_bytes()[:100])  # truncated, as by a crash or a full disk
    dead_writer = 2**22 + 12345  # above Linux's default pid_max: never a live process
    assert not psutil.pid_exists(dead_writer)
    stray = out / "runs" / f".{damaged.name}.{dead_writer}.0123abcd.tmp"
    stray.write_bytes(b"half written")
    capsys.readouterr()
    assert run_command(*common, "--out", out) == 0
    assert "(1 runs now, 2 reused)" in capsys.readouterr().out
    assert not stray.exists()
    assert (out / "shares.csv").read_bytes() == (clean / "shares.csv").read_bytes()


def test_a_full_disk_mid_run_keeps_the_finished_runs_and_the_rerun_resumes(short, tmp_path,
                                                                          monkeypatch, capsys):
    out = tmp_path / "out"
    savez, written = np.savez, []

    def fills_up(*args, **kwargs):
        if len(written) == 2:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        written.append(1)
        return savez(*args, **kwargs)

    monkeypatch.setattr(np, "savez", fills_up)
    assert run_command(short, *SEED_ENSEMBLE, "--seeds", "5", *QUICK, "--out", out) == 1
    err = capsys.readouterr().err
    assert "cannot write" in err and "No space left on device" in err
    assert "run the same command again to resume" in err and "Traceback" not in err
    assert len(run_files(out)) == 2
    assert sorted(p.name for p in out.iterdir()) == ["runs"]  # no lock, manifest or tables
    assert not list((out / "runs").glob(".*.tmp"))
    monkeypatch.setattr(np, "savez", savez)
    assert run_command(short, *SEED_ENSEMBLE, "--seeds", "5", *QUICK, "--out", out) == 0
    assert "(3 runs now, 2 reused)" in capsys.readouterr().out


def test_tables_never_sit_next_to_the_manifest_of_another_comparison(short, tmp_path,
                                                                     monkeypatch):
    out = tmp_path / "out"
    assert run_command(short, *SEED_ENSEMBLE, "--seeds", "2", *QUICK, "--out", out) == 0
    from model.runs import outputs
    from model.runs.atomic import WriteError

    def disk_full(*args, **kwargs):
        raise WriteError(out / "summary.csv", OSError(errno.ENOSPC, "No space left"))

    monkeypatch.setattr(outputs, "write_summary", disk_full)
    assert run_command(short, *SEED_ENSEMBLE, "--seeds", "3", *QUICK, "--out", out) == 1
    # shares.csv now holds 3 seeds: the 2-seed manifest must not describe it any more.
    assert not (out / "manifest.json").exists()


# --- signals -------------------------------------------------------------------------------
def test_sigterm_stops_the_workers_and_exits_143_with_the_resume_message(long_run, tmp_path,
                                                                         group):
    out = tmp_path / "out"
    command = [sys.executable, "run.py", "run", str(long_run),
               *SEED_ENSEMBLE, "--seeds", "40", "--citizens",
               "1000", "--no-plots", "--no-posterior", "--workers", "2", "--out", str(out)]
    process = group.start(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                          text=True)
    wait_for(lambda: run_files(out), what="a finished run")  # the pool is running
    workers = psutil.Process(process.pid).children(recursive=True)
    assert workers, "a process pool runs the tasks"
    process.send_signal(signal.SIGTERM)  # to the command alone, not its process group
    _, err = process.communicate(timeout=60)
    assert process.returncode == 128 + signal.SIGTERM
    assert "run the same command again to resume" in err and "Traceback" not in err
    # The command joined them before exiting; the grace only covers their reaping.
    _, alive = psutil.wait_procs(workers, timeout=10)
    assert not alive, f"workers outlived the command: {alive}"
    assert not (out / ".lock").exists() and not (out / "manifest.json").exists()


def hangs_up_on_the_third_run(task: Task) -> np.ndarray:
    if task.seed == 2:
        os.kill(os.getpid(), signal.SIGHUP)
    return simulate_task(task)


@pytest.fixture
def sighup_as(request):
    """Run the test with SIGHUP's handler set to ``request.param``; restore it afterwards."""
    before = signal.signal(signal.SIGHUP, request.param)
    yield request.param
    signal.signal(signal.SIGHUP, before)


@pytest.mark.parametrize("sighup_as", [signal.SIG_DFL], indirect=True)
def test_sighup_acts_like_ctrl_c(short, tmp_path, capsys, sighup_as):
    out = tmp_path / "out"
    assert run_command(short, *SEED_ENSEMBLE, "--seeds", "4", *QUICK, "--out", out,
                       setup=Setup(worker=hangs_up_on_the_third_run)) == 128 + signal.SIGHUP
    assert "run the same command again to resume" in capsys.readouterr().err
    assert signal.getsignal(signal.SIGHUP) is signal.SIG_DFL  # handlers restored


@pytest.mark.parametrize("sighup_as", [signal.SIG_IGN], indirect=True)
def test_under_nohup_a_hang_up_is_ignored_and_the_command_finishes(short, tmp_path,
                                                                   sighup_as):
    out = tmp_path / "out"
    assert run_command(short, *SEED_ENSEMBLE, "--seeds", "4", *QUICK, "--out", out,
                       setup=Setup(worker=hangs_up_on_the_third_run)) == 0
    assert (out / "manifest.json").exists()
    assert signal.getsignal(signal.SIGHUP) is signal.SIG_IGN


def test_ctrl_c_during_a_fit_says_how_to_resume_without_a_traceback(tmp_path, monkeypatch,
                                                                     capsys):
    import pyabc

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(pyabc.ABCSMC, "run", interrupted)
    assert cli.main(["calibrate", "--particles", "10", "--max-simulations", "30",
                     "--citizens", "300", "--workers", "1", "--out", str(tmp_path / "cal")]) == 130
    err = capsys.readouterr().err
    assert "interrupted: finished runs are kept" in err and "Traceback" not in err


# --- Dask ----------------------------------------------------------------------------------
def test_an_unreachable_scheduler_is_reported_within_5_s_and_nothing_is_written(short,
                                                                               tmp_path):
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again: nothing listens there
    started = time.monotonic()
    with pytest.raises(InputError, match="no Dask scheduler answers there"):
        connect(f"tcp://127.0.0.1:{port}")
    assert time.monotonic() - started < UNREACHABLE_REPORTED_WITHIN_S
    out = tmp_path / "out"
    assert run_command(short,
    *SEED_ENSEMBLE, "--seeds", "1", *QUICK, "--scheduler", f"tcp://127.0.0.1:{port}",
                       "--out", out) == 2
    assert not out.exists()


def test_something_that_is_not_a_scheduler_is_reported_as_such():
    import socket
    import threading

    server = socket.create_server(("127.0.0.1", 0))

    def answer_garbage():
        connection, _ = server.accept()
        with connection:
            connection.sendall(b"\xff" * 64)  # read by Dask as a frame length of exabytes
            time.sleep(1)

    threading.Thread(target=answer_garbage, daemon=True).start()
    with server, pytest.raises(InputError, match="no Dask scheduler answers there"):
        connect(f"tcp://127.0.0.1:{server.getsockname()[1]}")


def test_a_cluster_without_workers_fails_its_runs_instead_of_waiting(tmp_path, monkeypatch):
    from distributed import Client, LocalCluster

    monkeypatch.setattr(execution, "NO_WORKER_SECONDS", 2.0)
    tasks = [Task(baseline().with_changes(end="2020-12"), seed, None, 100) for seed in range(3)]
    with LocalCluster(n_workers=0, processes=False, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        report = run_tasks(tasks, tmp_path, scheduler=client, progress=False)
    assert len(report.failures) == 3
    assert all(f.error_type == "ClusterLostError" for f in report.failures)
    assert "no Dask worker was connected" in report.failures[0].message


def test_a_lost_scheduler_ends_the_command_with_a_summary_and_a_rerun_resumes(long_run,
                                                                             tmp_path, group,
                                                                             capsys):
    bin_dir = Path(sys.executable).parent
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    address_file = tmp_path / "scheduler.json"
    scheduler = group.start([str(bin_dir / "dask"), "scheduler", "--port", "0",
                             "--scheduler-file", str(address_file), "--no-dashboard"],
                            env=environment, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    wait_for(lambda: address_file.is_file() and address_file.stat().st_size, 60, "scheduler")
    address = json.loads(address_file.read_text())["address"]
    group.start([str(bin_dir / "dask"), "worker", address, "--nworkers", "1", "--nthreads",
                 "1", "--no-dashboard"], env=environment, stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL)
    out = tmp_path / "out"
    command = [sys.executable, "run.py", "run", str(long_run),
               *SEED_ENSEMBLE, "--seeds", "8", "--citizens",
               "1000", "--no-plots", "--no-posterior", "--out", str(out)]
    process = group.start([*command, "--scheduler", address], cwd=ROOT,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    wait_for(lambda: len(run_files(out)) >= 2, what="two finished runs")
    os.killpg(scheduler.pid, signal.SIGKILL)
    lost_at = time.monotonic()
    _, err = process.communicate(timeout=LOSS_REPORTED_WITHIN_S + 30)
    assert time.monotonic() - lost_at < LOSS_REPORTED_WITHIN_S
    assert process.returncode == 1
    assert "ClusterLostError" in err and "Traceback" not in err
    assert "run the same command again to retry" in err
    kept = len(run_files(out))
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "failed"
    assert len(manifest["execution"]["failed"]) == 8 - kept
    # The cluster is gone: the rerun, serially here, does only the lost runs.
    assert cli.main([*command[2:], "--workers", "1"]) == 0
    assert f"({8 - kept} runs now, {kept} reused)" in capsys.readouterr().out
