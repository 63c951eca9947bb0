"""SeatNet = backbone + channel adjust + fusion (CFM) + RFM + Cls_Reg head (design.md contract).

    state = net.template(z, box)        # once per target: z (B,3,Tz,Tz) raw BGR 0-255, box (B,4) x1y1x2y2 in z pixels
    cls, ltrb = net.track(x, state)     # per frame: x (B,3,Tx,Tx) raw BGR 0-255
    cls, ltrb = net(z, x, box)          # training

`cls` are logits (B,1,S,S); `ltrb` are distances (B,4,S,S) in search-crop pixels from grid point i, which sits at
continuous x = `geometry(Tx).offset + stride * i` (pixel j spans [j, j+1)).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn

from ..errors import SeatError
from .arch import MAX_WIDTH, Arch, ArchBlock, check_range
from .backbones import build_backbone, to_normalized
from .fusion import build_fusion
from .head import ClsRegHead, norm_groups
from .rfm import RFM

MAX_CROP = 1024  # template/search crop size in pixels (the trackers use 127..383)
MAX_TOWERS = 8  # conv layers per head tower (the registered models use 2 or 4)


@dataclass
class ModelConfig:
    """Everything needed to rebuild a SeatNet (stored in every checkpoint)."""

    name: str = "seat_lite"
    backbone: str = "efficientnet_lite0"
    template_size: int = 127
    search_size: int = 255
    neck_dim: int = 96
    template_crop: int = 0
    fusion: str = "cfm"
    fusion_dim: int = 96
    head_towers: int = 2
    backbone_weights: str | None = None  # a user's ImageNet state-dict file (ResNet-50), read when pretrained
    arch: Arch = field(default_factory=lambda: Arch([ArchBlock(96, "wavemlp_k5_t4_dw")], 96))

    def __post_init__(self) -> None:
        """Refuse sizes that no network should be built from (a config read from a file is checked here, before
        any layer allocates memory); the Arch checks its own."""
        check_range("neck_dim", self.neck_dim, 1, MAX_WIDTH)
        check_range("fusion_dim", self.fusion_dim, 1, MAX_WIDTH)
        check_range("template_size", self.template_size, 1, MAX_CROP)
        check_range("search_size", self.search_size, 1, MAX_CROP)
        check_range("head_towers", self.head_towers, 0, MAX_TOWERS)
        groups = norm_groups(self.arch.last_dim)
        if self.head_towers and self.arch.last_dim % groups:
            raise SeatError(f"arch last_dim {self.arch.last_dim}: the head towers' GroupNorm needs a multiple of "
                            f"{groups}")


@dataclass(frozen=True)
class MapGeometry:
    """Score-map geometry for a search crop: `size` cells, cell i centred at continuous `offset + stride * i`."""

    size: int
    stride: int
    offset: float


def _is_exporting() -> bool:
    return torch.jit.is_tracing() or torch.onnx.is_in_onnx_export()


class SeatNet(nn.Module):
    """The SEAT tracker network. Pass `rfm` to plug in another RFM (the search supernet does).

    `tracking_hypers` are the tracker settings tuned for these weights, set by the checkpoint loader when the
    file carries them (None otherwise); the tracker prefers them over its defaults.
    """

    tracking_hypers: dict[str, Any] | None

    def __init__(self, config: ModelConfig, pretrained_backbone: bool = True, rfm: nn.Module | None = None):
        super().__init__()
        self.config = config
        self.backbone = build_backbone(config.backbone, pretrained_backbone, config.backbone_weights)
        self.adjust = nn.Sequential(
            nn.Conv2d(self.backbone.channels, config.neck_dim, 1, bias=False), nn.BatchNorm2d(config.neck_dim)
        )
        z_feat = self.backbone.feature_size(config.template_size)
        if z_feat < 1:
            raise SeatError(f"template_size {config.template_size}: too small for backbone {config.backbone}")
        if config.template_crop < 0 or config.template_crop > z_feat:
            raise SeatError(f"template_crop {config.template_crop}: expected 0..{z_feat} (template feature size)")
        self.z_feat = config.template_crop or z_feat
        self.z_crop_start = (z_feat - self.z_feat) // 2
        if self.backbone.feature_size(config.search_size) < self.z_feat:
            raise SeatError(f"search_size {config.search_size}: too small for template size {config.template_size}")
        self.fusion = build_fusion(config.fusion, config.neck_dim, config.fusion_dim, self.z_feat)
        self.rfm = rfm if rfm is not None else RFM(config.arch, config.fusion_dim)
        self.head = ClsRegHead(config.arch.last_dim, config.head_towers)
        self.backbone_frozen = False
        self.frozen_stages: list[nn.Module] = []
        self.tracking_hypers = None

    # ----------------------------------------------------------------------------------------------- geometry
    @property
    def stride(self) -> int:
        return self.backbone.stride

    def geometry(self, search_size: int | None = None) -> MapGeometry:
        """Where the score-map cells sit in a search crop of `search_size` pixels."""
        size = search_size or self.config.search_size
        shrink = self.fusion.map_shrink()
        cells = self.backbone.feature_size(size) - shrink
        offset = self.backbone.offset + 0.5 + self.stride * shrink / 2
        return MapGeometry(cells, self.stride, offset)

    def _roi_in_feature(self, box: torch.Tensor) -> torch.Tensor:
        # crop pixels (continuous) -> feature-index coordinates + 0.5, as roi_align(aligned=True, scale=1) expects
        return (box - (self.backbone.offset + 0.5)) / self.stride - self.z_crop_start + 0.5

    # ------------------------------------------------------------------------------------------------ checks
    def _check_image(self, x: torch.Tensor, name: str, size: int | None) -> None:
        if _is_exporting():
            return
        if x.dim() != 4 or x.shape[1] != 3:
            raise SeatError(f"{name} shape {tuple(x.shape)}: expected (B, 3, H, W) raw BGR crops")
        if x.shape[2] != x.shape[3]:
            raise SeatError(f"{name} shape {tuple(x.shape)}: expected square crops")
        if size is not None and x.shape[2] != size:
            raise SeatError(f"{name} size {x.shape[2]}: this model expects {size}x{size} crops")

    def _check_box(self, box: torch.Tensor, batch: int) -> None:
        if _is_exporting():
            return
        size = self.config.template_size
        if box.shape != (batch, 4):
            raise SeatError(f"template box shape {tuple(box.shape)}: expected ({batch}, 4) x1,y1,x2,y2")
        bad = ~torch.isfinite(box).all(1) | (box[:, 2] <= box[:, 0]) | (box[:, 3] <= box[:, 1])
        bad |= (box < -0.5).any(1) | (box > size + 0.5).any(1)
        if bad.any():
            value = [round(v, 2) for v in box[int(bad.nonzero()[0])].tolist()]
            raise SeatError(f"template box {value}: expected x1<x2, y1<y2 inside the {size}x{size} template crop")

    # ----------------------------------------------------------------------------------------------- branches
    def features(self, x: torch.Tensor) -> torch.Tensor:
        """Backbone + channel adjust on a raw BGR crop."""
        return self.adjust(self.backbone(to_normalized(x, self.backbone.norm)))

    def template(self, z: torch.Tensor, box: torch.Tensor) -> tuple[torch.Tensor, ...]:
        """Template branch, computed once per target: returns the fusion's template state tensors."""
        self._check_image(z, "template crop", self.config.template_size)
        self._check_box(box, z.shape[0])
        zf = self.features(z)
        if self.z_crop_start:
            s, n = self.z_crop_start, self.z_feat
            zf = zf[:, :, s:s + n, s:s + n]
        return self.fusion.encode_template(zf, self._roi_in_feature(box.to(zf.dtype)))

    def neck_head(self, xf: torch.Tensor, state: tuple[torch.Tensor, ...]) -> tuple[torch.Tensor, torch.Tensor]:
        """Fusion + RFM + head on search features."""
        return self.head(self.rfm(self.fusion(xf, *state)))

    def track(self, x: torch.Tensor, state: tuple[torch.Tensor, ...]) -> tuple[torch.Tensor, torch.Tensor]:
        """Per-frame search branch: (cls logits (B,1,S,S), ltrb (B,4,S,S) in search-crop pixels)."""
        self._check_image(x, "search crop", None)
        if not _is_exporting() and x.shape[2] < self.config.template_size:
            raise SeatError(f"search crop size {x.shape[2]}: expected at least {self.config.template_size}")
        return self.neck_head(self.features(x), state)

    def forward(self, z: torch.Tensor, x: torch.Tensor, box: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return self.track(x, self.template(z, box))

    # ------------------------------------------------------------------------------------------------ freezing
    def freeze_backbone(self, frozen: bool = True, trainable_stages: int = 0) -> None:
        """Freeze (or release) the backbone; frozen layers also keep their BatchNorm statistics fixed.

        `trainable_stages` > 0 releases only the last that many backbone stages (the rest stays frozen).
        """
        stages = self.backbone.stages()
        keep = 0 if frozen else (trainable_stages or len(stages))
        self.frozen_stages = stages[: len(stages) - keep]
        self.backbone_frozen = frozen
        self.backbone.requires_grad_(False)
        for stage in stages[len(stages) - keep:]:
            stage.requires_grad_(True)
        self.train(self.training)

    def train(self, mode: bool = True) -> SeatNet:
        super().train(mode)
        for stage in self.frozen_stages:
            stage.eval()
        return self


class TemplateBranch(nn.Module):
    """`net.template` as a module (for tracing: MAC counting and ONNX export)."""

    def __init__(self, net: SeatNet):
        super().__init__()
        self.net = net

    def forward(self, z: torch.Tensor, box: torch.Tensor) -> tuple[torch.Tensor, ...]:
        return self.net.template(z, box)


class SearchBranch(nn.Module):
    """`net.track` as a module; `probabilities` applies the sigmoid to the class logits inside the graph."""

    def __init__(self, net: SeatNet, probabilities: bool = False):
        super().__init__()
        self.net = net
        self.probabilities = probabilities

    def forward(self, x: torch.Tensor, *state: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        cls, ltrb = self.net.track(x, state)
        return (torch.sigmoid(cls) if self.probabilities else cls), ltrb
