"""The OpenTelemetry bridge: every stage call also an OpenTelemetry span.

``enable(tracer_provider=None)`` starts a span for each stage call, named after the stage and
nested as the stages nest, with the stage's metrics as attributes, ``stage.status`` and, for a
failed stage, status ERROR and the exception recorded; ``disable()`` stops it. It needs only
``opentelemetry-api`` (``pip install virnucpro-telemetry[otel]``), imported here when
``enable()`` is called; spans go wherever the application's tracer provider sends them (none
until one is configured). While enabled, every stage takes the full recording path.
"""

from __future__ import annotations

from . import _core
from ._errors import TelemetryError
from ._frame import Frame
from ._records import SKIPPED

__all__ = ["disable", "enable", "enabled"]

INSTRUMENTATION_NAME = "virnucpro_telemetry"


class _SpanBridge:
    """Opens a span when a stage starts and ends it, with the call's outcome, when it ends."""

    def __init__(self, tracer, trace_api, status_cls) -> None:
        self._tracer = tracer
        self._trace = trace_api
        self._status = status_cls

    def start(self, frame: Frame) -> None:
        """Open the span of a starting stage, as a child of its parent stage's span."""
        parent = frame.parent
        context = None
        if parent is not None and parent.span is not None:
            context = self._trace.set_span_in_context(parent.span)
        frame.span = self._tracer.start_span(frame.name, context=context)

    def end(self, frame: Frame, error: BaseException | None) -> None:
        """Set the span's attributes and status from the ended call, and end it."""
        span = frame.span
        for key, value in (frame.metrics or {}).items():
            span.set_attribute(f"stage.{key}", value)
        span.set_attribute("stage.status", frame.status)
        if frame.status == SKIPPED:
            span.set_attribute("stage.skip_reason", frame.reason)
        if error is not None:
            span.record_exception(error)
            span.set_status(self._status(self._trace.StatusCode.ERROR,
                                         f"{frame.error_type}: {frame.error}"))
        span.end()


def enable(tracer_provider=None) -> None:
    """Make every stage call also an OpenTelemetry span (from the global provider by default).

    Args:
        tracer_provider: an ``opentelemetry.trace.TracerProvider``; by default the one set with
            ``opentelemetry.trace.set_tracer_provider``.

    Raises:
        TelemetryError: ``opentelemetry-api`` is not installed.
    """
    try:
        from opentelemetry import trace  # optional: only this bridge needs it
    except ImportError:
        raise TelemetryError(
            "virnucpro_telemetry.otel.enable() needs opentelemetry-api: "
            "pip install 'virnucpro-telemetry[otel]'"
        ) from None
    tracer = trace.get_tracer(INSTRUMENTATION_NAME, tracer_provider=tracer_provider)
    _core.BRIDGE[0] = _SpanBridge(tracer, trace, trace.Status)


def disable() -> None:
    """Stop making spans; stages running now still end theirs."""
    _core.BRIDGE[0] = None


def enabled() -> bool:
    """Whether stage calls are made into spans."""
    return _core.BRIDGE[0] is not None
