"""Derive a discrete Arch from the architecture parameters (spec §5.3).

1. Width/depth path by Viterbi over the edge probabilities: score(0) = 1, score(j) = max_i score(i) * p_{i->j};
   back-track from the tail node. The visited blocks give the widths and the path length the number of blocks.
2. Per visited block j reached from i: CH op = argmax alpha of layer CH_{i->j}; each PH layer's op = argmax alpha,
   and layers whose argmax is `skip_connect` are removed.

With a cost budget (the search's target-cost mode), `derive_arch_within_budget` returns the most probable
architecture under the same score whose cost lies in the budget window.
"""

from __future__ import annotations

import numpy as np
import torch

from ..errors import SeatError
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


def derive_arch_within_budget(space: SearchSpace, alphas: dict[str, torch.Tensor], betas: dict[str, torch.Tensor],
                              c0: int, last_dim: int, cost_model, low: float, high: float,
                              resolution: int = 2000) -> Arch:
    """The most probable architecture whose RFM cost (ops + tail, fixed parts excluded) lies in [low, high].

    Probability = path probability (product of p_{i->j}) x product of softmax(alpha) of the chosen ops: the
    same score Viterbi + argmax maximise without a budget. Solved exactly by dynamic programming over nodes and
    discretised cost (max-plus convolutions, `resolution` bins up to `high`); the result's exact cost is checked.
    """
    tau = space.temperature
    res = high / resolution
    n_layers = sum(space.layers) + space.blocks + 1
    margin = n_layers * res / 2  # worst-case rounding error of a path's binned cost
    lo_bin, hi_bin = int(np.ceil((low + margin) / res)), int(np.floor((high - margin) / res))
    size = hi_bin + 1
    if lo_bin > hi_bin:
        raise SeatError(f"cost budget [{low:.4g}, {high:.4g}]: too narrow for the derivation's resolution")

    def to_bin(cost: float) -> int:
        return int(round(cost / res))

    def layer_options(kind: str, a: int, b: int) -> list[tuple[int, float, str]]:
        names = space.ch_ops if kind == "ch" else space.ph_ops
        c_in = space.node_width(a, c0)
        c_out = space.node_width(b, c0) if kind == "ch" else c_in
        logp = torch.log_softmax(alphas[layer_name((kind, a, b))].detach().float() / tau, 0).tolist()
        return [(to_bin(cost_model.table.op(n, c_in, c_out)), lp, n) for n, lp in zip(names, logp)]

    def convolve(table: np.ndarray, options: list[tuple[int, float, str]]) -> tuple[np.ndarray, np.ndarray]:
        out, arg = np.full(size, -np.inf), np.full(size, -1)
        for k, (c, lp, _) in enumerate(options):
            if c >= size:
                continue
            cand = np.full(size, -np.inf)
            cand[c:] = table[: size - c] + lp
            better = cand > out
            out[better], arg[better] = cand[better], k
        return out, arg

    start = np.full(size, -np.inf)
    start[0] = 0.0
    best = {0: start}
    back: dict[int, tuple[np.ndarray, dict[int, list]]] = {}
    for j in range(1, space.blocks + 1):
        node_score, node_from = np.full(size, -np.inf), np.full(size, -1)
        layer_back: dict[int, list] = {}
        for i in space.in_edges(j):
            edge_lp = float(torch.log_softmax(betas[str(i)].detach().float() / tau, 0)[space.out_edges(i).index(j)])
            table, steps = best[i] + edge_lp, []
            layers = [layer_options("ch", i, j)] + [layer_options("ph", j, ell) for ell in range(space.layers[j - 1])]
            for options in layers:
                table, arg = convolve(table, options)
                steps.append((arg, options))
            better = table > node_score
            node_score[better], node_from[better] = table[better], i
            layer_back[i] = steps
        best[j] = node_score
        back[j] = (node_from, layer_back)
    final_score, final = -np.inf, None
    for i in range(1, space.blocks + 1):
        lp = float(torch.log_softmax(betas[str(i)].detach().float() / tau, 0)[space.out_edges(i).index(space.tail)])
        c = to_bin(cost_model.table.tail(space.node_width(i, c0), last_dim))
        for b in range(max(lo_bin - c, 0), hi_bin - c + 1):
            if best[i][b] + lp > final_score:
                final_score, final = best[i][b] + lp, (i, b)
    if final is None:
        raise SeatError(f"no architecture of this search space costs between {low:.4g} and {high:.4g}")
    blocks: list[ArchBlock] = []
    node, b = final
    while node != 0:
        node_from, layer_back = back[node]
        prev = int(node_from[b])
        chosen = []
        for arg, options in reversed(layer_back[prev]):
            k = int(arg[b])
            chosen.append(options[k][2])
            b -= options[k][0]
        chosen.reverse()
        blocks.append(ArchBlock(space.node_width(node, c0), chosen[0], [op for op in chosen[1:] if op != SKIP]))
        node = prev
    arch = Arch(blocks[::-1], last_dim)
    exact = cost_model.arch_cost(arch) - cost_model.table.fixed
    if not low <= exact <= high:  # guarded by the margin; kept as a hard check
        raise SeatError(f"budget derivation produced cost {exact:.4g} outside [{low:.4g}, {high:.4g}]")
    return arch
