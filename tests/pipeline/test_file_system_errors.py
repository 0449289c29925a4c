"""Refusals of the file system (full disk, quota, permissions, read-only, vanished folder):
exit status 7, one line naming the file and the fix, nothing half-written, and ``--resume``
once the cause is gone gives the results of an uninterrupted run."""

from __future__ import annotations

import builtins
import errno
import io
import shutil
import subprocess
from pathlib import Path

import pytest
import torch
from demo_runs import EXAMPLE, output_files, predict_command

from virnucpro import atomic
from virnucpro.cli import main

PAGE = 4096


def error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("error:")]


@pytest.fixture
def small_disk(tmp_path, uninterrupted):
    """A tmpfs too small for the run: about 70% of the pages its outputs need (the run fills
    it during feature extraction); skipped where tmpfs cannot be mounted (not root, no
    CAP_SYS_ADMIN)."""
    pages = sum(-(-len(data) // PAGE) for data in uninterrupted.values())
    mount_point = tmp_path / "small-disk"
    mount_point.mkdir()
    try:
        mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={pages * 7 // 10 * 4}k",
                                  "tmpfs", str(mount_point)], capture_output=True, text=True)
    except FileNotFoundError:
        pytest.skip("no mount command to make a small tmpfs")
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {mounted.stderr.strip()}")
    yield mount_point
    subprocess.run(["umount", "-l", str(mount_point)], check=False)


@pytest.mark.slow
def test_a_full_disk_exits_7_naming_the_file_and_resume_finishes_the_run(
    small_disk, model_cache_dir, uninterrupted
):
    out = small_disk / "out"
    full = subprocess.run(predict_command(out, model_cache_dir), capture_output=True,
                          text=True, stdin=subprocess.DEVNULL, timeout=300)

    assert full.returncode == 7, full.stderr
    errors = error_lines(full.stderr)
    assert len(errors) == 1, full.stderr
    assert f"error: {out}/" in errors[0] and ": no space left on the device;" in errors[0]
    assert "--resume" in errors[0] and "Traceback" not in full.stderr
    assert not list(out.rglob("*.tmp")), "no temporary file is left behind"
    written = output_files(out)
    assert written and len(written) < len(uninterrupted)
    for name, data in written.items():
        assert data == uninterrupted[name], f"{name} is half-written under its final name"

    subprocess.run(["mount", "-o", "remount,size=16m", str(small_disk)], check=True)
    resumed = subprocess.run(predict_command(out, model_cache_dir, "--resume"),
                             capture_output=True, text=True, stdin=subprocess.DEVNULL,
                             timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    assert output_files(out) == uninterrupted


def refusing_open(refused_name: str, error: OSError | None = None, before=None):
    """An ``open`` for ``virnucpro.atomic`` that refuses the temporary file of
    ``refused_name`` with ``error`` (after calling ``before``); other files open normally."""
    def fake_open(path, *args, **kwargs):
        if Path(path).name.startswith(f".{refused_name}."):
            if before is not None:
                before()
            if error is not None:
                raise error
        return builtins.open(path, *args, **kwargs)
    return fake_open


REFUSALS = {
    "permission denied": (errno.EACCES, "permission denied; fix the permissions of that folder "
                                        "or choose another --output-dir, then run the same "
                                        "command with --resume"),
    "read-only file system": (errno.EROFS, "read-only file system; choose another --output-dir "
                                           "on a writable file system"),
    "quota exceeded": (errno.EDQUOT, "disk quota exceeded; free space within your quota"),
}


@pytest.mark.parametrize("refusal", list(REFUSALS))
def test_a_refused_write_exits_7_with_one_line_naming_the_final_file(
    refusal, tmp_path, model_cache_dir, monkeypatch, capsys
):
    code, advice = REFUSALS[refusal]
    out = tmp_path / "out"
    chunks = out / "example_chunked500.fa"
    monkeypatch.setattr(atomic, "open", refusing_open(
        chunks.name, OSError(code, "refused", str(out / f".{chunks.name}.1.tmp"))), raising=False)

    status = main(["predict", str(EXAMPLE), "-o", str(out), "--demo", "--cache-dir",
                   str(model_cache_dir), "--no-progress"])

    stderr = capsys.readouterr().err
    assert status == 7, stderr
    errors = error_lines(stderr)
    assert len(errors) == 1 and errors[0].startswith(f"error: {chunks}: {advice}"), stderr
    assert "PIPELINE SUMMARY" not in stderr, "no stage finished: the error line only"
    assert not chunks.exists() and not list(out.rglob("*.tmp"))


def test_an_output_folder_that_vanishes_during_the_run_exits_7(
    tmp_path, model_cache_dir, monkeypatch, capsys
):
    out = tmp_path / "out"
    monkeypatch.setattr(atomic, "open", refusing_open(
        "example_chunked500.fa", before=lambda: shutil.rmtree(out)), raising=False)

    status = main(["predict", str(EXAMPLE), "-o", str(out), "--demo", "--cache-dir",
                   str(model_cache_dir), "--no-progress"])

    errors = error_lines(capsys.readouterr().err)
    assert status == 7
    assert errors == [f"error: {out}: the output folder vanished during the run (deleted, "
                      "moved or unmounted); run the command again"]


class _FullDisk(io.BufferedWriter):
    def write(self, data):
        raise OSError(errno.ENOSPC, "No space left on device")


def test_torch_save_on_a_full_disk_raises_the_os_error_and_leaves_nothing(tmp_path, monkeypatch):
    final = tmp_path / "features.pt"
    monkeypatch.setattr(atomic, "open", lambda path, mode: _FullDisk(io.FileIO(path, mode)),
                        raising=False)
    with pytest.raises(OSError) as raised:
        atomic.atomic_torch_save({"ids": ["a"], "data": torch.ones(2, 3)}, final)
    assert raised.value.errno == errno.ENOSPC and raised.value.filename == str(final)
    assert list(tmp_path.iterdir()) == []


def test_torch_save_writes_the_bytes_torch_writes_to_a_file(tmp_path):
    features = {"ids": ["a", "b"], "data": torch.arange(6.0).reshape(2, 3)}
    atomic.atomic_torch_save(features, tmp_path / "new.pt")
    with open(tmp_path / "direct.pt", "wb") as handle:
        torch.save(features, handle)
    assert (tmp_path / "new.pt").read_bytes() == (tmp_path / "direct.pt").read_bytes()
