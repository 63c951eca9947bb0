"""Training losses (spec §6.3): weighted BCE for classification, FCOS IoU loss for regression."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from .batch import PairBatch


def weighted_bce(logits: torch.Tensor, label: torch.Tensor) -> torch.Tensor:
    """0.5 * BCE over positive cells + 0.5 * BCE over negative cells (each a mean over its cells)."""
    logits, label = logits.reshape(-1), label.reshape(-1)
    loss = F.binary_cross_entropy_with_logits(logits, label, reduction="none")
    pos, neg = label > 0.5, label <= 0.5
    total = logits.new_zeros(())
    if pos.any():
        total = total + 0.5 * loss[pos].mean()
    if neg.any():
        total = total + 0.5 * loss[neg].mean()
    return total


def iou_loss(pred_ltrb: torch.Tensor, target_ltrb: torch.Tensor, weight: torch.Tensor
             ) -> tuple[torch.Tensor, torch.Tensor]:
    """FCOS IoU loss -log((I + 1) / (U + 1)) over cells with weight > 0; returns (loss, mean IoU).

    `pred_ltrb`, `target_ltrb`: (B, 4, S, S) distances in pixels; `weight`: (B, S, S).
    """
    mask = weight.reshape(-1) > 0
    if not mask.any():
        zero = pred_ltrb.sum() * 0.0
        return zero, zero.detach()
    p = pred_ltrb.permute(0, 2, 3, 1).reshape(-1, 4)[mask]
    t = target_ltrb.permute(0, 2, 3, 1).reshape(-1, 4)[mask]
    p_area = (p[:, 0] + p[:, 2]) * (p[:, 1] + p[:, 3])
    t_area = (t[:, 0] + t[:, 2]) * (t[:, 1] + t[:, 3])
    w_inter = torch.minimum(p[:, 0], t[:, 0]) + torch.minimum(p[:, 2], t[:, 2])
    h_inter = torch.minimum(p[:, 1], t[:, 1]) + torch.minimum(p[:, 3], t[:, 3])
    inter = w_inter.clamp(min=0) * h_inter.clamp(min=0)
    union = p_area + t_area - inter
    loss = -torch.log((inter + 1.0) / (union + 1.0))
    return loss.mean(), (inter / union.clamp(min=1e-6)).mean().detach()


def tracking_loss(cls_logits: torch.Tensor, ltrb: torch.Tensor, batch: PairBatch,
                  cls_weight: float = 1.0, reg_weight: float = 1.0) -> dict[str, torch.Tensor]:
    """Total loss and its parts for one batch of pairs."""
    cls = weighted_bce(cls_logits[:, 0], batch.cls)
    reg, iou = iou_loss(ltrb, batch.ltrb, batch.reg_weight)
    return {"loss": cls_weight * cls + reg_weight * reg, "cls": cls.detach(), "reg": reg.detach(), "iou": iou}
