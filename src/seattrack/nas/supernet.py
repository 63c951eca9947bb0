"""The MCAS supernet with the decoupled relaxation of spec §5.1.

Operator choice: each mixed layer has logits alpha over its candidate ops and runs only a sampled subset S,
`y = sum_{o in S} softmax(alpha_S / tau)_o * o(x)`, so memory stays bounded. Width/depth choice: each node i has
logits beta over its outgoing edges, `p_{i->j} = softmax(beta_i / tau)_j`, and block j's input is
`sum_i p_{i->j} * CH_{i->j}(x_i)`. Widths are fixed per block, so ops need no channel masking: the width decision
(beta) is decoupled from the op decision (alpha). Candidate BNs are non-affine during the search (DenseNAS).
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from ..models.rfm import conv1x1_tail
from ..models.wavemlp import build_op
from .space import SearchSpace, layer_name


class MixedOp(nn.Module):
    """Candidate ops of one layer; runs the sampled indices with the given weights."""

    def __init__(self, names: list[str], c_in: int, c_out: int):
        super().__init__()
        self.names = list(names)
        self.candidates = nn.ModuleList(build_op(n, c_in, c_out, affine=False) for n in names)

    def forward(self, x: torch.Tensor, indices: list[int], weights: torch.Tensor) -> torch.Tensor:
        out = weights[0] * self.candidates[indices[0]](x)
        for k in range(1, len(indices)):
            out = out + weights[k] * self.candidates[indices[k]](x)
        return out


class Supernet(nn.Module):
    """Drop-in RFM for SeatNet: input width `c0` (the CFM output), output `last_dim` (the head's width)."""

    def __init__(self, space: SearchSpace, c0: int, last_dim: int):
        super().__init__()
        self.space, self.c0, self.last_dim = space, c0, last_dim
        self.out_dim = last_dim
        self.keys = space.layer_keys()
        self.mixed = nn.ModuleDict()
        self.alphas = nn.ParameterDict()
        for key in self.keys:
            kind, a, b = key
            names = space.ch_ops if kind == "ch" else space.ph_ops
            c_in = space.node_width(a, c0) if kind == "ch" else space.node_width(a, c0)
            c_out = space.node_width(b, c0) if kind == "ch" else c_in
            self.mixed[layer_name(key)] = MixedOp(names, c_in, c_out)
            self.alphas[layer_name(key)] = nn.Parameter(1e-3 * torch.randn(len(names)))
        self.tails = nn.ModuleDict({str(i): conv1x1_tail(space.node_width(i, c0), last_dim)
                                    for i in range(1, space.blocks + 1)})
        self.betas = nn.ParameterDict({str(i): nn.Parameter(1e-3 * torch.randn(len(space.out_edges(i))))
                                       for i in range(space.blocks + 1)})
        self.choice: dict[str, list[int]] = {}
        self.sample_uniform(np.random.default_rng(0), 1)

    # ------------------------------------------------------------------------------------ parameters
    def arch_parameters(self) -> list[nn.Parameter]:
        return list(self.alphas.values()) + list(self.betas.values())

    def weight_parameters(self) -> list[nn.Parameter]:
        arch = {id(p) for p in self.arch_parameters()}
        return [p for p in self.parameters() if id(p) not in arch]

    def edge_probs(self, node: int) -> torch.Tensor:
        return torch.softmax(self.betas[str(node)] / self.space.temperature, dim=0)

    def edge_prob(self, i: int, j: int) -> torch.Tensor:
        return self.edge_probs(i)[self.space.out_edges(i).index(j)]

    def op_weights(self, name: str) -> torch.Tensor:
        """softmax(alpha_S / tau) over the layer's sampled subset S."""
        return torch.softmax(self.alphas[name][self.choice[name]] / self.space.temperature, dim=0)

    # -------------------------------------------------------------------------------------- sampling
    def sample_uniform(self, rng: np.random.Generator, k: int) -> None:
        """Warm-up sampling: k ops per layer, uniformly without replacement."""
        self.choice = {name: sorted(rng.choice(len(m.names), size=min(k, len(m.names)), replace=False).tolist())
                       for name, m in self.mixed.items()}

    def sample_by_alpha(self, rng: np.random.Generator, k: int) -> None:
        """k ops per layer drawn without replacement with probabilities softmax(alpha / tau)."""
        choice = {}
        for name, m in self.mixed.items():
            p = torch.softmax(self.alphas[name].detach().float() / self.space.temperature, 0).cpu().numpy()
            p = p / p.sum()
            choice[name] = sorted(rng.choice(len(m.names), size=min(k, len(m.names)), replace=False, p=p).tolist())
        self.choice = choice

    # --------------------------------------------------------------------------------------- forward
    def forward(self, x0: torch.Tensor) -> torch.Tensor:
        space = self.space
        outs = {0: x0}
        for j in range(1, space.blocks + 1):
            x = None
            for i in space.in_edges(j):
                name = layer_name(("ch", i, j))
                y = self.edge_prob(i, j) * self.mixed[name](outs[i], self.choice[name], self.op_weights(name))
                x = y if x is None else x + y
            for layer in range(space.layers[j - 1]):
                name = layer_name(("ph", j, layer))
                x = self.mixed[name](x, self.choice[name], self.op_weights(name))
            outs[j] = x
        y = None
        for i in range(1, space.blocks + 1):
            t = self.edge_prob(i, space.tail) * self.tails[str(i)](outs[i])
            y = t if y is None else y + t
        return y
