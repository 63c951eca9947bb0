"""The project's plain format for users' own data: `<root>/<seq>/<frames>` (jpg/jpeg/png/bmp, any names, in
natural order: `f2` before `f10`) or `<root>/<seq>/img/<frames>`, with `<root>/<seq>/groundtruth.txt` (one
`x,y,w,h` per frame, commas/tabs/spaces; 8-value polygon rows become their bounding rectangle).

Sequences are those named in the optional `<root>/list.txt`, else every sub-folder holding a
`groundtruth.txt`; a root that itself holds `groundtruth.txt` is a single sequence. Any other split name `s`
reads its sequence names from `<root>/<s>.txt` (e.g. `train.txt`, `val.txt`). NaN rows mean the target is
absent (invisible, not a warning); a groundtruth shorter than the frames is padded with NaN and counted. When
every frame file is named by its number (`00000001.jpg`, `17.png`) and the groundtruth has one row per number
from the first file's to the last's, a missing file is dropped with its box and counted (`missing_frame`), so
later boxes stay on their frames.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np

from ..sequence import Sequence, read_box_file
from .base import DatasetSource
from .common import FrameListing, fit_length, list_subdirs, read_lines, rows_to_boxes


class FolderSource(DatasetSource):
    """Folders of frames plus groundtruth.txt (see the module docstring)."""

    name = "folder"
    title = "Folder dataset"
    layout = ("<root>/<seq>/{<frames>.jpg|png..., groundtruth.txt} (frames may sit in <seq>/img/), "
              "optional <root>/list.txt")
    default_split = "all"
    nan_means_absent = True

    def _resolve_split(self, split: str | None) -> str:
        return self.default_split if split is None else str(split).strip()

    def _check_layout(self) -> None:
        if self.split != "all":
            self.require(self.root / f"{self.split}.txt")
        if not self._ensure_names():
            raise self.layout_error("no sequence folder with a groundtruth.txt found")

    def _list_sequences(self) -> list[str]:
        if (self.root / "groundtruth.txt").is_file():
            return [self.root.name]
        list_file = self.root / ("list.txt" if self.split == "all" else f"{self.split}.txt")
        if list_file.is_file():
            listed = read_lines(list_file)
            existing = set(list_subdirs(self.root))
            self.warn("missing_sequence", sum(name not in existing for name in listed))
            return [name for name in listed if name in existing]
        return [d for d in list_subdirs(self.root) if (self.root / d / "groundtruth.txt").is_file()]

    def sequence_dir(self, name: str) -> Path:
        """The folder of sequence `name` (the root itself for a single-sequence root)."""
        return self.root if (self.root / "groundtruth.txt").is_file() else self.root / name

    def _load(self, name: str, notes: Counter[str]) -> Sequence:
        seq_dir = self.sequence_dir(name)
        gt_path = seq_dir / "groundtruth.txt"
        if not gt_path.is_file():
            notes["missing_annotation"] += 1
            return self.empty(name)
        boxes, polygons = rows_to_boxes(read_box_file(gt_path))
        listing = FrameListing.scan(seq_dir)
        if not listing.names:
            listing = FrameListing.scan(seq_dir / "img")
        frames, present = numbered_frames(listing, len(boxes))
        frame_attributes = {"polygons": fit_length(polygons, len(frames))} if polygons is not None else {}
        return self.assemble(name, frames, boxes, notes, present=present, frame_attributes=frame_attributes)


def numbered_frames(listing: FrameListing, rows: int) -> tuple[list[str], np.ndarray | None]:
    """Frame paths in box-row order and which files exist (None: all of them, in natural order).

    When every file is named by its number and the box file has exactly one row per number from the first to the
    last, more rows than files means files are missing: each is dropped with its row instead of shifting every
    later box onto the wrong frame. Any other case keeps the natural order (e.g. every 5th frame, one row each).
    """
    numbers = listing.by_number
    span = listing.last_number() - listing.first_number() + 1 if numbers else 0
    if len(numbers) != len(listing.names) or rows != span or rows == len(listing.names):
        return listing.paths(), None
    return listing.numbered(range(listing.first_number(), listing.last_number() + 1))
