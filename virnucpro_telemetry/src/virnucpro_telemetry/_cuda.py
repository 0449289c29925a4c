"""CUDA synchronisation, peak-memory tracking and NVTX ranges, all through an imported torch.

The package never imports torch: it looks in ``sys.modules``, so programs that do not use torch
pay one dictionary lookup per stage call, and CPU-only runs never touch the device.
"""

from __future__ import annotations

import sys
from contextlib import suppress

from ._errors import TelemetryError
from ._frame import Frame


def check_sync_mode(sync_cuda: object) -> None:
    """Reject a ``sync_cuda`` option other than "auto", True or False."""
    if not (sync_cuda == "auto" or isinstance(sync_cuda, bool)):
        raise TelemetryError(
            f"sync_cuda={sync_cuda!r} is not an option: use sync_cuda='auto' (synchronise when "
            "CUDA is initialised), True (whenever CUDA is available) or False (never)"
        )


def cuda_for(sync_cuda: object):
    """Return ``torch.cuda`` when a stage with this ``sync_cuda`` option must use it, else None.

    "auto" needs torch imported and CUDA already initialised; True needs torch imported and a
    CUDA device available (and may initialise CUDA); False never uses the device.
    """
    torch = sys.modules.get("torch")
    if torch is None or sync_cuda is False:
        return None
    cuda = torch.cuda
    if sync_cuda == "auto":
        return cuda if cuda.is_initialized() else None
    return cuda if cuda.is_available() else None


def enter(cuda, frame: Frame) -> None:
    """Synchronise and start this stage's peak-memory window, keeping the parent's peak so far.

    The device keeps one peak counter; resetting it here would lose what the enclosing stage
    allocated before, so that peak is first folded into the parent frame.
    """
    cuda.synchronize()
    parent = frame.parent
    if parent is not None:
        fold_peak(parent, cuda.max_memory_allocated())
    cuda.reset_peak_memory_stats()


def leave(cuda, frame: Frame, failed: bool) -> None:
    """Synchronise (unless the stage failed) and record the stage's peak allocated memory."""
    if failed:
        # A failed stage may have left the device in an error state; reading the peak is still
        # useful (e.g. after an out-of-memory error) but must not mask the original exception.
        with suppress(RuntimeError):
            fold_peak(frame, cuda.max_memory_allocated())
        return
    cuda.synchronize()
    fold_peak(frame, cuda.max_memory_allocated())


def fold_peak(frame: Frame, peak: int) -> None:
    """Raise the recorded peak of a frame (or a stage tally) to ``peak`` if that is higher."""
    current = frame.peak_gpu_bytes
    if current is None or peak > current:
        frame.peak_gpu_bytes = peak


# (torch module, whether its build can open NVTX ranges), checked once per torch module.
_nvtx_usable: list = [None, False]


def nvtx_push(name: str) -> bool:
    """Open an NVTX range named after the stage; return whether one was opened."""
    torch = sys.modules.get("torch")
    if torch is None:
        return False
    if _nvtx_usable[0] is not torch:
        _nvtx_usable[:] = [torch, bool(torch.cuda.is_available())]
    if not _nvtx_usable[1]:
        return False
    torch.cuda.nvtx.range_push(name)
    return True


def nvtx_pop() -> None:
    """Close the NVTX range opened by ``nvtx_push``."""
    sys.modules["torch"].cuda.nvtx.range_pop()
