"""Fixtures of the pipeline tests: the outputs of one uninterrupted demo run."""

from __future__ import annotations

import subprocess

import pytest
from demo_runs import output_files, predict_command


@pytest.fixture(scope="session")
def uninterrupted(tmp_path_factory, model_cache_dir) -> dict[str, bytes]:
    """Every output file of ``demo_runs.predict_command`` run once without interruption."""
    out = tmp_path_factory.mktemp("uninterrupted") / "out"
    subprocess.run(predict_command(out, model_cache_dir), check=True, capture_output=True,
                   stdin=subprocess.DEVNULL)
    files = output_files(out)
    assert any(name.endswith("_ESM.pt") for name in files), "several split files with features"
    return files
