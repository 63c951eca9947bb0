"""Derive a discrete Arch from the architecture parameters (spec §5.3).

1. Width/depth path by Viterbi over the edge probabilities: score(0) = 1, score(j) = max_i score(i) * p_{i->j};
   back-track from the tail node. The visited blocks give the widths and the path length the number of blocks.
2. Per visited block j reached from i: CH op = argmax alpha of layer CH_{i->j}; each PH layer's op = argmax alpha,
   and layers whose argmax is `skip_connect` are removed.

With a cost budget (the search's target-cost mode), `derive_for_target` keeps the Viterbi + argmax Arch when its
cost already lies within 10 % of the target, and otherwise takes `derive_arch_within_budget`: the architecture
of highest joint probability whose cost lies in that window. `derive_checkpoint` applies the same rule to a
search checkpoint (`seattrack derive`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch

from ..config import from_dict
from ..errors import SeatError
from ..models.arch import Arch, ArchBlock
from ..models.seat import ModelConfig
from ..models.wavemlp import SKIP
from ..train.checkpoint import load_training_state
from .cost import CostModel, build_cost_table
from .diagnostics import derivation_report
from .space import SearchSpace, layer_name
from .supernet import Supernet

VITERBI = "viterbi+argmax"
JOINT = "joint max"
BUDGET_DP = "budget DP"
DERIVATIONS = {"viterbi": VITERBI, "joint": JOINT}  # search.derivation -> the method named in logs


def best_path(space: SearchSpace, edge_score: Callable[[int, int], float]) -> list[int]:
    """Node path 0 -> ... -> tail (tail excluded) of highest total `edge_score(i, j)` (a log weight), by DP."""
    score = {0: 0.0}
    back: dict[int, int] = {}
    for j in list(range(1, space.blocks + 1)) + [space.tail]:
        best, arg = -math.inf, -1
        for i in (space.in_edges(j) if j != space.tail else range(1, space.blocks + 1)):
            if i not in score:
                continue
            value = score[i] + edge_score(i, j)
            if value > best:
                best, arg = value, i
        if arg >= 0:
            score[j], back[j] = best, arg
    path, node = [], space.tail
    while node != 0:
        node = back[node]
        path.append(node)
    return path[::-1]


def viterbi_path(space: SearchSpace, edge_probs: dict[int, torch.Tensor]) -> list[int]:
    """Most probable node path 0 -> ... -> tail under the transition probabilities (nodes, tail excluded)."""
    return best_path(space, lambda i, j: _log(float(edge_probs[i][space.out_edges(i).index(j)])))


def joint_path(space: SearchSpace, alphas: dict[str, torch.Tensor], betas: dict[str, torch.Tensor]) -> list[int]:
    """The path of the architecture of highest joint probability (path probability x softmax(alpha / tau) of every
    chosen op): given a path the best ops are each layer's argmax, so edge i -> j weighs p_ij times the top op
    probability of CH_ij and of each PH layer of block j. Unlike Viterbi it prices depth: every layer on the path
    multiplies in its op's probability."""
    tau = space.temperature
    top = {k: float(torch.log_softmax(v.detach().float() / tau, 0).max()) for k, v in alphas.items()}
    edge = {int(k): torch.log_softmax(v.detach().float() / tau, 0) for k, v in betas.items()}

    def score(i: int, j: int) -> float:
        value = float(edge[i][space.out_edges(i).index(j)])
        if j != space.tail:
            value += top[layer_name(("ch", i, j))] + sum(top[layer_name(("ph", j, ell))]
                                                          for ell in range(space.layers[j - 1]))
        return value

    return best_path(space, score)


def _log(p: float) -> float:
    return math.log(p) if p > 0 else -math.inf


def derive_arch(space: SearchSpace, alphas: dict[str, torch.Tensor], betas: dict[str, torch.Tensor], c0: int,
                last_dim: int, mode: str = "viterbi") -> Arch:
    """The derived Arch from alpha (per layer name) and beta (per node) logits: the path by Viterbi over beta
    (`viterbi`) or by maximum joint probability (`joint`), then argmax alpha per layer."""
    tau = space.temperature
    if mode not in DERIVATIONS:
        raise SeatError(f"search.derivation {mode!r}: expected {' or '.join(DERIVATIONS)}")
    probs = {int(k): torch.softmax(v.detach().float() / tau, 0) for k, v in betas.items()}
    path = viterbi_path(space, probs) if mode == "viterbi" else joint_path(space, alphas, betas)
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


