"""Brute-force enumeration of a small search space: every path and every architecture, for exact checks."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

from seattrack.models.arch import Arch, ArchBlock
from seattrack.models.wavemlp import SKIP
from seattrack.nas.space import SearchSpace


def all_paths(space: SearchSpace) -> list[list[int]]:
    """Every node path 0 -> ... -> (a block that exits to the tail), tail excluded."""
    done, partial = [], [[0]]
    while partial:
        path = partial.pop()
        for j in space.out_edges(path[-1]):
            if j == space.tail:
                done.append(path)
            else:
                partial.append(path + [j])
    return done


def all_archs(space: SearchSpace, c0: int, last_dim: int) -> Iterator[tuple[list[int], list[tuple], Arch]]:
    """(path, per-block (ch_op, ph_ops with skips), Arch) for every architecture of the space."""
    for path in all_paths(space):
        options = [itertools.product(space.ch_ops, itertools.product(space.ph_ops, repeat=space.layers[b - 1]))
                   for b in path[1:]]
        for choice in itertools.product(*options):
            blocks = [ArchBlock(space.node_width(b, c0), ch, [op for op in ph if op != SKIP])
                      for b, (ch, ph) in zip(path[1:], choice)]
            yield path, list(choice), Arch(blocks, last_dim)
