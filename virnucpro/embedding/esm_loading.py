"""Load ESM-2 through fair-esm on current torch, with safe unpickling.

fair-esm's own loaders call ``torch.load`` without ``weights_only`` (which current torch
turns on by default, and which the checkpoints fail because they pickle an
``argparse.Namespace``), or with ``weights_only=False`` through ``torch.hub``. Here every
checkpoint is read with ``weights_only=True`` and only ``argparse.Namespace`` allowed, for
that one call; the model is then built by fair-esm's ``load_model_and_alphabet_core``.
"""

from __future__ import annotations

import argparse
import logging
import pickle
import re
import warnings
import zipfile
from pathlib import Path

from virnucpro.config import hub_offline
from virnucpro.errors import ModelFileError

logger = logging.getLogger(__name__)

MODEL_URL = "https://dl.fbaipublicfiles.com/fair-esm/models/{name}.pt"
REGRESSION_URL = "https://dl.fbaipublicfiles.com/fair-esm/regression/{name}-contact-regression.pt"
REGRESSION_SUFFIX = "-contact-regression.pt"
# The only non-tensor types the published checkpoints pickle.
ALLOWED_GLOBALS = (argparse.Namespace,)
# The prefixes of checkpoint weight names that fair-esm removes before loading an ESM-2.
_CHECKPOINT_PREFIX = re.compile(r"^(encoder\.sentence_encoder\.|encoder\.)")


def load_esm2(source: str | Path, cache_dir: Path | None = None):
    """An ESM-2 model (eval mode, CPU, fp32) and its alphabet.

    Args:
        source: a fair-esm model name (``esm2_t36_3B_UR50D``), downloaded on first use into
            torch's hub folder as fair-esm does, or the path of a local ``.pt`` checkpoint
            (its ``<stem>-contact-regression.pt`` sibling is read when present).
        cache_dir: model cache root; named models go to its ``esm`` folder (None: fair-esm's
            own ``$TORCH_HOME/hub/checkpoints``).

    Returns:
        ``(model, alphabet)``; the representation layer is ``model.num_layers``.

    Raises:
        ModelFileError: the checkpoint is missing, unreadable, holds disallowed types, is not
            an ESM-2 checkpoint, or cannot be downloaded.
    """
    path = resolve_checkpoint(source, cache_dir)
    name = _esm2_name(path)
    model_data = safe_torch_load(path)
    regression_data = _read_regression(path)
    model, alphabet = _build(name, path, model_data, regression_data)
    logger.info("ESM-2 loaded from %s (%d layers, width %d)", path, model.num_layers,
                model.embed_dim)
    return model.eval(), alphabet


def check_esm2(source: str | Path, cache_dir: Path | None = None) -> int:
    """Check, cheaply, that :func:`load_esm2` will load ``source``; its embedding width.

    The checkpoint is found (downloaded once when named and not cached), and read memory-mapped
    through the same allow-list unpickler: its form and its weights' names and shapes are
    checked against the architecture its ``cfg`` describes, built on the meta device, so no
    weight is read into memory (a 5.7 GB checkpoint is checked in seconds).

    Raises:
        ModelFileError: what :func:`load_esm2` would raise on the same file.
    """
    path = resolve_checkpoint(source, cache_dir)
    _esm2_name(path)
    model_data = safe_torch_load(path, mmap=True)
    cfg = _model_cfg(path, model_data)
    expected = _expected_shapes(cfg)
    if expected is not None:
        _check_shapes(path, _upgraded_shapes(model_data["model"]), expected)
    if regression_path(path).is_file():
        safe_torch_load(regression_path(path), mmap=True)
    return int(cfg.encoder_embed_dim)


def _esm2_name(path: Path) -> str:
    """The model name fair-esm reads from the file name (it must start with ``esm2``)."""
    if not path.stem.startswith("esm2"):
        raise ModelFileError(f"{path}: only ESM-2 checkpoints are supported, and fair-esm "
                             "recognises them by a file name starting with 'esm2'")
    return path.stem


def _model_cfg(path: Path, model_data) -> argparse.Namespace:
    """The ``cfg["model"]`` namespace of a fair-esm ESM-2 checkpoint."""
    if not (isinstance(model_data, dict) and "model" in model_data and "cfg" in model_data):
        raise ModelFileError(f"{path} is not a fair-esm ESM-2 checkpoint "
                             "(expected the keys 'model' and 'cfg')")
    cfg = model_data["cfg"].get("model") if isinstance(model_data["cfg"], dict) else None
    needed = ("encoder_layers", "encoder_embed_dim", "encoder_attention_heads")
    if not isinstance(cfg, argparse.Namespace) or not all(hasattr(cfg, n) for n in needed):
        raise ModelFileError(f"{path} does not fit the ESM-2 architecture: its cfg lacks "
                             f"{', '.join(needed)}")
    return cfg


def _upgraded_shapes(state_dict) -> dict[str, tuple[int, ...]]:
    """The weights' shapes under the names fair-esm gives them (checkpoint prefixes removed)."""
    if not isinstance(state_dict, dict):
        return {}
    return {_CHECKPOINT_PREFIX.sub("", name): tuple(value.shape)
            for name, value in state_dict.items() if hasattr(value, "shape")}


