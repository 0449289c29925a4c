"""A run killed with SIGKILL at any moment, then resumed, gives byte-identical outputs."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "example.fa"
POLL_SECONDS = 0.002


def predict_command(out: Path, cache: Path, *extra: str) -> list[str]:
    return [
        sys.executable, "-m", "virnucpro", "predict", str(EXAMPLE), "-o", str(out), "--demo",
        "--cache-dir", str(cache), "--no-progress", "-k", "--sequences-per-file", "3", *extra,
    ]


def output_files(out: Path) -> dict[str, bytes]:
    """Every output file by relative path, checkpoint records excluded."""
    return {
        str(path.relative_to(out)): path.read_bytes()
        for path in sorted(out.rglob("*"))
        if path.is_file() and ".virnucpro" not in path.parts
    }


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


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory, model_cache_dir) -> dict[str, bytes]:
    out = tmp_path_factory.mktemp("uninterrupted") / "out"
    subprocess.run(predict_command(out, model_cache_dir), check=True, capture_output=True,
                   stdin=subprocess.DEVNULL)
    files = output_files(out)
    assert any(name.endswith("_ESM.pt") for name in files), "several split files with features"
    return files


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

    resumed = subprocess.run(predict_command(out, model_cache_dir, "--resume"),
                             capture_output=True, text=True, stdin=subprocess.DEVNULL)

    assert resumed.returncode == 0, resumed.stderr
    assert "skipped (checkpoint)" in resumed.stderr
    assert output_files(out) == uninterrupted
