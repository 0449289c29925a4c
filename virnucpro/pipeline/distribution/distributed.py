"""The ``torchrun`` building blocks: this rank's place, its device, collectives, work planning.

The run itself (which rank does what, when) is ``distribution.torchrun``. torch is
imported inside the functions that need it.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from virnucpro.embedding.feature_files import pending_splits
from virnucpro.errors import RankFailedError
from virnucpro.paths import RunLayout
from virnucpro.pipeline.distribution.rank_shares import assign_by_cost
from virnucpro.sequence.fasta import fasta_size
from virnucpro_telemetry import stage_name

logger = logging.getLogger(__name__)

# Ranks wait in collectives while rank 0 preprocesses and while the slowest rank extracts
# features; a dead rank is detected by torchrun, which then stops the others, so this is long.
COLLECTIVE_TIMEOUT = timedelta(hours=24)


@dataclass(frozen=True)
class World:
    """This process's place in a ``torchrun`` launch (a single process is rank 0 of 1)."""

    rank: int = 0
    size: int = 1
    local_rank: int = 0
    local_size: int = 1
    launched: bool = False

    @classmethod
    def from_environment(cls, environ: dict[str, str] | None = None) -> World:
        """Read the variables that ``torchrun`` sets; without them, a single process."""
        env = os.environ if environ is None else environ
        if "WORLD_SIZE" not in env or "RANK" not in env:
            return cls()
        return cls(
            rank=int(env["RANK"]),
            size=int(env["WORLD_SIZE"]),
            local_rank=int(env.get("LOCAL_RANK", 0)),
            local_size=int(env.get("LOCAL_WORLD_SIZE", env["WORLD_SIZE"])),
            launched=True,
        )

    @property
    def is_main(self) -> bool:
        return self.rank == 0


def rank_device(device: str, world: World) -> str:
    """The device of this rank: ``auto`` / ``cuda`` become ``cuda:LOCAL_RANK`` when CUDA exists."""
    import torch

    if device == "cuda" or (device == "auto" and torch.cuda.is_available()):
        return f"cuda:{world.local_rank}"
    return "cpu" if device == "auto" else device


def init_process_group(device: str, world: World) -> None:
    """NCCL for GPU ranks, gloo for CPU ranks; CPU ranks share the cores between them."""
    import torch
    import torch.distributed as dist

    if device.startswith("cuda"):
        torch.cuda.set_device(torch.device(device))
        backend = "nccl"
    else:
        torch.set_num_threads(max(1, (os.cpu_count() or 1) // world.local_size))
        backend = "gloo"
    dist.init_process_group(backend=backend, timeout=COLLECTIVE_TIMEOUT)


def take_all_cores(device: str) -> None:
    """Undo ``init_process_group``'s sharing of the cores on a CPU rank that now runs alone
    (rank 0 after the shared stages, the other ranks waiting): as many torch threads as a
    single process gets, so that its results are a single process's too."""
    import torch

    if not device.startswith("cuda"):
        torch.set_num_threads(os.cpu_count() or 1)


def broadcast_from_main(value: object) -> object:
    """Rank 0's ``value`` on every rank."""
    import torch.distributed as dist

    box = [value]
    dist.broadcast_object_list(box, src=0)
    return box[0]


def gather_to_main(value: object, world: World) -> list[object] | None:
    """Every rank's ``value``, in rank order, on rank 0 (None elsewhere)."""
    import torch.distributed as dist

    gathered: list[object] | None = [None] * world.size if world.is_main else None
    dist.gather_object(value, gathered, dst=0)
    return gathered


# feature stage name -> the split files of each rank, or None when a resumed run finished it
FeaturePlan = dict[str, list[list[int]] | None]
# the split FASTA file N and the feature file N of a feature stage
SplitFilesOf = tuple[Callable[[int], Path], Callable[[int], Path]]


def _spread_missing(layout: RunLayout, indices: list[int], files: SplitFilesOf, resume: bool,
                    ranks: int) -> list[list[int]]:
    source, output = files
    todo, _ = pending_splits(indices, output, resume, layout)
    return assign_by_cost({index: fasta_size(source(index)).residues for index in todo}, ranks)


def plan_feature_work(
    layout: RunLayout,
    stage_files: dict[Callable, SplitFilesOf],
    reused: Callable[[Callable], bool],
    resume: bool,
    ranks: int,
) -> FeaturePlan:
    """Spread the split files still missing features over the ranks, by residue count.

    Args:
        layout: the run's folder (its split files, and the record of the files written).
        stage_files: each feature stage (a ``@timed_stage`` function) and its files.
        reused: whether the run engine reuses a stage from its checkpoint (it gets None).
        resume: whether the run resumes (feature files written whole are then kept).
        ranks: how many ranks share the work.
    """
    indices = layout.split_indices()
    return {
        stage_name(stage): None if reused(stage)
        else _spread_missing(layout, indices, files, resume, ranks)
        for stage, files in stage_files.items()
    }


@dataclass
class RankOutcome:
    """What a rank reports back after its feature stages."""

    rank: int
    error: str | None
    snapshot: object


def failed_ranks_error(outcomes: list[RankOutcome]) -> RankFailedError | None:
    """One error naming every rank that failed, or None."""
    failed = [o for o in outcomes if o.error is not None]
    if not failed:
        return None
    details = "; ".join(f"rank {o.rank}: {o.error}" for o in failed)
    return RankFailedError(
        f"{len(failed)} of {len(outcomes)} ranks failed ({details}); fix the cause and run "
        "the same command with --resume to finish only the missing work"
    )


def barrier() -> None:
    import torch.distributed as dist

    if dist.is_initialized():
        dist.barrier()


def destroy_process_group() -> None:
    import torch.distributed as dist

    if dist.is_initialized():
        dist.destroy_process_group()
