"""``model.pt``: a trained classifier's state dict plus plain-data metadata, and its checks.

The file is ``{"format", "format_version", "state_dict", "metadata"}`` holding only tensors,
strings, numbers, lists and dicts: ``torch.load(path, weights_only=True)`` reads it with no
pickled class, and predict's classifier loader accepts it (it takes ``state_dict`` from a dict).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path

from virnucpro.config import DEMO_MODELS_FOLDER
from virnucpro.errors import ModelFileError, UsageError

MODEL_FORMAT = "virnucpro-trained-classifier"
FORMAT_VERSION = 1
DEMO_MODELS = "demo"
"""The embedding model name a model records when it was trained on ``--demo`` features."""


@dataclass(frozen=True)
class ModelMetadata:
    """What a trained model was made from, and how well it did on its test split.

    Attributes:
        chunk_length: 300 or 500: predict must chunk the same way.
        input_dim: feature width (DNABERT-S width + ESM-2 width).
        dnabert: the DNABERT-S model the features came from (hub id, path or ``demo``).
        esm: the ESM-2 model the features came from.
        training_options: :class:`~virnucpro.training.options.TrainingOptions` as a dict.
        dataset_sha256: the sha256 of the ``dataset.tsv`` it was trained on.
        best_epoch: the epoch whose weights these are (lowest validation loss).
        test_metrics: the test split's metrics and confusion counts.
    """

    chunk_length: int
    input_dim: int
    dnabert: str
    esm: str
    training_options: dict = field(default_factory=dict)
    dataset_sha256: str = ""
    best_epoch: int = 0
    test_metrics: dict = field(default_factory=dict)


def save_trained_model(path: Path, state_dict: Mapping, metadata: ModelMetadata) -> None:
    """Write ``model.pt`` atomically."""
    from virnucpro.atomic import atomic_torch_save

    payload = {
        "format": MODEL_FORMAT,
        "format_version": FORMAT_VERSION,
        "state_dict": dict(state_dict),
        "metadata": asdict(metadata),
    }
    atomic_torch_save(payload, Path(path))


def read_trained_model(path: Path) -> tuple[dict, ModelMetadata]:
    """The state dict and metadata of a ``model.pt`` written by :func:`save_trained_model`.

    Raises:
        ModelFileError: missing, unreadable, not a trained VirNucPro model, or a newer format.
    """
    import torch  # only the train / evaluate / predict paths read model files

    path = Path(path)
    try:
        loaded = torch.load(path, map_location="cpu", weights_only=True)
    except FileNotFoundError:
        raise ModelFileError(f"{path}: model file not found") from None
    except Exception as error:  # torch.load raises many kinds on bad bytes or refused types
        message = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise ModelFileError(f"{path}: not a readable trained model ({message})") from None
    if not isinstance(loaded, dict) or loaded.get("format") != MODEL_FORMAT:
        raise ModelFileError(f"{path}: not a model written by virnucpro train")
    if loaded.get("format_version") != FORMAT_VERSION:
        raise ModelFileError(
            f"{path}: model format version {loaded.get('format_version')} is not supported "
            f"(this version reads {FORMAT_VERSION}); upgrade virnucpro"
        )
    try:
        metadata = ModelMetadata(**loaded["metadata"])
    except (KeyError, TypeError) as error:
        raise ModelFileError(f"{path}: the model's metadata is incomplete ({error})") from None
    return loaded["state_dict"], metadata


def trained_model_metadata(path: Path) -> ModelMetadata | None:
    """The metadata of ``path`` when it is a model written by ``virnucpro train``, else None
    (a published classifier, a bare state dict; their loader reports what is wrong with them).

    Raises:
        ModelFileError: the file is a trained model of an unsupported version or incomplete.
    """
    import torch

    try:
        loaded = torch.load(Path(path), map_location="cpu", weights_only=True)
    except Exception:  # not loadable as plain data: not a trained model
        return None
    if not isinstance(loaded, dict) or loaded.get("format") != MODEL_FORMAT:
        return None
    return read_trained_model(path)[1]


def embedding_model_names(dnabert: str, esm: str, demo: bool) -> tuple[str, str]:
    """How a model file names the embedding models of a run: ``demo`` for a demo model (of the
    model cache's demo folder, in a ``demo`` run), an existing local path made absolute,
    anything else (a hub id, a fair-esm name) as given (a model given explicitly with
    ``--demo`` is named as without it)."""
    return _model_name(dnabert, demo), _model_name(esm, demo)


def _model_name(spec: str, demo: bool) -> str:
    path = Path(spec)
    if demo and path.parent.name == DEMO_MODELS_FOLDER:
        return DEMO_MODELS
    return str(path.resolve()) if path.exists() else spec


def model_mismatches(
    metadata: ModelMetadata, chunk_length: int, dnabert: str, esm: str
) -> list[str]:
    """How a run's chunk length and embedding models differ from the model's (empty: none)."""
    wanted = {"chunk length": chunk_length, "DNABERT-S model": dnabert, "ESM-2 model": esm}
    has = {"chunk length": metadata.chunk_length, "DNABERT-S model": metadata.dnabert,
           "ESM-2 model": metadata.esm}
    return [f"{name} {has[name]!r} (the run uses {wanted[name]!r})"
            for name in wanted if has[name] != wanted[name]]


def check_model_fits(
    path: Path, metadata: ModelMetadata, chunk_length: int, dnabert: str, esm: str,
    *, allow_mismatch: bool = False,
) -> list[str]:
    """Refuse a model trained for another chunk length or other embedding models.

    Returns the mismatches (to log as warnings) when ``allow_mismatch`` is set.

    Raises:
        UsageError: a mismatch, unless ``allow_mismatch``.
    """
    mismatches = model_mismatches(metadata, chunk_length, dnabert, esm)
    if mismatches and not allow_mismatch:
        raise UsageError(
            f"{path}: the model was trained with " + "; ".join(mismatches)
            + ": run with the model's settings (leave out -l to take its chunk length; its "
            "--dnabert, --esm or --demo), or add --allow-model-mismatch if you know better"
        )
    return mismatches
