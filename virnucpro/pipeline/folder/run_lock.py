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
with a warning. A process of another host cannot be checked from here, so the holder proves
that it runs by a heartbeat: a thread refreshes the lock file's modification time every
``HEARTBEAT_SECONDS`` (:class:`Heartbeat`). Another host's lock not refreshed for
``stale_minutes`` (``--stale-lock-minutes``, default ``DEFAULT_STALE_MINUTES``) is stale and
taken over with a warning, so a job requeued onto another node resumes without
``--break-lock``; a fresh one is reported with its age and taken over only with
``--break-lock``. Hosts are compared by name. The heartbeat touches the file it opened and
read back as its own, so it never refreshes a lock that another run took over meanwhile.

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
import threading
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

from virnucpro.errors import UsageError

logger = logging.getLogger(__name__)

_TAKE_ATTEMPTS = 5
HEARTBEAT_SECONDS = 30.0
"""How often a run refreshes its lock (at least twice within a minute)."""
DEFAULT_STALE_MINUTES = 10.0
_STOP_WAIT = 10.0
"""Another host's lock not refreshed for this long is taken over (``--stale-lock-minutes``)."""


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


def _refusal(lock_path: Path, holder: LockHolder | None, stale_minutes: float) -> UsageError:
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
        f"{folder} is locked by a virnucpro run on another host: {holder.describe()}, lock "
        f"refreshed {_age(_unrefreshed_seconds(lock_path))} ago; it is taken over "
        f"automatically once not refreshed for {_minutes(stale_minutes)} "
        "(--stale-lock-minutes); if that run no longer runs, run again with --break-lock to "
        "take the folder over now, or choose another --output-dir"
    )


def _minutes(minutes: float) -> str:
    return f"{minutes:g} min"


def _unrefreshed_seconds(lock_path: Path) -> float:
    """How long ago the lock file was last refreshed (0 when it is gone)."""
    try:
        return max(0.0, time.time() - lock_path.stat().st_mtime)
    except FileNotFoundError:
        return 0.0


def _may_take_over(
    lock_path: Path, holder: LockHolder | None, break_lock: bool, stale_minutes: float
) -> bool:
    """Whether a held lock may be taken over; logs a warning when it is."""
    if holder is not None and holder.is_local() and not holder.runs():
        logger.warning("taking over the lock of a run that no longer runs (%s)",
                       holder.describe())
        return True
    unrefreshed = _unrefreshed_seconds(lock_path)
    if (holder is None or not holder.is_local()) and unrefreshed >= stale_minutes * 60:
        shown = holder.describe() if holder is not None else "unreadable lock file"
        logger.warning("taking over a stale lock of %s: %s, not refreshed for %s (stale after "
                       "%s, --stale-lock-minutes)", lock_path.parent, shown,
                       _age(unrefreshed), _minutes(stale_minutes))
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


def check_output_folder(folder: Path) -> None:
    """Refuse an output folder path that is a file or lies under one (before creating it).

    Raises:
        UsageError: ``folder`` or one of its parents exists and is not a folder.
    """
    folder = Path(folder)
    for path in (folder, *folder.parents):
        if path.is_dir():
            return
        if path.exists() or path.is_symlink():
            where = "" if path == folder else f" (in the output path {folder})"
            raise UsageError(f"{path} exists and is not a folder{where}; "
                             "choose another --output-dir")


def acquire(
    lock_path: Path, break_lock: bool = False, stale_minutes: float = DEFAULT_STALE_MINUTES
) -> bytes:
    """Take the lock of ``lock_path``'s folder (created if needed); return what it holds.

    Args:
        lock_path: the lock file, in the output folder.
        break_lock: take the lock over whoever holds it.
        stale_minutes: take over another host's lock not refreshed for this long.

    Raises:
        UsageError: another run holds it (naming pid, host, start time, last refresh and
            what to do), or the output folder path is a file or lies under one.
    """
    folder = lock_path.parent
    check_output_folder(folder)
    folder.mkdir(parents=True, exist_ok=True)
    content = LockHolder.of_this_process().to_bytes()
    for _ in range(_TAKE_ATTEMPTS):
        if _create(lock_path, content):
            return content
        seen = _read(lock_path)
        if seen is None:  # released in the meantime
            continue
        holder = LockHolder.from_bytes(seen)
        if not _may_take_over(lock_path, holder, break_lock, stale_minutes):
            raise _refusal(lock_path, holder, stale_minutes)
        _remove_if_unchanged(lock_path, seen)
    raise UsageError(f"{folder}: other virnucpro runs keep taking this output folder; "
                     "make sure only one run uses it")


