"""One run per output folder: a second run is refused while the first one works (the first
one paused by the test hook at a point it signals, not raced against)."""

from __future__ import annotations

import re
import signal
import socket
import subprocess
import time

import pytest
from demo_runs import EXAMPLE, PausePoint, output_files, predict_command

from virnucpro.cli import main
from virnucpro.pipeline.folder.run_lock import LockHolder


def error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("error:")]


@pytest.mark.slow
def test_a_second_run_is_refused_while_the_first_finishes(tmp_path, model_cache_dir,
                                                          uninterrupted):
    out = tmp_path / "out"
    pause = PausePoint(tmp_path, "DNABERT-S Feature Extraction")
    first = subprocess.Popen(predict_command(out, model_cache_dir), stdin=subprocess.DEVNULL,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                             env=pause.env)
    pause.wait()

    for flags in ((), ("--resume",), ("--force",)):
        second = subprocess.run(predict_command(out, model_cache_dir, *flags), text=True,
                                capture_output=True, stdin=subprocess.DEVNULL, timeout=120)
        assert second.returncode == 2, second.stderr
        errors = error_lines(second.stderr)
        assert len(errors) == 1, second.stderr
        assert f"in use by another virnucpro run: pid {first.pid} on host " in errors[0]
        assert socket.gethostname() in errors[0] and "started " in errors[0]
        assert "PIPELINE SUMMARY" not in second.stderr

    pause.release()
    _, first_stderr = first.communicate(timeout=240)
    assert first.returncode == 0, first_stderr
    assert output_files(out) == uninterrupted, "the refused runs changed nothing"
    assert not (out / ".virnucpro.lock").exists()


def foreign_lock(out) -> LockHolder:
    holder = LockHolder(pid=4242, host="node-17", started=time.time() - 2 * 3600,
                        command="virnucpro predict reads.fa")
    out.mkdir()
    (out / ".virnucpro.lock").write_bytes(holder.to_bytes())
    return holder


def demo_argv(out, cache, *extra: str) -> list[str]:
    return ["predict", str(EXAMPLE), "-o", str(out), "--demo", "--cache-dir", str(cache),
            "--no-progress", *extra]


def test_another_hosts_lock_is_reported_and_break_lock_takes_it_over(
    tmp_path, model_cache_dir, capsys
):
    out = tmp_path / "out"
    holder = foreign_lock(out)

    assert main(demo_argv(out, model_cache_dir, "--resume")) == 2
    stderr = capsys.readouterr().err
    errors = error_lines(stderr)
    assert len(errors) == 1 and "PIPELINE SUMMARY" not in stderr, stderr
    assert "on another host: pid 4242 on host node-17" in errors[0]
    assert "(2 h 0 min ago)" in errors[0] and "--break-lock" in errors[0]
    assert (out / ".virnucpro.lock").read_bytes() == holder.to_bytes()

    assert main(demo_argv(out, model_cache_dir, "--break-lock")) == 0
    stderr = capsys.readouterr().err
    assert "--break-lock: taking over the lock" in stderr and "node-17" in stderr
    assert (out / "sequence_summary.tsv").is_file()
    assert not (out / ".virnucpro.lock").exists(), "released at the end of the run"


STOPS = {"Ctrl-C": (signal.SIGINT, 130, "error: interrupted"),
         "SIGTERM": (signal.SIGTERM, 143, "error: interrupted by SIGTERM"),
         "SIGHUP": (signal.SIGHUP, 129, "error: interrupted by SIGHUP")}


@pytest.mark.slow
@pytest.mark.parametrize("stop", list(STOPS))
def test_a_stop_during_stage_5_releases_the_lock_and_resume_finishes_the_run(
    stop, tmp_path, model_cache_dir, uninterrupted
):
    number, status, last_error = STOPS[stop]
    out = tmp_path / "out"
    pause = PausePoint(tmp_path, "output_1_DNABERT_S.pt")  # stage 5, after its first file
    run = subprocess.Popen(predict_command(out, model_cache_dir), stdin=subprocess.DEVNULL,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                           env=pause.env)
    pause.wait()
    run.send_signal(number)
    _, stderr = run.communicate(timeout=120)
    assert run.returncode == status, stderr
    assert error_lines(stderr)[-1] == last_error
    summary = stderr[stderr.index("PIPELINE SUMMARY"):]
    assert "DNABERT-S Feature Extraction" in summary and "interrupted" in summary
    assert not (out / ".virnucpro.lock").exists(), "released on the way out"
    assert not list(out.rglob(".*.tmp")), "nothing half-written left"

    resumed = subprocess.run(predict_command(out, model_cache_dir, "--resume"), text=True,
                             capture_output=True, stdin=subprocess.DEVNULL, timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    assert "taking over" not in resumed.stderr
    assert "Sequence Chunking skipped (checkpoint)" in resumed.stderr
    assert re.search(r"\b1 of \d+ feature files already written", resumed.stderr)
    assert output_files(out) == uninterrupted
