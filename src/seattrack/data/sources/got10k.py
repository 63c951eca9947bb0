"""GOT-10k: `<root>/{train,val,test}/list.txt`, `<split>/<seq>/{00000001.jpg..., groundtruth.txt, *.label,
meta_info.ini}`.

Visibility follows the toolkit: a frame counts when it is not `absence`-labelled and its `cover` (0-8, the
visible ratio in eighths) is above 0, where those labels exist. The test split's groundtruth has only frame 1:
the other rows are NaN (invisible) without a warning. `meta_info.ini` fields go to `attributes["meta"]`, with
`object_class` and `resolution` (width, height) pulled out when present.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

from ..sequence import Sequence, read_box_file
from .base import DatasetSource
from .common import FrameListing, fit_length, list_subdirs, read_labels, read_lines, rows_to_boxes

LABELS = ("absence", "cover", "cut_by_image")


def read_meta_info(path: Path) -> dict[str, str]:
    """The `key: value` lines of a GOT-10k meta_info.ini ({} when absent); section headers are ignored."""
    if not path.is_file():
        return {}
    meta = {}
    for line in path.read_text(errors="replace").splitlines():
        key, sep, value = line.partition(":")
        if sep and not line.lstrip().startswith("["):
            meta[key.strip()] = value.strip()
    return meta


class GOT10kSource(DatasetSource):
    """GOT-10k train/val/test (test has only frame-1 boxes)."""

    name = "got10k"
    title = "GOT-10k"
    layout = "<root>/{train,val,test}/list.txt and <root>/<split>/<seq>/{00000001.jpg..., groundtruth.txt}"
    splits = ("train", "val", "test")
    default_split = "train"

    def _check_layout(self) -> None:
        self.require(self.root / self.split / "list.txt")

    def _list_sequences(self) -> list[str]:
        split_dir = self.root / self.split
        listed = read_lines(split_dir / "list.txt")
        existing = set(list_subdirs(split_dir))
        self.warn("missing_sequence", sum(name not in existing for name in listed))
        return [name for name in listed if name in existing]

    def _load(self, name: str, notes: Counter[str]) -> Sequence:
        seq_dir = self.root / self.split / name
        gt_path = seq_dir / "groundtruth.txt"
        if not gt_path.is_file():
            notes["missing_annotation"] += 1
            return self.empty(name)
        boxes, _ = rows_to_boxes(read_box_file(gt_path))
        listing = FrameListing.scan(seq_dir)
        count = max(len(boxes), listing.last_number())
        frames, present = listing.numbered(range(1, count + 1), digits=8)
        labels = {key: read_labels(seq_dir / f"{key}.label") for key in LABELS}
        labels = {key: value for key, value in labels.items() if value is not None}
        labelled = np.ones(len(frames), bool)
        if "absence" in labels:
            labelled &= fit_length(labels["absence"], len(frames)) == 0
        if "cover" in labels:
            labelled &= fit_length(labels["cover"], len(frames)) > 0
        frame_attributes = {k: (v.astype(bool) if k != "cover" else v) for k, v in labels.items()}
        return self.assemble(name, frames, boxes, notes, present=present,
                             labelled_visible=labelled if labels else None, frame_attributes=frame_attributes,
                             attributes=self._meta_attributes(seq_dir), pad_ok=self.split == "test")

    @staticmethod
    def _meta_attributes(seq_dir: Path) -> dict[str, Any]:
        meta = read_meta_info(seq_dir / "meta_info.ini")
        if not meta:
            return {}
        attributes: dict[str, Any] = {"meta": meta}
        if "object_class" in meta:
            attributes["object_class"] = meta["object_class"]
        numbers = re.findall(r"\d+", meta.get("resolution", ""))
        if len(numbers) == 2:
            attributes["resolution"] = (int(numbers[0]), int(numbers[1]))
        return attributes
