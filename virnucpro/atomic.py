"""Write files under a temporary name and rename them into place once complete.

A reader (or a resumed run) therefore sees either the whole file or no file, never a half.
"""

from __future__ import annotations

import contextlib
import io
import os
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any


def temporary_path(final_path: Path) -> Path:
    """A hidden sibling of ``final_path`` unique to this process."""
    return final_path.with_name(f".{final_path.name}.{os.getpid()}.tmp")


@contextlib.contextmanager
def atomic_open(final_path: Path, mode: str = "w", **open_kwargs: Any) -> Iterator[IO]:
    """Open a temporary sibling for writing; on success rename it to ``final_path``.

    On any exception the temporary file is removed and ``final_path`` is left untouched; an
    ``OSError`` of a write (a full disk), which names no file, is given ``final_path``'s name.
    """
    final_path = Path(final_path)
    tmp = temporary_path(final_path)
    if "b" not in mode:
        open_kwargs.setdefault("encoding", "utf-8")
        open_kwargs.setdefault("newline", "\n")
    try:
        with open(tmp, mode, **open_kwargs) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, final_path)
    except BaseException as error:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        if isinstance(error, OSError) and error.filename is None:
            error.filename = str(final_path)
        raise


def atomic_torch_save(obj: Any, final_path: Path) -> None:
    """``torch.save`` through :func:`atomic_open`.

    The object is serialised in memory first and its bytes written in one call: torch's own
    writer turns a failed write (a full disk) into ``RuntimeError: PytorchStreamWriter failed
    writing file``, which hides the ``OSError`` (and its errno) that the command line explains.
    The bytes are those ``torch.save`` writes to a file.
    """
    import torch  # only stages that already use torch call this

    buffer = io.BytesIO()
    torch.save(obj, buffer)
    with atomic_open(final_path, "wb") as handle:
        handle.write(buffer.getbuffer())
