"""``stage(name)`` as a context manager, and the public ``add_metrics`` / ``skip_stage``."""

from __future__ import annotations

from . import _config, _core
from ._cuda import check_sync_mode
from ._decorator import check_stage_name
from ._errors import TelemetryError
from ._frame import Frame
from ._rates import declare_rate


class _Stage:
    """One ``with stage(name):`` block (sync or async); not reusable while it is active."""

    __slots__ = ("name", "_sync_cuda", "_nvtx", "_frame")

    def __init__(self, name: str, sync_cuda: object, nvtx: bool) -> None:
        self.name = name
        self._sync_cuda = sync_cuda
        self._nvtx = nvtx
        self._frame: Frame | None = None

    def __enter__(self) -> _Stage:
        if self._frame is not None:
            raise TelemetryError(
                f"stage({self.name!r}) is already active: create a new stage(...) object for "
                "each with-block"
            )
        self._frame = _core.open_stage(self.name, self._sync_cuda, self._nvtx)
        return self

    def __exit__(self, exc_type, exc, traceback) -> bool:
        frame, self._frame = self._frame, None
        if exc is None:
            _core.close_stage(frame)
        else:
            _core.end_stage(frame, error=exc)
        return False

    async def __aenter__(self) -> _Stage:
        return self.__enter__()

    async def __aexit__(self, exc_type, exc, traceback) -> bool:
        return self.__exit__(exc_type, exc, traceback)


class _NoStage:
    """What ``stage()`` returns when telemetry is off: a do-nothing context manager."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __enter__(self) -> _NoStage:
        return self

    def __exit__(self, exc_type, exc, traceback) -> bool:
        return False

    async def __aenter__(self) -> _NoStage:
        return self

    async def __aexit__(self, exc_type, exc, traceback) -> bool:
        return False


def stage(
    name: str,
    *,
    sync_cuda: bool | str = "auto",
    nvtx: bool | None = None,
    rate: str | None = None,
    rate_unit: str | None = None,
):
    """Time a block as a call of stage ``name``: ``with stage("Load"):`` or ``async with``.

    Takes the same options as ``timed_stage`` (``rate="lines"`` shows ``lines/s``); an
    exception in the block is recorded and propagates.
    """
    check_stage_name(name, "stage")
    check_sync_mode(sync_cuda)
    declare_rate(name, rate, rate_unit)
    if not _config.TELEMETRY_ON:
        return _NoStage(name)
    return _Stage(name, sync_cuda, _config.NVTX_DEFAULT if nvtx is None else bool(nvtx))


def add_metrics(**values: float) -> None:
    """Add numbers (sequences, tokens, files, bytes...) to the innermost running stage.

    Repeated calls, and repeated calls of the stage, add up. A no-op when telemetry is off.

    Raises:
        TelemetryError: a value is not a number, or no stage is running.
    """
    if _config.TELEMETRY_ON:
        _core.add_metrics(values)


def skip_stage(name: str, reason: str) -> None:
    """Record that stage ``name`` was skipped (e.g. ``reason="checkpoint"``), so it still shows.

    Raises:
        TelemetryError: ``name`` or ``reason`` is not a non-empty string.
    """
    check_stage_name(name, "skip_stage")
    if not isinstance(reason, str) or not reason.strip():
        raise TelemetryError(
            f"skip_stage({name!r}, reason) needs a reason string, e.g. skip_stage({name!r}, "
            f"\"checkpoint\"); got {reason!r}"
        )
    if _config.TELEMETRY_ON:
        _core.skip_stage(name, reason)
