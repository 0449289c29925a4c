"""One owner per setting: the chunk length, the min-score range and the classifier choice are
each checked once (``virnucpro.config``), and every command reaches that one check."""

from __future__ import annotations

import ast
import logging
from pathlib import Path

import pytest

from virnucpro import config as settings
from virnucpro.cli import build_parser, main
from virnucpro.config import ClassifierChoice, PipelineConfig, config_from_args
from virnucpro.errors import UsageError
from virnucpro.training.settings import DatasetSettings

PACKAGE = Path(settings.__file__).parent


def _assignments(name: str) -> list[str]:
    """The modules of the package that assign ``name`` at top level."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            targets = node.targets if isinstance(node, ast.Assign) else []
            if any(isinstance(target, ast.Name) and target.id == name for target in targets):
                found.append(str(path.relative_to(PACKAGE)))
    return found


@pytest.mark.parametrize("name", ["CHUNK_LENGTHS", "DEFAULT_MIN_SCORE"])
def test_each_setting_constant_is_defined_once(name):
    assert _assignments(name) == ["config.py"]


def test_default_min_score_is_importable_from_config_only():
    import virnucpro.report as report
    import virnucpro.results as results

    assert "DEFAULT_MIN_SCORE" not in results.__all__ and "DEFAULT_MIN_SCORE" not in report.__all__


@pytest.mark.parametrize("value", ["400", "0", "five", "500.0"])
def test_every_command_refuses_a_bad_chunk_length_with_the_one_message(value, capsys):
    with pytest.raises(UsageError) as owner:
        settings.chunk_length(value)
    for command in (["predict", "x.fa"], ["preprocess", "x.fa", "-o", "o"],
                    ["make-dataset", "-o", "o"], ["train", "-o", "o"],
                    ["evaluate", "-m", "500", "-o", "o"]):
        with pytest.raises(SystemExit) as exited:
            main([*command, "-l", value])
        assert exited.value.code == 2
        assert str(owner.value) in capsys.readouterr().err
    with pytest.raises(UsageError, match="must be 300 or 500"):
        PipelineConfig(chunk_length=400)
    for name in ("chunk_length", "threads", "progress", "keep_intermediate"):
        assert name not in DatasetSettings.__dataclass_fields__, "the run's, held once"


@pytest.mark.parametrize("value", ["1.5", "-0.1", "high"])
def test_every_min_score_option_refuses_with_the_one_message(value, capsys, tmp_path):
    with pytest.raises(UsageError) as owner:
        settings.min_score(value)
    for command in (["predict", "x.fa"], ["classify", "run"], ["plot", "run"], ["report", "run"]):
        with pytest.raises(SystemExit):
            main([*command, "--min-score", value])
        assert str(owner.value) in capsys.readouterr().err
    with pytest.raises(UsageError, match="between 0 and 1"):
        PipelineConfig(min_score=2.0)


def test_the_classifier_choice_is_its_own_value():
    assert ClassifierChoice.parse("300") == ClassifierChoice(published=300)
    assert ClassifierChoice.parse("runs/model.pt") == ClassifierChoice(path="runs/model.pt")
    assert ClassifierChoice.parse("400") == ClassifierChoice(path="400"), "only 300 and 500"
    for text in ("500", "runs/model.pt"):
        assert str(ClassifierChoice.parse(text)) == text, "run.json keeps the form typed"
    assert PipelineConfig(model="500").model == ClassifierChoice(published=500)
    args = build_parser().parse_args(["predict", "x.fa", "-m", "300"])
    assert args.model == ClassifierChoice(published=300) and args.chunk_length is None


def test_without_m_the_classifier_is_the_published_one_of_the_chunk_length():
    config = config_from_args(build_parser().parse_args(["predict", "x.fa", "-l", "300"]))
    assert config.model is None and config.classifier == ClassifierChoice(published=300)
    assert str(config.classifier) == "300"


def test_the_chunk_length_defaults_to_the_chosen_classifiers(tmp_path, caplog):
    from virnucpro.classification.classifier import MLPClassifier
    from virnucpro.training.model_file import ModelMetadata, save_trained_model

    model = tmp_path / "model.pt"
    save_trained_model(model, MLPClassifier(8).state_dict(),
                       ModelMetadata(chunk_length=300, input_dim=8, dnabert="d", esm="e"))

    def chunk_length(*options: str) -> int:
        return config_from_args(build_parser().parse_args(["predict", "x.fa", *options]))\
            .chunk_length

    with caplog.at_level(logging.INFO, logger="virnucpro"):
        assert chunk_length("-m", str(model)) == 300
    assert f"-l not given: chunks of 300 bp, the chunk length {model} was trained with" in \
        caplog.text
    assert chunk_length("-m", str(model), "-l", "500") == 500, "-l given wins (then refused)"
    assert chunk_length("-m", "300") == 300
    assert chunk_length() == 500
    assert chunk_length("-m", str(tmp_path / "absent.pt")) == 500, "reported by resolve_models"
    from virnucpro.training.settings import training_config_from_args

    def evaluated_at(*options: str) -> int:
        args = build_parser().parse_args(["evaluate", "-m", str(model), "-o", "o", *options])
        return training_config_from_args(args).chunk_length

    assert evaluated_at("--viral", "v.gb", "--other", "o.gb") == 300, "chunked for the model"
    assert evaluated_at("--dataset", "d") == 500, "a dataset's frames are not the model's"
