"""make-dataset end to end: the four timed stages, the output layout, threads, refusals."""

from __future__ import annotations

import gzip
import shutil

import pytest

from virnucpro.commands.make_dataset import run_request
from virnucpro.errors import InputError, UsageError
from virnucpro.pipeline.engine.runs import run_pipeline
from virnucpro.training.dataset import dataset_hash, read_dataset_table
from virnucpro.training.dataset_paths import DatasetPaths
from virnucpro.training.settings import (
    DatasetSettings,
    dataset_config,
    other_input,
    viral_input,
)
from virnucpro_telemetry import StageRegistry, use_registry

STAGES = ["GenBank Reading", "GenBank Chunking", "Training Frame Selection", "Dataset Split"]


def build_dataset(settings: DatasetSettings, paths: DatasetPaths, registry=None,
                  **options) -> str:
    """make-dataset through the run engine, as the command runs it; the table's hash
    (``options``: run settings such as ``threads``)."""
    config = dataset_config(settings, paths.chunk_length, output_dir=paths.output_dir,
                            **{"progress": False, **options})
    run_pipeline(run_request(config), registry=registry)
    return dataset_hash(paths.dataset_table)


def _settings(genbank_dir, suffix="", **options):
    inputs = (
        viral_input(genbank_dir / f"gbvrl1_start.seq{suffix}"),
        other_input(f"bacteria={genbank_dir / f'NC_005816.gb{suffix}'}"),
        other_input(str(genbank_dir / f"NC_000932.gb{suffix}")),
    )
    return DatasetSettings(inputs, **options)


def test_build_dataset_runs_four_stages_and_writes_the_layout(genbank_dir, tmp_path):
    paths = DatasetPaths(tmp_path / "out", 300)
    registry = StageRegistry()
    build_dataset(_settings(genbank_dir), paths, registry)
    assert [record.name for record in registry.records] == STAGES
    assert registry["Training Frame Selection"].metrics["frames"] == 17 + 13 + 179
    assert sorted(p.name for p in paths.frames_dir.iterdir()) == sorted(
        f"{stem}_identified_{kind}"
        for stem in ("gbvrl1_start", "NC_005816", "NC_000932")
        for kind in ("nucleotide.fa", "protein.faa")
    )
    assert not paths.work_dir.exists()
    pairs = read_dataset_table(paths.dataset_table)
    labels = [row.label for row, _ in pairs]
    assert labels.count(1) == labels.count(0) == 17 == len(pairs) / 2
    assert {row.group for row, _ in pairs} == {"viral", "bacteria", "NC_000932"}
    assert {row.source for row, _ in pairs} == {"gbvrl1_start.seq", "NC_005816.gb", "NC_000932.gb"}
    sides: dict[str, set[str]] = {}
    for row, split in pairs:
        sides.setdefault(row.record_id, set()).add(split)
    assert all(len(s) == 1 for s in sides.values())
    split = registry["Dataset Split"].metrics
    assert split["train_frames"] + split["val_frames"] + split["test_frames"] == len(pairs)


@pytest.mark.slow
def test_worker_processes_write_the_same_bytes(genbank_dir, tmp_path):
    one, two = DatasetPaths(tmp_path / "one", 300), DatasetPaths(tmp_path / "two", 300)
    with use_registry(StageRegistry()):
        first = build_dataset(_settings(genbank_dir), one)
        second = build_dataset(_settings(genbank_dir), two, threads=2)
    assert first == second
    for path in one.frames_dir.iterdir():
        assert path.read_bytes() == (two.frames_dir / path.name).read_bytes()


def test_gzip_inputs_give_the_same_dataset(genbank_dir, tmp_path):
    packed = tmp_path / "in"
    packed.mkdir()
    for name in ("gbvrl1_start.seq", "NC_005816.gb", "NC_000932.gb"):
        (packed / f"{name}.gz").write_bytes(gzip.compress((genbank_dir / name).read_bytes()))
    plain = DatasetPaths(tmp_path / "plain", 300)
    zipped = DatasetPaths(tmp_path / "zipped", 300)
    with use_registry(StageRegistry()):
        build_dataset(_settings(genbank_dir), plain)
        build_dataset(_settings(packed, suffix=".gz"), zipped)
    for path in plain.frames_dir.iterdir():
        assert path.read_bytes() == (zipped.frames_dir / path.name).read_bytes()


def test_a_bad_input_stops_the_run_leaving_no_half_written_file(genbank_dir, tmp_path):
    inputs = tmp_path / "in"
    inputs.mkdir()
    for name in ("gbvrl1_start.seq", "NC_005816.gb"):
        shutil.copyfile(genbank_dir / name, inputs / name)
    (inputs / "NC_000932.gb").write_text(">not genbank\nACGT\n")
    paths = DatasetPaths(tmp_path / "out", 300)
    refused = pytest.raises(InputError, match="NC_000932.gb: not a GenBank")
    with use_registry(StageRegistry()), refused:
        build_dataset(_settings(inputs), paths)
    assert not paths.dataset_table.exists()
    assert not paths.genomic_fasta("NC_000932").exists()
    assert not [p for p in paths.work_dir.iterdir() if p.name.startswith(".")]


def test_no_other_frame_left_is_an_error(genbank_dir, tmp_path):
    inputs = tmp_path / "in"
    inputs.mkdir()
    shutil.copyfile(genbank_dir / "gbvrl1_start.seq", inputs / "viral.seq")
    text = (genbank_dir / "NC_005816.gb").read_text()
    (inputs / "bare.gb").write_text(text.replace("/translation=", "/note="))
    settings = DatasetSettings(
        (viral_input(inputs / "viral.seq"), other_input(str(inputs / "bare.gb"))),
    )
    with use_registry(StageRegistry()), pytest.raises(InputError, match="no other frame is left"):
        build_dataset(settings, DatasetPaths(tmp_path / "out", 500))


@pytest.mark.parametrize(
    ("change", "message"),
    [({"val_fraction": 0.0}, "--val-fraction"), ({"test_fraction": 0.95}, "below 1")],
)
def test_bad_settings_are_usage_errors(genbank_dir, change, message):
    with pytest.raises(UsageError, match=message):
        _settings(genbank_dir, **change)


def test_inputs_are_checked(genbank_dir):
    viral = viral_input(genbank_dir / "gbvrl1_start.seq")
    with pytest.raises(UsageError, match="no --other file"):
        DatasetSettings((viral,))
    with pytest.raises(UsageError, match="no --viral file"):
        DatasetSettings((other_input("x.gb"),))
    with pytest.raises(UsageError, match="same stem 'a'"):
        DatasetSettings((viral, other_input("one/a.gb"), other_input("two/a.gbff")))
    with pytest.raises(UsageError, match="given twice"):
        DatasetSettings((viral, other_input("one/a.gb"), other_input("g=one/a.gb")))


def test_other_arguments_name_their_group():
    assert other_input("plant=data/plant.1.genomic.gbff.gz").group == "plant"
    assert other_input("data/plant.1.genomic.gbff.gz").group == "plant.1.genomic"
    odd = other_input("data/a=b/x.gb")  # not a plain group name: the whole text is the path
    assert (odd.group, str(odd.path)) == ("x", "data/a=b/x.gb")
