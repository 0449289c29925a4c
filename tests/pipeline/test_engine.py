"""The one run engine: every command makes one call into ``runs.run_pipeline``; a bad model
writes nothing; preprocess takes the lock like every run."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from demo_runs import EXAMPLE, PausePoint

from virnucpro.cli import main
from virnucpro.errors import UsageError
from virnucpro.pipeline.definitions import PIPELINES
from virnucpro.pipeline.engine import runs

GENBANK = Path(__file__).resolve().parents[2] / "examples" / "genbank"
LABELLED = ["--viral", str(GENBANK / "gbvrl1_start.seq"), "--other",
            str(GENBANK / "NC_005816.gb")]


def _kept_run(folder: Path) -> Path:
    """The files ``classify`` reads before it calls the engine (a run record, kept features)."""
    (folder / ".virnucpro").mkdir(parents=True)
    record = {"format": 2, "input": {"path": "reads.fa", "sha256": "ab"},
              "settings": {"chunk_length": 500}, "models": {"classifier": "c.pth"}}
    (folder / ".virnucpro" / "run.json").write_text(json.dumps(record))
    for name in ("reads_merged", "reads_nucleotide"):
        (folder / name).mkdir()
    (folder / "reads_merged" / "output_1_merged.pt").write_bytes(b"x")
    (folder / "reads_sequences.tsv").write_text("")
    return folder


def _command_lines(tmp_path: Path) -> dict[str, list[str]]:
    out = str(tmp_path / "out")
    return {
        "predict": ["predict", str(EXAMPLE), "-o", out],
        "preprocess": ["preprocess", str(EXAMPLE), "-o", out],
        "classify": ["classify", str(_kept_run(tmp_path / "kept"))],
        "make-dataset": ["make-dataset", *LABELLED, "-o", out],
        "train": ["train", *LABELLED, "-o", out],
        "evaluate-files": ["evaluate", *LABELLED, "-o", out, "-m", "500"],
        "evaluate-dataset": ["evaluate", "--dataset", str(tmp_path), "-o", out, "-m", "500"],
    }


def test_every_command_makes_one_call_into_the_run_engine(tmp_path, monkeypatch):
    calls = []

    def record(request, world=None, registry=None):
        calls.append(request)
        raise UsageError("recorded")

    monkeypatch.setattr(runs, "run_pipeline", record)
    for pipeline_name, argv in _command_lines(tmp_path).items():
        calls.clear()
        assert main(argv) == 2, argv
        assert len(calls) == 1, argv
        assert calls[0].pipeline == PIPELINES[pipeline_name], pipeline_name
        assert calls[0].command == argv[0]


def test_a_missing_model_stops_before_anything_is_written(tmp_path, model_cache_dir):
    out = tmp_path / "out"
    status = main(["predict", str(EXAMPLE), "-o", str(out), "--cache-dir", str(model_cache_dir),
                   "-m", str(tmp_path / "nope.pt"), "--no-progress"])
    assert status == 4
    assert not out.exists(), "no folder, no lock, no run record"


def preprocess(out: Path, env=None) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "virnucpro", "preprocess", str(EXAMPLE), "-o",
                             str(out), "--sequences-per-file", "3"], env=env, text=True,
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)


def test_two_preprocess_runs_into_one_folder_one_exits_2_naming_the_holder(tmp_path):
    out = tmp_path / "out"
    pause = PausePoint(tmp_path, "Six-Frame Translation")
    first = preprocess(out, pause.env)
    pause.wait()  # the first run holds the lock and has finished stage 1

    second = preprocess(out)
    _, stderr = second.communicate(timeout=120)

    assert second.returncode == 2, stderr
    errors = [line for line in stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and f"in use by another virnucpro run: pid {first.pid}" in errors[0]
    pause.release()
    _, stderr = first.communicate(timeout=120)
    assert first.returncode == 0, stderr
    assert not (out / ".virnucpro.lock").exists()


def test_preprocess_resumes_and_starts_over_like_every_command(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["preprocess", str(EXAMPLE), "-o", str(out), "--no-progress"]) == 0
    written = {path: path.read_bytes() for path in out.rglob("*.fa")}
    assert written
    assert main(["preprocess", str(EXAMPLE), "-o", str(out)]) == 2
    assert "not empty; use --resume" in capsys.readouterr().err
    assert main(["preprocess", str(EXAMPLE), "-o", str(out), "--resume"]) == 0
    assert "skipped (checkpoint)" in capsys.readouterr().err
    assert main(["preprocess", str(EXAMPLE), "-o", str(out), "--force"]) == 0
    assert {path: path.read_bytes() for path in out.rglob("*.fa")} == written


@pytest.mark.parametrize("content", [b"\xff\xfe", b"{", b"[]"])
def test_a_damaged_run_record_is_a_usage_error_for_classify(tmp_path, content, capsys):
    run = _kept_run(tmp_path / "kept")
    (run / ".virnucpro" / "run.json").write_bytes(content)
    assert main(["classify", str(run)]) == 2
    error = capsys.readouterr().err.strip().splitlines()
    assert len(error) == 1 and "run.json: the run record is damaged" in error[0]


PACKAGE = Path(__file__).resolve().parents[2] / "virnucpro"
FILE_NAMES = ('"run.json"', '"prediction_results.txt"', '"prediction_results_highestscore.csv"',
              '"sequence_summary.tsv"', '"stage_records.json"', '"training_checkpoint.pt"')


def test_every_run_file_name_is_spelled_in_paths_only():
    spelled = {name: sorted(str(path.relative_to(PACKAGE)) for path in PACKAGE.rglob("*.py")
                            if name in path.read_text(encoding="utf-8"))
               for name in FILE_NAMES}
    assert spelled == {name: ["paths.py"] for name in FILE_NAMES}


FASTA_READER = {"sequence/fasta.py", "sequence/_fasta_problems.py"}
BY_HAND = ('startswith(">")', 'startswith(b">")', 'count(">")', 'count(b">")')


def test_every_module_counts_fasta_records_with_the_one_fasta_reader():
    by_hand = sorted(str(path.relative_to(PACKAGE)) for path in PACKAGE.rglob("*.py")
                     if str(path.relative_to(PACKAGE)) not in FASTA_READER
                     and any(test in path.read_text(encoding="utf-8") for test in BY_HAND))
    assert by_hand == [], "read or count records with virnucpro.sequence.fasta"
