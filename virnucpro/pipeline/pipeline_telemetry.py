"""The imperative stage-timing API of earlier pipelines, now provided by virnucpro_telemetry."""

from virnucpro_telemetry import PipelineTelemetry

__all__ = ["PipelineTelemetry"]
