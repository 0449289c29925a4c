"""Stages 1-4 as the pipeline calls them: outputs, metrics, atomic writes and bad input."""

from __future__ import annotations

import gzip
import logging
import random
import shutil

import pytest

from virnucpro.config import PipelineConfig
from virnucpro.errors import InputError
from virnucpro.paths import RunPaths
from virnucpro.sequence.fasta import read_fasta
from virnucpro.sequence.stages import (
    chunk_sequences,
    split_nucleotide_file,
    split_protein_file,
    translate_chunks,
)
from virnucpro_telemetry import StageRegistry, use_registry

STAGES = (chunk_sequences, translate_chunks, split_nucleotide_file, split_protein_file)


@pytest.fixture
def registry():
    """A fresh telemetry registry for the stages of one test."""
    registry = StageRegistry()
    with use_registry(registry):
        yield registry


def run_stages(input_path, output_dir, **settings) -> RunPaths:
    config = PipelineConfig(chunk_length=500, progress=False, **settings)
    paths = RunPaths(input_path, output_dir, config.chunk_length)
    for stage in STAGES:
        stage(paths, config)
    return paths


def test_reference_outputs(original_dir, parsed, tmp_path, reference_stem, registry):
    paths = run_stages(original_dir / f"{reference_stem}.fa", tmp_path / "out")
    reference = original_dir / reference_stem
    assert paths.chunked_fasta.name == f"{reference_stem}_chunked500.fa"
    expected_chunks = original_dir / paths.chunked_fasta.name
    assert paths.chunked_fasta.read_bytes() == expected_chunks.read_bytes()
    if reference_stem == "test_sequences_small":  # no stop-free frame: empty files, no split files
        assert paths.identified_nucleotide.read_text() == ""
        assert paths.identified_protein.read_text() == ""
        assert paths.split_indices() == []
        assert list(paths.protein_split_dir.iterdir()) == []
        return
    nucleotide = parsed(reference.with_name(f"{reference_stem}_identified_nucleotide.fa"))
    protein = parsed(reference.with_name(f"{reference_stem}_identified_protein.faa"))
    assert parsed(paths.identified_nucleotide) == nucleotide
    assert parsed(paths.identified_protein) == protein
    assert paths.split_indices() == [1]
    assert parsed(paths.nucleotide_split(1)) == nucleotide
    assert parsed(paths.protein_split(1)) == protein
    split_reference = original_dir / f"{reference_stem}_outputs" / "output_1.fa"
    if split_reference.exists():
        assert paths.nucleotide_split(1).read_bytes() == split_reference.read_bytes()


def test_manifest_and_metrics(original_dir, tmp_path, registry):
    paths = run_stages(original_dir / "test_with_orfs.fa", tmp_path / "out", sequences_per_file=3)
    assert paths.sequence_manifest.read_text() == (
        "id\tlength\tchunks\nsynthetic_seq_1\t174\t1\nsynthetic_seq_2\t171\t1\n"
    )
    assert registry["Sequence Chunking"].metrics == {
        "sequences": 2,
        "empty_sequences": 0,
        "chunks": 2,
        "bases": 345,
    }
    assert registry["Six-Frame Translation"].metrics == {"chunks": 2, "frames": 4, "threads": 1}
    for name in ("Nucleotide File Splitting", "Protein File Splitting"):
        assert registry[name].metrics == {"sequences": 4, "files": 2, "stale_files_removed": 0}
    assert paths.split_indices() == [1, 2]


def test_gzip_input_gives_the_same_outputs(original_dir, tmp_path, registry):
    source = original_dir / "test_fixed_500bp.fa"
    compressed = tmp_path / "test_fixed_500bp.fa.gz"
    compressed.write_bytes(gzip.compress(source.read_bytes()))
    plain = run_stages(source, tmp_path / "plain")
    zipped = run_stages(compressed, tmp_path / "zipped")
    for name in ("chunked_fasta", "identified_nucleotide", "identified_protein"):
        assert getattr(zipped, name).read_bytes() == getattr(plain, name).read_bytes()


