"""A command's output folder: checked before any run, and held by one command at a time.

:func:`check_output_folder` refuses, before anything is created, a folder that cannot hold a
command's outputs: the empty string (which would write into the working directory), a file,
a path under a file, a folder this user cannot write, and, unless asked, the filesystem
root or the project's own folder.

:class:`FolderLock` holds the folder while a command runs in it. It is an advisory lock
(``flock``) on ``FOLDER/.lock``, which the operating system releases when the holder exits,
however it exits: a command killed with SIGKILL leaves no lock behind, only the file, whose
record of the dead holder the next command reports as taken over. A second command into a
held folder stops at once, naming the folder and the holder (process id, machine, command,
start time), instead of mixing its tables with the other's. The lock needs ``fcntl`` (Linux,
macOS and other POSIX systems) and a file system that keeps locks; elsewhere (Windows, some
network file systems) the folder is checked but not locked, and the command says so.
"""

from __future__ import annotations

import errno
import json
import os
import shlex
import socket
import stat
import sys
from contextlib import suppress
from datetime import UTC, datetime
from pathlib import Path

import psutil

from ..inputs.checks import control_character
from ..inputs.errors import InputError
from .atomic import remove_stale_temporaries

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None

LOCK_FILE = ".lock"
#: The project's own folder (the repository checkout, or site-packages when installed).
PROJECT_ROOT = Path(__file__).resolve().parents[2]
#: The option that lets ``--out`` be the filesystem root or the project folder.
ANYWHERE_OPTION = "--allow-any-out"
#: flock's answers on file systems that keep no locks (some network file systems).
_NO_LOCKS = {errno.ENOLCK, errno.EOPNOTSUPP, errno.ENOTSUP, errno.EINVAL}


class FolderInUseError(InputError):
    """Another running command holds the output folder."""


def _refuse(text: str, allowed: str) -> InputError:
    return InputError("--out", "value", text, allowed)


def _nearest_existing(path: Path) -> Path:
    for parent in (path, *path.parents):
        if os.path.lexists(parent):
            return parent
    return Path(path.anchor or ".")


def _kind(mode: int) -> str:
    return "a file" if stat.S_ISREG(mode) else "not a folder (a FIFO, device or socket)"


def check_output_folder(text: str, anywhere: bool = False) -> Path:
    """Return ``text`` as the output folder if a command can write its outputs there.

    Nothing is created: the folder is made when the command takes its lock.

    Args:
        text: the ``--out`` value as given.
        anywhere: allow the filesystem root and the project's own folder.

    Raises:
        InputError: naming ``--out``, the value and why it cannot be used.
    """
    if not text or not text.strip():
        raise _refuse(text, "a folder name; an empty one would write into the working "
                            "directory")
    found = control_character(text)
    if found:
        raise _refuse(text, f"a folder name without control characters (found {found})")
    path = Path(text)
    try:
        resolved = path.resolve()
    except (OSError, RuntimeError):  # a loop of symbolic links (RuntimeError before 3.13)
        raise _refuse(text, "a folder; this path is a loop of symbolic links") from None
    if not anywhere and resolved == Path(resolved.anchor):
        raise _refuse(text, "a folder below the filesystem root, which would get runs/, "
                            f"tables and figures at its top ({ANYWHERE_OPTION} allows it)")
    if not anywhere and resolved == PROJECT_ROOT:
        raise _refuse(text, "a folder other than the project's own, where runs/ and the "
                            f"tables would sit among the source files ({ANYWHERE_OPTION} "
                            "allows it)")
    existing = _nearest_existing(path)
    try:
        mode = existing.stat().st_mode
    except OSError as error:
        raise _refuse(text, f"a folder that can be made ({existing}: {error.strerror})") \
            from None
    if not stat.S_ISDIR(mode):
        if existing == path:
            raise _refuse(text, f"a folder; this is {_kind(mode)}")
        raise _refuse(text, f"a folder; {existing} is {_kind(mode)}, so nothing can be "
                            "made under it")
    if not os.access(existing, os.W_OK | os.X_OK):
        what = "a folder this user can write to" if existing == path else \
            f"a folder this user can make; {existing} is not writable"
        raise _refuse(text, what)
    return path


