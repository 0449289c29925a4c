"""``torchrun --standalone --nproc-per-node 2`` on the CPU (gloo) with the demo models."""

from __future__ import annotations

import csv
import signal
import subprocess
import sys
from pathlib import Path

import psutil
import pytest
from demo_runs import PausePoint

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "example.fa"
RESULT_FILES = ("prediction_results.txt", "prediction_results_highestscore.csv",
                "sequence_summary.tsv")

pytestmark = pytest.mark.slow


def predict_args(out: Path, cache: Path, *extra: str) -> list[str]:
    return ["predict", str(EXAMPLE), "-o", str(out), "--demo", "--cache-dir", str(cache),
            "--no-progress", "-k", "--sequences-per-file", "2", *extra]


def torchrun(*args: str) -> list[str]:
    return [sys.executable, "-m", "torch.distributed.run", "--standalone",
            "--nproc-per-node", "2", "-m", "virnucpro", *args]


def rows(path: Path) -> list[list[str]]:
    with open(path, newline="") as handle:
        return list(csv.reader(handle, delimiter="\t"))


def assert_same_results(out: Path, reference: Path) -> None:
    """Same ids, same order, same calls; scores equal within float tolerance."""
    for name in ("prediction_results_highestscore.csv", "sequence_summary.tsv"):
        assert (out / name).read_text() == (reference / name).read_text(), name
    got, expected = rows(out / RESULT_FILES[0]), rows(reference / RESULT_FILES[0])
    assert [r[:2] for r in got] == [r[:2] for r in expected]
    for row, ref in zip(got[1:], expected[1:], strict=True):
        assert [float(v) for v in row[2:]] == pytest.approx([float(v) for v in ref[2:]], abs=1e-5)


@pytest.fixture(scope="module")
def single_process(tmp_path_factory, model_cache_dir) -> Path:
    out = tmp_path_factory.mktemp("single") / "out"
    subprocess.run([sys.executable, "-m", "virnucpro", *predict_args(out, model_cache_dir)],
                   check=True, capture_output=True, stdin=subprocess.DEVNULL)
    return out


def test_two_ranks_give_the_results_of_one_process(tmp_path, model_cache_dir, single_process):
    out = tmp_path / "out"
    result = subprocess.run(torchrun(*predict_args(out, model_cache_dir)), capture_output=True,
                            text=True, stdin=subprocess.DEVNULL, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert_same_results(out, single_process)
    shared = [line for line in result.stderr.splitlines() if "Feature Extraction ." in line]
    assert len(shared) == 2 and all("x2 ranks" in line for line in shared), shared
    assert "PIPELINE SUMMARY" in result.stderr and result.stderr.count("PIPELINE SUMMARY") == 1
    split_files = sorted(p.name for p in (out / "example_nucleotide").glob("output_*_DNABERT_S.pt"))
    assert len(split_files) >= 4, "the work was spread over several split files"


def _rank_process(launcher: subprocess.Popen, rank: str) -> psutil.Process | None:
    for child in psutil.Process(launcher.pid).children(recursive=True):
        try:
            if child.environ().get("RANK") == rank and "virnucpro" in " ".join(child.cmdline()):
                return child
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return None


def test_a_killed_rank_stops_the_job_and_resume_finishes_it(
    tmp_path, model_cache_dir, single_process
):
    out, log = tmp_path / "out", tmp_path / "torchrun.log"
    pause = PausePoint(tmp_path, "DNABERT-S Feature Extraction")  # rank 0, stages 1-4 done
    with open(log, "w") as log_handle:
        launcher = subprocess.Popen(torchrun(*predict_args(out, model_cache_dir)),
                                    stdout=log_handle, stderr=subprocess.STDOUT,
                                    stdin=subprocess.DEVNULL, env=pause.env)
    pause.wait()
    victim = _rank_process(launcher, "1")
    killed = victim is not None
    if killed:
        victim.send_signal(signal.SIGKILL)
        victim.wait(timeout=60)
    pause.release()
    launcher.wait(timeout=120)
    output = log.read_text()
    assert killed, "rank 1 finished before it could be killed"
    assert launcher.returncode != 0
    assert "rank      : 1" in output or "rank: 1" in output, output[-3000:]
    assert not (out / "prediction_results.txt").exists()

    resumed = subprocess.run(torchrun(*predict_args(out, model_cache_dir, "--resume")),
                             capture_output=True, text=True, stdin=subprocess.DEVNULL,
                             timeout=300)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert "skipped (checkpoint)" in resumed.stderr
    assert_same_results(out, single_process)


def test_a_sigterm_to_the_launcher_stops_every_rank_and_resume_finishes_it(
    tmp_path, model_cache_dir, single_process
):
    out = tmp_path / "out"
    pause = PausePoint(tmp_path, "DNABERT-S Feature Extraction")  # rank 0, stages 1-4 done
    launcher = subprocess.Popen(torchrun(*predict_args(out, model_cache_dir)), text=True,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                stdin=subprocess.DEVNULL, env=pause.env)
    pause.wait()
    launcher.send_signal(signal.SIGTERM)
    _, stderr = launcher.communicate(timeout=120)
    assert launcher.returncode != 0
    assert "interrupted by SIGTERM" in stderr, stderr[-3000:]
    assert not (out / ".virnucpro.lock").exists(), "rank 0 released the lock"

    resumed = subprocess.run(torchrun(*predict_args(out, model_cache_dir, "--resume")),
                             capture_output=True, text=True, stdin=subprocess.DEVNULL,
                             timeout=300)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert "taking over" not in resumed.stderr
    assert "Sequence Chunking skipped (checkpoint)" in resumed.stderr
    assert_same_results(out, single_process)
