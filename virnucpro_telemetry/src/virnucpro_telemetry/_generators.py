"""Timing generator and async generator functions.

A generator stage is timed only while its body runs: from the first ``next()`` to exhaustion
(or ``close()``), the time of every resumption is summed, and the consumer's time between items
is left out. So a generator that feeds another stage never counts that stage's work, and stages
called inside the generator body nest under it. It counts as one call.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Generator

from ._core import end_stage, open_stage, resume_stage, suspend_stage
from ._frame import Frame


def timed_generator(name: str, sync_cuda: object, nvtx: bool, gen: Generator) -> Generator:
    """Yield from ``gen``, timing the work done inside it as one call of stage ``name``."""
    frame = None
    active = 0
    value = None
    error: BaseException | None = None
    while True:
        if frame is None:
            frame = open_stage(name, sync_cuda, nvtx)
            resumed = frame.start  # the first resumption starts the stage
        else:
            resumed = resume_stage(frame)
        try:
            item = gen.send(value) if error is None else gen.throw(error)
        except StopIteration as stop:
            end_stage(frame, resumed=resumed, active_ns=active)
            return stop.value
        except BaseException as exc:
            end_stage(frame, error=exc, resumed=resumed, active_ns=active)
            raise
        active += suspend_stage(frame) - resumed
        try:
            value, error = (yield item), None
        except GeneratorExit:
            _close(frame, active, gen.close)
            raise
        except BaseException as exc:  # thrown in by the consumer: pass it on to the body
            value, error = None, exc


def _close(frame: Frame, active: int, close) -> None:
    """Close the inner generator, timed, and record the stage as ended early."""
    resumed = resume_stage(frame)
    try:
        close()
    except BaseException as exc:
        end_stage(frame, error=exc, resumed=resumed, active_ns=active)
        raise
    end_stage(frame, resumed=resumed, active_ns=active)


async def timed_async_generator(
    name: str, sync_cuda: object, nvtx: bool, agen: AsyncGenerator
) -> AsyncGenerator:
    """The async generator version of ``timed_generator`` (awaited time inside the body)."""
    frame = None
    active = 0
    value = None
    error: BaseException | None = None
    while True:
        if frame is None:
            frame = open_stage(name, sync_cuda, nvtx)
            resumed = frame.start
        else:
            resumed = resume_stage(frame)
        try:
            item = await (agen.asend(value) if error is None else agen.athrow(error))
        except StopAsyncIteration:
            end_stage(frame, resumed=resumed, active_ns=active)
            return
        except BaseException as exc:
            end_stage(frame, error=exc, resumed=resumed, active_ns=active)
            raise
        active += suspend_stage(frame) - resumed
        try:
            value, error = (yield item), None
        except GeneratorExit:
            await _aclose(frame, active, agen.aclose)
            raise
        except BaseException as exc:
            value, error = None, exc


async def _aclose(frame: Frame, active: int, aclose) -> None:
    """Close the inner async generator, timed, and record the stage as ended early."""
    resumed = resume_stage(frame)
    try:
        await aclose()
    except BaseException as exc:
        end_stage(frame, error=exc, resumed=resumed, active_ns=active)
        raise
    end_stage(frame, resumed=resumed, active_ns=active)
