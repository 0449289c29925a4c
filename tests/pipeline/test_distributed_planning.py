"""Work planning for torchrun launches: rank environment and token-count balance."""

from __future__ import annotations

import pytest

from virnucpro.pipeline.distribution.distributed import RankOutcome, World, failed_ranks_error
from virnucpro.pipeline.distribution.rank_shares import assign_by_cost
from virnucpro.sequence.fasta import fasta_size


def test_world_without_torchrun_variables_is_a_single_process():
    world = World.from_environment({})
    assert (world.rank, world.size, world.launched, world.is_main) == (0, 1, False, True)


def test_world_reads_the_torchrun_variables():
    env = {"RANK": "3", "WORLD_SIZE": "8", "LOCAL_RANK": "1", "LOCAL_WORLD_SIZE": "4"}
    world = World.from_environment(env)
    assert (world.rank, world.size, world.local_rank, world.local_size) == (3, 8, 1, 4)
    assert world.launched and not world.is_main


def test_balance_is_by_cost_not_by_count():
    # one big file and four small ones: the big one gets a rank to itself
    costs = {1: 1000, 2: 250, 3: 250, 4: 250, 5: 250}
    assert assign_by_cost(costs, 2) == [[1], [2, 3, 4, 5]]


def test_every_item_is_assigned_exactly_once():
    costs = {i: (i * 37) % 101 + 1 for i in range(1, 40)}
    assigned = assign_by_cost(costs, 3)
    flat = sorted(i for items in assigned for i in items)
    assert flat == sorted(costs)
    loads = [sum(costs[i] for i in items) for items in assigned]
    assert max(loads) - min(loads) <= max(costs.values())


def test_more_ranks_than_items_leaves_some_idle():
    assert assign_by_cost({7: 5}, 3) == [[7], [], []]


def test_the_fasta_size_counts_records_and_letters_not_headers_or_line_ends(tmp_path):
    path = tmp_path / "output_1.fa"
    path.write_bytes(b">a F1\nACGTA\r\n>b\nAC\nGT\n")
    assert fasta_size(path) == (2, 9)


def test_failed_ranks_are_named_with_their_errors():
    outcomes = [RankOutcome(0, None, {}), RankOutcome(1, "CUDA out of memory", {})]
    error = failed_ranks_error(outcomes)
    assert error is not None and error.exit_code == 6
    assert "1 of 2 ranks failed (rank 1: CUDA out of memory)" in str(error)
    assert "--resume" in str(error)
    assert failed_ranks_error(outcomes[:1]) is None


@pytest.mark.parametrize(("device", "expected"), [("cpu", "cpu"), ("auto", "cpu")])
def test_rank_device_on_a_machine_without_cuda(device, expected, monkeypatch):
    import torch

    from virnucpro.pipeline.distribution.distributed import rank_device

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert rank_device(device, World(rank=1, size=2, local_rank=1, launched=True)) == expected


def test_rank_device_puts_each_rank_on_its_local_gpu(monkeypatch):
    import torch

    from virnucpro.pipeline.distribution.distributed import rank_device

    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    world = World(rank=5, size=8, local_rank=1, launched=True)
    assert rank_device("auto", world) == rank_device("cuda", world) == "cuda:1"
    assert rank_device("cuda:0", world) == "cuda:0"


def test_feature_plan_spreads_missing_files_and_skips_finished_stages(tmp_path):
    from virnucpro.embedding.stages import SPLIT_FILES, extract_dnabert_features
    from virnucpro.file_digests import record_written
    from virnucpro.paths import RunPaths
    from virnucpro.pipeline.definitions import EMBED
    from virnucpro.pipeline.distribution.distributed import plan_feature_work

    paths = RunPaths(tmp_path / "reads.fa", tmp_path, 500)
    for folder in (paths.nucleotide_split_dir, paths.protein_split_dir):
        folder.mkdir()
    for index, residues in ((1, 900), (2, 300), (3, 300), (4, 300)):
        paths.nucleotide_split(index).write_text(">a\n" + "A" * residues + "\n")
        paths.protein_split(index).write_text(">a\n" + "M" * (residues // 3) + "\n")
    paths.esm_features(2).write_bytes(b"written before")
    record_written(paths, paths.esm_features(2))
    paths.esm_features(3).write_bytes(b"never recorded: not trusted")
    files = {stage: SPLIT_FILES[stage](paths) for stage in EMBED}
    reused = {extract_dnabert_features}.__contains__

    plan = plan_feature_work(paths, files, reused, resume=True, ranks=2)
    assert plan == {"DNABERT-S Feature Extraction": None,
                    "ESM-2 Feature Extraction": [[1], [3, 4]]}
    fresh = plan_feature_work(paths, files, lambda stage: False, resume=False, ranks=2)
    assert fresh["DNABERT-S Feature Extraction"] == [[1], [2, 3, 4]]
