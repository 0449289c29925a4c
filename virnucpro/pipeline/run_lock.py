"""One run per output folder: the lock file ``<output>/.virnucpro.lock``.

The lock is a small JSON file (pid, host, start time, command) created with
``O_CREAT | O_EXCL``: creating it either succeeds or fails because it exists, atomically on
local file systems and on NFS v3 and later. It is removed when the run ends, also on an error
or Ctrl-C.

Why a file that exists, rather than ``flock``/``fcntl`` held for the run's life: a kernel lock
vanishes with its process, which is convenient after ``kill -9``, but on NFS it is emulated
(byte-range locks through the lock manager), silently local-only on ``nolock`` mounts, and lost
when the server restarts or a lease expires, so two hosts can both "hold" it. An ``O_EXCL``
file means the same thing everywhere; the price is that ``kill -9`` or a power loss leaves it
behind. So the holder it names is checked: a process of this host that no longer runs (or
whose pid now belongs to another process: its start time in ``/proc`` differs) is taken over
with a warning; a process of another host cannot be checked from here, so that lock is
reported with its age and taken over only with ``--break-lock``. Hosts are compared by name.

It sits beside ``.virnucpro/`` (not inside it) so that ``--force``, which removes that folder,
keeps it; the output folder's "not empty" check ignores it.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shlex
import socket
import sys
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

from virnucpro.errors import UsageError

logger = logging.getLogger(__name__)

_TAKE_ATTEMPTS = 5


def _process_start(pid: int) -> str | None:
    """The start time of process ``pid`` (clock ticks since boot), or None without ``/proc``."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[-1].split()[19]  # field 22 of proc(5); the name may hold spaces


def _is_zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[-1].split()[0] == "Z"
    except (OSError, IndexError):
        return False


@dataclass(frozen=True)
class LockHolder:
    """The run that holds (or held) an output folder's lock.

    Attributes:
        pid: its process id.
        host: the name of the host it runs on.
        started: when it took the lock, in epoch seconds.
        command: its command line.
        process_start: its start time from ``/proc`` (None where there is no ``/proc``), which
            tells a live process from a later one that got the same pid.
    """

    pid: int
    host: str
    started: float
    command: str
    process_start: str | None = None

    @classmethod
    def of_this_process(cls) -> LockHolder:
        pid = os.getpid()
        return cls(pid=pid, host=socket.gethostname(), started=time.time(),
                   command=shlex.join(sys.argv), process_start=_process_start(pid))

    def to_bytes(self) -> bytes:
        return (json.dumps(asdict(self), indent=2, sort_keys=True) + "\n").encode("utf-8")

    @classmethod
    def from_bytes(cls, data: bytes) -> LockHolder | None:
        """The holder a lock file names, or None when the file is not a lock file we wrote."""
        try:
            fields = json.loads(data.decode("utf-8"))
            return cls(pid=int(fields["pid"]), host=str(fields["host"]),
                       started=float(fields["started"]), command=str(fields["command"]),
                       process_start=fields.get("process_start"))
        except (ValueError, KeyError, TypeError, AttributeError):
            return None

    def describe(self) -> str:
        """``pid 123 on host node1, started 2025-01-31 12:00:00 (5 min ago)``."""
        started = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(self.started))
        return (f"pid {self.pid} on host {self.host}, started {started} "
                f"({_age(time.time() - self.started)} ago)")

    def is_local(self) -> bool:
        return self.host == socket.gethostname()

    def runs(self) -> bool:
        """Whether this (local) holder still runs: its pid exists and is the same process."""
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:  # it runs, as another user
            pass
        if _is_zombie(self.pid):
            return False
        current = _process_start(self.pid)
        return self.process_start is None or current is None or current == self.process_start


def _age(seconds: float) -> str:
    minutes = max(0, int(seconds)) // 60
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes} min"
    return f"{hours // 24} days"


