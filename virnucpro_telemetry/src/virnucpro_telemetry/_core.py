"""Opening and closing stage frames: the hot path shared by every way of timing a stage.

Times are readings of the registry's clock (``StageRegistry(clock=...)``, by default
``time.perf_counter_ns``). When a stage ends, its frame, now holding the end time and the
outcome, is appended to its registry's record list (an atomic list append, so threads need no
lock), and its time (and GPU peak) is passed on to the enclosing stage.
"""

from __future__ import annotations

import sys
import threading
import time
from logging import DEBUG, INFO

from . import _cuda
from ._context import (
    CURRENT,
    THREAD_LOCAL,
    current_frame,
    fallback_frame,
    innermost,
    sync_main_context,
    thread_state,
)
from ._errors import TelemetryError
from ._frame import Frame
from ._livelog import log_end, log_start, logger
from ._metrics import add_into, check_metrics
from ._records import FAILED, OK, SKIPPED
from ._tally import PENDING_LIMIT, Tally, Union, extend_union, fold_pending, fold_times

_current_get = CURRENT.get
_current_set = CURRENT.set
_bare_frame = object.__new__
_modules = sys.modules
_is_enabled_for = logger.isEnabledFor
_shared_lock = threading.Lock()  # guards updates made from another thread than the frame's

# The span bridge (``otel.enable()``): an object with ``start(frame)`` and
# ``end(frame, error)``, or None. Stages take the full path while one is set.
BRIDGE: list = [None]
SHARED = 0  # StageRegistry._solo once two threads recorded into it (thread idents are not 0)
# Clocks that never go back (time.get_clock_info): deferred calls of one thread never overlap.
MONOTONIC_CLOCKS = (time.perf_counter_ns, time.monotonic_ns)

# Logger.isEnabledFor() answers from the logger's per-level cache; reading that cache directly
# saves a Python call per stage (benchmarks/bench_telemetry.py). A miss (None) falls back to
# isEnabledFor(), which fills it. Loggers disabled by logging.config keep True in the cache: the
# stage then takes the full path, where logger.log() itself drops the line, so the answer only
# decides the path.
_log_cache = getattr(logger, "_cache", None)
_log_hint = _log_cache.get if isinstance(_log_cache, dict) else {}.get


def open_stage(
    name: str,
    sync_cuda: object = "auto",
    nvtx: bool = False,
    root: Frame | None = None,
    call: bool = False,
) -> Frame:
    """Start a stage in the calling thread or task and return its frame.

    Args:
        name: stage name.
        sync_cuda: "auto", True or False (see ``timed_stage``).
        nvtx: open an NVTX range named after the stage.
        root: record into this root frame's registry unless the innermost frame already does.
        call: push a call frame (a plain function call) instead of a context frame.
    """
    state = thread_state()
    call_top = state.call_top
    context_frame = _current_get()
    current = innermost(context_frame, call_top) or fallback_frame(state.thread)
    if root is not None and current.registry is not root.registry:
        current = root
    level = INFO if current.name is None else DEBUG
    log_level = level if _is_enabled_for(level) else 0
    frame = Frame(current.registry, name, current, state.thread, log_level, context_frame,
                  call_top)
    if call:
        state.call_top = frame
    else:
        frame.token = _current_set(frame)
        sync_main_context(state.thread)
    if log_level:
        log_start(frame)
    bridge = BRIDGE[0]
    if bridge is not None:
        bridge.start(frame)
    if nvtx:
        frame.nvtx = _cuda.nvtx_push(name)
    if sync_cuda is not False and "torch" in _modules:
        cuda = _cuda.cuda_for(sync_cuda)
        if cuda is not None:
            frame.cuda = cuda
            _cuda.enter(cuda, frame)
    frame.start = frame.registry._clock()
    return frame


