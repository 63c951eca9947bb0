"""TrackingNet: `<root>/{TRAIN_0..TRAIN_11, TEST}/{anno/<seq>.txt, frames/<seq>/<k>.jpg}`.

Frames are numbered from 0 without padding (`0.jpg, 1.jpg, ..., 10.jpg`), so they are ordered by number, never
lexically. `split` picks chunks: `train` (every TRAIN_k present), `test` (TEST, whose annotation has only frame
0: the other rows are NaN without a warning), or a comma list such as `TRAIN_0,TRAIN_1`. The chunk of each
sequence is in `attributes["chunk"]`.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from ...errors import SeatError
from ..sequence import Sequence, read_box_file
from .base import DatasetSource
from .common import FrameListing, list_dir, list_subdirs, natural_sorted, rows_to_boxes

_CHUNK = re.compile(r"^(TRAIN_\d+|TEST)$")


class TrackingNetSource(DatasetSource):
    """TrackingNet chunks (TRAIN_0..TRAIN_11, TEST)."""

    name = "trackingnet"
    title = "TrackingNet"
    layout = "<root>/{TRAIN_0..TRAIN_11,TEST}/{anno/<seq>.txt, frames/<seq>/<k>.jpg}"
    default_split = "train"

    def __init__(self, root: str | Path, split: str | None = None) -> None:
        self.chunks: list[str] = []
        self._chunk_of: dict[str, str] = {}
        super().__init__(root, split)

    def _resolve_split(self, split: str | None) -> str:
        split = self.default_split if split is None else str(split).strip()
        if split.lower() in ("train", "test"):
            return split.lower()
        chunks = [c.strip().upper() for c in split.split(",") if c.strip()]
        bad = [c for c in chunks if not _CHUNK.match(c)]
        if not chunks or bad:
            raise SeatError(f"TrackingNet: unknown split {split!r}; expected 'train', 'test' or chunk names such "
                            f"as 'TRAIN_0,TRAIN_1' (TRAIN_0..TRAIN_11, TEST)")
        return ",".join(chunks)

    def _check_layout(self) -> None:
        if self.split == "train":
            self.chunks = [d for d in list_subdirs(self.root) if d.startswith("TRAIN_") and _CHUNK.match(d)]
            if not self.chunks:
                raise self.layout_error("no TRAIN_<k> chunk folder found")
        else:
            self.chunks = ["TEST"] if self.split == "test" else self.split.split(",")
        for chunk in self.chunks:
            self.require(self.root / chunk / "anno", directory=True)
            self.require(self.root / chunk / "frames", directory=True)

    def _list_sequences(self) -> list[str]:
        names: list[str] = []
        for chunk in self.chunks:
            for entry in list_dir(self.root / chunk / "anno"):
                if not entry.name.endswith(".txt"):
                    continue
                seq = entry.name[:-4]
                if seq in self._chunk_of:
                    self.warn("duplicate_sequence")
                    continue
                self._chunk_of[seq] = chunk
                names.append(seq)
        return natural_sorted(names)

    def _load(self, name: str, notes: Counter[str]) -> Sequence:
        chunk = self._chunk_of[name]
        boxes, _ = rows_to_boxes(read_box_file(self.root / chunk / "anno" / f"{name}.txt"))
        listing = FrameListing.scan(self.root / chunk / "frames" / name)
        count = max(len(boxes), listing.last_number(default=-1) + 1)
        frames, present = listing.numbered(range(count))
        return self.assemble(name, frames, boxes, notes, present=present, attributes={"chunk": chunk},
                             pad_ok=chunk == "TEST")
