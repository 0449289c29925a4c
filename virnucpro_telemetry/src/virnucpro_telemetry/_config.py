"""Switches read once from the environment when the package is imported."""

import os

_OFF_WORDS = frozenset({"0", "false", "no", "off"})
_ON_WORDS = frozenset({"1", "true", "yes", "on"})


def _env_flag(variable: str, default: bool) -> bool:
    """Read a yes/no environment variable; anything unrecognised keeps the default."""
    value = os.environ.get(variable, "").strip().lower()
    if value in _OFF_WORDS:
        return False
    if value in _ON_WORDS:
        return True
    return default


# VIRNUCPRO_TELEMETRY=0: timed_stage returns the function itself, so "off" costs nothing.
TELEMETRY_ON = _env_flag("VIRNUCPRO_TELEMETRY", True)

# VIRNUCPRO_NVTX=1: every stage opens an NVTX range (for Nsight Systems) unless nvtx=False.
NVTX_DEFAULT = _env_flag("VIRNUCPRO_NVTX", False)
