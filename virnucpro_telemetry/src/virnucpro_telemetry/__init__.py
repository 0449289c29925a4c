"""Stage timing for pipelines: where the hours go, per stage, on CPU and GPU.

Three ways to time a stage, all recording into the active ``StageRegistry``::

    from virnucpro_telemetry import add_metrics, log_summary, stage, timed_stage

    @timed_stage("Parse", rate="lines")        # a decorator; the summary shows lines/s
    def parse(path):
        ...
        add_metrics(lines=1234, files=1)

    with stage("Load model"):                  # a context manager (also `async with`)
        ...

    telemetry = PipelineTelemetry()            # start/end calls, for code that cannot be decorated
    telemetry.start_stage("Merge")
    telemetry.end_stage("Merge", {"files": 3})

    log_summary(baseline_seconds=12600)        # the summary block, at INFO
    write_trace("run.trace.json")              # for Perfetto UI / chrome://tracing

Stages record into the active ``StageRegistry`` (``use_registry(reg)``, else a default one),
which reads like a dict of per-stage StageStats in order of first start, keeps bounded running
statistics per stage and the first ``record_limit`` calls of each in ``reg.records``;
``StageRegistry(clock=...)`` takes a fake clock in tests. In pytest, the ``stage_timings``
fixture gives each test a fresh one. ``virnucpro_telemetry.otel.enable()`` makes every stage
call an OpenTelemetry span too.

``VIRNUCPRO_TELEMETRY=0`` turns everything off (``timed_stage`` returns the function itself);
``VIRNUCPRO_NVTX=1`` wraps every stage in an NVTX range. Logger: ``virnucpro.telemetry``.
The package never imports torch; it uses CUDA only when the program already initialised it.
"""

from ._context import current_registry, use_registry
from ._decorator import stage_name, timed_stage
from ._errors import TelemetryError
from ._imperative import PipelineTelemetry
from ._records import StageRecord, StageStats
from ._registry import StageRegistry
from ._stage import add_metrics, skip_stage, stage
from ._summary import format_summary, log_summary
from ._trace import trace_events, write_trace

__version__ = "0.2.0"

__all__ = [
    "PipelineTelemetry",
    "StageRecord",
    "StageRegistry",
    "StageStats",
    "TelemetryError",
    "add_metrics",
    "current_registry",
    "format_summary",
    "log_summary",
    "skip_stage",
    "stage",
    "stage_name",
    "timed_stage",
    "trace_events",
    "use_registry",
    "write_trace",
]
