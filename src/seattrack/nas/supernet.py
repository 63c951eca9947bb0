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

    def __init__(self, space: SearchSpace, c0: int, last_dim: int, seed: int = 0):
        super().__init__()
        self.space, self.c0, self.last_dim = space, c0, last_dim
        self.out_dim = last_dim
        self.keys = space.layer_keys()
        self.mixed = nn.ModuleDict({layer_name(key): MixedOp(space.candidates(key[0]), *space.layer_widths(key, c0))
                                    for key in self.keys})
        alphas, betas = initial_logits(space, seed)
        self.alphas = nn.ParameterDict({k: nn.Parameter(v) for k, v in alphas.items()})
        self.tails = nn.ModuleDict({str(i): conv1x1_tail(space.node_width(i, c0), last_dim)
                                    for i in range(1, space.blocks + 1)})
        self.betas = nn.ParameterDict({k: nn.Parameter(v) for k, v in betas.items()})
        self.choice: dict[str, list[int]] = {}
        self.sample_uniform(np.random.default_rng(0), 1)

    # ------------------------------------------------------------------------------------ parameters
    def arch_parameters(self) -> list[nn.Parameter]:
        return list(self.alphas.values()) + list(self.betas.values())

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
        self.choice = {name: _draw(rng, len(m.names), k) for name, m in self.mixed.items()}

    def sample_by_alpha(self, rng: np.random.Generator, k: int) -> None:
        """k ops per layer drawn without replacement with probabilities softmax(alpha / tau)."""
        tau = self.space.temperature
        self.choice = {name: _draw(rng, len(m.names), k,
                                   torch.softmax(self.alphas[name].detach().double() / tau, 0).cpu().numpy())
                       for name, m in self.mixed.items()}

    @torch.no_grad()
    def keep_unsampled_probabilities(self, before: dict[str, torch.Tensor]) -> None:
        """After an arch step: restore unsampled logits, shift the sampled ones to keep their total softmax mass.

        Probabilities are softmax(alpha / tau), so the shift of the sampled subset S is
        tau * (logsumexp(old_S / tau) - logsumexp(new_S / tau)); unsampled ops then keep their probability exactly.
        """
        tau = self.space.temperature
        for name, alpha in self.alphas.items():
            old, new = before[name], alpha.detach().clone()
            sampled = torch.zeros_like(old, dtype=torch.bool)
            sampled[self.choice[name]] = True
            new[~sampled] = old[~sampled]
            shift = tau * (torch.logsumexp(old[sampled] / tau, 0) - torch.logsumexp(new[sampled] / tau, 0))
            new[sampled] = new[sampled] + shift
            alpha.copy_(new)

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


def initial_logits(space: SearchSpace, seed: int) -> tuple[dict[str, torch.Tensor], dict[str, torch.Tensor]]:
    """alpha (per layer name) and beta (per node) at initialisation: N(0, 1e-3^2), from a generator seeded by `seed`
    alone (the trainer seeds the global RNG with seed + rank, and every rank must sample the same ops before DDP
    first broadcasts the parameters); the derivation's diagnostics measure movement from these."""
    rng = torch.Generator().manual_seed(seed)
    alphas = {layer_name(k): 1e-3 * torch.randn(len(space.candidates(k[0])), generator=rng) for k in space.layer_keys()}
    betas = {str(i): 1e-3 * torch.randn(len(space.out_edges(i)), generator=rng) for i in range(space.blocks + 1)}
    return alphas, betas


def _draw(rng: np.random.Generator, n: int, k: int, p: np.ndarray | None = None) -> list[int]:
    """min(k, n) sorted indices out of n, without replacement, with probabilities p (uniform when None)."""
    if p is not None:
        p = p / p.sum()
    return sorted(rng.choice(n, size=min(k, n), replace=False, p=p).tolist())
