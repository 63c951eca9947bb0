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

from ..logs import logger_level
from .modes import eval_mode
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

    analysis = FlopCountAnalysis(module, inputs)
    analysis.set_op_handle(**{name: _zero for name in _IGNORED})
    analysis.unsupported_ops_warnings(False)
    analysis.uncalled_modules_warnings(False)
    analysis.tracer_warnings("none")
    with torch.no_grad(), logger_level("fvcore", logging.ERROR):  # fvcore logs every op it skips
        return int(analysis.total()), {k: int(v) for k, v in analysis.by_module().items()}


def count_params(module: nn.Module) -> int:
    """Number of parameters of `module` (each shared parameter once)."""
    return sum(p.numel() for p in module.parameters())


@dataclass(frozen=True)
class PartCost:
    """One part's parameters and its MACs in the search branch (every frame) and the template branch (once)."""

    params: int
    search_macs: int
    template_macs: int = 0


@dataclass(frozen=True)
class ModelCost:
    """Params and MACs of a SeatNet per part, at its input sizes; `table()` renders them for people."""

    template_size: int
    search_size: int
    fusion_kind: str
    backbone: PartCost  # backbone + channel adjust
    fusion: PartCost
    rfm: PartCost
    head: PartCost
    params: int  # the whole network
    frame_macs: int  # the search branch, run on every frame
    template_macs: int  # the template branch, run once per target

    def table(self) -> str:
        """A fixed-width table of params (M) and MACs (G); a part's parameters are listed on one of its rows
        ("shared" on the others)."""
        rows = [
            (f"backbone+adjust, template {self.template_size}", self.backbone.params, self.backbone.template_macs),
            (f"backbone+adjust, search {self.search_size}", 0, self.backbone.search_macs),
            (f"fusion ({self.fusion_kind}), template part", 0, self.fusion.template_macs),
            (f"fusion ({self.fusion_kind}), search part", self.fusion.params, self.fusion.search_macs),
            ("RFM", self.rfm.params, self.rfm.search_macs),
            ("head", self.head.params, self.head.search_macs),
            ("per frame (search branch)", self.params, self.frame_macs),
            ("template branch (once)", 0, self.template_macs),
            ("template + search", self.params, self.template_macs + self.frame_macs),
        ]
        lines = [f"{'part':<40} {'params (M)':>11} {'MACs (G)':>10}"]
        for part, params, macs in rows:
            shown = f"{params / 1e6:.3f}" if params else "shared"
            lines.append(f"{part:<40} {shown:>11} {macs / 1e9:>10.3f}")
        return "\n".join(lines)


def example_inputs(net: SeatNet, search_size: int | None = None) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """A template crop, a centred template box and a search crop at the model's sizes (raw BGR range)."""
    cfg = net.config
    t = cfg.template_size
    gen = torch.Generator().manual_seed(0)
    z = torch.rand(1, 3, t, t, generator=gen) * 255
    x = torch.rand(1, 3, search_size or cfg.search_size, search_size or cfg.search_size, generator=gen) * 255
    box = torch.tensor([[t / 4, t / 4, 3 * t / 4, 3 * t / 4]])
    return z, box, x


def model_cost(net: SeatNet) -> ModelCost:
    """Per-part params and MACs at the model's input sizes, counted in eval mode (the caller's mode is kept)."""
    z, box, x = example_inputs(net)
    with eval_mode(net), torch.no_grad():
        state = net.template(z, box)
        t_total, t_parts = count_macs(TemplateBranch(net), (z, box))
        s_total, s_parts = count_macs(SearchBranch(net), (x, *state))

    def part(*names: str) -> PartCost:
        return PartCost(sum(count_params(getattr(net, n)) for n in names),
                        sum(s_parts.get(f"net.{n}", 0) for n in names), sum(t_parts.get(f"net.{n}", 0) for n in names))

    cfg = net.config
    return ModelCost(cfg.template_size, cfg.search_size, cfg.fusion, backbone=part("backbone", "adjust"),
                     fusion=part("fusion"), rfm=part("rfm"), head=part("head"), params=count_params(net),
                     frame_macs=s_total, template_macs=t_total)
