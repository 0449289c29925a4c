"""The pytest plugin, registered through the ``pytest11`` entry point.

It adds the ``stage_timings`` fixture (and ``stage_clock``, its clock), the
``stage_budget(name, seconds=...)`` marker and the ``--stage-report`` option.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from numbers import Real
from time import perf_counter_ns

import pytest

from ._context import use_registry
from ._fixture import StageTimings
from ._registry import StageRegistry
from ._summary import format_summary

_REGISTRY = pytest.StashKey[StageRegistry]()
_BUDGETS = pytest.StashKey[list]()
_REPORTS = pytest.StashKey[list]()

BUDGET_USAGE = (
    "stage_budget takes a stage name and a positive number of seconds: "
    "@pytest.mark.stage_budget('Stage name', seconds=2.0)"
)


def pytest_addoption(parser: pytest.Parser) -> None:
    """Add ``--stage-report``."""
    group = parser.getgroup("virnucpro-telemetry", "stage timings (virnucpro_telemetry)")
    group.addoption(
        "--stage-report",
        action="store_true",
        default=False,
        help="print the stage summary of every test that recorded stages",
    )


def pytest_configure(config: pytest.Config) -> None:
    """Register the ``stage_budget`` marker."""
    config.addinivalue_line(
        "markers",
        "stage_budget(name, seconds): fail the test when stage NAME takes more than SECONDS "
        "in total",
    )
    config.stash[_REPORTS] = []


@pytest.fixture
def stage_clock() -> Callable[[], int]:
    """The clock of the ``stage_timings`` registry: ``time.perf_counter_ns``.

    Override this fixture (in a conftest.py) with a fake clock that returns nanoseconds as an
    int to make stage durations, ``assert_under`` and ``stage_budget`` exact.
    """
    return perf_counter_ns


@pytest.fixture
def stage_timings(
    request: pytest.FixtureRequest, stage_clock: Callable[[], int]
) -> Iterator[StageTimings]:
    """A fresh StageRegistry, active for the test, read like a dict of stage stats.

    Stages the test runs record into it; a failed assertion prints the whole summary::

        def test_pipeline(stage_timings):
            run_pipeline()
            stage_timings.assert_ran("Sequence Chunking")
            for name in stage_timings:  # stage names, in order of first start
                assert stage_timings[name].status == "ok", name
            assert len(stage_timings) == 3 and stage_timings.get("Typo") is None
    """
    registry = StageRegistry(clock=stage_clock)
    request.node.stash[_REGISTRY] = registry
    with use_registry(registry):
        yield StageTimings(registry)


def pytest_runtest_setup(item: pytest.Item) -> None:
    """Check every ``stage_budget`` marker before the test runs."""
    item.stash[_BUDGETS] = [_budget(marker) for marker in item.iter_markers("stage_budget")]


def _budget(marker: pytest.Mark) -> tuple[str, float]:
    """Return (stage name, seconds) from a ``stage_budget`` marker, or fail with the usage."""
    args = list(marker.args)
    kwargs = dict(marker.kwargs)
    if len(args) == 1 and set(kwargs) == {"seconds"}:
        args.append(kwargs.pop("seconds"))
    valid = (
        len(args) == 2
        and not kwargs
        and isinstance(args[0], str)
        and args[0].strip() != ""
        and isinstance(args[1], Real)
        and not isinstance(args[1], bool)
        and args[1] > 0
    )
    if not valid:
        pytest.fail(f"{BUDGET_USAGE}; got {marker}", pytrace=False)
    return args[0], float(args[1])


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    """Record the test's stages, then fail the test itself when a stage is over budget."""
    budgets = item.stash.get(_BUDGETS, [])
    report = item.config.getoption("stage_report")
    registry = item.stash.get(_REGISTRY, None)
    if registry is None and not (budgets or report):
        return (yield)
    if registry is None:
        registry = StageRegistry()
        with use_registry(registry):
            result = yield
    else:
        result = yield
    if report and len(registry):
        title = f"STAGE TIMINGS {item.nodeid}"
        item.config.stash[_REPORTS].append(format_summary(registry, title=title))
    _check_budgets(registry, budgets)
    return result


def _check_budgets(registry: StageRegistry, budgets: list[tuple[str, float]]) -> None:
    """Fail the running test when a budgeted stage never ran or took too long."""
    __tracebackhide__ = True
    problems = []
    for name, seconds in budgets:
        if name not in registry or not registry[name].calls:
            problems.append(f"stage {name!r} has a budget but never ran")
        elif registry[name].total_s > seconds:
            total = registry[name].total_s
            problems.append(f"stage {name!r} took {total:.3f}s, over its budget of {seconds}s")
    if problems:
        summary = format_summary(registry, title="STAGE TIMINGS")
        pytest.fail("\n".join(["stage budget exceeded:", *problems, summary]), pytrace=False)


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    """With ``--stage-report``, print each test's summary at the end of the run."""
    reports = config.stash.get(_REPORTS, [])
    if not config.getoption("stage_report") or not reports:
        return
    terminalreporter.section("stage timings")
    for text in reports:
        terminalreporter.write_line(text)
