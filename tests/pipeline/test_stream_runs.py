"""``predict`` from a pipe as a user runs it: the same results as from the file, resumable."""

from __future__ import annotations

import gzip
import json
import os
import shlex
import socket
import subprocess
import sys
import time

import pytest
from demo_runs import EXAMPLE

from virnucpro.pipeline.folder.run_lock import LockHolder

RESULTS = ("prediction_results.txt", "prediction_results_highestscore.csv",
           "sequence_summary.tsv")


def virnucpro(*args: str) -> list[str]:
    return [sys.executable, "-m", "virnucpro", *map(str, args)]


def predict(input_name, out, cache, *extra, stdin: bytes | None = None):
    """``virnucpro predict INPUT`` with the demo models, ``stdin`` piped in."""
    return subprocess.run(
        virnucpro("predict", input_name, "-o", out, "--demo", "--cache-dir", cache,
                  "--no-progress", *extra),
        input=stdin if stdin is not None else b"", capture_output=True, timeout=300)


def results(out) -> dict[str, bytes]:
    return {name: (out / name).read_bytes() for name in RESULTS}


def errors(run) -> list[str]:
    return [line for line in run.stderr.decode().splitlines() if line.startswith("error:")]


@pytest.fixture(scope="module")
def from_file(tmp_path_factory, model_cache_dir) -> dict[str, bytes]:
    """The result tables of ``predict examples/example.fa``."""
    out = tmp_path_factory.mktemp("from-file") / "out"
    run = predict(EXAMPLE, out, model_cache_dir)
    assert run.returncode == 0, run.stderr
    return results(out)


@pytest.mark.slow
def test_a_piped_input_gives_the_results_of_the_file_and_resumes(tmp_path, model_cache_dir,
                                                                 from_file):
    out = tmp_path / "out"
    piped = predict("-", out, model_cache_dir, stdin=EXAMPLE.read_bytes())
    assert piped.returncode == 0, piped.stderr
    assert results(out) == from_file
    given = json.loads((out / ".virnucpro" / "run.json").read_text())["input"]
    assert given["stream"] is True and given["path"].endswith(".virnucpro-input/stdin.fa")
    assert not (out / ".virnucpro-input").exists(), "the copy goes with the intermediates"

    resumed = predict("-", out, model_cache_dir, "--resume", stdin=EXAMPLE.read_bytes())
    assert resumed.returncode == 0, resumed.stderr
    assert b"the input is a stream, so it is checked by the SHA-256" in resumed.stderr
    assert results(out) == from_file

    other = EXAMPLE.read_bytes() + b">extra\nACGTACGT\n"
    refused = predict("-", out, model_cache_dir, "--resume", stdin=other)
    assert refused.returncode == 2 and len(errors(refused)) == 1, refused.stderr
    assert "the input file's contents changed" in errors(refused)[0]

    # --force removes the previous run's outputs, not the copy that this run has just read.
    forced = predict("-", out, model_cache_dir, "--force", stdin=EXAMPLE.read_bytes())
    assert forced.returncode == 0, forced.stderr
    assert results(out) == from_file


@pytest.mark.slow
def test_gzip_through_dev_stdin_and_a_process_substitution(tmp_path, model_cache_dir,
                                                           from_file):
    compressed = gzip.compress(EXAMPLE.read_bytes())
    run = predict("/dev/stdin", tmp_path / "stdin", model_cache_dir, stdin=compressed)
    assert run.returncode == 0, run.stderr
    assert results(tmp_path / "stdin") == from_file

    command = shlex.join(virnucpro("predict", "-o", tmp_path / "fd", "--demo", "--cache-dir",
                                   model_cache_dir, "--no-progress"))
    substitution = f"<(gzip -c {shlex.quote(str(EXAMPLE))})"
    substituted = subprocess.run(["bash", "-c", f"{command} {substitution}"],
                                 capture_output=True, stdin=subprocess.DEVNULL, timeout=300)
    assert substituted.returncode == 0, substituted.stderr
    assert results(tmp_path / "fd") == from_file


