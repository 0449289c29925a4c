"""Helpers of the tests that run ``python -m virnucpro predict --demo`` as a user would."""

from __future__ import annotations

import sys
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "example.fa"


def predict_command(out: Path, cache: Path, *extra: str) -> list[str]:
    """A demo ``predict`` of the example file into ``out``, intermediates kept, 3 per split."""
    return [
        sys.executable, "-m", "virnucpro", "predict", str(EXAMPLE), "-o", str(out), "--demo",
        "--cache-dir", str(cache), "--no-progress", "-k", "--sequences-per-file", "3", *extra,
    ]


def output_files(out: Path) -> dict[str, bytes]:
    """Every output file by relative path, checkpoint records and the lock excluded."""
    return {
        str(path.relative_to(out)): path.read_bytes()
        for path in sorted(out.rglob("*"))
        if path.is_file() and ".virnucpro" not in path.parts
        and not path.name.startswith(".virnucpro.lock")
    }


def run_prediction(input_path: Path, config, registry=None):
    """``predict`` in this process, as the command runs it (one call into the run engine)."""
    from virnucpro.commands.predict import run_request
    from virnucpro.pipeline.engine.runs import run_pipeline

    return run_pipeline(run_request(input_path, config), registry=registry)


def run_classify(run_dir: Path, **options):
    """``classify`` in this process, as the command runs it."""
    from virnucpro.commands.classify import run_request
    from virnucpro.pipeline.engine.runs import run_pipeline

    return run_pipeline(run_request(run_dir, **{"progress": False, **options}))


class PausePoint:
    """The run's test hook (``virnucpro.test_hook``): a run started with :attr:`env` stops at
    ``point`` until :meth:`release`; :meth:`wait` returns once it got there."""

    def __init__(self, folder: Path, point: str):
        import os

        self.fifo = folder / "test-hook.fifo"
        os.mkfifo(self.fifo)
        self.env = {**os.environ, "VIRNUCPRO_TEST_POINT": point,
                    "VIRNUCPRO_TEST_FIFO": str(self.fifo)}
        self.point = point

    def wait(self) -> None:
        """Block until the run has reached the point (it wrote its name into the FIFO)."""
        with open(self.fifo, encoding="utf-8") as handle:
            assert handle.readline().strip() == self.point

    def release(self) -> None:
        """Let the run go on from the point (nothing to do when it no longer waits)."""
        import os

        try:
            descriptor = os.open(self.fifo, os.O_WRONLY | os.O_NONBLOCK)
        except OSError:  # ENXIO: no reader, the run has gone
            return
        os.close(descriptor)
