"""Training frame selection against the original tool's rules, record for record."""

from __future__ import annotations

from pathlib import Path

import pytest
from original_training_rules import GENBANK_FILES, original_chunks, original_make_train_dataset

from virnucpro.sequence.chunking import chunk_sequence
from virnucpro.training.dataset_paths import DatasetPaths
from virnucpro.training.frames import frame_record_id, has_ambiguous_base, record_frames
from virnucpro.training.settings import DatasetSettings, dataset_config, other_input, viral_input
from virnucpro.training.stages import (
    chunk_genbank_sequences,
    read_genbank_files,
    select_training_frames,
)

# Frames the original keeps (tests/data/README.md): viral file, then the two others.
EXPECTED_COUNTS = {
    300: {"gbvrl1_start.seq": 17, "NC_005816.gb": 13, "NC_000932.gb": 179},
    500: {"gbvrl1_start.seq": 11, "NC_005816.gb": 3, "NC_000932.gb": 90},
}


@pytest.fixture(scope="module", params=(300, 500))
def made_frames(request, tmp_path_factory, reference_dir: Path):
    """The first three make-dataset stages run on the three real files at one chunk length."""
    genbank = reference_dir / "genbank"
    settings = DatasetSettings(
        (
            viral_input(genbank / "gbvrl1_start.seq"),
            other_input(str(genbank / "NC_005816.gb")),
            other_input(str(genbank / "NC_000932.gb")),
        ),
    )
    paths = DatasetPaths(tmp_path_factory.mktemp(f"frames{request.param}"), request.param)
    for stage in (read_genbank_files, chunk_genbank_sequences, select_training_frames):
        stage(paths, dataset_config(settings, request.param, progress=False))
    return paths, settings, request.param


@pytest.mark.parametrize("name", GENBANK_FILES)
def test_frames_match_the_original_record_for_record(made_frames, reference_dir, name):
    paths, settings, chunk_length = made_frames
    item = next(item for item in settings.inputs if item.path.name == name)
    expected_nucleotide, expected_protein = original_make_train_dataset(
        reference_dir / "genbank" / name, chunk_length
    )
    nucleotide = paths.nucleotide_frames(item.stem).read_text()
    protein = paths.protein_frames(item.stem).read_text()
    assert nucleotide == expected_nucleotide
    assert protein == expected_protein
    assert nucleotide.count(">") == EXPECTED_COUNTS[chunk_length][name]


def test_the_oracle_chunks_like_predicts_chunker():
    sequence = "ACGT" * 400 + "A"
    for size in (300, 500):
        for length in (1, 299, 300, 301, 1001, len(sequence)):
            assert original_chunks("r", sequence[:length], size) == chunk_sequence(
                "r", sequence[:length], size
            )


def test_a_chunk_with_an_ambiguity_code_is_dropped_whole():
    coding = "ATGGCT" * 50  # M A M A ...: forward frame 1 is stop-free
    protein = "MA" * 50
    kept = list(record_frames([("r_chunk_1", coding), ("r_chunk_2", coding[:-1] + "N")], [protein]))
    assert [frame.id for frame in kept] == ["r_chunk_1F1"]
    assert has_ambiguous_base("ACGTy") and not has_ambiguous_base("ACGTU")


def test_a_frame_must_lie_inside_one_protein():
    coding = "ATGGCT" * 10  # translates to (MA)*10
    assert list(record_frames([("r_chunk_1", coding)], ["MAMAMAMAMA", "MAMAMAMAMA"])) == []
    kept = list(record_frames([("r_chunk_1", coding)], ["Q" + "MA" * 10 + "Q"]))
    assert [(frame.id, frame.protein) for frame in kept] == [("r_chunk_1F1", "MA" * 10)]


def test_a_record_without_translations_keeps_nothing():
    assert list(record_frames([("r_chunk_1", "ATGGCT" * 10)], ["", ""])) == []
    assert list(record_frames([("r_chunk_1", "ATGGCT" * 10)], [])) == []


def test_frame_record_id_undoes_the_chunk_and_frame_suffix():
    assert frame_record_id("NC_005816.1_chunk_12R3") == "NC_005816.1"
    assert frame_record_id("odd_chunk_name_chunk_2F1") == "odd_chunk_name"
