"""``python -m virnucpro preprocess`` end to end, in a fresh interpreter each time."""

from __future__ import annotations

import gzip
import subprocess
import sys
from pathlib import Path

import pytest

from virnucpro.paths import RunPaths

STAGE_NAMES = (
    "Sequence Chunking",
    "Six-Frame Translation",
    "Nucleotide File Splitting",
    "Protein File Splitting",
)


def preprocess(*arguments) -> subprocess.CompletedProcess:
    """Run the command; return the finished process with its text output."""
    command = [sys.executable, "-m", "virnucpro", "preprocess", *map(str, arguments)]
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


def final_files(output_dir: Path) -> list[str]:
    """Every file under ``output_dir`` except hidden ones (the run's records), relative."""
    if not output_dir.exists():
        return []
    return sorted(
        str(p.relative_to(output_dir))
        for p in output_dir.rglob("*")
        if p.is_file() and not any(part.startswith(".")
                                   for part in p.relative_to(output_dir).parts)
    )


def test_outputs_match_the_original_tool(original_dir, parsed, tmp_path):
    output_dir = tmp_path / "out"
    source = original_dir / "test_with_orfs.fa"
    done = preprocess(source, "-l", "500", "-o", output_dir)
    assert done.returncode == 0, done.stderr
    paths = RunPaths(source, output_dir, 500)
    expected_chunks = original_dir / paths.chunked_fasta.name
    assert paths.chunked_fasta.read_bytes() == expected_chunks.read_bytes()
    nucleotide = parsed(original_dir / "test_with_orfs_identified_nucleotide.fa")
    protein = parsed(original_dir / "test_with_orfs_identified_protein.faa")
    assert parsed(paths.identified_nucleotide) == parsed(paths.nucleotide_split(1)) == nucleotide
    assert parsed(paths.identified_protein) == parsed(paths.protein_split(1)) == protein
    for name in STAGE_NAMES:
        assert name in done.stderr
    assert "Traceback" not in done.stderr


def test_threads_and_small_split_files(original_dir, tmp_path):
    source = original_dir / "test_fixed_500bp.fa"
    one = preprocess(source, "-l", "300", "-o", tmp_path / "one", "--sequences-per-file", "1")
    two = preprocess(
        source, "-l", "300", "-o", tmp_path / "two", "--sequences-per-file", "1", "--threads", "2"
    )
    assert one.returncode == two.returncode == 0, one.stderr + two.stderr
    files = final_files(tmp_path / "one")
    assert files == final_files(tmp_path / "two")
    assert "test_fixed_500bp_chunked300.fa" in files
    split_files = [name for name in files if name.startswith("test_fixed_500bp_nucleotide/")]
    assert len(split_files) > 2  # one record per file
    for name in files:
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes()


def test_torch_is_not_imported(original_dir, tmp_path):
    script = (
        "import sys\n"
        "from virnucpro.cli import main\n"
        f"code = main(['preprocess', {str(original_dir / 'test_with_orfs.fa')!r}, "
        f"'-o', {str(tmp_path / 'out')!r}])\n"
        "assert code == 0, code\n"
        "assert 'torch' not in sys.modules, 'torch was imported'\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


BAD_INPUTS = {
    "fastq": (b"@r1\nACGT\n+\nIIII\n", "line 1: starts with '@': this looks like FASTQ"),
    "bad-letter": (b">a\nACGT\n>b x\nACEGT\n", "record 2 ('b'), line 4, column 3: 'E'"),
    "duplicate": (b">a\nAC\n>a\nGT\n", "record 2 has the id 'a', already used by record 1"),
    "empty": (b"", "the file is empty"),
    "binary": (bytes(range(256)), "binary data"),
    "gzip-bad-letter": (gzip.compress(b">a\nAC1T\n"), "record 1 ('a'), line 2, column 3: '1'"),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_input_exits_3_with_a_message_and_no_files(tmp_path, case):
    content, expected = BAD_INPUTS[case]
    source = tmp_path / "input.fa"
    source.write_bytes(content)
    output_dir = tmp_path / "out"
    done = preprocess(source, "-o", output_dir)
    assert done.returncode == 3, done.stderr
    assert expected in done.stderr
    assert str(source) in done.stderr
    assert "Traceback" not in done.stderr
    assert final_files(output_dir) == []
    assert not any(output_dir.rglob("*.tmp")) if output_dir.exists() else True


def test_missing_input_exits_3(tmp_path):
    done = preprocess(tmp_path / "absent.fa", "-o", tmp_path / "out")
    assert done.returncode == 3
    assert "absent.fa" in done.stderr
    assert "Traceback" not in done.stderr