def fast_call(name: str, sync_cuda: object, nvtx: bool, wrapped):
    """Return a function that runs ``wrapped(*args, **kwargs)`` as one call of stage ``name``.

    This is the decorator's hot path (benchmarks/bench_telemetry.py): each extra Python call
    costs about as much as a clock read, so the common case (no live log line, no CUDA, no
    span) pushes a call frame and reads the clock inline instead of going through
    ``open_stage`` and ``close_stage``; anything else goes through ``call_in_full``. A stage
    with an NVTX range always does (the decorator does not use this function for it).
    """
    gpu_possible = sync_cuda is not False

    def timed(*args, **kwargs):
        try:
            state = THREAD_LOCAL.state
        except AttributeError:
            state = thread_state()
        call_top = state.call_top
        context_frame = _current_get()
        # innermost(), inlined (benchmarks/bench_telemetry.py).
        if call_top is not None and call_top.base is context_frame:
            current = call_top
        else:
            current = context_frame or fallback_frame(state.thread)
        # INFO off means DEBUG off too: one cache look-up answers for a top-level stage (INFO)
        # and a nested one (DEBUG) alike (benchmarks/bench_telemetry.py).
        # With torch imported, only a stage that will use CUDA needs the full path: programs
        # that import torch but never initialise CUDA keep the hot path.
        if ((_log_hint(INFO) is not False and _is_loud(current)) or BRIDGE[0] is not None
                or (gpu_possible and "torch" in _modules
                    and _cuda.cuda_for(sync_cuda) is not None)):
            return call_in_full(name, sync_cuda, nvtx, wrapped, args, kwargs)
        registry = current.registry
        if current.name is None:
            # Frame(registry, name, current, ...) for a top-level stage, without the class call
            # (benchmarks/bench_telemetry.py: it halves the cost of building the frame).
            frame = _bare_frame(Frame)
            frame.registry, frame.name, frame.parent = registry, name, None
            frame.thread, frame.base, frame.previous = state.thread, context_frame, call_top
            frame.end = None
        else:
            frame = Frame(registry, name, current, state.thread, 0, context_frame, call_top)
        state.call_top = frame
        clock = registry._clock
        frame.start = start = clock()
        try:
            result = wrapped(*args, **kwargs)
        except BaseException as exc:
            end_stage(frame, error=exc)
            raise
        frame.end = end = clock()
        state.call_top = call_top
        # A plain call (see _record) whose stage keeps no more records, in a registry only
        # this thread records into (tally.deferrer), is not folded now: its duration and end
        # are counted later in a batch, see fold_pending (benchmarks/bench_telemetry.py).
        tally = registry._tallies.get(name)
        if tally is None or tally.deferrer != state.thread or not frame.deferrable:
            _record(frame)
        else:
            if frame.parent is not None:
                _fold_into_parent(frame, frame.parent, start, end, tally)
            pending = tally.pending
            pending.append(end - start)
            pending.append(end)
            if len(pending) >= PENDING_LIMIT:
                with registry._lock:
                    fold_pending(tally)
        return result

    return timed


def _is_loud(current: Frame) -> bool:
    """Whether a stage started under ``current`` writes live log lines (INFO at top level)."""
    return _is_enabled_for(INFO if current.name is None else DEBUG)


def call_in_full(name: str, sync_cuda: object, nvtx: bool, wrapped, args, kwargs):
    """Run ``wrapped(*args, **kwargs)`` as a call of stage ``name``, with every feature."""
    frame = open_stage(name, sync_cuda, nvtx, call=True)
    try:
        result = wrapped(*args, **kwargs)
    except BaseException as exc:
        end_stage(frame, error=exc)
        raise
    close_stage(frame)
    return result


def close_stage(frame: Frame) -> None:
    """End a stage that returned normally."""
    cuda = frame.cuda
    if cuda is not None:
        _cuda.leave(cuda, frame, failed=False)
    frame.end = frame.registry._clock()
    _pop(frame)
    _finish(frame, None)


