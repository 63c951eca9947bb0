"""How much a derivation is worth: path probability against the uniform-beta prior, entropy and top-1 margins of
alpha and beta, and how far they moved from their initialisation.

A derivation always returns an Arch, even from logits that never left their initial noise; these numbers, logged
beside every derivation, say whether the Arch reflects learning. An Arch counts as "searched" only when alpha and
beta both moved by at least `min_movement` logits (the mean over layers, or nodes, of the spread max - min of
their change, which softmax ignores a common shift of).
"""

from __future__ import annotations

import math
from typing import Any

import torch

from ..models.arch import Arch
from .space import SearchSpace
from .supernet import initial_logits

Logits = dict[str, torch.Tensor]


def arch_path(space: SearchSpace, arch: Arch) -> list[int]:
    """The node path 0 -> ... of a derived Arch (blocks have distinct widths), tail excluded."""
    return [0] + [space.widths.index(block.width) + 1 for block in arch.blocks]


def path_log_probability(space: SearchSpace, betas: Logits, path: list[int]) -> float:
    """log of the product of p_{i->j} = softmax(beta_i / tau)_j along `path`, the tail edge included."""
    total = 0.0
    for i, j in zip(path, path[1:] + [space.tail]):
        total += float(torch.log_softmax(betas[str(i)].detach().float() / space.temperature, 0)
                       [space.out_edges(i).index(j)])
    return total


def _probs(logits: torch.Tensor, tau: float) -> torch.Tensor:
    return torch.softmax(logits.detach().double() / tau, 0)


def normalised_entropy(logits: torch.Tensor, tau: float) -> float:
    """Entropy of softmax(logits / tau) over log(n): 1 = uniform, 0 = one choice."""
    p = _probs(logits, tau)
    return float(-(p * torch.log(p.clamp_min(1e-300))).sum() / math.log(len(p)))


def top1_margin(logits: torch.Tensor, tau: float) -> float:
    """Probability of the top choice minus that of the runner-up."""
    top = torch.topk(_probs(logits, tau), 2).values
    return float(top[0] - top[1])


def spread_of_change(now: torch.Tensor, start: torch.Tensor) -> float:
    """max - min of the change of one logit vector (a common shift, which softmax ignores, counts 0)."""
    delta = now.detach().double().cpu() - start.double()
    return float(delta.max() - delta.min())


def _summary(logits: Logits, start: Logits, tau: float) -> dict[str, float]:
    """Mean normalised entropy, mean and min top-1 margin, mean movement over the vectors with 2+ choices."""
    keys = [k for k, v in logits.items() if len(v) > 1]
    margins = [top1_margin(logits[k], tau) for k in keys]
    return {"entropy": sum(normalised_entropy(logits[k], tau) for k in keys) / len(keys),
            "margin_mean": sum(margins) / len(keys), "margin_min": min(margins),
            "movement": sum(spread_of_change(logits[k], start[k]) for k in keys) / len(keys)}


def derivation_report(space: SearchSpace, alphas: Logits, betas: Logits, arch: Arch, seed: int,
                      min_movement: float) -> dict[str, Any]:
    """Diagnostics of `arch` derived from `alphas`/`betas` (initialised from `seed`), with the `searched` verdict."""
    start_alphas, start_betas = initial_logits(space, seed)
    path = arch_path(space, arch)
    uniform = {k: torch.zeros_like(v) for k, v in betas.items()}
    alpha = _summary(alphas, start_alphas, space.temperature)
    beta = _summary(betas, start_betas, space.temperature)
    return {"path": path, "path_logp": path_log_probability(space, betas, path),
            "path_logp_uniform": path_log_probability(space, uniform, path), "alpha": alpha, "beta": beta,
            "min_movement": min_movement,
            "searched": alpha["movement"] >= min_movement and beta["movement"] >= min_movement}


def describe_report(report: dict[str, Any]) -> str:
    """One line for stdout: path log-probability vs prior, entropies, margins, movement and the verdict."""
    a, b = report["alpha"], report["beta"]
    verdict = ("searched" if report["searched"] else
               f"NOT searched: alpha/beta moved less than {report['min_movement']:g} logits")
    return (f"path {report['path']} log p {report['path_logp']:.3f} (uniform beta {report['path_logp_uniform']:.3f})"
            f" | entropy alpha {a['entropy']:.3f} beta {b['entropy']:.3f} | top-1 margin alpha {a['margin_mean']:.3g}"
            f" (min {a['margin_min']:.3g}) beta {b['margin_mean']:.3g} (min {b['margin_min']:.3g}) | moved alpha "
            f"{a['movement']:.3g} beta {b['movement']:.3g} logits | {verdict}")
