"""``@timed_stage``: time every call of a function, method, coroutine or generator."""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable
from functools import partial, update_wrapper
from types import MethodType

import wrapt

from . import _config
from ._core import call_in_full, close_stage, end_stage, fast_call, open_stage
from ._cuda import check_sync_mode
from ._errors import TelemetryError
from ._generators import timed_async_generator, timed_generator


def timed_stage(
    name: str,
    *,
    sync_cuda: bool | str = "auto",
    nvtx: bool | None = None,
    enabled: bool | Callable[[], bool] = True,
) -> Callable:
    """Decorate a function so that every call is recorded as a call of stage ``name``.

    Works on functions, methods, classmethods, staticmethods, ``async def`` functions (the
    awaited time), generator functions and async generator functions (the time spent inside the
    body, summed over resumptions, from the first ``next()`` to exhaustion or ``close()``). The
    result keeps the signature, docstring and ``__wrapped__``. An exception is recorded (status
    ``failed``, its type and message, the duration so far) and re-raised unchanged. With
    ``VIRNUCPRO_TELEMETRY=0`` at import, the function itself is returned.

    Args:
        name: the stage name shown in logs and the summary.
        sync_cuda: "auto" synchronises the CUDA device at entry and exit and records the peak
            allocated GPU memory when torch is imported and CUDA initialised; True does so
            whenever CUDA is available; False never touches the device.
        nvtx: wrap each call in an NVTX range named ``name`` (default: ``VIRNUCPRO_NVTX=1``).
        enabled: False leaves the function undecorated; a callable is asked at every call.

    Raises:
        TelemetryError: ``name`` is not a non-empty string or ``sync_cuda`` is not an option.
    """
    check_stage_name(name, "timed_stage")
    check_sync_mode(sync_cuda)
    if not _config.TELEMETRY_ON or enabled is False:
        return partial(_name_only, name)
    use_nvtx = _config.NVTX_DEFAULT if nvtx is None else bool(nvtx)

    def decorate(func: Callable) -> Callable:
        _set_stage_name(func, name)
        wrapper = _wrapper_for(_kind(func), name, sync_cuda, use_nvtx)
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

        # Plain functions skip this wrapper: _make_proxy installs the inline fast path.
        wrapper.fast_call = partial(fast_call, name, sync_cuda, nvtx)

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


class _StageWrapper(wrapt.FunctionWrapper):
    """wrapt's FunctionWrapper, picklable by reference like the function it wraps."""

    def __reduce_ex__(self, protocol):
        qualname = self.__qualname__
        if "<locals>" in qualname:
            raise TypeError(
                f"cannot pickle stage function {qualname!r}: it is pickled by name, so "
                "define it at module level to send it to another process"
            )
        return _find_by_name, (self.__module__, qualname)


def _find_by_name(module: str, qualname: str) -> object:
    """Import ``module`` and return its attribute at dotted path ``qualname``."""
    found: object = importlib.import_module(module)
    for part in qualname.split("."):
        found = getattr(found, part)
    return found


def _make_proxy(wrapped, wrapper, enabled):
    """Create the proxy object that wrapt returns as the decorated callable.

    For a plain function, wrapt's C ``__call__`` looks up ``wrapped.__self__`` on every call,
    which raises and clears an AttributeError (about 0.6 us on CPython 3.11, most of the cost
    of a call), and binding a method allocates a bound wrapper. A subclass made for this one
    function calls the timing code directly and binds like a plain function: a method is a
    ``MethodType`` over the timing function, which carries the wrapped function's name,
    docstring and ``__wrapped__`` (so ``inspect.signature`` still sees the real parameters).
    Coroutine and generator functions bind the proxy itself, so that ``inspect`` still
    recognises them. Classmethods, staticmethods, callable objects and ``enabled`` callables
    keep wrapt's own handling.
    """
    if enabled is not None or not inspect.isfunction(wrapped):
        return _StageWrapper(wrapped, wrapper, enabled)
    fast = getattr(wrapper, "fast_call", None)
    if fast is not None:
        call = update_wrapper(fast(wrapped), wrapped)

        def __get__(proxy, instance, owner=None):
            return proxy if instance is None else MethodType(call, instance)

    else:

        def call(*args, **kwargs):
            return wrapper(wrapped, None, args, kwargs)

        def __get__(proxy, instance, owner=None):
            return proxy if instance is None else MethodType(proxy, instance)

    members = {"__call__": staticmethod(call), "__get__": __get__, "__module__": __name__}
    return type("_FunctionStageWrapper", (_StageWrapper,), members)(wrapped, wrapper, enabled)
