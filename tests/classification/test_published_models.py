"""Download and verification of the published classifiers (the network is faked)."""

from __future__ import annotations

import subprocess

import pytest

from virnucpro.classification import published
from virnucpro.errors import ModelFileError


def test_git_blob_id_matches_git_hash_object(tmp_path):
    path = tmp_path / "file.bin"
    path.write_bytes(b"\x00\x01 some bytes\n")
    expected = subprocess.run(
        ["git", "hash-object", str(path)], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert published.git_blob_id(path.read_bytes()) == expected


def _serve(monkeypatch, data: bytes, blob_id: str) -> list[str]:
    requested: list[str] = []
    monkeypatch.setitem(published.PUBLISHED_CLASSIFIERS, 500, ("500_model.pth", blob_id))

    def fake_download(url: str) -> bytes:
        requested.append(url)
        return data

    monkeypatch.setattr(published, "_download", fake_download)
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)  # the tests' cache is offline
    return requested


def test_downloads_once_verifies_and_caches(tmp_path, monkeypatch):
    data = b"published weights"
    requested = _serve(monkeypatch, data, published.git_blob_id(data))

    first = published.fetch_published_classifier(500, tmp_path)
    second = published.fetch_published_classifier(500, tmp_path)

    assert first == second == tmp_path / "classifiers" / "500_model.pth"
    assert first.read_bytes() == data
    assert requested == [published.PUBLISHED_URL.format(name="500_model.pth")]


def test_a_file_with_another_blob_id_is_refused_and_not_cached(tmp_path, monkeypatch):
    _serve(monkeypatch, b"tampered", published.git_blob_id(b"original"))
    with pytest.raises(ModelFileError, match="git blob id"):
        published.fetch_published_classifier(500, tmp_path)
    assert not (tmp_path / "classifiers" / "500_model.pth").exists()


def test_the_real_blob_ids_are_the_published_ones():
    assert published.PUBLISHED_CLASSIFIERS[300][1] == "a0b5b85e7c1e44f00cde146d091beb82b2c8e855"
    assert published.PUBLISHED_CLASSIFIERS[500][1] == "fc35d5ef9f1f4564eea7036f34f4f8ec6000d33d"


def test_offline_a_classifier_not_cached_is_refused_without_a_download(tmp_path, monkeypatch):
    requested = _serve(monkeypatch, b"x", published.git_blob_id(b"x"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(ModelFileError, match="not in the model cache .* HF_HUB_OFFLINE is set"):
        published.fetch_published_classifier(300, tmp_path)
    assert requested == []
