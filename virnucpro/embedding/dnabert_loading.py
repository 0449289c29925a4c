"""Load DNABERT-S from a model-hub id or a local directory, without running any hub code.

A model directory holds ``config.json``, ``tokenizer.json`` (with ``tokenizer_config.json``)
and the weights as ``model.safetensors`` or ``pytorch_model.bin``. A hub id is downloaded
into the Hugging Face cache with ``huggingface_hub`` first; ``trust_remote_code`` is never used:
the encoder is :class:`~virnucpro.embedding.dnabert_s.DNABertS` and the tokenizer is the
repository's ``tokenizer.json`` read by ``transformers.AutoTokenizer``.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from virnucpro.config import hub_offline
from virnucpro.embedding.dnabert_s import DEFAULTS, DNABertS, encoder_state_dict
from virnucpro.errors import ModelFileError

logger = logging.getLogger(__name__)

CONFIG_FILE = "config.json"
TOKENIZER_FILE = "tokenizer.json"
SAFETENSORS_FILE = "model.safetensors"
PYTORCH_FILE = "pytorch_model.bin"
# Small files fetched from the hub besides the weights (absent ones are skipped).
_HUB_FILES = [CONFIG_FILE, TOKENIZER_FILE, "tokenizer_config.json", "special_tokens_map.json"]
# Config keys the encoder needs; the others take the published DNABERT-S values.
_REQUIRED_KEYS = ("vocab_size", "hidden_size", "num_hidden_layers", "num_attention_heads",
                  "intermediate_size")


def load_dnabert_s(source: str | Path, cache_dir: Path | None = None):
    """The DNABERT-S encoder (eval mode, CPU, fp32) and its tokenizer.

    Args:
        source: a local model directory, or a hub id such as ``zhihan1996/DNABERT-S``.
        cache_dir: model cache root; hub downloads go to its ``huggingface`` folder (None: the
            default Hugging Face cache).

    Returns:
        ``(model, tokenizer)``.

    Raises:
        ModelFileError: a file is missing, unreadable or does not fit the architecture, or
            the hub id cannot be downloaded.
    """
    directory = resolve_model_dir(source, cache_dir)
    model = DNABertS(read_config(directory / CONFIG_FILE))
    weights_path, state_dict = read_weights(directory)
    try:
        model.load_state_dict(state_dict)
    except RuntimeError as error:
        raise ModelFileError(f"{weights_path} does not fit the DNABERT-S architecture "
                             f"described by {directory / CONFIG_FILE}: {error}") from error
    tokenizer = load_tokenizer(directory)
    logger.info("DNABERT-S loaded from %s (%s)", directory, weights_path.name)
    return model.eval(), tokenizer


def check_dnabert_s(source: str | Path, cache_dir: Path | None = None) -> int:
    """Check, cheaply, that :func:`load_dnabert_s` will load ``source``; its hidden size.

    The folder is found (a hub id downloaded once when not cached); ``config.json`` is read,
    ``tokenizer.json`` parsed, and the weights' names and shapes (a safetensors header, or a
    ``pytorch_model.bin`` memory-mapped through the same weights-only unpickler) checked
    against the architecture built on the meta device, so no weight is read into memory.

    Raises:
        ModelFileError: what :func:`load_dnabert_s` would raise on the same folder.
    """
    import torch

    directory = resolve_model_dir(source, cache_dir)
    config = read_config(directory / CONFIG_FILE)
    weights_path, shapes = _weight_shapes(directory)
    with torch.device("meta"):
        encoder = DNABertS(config)
    expected = {name: tuple(value.shape) for name, value in encoder.state_dict().items()}
    found = encoder_state_dict(shapes)
    problems = sorted(set(expected) ^ set(found)) or [
        name for name in expected if tuple(found[name]) != expected[name]]
    if problems:
        raise ModelFileError(f"{weights_path} does not fit the DNABERT-S architecture described "
                             f"by {directory / CONFIG_FILE}: {', '.join(problems[:3])}"
                             f"{' ...' if len(problems) > 3 else ''}")
    _check_tokenizer_file(directory / TOKENIZER_FILE)
    return int(config["hidden_size"])


def _weight_shapes(directory: Path) -> tuple[Path, dict[str, tuple[int, ...]]]:
    """``(path, {name: shape})`` of the weights :func:`read_weights` would read, read lazily."""
    safetensors_path = directory / SAFETENSORS_FILE
    if safetensors_path.is_file():
        from safetensors import SafetensorError, safe_open

        try:
            with safe_open(str(safetensors_path), framework="pt") as handle:
                return safetensors_path, {name: tuple(handle.get_slice(name).get_shape())
                                          for name in handle.keys()}  # noqa: SIM118
        except (SafetensorError, OSError, ValueError) as error:
            raise ModelFileError(f"cannot read DNABERT-S weights {safetensors_path}: "
                                 f"{error}") from error
    path, state_dict = read_weights(directory, mmap=True)
    return path, {name: tuple(value.shape) for name, value in state_dict.items()}


def _check_tokenizer_file(path: Path) -> None:
    """``tokenizer.json`` exists and the tokenizers library parses it (no transformers import)."""
    if not path.is_file():
        raise ModelFileError(f"DNABERT-S tokenizer not found: {path}")
    from tokenizers import Tokenizer

    try:
        Tokenizer.from_file(str(path))
    except Exception as error:  # the Rust tokenizers parser raises plain Exception
        raise ModelFileError(f"cannot load the DNABERT-S tokenizer {path}: "
                             f"{str(error).splitlines()[0] if str(error) else error!r}") from error


def resolve_model_dir(source: str | Path, cache_dir: Path | None = None) -> Path:
    """``source`` itself when it is a directory, else the local snapshot of that hub id."""
    path = Path(source).expanduser()
    if path.is_dir():
        return path
    if path.exists() or str(source).count("/") != 1 or str(source).startswith((".", "/", "~")):
        raise ModelFileError(f"DNABERT-S model {source!r} is neither a model directory "
                             "nor a model-hub id like zhihan1996/DNABERT-S")
    return download_from_hub(str(source), cache_dir)


def download_from_hub(repo_id: str, cache_dir: Path | None = None) -> Path:
    """Download the config, tokenizer and one weights file of ``repo_id``; the snapshot folder.

    ``cache_dir`` is the model cache root (see :func:`load_dnabert_s`).

    Safetensors weights are preferred; ``pytorch_model.bin`` is fetched only when the
    repository has no ``model.safetensors``.
    """
    from huggingface_hub import snapshot_download  # only a hub id needs it

    if cache_dir is not None:
        cache_dir = Path(cache_dir) / "huggingface"

    try:
        folder = Path(snapshot_download(repo_id, allow_patterns=[*_HUB_FILES, SAFETENSORS_FILE],
                                        cache_dir=cache_dir))
        if not (folder / SAFETENSORS_FILE).is_file():
            folder = Path(snapshot_download(repo_id, allow_patterns=[*_HUB_FILES, PYTORCH_FILE],
                                            cache_dir=cache_dir))
    except (OSError, ValueError) as error:  # hub HTTP and offline errors are OSErrors
        reason = ("HF_HUB_OFFLINE is set and it is not in the cache" if hub_offline()
                  else (str(error).strip().splitlines() or [type(error).__name__])[0])
        raise ModelFileError(
            f"cannot download DNABERT-S {repo_id!r} from the model hub ({reason}); on a machine "
            "without internet access pass a local model directory with --dnabert, or use --demo"
        ) from error
    return folder


def read_config(path: Path) -> dict:
    """The :class:`DNABertS` configuration from a hub ``config.json``.

    Raises:
        ModelFileError: the file is missing, not JSON, or lacks a required key.
    """
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise ModelFileError(f"DNABERT-S config not found: {path}") from error
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ModelFileError(f"cannot read DNABERT-S config {path}: {error}") from error
    if not isinstance(raw, dict):
        raise ModelFileError(f"{path} is not a JSON object")
    missing = [key for key in _REQUIRED_KEYS if key not in raw]
    if missing:
        raise ModelFileError(f"{path} lacks {', '.join(missing)}")
    config = {key: raw.get(key, default) for key, default in DEFAULTS.items()}
    if raw.get("pad_token_id") is None:
        config["pad_token_id"] = DEFAULTS["pad_token_id"]
    return config


def read_weights(directory: Path, *, mmap: bool = False):
    """``(path, state_dict)`` from ``model.safetensors``, else ``pytorch_model.bin``.

    The ``.bin`` file is read with ``torch.load(weights_only=True)``: plain tensors only
    (``mmap``: mapped, not read, when it is in torch's zip format).

    Raises:
        ModelFileError: neither file exists, or the one present cannot be read.
    """
    safetensors_path = directory / SAFETENSORS_FILE
    pytorch_path = directory / PYTORCH_FILE
    if safetensors_path.is_file():
        return safetensors_path, _read_safetensors(safetensors_path)
    if pytorch_path.is_file():
        return pytorch_path, _read_pytorch(pytorch_path, mmap=mmap)
    raise ModelFileError(f"no DNABERT-S weights in {directory}: "
                         f"expected {SAFETENSORS_FILE} or {PYTORCH_FILE}")


def _read_safetensors(path: Path) -> dict:
    """Tensors of a safetensors file."""
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    try:
        return load_file(str(path), device="cpu")
    except (SafetensorError, OSError, ValueError) as error:
        raise ModelFileError(f"cannot read DNABERT-S weights {path}: {error}") from error


def _read_pytorch(path: Path, *, mmap: bool = False) -> dict:
    """Tensors of a ``pytorch_model.bin``, loaded with ``weights_only=True``."""
    import pickle
    import zipfile

    import torch

    try:
        state_dict = torch.load(path, map_location="cpu", weights_only=True,
                                mmap=mmap and zipfile.is_zipfile(path))
    except (pickle.UnpicklingError, RuntimeError, OSError, EOFError, ValueError) as error:
        raise ModelFileError(f"cannot read DNABERT-S weights {path} "
                             f"(only plain tensors are allowed): {error}") from error
    if not isinstance(state_dict, dict) or not all(
        isinstance(value, torch.Tensor) for value in state_dict.values()
    ):
        raise ModelFileError(f"{path} is not a state dict of tensors")
    return state_dict


def load_tokenizer(directory: Path):
    """The tokenizer of ``directory/tokenizer.json`` through ``transformers.AutoTokenizer``.

    Raises:
        ModelFileError: ``tokenizer.json`` is missing or cannot be loaded.
    """
    path = directory / TOKENIZER_FILE
    if not path.is_file():
        raise ModelFileError(f"DNABERT-S tokenizer not found: {path}")
    from transformers import AutoTokenizer  # heavy import, only when a model is loaded

    try:
        tokenizer = AutoTokenizer.from_pretrained(str(directory), trust_remote_code=False)
    except Exception as error:  # the Rust tokenizers parser raises plain Exception
        raise ModelFileError(f"cannot load the DNABERT-S tokenizer {path}: {error}") from error
    return tokenizer
