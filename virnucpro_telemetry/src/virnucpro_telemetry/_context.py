"""Which registry and which stage are active, per thread and per asyncio task.

The innermost frame of a thread or task is its newest call frame if that was pushed under the
current context frame, else the current context frame (see ``_frame``). Threads do not inherit
context variables, so two process-wide fallbacks let a worker thread started inside an active
stage (or inside ``use_registry``) record into the right place: the innermost frame of the main
thread, then the registries made active by ``use_registry`` in any thread, then the default.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from ._errors import TelemetryError
from ._frame import Frame
from ._registry import StageRegistry

CURRENT: ContextVar[Frame | None] = ContextVar("virnucpro_telemetry_frame", default=None)


class ThreadState:
    """What the recording code keeps per thread: its ident and its newest call frame."""

    __slots__ = ("thread", "call_top")

    def __init__(self, thread: int) -> None:
        self.thread = thread
        self.call_top: Frame | None = None


# Holds each thread's ThreadState as ``.state``; see thread_state().
THREAD_LOCAL = threading.local()

DEFAULT_REGISTRY = StageRegistry()

# The main thread's current context frame and its ThreadState, kept up to date by code in
# that thread: together they tell worker threads which stage the main thread is running.
# One-item lists: boxes that the recording code updates in place.
MAIN_CONTEXT: list[Frame | None] = [None]
MAIN_STATE: list[ThreadState | None] = [None]
MAIN_IDENT = threading.main_thread().ident

# Root frames made active by use_registry(), in any thread, innermost last.
_ACTIVE_ROOTS: list[Frame] = []
_ROOTS_LOCK = threading.Lock()


def innermost(context_frame: Frame | None, call_frame: Frame | None) -> Frame | None:
    """The newer of a thread's context frame and its newest call frame (the one place of the rule).

    A call frame is the newer one only while the context frame it was pushed under is still
    current; otherwise it belongs to code that a coroutine or generator suspended.
    """
    if call_frame is not None and call_frame.base is context_frame:
        return call_frame
    return context_frame


def thread_state() -> ThreadState:
    """The ThreadState of the calling thread, created on first use."""
    try:
        return THREAD_LOCAL.state
    except AttributeError:
        tid = threading.get_ident()
        state = THREAD_LOCAL.state = ThreadState(tid)
        if tid == MAIN_IDENT:
            MAIN_STATE[0] = state
        return state


def own_frame() -> Frame | None:
    """The innermost frame of the calling thread and task, or None when there is none."""
    return innermost(CURRENT.get(), thread_state().call_top)


def fallback_frame(tid: int) -> Frame:
    """The frame a thread with no stage or registry of its own records under."""
    if tid != MAIN_IDENT:
        main_state = MAIN_STATE[0]
        main_top = None if main_state is None else main_state.call_top
        main_frame = innermost(MAIN_CONTEXT[0], main_top)
        if main_frame is not None:
            return main_frame
        if _ACTIVE_ROOTS:
            return _ACTIVE_ROOTS[-1]
    return DEFAULT_REGISTRY._root


def current_frame() -> Frame:
    """The innermost frame of the calling thread or task (a root frame when no stage runs)."""
    frame = own_frame()
    return frame if frame is not None else fallback_frame(threading.get_ident())


def current_registry() -> StageRegistry:
    """Return the registry that stages record into here: ``use_registry``'s, or the default."""
    return current_frame().registry


def sync_main_context(tid: int) -> None:
    """Publish the main thread's context frame to other threads (no-op in other threads)."""
    if tid == MAIN_IDENT:
        MAIN_CONTEXT[0] = CURRENT.get()


@contextmanager
def use_registry(registry: StageRegistry) -> Iterator[StageRegistry]:
    """Make ``registry`` the active one inside the ``with`` block, then restore the previous.

    Stages started in the block (and in threads started from it) record into ``registry``
    as top-level stages.

    Raises:
        TelemetryError: ``registry`` is not a StageRegistry.
    """
    if not isinstance(registry, StageRegistry):
        raise TelemetryError(
            f"use_registry() takes a StageRegistry, not {type(registry).__name__}: "
            "write `with use_registry(StageRegistry()) as reg:`"
        )
    root = registry._root
    tid = threading.get_ident()
    token = CURRENT.set(root)
    with _ROOTS_LOCK:
        _ACTIVE_ROOTS.append(root)
    sync_main_context(tid)
    try:
        yield registry
    finally:
        CURRENT.reset(token)
        with _ROOTS_LOCK:
            _remove_last(_ACTIVE_ROOTS, root)
        sync_main_context(tid)


def _remove_last(items: list, item: object) -> None:
    """Remove the last occurrence of ``item`` (by identity) from ``items``."""
    for index in range(len(items) - 1, -1, -1):
        if items[index] is item:
            del items[index]
            return
