"""Inputs that are streams (``-``, pipes, process substitutions), directories and bad paths."""

from __future__ import annotations

import hashlib
import io
import logging
import os
import threading
from pathlib import Path

import pytest

from virnucpro.errors import InputError, UsageError
from virnucpro.input_files import (
    check_input,
    is_spooled,
    is_stream,
    read_stream_input,
    spool_path,
    spool_stream,
)
from virnucpro.paths import RunPaths

FASTA = b">one\nACGTACGT\n>two\nTTTT\n"


@pytest.fixture
def fifo(tmp_path):
    """A named pipe that a thread fills with ``FASTA`` once it is opened for reading."""
    path = tmp_path / "pipe"
    os.mkfifo(path)

    def fill() -> None:
        with open(path, "wb") as writer:
            writer.write(FASTA)

    writer = threading.Thread(target=fill, daemon=True)
    writer.start()
    yield path
    writer.join(timeout=60)


@pytest.fixture
def pipe_path():
    """``/dev/fd/N`` of a pipe holding ``FASTA`` (what ``<(cat x.fa)`` gives a command)."""
    reader, writer = os.pipe()
    os.write(writer, FASTA)
    os.close(writer)
    yield Path(f"/dev/fd/{reader}")
    os.close(reader)


def test_dash_pipes_and_character_devices_are_streams_files_are_not(tmp_path, pipe_path):
    regular = tmp_path / "x.fa"
    regular.write_bytes(FASTA)
    assert is_stream("-") and is_stream(Path("-"))
    assert is_stream(pipe_path)
    assert is_stream("/dev/null")  # a character device, as /dev/stdin on a terminal
    assert not is_stream(regular) and not is_stream(tmp_path) and not is_stream(tmp_path / "no")


def test_a_directory_is_named_as_one_not_as_missing(tmp_path):
    with pytest.raises(InputError, match="is a directory, not a FASTA file"):
        check_input(tmp_path)
    with pytest.raises(InputError, match="input file not found"):
        check_input(tmp_path / "missing.fa")


def test_a_stream_is_refused_where_the_command_takes_files_only(pipe_path):
    with pytest.raises(UsageError, match="cannot be read here.*save the stream to a file"):
        check_input(pipe_path)
    check_input(pipe_path, streams=True)


def test_standard_input_on_a_terminal_is_refused(monkeypatch):
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr("sys.stdin", Terminal())
    with pytest.raises(UsageError, match="standard input, which is a terminal"):
        check_input(Path("-"), streams=True)


def test_spooling_copies_the_bytes_and_hashes_them_as_read(tmp_path, fifo):
    destination = tmp_path / "out" / ".virnucpro-input" / "stdin.fa"
    spooled = spool_stream(fifo, destination)
    assert spooled.path == destination and destination.read_bytes() == FASTA
    assert spooled.sha256 == hashlib.sha256(FASTA).hexdigest() and spooled.size == len(FASTA)
    assert sorted(p.name for p in destination.parent.iterdir()) == ["stdin.fa"], "no temp file"


def test_an_interrupted_spool_leaves_no_copy(tmp_path, monkeypatch):
    class Broken(io.BytesIO):
        def read(self, size=-1):
            raise KeyboardInterrupt

    monkeypatch.setattr("virnucpro.input_files._open_stream", lambda source: Broken())
    destination = spool_path(tmp_path)
    with pytest.raises(KeyboardInterrupt):
        spool_stream(Path("-"), destination)
    assert list(destination.parent.iterdir()) == []


def test_standard_input_is_read_through_its_descriptor(tmp_path, monkeypatch):
    reader, writer = os.pipe()
    os.write(writer, FASTA)
    os.close(writer)
    with open(reader, "rb") as stdin:
        monkeypatch.setattr("sys.stdin", io.TextIOWrapper(stdin))
        spooled = spool_stream(Path("-"), spool_path(tmp_path))
    assert spooled.path.read_bytes() == FASTA


def test_a_stream_run_reads_its_copy_named_stdin(tmp_path, pipe_path, caplog):
    paths = RunPaths(pipe_path, tmp_path / "out", 500)
    with caplog.at_level(logging.INFO, logger="virnucpro"):
        spooled = read_stream_input(paths, resume=True)
    assert spooled.input_fasta == spool_path(paths.output_dir) and is_spooled(spooled.input_fasta)
    assert spooled.input_fasta.read_bytes() == FASTA
    assert spooled.stem == "stdin" and spooled.output_dir == paths.output_dir
    assert f"checked by the SHA-256 of the bytes read now ({hashlib.sha256(FASTA).hexdigest()})" \
        in caplog.text


def test_a_file_run_keeps_its_paths(tmp_path):
    regular = tmp_path / "x.fa"
    regular.write_bytes(FASTA)
    paths = RunPaths(regular, tmp_path / "out", 500)
    assert read_stream_input(paths, resume=False) is paths
    assert not (tmp_path / "out").exists()


def test_an_empty_stream_is_refused_and_leaves_no_copy(tmp_path):
    reader, writer = os.pipe()
    os.close(writer)
    try:
        paths = RunPaths(Path(f"/dev/fd/{reader}"), tmp_path / "out", 500)
        with pytest.raises(InputError, match="no data was read"):
            read_stream_input(paths, resume=False)
    finally:
        os.close(reader)
    assert list((tmp_path / "out").iterdir()) == []
