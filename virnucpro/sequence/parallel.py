"""An order-keeping map over worker processes, with bounded memory."""

from __future__ import annotations

import multiprocessing
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from typing import TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")


def ordered_map(
    function: Callable[[Item], Result], items: Iterable[Item], workers: int = 1
) -> Iterator[Result]:
    """``map(function, items)`` run by ``workers`` processes; results in input order.

    At most ``2 * workers`` items are in flight, so memory stays flat however many items come.
    ``function`` must be importable at module level (it is sent to the workers by name).
    With one worker everything runs in this process.
    """
    if workers <= 1:
        yield from map(function, items)
        return
    # "spawn": workers start clean, with no copy of this process's threads or open files.
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        pending: deque = deque()
        for item in items:
            pending.append(pool.submit(function, item))
            if len(pending) >= 2 * workers:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
