"""Template/search fusion modules (spec §3.1): the CFM and two ablation alternatives, one interface.

A fusion module splits into a template part, computed once per target, and a search part, run every frame:

    state = fusion.encode_template(zf, roi)    # tuple of tensors (exportable as the template graph's outputs)
    f0    = fusion(xf, *state)                 # (B, out_dim, H', W')

`roi` is the target box in template-feature coordinates already prepared for `roi_align(aligned=True)` by
`SeatNet`. `map_shrink()` says how many feature cells the output map loses (0 for pixel-level fusions, Hz-1 for a valid
correlation, half on each side), which the tracker needs to place its grid.
"""

from __future__ import annotations

import torch
from torch import nn
from torchvision.ops import roi_align

from ..errors import SeatError


def _conv_bn_lrelu(c_in: int, c_out: int, k: int = 1) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(c_in, c_out, k, bias=False), nn.BatchNorm2d(c_out), nn.LeakyReLU(0.1))


class CFM(nn.Module):
    """Coarse Fusion MLP: RoI target vector, point-wise add, pair-wise relation, FiLM (spec §3.1).

    `hid_dim` (the number of template tokens) is derived from the template feature size, never hard-coded.
    """

    def __init__(self, in_dim: int, out_dim: int, template_feat: int, roi_size: int = 3):
        super().__init__()
        self.hid_dim = template_feat * template_feat
        self.roi_size = roi_size
        self.embed_search = nn.Conv2d(in_dim, in_dim, 1)
        self.embed_template = nn.Conv2d(in_dim, in_dim, 1)
        self.target_vector = nn.Sequential(
            nn.Conv2d(in_dim, in_dim, roi_size, bias=False), nn.BatchNorm2d(in_dim), nn.LeakyReLU(0.1)
        )
        self.relation = _conv_bn_lrelu(self.hid_dim, out_dim)
        self.film_gamma = nn.Sequential(nn.Conv2d(in_dim, out_dim, 1), nn.LeakyReLU(0.1))
        self.film_beta = nn.Sequential(nn.Conv2d(in_dim, out_dim, 1), nn.LeakyReLU(0.1))
        self.out_dim = out_dim

    def map_shrink(self) -> int:
        return 0

    def encode_template(self, zf: torch.Tensor, roi: torch.Tensor) -> tuple[torch.Tensor, ...]:
        zt = self.embed_template(zf)
        if zt.shape[2] * zt.shape[3] != self.hid_dim:
            raise SeatError(
                f"template feature {zt.shape[2]}x{zt.shape[3]}: CFM was built for {self.hid_dim} template tokens"
            )
        batch_index = torch.arange(zt.shape[0], dtype=roi.dtype, device=roi.device).unsqueeze(1)
        rois = torch.cat((batch_index, roi), dim=1)
        kernel = roi_align(zt, rois, output_size=self.roi_size, spatial_scale=1.0,
                           sampling_ratio=0, aligned=True)  # 0: adaptive (spec §3.1), in ONNX too
        g = self.target_vector(kernel)  # (B, C, 1, 1)
        tokens = zt.flatten(2)  # (B, C, Hz*Wz)
        return tokens, g, self.film_gamma(g), self.film_beta(g)

    def forward(self, xf: torch.Tensor, tokens: torch.Tensor, g: torch.Tensor, gamma: torch.Tensor,
                beta: torch.Tensor) -> torch.Tensor:
        b, c, h, w = xf.shape
        u = self.embed_search(xf) + g
        # every search pixel against every template token: (B, HzWz, HxWx) -> template tokens become channels
        relation = torch.bmm(tokens.transpose(1, 2), u.flatten(2)).reshape(b, self.hid_dim, h, w)
        return (1 + gamma) * self.relation(relation) + beta


class DepthwiseXCorr(nn.Module):
    """Ablation: SiamRPN++-style depth-wise cross-correlation + 1x1/BN/LeakyReLU (output shrinks by Hz-1)."""

    def __init__(self, in_dim: int, out_dim: int, template_feat: int):
        super().__init__()
        self.template_feat = template_feat
        self.embed_search = nn.Conv2d(in_dim, in_dim, 1)
        self.embed_template = nn.Conv2d(in_dim, in_dim, 1)
        self.post = _conv_bn_lrelu(in_dim, out_dim)
        self.out_dim = out_dim

    def map_shrink(self) -> int:
        return self.template_feat - 1

    def encode_template(self, zf: torch.Tensor, roi: torch.Tensor) -> tuple[torch.Tensor, ...]:
        return (self.embed_template(zf),)

    def forward(self, xf: torch.Tensor, kernel: torch.Tensor) -> torch.Tensor:
        """Valid depth-wise correlation of each search map with its own template kernel, as a sum of shifted
        products over the kernel's cells: unlike a grouped convolution with the batch folded into channels, it
        exports to ONNX with a dynamic batch (a convolution's weight must have a known shape)."""
        x = self.embed_search(xf)
        kh, kw = int(kernel.shape[2]), int(kernel.shape[3])  # fixed per model
        ho, wo = x.shape[2] - kh + 1, x.shape[3] - kw + 1
        out = x[:, :, :ho, :wo] * kernel[:, :, :1, :1]
        for u in range(kh):
            for v in range(kw):
                if u or v:
                    out = out + x[:, :, u:u + ho, v:v + wo] * kernel[:, :, u:u + 1, v:v + 1]
        return self.post(out)


class CrossAttentionFusion(nn.Module):
    """Ablation: search pixels attend to template tokens (multi-head cross-attention, 4 heads)."""

    def __init__(self, in_dim: int, out_dim: int, template_feat: int, heads: int = 4):
        super().__init__()
        if in_dim % heads:
            raise SeatError(f"cross-attention: in_dim {in_dim} must be divisible by heads {heads}")
        self.heads = heads
        self.q = nn.Conv2d(in_dim, in_dim, 1)
        self.kv = nn.Conv2d(in_dim, 2 * in_dim, 1)
        self.out = _conv_bn_lrelu(in_dim, out_dim)
        self.out_dim = out_dim

    def map_shrink(self) -> int:
        return 0

    def encode_template(self, zf: torch.Tensor, roi: torch.Tensor) -> tuple[torch.Tensor, ...]:
        k, v = self.kv(zf).flatten(2).chunk(2, dim=1)
        return k, v

    def forward(self, xf: torch.Tensor, k: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
        b, c, h, w = xf.shape
        d = c // self.heads
        q = self.q(xf).reshape(b * self.heads, d, h * w).transpose(1, 2)
        kk = k.reshape(b * self.heads, d, -1)
        vv = v.reshape(b * self.heads, d, -1).transpose(1, 2)
        attn = torch.softmax(torch.bmm(q, kk) / d**0.5, dim=-1)
        y = torch.bmm(attn, vv).transpose(1, 2).reshape(b, c, h, w)
        return self.out(xf + y)


FUSIONS = {"cfm": CFM, "xcorr": DepthwiseXCorr, "xattn": CrossAttentionFusion}


def build_fusion(name: str, in_dim: int, out_dim: int, template_feat: int) -> nn.Module:
    """Build a registered fusion module."""
    if name not in FUSIONS:
        raise SeatError(f"unknown fusion {name!r}: expected one of {', '.join(FUSIONS)}")
    return FUSIONS[name](in_dim, out_dim, template_feat)
