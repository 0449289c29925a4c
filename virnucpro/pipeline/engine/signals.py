"""SIGTERM and SIGHUP handled like Ctrl-C, and the test hook that tells when a stage starts.

While :func:`stop_signals` is active (the run engine holds it for a whole run), SIGTERM and
SIGHUP raise :class:`virnucpro.errors.StopSignal` (a ``KeyboardInterrupt``) in the main thread:
the running stage is recorded as interrupted (naming the signal), files being written stay
under their temporary names, the summary is logged and the lock released on the way out, and
``cli.main`` ends the process with 128 + the signal number (143, 129). Schedulers (SLURM,
Kubernetes, workflow managers) stop jobs with SIGTERM; a closed terminal sends SIGHUP.

The engine also calls the test hook (``virnucpro.test_hook``) as each stage starts.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator

from virnucpro import test_hook
from virnucpro.errors import StopSignal
from virnucpro_telemetry import stage

STOP_SIGNALS = (signal.SIGTERM, signal.SIGHUP)


def _raise_stop(signal_number: int, frame) -> None:
    raise StopSignal(signal_number)


@contextlib.contextmanager
def stop_signals() -> Iterator[None]:
    """SIGTERM and SIGHUP raise :class:`StopSignal` inside the block (main thread only; the
    previous handlers come back afterwards)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {number: signal.signal(number, _raise_stop) for number in STOP_SIGNALS}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def stage_starts(name: str) -> None:
    """Call the test hook for stage ``name``; a stop while it waits counts as the stage's own
    (the stage is recorded as interrupted, as if the signal came a moment later)."""
    try:
        test_hook.reached(name)
    except KeyboardInterrupt:
        with stage(name):
            raise
