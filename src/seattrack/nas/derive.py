"""Derive a discrete Arch from the architecture parameters (spec §5.3).

1. Width/depth path by Viterbi over the edge probabilities: score(0) = 1, score(j) = max_i score(i) * p_{i->j};
   back-track from the tail node. The visited blocks give the widths and the path length the number of blocks.
2. Per visited block j reached from i: CH op = argmax alpha of layer CH_{i->j}; each PH layer's op = argmax alpha,
   and layers whose argmax is `skip_connect` are removed.
"""

from __future__ import annotations

import torch

from ..models.arch import Arch, ArchBlock
from ..models.wavemlp import SKIP
from .space import SearchSpace, layer_name


def viterbi_path(space: SearchSpace, edge_probs: dict[int, torch.Tensor]) -> list[int]:
    """Most probable node path 0 -> ... -> tail under the transition probabilities (nodes, tail excluded)."""
    score = {0: 1.0}
    back: dict[int, int] = {}
    for j in list(range(1, space.blocks + 1)) + [space.tail]:
        best, arg = -1.0, -1
        for i in (space.in_edges(j) if j != space.tail else range(1, space.blocks + 1)):
            if i not in score:
                continue
            value = score[i] * float(edge_probs[i][space.out_edges(i).index(j)])
            if value > best:
                best, arg = value, i
        if arg >= 0:
            score[j], back[j] = best, arg
    path, node = [], space.tail
    while node != 0:
        node = back[node]
        path.append(node)
    return path[::-1]


def derive_arch(space: SearchSpace, alphas: dict[str, torch.Tensor], betas: dict[str, torch.Tensor], c0: int,
                last_dim: int) -> Arch:
    """The derived Arch from alpha (per layer name) and beta (per node) logits."""
    tau = space.temperature
    probs = {int(k): torch.softmax(v.detach().float() / tau, 0) for k, v in betas.items()}
    path = viterbi_path(space, probs)
    blocks = []
    for prev, block in zip(path, path[1:]):
        ch = alphas[layer_name(("ch", prev, block))]
        ph_ops = []
        for layer in range(space.layers[block - 1]):
            op = space.ph_ops[int(torch.argmax(alphas[layer_name(("ph", block, layer))]))]
            if op != SKIP:
                ph_ops.append(op)
        blocks.append(ArchBlock(space.node_width(block, c0), space.ch_ops[int(torch.argmax(ch))], ph_ops))
    return Arch(blocks, last_dim)


def derive_from_supernet(supernet) -> Arch:
    return derive_arch(supernet.space, dict(supernet.alphas.items()), dict(supernet.betas.items()), supernet.c0,
                       supernet.last_dim)
