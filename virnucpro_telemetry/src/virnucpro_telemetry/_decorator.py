"""``@timed_stage``: time every call of a function, method, coroutine or generator."""

from __future__ import annotations

import copy
import importlib
import inspect
from collections.abc import Callable
from functools import partial, update_wrapper
from types import BuiltinFunctionType, FunctionType, MethodType

import wrapt

from . import _config
from ._core import call_in_full, close_stage, end_stage, fast_call, open_stage
from ._cuda import check_sync_mode
from ._errors import TelemetryError
from ._generators import timed_async_generator, timed_generator
from ._rates import declare_rate


def timed_stage(
    name: str,
    *,
    sync_cuda: bool | str = "auto",
    nvtx: bool | None = None,
    enabled: bool | Callable[[], bool] = True,
    rate: str | None = None,
    rate_unit: str | None = None,
) -> Callable:
    """Decorate a function so that every call is recorded as a call of stage ``name``.

    Works on functions, methods, classmethods, staticmethods, ``async def`` functions (the
    awaited time), generator functions and async generator functions (the time spent inside the
    body, summed over resumptions, from the first ``next()`` to exhaustion or ``close()``). The
    result is as transparent as ``functools.wraps``: it keeps the name, signature, docstring and
    ``__wrapped__``, binds as a method, pickles by name, and ``copy.copy`` / ``copy.deepcopy``
    give a callable that still records. An exception is recorded (status ``failed``, its type
    and message, the duration so far) and re-raised unchanged. With ``VIRNUCPRO_TELEMETRY=0``
    at import, the function itself is returned.

    Args:
        name: the stage name shown in logs and the summary.
        sync_cuda: "auto" synchronises the CUDA device at entry and exit and records the peak
            allocated GPU memory when torch is imported and CUDA initialised; True does so
            whenever CUDA is available; False never touches the device.
        nvtx: wrap each call in an NVTX range named ``name`` (default: ``VIRNUCPRO_NVTX=1``).
        enabled: False leaves the function undecorated; a callable is asked at every call.
        rate: a metric of this stage (``add_metrics(lines=...)``) whose count per second of
            the stage's wall time the summary shows, e.g. ``"lines"`` gives ``lines/s``.
        rate_unit: the word shown before ``/s`` (default: the metric's name).

    Raises:
        TelemetryError: ``name`` is not a non-empty string, ``sync_cuda`` is not an option,
            or ``rate`` / ``rate_unit`` is not a non-empty string.
    """
    check_stage_name(name, "timed_stage")
    check_sync_mode(sync_cuda)
    declare_rate(name, rate, rate_unit)
    if not _config.TELEMETRY_ON or enabled is False:
        return partial(_name_only, name)
    use_nvtx = _config.NVTX_DEFAULT if nvtx is None else bool(nvtx)

    def decorate(func: Callable) -> Callable:
        _set_stage_name(func, name)
        kind = _kind(func)
        if kind == "sync" and enabled is True and not use_nvtx and inspect.isfunction(func):
            # A plain function, as functools.wraps makes: it binds, pickles and copies exactly
            # like the function it wraps, and a method call costs no extra binding step.
            return update_wrapper(fast_call(name, sync_cuda, use_nvtx, func), func)
        wrapper = _wrapper_for(kind, name, sync_cuda, use_nvtx)
        when = None if enabled is True else enabled
        return wrapt.decorator(wrapper, enabled=when, proxy=_make_proxy)(func)

    return decorate


def check_stage_name(name: object, caller: str) -> None:
    """Reject a stage name that is not a non-empty string, e.g. a bare ``@timed_stage``."""
    if isinstance(name, str) and name.strip():
        return
    if callable(name):
        raise TelemetryError(
            f"{caller} needs a stage name: write @{caller}(\"Sequence Chunking\") above the "
            "function, not a bare @" + caller
        )
    raise TelemetryError(f"{caller} needs a non-empty string as stage name, got {name!r}")


def stage_name(func: Callable) -> str:
    """The stage name that ``@timed_stage`` gave ``func`` (also with telemetry off).

    Raises:
        TelemetryError: ``func`` was not decorated with ``@timed_stage``.
    """
    name = getattr(func, _STAGE_NAME, None)
    if not isinstance(name, str):
        raise TelemetryError(f"{func!r} is not decorated with @timed_stage")
    return name


_STAGE_NAME = "__stage_name__"


def _set_stage_name(func: Callable, name: str) -> None:
    """Record ``name`` on the function itself (wrapt proxies read it through)."""
    target = func.__func__ if isinstance(func, (classmethod, staticmethod)) else func
    setattr(target, _STAGE_NAME, name)


def _name_only(name: str, func: Callable) -> Callable:
    """The decorator used when telemetry is off: it names the stage, returns the function."""
    _set_stage_name(func, name)
    return func


def _kind(func: Callable) -> str:
    """Classify what is decorated: "sync", "coroutine", "generator" or "asyncgen"."""
    target = func.__func__ if isinstance(func, (classmethod, staticmethod)) else func
    if inspect.isasyncgenfunction(target):
        return "asyncgen"
    if inspect.iscoroutinefunction(target):
        return "coroutine"
    if inspect.isgeneratorfunction(target):
        return "generator"
    return "sync"


