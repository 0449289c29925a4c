"""Opening and closing stage frames: the hot path shared by every way of timing a stage.

Each call appends one tuple to its registry's record list (an atomic list append, so threads
need no lock): ``(name, start_ns, end_ns, nested_ns, parent, thread, outermost, info)`` where
``info`` is None for a plain successful call and otherwise a small dict (status, error, skip
reason, metrics, GPU peak, active time of a generator).
"""

from __future__ import annotations

import sys
import threading
from logging import DEBUG, INFO
from numbers import Real
from time import perf_counter_ns

from . import _cuda
from ._context import (
    CURRENT,
    THREAD_LOCAL,
    current_frame,
    fallback_frame,
    sync_main_context,
    thread_state,
)
from ._errors import TelemetryError
from ._frame import (
    BASE,
    CHILD,
    CUDA,
    LOG,
    METRICS,
    NAME,
    NVTX,
    OUTER,
    PARENT,
    PEAK,
    PREV,
    REG,
    START,
    TID,
    TOKEN,
    XCHILD,
)
from ._livelog import log_end, log_start, logger
from ._records import FAILED, OK, SKIPPED

_current_get = CURRENT.get
_current_set = CURRENT.set
_modules = sys.modules
_is_enabled_for = logger.isEnabledFor
_shared_lock = threading.Lock()  # guards updates made from another thread than the frame's

# Logger.isEnabledFor() answers from the logger's per-level cache; reading that cache directly
# saves a Python call per stage. A miss (None) falls back to isEnabledFor(), which fills it.
# Loggers disabled by logging.config keep True in the cache: the stage then takes the full
# path, where logger.log() itself drops the line, so the answer only decides the path.
_log_cache = getattr(logger, "_cache", None)
_log_hint = _log_cache.get if isinstance(_log_cache, dict) else {}.get


def open_stage(
    name: str,
    sync_cuda: object = "auto",
    nvtx: bool = False,
    root: list | None = None,
    call: bool = False,
) -> list:
    """Start a stage in the calling thread or task and return its frame.

    Args:
        name: stage name.
        sync_cuda: "auto", True or False (see ``timed_stage``).
        nvtx: open an NVTX range named after the stage.
        root: record into this root frame's registry unless the innermost frame already does.
        call: push a call frame (a plain function call) instead of a context frame.
    """
    state = thread_state()
    tid, call_top = state
    context_frame = _current_get()
    if call_top is not None and call_top[BASE] is context_frame:
        current = call_top
    else:
        current = context_frame if context_frame is not None else fallback_frame(tid)
    if root is not None and current[REG] is not root[REG]:
        current = root
    if current[NAME] is None:
        parent = None
        outer = True
        log = INFO if _is_enabled_for(INFO) else 0
    else:
        parent = current
        outer = _outermost(current, name)
        log = DEBUG if _is_enabled_for(DEBUG) else 0
    frame = [current[REG], name, parent, 0, tid, 0, 0, None, None, outer, log, None, None, False,
             context_frame, call_top]
    if call:
        state[1] = frame
    else:
        frame[TOKEN] = _current_set(frame)
        sync_main_context(tid)
    if log:
        log_start(frame, log)
    if nvtx:
        frame[NVTX] = _cuda.nvtx_push(name)
    if sync_cuda is not False and "torch" in _modules:
        cuda = _cuda.cuda_for(sync_cuda)
        if cuda is not None:
            frame[CUDA] = cuda
            _cuda.enter(cuda, frame)
    frame[START] = perf_counter_ns()
    return frame


# One function on purpose (see the docstring), hence over the complexity cap.
def fast_call(name: str, sync_cuda: object, nvtx: bool, wrapped):  # noqa: C901
    """Return a function that runs ``wrapped(*args, **kwargs)`` as one call of stage ``name``.

    This is the decorator's hot path, written out in one function because each extra Python
    call costs as much as a clock read. The common case (no live log line, no CUDA, no NVTX, no
    metrics) is handled inline; anything else goes through ``call_in_full`` or ``_finish``.
    """
    gpu_possible = sync_cuda is not False

    def timed(*args, **kwargs):
        try:
            state = THREAD_LOCAL.state
        except AttributeError:
            state = thread_state()
        tid, call_top = state
        context_frame = _current_get()
        if call_top is not None and call_top[BASE] is context_frame:
            current = call_top
        else:
            current = context_frame if context_frame is not None else fallback_frame(tid)
        if current[NAME] is None:
            parent = None
            outer = True
            level = INFO
        else:
            parent = current
            outer = _outermost(current, name)
            level = DEBUG
        loud = _log_hint(level)
        if loud is None:
            loud = _is_enabled_for(level)
        if loud or nvtx or (gpu_possible and "torch" in _modules):
            return call_in_full(name, sync_cuda, nvtx, wrapped, args, kwargs)
        frame = [current[REG], name, parent, 0, tid, 0, 0, None, None, outer, 0, None, None,
                 False, context_frame, call_top]
        state[1] = frame
        start = perf_counter_ns()
        try:
            result = wrapped(*args, **kwargs)
        except BaseException as exc:
            frame[START] = start
            end_stage(frame, error=exc)
            raise
        end = perf_counter_ns()
        state[1] = call_top
        if frame[METRICS] is not None or frame[PEAK] is not None:
            frame[START] = start
            _finish(frame, end, end - start, OK, None, None)
            return result
        if parent is None:
            parent_name = None
        else:
            parent_name = parent[NAME]
            if parent[TID] == tid:
                parent[CHILD] += end - start
            else:
                _add_foreign_child_time(parent, end - start)
        current[REG]._records.append(
            (name, start, end, frame[CHILD] + frame[XCHILD], parent_name, tid, outer, None)
        )
        return result

    return timed


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


