"""``--min-score``: the option reaches the configuration and is checked (its effect on a
resumed run: ``test_checkpoint`` and ``test_engine``)."""

from __future__ import annotations

import pytest

from virnucpro.cli import build_parser
from virnucpro.config import PipelineConfig, config_from_args
from virnucpro.errors import UsageError


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
