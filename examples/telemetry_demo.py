"""A one-second tour of virnucpro_telemetry on a pipeline that has nothing to do with biology.

A log-processing job: it fetches three files at once (asyncio), parses them (rate="lines"),
checks them in a thread pool, compresses shards in a process pool (each worker records into
its own registry and sends back a snapshot), then prints the summary and writes a trace that
Perfetto UI (https://ui.perfetto.dev) or chrome://tracing open.

Run: ``python examples/telemetry_demo.py [--trace demo.trace.json]``
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

from virnucpro_telemetry import (
    StageRegistry,
    add_metrics,
    current_registry,
    log_summary,
    skip_stage,
    timed_stage,
    use_registry,
    write_trace,
)


@timed_stage("Fetch")
async def fetch(name: str) -> list[str]:
    """Pretend to download one log file (the three downloads overlap)."""
    await asyncio.sleep(0.1)
    add_metrics(bytes=4096)
    return [f"{name} line {number}" for number in range(1000)]


@timed_stage("Fetch All")
async def fetch_all(names: list[str]) -> list[list[str]]:
    """Download every file at once."""
    return await asyncio.gather(*(fetch(name) for name in names))


@timed_stage("Parse", rate="lines")
def parse(files: list[list[str]]) -> list[str]:
    """Pretend to parse the lines; the summary shows lines/s."""
    time.sleep(0.05)
    lines = [line for lines in files for line in lines]
    add_metrics(lines=len(lines))
    return lines


@timed_stage("Check Rule")
def check(rule: int) -> int:
    """One rule checked over the lines (four run side by side in threads)."""
    time.sleep(0.05)
    return rule


@timed_stage("Check")
def check_all(rules: int = 4) -> None:
    """Run every rule in a thread pool: its summary row shows wall and summed time."""
    time.sleep(0.02)
    with ThreadPoolExecutor(max_workers=rules) as pool:
        list(pool.map(check, range(rules)))


@timed_stage("Compress Shard")
def compress(shard: int) -> int:
    """Pretend to compress one shard."""
    time.sleep(0.05 + 0.02 * shard)
    add_metrics(bytes=1 << 20)
    return shard


def compress_in_worker(shard: int) -> dict:
    """A worker process: record into a registry of its own and send back its snapshot."""
    registry = StageRegistry(origin=f"worker{shard}")
    with use_registry(registry):
        compress(shard)
    return registry.snapshot()


def compress_all(shards: int = 3) -> None:
    """Compress the shards in a process pool and merge what the workers recorded.

    The workers' stages are top-level stages of their own registries, so the pool is not a
    stage here: its time is the workers' (one row, ``x3 workers``).
    """
    with ProcessPoolExecutor(max_workers=shards) as pool:
        for snapshot in pool.map(compress_in_worker, range(shards)):
            current_registry().merge(snapshot)


def main() -> None:
    """Run the job and print its summary (and write its trace when asked)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trace", help="write a Chrome trace-event file here")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    registry = StageRegistry()
    with use_registry(registry):
        registry.mark_run_start()
        files = asyncio.run(fetch_all(["app.log", "db.log", "web.log"]))
        parse(files)
        check_all()
        skip_stage("Upload", "dry run")
        compress_all()
    log_summary(registry, key_metrics={"Files": len(files)})
    if args.trace:
        print(f"trace written to {write_trace(args.trace, registry)}")


if __name__ == "__main__":
    main()