def end_stage(
    frame: Frame,
    error: BaseException | None = None,
    reason: str | None = None,
    resumed: int | None = None,
    active_ns: int = 0,
) -> None:
    """End a stage: failed with ``error``, skipped with ``reason``, else successful.

    A generator, timed only while it runs, passes when its last resumption began
    (``resumed``) and the time of the earlier ones (``active_ns``): its duration is their sum
    up to the end, read after the final CUDA synchronisation. ``GeneratorExit`` is not a
    failure: it means the consumer stopped early.
    """
    if isinstance(error, GeneratorExit):
        error = None
    cuda = frame.cuda
    if cuda is not None:
        _cuda.leave(cuda, frame, failed=error is not None)
    frame.end = frame.registry._clock()
    if _is_top_of_its_stack(frame):
        _pop(frame)
    if resumed is not None:
        frame.active_ns = active_ns + frame.end - resumed
    if error is not None:
        frame.status = FAILED
        frame.error_type = type(error).__name__
        frame.error = describe_error(error)
    elif reason is not None:
        frame.status = SKIPPED
        frame.reason = reason
    _finish(frame, error)


def describe_error(error: BaseException) -> str:
    """The error's message, or what happened when it has none (Ctrl-C: ``interrupted``)."""
    message = str(error)
    if message:
        return message
    return "interrupted" if isinstance(error, KeyboardInterrupt) else "(no message)"


def resume_stage(frame: Frame) -> int:
    """Make a suspended stage (a generator's) current again; return the resume time."""
    frame.token = _current_set(frame)
    sync_main_context(thread_state().thread)
    cuda = frame.cuda
    if cuda is not None:
        cuda.synchronize()
    return frame.registry._clock()


def suspend_stage(frame: Frame) -> int:
    """Take a running stage off the stack until it resumes; return the suspend time."""
    cuda = frame.cuda
    if cuda is not None:
        cuda.synchronize()
    now = frame.registry._clock()
    _pop(frame)
    return now


def add_metrics(values: dict) -> None:
    """Add numbers to the innermost running stage (see the public ``add_metrics``).

    Raises:
        TelemetryError: a value is not a number, or no stage is running.
    """
    check_metrics(values, "add_metrics()", "add_metrics(sequences=12)")
    frame = current_frame()
    if frame.name is None:
        raise TelemetryError(
            "add_metrics() was called outside a stage: call it inside a function decorated "
            "with @timed_stage(...) or inside a `with stage(...):` block"
        )
    fold_metrics(frame, values)


def fold_metrics(frame: Frame, values: dict) -> None:
    """Add checked metric ``values`` to a running frame (from any thread)."""
    if values:
        with _shared_lock:
            frame.deferrable = False  # first: whoever sees the metrics sees this too
            frame.metrics = add_into(frame.metrics or {}, values)


def skip_stage(name: str, reason: str) -> None:
    """Record that stage ``name`` was skipped for ``reason`` without running it."""
    end_stage(open_stage(name, sync_cuda=False), reason=reason)


def _is_top_of_its_stack(frame: Frame) -> bool:
    """Whether ``frame`` is still the newest frame of its own stack (call or context)."""
    if frame.token is None:
        return thread_state().call_top is frame
    return _current_get() is frame


def _pop(frame: Frame) -> None:
    """Restore the frame that was current before ``frame`` started or resumed."""
    state = thread_state()
    if frame.token is None:
        state.call_top = frame.previous
    else:
        CURRENT.reset(frame.token)
        sync_main_context(state.thread)


def _finish(frame: Frame, error: BaseException | None) -> None:
    """Record an ended stage, end its span and write its live end line."""
    _record(frame)
    span = frame.span
    if span is not None:
        bridge = BRIDGE[0]
        if bridge is None:  # the bridge was turned off while the stage ran
            span.end()
        else:
            bridge.end(frame, error)
    if frame.log_level:
        log_end(frame, frame.duration_ns() / 1e9)


def _record(frame: Frame) -> None:
    """Fold an ended frame into its stage's tally and its parent's children; maybe keep it.

    Until a second thread records into the registry (``_solo`` holds the one thread that did,
    then ``SHARED``), its tallies are updated without a lock, except to count deferred calls
    (``Tally.pending`` is folded only under the registry's lock, also by readers).
    """
    if frame.nvtx:
        _cuda.nvtx_pop()
    registry = frame.registry
    solo = registry._solo
    if solo != frame.thread and solo != SHARED:  # once shared, it stays so: no lock here
        _note_thread(registry, frame.thread)
    tally = registry._tallies.get(frame.name)
    if registry._solo == SHARED or (tally is not None and tally.pending):
        with registry._lock:
            _fold(frame, registry)
    else:
        _fold(frame, registry)


