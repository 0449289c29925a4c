"""StageTimings: what the ``stage_timings`` pytest fixture gives a test."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping

from ._records import FAILED, StageStats
from ._registry import StageRegistry
from ._summary import format_summary


class StageTimings(Mapping):
    """A fresh registry, active for one test, with assertions that print the whole summary.

    It reads like its registry: a read-only mapping of stage name to StageStats. ``len()``
    counts the stages, ``in`` tests a name, iteration gives the names in order of first start,
    ``[name]`` and ``.get(name)`` give the stats, ``.values()`` / ``.items()`` the stats too::

        def test_pipeline(stage_timings):
            run_pipeline()
            assert len(stage_timings) == 3 and "Sequence Chunking" in stage_timings
            for name, stats in stage_timings.items():
                assert stats.status == "ok", name
    """

    def __init__(self, registry: StageRegistry) -> None:
        self.registry = registry

    def __getitem__(self, name: str) -> StageStats:
        return self.registry[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self.registry)

    def __len__(self) -> int:
        return len(self.registry)

    def __contains__(self, name: object) -> bool:
        return name in self.registry

    def get(self, name: str, default: object = None) -> StageStats | object:
        """The StageStats of stage ``name``, or ``default`` when it was not recorded."""
        return self.registry.get(name, default)

    # Equal only to itself, like its registry (Mapping would compare contents).
    __eq__ = object.__eq__
    __hash__ = object.__hash__

    def __repr__(self) -> str:
        return f"StageTimings({self.registry!r})"

    def summary(self) -> str:
        """The summary table of what the test recorded so far."""
        return format_summary(self.registry, title="STAGE TIMINGS")

    def assert_ran(self, *names: str) -> None:
        """Fail unless every stage in ``names`` ran at least once (a skip does not count)."""
        __tracebackhide__ = True
        registry = self.registry
        missing = [name for name in names if name not in registry]
        skipped = [name for name in names if name in registry and not registry[name].calls]
        problems = [f"{name!r} never ran" for name in missing]
        problems += [f"{name!r} was skipped ({registry[name].reason})" for name in skipped]
        if problems:
            self._fail("; ".join(problems))

    def assert_order(self, names: Iterable[str]) -> None:
        """Fail unless the stages in ``names`` first started in that order."""
        __tracebackhide__ = True
        expected = list(names)
        self.assert_ran(*expected)
        actual = [name for name in self.registry if name in expected]
        if actual != expected:
            self._fail(f"stages first started in the order {actual}, expected {expected}")

    def assert_under(self, name: str, seconds: float) -> None:
        """Fail unless stage ``name`` ran and took at most ``seconds`` in total."""
        __tracebackhide__ = True
        self.assert_ran(name)
        total = self.registry[name].total_s
        if total > seconds:
            self._fail(f"stage {name!r} took {total:.3f}s, more than {seconds}s")

    def assert_not_failed(self) -> None:
        """Fail if any stage recorded a failure."""
        __tracebackhide__ = True
        failed = [st for st in self.registry.values() if st.status == FAILED]
        if failed:
            listed = "; ".join(f"{st.name!r} ({st.error_type}: {st.error})" for st in failed)
            self._fail(f"stages failed: {listed}")

    def _fail(self, message: str) -> None:
        """Raise AssertionError with ``message`` followed by the summary table."""
        __tracebackhide__ = True
        raise AssertionError(f"{message}\n{self.summary()}")
