"""A run that fails on its input before any stage finished does not trap the next run."""

from __future__ import annotations

from demo_runs import EXAMPLE

from virnucpro.cli import main


def predict(out, cache, fasta, *extra: str) -> int:
    return main(["predict", str(fasta), "-o", str(out), "--cache-dir", str(cache),
                 "--no-progress", *extra])


def only_the_error_line(stderr: str) -> list[str]:
    """The lines of a run that stopped early, demo banner aside (there must be no summary)."""
    return [line for line in stderr.splitlines() if "DEMO MODE" not in line]


def test_corrected_input_and_model_run_into_the_same_folder_without_a_flag(
    tmp_path, model_cache_dir, demo_models, capsys
):
    out = tmp_path / "out"
    bad = tmp_path / "reads.fa"
    bad.write_text(">ok\nACGT\n>broken\nACGT1N\n")
    assert predict(out, model_cache_dir, bad, "--demo") == 3
    lines = only_the_error_line(capsys.readouterr().err)
    assert len(lines) == 3, lines  # the stage's start and failure lines, then the error only
    assert "Sequence Chunking FAILED" in lines[1] and lines[2].startswith(f"error: {bad}: record 2")

    missing_model = ["--dnabert", str(demo_models.dnabert_dir), "--esm",
                     str(demo_models.esm_checkpoint)]
    assert predict(out, model_cache_dir, EXAMPLE, *missing_model, "-m",
                   str(tmp_path / "absent.pth")) == 4
    lines = only_the_error_line(capsys.readouterr().err)
    assert lines == [f"error: {tmp_path / 'absent.pth'}: classifier file not found; give "
                     "-m 300, -m 500 or the path of a classifier file"]

    assert predict(out, model_cache_dir, EXAMPLE, *missing_model, "-m",
                   str(demo_models.classifier)) == 0
    stderr = capsys.readouterr().err
    assert "stopped before any stage finished" in stderr and "PIPELINE SUMMARY" in stderr
    assert (out / "sequence_summary.tsv").is_file()


def test_a_missing_input_leaves_no_folder(tmp_path, model_cache_dir, capsys):
    out = tmp_path / "out"
    assert predict(out, model_cache_dir, tmp_path / "absent.fa", "--demo") == 3
    assert capsys.readouterr().err.splitlines() == [
        f"error: {tmp_path / 'absent.fa'}: input file not found"]
    assert not out.exists()
