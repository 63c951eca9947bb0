"""The MCAS search space (spec §4): fixed-width blocks connected forward, CH layers on edges, PH layers in blocks.

Node 0 is the CFM output (width C0 = the model's fusion_dim); nodes 1..N are blocks of increasing fixed widths
`widths`; node T = N+1 is the 1x1 tail to `last_dim`. Node 0 feeds blocks 1..m, block i feeds blocks i+1..i+m
and the tail, so a path chooses how many blocks (depth) and which widths the RFM has; `skip_connect` in PH
layers removes layers inside a block. Every edge into a block is a CH mixed layer (width change) over `ops`
(plus `skip_connect` when `ch_skip`); every PH layer is a mixed layer over `ops` + `skip_connect`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import SeatError
from ..models.wavemlp import SKIP, WAVEMLP_OPS, parse_op


@dataclass
class SearchSpace:
    widths: list[int] = field(default_factory=lambda: [32, 48, 64, 96, 128])
    layers: list[int] = field(default_factory=lambda: [2, 2, 2, 2, 2])
    connect: int = 3
    ops: list[str] = field(default_factory=lambda: list(WAVEMLP_OPS))
    ch_skip: bool = False
    temperature: float = 1.0

    def __post_init__(self) -> None:
        if not self.widths or any(b <= a for a, b in zip(self.widths, self.widths[1:])):
            raise SeatError(f"search space widths {self.widths}: expected a non-empty increasing list")
        if len(self.layers) != len(self.widths):
            raise SeatError(f"search space layers {self.layers}: expected one PH layer count per width")
        if self.connect < 1:
            raise SeatError(f"search space connect {self.connect}: expected at least 1")
        for op in self.ops:
            if parse_op(op).get("skip"):
                raise SeatError("search space ops: list Wave-MLP ops only; skip_connect is added to PH layers")
        if self.temperature <= 0:
            raise SeatError(f"search temperature {self.temperature}: expected > 0")

    @property
    def blocks(self) -> int:
        return len(self.widths)

    @property
    def tail(self) -> int:
        """Index of the tail node."""
        return self.blocks + 1

    def node_width(self, node: int, c0: int) -> int:
        return c0 if node == 0 else self.widths[node - 1]

    def out_edges(self, node: int) -> list[int]:
        """Successors of `node`: the next `connect` blocks, and the tail for every block (not for node 0)."""
        targets = [j for j in range(node + 1, min(node + self.connect, self.blocks) + 1)]
        return targets + ([self.tail] if node > 0 else [])

    def in_edges(self, block: int) -> list[int]:
        return [i for i in range(0, block) if block in self.out_edges(i)]

    @property
    def ch_ops(self) -> list[str]:
        return list(self.ops) + ([SKIP] if self.ch_skip else [])

    @property
    def ph_ops(self) -> list[str]:
        return list(self.ops) + [SKIP]

    def candidates(self, kind: str) -> list[str]:
        """Candidate ops of a mixed layer of `kind` ('ch' or 'ph')."""
        return self.ch_ops if kind == "ch" else self.ph_ops

    def layer_widths(self, key: tuple[str, int, int], c0: int) -> tuple[int, int]:
        """(c_in, c_out) of a mixed layer: CH i->j maps node i's width to block j's; PH layers keep their block's."""
        kind, a, b = key
        c_in = self.node_width(a, c0)
        return c_in, (self.node_width(b, c0) if kind == "ch" else c_in)

    def layer_keys(self) -> list[tuple[str, int, int]]:
        """Every mixed layer: ('ch', i, j) for edge i->j into a block, ('ph', j, l) for PH layer l of block j."""
        keys: list[tuple[str, int, int]] = []
        for j in range(1, self.blocks + 1):
            keys += [("ch", i, j) for i in self.in_edges(j)]
            keys += [("ph", j, layer) for layer in range(self.layers[j - 1])]
        return keys


def layer_name(key: tuple[str, int, int]) -> str:
    return f"{key[0]}_{key[1]}_{key[2]}"
