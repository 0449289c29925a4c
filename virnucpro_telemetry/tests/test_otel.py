"""The OpenTelemetry bridge, checked with the SDK's in-memory exporter.

The library's own environment holds only wrapt and the test tools, so these tests skip there;
VirNucPro's test environment installs the SDK and runs them.
"""

import pytest

pytest.importorskip(
    "opentelemetry.sdk", reason="opentelemetry-sdk is not installed (the otel bridge is optional)"
)

from opentelemetry.sdk.trace import TracerProvider  # noqa: E402
from opentelemetry.sdk.trace.export import SimpleSpanProcessor  # noqa: E402
from opentelemetry.sdk.trace.export.in_memory_span_exporter import (  # noqa: E402
    InMemorySpanExporter,
)
from opentelemetry.trace import StatusCode  # noqa: E402

from virnucpro_telemetry import add_metrics, otel, stage, timed_stage  # noqa: E402


@pytest.fixture
def exporter():
    """Spans of the stages run in the test, through a provider of the test's own."""
    memory = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(memory))
    otel.enable(tracer_provider=provider)
    yield memory
    otel.disable()


@timed_stage("Parse")
def parse():
    add_metrics(lines=12)


def test_every_stage_call_is_a_nested_span_with_metrics(exporter, registry):
    with stage("Run"):
        parse()
        parse()
    spans = {s.name: s for s in exporter.get_finished_spans()}
    assert [s.name for s in exporter.get_finished_spans()] == ["Parse", "Parse", "Run"]
    assert spans["Parse"].parent.span_id == spans["Run"].context.span_id
    assert spans["Parse"].attributes["stage.lines"] == 12
    assert spans["Run"].status.status_code == StatusCode.UNSET
    assert registry["Parse"].calls == 2  # the stages are still recorded


def test_a_failed_stage_is_an_error_span_with_its_exception(exporter, registry):
    with pytest.raises(KeyError), stage("Lookup"):
        raise KeyError("missing")
    [span] = exporter.get_finished_spans()
    assert span.status.status_code == StatusCode.ERROR
    assert span.events[0].name == "exception"
    assert span.events[0].attributes["exception.type"] == "KeyError"


def test_disable_stops_the_spans(exporter, registry):
    otel.disable()
    assert not otel.enabled()
    parse()
    assert exporter.get_finished_spans() == ()
    assert registry["Parse"].calls == 1
