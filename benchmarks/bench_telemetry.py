"""Per-call overhead of @timed_stage next to a bare call, clock reads and codetiming's Timer.

Run: ``python benchmarks/bench_telemetry.py [--rounds 15] [--calls 20000]``

Every round times each variant once, in rotating order, so that machine noise hits all of them
alike; the table shows the median over rounds. Garbage collection is off while a loop runs (as
in ``timeit``). "timed_stage on" records into one registry for the whole benchmark, as a long
run does (its records reach the cap and stay there, and the later calls are counted in batches,
the cost of which is spread over the calls), and codetiming's ``Timer`` keeps its own
list of every duration; "timed_stage off" is what ``VIRNUCPRO_TELEMETRY=0`` gives: the function
itself. Methods are called as ``obj.method()``, so binding is part of the cost. The target: at
most 1.25 times codetiming's overhead per call, for plain functions and for methods.

Then the cost under contention (no target): wall time per call when 2 and 8 threads call one
stage into one registry. Then the memory figure: how much the process grows (resident set
size, read from ``/proc/self/statm``) over 2,000,000 more calls of one decorated function,
after a first 100,000 filled the record cap; the target is less than 20 MiB, with ``calls``
exact.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import statistics
import threading
from collections.abc import Callable
from itertools import repeat
from time import perf_counter_ns

from codetiming import Timer

from virnucpro_telemetry import StageRegistry, _config, timed_stage, use_registry

TARGET_RATIO = 1.25
MEMORY_CALLS = 2_000_000
MEMORY_TARGET_MIB = 20


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
    registry = StageRegistry()  # one for every round: records accumulate as in a long run
    with use_registry(registry):
        for round_index in range(rounds):
            shift = round_index % len(names)
            for name in names[shift:] + names[:shift]:
                samples[name].append(per_call_ns(variants_by_name[name], calls))
    recorded = 2 * rounds * calls  # the function and the method variant
    assert registry["Bench"].calls == recorded, "every call must be counted"
    return samples


def rss_bytes() -> int:
    """The resident set size of this process (Linux)."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def memory_growth(calls: int) -> tuple[int, int]:
    """RSS growth over ``calls`` more calls of one decorated function, and its call count."""
    stage = timed_stage("Memory")(work)
    registry = StageRegistry()
    with use_registry(registry):
        for _ in repeat(None, 100_000):  # fill the record cap and the quantile sample first
            stage()
        gc.collect()
        before = rss_bytes()
        for _ in repeat(None, calls):
            stage()
        gc.collect()
        after = rss_bytes()
    return after - before, registry["Memory"].calls


def threaded_ns_per_call(threads: int, calls: int) -> float:
    """Wall nanoseconds per call when ``threads`` threads call one stage into one registry
    (the calls are folded under the registry's lock, so they contend for it)."""
    stage = timed_stage("Threaded")(work)

    def loop() -> None:
        for _ in repeat(None, calls):
            stage()

    with use_registry(StageRegistry()):
        workers = [threading.Thread(target=loop) for _ in range(threads)]
        start = perf_counter_ns()
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        return (perf_counter_ns() - start) / (threads * calls)


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
    parser.add_argument("--memory-calls", type=int, default=MEMORY_CALLS)
    args = parser.parse_args()
    print(report(run(args.rounds, args.calls), args.rounds, args.calls))
    for threads in (2, 8):
        print(f"{threads} threads, one registry: "
              f"{threaded_ns_per_call(threads, args.calls):,.0f} ns per call (wall)")
    growth, counted = memory_growth(args.memory_calls)
    print(f"memory: {args.memory_calls:,} more calls of one stage grew RSS by "
          f"{growth / 2**20:.1f} MiB (target < {MEMORY_TARGET_MIB} MiB); calls counted: "
          f"{counted:,} (exact: {counted == args.memory_calls + 100_000})")


if __name__ == "__main__":
    main()
