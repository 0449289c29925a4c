"""The published VirNucPro classifiers: download once, verify by git blob id, cache."""

from __future__ import annotations

import hashlib
import logging
import urllib.error
import urllib.request
from pathlib import Path

from virnucpro.atomic import atomic_open
from virnucpro.config import hub_offline
from virnucpro.errors import ModelFileError

logger = logging.getLogger(__name__)

PUBLISHED_URL = "https://raw.githubusercontent.com/Li-Jing-1997/VirNucPro/main/{name}"

# chunk length -> (file name in the published repository, its git blob id)
PUBLISHED_CLASSIFIERS = {
    300: ("300_model.pth", "a0b5b85e7c1e44f00cde146d091beb82b2c8e855"),
    500: ("500_model.pth", "fc35d5ef9f1f4564eea7036f34f4f8ec6000d33d"),
}


def git_blob_id(data: bytes) -> str:
    """The id git gives a file with these contents (``git hash-object``)."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def _download(url: str) -> bytes:
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            return response.read()
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        raise ModelFileError(
            f"could not download the published classifier from {url} ({error}); on a machine "
            "without internet access, copy the file there and pass its path with -m PATH"
        ) from None


def fetch_published_classifier(chunk_length: int, cache_dir: Path) -> Path:
    """The local path of the published classifier for ``chunk_length``, downloading it once.

    Raises:
        ModelFileError: not cached while ``HF_HUB_OFFLINE`` is set, the download failed, or
            the file's git blob id is not the published one.
    """
    name, blob_id = PUBLISHED_CLASSIFIERS[chunk_length]
    target = Path(cache_dir) / "classifiers" / name
    if target.is_file() and git_blob_id(target.read_bytes()) == blob_id:
        return target
    url = PUBLISHED_URL.format(name=name)
    if hub_offline():
        raise ModelFileError(
            f"the published {chunk_length} bp classifier is not in the model cache ({target}) "
            f"and HF_HUB_OFFLINE is set: download {url} on a machine with internet access and "
            "pass it with -m PATH (or put it at that cache path)"
        )
    logger.info("Downloading the published %d bp classifier from %s", chunk_length, url)
    data = _download(url)
    found = git_blob_id(data)
    if found != blob_id:
        raise ModelFileError(
            f"{url}: downloaded file has git blob id {found}, expected {blob_id}; not using it"
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    with atomic_open(target, "wb") as handle:
        handle.write(data)
    return target