def release(lock_path: Path, content: bytes) -> None:
    """Remove the lock if it is still ours (``--break-lock`` elsewhere may have taken it)."""
    with contextlib.suppress(OSError):  # the folder may be gone or read-only by now
        if _read(lock_path) == content:
            lock_path.unlink()


class Heartbeat:
    """A daemon thread that refreshes a held lock's modification time every ``interval`` s.

    Each beat opens the lock file, checks that it still holds ``content`` (this run's lock)
    and touches that open file, so a lock that another run took over is never refreshed: the
    heartbeat then stops with a warning. :meth:`stop` returns at once (the thread waits on an
    event, not a sleep).
    """

    def __init__(self, lock_path: Path, content: bytes, interval: float = HEARTBEAT_SECONDS):
        self.lock_path, self.content, self.interval = lock_path, content, interval
        self.beats = 0
        self._stopped = threading.Event()
        self._beaten = threading.Condition()
        self._thread = threading.Thread(target=self._run, name="virnucpro-lock-heartbeat",
                                        daemon=True)

    def start(self) -> Heartbeat:
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop beating: at once, unless a beat hangs on the file system (then at most
        ``_STOP_WAIT`` s; such a late beat touches only the file it opened, which a released
        or taken-over lock is no longer)."""
        self._stopped.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(_STOP_WAIT)

    def wait_for_beats(self, count: int, timeout: float) -> bool:
        """Wait until ``count`` beats happened in all (for tests); whether they did."""
        with self._beaten:
            return self._beaten.wait_for(lambda: self.beats >= count, timeout)

    def beat(self) -> bool:
        """Refresh the lock once; False when it is no longer this run's."""
        try:
            with open(self.lock_path, "rb") as handle:
                if handle.read() != self.content:
                    return False
                os.utime(handle.fileno())
        except FileNotFoundError:
            return False
        except OSError as error:  # a read-only or vanished folder: try again next time
            logger.debug("cannot refresh the lock %s: %s", self.lock_path, error)
        return True

    def _run(self) -> None:
        while not self._stopped.wait(self.interval):
            ours = self.beat()
            with self._beaten:
                self.beats += 1
                self._beaten.notify_all()
            if not ours:
                logger.warning("%s: the output folder's lock is no longer this run's (another "
                               "run took it over); no longer refreshing it", self.lock_path)
                return


@contextlib.contextmanager
def output_folder_lock(
    lock_path: Path,
    break_lock: bool = False,
    stale_minutes: float = DEFAULT_STALE_MINUTES,
    heartbeat_seconds: float = HEARTBEAT_SECONDS,
) -> Iterator[Heartbeat]:
    """Hold the output folder's lock for the ``with`` block (released on any exit), refreshed
    by a :class:`Heartbeat` (which the block gets) every ``heartbeat_seconds``.

    A folder that the lock itself created and that is still empty afterwards (the run was
    refused before writing anything, e.g. a model that does not fit) is removed again, so a
    failed start leaves nothing behind. See :func:`acquire` for the arguments.
    """
    created = not lock_path.parent.exists()
    content = acquire(lock_path, break_lock, stale_minutes)
    heartbeat = Heartbeat(lock_path, content, heartbeat_seconds).start()
    try:
        yield heartbeat
    finally:
        heartbeat.stop()
        release(lock_path, content)
        if created:
            with contextlib.suppress(OSError):  # not empty (the run wrote files) or gone
                lock_path.parent.rmdir()
