"""Progress bars for long stages: tqdm on stderr, shown only when stderr is a terminal."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from typing import Any

from tqdm import tqdm


def progress_bar(
    iterable: Iterable | None = None,
    *,
    total: int | None = None,
    desc: str = "",
    unit: str = "seq",
    enabled: bool = True,
) -> Any:
    """A tqdm bar on stderr; disabled when ``enabled`` is False or stderr is not a terminal."""
    show = enabled and sys.stderr.isatty()
    return tqdm(
        iterable,
        total=total,
        desc=desc,
        unit=unit,
        file=sys.stderr,
        disable=not show,
        dynamic_ncols=True,
        leave=False,
        unit_scale=True,
    )
