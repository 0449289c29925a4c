"""``--min-score`` is a result-changing setting; checkpoints written before it still resume."""

from __future__ import annotations

import pytest

from virnucpro.cli import build_parser
from virnucpro.config import PipelineConfig, ResolvedModels, config_from_args, result_settings
from virnucpro.errors import UsageError
from virnucpro.pipeline.checkpoint import describe_changes

MODELS = ResolvedModels(dnabert="d", esm="e", classifier="c.pth", device="cpu")


def _fingerprint(config: PipelineConfig) -> dict:
    return {"format": 1, "input_sha256": "x", "settings": result_settings(config, MODELS)}


def test_min_score_is_compared_on_resume():
    changes = describe_changes(_fingerprint(PipelineConfig()),
                               _fingerprint(PipelineConfig(min_score=0.8)))
    assert changes == ["min_score was 0.5, now 0.8"]


def test_a_checkpoint_written_before_min_score_existed_resumes_at_the_default():
    old = _fingerprint(PipelineConfig())
    del old["settings"]["min_score"]
    assert describe_changes(old, _fingerprint(PipelineConfig())) == []
    assert describe_changes(old, _fingerprint(PipelineConfig(min_score=0.7)))


def test_the_option_reaches_the_config_and_is_checked():
    args = build_parser().parse_args(["predict", "in.fa", "--min-score", "0.75"])
    assert config_from_args(args).min_score == 0.75
    assert config_from_args(build_parser().parse_args(["predict", "in.fa"])).min_score == 0.5
    with pytest.raises(SystemExit):
        build_parser().parse_args(["predict", "in.fa", "--min-score", "1.5"])
    with pytest.raises(UsageError, match="between 0 and 1"):
        PipelineConfig(min_score=-0.1)
    args.min_score = 3.0
    with pytest.raises(UsageError):
        config_from_args(args)
