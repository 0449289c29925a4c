"""PipelineTelemetry: start/end calls for code that cannot be decorated."""

from __future__ import annotations

from collections.abc import Mapping

from . import _config, _core
from ._context import CURRENT, current_registry
from ._decorator import check_stage_name
from ._errors import TelemetryError
from ._frame import Frame
from ._metrics import check_metrics
from ._registry import StageRegistry
from ._summary import log_summary


class PipelineTelemetry:
    """The imperative API of earlier pipelines, recording into a StageRegistry.

    ``start_stage(name)`` and ``end_stage(name, extra)`` bracket a stage; ``extra`` is a dict
    of metrics, and ``{"skipped": True, "reason": "checkpoint"}`` marks a skip. The run's wall
    clock starts when the object is created.

    Args:
        registry: where to record; by default the active registry at creation.
    """

    def __init__(self, registry: StageRegistry | None = None) -> None:
        self.registry = registry if registry is not None else current_registry()
        self.registry.mark_run_start()
        self._running: dict[str, Frame] = {}

    def start_stage(self, name: str) -> None:
        """Start stage ``name``; it nests under any stage running in this thread or task.

        Raises:
            TelemetryError: the stage is already running.
        """
        check_stage_name(name, "start_stage")
        if name in self._running:
            raise TelemetryError(
                f"stage {name!r} is already running: call end_stage({name!r}) before "
                "starting it again"
            )
        if _config.TELEMETRY_ON:
            self._running[name] = _core.open_stage(name, root=self.registry._root)

    def end_stage(self, name: str, extra: Mapping[str, object] | None = None) -> None:
        """End stage ``name``, adding the numbers in ``extra`` as metrics (or marking a skip).

        Raises:
            TelemetryError: the stage was not started, a stage started inside it is still
                running, or a metric is not a number.
        """
        if not _config.TELEMETRY_ON:
            return
        frame = self._running.get(name)
        if frame is None:
            raise TelemetryError(
                f"end_stage({name!r}) without start_stage({name!r}): call start_stage first"
            )
        inner = CURRENT.get()
        if inner is not frame and inner is not None and inner.name is not None:
            raise TelemetryError(
                f"end_stage({name!r}) while stage {inner.name!r} is still running inside it: "
                f"end {inner.name!r} first"
            )
        values = dict(extra or {})
        skipped = bool(values.pop("skipped", False))
        reason = str(values.pop("reason", "skipped")) if skipped else None
        check_metrics(
            values,
            "end_stage()",
            f"end_stage({name!r}, {{'sequences': 12}}) (or {{'skipped': True, 'reason': ...}} "
            "for a skip)",
        )
        _core.fold_metrics(frame, values)
        del self._running[name]
        _core.end_stage(frame, reason=reason)

    def log_summary(self, v1_baseline_seconds: float | None = None, **options) -> str:
        """Log the summary of this registry; ``v1_baseline_seconds`` adds the speedup line.

        ``options`` are passed on to ``log_summary`` (``title``, ``key_metrics``, ``logger``).
        """
        return log_summary(self.registry, baseline_seconds=v1_baseline_seconds, **options)

