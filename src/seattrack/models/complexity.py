"""Params and MACs per part of a SeatNet, counted with fvcore's FlopCountAnalysis (a maintained counter).

Convention: MACs = multiply-accumulates of convolutions, linear layers and matrix products (conv, addmm, bmm,
matmul, einsum), the quantity that fvcore and thop report and that the tracking papers print as "FLOPs".
Normalisation, pooling, activations and element-wise products are not counted (fvcore's norm handlers are
replaced by zero so the count matches the analytic formula of spec §2.2). 1 MAC = 2 FLOPs.
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass

import torch
from torch import nn

from .seat import SearchBranch, SeatNet, TemplateBranch

_IGNORED = ("aten::batch_norm", "aten::group_norm", "aten::layer_norm", "aten::instance_norm",
            "aten::upsample_nearest2d", "aten::upsample_bilinear2d", "aten::adaptive_avg_pool2d",
            "aten::grid_sampler")


def _zero(inputs: list, outputs: list) -> int:
    return 0


def count_macs(module: nn.Module, inputs: tuple) -> tuple[int, dict[str, int]]:
    """Total MACs of `module(*inputs)` and the per-submodule breakdown."""
    with warnings.catch_warnings():  # fvcore scripts a loss function at import time (a torch FutureWarning)
        warnings.filterwarnings("ignore", message=".*torch.jit.script.*", category=FutureWarning)
        from fvcore.nn import FlopCountAnalysis

    logging.getLogger("fvcore").setLevel(logging.ERROR)
    analysis = FlopCountAnalysis(module, inputs)
    analysis.set_op_handle(**{name: _zero for name in _IGNORED})
    analysis.unsupported_ops_warnings(False)
    analysis.uncalled_modules_warnings(False)
    analysis.tracer_warnings("none")
    with torch.no_grad():
        return int(analysis.total()), {k: int(v) for k, v in analysis.by_module().items()}


def count_params(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


@dataclass
class PartCost:
    part: str
    params: int
    macs: int


def example_inputs(net: SeatNet, search_size: int | None = None) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """A template crop, a centred template box and a search crop at the model's sizes (raw BGR range)."""
    cfg = net.config
    t = cfg.template_size
    gen = torch.Generator().manual_seed(0)
    z = torch.rand(1, 3, t, t, generator=gen) * 255
    x = torch.rand(1, 3, search_size or cfg.search_size, search_size or cfg.search_size, generator=gen) * 255
    box = torch.tensor([[t / 4, t / 4, 3 * t / 4, 3 * t / 4]])
    return z, box, x


def model_cost(net: SeatNet) -> list[PartCost]:
    """Per-part params and MACs at the model's input sizes, then per-frame and template totals."""
    net = net.eval()
    z, box, x = example_inputs(net)
    with torch.no_grad():
        state = net.template(z, box)
    t_total, t_parts = count_macs(TemplateBranch(net), (z, box))
    s_total, s_parts = count_macs(SearchBranch(net), (x, *state))
    cfg = net.config
    rows = [
        PartCost(f"backbone+adjust, template {cfg.template_size}", count_params(net.backbone) +
                 count_params(net.adjust), t_parts.get("net.backbone", 0) + t_parts.get("net.adjust", 0)),
        PartCost(f"backbone+adjust, search {cfg.search_size}", 0,
                 s_parts.get("net.backbone", 0) + s_parts.get("net.adjust", 0)),
        PartCost(f"fusion ({cfg.fusion}), template part", 0, t_parts.get("net.fusion", 0)),
        PartCost(f"fusion ({cfg.fusion}), search part", count_params(net.fusion), s_parts.get("net.fusion", 0)),
        PartCost("RFM", count_params(net.rfm), s_parts.get("net.rfm", 0)),
        PartCost("head", count_params(net.head), s_parts.get("net.head", 0)),
        PartCost("per frame (search branch)", count_params(net), s_total),
        PartCost("template branch (once)", 0, t_total),
        PartCost("template + search", count_params(net), t_total + s_total),
    ]
    return rows


def format_cost(rows: list[PartCost]) -> str:
    """A fixed-width table of params (M) and MACs (G); shared parameters are listed once."""
    lines = [f"{'part':<40} {'params (M)':>11} {'MACs (G)':>10}"]
    for r in rows:
        params = f"{r.params / 1e6:.3f}" if r.params else "shared"
        lines.append(f"{r.part:<40} {params:>11} {r.macs / 1e9:>10.3f}")
    return "\n".join(lines)