def test_a_stream_without_an_output_folder_writes_stdin_virnucpro(tmp_path, model_cache_dir):
    run = subprocess.run(virnucpro("predict", "-", "--demo", "--cache-dir", model_cache_dir,
                                   "--no-progress"),
                         input=EXAMPLE.read_bytes(), capture_output=True, cwd=tmp_path,
                         timeout=300)
    assert run.returncode == 0, run.stderr
    assert (tmp_path / "stdin_virnucpro" / "sequence_summary.tsv").is_file()


def test_preprocess_reads_a_pipe_as_it_reads_the_file(tmp_path):
    piped = subprocess.run(virnucpro("preprocess", "-", "-o", tmp_path / "piped"),
                           input=EXAMPLE.read_bytes(), capture_output=True, timeout=120)
    assert piped.returncode == 0, piped.stderr
    from_file = subprocess.run(virnucpro("preprocess", EXAMPLE, "-o", tmp_path / "file"),
                               capture_output=True, timeout=120)
    assert from_file.returncode == 0, from_file.stderr
    split_files = sorted(path.relative_to(tmp_path / "file")
                         for path in (tmp_path / "file" / "example_protein").iterdir())
    assert split_files
    for name in split_files:
        piped_name = tmp_path / "piped" / str(name).replace("example_", "stdin_", 1)
        assert piped_name.read_bytes() == (tmp_path / "file" / name).read_bytes()
    assert (tmp_path / "piped" / ".virnucpro-input" / "stdin.fa").is_file(), "kept: -k is implied"


def test_a_directory_input_is_named_as_a_directory(tmp_path, model_cache_dir):
    run = predict(tmp_path, tmp_path / "out", model_cache_dir)
    assert run.returncode == 3 and len(errors(run)) == 1, run.stderr
    assert f"{tmp_path}: is a directory" in errors(run)[0]
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("command, output", [("preprocess", "a_file"), ("predict", "a_file/sub"),
                                             ("predict", "a_file")])
def test_an_output_path_that_is_a_file_or_under_one_is_one_line_exit_2(
        tmp_path, model_cache_dir, command, output):
    (tmp_path / "a_file").write_text("not a folder")
    extra = ("--demo", "--cache-dir", str(model_cache_dir)) if command == "predict" else ()
    run = subprocess.run(virnucpro(command, EXAMPLE, "-o", tmp_path / output, *extra),
                         capture_output=True, stdin=subprocess.DEVNULL, timeout=120)
    assert run.returncode == 2 and len(errors(run)) == 1, run.stderr
    assert "a_file exists and is not a folder" in errors(run)[0] and b"Traceback" not in run.stderr
    assert (tmp_path / "a_file").read_text() == "not a folder"


def test_a_record_id_over_the_limit_stops_stage_1(tmp_path):
    fasta = tmp_path / "long_ids.fa"
    fasta.write_text(">short\nACGTACGT\n\n>" + "x" * 1001 + " description\nACGTACGT\n")
    run = subprocess.run(virnucpro("preprocess", fasta, "-o", tmp_path / "out"),
                         capture_output=True, stdin=subprocess.DEVNULL, timeout=120)
    assert run.returncode == 3 and len(errors(run)) == 1, run.stderr
    message = errors(run)[0]
    assert f"{fasta}: record 2, line 4:" in message and "1,001 characters" in message
    assert "at most 1,000 characters" in message and "shorten the ids" in message
    assert "Sequence Chunking FAILED" in run.stderr.decode()


@pytest.mark.slow
def test_another_hosts_lock_left_two_hours_ago_is_taken_over_on_resume(tmp_path,
                                                                       model_cache_dir,
                                                                       from_file):
    out = tmp_path / "out"
    assert predict(EXAMPLE, out, model_cache_dir).returncode == 0
    lock = out / ".virnucpro.lock"
    lock.write_bytes(LockHolder(pid=4242, host="node-17", started=time.time() - 3 * 3600,
                                command="virnucpro predict x.fa").to_bytes())
    left = time.time() - 2 * 3600
    os.utime(lock, (left, left))

    resumed = predict(EXAMPLE, out, model_cache_dir, "--resume")
    assert resumed.returncode == 0, resumed.stderr
    stderr = resumed.stderr.decode()
    assert "taking over a stale lock" in stderr and "pid 4242 on host node-17" in stderr
    assert "not refreshed for 2 h 0 min" in stderr and socket.gethostname() != "node-17"
    assert results(out) == from_file and not lock.exists()
