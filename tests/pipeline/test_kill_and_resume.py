"""A run killed with SIGKILL at any moment, then resumed, gives byte-identical outputs.

The killed run's lock stays behind; the resumed run takes it over (its pid no longer runs).
"""

from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path

import pytest
from demo_runs import output_files, predict_command

POLL_SECONDS = 0.002


def kill_when(command: list[str], trigger) -> int:
    """Start ``command``; SIGKILL it as soon as ``trigger()`` is true; return its exit status."""
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               stdin=subprocess.DEVNULL)
    deadline = time.monotonic() + 240
    while process.poll() is None and time.monotonic() < deadline:
        if trigger():
            process.send_signal(signal.SIGKILL)
            break
        time.sleep(POLL_SECONDS)
    return process.wait(timeout=60)


def _done(out: Path, slug: str):
    return lambda: (out / ".virnucpro" / "done" / slug).exists()


def _first_feature_file(out: Path):
    return lambda: any(out.glob("*_nucleotide/output_*_DNABERT_S.pt"))


KILL_POINTS = {
    "after chunking": lambda out: _done(out, "sequence-chunking"),
    "inside DNABERT-S extraction": _first_feature_file,
    "after ESM-2 extraction": lambda out: _done(out, "esm-2-feature-extraction"),
}


@pytest.mark.slow
@pytest.mark.parametrize("point", list(KILL_POINTS))
def test_killed_then_resumed_run_matches_an_uninterrupted_one(
    point, tmp_path, model_cache_dir, uninterrupted
):
    out = tmp_path / "out"
    status = kill_when(predict_command(out, model_cache_dir), KILL_POINTS[point](out))
    assert status == -signal.SIGKILL, f"the run finished before the kill point {point!r}"
    assert (out / ".virnucpro.lock").exists(), "kill -9 leaves the run's lock behind"

    resumed = subprocess.run(predict_command(out, model_cache_dir, "--resume"),
                             capture_output=True, text=True, stdin=subprocess.DEVNULL)

    assert resumed.returncode == 0, resumed.stderr
    assert "skipped (checkpoint)" in resumed.stderr
    assert "taking over the lock of a run that no longer runs" in resumed.stderr
    assert not (out / ".virnucpro.lock").exists(), "released at the end"
    assert output_files(out) == uninterrupted
