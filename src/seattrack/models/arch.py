"""Arch: the JSON description of a derived RFM (design.md contract).

    {"blocks": [{"width": 128, "ch_op": "wavemlp_k5_t4_dw", "ph_ops": ["wavemlp_k3_t4"]}, ...], "last_dim": 128}

Block j maps the previous width to `width` with its CH op, then applies its PH ops at that width; a 1x1 tail
(conv + BN + ReLU) maps the last width to `last_dim`, the head's width. The search writes it, `create_model(...,
arch=...)` reads it, checkpoints embed it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from ..config import from_dict, to_dict
from ..errors import SeatError
from ..fileio import write_json_atomic
from .wavemlp import SKIP, parse_op

MAX_WIDTH = 1024  # channels of any RFM, neck or fusion layer: 4x seat_r50's widest, far below what exhausts memory
MAX_BLOCKS = 16  # RFM blocks (a derived arch has at most one per search-space width; the default space has 5)
MAX_PH_OPS = 16  # PH layers per block (the default search space has 2)


def check_range(what: str, value: int, low: int, high: int) -> None:
    """Refuse a size outside low..high before anything is built from it: an absurd width or count from a file
    would otherwise allocate memory (or time) without bound."""
    if not low <= value <= high:
        raise SeatError(f"{what} {value}: expected {low}..{high}")


@dataclass
class ArchBlock:
    width: int
    ch_op: str
    ph_ops: list[str] = field(default_factory=list)


@dataclass
class Arch:
    blocks: list[ArchBlock]
    last_dim: int

    def __post_init__(self) -> None:
        check_range("arch last_dim", self.last_dim, 1, MAX_WIDTH)
        check_range("arch block count", len(self.blocks), 0, MAX_BLOCKS)
        for i, block in enumerate(self.blocks):
            check_range(f"arch block {i} width", block.width, 1, MAX_WIDTH)
            check_range(f"arch block {i} ph_ops count", len(block.ph_ops), 0, MAX_PH_OPS)
            parse_op(block.ch_op)
            for op in block.ph_ops:
                parse_op(op)
                if op == SKIP:
                    raise SeatError(f"arch block {i}: skip_connect in ph_ops (derived archs drop skipped layers)")

    def to_dict(self) -> dict:
        return to_dict(self)

    @classmethod
    def from_dict(cls, data: dict) -> Arch:
        return from_dict(cls, data, where="arch")

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)

    def save(self, path: str | Path) -> None:
        write_json_atomic(path, self.to_dict())

    @classmethod
    def load(cls, path: str | Path) -> Arch:
        path = Path(path)
        if not path.is_file():
            raise SeatError(f"arch file not found: {path}")
        try:
            data = json.loads(path.read_text())
        except json.JSONDecodeError as exc:
            raise SeatError(f"arch file {path}: not valid JSON ({exc.msg} at line {exc.lineno})") from None
        try:
            return cls.from_dict(data)
        except SeatError as exc:  # name the file for its range checks too, not only for its types
            raise SeatError(f"{path}: {exc}") from None

    def describe(self) -> str:
        """One line, e.g. `128[k5_t4_dw|k3_t4] -> 1x1 -> 128`."""
        parts = []
        for b in self.blocks:
            ops = [b.ch_op] + b.ph_ops
            parts.append(f"{b.width}[{'|'.join(o.replace('wavemlp_', '') for o in ops)}]")
        return " -> ".join(parts + [f"1x1 -> {self.last_dim}"])


def as_arch(arch: Arch | dict | str | Path | None) -> Arch | None:
    """Accept an Arch, a dict, a JSON string or a path to a JSON file; anything else (a JSON list included) is
    refused by `Arch.from_dict` as not a mapping."""
    if arch is None or isinstance(arch, Arch):
        return arch
    if isinstance(arch, Path) or (isinstance(arch, str) and not arch.lstrip().startswith(("{", "["))):
        return Arch.load(arch)
    if isinstance(arch, str):
        try:
            arch = json.loads(arch)
        except json.JSONDecodeError as exc:
            raise SeatError(f"arch JSON: not valid ({exc.msg})") from None
    return Arch.from_dict(arch)
