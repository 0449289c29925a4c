"""Opening and closing stage frames: the hot path shared by every way of timing a stage.

Times are readings of the registry's clock (``StageRegistry(clock=...)``, by default
``time.perf_counter_ns``). Each call appends one tuple to its registry's record list (an atomic
list append, so threads need no lock): ``(name, start, sequence, end, nested_ns, parent,
thread, outermost, info)`` where ``info`` is None for a plain successful call and otherwise a small
dict (status, error, skip reason, metrics, GPU peak, active time of a generator). Only
``_record`` builds that tuple and only ``StageRegistry._local_record`` reads it.
"""

from __future__ import annotations

import sys
import threading
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

_current_get = CURRENT.get
_current_set = CURRENT.set
_modules = sys.modules
_is_enabled_for = logger.isEnabledFor
_shared_lock = threading.Lock()  # guards updates made from another thread than the frame's

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

    This is the decorator's hot path (see benchmarks/bench_telemetry.py): the common case (no
    live log line, no CUDA, no NVTX) pushes a call frame and reads the clock inline; anything
    else goes through ``call_in_full``.
    """
    gpu_possible = sync_cuda is not False

    def timed(*args, **kwargs):
        try:
            state = THREAD_LOCAL.state
        except AttributeError:
            state = thread_state()
        call_top = state.call_top
        context_frame = _current_get()
        current = innermost(context_frame, call_top) or fallback_frame(state.thread)
        level = INFO if current.name is None else DEBUG
        loud = _log_hint(level)
        if loud is None:
            loud = _is_enabled_for(level)
        if loud or nvtx or (gpu_possible and "torch" in _modules):
            return call_in_full(name, sync_cuda, nvtx, wrapped, args, kwargs)
        frame = Frame(current.registry, name, current, state.thread, 0, context_frame, call_top)
        state.call_top = frame
        clock = frame.registry._clock
        frame.start = clock()
        try:
            result = wrapped(*args, **kwargs)
        except BaseException as exc:
            end_stage(frame, error=exc)
            raise
        end = clock()
        state.call_top = call_top
        if frame.metrics is None and frame.peak_gpu_bytes is None:
            _record(frame, end, end - frame.start, None)
        else:
            _finish(frame, end, end - frame.start, OK, None, None)
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


def close_stage(frame: Frame) -> None:
    """End a stage that returned normally."""
    cuda = frame.cuda
    if cuda is not None:
        _cuda.leave(cuda, frame, failed=False)
    end = frame.registry._clock()
    _pop(frame)
    _finish(frame, end, end - frame.start, OK, None, None)


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
    end = frame.registry._clock()
    if _is_top_of_its_stack(frame):
        _pop(frame)
    duration = end - frame.start if resumed is None else active_ns + end - resumed
    if error is not None:
        _finish(frame, end, duration, FAILED, error, None)
    elif reason is not None:
        _finish(frame, end, duration, SKIPPED, None, reason)
    else:
        _finish(frame, end, duration, OK, None, None)


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


def _finish(
    frame: Frame,
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
    if frame.metrics:
        info["metrics"] = frame.metrics
    if frame.peak_gpu_bytes is not None:
        info["peak"] = frame.peak_gpu_bytes
    if duration != end - frame.start:
        info["active_ns"] = duration
    _record(frame, end, duration, info or None)
    if frame.log_level:
        log_end(frame, duration / 1e9, status, info.get("error_type") or reason)


def _record(frame: Frame, end: int, duration: int, info: dict | None) -> None:
    """Append the call's record and pass its time (and GPU peak) to the enclosing stage."""
    parent = frame.parent
    if frame.nvtx:
        _cuda.nvtx_pop()
    if parent is not None:
        if parent.thread == frame.thread:
            parent.child_ns += duration
        else:
            with _shared_lock:
                parent.foreign_child_ns += duration
        if frame.peak_gpu_bytes is not None:
            _cuda.fold_peak(parent, frame.peak_gpu_bytes)
    frame.registry._records.append(
        (
            frame.name,
            frame.start,
            frame.sequence,
            end,
            frame.child_ns + frame.foreign_child_ns,
            None if parent is None else parent.name,
            frame.thread,
            frame.outermost,
            info,
        )
    )
