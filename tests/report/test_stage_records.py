"""Stage records saved as JSON in the run folder and read back."""

from __future__ import annotations

import json

import pytest

from virnucpro.errors import InputError
from virnucpro.stage_records import (
    load_records,
    records_from_json,
    records_path,
    records_to_json,
    registry_from_records,
    save_records,
)
from virnucpro_telemetry import StageRegistry, format_summary, stage, use_registry


def test_records_survive_a_json_round_trip(stage_records):
    text = records_to_json(stage_records, run_start=1_699_999_999.5)
    json.loads(text)  # plain JSON
    records, run_start = records_from_json(text)
    assert records == stage_records
    assert run_start == 1_699_999_999.5


def test_not_a_records_document_is_refused(stage_records):
    with pytest.raises(ValueError, match="not a 'virnucpro.stage-records/1' document"):
        records_from_json('{"records": []}')
    document = json.loads(records_to_json(stage_records))
    del document["records"][1]["metrics"]
    with pytest.raises(ValueError, match="record 2 does not have the fields"):
        records_from_json(json.dumps(document))


def test_a_live_registry_is_saved_and_loaded_from_the_run_folder(tmp_path):
    registry = StageRegistry(origin="rank0")
    registry.mark_run_start()
    with use_registry(registry), stage("Outer"), stage("Inner"):
        pass
    path = save_records(tmp_path, registry)
    assert path == records_path(tmp_path) == tmp_path / ".virnucpro" / "stage_records.json"
    records, run_start = load_records(tmp_path)
    assert records == registry.records
    assert [r.parent for r in records] == [None, "Outer"]
    assert run_start == registry.run_start


def test_no_saved_records_is_none_and_a_broken_file_is_named(tmp_path):
    assert load_records(tmp_path) is None
    records_path(tmp_path).parent.mkdir()
    records_path(tmp_path).write_text("{", encoding="utf-8")
    with pytest.raises(InputError, match="stage_records.json: cannot read the stage records"):
        load_records(tmp_path)


def test_a_rebuilt_registry_summarises_like_the_records(make_record):
    records = [make_record("Sequence Chunking", 10.0, 12.0, origin="rank0"),
               make_record("DNABERT-S Feature Extraction", 12.0, 20.0, origin="rank0"),
               make_record("DNABERT-S Feature Extraction", 12.0, 22.0, origin="rank1")]
    registry = registry_from_records(records, run_start=9.0)
    assert registry.records == records
    assert registry.run_start == 9.0
    summary = format_summary(registry)
    assert "Sequence Chunking" in summary and "DNABERT-S Feature Extraction" in summary
    assert "00:00:13" in summary  # wall time from the run start to the last end