def _children_of(frame: Frame) -> Union:
    """The union of ``frame``'s children, created with the first child."""
    children = frame.children
    if children is None:
        frame.deferrable = False  # first: whoever sees the children sees this too
        children = frame.children = Union(frame.start)
    return children


def _note_thread(registry, thread: int) -> None:
    """Remember the first thread that records into ``registry``; a second one makes it shared."""
    with registry._lock:
        registry._solo = thread if registry._solo is None else SHARED
        if registry._solo == SHARED:
            for tally in registry._tallies.values():
                tally.deferrer = SHARED  # from now on every call is folded under the lock


def _fold(frame: Frame, registry) -> None:
    """Update the tally of ``frame``'s stage with the ended call (the caller holds any lock)."""
    end = frame.end
    active = frame.active_ns
    duration = end - frame.start if active is None else active
    start = end - duration  # a generator's time inside its body, placed at its end
    tally = registry._tallies.get(frame.name) or _new_tally(frame, registry)
    if tally.pending:
        fold_pending(tally)  # the deferred calls ended first
    if frame.parent is not None:
        _fold_into_parent(frame, frame.parent, start, end, tally)
    if tally.room:
        tally.room -= 1
        registry._records.append(frame)
    elif registry._solo == frame.thread:
        tally.deferrer = frame.thread  # its next plain calls are counted in batches
    if frame.status is not OK and _fold_outcome(frame, tally):
        return
    fold_times(tally, start, end, duration, frame.children_ns(), frame.outermost)
    if frame.metrics:
        add_into(tally.metrics, frame.metrics)
    if frame.peak_gpu_bytes is not None:
        _cuda.fold_peak(tally, frame.peak_gpu_bytes)


def _fold_outcome(frame: Frame, tally: Tally) -> bool:
    """Count a failed or skipped call; return True for a skip (which adds nothing else)."""
    if frame.status == SKIPPED:
        tally.skips += 1
        tally.reason = frame.reason
        return True
    tally.failed += 1
    tally.error_type, tally.error = frame.error_type, frame.error
    return False


def _new_tally(frame: Frame, registry) -> Tally:
    """The tally of a stage's first ended call, named after its first other-named parent."""
    parent = frame.parent
    while parent is not None and parent.name == frame.name:
        parent = parent.parent
    active = frame.active_ns
    start = frame.start if active is None else frame.end - active
    tally = Tally(frame.name, start, None if parent is None else parent.name)
    tally.room = registry.record_limit
    tally.monotonic = registry._clock in MONOTONIC_CLOCKS
    registry._tallies[frame.name] = tally
    return tally


def _fold_into_parent(frame: Frame, parent: Frame, start: int, end: int, tally: Tally) -> None:
    """Add the call's interval (clipped to the parent's) to its parent's children.

    A call that ends after its parent did is counted in ``outlived``; the part of it that ran
    inside the parent is taken off the parent stage's self time, already recorded.
    """
    if frame.peak_gpu_bytes is not None:
        _cuda.fold_peak(parent, frame.peak_gpu_bytes)
    if frame.status is SKIPPED:
        return
    parent_end = parent.end
    if start < parent.start:
        start = parent.start
    if parent_end is None:
        if frame.thread != parent.thread:
            with _shared_lock:
                extend_union(_children_of(parent), start, end)
        else:
            extend_union(_children_of(parent), start, end)
        return
    tally.outlived += 1
    if end > parent_end:
        end = parent_end
    if end > start:
        with _shared_lock:
            grown = extend_union(_children_of(parent), start, end)
        parent_tally = parent.registry._tallies.get(parent.name)
        if parent_tally is not None:
            parent_tally.nested_ns += grown
