"""The rates that stages declare (``timed_stage(..., rate="lines")``), by stage name.

A rate is declared where a stage is defined, so the summary of any registry of the process
shows it, and a snapshot carries it to the registry that merges it.
"""

from __future__ import annotations

from ._errors import TelemetryError

# Stage name -> (metric name, unit shown before "/s").
DECLARED: dict[str, tuple[str, str]] = {}


def declare_rate(name: str, rate: str | None, rate_unit: str | None) -> None:
    """Remember that stage ``name`` shows ``rate_unit/s`` (default the metric) of ``rate``.

    Raises:
        TelemetryError: ``rate`` or ``rate_unit`` is not a non-empty string.
    """
    if rate is None:
        if rate_unit is not None:
            raise TelemetryError(
                f"stage {name!r} has rate_unit={rate_unit!r} but no rate: name the metric, "
                f"e.g. rate=\"lines\", rate_unit={rate_unit!r}"
            )
        return
    for option, value in (("rate", rate), ("rate_unit", rate if rate_unit is None else rate_unit)):
        if not isinstance(value, str) or not value.strip():
            raise TelemetryError(
                f"{option}= takes the name of a metric as a non-empty string, e.g. "
                f"rate=\"lines\" for add_metrics(lines=...); got {value!r}"
            )
    DECLARED[name] = (rate, rate_unit or rate)
