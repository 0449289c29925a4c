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
import warnings
from pathlib import Path

from virnucpro.errors import ModelFileError

logger = logging.getLogger(__name__)

MODEL_URL = "https://dl.fbaipublicfiles.com/fair-esm/models/{name}.pt"
REGRESSION_URL = "https://dl.fbaipublicfiles.com/fair-esm/regression/{name}-contact-regression.pt"
REGRESSION_SUFFIX = "-contact-regression.pt"
# The only non-tensor types the published checkpoints pickle.
ALLOWED_GLOBALS = (argparse.Namespace,)


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
    name = path.stem
    if not name.startswith("esm2"):
        raise ModelFileError(f"{path}: only ESM-2 checkpoints are supported, and fair-esm "
                             "recognises them by a file name starting with 'esm2'")
    model_data = safe_torch_load(path)
    regression_data = _read_regression(path)
    model, alphabet = _build(name, path, model_data, regression_data)
    logger.info("ESM-2 loaded from %s (%d layers, width %d)", path, model.num_layers,
                model.embed_dim)
    return model.eval(), alphabet


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


def safe_torch_load(path: Path):
    """``torch.load(weights_only=True)`` allowing :data:`ALLOWED_GLOBALS` for this call only.

    Raises:
        ModelFileError: the file is missing, corrupt, or pickles any other type.
    """
    import torch

    try:
        with torch.serialization.safe_globals(list(ALLOWED_GLOBALS)):
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

    if not (isinstance(model_data, dict) and "model" in model_data and "cfg" in model_data):
        raise ModelFileError(f"{path} is not a fair-esm ESM-2 checkpoint "
                             "(expected the keys 'model' and 'cfg')")
    try:
        with warnings.catch_warnings():
            # fair-esm warns when the contact-regression weights are absent; logged above.
            warnings.filterwarnings("ignore", message="Regression weights not found")
            return load_model_and_alphabet_core(name, model_data, regression_data)
    except (KeyError, AttributeError, TypeError, ValueError, RuntimeError) as error:
        raise ModelFileError(f"{path} does not fit the ESM-2 architecture: {error}") from error