def test_empty_records_are_listed_and_skipped(fasta_file, tmp_path, registry, caplog):
    path = fasta_file(">a\n>b\n" + "ACGT" * 100 + "\n>c\n")
    with caplog.at_level(logging.WARNING, logger="virnucpro"):
        paths = run_stages(path, tmp_path / "out")
    rows = paths.sequence_manifest.read_text().splitlines()
    assert rows == ["id\tlength\tchunks", "a\t0\t0", "b\t400\t1", "c\t0\t0"]
    assert [r.id for r in _records(paths.chunked_fasta)] == ["b_chunk_1"]
    assert sum("has no sequence; skipped" in r.getMessage() for r in caplog.records) == 2
    assert registry["Sequence Chunking"].metrics["empty_sequences"] == 2


def _records(path):
    return list(read_fasta(path))


def _long_valid_prefix(count: int) -> str:
    generator = random.Random(3)
    return "".join(f">ok{i}\n{''.join(generator.choices('ACGT', k=1200))}\n" for i in range(count))


@pytest.mark.parametrize(
    ("tail", "expected"),
    [
        (">bad\nACGTJ\n", r"record 1001 \('bad'\), line 2002, column 5: 'J'"),
        (">ok7 again\nACGT\n", r"record 1001 has the id 'ok7', already used by record 8"),
    ],
    ids=["bad-letter", "duplicate-id"],
)
def test_bad_input_late_in_the_file_leaves_no_file(fasta_file, tmp_path, registry, tail, expected):
    """Over a megabyte of good records is written before the problem is met: still no output."""
    path = fasta_file(_long_valid_prefix(1000) + tail)
    output_dir = tmp_path / "out"
    with pytest.raises(InputError, match=expected):
        run_stages(path, output_dir)
    assert list(output_dir.iterdir()) == []


def test_input_without_any_sequence_is_refused(fasta_file, tmp_path, registry):
    with pytest.raises(InputError, match="none of its 2 record"):
        run_stages(fasta_file(">a\n>b\n"), tmp_path / "out")
    assert list((tmp_path / "out").iterdir()) == []


def test_stale_split_files_are_replaced(original_dir, tmp_path, registry):
    output_dir = tmp_path / "out"
    stale_dir = output_dir / "test_with_orfs_nucleotide"
    stale_dir.mkdir(parents=True)
    for name in ("output_1.fa", "output_9.fa", "output_1_DNABERT_S.pt"):
        (stale_dir / name).write_text("stale")
    paths = run_stages(original_dir / "test_with_orfs.fa", output_dir)
    assert sorted(p.name for p in stale_dir.iterdir()) == ["output_1.fa", "output_1_DNABERT_S.pt"]
    assert paths.nucleotide_split(1).read_text().count(">") == 4
    assert registry["Nucleotide File Splitting"].metrics["stale_files_removed"] == 2


@pytest.mark.timeout(90)
def test_two_threads_write_the_same_bytes(tmp_path, registry):
    generator = random.Random(11)
    sense = ["ATG", "GCC", "AAA", "CTG", "GGT", "TCC", "CAG", "GAT", "ACC", "TTC"]
    with open(tmp_path / "mixed.fa", "w") as out:
        for index in range(600):
            if index % 2:
                body = "".join(generator.choices(sense, k=generator.randint(100, 1000)))
            else:
                body = "".join(generator.choices("ACGTNacgt", k=generator.randint(300, 3000)))
            out.write(f">s{index}\n{body}\n")
    one = run_stages(tmp_path / "mixed.fa", tmp_path / "one", sequences_per_file=500)
    two = run_stages(tmp_path / "mixed.fa", tmp_path / "two", sequences_per_file=500, threads=2)
    files = sorted(p.relative_to(one.output_dir) for p in one.output_dir.rglob("*") if p.is_file())
    assert len(files) > 6
    for relative in files:
        assert (two.output_dir / relative).read_bytes() == (one.output_dir / relative).read_bytes()
    assert registry["Six-Frame Translation"].metrics["frames"] > 1000


def test_stages_create_their_folders(original_dir, tmp_path, registry):
    output_dir = tmp_path / "deep" / "er"
    run_stages(original_dir / "test_with_orfs.fa", output_dir)
    assert (output_dir / "test_with_orfs_protein" / "output_1.fa").is_file()
    shutil.rmtree(output_dir)