def _expected_shapes(cfg: argparse.Namespace) -> dict[str, tuple[int, ...]] | None:
    """Every weight's shape in the ESM-2 that ``cfg`` describes (built on the meta device)."""
    import torch
    from esm.model.esm2 import ESM2

    try:
        with torch.device("meta"):
            model = ESM2(num_layers=cfg.encoder_layers, embed_dim=cfg.encoder_embed_dim,
                         attention_heads=cfg.encoder_attention_heads, alphabet="ESM-1b",
                         token_dropout=getattr(cfg, "token_dropout", True))
    except Exception:  # noqa: BLE001 - an architecture the meta device cannot build: load checks
        return None
    return {name: tuple(value.shape) for name, value in model.state_dict().items()
            if not name.startswith("contact_head.")}


def _check_shapes(path: Path, found: dict, expected: dict) -> None:
    """Refuse a checkpoint that lacks a weight of the architecture or has one of another shape."""
    missing = sorted(name for name in expected if name not in found)
    if missing:
        raise ModelFileError(f"{path} does not fit the ESM-2 architecture: missing "
                             f"{', '.join(missing[:3])}{' ...' if len(missing) > 3 else ''}")
    for name, shape in expected.items():
        if found[name] != shape:
            raise ModelFileError(f"{path} does not fit the ESM-2 architecture: {name} has "
                                 f"shape {list(found[name])}, expected {list(shape)}")


def resolve_checkpoint(source: str | Path, cache_dir: Path | None = None) -> Path:
    """The local checkpoint path of ``source``, downloading a named model if needed."""
    text = str(source)
    path = Path(text).expanduser()
    if text.endswith(".pt") or path.is_file():
        if not path.is_file():
            raise ModelFileError(f"ESM-2 checkpoint not found: {path}")
        return path
    if not text.startswith("esm2_") or "/" in text:
        raise ModelFileError(f"{text!r} is neither an ESM-2 checkpoint file (.pt) nor a "
                             "fair-esm ESM-2 model name such as esm2_t36_3B_UR50D")
    folder = checkpoint_dir(cache_dir)
    checkpoint = download(MODEL_URL.format(name=text), folder / f"{text}.pt")
    download(REGRESSION_URL.format(name=text), folder / f"{text}{REGRESSION_SUFFIX}")
    return checkpoint


def checkpoint_dir(cache_dir: Path | None = None) -> Path:
    """Where named models are kept: fair-esm's own ``<torch hub dir>/checkpoints``."""
    if cache_dir is not None:
        return Path(cache_dir) / "esm"
    import torch

    return Path(torch.hub.get_dir()) / "checkpoints"


def download(url: str, destination: Path) -> Path:
    """Download ``url`` to ``destination`` unless it is already there."""
    if destination.is_file():
        return destination
    if hub_offline():
        raise ModelFileError(
            f"{destination} is not in the model cache and HF_HUB_OFFLINE is set: download it "
            f"from {url} on a machine with internet access, or pass a local checkpoint with "
            "--esm, or use --demo"
        )
    import torch

    destination.parent.mkdir(parents=True, exist_ok=True)
    logger.info("downloading %s to %s", url, destination)
    try:
        torch.hub.download_url_to_file(url, str(destination), progress=False)
    except (OSError, ValueError) as error:  # URLError and HTTPError are OSErrors
        raise ModelFileError(
            f"cannot download {url} ({error}); on a machine without internet access pass a "
            "local checkpoint with --esm, or use --demo"
        ) from error
    return destination


def safe_torch_load(path: Path, *, mmap: bool = False):
    """``torch.load(weights_only=True)`` allowing :data:`ALLOWED_GLOBALS` for this call only;
    ``mmap`` maps the tensors instead of reading them (a file of the old format is read).

    Raises:
        ModelFileError: the file is missing, corrupt, or pickles any other type.
    """
    import torch

    try:
        with torch.serialization.safe_globals(list(ALLOWED_GLOBALS)):
            if mmap and zipfile.is_zipfile(path):  # torch maps only its zip format
                return torch.load(path, map_location="cpu", weights_only=True, mmap=True)
            return torch.load(path, map_location="cpu", weights_only=True)
    except FileNotFoundError as error:
        raise ModelFileError(f"ESM-2 checkpoint file not found: {path}") from error
    except (pickle.UnpicklingError, RuntimeError, OSError, EOFError, ValueError) as error:
        raise ModelFileError(f"cannot read ESM-2 checkpoint {path} (only tensors and "
                             f"argparse.Namespace are allowed): {error}") from error


def regression_path(checkpoint: Path) -> Path:
    """The contact-regression sibling fair-esm expects: ``<stem>-contact-regression.pt``."""
    return checkpoint.with_name(checkpoint.stem + REGRESSION_SUFFIX)


def _read_regression(checkpoint: Path):
    """The contact-regression weights if present; embeddings do not use them."""
    from esm.pretrained import _has_regression_weights

    path = regression_path(checkpoint)
    if not _has_regression_weights(checkpoint.stem):
        return None
    if not path.is_file():
        logger.info("%s not found: contact prediction is unused, embeddings are unaffected", path)
        return None
    return safe_torch_load(path)


def _build(name: str, path: Path, model_data, regression_data):
    """Build the model with fair-esm's own state-dict upgrade and checks."""
    from esm.pretrained import load_model_and_alphabet_core

    _model_cfg(path, model_data)
    try:
        with warnings.catch_warnings():
            # fair-esm warns when the contact-regression weights are absent; logged above.
            warnings.filterwarnings("ignore", message="Regression weights not found")
            return load_model_and_alphabet_core(name, model_data, regression_data)
    except (KeyError, AttributeError, TypeError, ValueError, RuntimeError) as error:
        raise ModelFileError(f"{path} does not fit the ESM-2 architecture: {error}") from error
