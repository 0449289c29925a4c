"""Each torchrun rank's share of the split files, spread by their residue count, not their
number (the residues: ``sequence.fasta.fasta_size``)."""

from __future__ import annotations

import heapq


def assign_by_cost(costs: dict[int, int], ranks: int) -> list[list[int]]:
    """Longest-processing-time-first assignment of items to ``ranks`` bins.

    Each item goes, largest first, to the rank with the least work so far (ties: lowest rank),
    which keeps the largest load within 4/3 of the optimum. Each rank's items are returned in
    ascending order so that output files are written in a stable order.
    """
    loads = [(0, rank) for rank in range(ranks)]
    heapq.heapify(loads)
    assigned: list[list[int]] = [[] for _ in range(ranks)]
    for item, cost in sorted(costs.items(), key=lambda kv: (-kv[1], kv[0])):
        load, rank = heapq.heappop(loads)
        assigned[rank].append(item)
        heapq.heappush(loads, (load + cost, rank))
    return [sorted(items) for items in assigned]