def _create(lock_path: Path, content: bytes) -> bool:
    """Create the lock file holding ``content``; False when it exists already."""
    try:
        descriptor = os.open(lock_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except FileExistsError:
        return False
    try:
        os.write(descriptor, content)
        os.fsync(descriptor)
    except BaseException:
        os.close(descriptor)
        lock_path.unlink()
        raise
    os.close(descriptor)
    return True


def _refusal(lock_path: Path, holder: LockHolder | None) -> UsageError:
    folder = lock_path.parent
    if holder is None:
        return UsageError(
            f"{lock_path}: the output folder is locked by a lock file that cannot be read; if "
            "no other virnucpro run uses this folder, run again with --break-lock"
        )
    if holder.is_local():
        return UsageError(
            f"{folder} is in use by another virnucpro run: {holder.describe()}; wait for it to "
            f"finish (or stop it: kill {holder.pid}), or choose another --output-dir"
        )
    return UsageError(
        f"{folder} is locked by a virnucpro run on another host: {holder.describe()}; if that "
        "run no longer runs, run again with --break-lock to take the folder over, or choose "
        "another --output-dir"
    )


def _may_take_over(lock_path: Path, holder: LockHolder | None, break_lock: bool) -> bool:
    """Whether a held lock may be taken over; logs a warning when it is."""
    if holder is not None and holder.is_local() and not holder.runs():
        logger.warning("taking over the lock of a run that no longer runs (%s)",
                       holder.describe())
        return True
    if break_lock:
        shown = holder.describe() if holder is not None else "unreadable lock file"
        logger.warning("--break-lock: taking over the lock of %s (%s)", lock_path.parent, shown)
        return True
    return False


def _remove_if_unchanged(lock_path: Path, seen: bytes) -> None:
    """Remove the lock file if it still holds ``seen`` (not a newer holder's lock).

    The file is first renamed to a name of our own, so two runs taking over the same stale
    lock cannot both remove it; if what was renamed is a newer lock after all, it is put back.
    """
    aside = lock_path.with_name(f"{lock_path.name}.{os.getpid()}.old")
    try:
        os.rename(lock_path, aside)
    except FileNotFoundError:
        return
    if aside.read_bytes() == seen:
        aside.unlink()
    else:
        os.replace(aside, lock_path)


def _read(lock_path: Path) -> bytes | None:
    try:
        return lock_path.read_bytes()
    except FileNotFoundError:
        return None


def acquire(lock_path: Path, break_lock: bool = False) -> bytes:
    """Take the lock of ``lock_path``'s folder (created if needed); return what it holds.

    Raises:
        UsageError: another run holds it (naming pid, host, start time and what to do), or
            the output folder path is a file.
    """
    folder = lock_path.parent
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"{folder} exists and is not a folder; choose another --output-dir")
    folder.mkdir(parents=True, exist_ok=True)
    content = LockHolder.of_this_process().to_bytes()
    for _ in range(_TAKE_ATTEMPTS):
        if _create(lock_path, content):
            return content
        seen = _read(lock_path)
        if seen is None:  # released in the meantime
            continue
        holder = LockHolder.from_bytes(seen)
        if not _may_take_over(lock_path, holder, break_lock):
            raise _refusal(lock_path, holder)
        _remove_if_unchanged(lock_path, seen)
    raise UsageError(f"{folder}: other virnucpro runs keep taking this output folder; "
                     "make sure only one run uses it")


def release(lock_path: Path, content: bytes) -> None:
    """Remove the lock if it is still ours (``--break-lock`` elsewhere may have taken it)."""
    with contextlib.suppress(OSError):  # the folder may be gone or read-only by now
        if _read(lock_path) == content:
            lock_path.unlink()


@contextlib.contextmanager
def output_folder_lock(lock_path: Path, break_lock: bool = False) -> Iterator[None]:
    """Hold the output folder's lock for the ``with`` block (released on any exit).

    A folder that the lock itself created and that is still empty afterwards (the run was
    refused before writing anything, e.g. a model that does not fit) is removed again, so a
    failed start leaves nothing behind.
    """
    created = not lock_path.parent.exists()
    content = acquire(lock_path, break_lock)
    try:
        yield
    finally:
        release(lock_path, content)
        if created:
            with contextlib.suppress(OSError):  # not empty (the run wrote files) or gone
                lock_path.parent.rmdir()
