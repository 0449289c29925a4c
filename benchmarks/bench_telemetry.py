"""Per-call overhead of @timed_stage next to a bare call, clock reads and codetiming's Timer.

Run: ``python benchmarks/bench_telemetry.py [--rounds 15] [--calls 20000]``

Every round times each variant once, in rotating order, so that machine noise hits all of them
alike; the table shows the median over rounds. Garbage collection is off while a loop runs (as
in ``timeit``). "timed_stage on" records into a fresh registry each round and keeps a record of
every call; "timed_stage off" is what ``VIRNUCPRO_TELEMETRY=0`` gives: the function itself.
Methods are called as ``obj.method()``, so binding is part of the cost. The target: at most
1.25 times codetiming's overhead per call, for plain functions and for methods.
"""

from __future__ import annotations

import argparse
import gc
import platform
import statistics
from collections.abc import Callable
from itertools import repeat
from time import perf_counter_ns

from codetiming import Timer

from virnucpro_telemetry import StageRegistry, _config, timed_stage, use_registry

TARGET_RATIO = 1.25


def work() -> int:
    """The function every variant calls: as small as a function can be."""
    return 1


class Worker:
    """The same work as a method, plain and decorated both ways."""

    def work(self) -> int:
        return 1

    @timed_stage("Bench")
    def staged(self) -> int:
        return 1

    @Timer(name="bench", logger=None)
    def timed(self) -> int:
        return 1


def by_hand() -> int:
    """Two clock reads around the call: the least any timer can do."""
    start = perf_counter_ns()
    result = work()
    perf_counter_ns() - start
    return result


def telemetry_off(func: Callable) -> Callable:
    """Decorate ``func`` the way it is decorated when VIRNUCPRO_TELEMETRY=0 at import."""
    saved, _config.TELEMETRY_ON = _config.TELEMETRY_ON, False
    try:
        return timed_stage("Bench")(func)
    finally:
        _config.TELEMETRY_ON = saved


def per_call_ns(func: Callable, calls: int) -> float:
    """Time ``calls`` calls of ``func`` in a tight loop, in ns per call."""
    gc.disable()
    try:
        start = perf_counter_ns()
        for _ in repeat(None, calls):
            func()
        return (perf_counter_ns() - start) / calls
    finally:
        gc.enable()


def variants() -> dict[str, Callable]:
    """Name -> a callable that makes one call of that variant."""
    obj = Worker()
    found = {
        "bare call": work,
        "two perf_counter_ns reads": by_hand,
        "codetiming.Timer decorator": Timer(name="bench", logger=None)(work),
        "timed_stage on": timed_stage("Bench")(work),
        "timed_stage off": telemetry_off(work),
        "bare method call": lambda: obj.work(),
        "codetiming.Timer on a method": lambda: obj.timed(),
        "timed_stage on a method": lambda: obj.staged(),
    }
    assert found["timed_stage off"] is work, "telemetry off must return the function itself"
    return found


def run(rounds: int, calls: int) -> dict[str, list[float]]:
    """Interleave the variants over ``rounds`` rounds; return ns/call samples per variant."""
    variants_by_name = variants()
    samples: dict[str, list[float]] = {name: [] for name in variants_by_name}
    names = list(variants_by_name)
    for round_index in range(rounds):
        shift = round_index % len(names)
        for name in names[shift:] + names[:shift]:
            registry = StageRegistry()
            with use_registry(registry):
                samples[name].append(per_call_ns(variants_by_name[name], calls))
            if name.startswith("timed_stage on"):
                assert registry["Bench"].calls == calls, "every call must be recorded"
    return samples


def report(samples: dict[str, list[float]], rounds: int, calls: int) -> str:
    """Format the medians as a table, with overhead over the bare call."""
    medians = {name: statistics.median(values) for name, values in samples.items()}
    lines = [
        f"timed_stage overhead (CPython {platform.python_version()}, "
        f"{rounds} rounds x {calls:,} calls, median ns per call)",
        f"{'variant':<32}{'ns/call':>10}{'overhead':>12}",
    ]
    for name, value in medians.items():
        bare = medians["bare method call" if "method" in name else "bare call"]
        lines.append(f"{name:<32}{value:>10.1f}{value - bare:>12.1f}")
    for label, ours, theirs, bare in (
        ("functions", "timed_stage on", "codetiming.Timer decorator", "bare call"),
        ("methods", "timed_stage on a method", "codetiming.Timer on a method", "bare method call"),
    ):
        ratio = (medians[ours] - medians[bare]) / (medians[theirs] - medians[bare])
        lines.append(
            f"timed_stage / codetiming overhead ratio, {label}: {ratio:.2f} "
            f"(target <= {TARGET_RATIO:.2f})"
        )
    return "\n".join(lines)


def main() -> None:
    """Parse the options, run the rounds and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--calls", type=int, default=20_000)
    args = parser.parse_args()
    print(report(run(args.rounds, args.calls), args.rounds, args.calls))


if __name__ == "__main__":
    main()