def _wrapper_for(kind: str, name: str, sync_cuda: object, nvtx: bool) -> Callable:
    """Build the wrapt wrapper ``(wrapped, instance, args, kwargs)`` for one kind of callable."""
    if kind == "coroutine":

        def wrapper(wrapped, instance, args, kwargs):
            return _timed_coroutine(name, sync_cuda, nvtx, wrapped(*args, **kwargs))

    elif kind == "generator":

        def wrapper(wrapped, instance, args, kwargs):
            return timed_generator(name, sync_cuda, nvtx, wrapped(*args, **kwargs))

    elif kind == "asyncgen":

        def wrapper(wrapped, instance, args, kwargs):
            return timed_async_generator(name, sync_cuda, nvtx, wrapped(*args, **kwargs))

    else:

        def wrapper(wrapped, instance, args, kwargs):
            return call_in_full(name, sync_cuda, nvtx, wrapped, args, kwargs)

    return wrapper


async def _timed_coroutine(name: str, sync_cuda: object, nvtx: bool, coro):
    """Await ``coro`` as one call of stage ``name``, timed from first await to completion."""
    frame = open_stage(name, sync_cuda, nvtx)
    try:
        result = await coro
    except BaseException as exc:
        end_stage(frame, error=exc)
        raise
    close_stage(frame)
    return result


# Objects that copy.copy and copy.deepcopy return unchanged, as they do plain functions.
_COPIED_AS_THEMSELVES = (FunctionType, BuiltinFunctionType, classmethod, staticmethod, type)


class _BoundStageWrapper(wrapt.BoundFunctionWrapper):
    """A stage method bound by wrapt: copies and pickles like a bound method.

    As in the standard library, ``deepcopy`` binds the method to a copy of its instance, and
    pickling stores ``getattr(instance or class, name)``. A classmethod or staticmethod has no
    instance of its own to copy.
    """

    def _holder(self) -> object:
        """The object the method is looked up on: its instance, else its class."""
        instance = self._self_instance
        if instance is None or self._self_binding in ("classmethod", "staticmethod"):
            return self._self_owner
        return instance

    def __copy__(self):
        return self

    def __deepcopy__(self, memo):
        holder = self._holder()
        if isinstance(holder, type):
            return self  # classes are their own copies
        copied = copy.deepcopy(holder, memo)
        return self._self_parent.__get__(copied, type(copied))

    def __reduce_ex__(self, protocol):
        return getattr, (self._holder(), self.__name__)


class _StageWrapper(wrapt.FunctionWrapper):
    """wrapt's FunctionWrapper for what is not a plain sync function.

    That is coroutine and generator functions, classmethods and staticmethods decorated
    outside, callable objects, and functions with an ``enabled`` callable. It pickles by
    reference like the function it wraps, and ``copy`` / ``deepcopy`` copy what it wraps
    (a function or a descriptor is its own copy, as in the standard library).
    """

    __bound_function_wrapper__ = _BoundStageWrapper

    def __reduce_ex__(self, protocol):
        qualname = self.__qualname__
        if "<locals>" in qualname:
            # The standard library's error for a local function, with the fix.
            raise AttributeError(
                f"Can't pickle local object {qualname!r}: a stage function is pickled by "
                "name, so define it at module level to send it to another process"
            )
        return _find_by_name, (self.__module__, qualname)

    def __copy__(self):
        return self._rewrapped(copy.copy)

    def __deepcopy__(self, memo):
        return self._rewrapped(partial(copy.deepcopy, memo=memo))

    def _rewrapped(self, copier: Callable) -> _StageWrapper:
        """This wrapper around a copy of the wrapped callable (itself when that is atomic)."""
        wrapped = self.__wrapped__
        if isinstance(wrapped, _COPIED_AS_THEMSELVES):
            return self
        return type(self)(copier(wrapped), self._self_wrapper, self._self_enabled)


class _FunctionStageWrapper(_StageWrapper):
    """The wrapper of a coroutine or generator function: called and bound like a function.

    wrapt's own ``__call__`` looks up ``wrapped.__self__`` on every call, which raises and
    clears an AttributeError for a plain function, and its binding allocates a bound wrapper.
    This one calls the timing code directly and binds as a ``MethodType`` over itself, so that
    ``inspect`` still recognises a coroutine or generator method.
    """

    def __call__(self, *args, **kwargs):
        return self._self_wrapper(self.__wrapped__, None, args, kwargs)

    def __get__(self, instance, owner=None):
        return self if instance is None else MethodType(self, instance)


def _find_by_name(module: str, qualname: str) -> object:
    """Import ``module`` and return its attribute at dotted path ``qualname``."""
    found: object = importlib.import_module(module)
    for part in qualname.split("."):
        found = getattr(found, part)
    return found


def _make_proxy(wrapped, wrapper, enabled):
    """Create the object that wrapt returns as the decorated callable."""
    if enabled is None and inspect.isfunction(wrapped):
        return _FunctionStageWrapper(wrapped, wrapper, enabled)
    return _StageWrapper(wrapped, wrapper, enabled)