def close_stage(frame: list) -> None:
    """End a stage that returned normally."""
    cuda = frame[CUDA]
    if cuda is not None:
        _cuda.leave(cuda, frame, failed=False)
    end = perf_counter_ns()
    _pop(frame)
    _finish(frame, end, end - frame[START], OK, None, None)


def end_stage(
    frame: list,
    error: BaseException | None = None,
    reason: str | None = None,
    active_ns: int | None = None,
) -> None:
    """End a stage: failed with ``error``, skipped with ``reason``, else successful.

    ``active_ns`` replaces end minus start as the duration (generators, timed only while they
    run). ``GeneratorExit`` is not a failure: it means the consumer stopped early.
    """
    if isinstance(error, GeneratorExit):
        error = None
    cuda = frame[CUDA]
    if cuda is not None:
        _cuda.leave(cuda, frame, failed=error is not None)
    end = perf_counter_ns()
    if _is_innermost(frame):
        _pop(frame)
    duration = end - frame[START] if active_ns is None else active_ns
    if error is not None:
        _finish(frame, end, duration, FAILED, error, None)
    elif reason is not None:
        _finish(frame, end, duration, SKIPPED, None, reason)
    else:
        _finish(frame, end, duration, OK, None, None)


def resume_stage(frame: list) -> int:
    """Make a suspended stage (a generator's) current again; return the resume time."""
    frame[TOKEN] = _current_set(frame)
    sync_main_context(thread_state()[0])
    cuda = frame[CUDA]
    if cuda is not None:
        cuda.synchronize()
    return perf_counter_ns()


def suspend_stage(frame: list) -> int:
    """Take a running stage off the stack until it resumes; return the suspend time."""
    cuda = frame[CUDA]
    if cuda is not None:
        cuda.synchronize()
    now = perf_counter_ns()
    _pop(frame)
    return now


def add_metrics(**values: float) -> None:
    """Add numbers to the innermost running stage (see the public ``add_metrics``).

    Raises:
        TelemetryError: a value is not a number, or no stage is running.
    """
    for key, value in values.items():
        if isinstance(value, bool) or not isinstance(value, Real):
            raise TelemetryError(
                f"add_metrics() takes numbers: {key}={value!r} is a {type(value).__name__}; "
                "pass a count or a size, e.g. add_metrics(sequences=12)"
            )
    frame = current_frame()
    if frame[NAME] is None:
        raise TelemetryError(
            "add_metrics() was called outside a stage: call it inside a function decorated "
            "with @timed_stage(...) or inside a `with stage(...):` block"
        )
    with _shared_lock:
        metrics = frame[METRICS]
        if metrics is None:
            metrics = frame[METRICS] = {}
        for key, value in values.items():
            metrics[key] = metrics.get(key, 0) + value


def skip_stage(name: str, reason: str) -> None:
    """Record that stage ``name`` was skipped for ``reason`` without running it."""
    end_stage(open_stage(name, sync_cuda=False), reason=reason)


def _outermost(frame: list, name: str) -> bool:
    """False when ``frame`` or one of its ancestors already runs stage ``name``."""
    while frame is not None:
        if frame[NAME] == name:
            return False
        frame = frame[PARENT]
    return True


def _is_innermost(frame: list) -> bool:
    """Whether ``frame`` is the newest frame of its kind in the calling thread or task."""
    if frame[TOKEN] is None:
        return thread_state()[1] is frame
    return _current_get() is frame


def _pop(frame: list) -> None:
    """Restore the frame that was current before ``frame`` started or resumed."""
    state = thread_state()
    if frame[TOKEN] is None:
        state[1] = frame[PREV]
    else:
        CURRENT.reset(frame[TOKEN])
        sync_main_context(state[0])


def _add_foreign_child_time(parent: list, duration: int) -> None:
    """Add a nested stage's time to a parent frame that another thread runs."""
    with _shared_lock:
        parent[XCHILD] += duration


def _finish(
    frame: list,
    end: int,
    duration: int,
    status: str,
    error: BaseException | None,
    reason: str | None,
) -> None:
    """Record a stage with its outcome and write its live end line."""
    info: dict = {}
    if status != OK:
        info["status"] = status
    if error is not None:
        info["error_type"] = type(error).__name__
        info["error"] = str(error)
    if reason is not None:
        info["reason"] = reason
    if frame[METRICS]:
        info["metrics"] = frame[METRICS]
    if frame[PEAK] is not None:
        info["peak"] = frame[PEAK]
    if duration != end - frame[START]:
        info["active_ns"] = duration
    _record(frame, end, duration, info or None)
    if frame[LOG]:
        detail = info.get("error_type") or reason
        log_end(frame, frame[LOG], duration / 1e9, status, detail)


def _record(frame: list, end: int, duration: int, info: dict | None) -> None:
    """Append the call's record and pass its time (and GPU peak) to the enclosing stage."""
    parent = frame[PARENT]
    if frame[NVTX]:
        _cuda.nvtx_pop()
    if parent is not None:
        if parent[TID] == frame[TID]:
            parent[CHILD] += duration
        else:
            _add_foreign_child_time(parent, duration)
        if frame[PEAK] is not None:
            _cuda.fold_peak(parent, frame[PEAK])
    frame[REG]._records.append(
        (
            frame[NAME],
            frame[START],
            end,
            frame[CHILD] + frame[XCHILD],
            None if parent is None else parent[NAME],
            frame[TID],
            frame[OUTER],
            info,
        )
    )
