"""The pytest plugin, end to end with pytester: fixture, budget marker, report option."""

import pytest

from virnucpro_telemetry import stage

# Other plugins are left out of the inner runs: hypothesis alone adds about a second to each.
QUIET = ("-p", "no:hypothesispytest", "-p", "no:cacheprovider", "-p", "no:anyio")

# Two stages that take 1 ms and 50 ms of a fake clock, which the conftest below gives the
# stage_timings registry: the durations in the inner runs are exact.
STAGES = """
    from virnucpro_telemetry import timed_stage

    class FakeClock:
        def __init__(self):
            self.now_ns = 0

        def __call__(self):
            return self.now_ns

    CLOCK = FakeClock()

    @timed_stage("Load")
    def load():
        CLOCK.now_ns += 1_000_000

    @timed_stage("Slow")
    def slow():
        CLOCK.now_ns += 50_000_000
"""

CONFTEST = """
    import pytest
    import stagelib

    @pytest.fixture
    def stage_clock():
        return stagelib.CLOCK
"""


@pytest.fixture
def stages_module(pytester):
    """A module with two decorated stages, and a conftest that puts them on a fake clock."""
    pytester.makepyfile(stagelib=STAGES)
    pytester.makeconftest(CONFTEST)
    return pytester


def test_stage_timings_reads_like_a_collection(stage_timings):
    with stage("Load"):
        pass
    with stage("Merge"):
        pass
    assert len(stage_timings) == 2
    assert "Load" in stage_timings and "Typo" not in stage_timings
    assert [name for name in stage_timings] == ["Load", "Merge"]
    assert [stats.calls for stats in stage_timings.values()] == [1, 1]
    assert stage_timings.get("Merge") is stage_timings["Merge"]
    assert stage_timings.get("Typo") is None
    with pytest.raises(KeyError, match="no stage named 'Typo' was recorded.*'Load', 'Merge'"):
        stage_timings["Typo"]


def test_fixture_assertions_pass(stages_module):
    stages_module.makepyfile(
        """
        from stagelib import load, slow

        def test_pipeline(stage_timings):
            load()
            slow()
            stage_timings.assert_ran("Load", "Slow")
            stage_timings.assert_order(["Load", "Slow"])
            stage_timings.assert_under("Load", 0.001)
            stage_timings.assert_not_failed()
            assert stage_timings["Slow"].total_s == 0.05
            for name in stage_timings:
                assert stage_timings[name].calls == 1
        """
    )
    stages_module.runpytest(*QUIET).assert_outcomes(passed=1)


def test_failing_assertion_prints_the_summary(stages_module):
    stages_module.makepyfile(
        """
        from stagelib import load

        def test_pipeline(stage_timings):
            load()
            stage_timings.assert_ran("Load", "Missing")
        """
    )
    result = stages_module.runpytest(*QUIET)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([
        "*AssertionError: 'Missing' never ran",
        "*====*",
        "*STAGE TIMINGS",
        "*Total wall time:*",
        "*1. Load ....*",
    ])


def test_failing_order_and_limit(stages_module):
    stages_module.makepyfile(
        """
        import pytest
        from stagelib import load, slow

        def test_order(stage_timings):
            slow()
            load()
            stage_timings.assert_order(["Load", "Slow"])

        def test_limit(stage_timings):
            slow()
            stage_timings.assert_under("Slow", 0.001)
        """
    )
    result = stages_module.runpytest(*QUIET)
    result.assert_outcomes(failed=2)
    result.stdout.fnmatch_lines([
        "*stages first started in the order *'Slow', 'Load'*, expected *'Load', 'Slow'*",
        "*stage 'Slow' took 0.050s, more than 0.001s",
    ])


def test_budget_overrun_fails_the_test_itself(stages_module):
    stages_module.makepyfile(
        """
        import pytest
        from stagelib import slow

        @pytest.mark.stage_budget("Slow", seconds=0.049)
        def test_over_budget(stage_timings):
            slow()

        @pytest.mark.stage_budget("Slow", seconds=0.05)
        def test_within_budget(stage_timings):
            slow()

        @pytest.mark.stage_budget("Slow", seconds=30)
        def test_within_budget_without_the_fixture():
            slow()  # timed with the real clock here, as stage_clock is the fixture's
        """
    )
    result = stages_module.runpytest("-rf", *QUIET)
    result.assert_outcomes(failed=1, passed=2, errors=0)
    result.stdout.fnmatch_lines([
        "*test_over_budget*",
        "stage budget exceeded:",
        "stage 'Slow' took 0.050s, over its budget of 0.049s",
        "STAGE TIMINGS",
        "FAILED *test_over_budget*",
    ])
    result.stdout.no_fnmatch_line("*ERROR at teardown*")


def test_budget_for_a_stage_that_never_ran_fails(stages_module):
    stages_module.makepyfile(
        """
        import pytest

        @pytest.mark.stage_budget("Typo", seconds=1)
        def test_typo(stage_timings):
            pass
        """
    )
    result = stages_module.runpytest(*QUIET)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["stage 'Typo' has a budget but never ran"])


@pytest.mark.parametrize(
    "marker",
    [
        '"Slow"',
        '"Slow", seconds=-1',
        '"Slow", seconds="fast"',
        "seconds=1",
        '"", seconds=1',
        '"Slow", 1, 2',
        '"Slow", limit=1',
    ],
)
def test_invalid_budget_is_rejected_before_the_test_runs(stages_module, marker):
    stages_module.makepyfile(
        f"""
        import pytest

        @pytest.mark.stage_budget({marker})
        def test_bad():
            raise AssertionError("the test body must not run")
        """
    )
    result = stages_module.runpytest(*QUIET)
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines([
        "stage_budget takes a stage name and a positive number of seconds: "
        "@pytest.mark.stage_budget('Stage name', seconds=2.0); got *",
    ])
    result.stdout.no_fnmatch_line("*the test body must not run*")


def test_stage_report_prints_each_tests_summary(stages_module):
    stages_module.makepyfile(
        """
        from stagelib import load, slow

        def test_one():
            load()

        def test_two(stage_timings):
            slow()

        def test_none():
            pass
        """
    )
    result = stages_module.runpytest("--stage-report", *QUIET)
    result.assert_outcomes(passed=3)
    result.stdout.fnmatch_lines([
        "*= stage timings =*",
        "STAGE TIMINGS test_stage_report_prints_each_tests_summary.py::test_one",
        "*1. Load ....*",
        "*",
        "STAGE TIMINGS test_stage_report_prints_each_tests_summary.py::test_two",
        "*1. Slow ....*",
    ])
    result.stdout.no_fnmatch_line("*::test_none")


def test_marker_is_registered(pytester):
    result = pytester.runpytest("--markers", *QUIET)
    result.stdout.fnmatch_lines(["@pytest.mark.stage_budget(name, seconds):*"])


def test_plugin_loads_through_its_entry_point(stages_module):
    stages_module.makepyfile(
        """
        import pytest
        from stagelib import slow

        @pytest.mark.stage_budget("Slow", seconds=0.001)
        def test_over_budget(stage_timings):
            slow()
        """
    )
    result = stages_module.runpytest_subprocess("--strict-markers", *QUIET)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["stage 'Slow' took 0.050s, over its budget of 0.001s"])