class FolderLock:
    """Hold an output folder for one command (a context manager); makes the folder.

    Args:
        folder: the checked output folder.

    Raises:
        FolderInUseError: on entry, when a running command holds the folder.
        InputError: on entry, when the folder or its lock file cannot be made.
    """

    def __init__(self, folder: str | Path):
        self.folder = Path(folder)
        self.path = self.folder / LOCK_FILE
        self.taken_over: dict | None = None
        self.unlocked: str | None = None  # why the folder could not be locked, if it could not
        self._fd: int | None = None
        self._made: list[Path] = []

    def __enter__(self) -> FolderLock:
        self._make_folder()
        try:
            self._acquire()
        except BaseException:
            self._remove_made_folders()
            raise
        remove_stale_temporaries(self.folder)
        return self

    def __exit__(self, *exception) -> None:
        if self._fd is None:
            return
        with suppress(OSError):
            os.unlink(self.path)  # while still held: no one else can hold this file yet
        os.close(self._fd)
        self._fd = None

    def _make_folder(self) -> None:
        missing = [p for p in (self.folder, *self.folder.parents) if not os.path.lexists(p)]
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise _refuse(str(self.folder), f"a folder that can be made ({error.strerror})") \
                from None
        self._made = missing  # innermost first

    def _remove_made_folders(self) -> None:
        for path in self._made:
            try:
                path.rmdir()
            except OSError:
                break

    def _acquire(self) -> None:
        while True:
            try:
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            except OSError as error:
                raise _refuse(str(self.folder), "a folder this user can write to "
                                                f"({error.strerror})") from None
            if fcntl is None:
                self.unlocked = "no file locks on this platform"
                self._fd = fd
                return
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as error:
                if error.errno in _NO_LOCKS:  # some network file systems: run unlocked
                    self.unlocked = error.strerror
                    self._fd = fd
                    return
                holder = _read(fd)
                os.close(fd)
                if error.errno in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                    raise FolderInUseError("--out", "value", str(self.folder),
                                           f"in use by {_describe(holder)}; wait for it to "
                                           "finish, or choose another --out") from None
                raise _refuse(str(self.folder), f"a folder that can be locked "
                                                f"({error.strerror})") from None
            # The holder before us may have removed the file after we opened it: then the
            # lock we hold is on a file no one else will open. Start again on the new one.
            try:
                same = os.stat(self.path).st_ino == os.fstat(fd).st_ino
            except FileNotFoundError:
                same = False
            if not same:
                os.close(fd)
                continue
            previous = _read(fd)
            if previous:
                self.taken_over = previous
            self._fd = fd
            try:
                _write(fd, {"pid": os.getpid(), "host": socket.gethostname(),
                            "command": shlex.join([Path(sys.argv[0]).name, *sys.argv[1:]]),
                            "started": datetime.now(UTC).isoformat(timespec="seconds")})
            except OSError as error:
                self.__exit__()
                raise _refuse(str(self.folder), "a folder this user can write to "
                                                f"({error.strerror})") from None
            return


def _read(fd: int) -> dict:
    """Return the holder record in an open lock file ({} when empty or unreadable)."""
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        record = json.loads(os.read(fd, 65536).decode("utf-8"))
        return record if isinstance(record, dict) else {}
    except (OSError, ValueError):
        return {}


def _write(fd: int, record: dict) -> None:
    os.lseek(fd, 0, os.SEEK_SET)
    os.ftruncate(fd, 0)
    os.write(fd, (json.dumps(record) + "\n").encode("utf-8"))


def _describe(holder: dict) -> str:
    """Return who holds a folder, in words, from its lock record."""
    if not holder:
        return "another command (it is starting)"
    return (f"another command: process {holder.get('pid')} on {holder.get('host')} "
            f"({holder.get('command')}), since {holder.get('started')}")


def describe_taken_over(holder: dict) -> str:
    """Return the note said when a folder's previous holder died without releasing it."""
    alive = psutil.pid_exists(holder["pid"]) if isinstance(holder.get("pid"), int) else False
    state = "no longer holds it" if alive else "no longer runs"
    return (f"the last command here, process {holder.get('pid')} ({holder.get('command')}, "
            f"since {holder.get('started')}), stopped without finishing and {state}; "
            "the runs it finished are reused where this command needs them")