def derive_from_supernet(supernet: Supernet, mode: str = "viterbi") -> Arch:
    """Viterbi (or joint-probability, `mode`) + argmax on a supernet's current alpha and beta."""
    return derive_arch(supernet.space, dict(supernet.alphas.items()), dict(supernet.betas.items()), supernet.c0,
                       supernet.last_dim, mode)


def derive_arch_within_budget(space: SearchSpace, alphas: dict[str, torch.Tensor], betas: dict[str, torch.Tensor],
                              c0: int, last_dim: int, cost_model, low: float, high: float,
                              resolution: int = 2000) -> Arch:
    """The most probable architecture whose RFM cost (ops + tail, fixed parts excluded) lies in [low, high].

    Probability = path probability (product of p_{i->j}) x product of softmax(alpha / tau) of the chosen ops.
    (Viterbi + argmax maximise the path probability first and the ops given the path, so without a budget the two
    can differ.) Solved exactly by dynamic programming over nodes and discretised cost (max-plus convolutions,
    `resolution` bins up to `high`, window shrunk by the worst-case rounding); the result's exact cost is checked.
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
        widths = space.layer_widths((kind, a, b), c0)
        logp = torch.log_softmax(alphas[layer_name((kind, a, b))].detach().float() / tau, 0).tolist()
        return [(to_bin(cost_model.table.op(n, *widths)), lp, n) for n, lp in zip(space.candidates(kind), logp)]

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


def scoped_cost(cost_model: CostModel, arch: Arch, scope: str) -> float:
    """Table cost of `arch`: the whole network (`network`) or the RFM alone (`rfm`: ops + tail)."""
    cost = cost_model.arch_cost(arch)
    return cost - cost_model.table.fixed if scope == "rfm" else cost


def derive_for_target(supernet: Supernet, cost_model: CostModel, target: float, scope: str,
                      tolerance: float = 0.1, mode: str = "viterbi") -> tuple[Arch, str]:
    """(Arch, method): the plain derivation of `mode` when its cost is within `tolerance` of `target`, else the
    budget DP."""
    arch = derive_from_supernet(supernet, mode)
    low, high = target * (1 - tolerance), target * (1 + tolerance)
    if low <= scoped_cost(cost_model, arch, scope) <= high:
        return arch, DERIVATIONS[mode]
    if scope == "network":
        low, high = low - cost_model.table.fixed, high - cost_model.table.fixed
    if high <= 0:
        raise SeatError(f"cost target {target:.4g}: below the fixed parts' cost {cost_model.table.fixed:.4g}")
    return derive_arch_within_budget(supernet.space, dict(supernet.alphas.items()), dict(supernet.betas.items()),
                                     supernet.c0, supernet.last_dim, cost_model, max(low, 0.0), high), BUDGET_DP


def derive_search(supernet: Supernet, cost_model: CostModel, target: float | None, scope: str,
                  mode: str = "viterbi") -> tuple[Arch, str]:
    """(Arch, method) of a search: the plain derivation of `mode` without a target, `derive_for_target` with one."""
    if target is None:
        return derive_from_supernet(supernet, mode), DERIVATIONS[mode]
    return derive_for_target(supernet, cost_model, target, scope, mode=mode)


def derive_checkpoint(path: str | Path, mode: str | None = None) -> tuple[Arch, str, dict]:
    """Derive the Arch of a search checkpoint (honouring its cost target; `mode` defaults to its derivation): the
    Arch, a one-line note (method and predicted cost) and its diagnostics (nas/diagnostics.py)."""
    state = load_training_state(Path(path))
    extra = state.get("extra", {})
    if not extra.get("search"):
        raise SeatError(f"checkpoint {path}: not a search checkpoint (no architecture parameters)")
    space = from_dict(SearchSpace, extra["space"], where="search space")
    model_cfg = from_dict(ModelConfig, extra["model_config"], where="search model config")
    supernet = Supernet(space, extra["c0"], extra["last_dim"])
    with torch.no_grad():
        for params, saved in ((supernet.alphas, extra["alphas"]), (supernet.betas, extra["betas"])):
            for k, v in saved.items():
                params[k].copy_(v)
    c = extra["cost"]
    model = CostModel(build_cost_table(model_cfg, space, c["metric"], c["device"], c["threads"], c["cache"]),
                      space, extra["c0"], extra["last_dim"])
    arch, method = derive_search(supernet, model, c["target"], c["target_scope"],
                                 mode or extra.get("derivation", "viterbi"))
    seed = extra.get("seed", state["train_config"]["seed"])
    report = derivation_report(space, dict(supernet.alphas.items()), dict(supernet.betas.items()), arch, seed,
                               extra.get("min_movement", 0.5))
    return arch, f"{method}; predicted {c['metric']} {model.arch_cost(arch):.4g} {model.table.unit}", report
