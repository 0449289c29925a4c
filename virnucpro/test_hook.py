"""A hook for tests only: the run tells a test when it reaches a named point, and waits for it.

Off unless both variables are set: with ``VIRNUCPRO_TEST_POINT=<point>`` and
``VIRNUCPRO_TEST_FIFO=<path of a FIFO>``, the run writes the point's name and a newline into the
FIFO when it reaches that point (the write blocks until the test opens the FIFO for reading),
then reads the FIFO until the test closes its writing end. A test thus stops a run with a
signal, or starts a second one, at a moment the run itself signals, never on a race with a
polled file. The points: each stage's name just before the run engine starts it
(``pipeline.engine.stage_runner``), each feature file's name just after it was written
(``embedding.stages``), and ``Training Epoch N checkpointed`` (``training.learning``).
"""

from __future__ import annotations

import os

POINT_VARIABLE = "VIRNUCPRO_TEST_POINT"
FIFO_VARIABLE = "VIRNUCPRO_TEST_FIFO"


def reached(point: str) -> None:
    """Tell the waiting test that the run reached ``point``; a no-op unless switched on."""
    if os.environ.get(POINT_VARIABLE) != point or not os.environ.get(FIFO_VARIABLE):
        return
    fifo = os.environ[FIFO_VARIABLE]
    with open(fifo, "w", encoding="utf-8") as handle:
        handle.write(point + "\n")
    with open(fifo, encoding="utf-8") as handle:
        handle.read()
