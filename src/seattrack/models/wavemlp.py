"""Wave-MLP operators of the RFM search space (spec §2.2).

`WaveMLP(c_in, c_out, k, t, dw)` is a width-changing 1x1 projection followed by a residual PATM token mixer and
a residual channel MLP. PATM treats each token as a wave: amplitude from a 1x1 conv, phase from a small conv,
and mixes tokens with grouped (1,k)/(k,1) convs over [A cos(theta), A sin(theta)].

Candidate ops are looked up by name: `wavemlp_k{3,5,7}_t{4,8}[_dw]` and `skip_connect`.
"""

from __future__ import annotations

import re

import torch
from torch import nn

from ..errors import SeatError


def batch_norm(channels: int, affine: bool = True) -> nn.BatchNorm2d:
    """BatchNorm used by all candidate ops; search-time candidates use affine=False (DenseNAS habit)."""
    return nn.BatchNorm2d(channels, affine=affine)


class PATM(nn.Module):
    """Phase-aware token mixing: wave tokens mixed along H and W, plus a channel branch, re-weighted."""

    def __init__(self, dim: int, k: int = 7, dw: bool = False, affine: bool = True):
        super().__init__()
        if k % 2 != 1:
            raise SeatError(f"PATM kernel k={k}: expected an odd size (3, 5 or 7)")
        self.fc_h = nn.Conv2d(dim, dim, 1, bias=False)
        self.fc_w = nn.Conv2d(dim, dim, 1, bias=False)
        self.fc_c = nn.Conv2d(dim, dim, 1, bias=False)
        pad = (k - 1) // 2
        self.tfc_h = nn.Conv2d(2 * dim, dim, (1, k), padding=(0, pad), groups=dim, bias=False)
        self.tfc_w = nn.Conv2d(2 * dim, dim, (k, 1), padding=(pad, 0), groups=dim, bias=False)
        hidden = max(dim // 4, 1)
        self.reweight = nn.Sequential(nn.Conv2d(dim, hidden, 1), nn.GELU(), nn.Conv2d(hidden, 3 * dim, 1))
        self.proj = nn.Conv2d(dim, dim, 1, bias=True)
        if dw:
            self.theta_h = nn.Sequential(
                nn.Conv2d(dim, dim, 3, padding=1, groups=dim, bias=False), batch_norm(dim, affine), nn.ReLU()
            )
            self.theta_w = nn.Sequential(
                nn.Conv2d(dim, dim, 3, padding=1, groups=dim, bias=False), batch_norm(dim, affine), nn.ReLU()
            )
        else:
            self.theta_h = nn.Sequential(nn.Conv2d(dim, dim, 1, bias=True), batch_norm(dim, affine), nn.ReLU())
            self.theta_w = nn.Sequential(nn.Conv2d(dim, dim, 1, bias=True), batch_norm(dim, affine), nn.ReLU())
        self.dim = dim

    @staticmethod
    def _wave(amplitude: torch.Tensor, theta: torch.Tensor) -> torch.Tensor:
        # [A cos(theta), A sin(theta)] concatenated along channels, as in spec §2.2 and the official Wave-MLP: the
        # grouped 2C -> C conv then reads two neighbouring channels of that stack per group.
        return torch.cat((amplitude * torch.cos(theta), amplitude * torch.sin(theta)), dim=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, c, _, _ = x.shape
        h = self.tfc_h(self._wave(self.fc_h(x), self.theta_h(x)))
        w = self.tfc_w(self._wave(self.fc_w(x), self.theta_w(x)))
        ch = self.fc_c(x)
        pooled = torch.mean(h + w + ch, dim=(2, 3), keepdim=True)
        attn = self.reweight(pooled).reshape(b, c, 3).softmax(dim=2)
        a_h, a_w, a_c = attn[..., 0, None, None], attn[..., 1, None, None], attn[..., 2, None, None]
        return self.proj(h * a_h + w * a_w + ch * a_c)


class ChannelMLP(nn.Module):
    """Per-pixel MLP C -> tC -> C with GELU (1x1 convs, biases on)."""

    def __init__(self, dim: int, ratio: int):
        super().__init__()
        self.fc1 = nn.Conv2d(dim, ratio * dim, 1)
        self.act = nn.GELU()
        self.fc2 = nn.Conv2d(ratio * dim, dim, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(self.act(self.fc1(x)))


class WaveMLP(nn.Module):
    """Wave-MLP block: 1x1 C_in->C_out projection, then x + PATM(BN(x)), then x + MLP(BN(x))."""

    def __init__(self, c_in: int, c_out: int, k: int = 7, t: int = 4, dw: bool = False, affine: bool = True):
        super().__init__()
        self.proj_in = nn.Conv2d(c_in, c_out, 1, bias=True)
        self.norm1 = batch_norm(c_out, affine)
        self.token_mixer = PATM(c_out, k=k, dw=dw, affine=affine)
        self.norm2 = batch_norm(c_out, affine)
        self.mlp = ChannelMLP(c_out, t)
        self.c_in, self.c_out, self.k, self.t, self.dw = c_in, c_out, k, t, dw

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.proj_in(x)
        x = x + self.token_mixer(self.norm1(x))
        return x + self.mlp(self.norm2(x))


class SkipConnect(nn.Module):
    """Identity when widths match, else a 1x1 conv (no bias) + BN that changes the width."""

    def __init__(self, c_in: int, c_out: int, affine: bool = True):
        super().__init__()
        self.op = nn.Identity() if c_in == c_out else nn.Sequential(
            nn.Conv2d(c_in, c_out, 1, bias=False), batch_norm(c_out, affine)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.op(x)


_WAVEMLP_NAME = re.compile(r"^wavemlp_k(?P<k>[357])_t(?P<t>[48])(?P<dw>_dw)?$")
WAVEMLP_OPS: tuple[str, ...] = tuple(
    f"wavemlp_k{k}_t{t}{suffix}" for suffix in ("", "_dw") for k in (3, 5, 7) for t in (4, 8)
)
SKIP = "skip_connect"
ALL_OPS: tuple[str, ...] = WAVEMLP_OPS + (SKIP,)


def parse_op(name: str) -> dict:
    """Decode an op name into its settings ({'k', 't', 'dw'} or {'skip': True})."""
    if name == SKIP:
        return {"skip": True}
    match = _WAVEMLP_NAME.match(name)
    if match is None:
        raise SeatError(f"unknown op {name!r}: expected one of {', '.join(ALL_OPS)}")
    return {"k": int(match["k"]), "t": int(match["t"]), "dw": match["dw"] is not None}


def build_op(name: str, c_in: int, c_out: int, affine: bool = True) -> nn.Module:
    """Build candidate op `name` mapping c_in -> c_out channels at constant spatial size."""
    spec = parse_op(name)
    if spec.get("skip"):
        return SkipConnect(c_in, c_out, affine)
    return WaveMLP(c_in, c_out, k=spec["k"], t=spec["t"], dw=spec["dw"], affine=affine)


def analytic_wavemlp_cost(c_in: int, c_out: int, k: int, t: int, dw: bool, hw: int) -> tuple[int, int]:
    """Exact (params, MACs) of a WaveMLP block with affine BN, counted by hand from spec §2.2.

    MACs count one multiply-add per weight use in convolutions (the fvcore/thop convention); element-wise
    operations (cos, sin, products with the amplitude, BN, softmax) are not counted.
    """
    c = c_out
    hidden = max(c // 4, 1)
    params = c_in * c + c  # proj_in
    params += 3 * c * c  # fc_h, fc_w, fc_c
    params += 2 * (2 * c // c) * k * c  # tfc_h/tfc_w grouped: per out channel 2 inputs x k taps
    params += c * hidden + hidden + hidden * 3 * c + 3 * c  # reweight MLP
    params += c * c + c  # PATM out proj
    if dw:
        params += 2 * (9 * c + 2 * c)  # 3x3 depthwise + BN affine
    else:
        params += 2 * (c * c + c + 2 * c)  # 1x1 with bias + BN affine
    params += 2 * 2 * c  # norm1, norm2 affine
    params += c * t * c + t * c + t * c * c + c  # channel MLP
    macs = hw * (c_in * c + 3 * c * c + 2 * 2 * k * c + c * c + t * c * c * 2)
    macs += hw * (2 * 9 * c if dw else 2 * c * c)
    macs += c * hidden + hidden * 3 * c  # reweight MLP on the pooled 1x1 map
    return params, macs
