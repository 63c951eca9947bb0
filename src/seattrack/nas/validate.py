"""Validate a cost table against whole networks: `seattrack validate-cost RECIPE`.

A table sums per-op costs measured in isolation; the network the product runs fuses, caches and schedules ops
differently. This builds a few random architectures of the recipe's space, measures each whole per-frame network
(the search branch: backbone, fusion, RFM, head) with the table's metric, and reports how well the table's
prediction ranks them (Spearman rank correlation) and how far off it is (mean relative error).
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import torch
from scipy.stats import spearmanr

from ..models.arch import Arch, ArchBlock
from ..models.complexity import example_inputs, model_cost
from ..models.seat import ModelConfig, SearchBranch, SeatNet
from ..models.wavemlp import SKIP
from .cost import CostModel, _time_ort, _time_torch, build_cost_table
from .space import SearchSpace


def random_arch(space: SearchSpace, c0: int, last_dim: int, rng: np.random.Generator) -> Arch:
    """An architecture of `space`: a random walk from node 0 to the tail, a uniformly drawn op in every layer."""
    blocks, node = [], 0
    while True:
        node = int(rng.choice(space.out_edges(node)))
        if node == space.tail:
            return Arch(blocks, last_dim)
        ph = [str(rng.choice(space.ph_ops)) for _ in range(space.layers[node - 1])]
        blocks.append(ArchBlock(space.node_width(node, c0), str(rng.choice(space.ch_ops)),
                                [op for op in ph if op != SKIP]))


def measure_network(config: ModelConfig, arch: Arch, metric: str, device: str, threads: int, runs: int) -> float:
    """The whole per-frame network's cost with `arch` as its RFM, in the table's metric and unit."""
    net = SeatNet(dataclasses.replace(config, arch=arch), pretrained_backbone=False).eval()
    if metric == "macs":
        return float(model_cost(net).frame_macs)
    z, box, x = example_inputs(net)
    with torch.no_grad():
        state = net.template(z, box)
    branch = SearchBranch(net).eval()
    if metric == "latency":
        return _time_torch(branch, (x, *state), device, threads, runs)
    return _time_ort(branch, (x, *state), threads, runs)


def validate_cost_table(config: ModelConfig, space: SearchSpace, metric: str, archs: int = 8, seed: int = 0,
                        device: str = "cpu", threads: int = 1, runs: int = 30,
                        cache_dir: str | None = None) -> dict[str, Any]:
    """Predicted (table) against measured (whole network) cost of `archs` random architectures of `space`."""
    table = build_cost_table(config, space, metric, device, threads, cache_dir, runs)
    model = CostModel(table, space, config.fusion_dim, config.arch.last_dim)
    rng = np.random.default_rng(seed)
    rows = []
    for _ in range(archs):
        arch = random_arch(space, config.fusion_dim, config.arch.last_dim, rng)
        rows.append({"arch": arch.describe(), "arch_json": arch.to_dict(), "predicted": model.arch_cost(arch),
                     "measured": measure_network(config, arch, metric, device, threads, runs)})
    predicted = np.array([r["predicted"] for r in rows])
    measured = np.array([r["measured"] for r in rows])
    return {"metric": metric, "unit": table.unit, "device": device, "threads": threads, "runs": runs, "seed": seed,
            "table": str(table.path), "rows": rows,
            "spearman": float(spearmanr(predicted, measured).statistic),
            "mean_relative_error": float(np.mean(np.abs(predicted - measured) / measured))}
