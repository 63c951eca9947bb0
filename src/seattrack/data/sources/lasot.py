"""LaSOT: `<root>/<class>/<class>-<n>/{img/00000001.jpg..., groundtruth.txt, full_occlusion.txt,
out_of_view.txt, nlp.txt}`.

Splits: `test` is the 280 sequences named in `<root>/testing_set.txt` (a list the user supplies, one name per
line; another file can be given with `testing_set=`), `train` is every other sequence, `all` is everything and
needs no list. A frame is visible when it is neither fully occluded nor out of view (each of those files is one
comma-separated line of 0/1) and its box is valid. Attributes: `full_occlusion`, `out_of_view` (bool arrays),
`object_class`, `nlp` (the language description, when present). LaSOT's 14 sequence-level attributes (IV, POC,
...) are not in the dataset folders but in the MATLAB evaluation toolkit (`annos/att/<seq>.txt`), so they are not
read here.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import numpy as np

from ..sequence import Sequence, read_box_file
from .base import DatasetSource
from .common import FrameListing, fit_length, list_subdirs, read_labels, read_lines, rows_to_boxes

_SEQUENCE = re.compile(r"^.+-\d+$")


class LaSOTSource(DatasetSource):
    """LaSOT with the `testing_set.txt` train/test split."""

    name = "lasot"
    title = "LaSOT"
    layout = ("<root>/<class>/<class>-<n>/{img/00000001.jpg..., groundtruth.txt, full_occlusion.txt, "
              "out_of_view.txt} and <root>/testing_set.txt for the train/test split")
    splits = ("train", "test", "all")
    default_split = "train"

    def __init__(self, root: str | Path, split: str | None = None, testing_set: str | Path | None = None) -> None:
        self._class_of: dict[str, str] = {}
        default = Path(root).expanduser() / "testing_set.txt"
        self.testing_set = Path(testing_set).expanduser() if testing_set else default
        super().__init__(root, split)

    def _check_layout(self) -> None:
        if not any(self._sequences_in(cls) for cls in list_subdirs(self.root)):
            raise self.layout_error("no <class>/<class>-<n> sequence folder found")
        if self.split != "all" and not self.testing_set.is_file():
            raise self.layout_error(f"missing {self.testing_set}, the list of the 280 test sequences that defines "
                                    f"split {self.split!r} (use split 'all' to read every sequence)")

    def _sequences_in(self, cls: str) -> list[str]:
        return [seq for seq in list_subdirs(self.root / cls) if seq.startswith(f"{cls}-") and _SEQUENCE.match(seq)]

    def _list_sequences(self) -> list[str]:
        found = []
        for cls in list_subdirs(self.root):
            for seq in self._sequences_in(cls):
                self._class_of[seq] = cls
                found.append(seq)
        if self.split == "all":
            return found
        test = set(read_lines(self.testing_set))
        if self.split == "test":
            self.warn("missing_sequence", len(test - set(found)))
            return [seq for seq in found if seq in test]
        return [seq for seq in found if seq not in test]

    def _load(self, name: str, notes: Counter[str]) -> Sequence:
        cls = self._class_of[name]
        seq_dir = self.root / cls / name
        gt_path = seq_dir / "groundtruth.txt"
        if not gt_path.is_file():
            notes["missing_annotation"] += 1
            return self.empty(name, object_class=cls)
        boxes, _ = rows_to_boxes(read_box_file(gt_path))
        listing = FrameListing.scan(seq_dir / "img")
        count = max(len(boxes), listing.last_number())
        frames, present = listing.numbered(range(1, count + 1), digits=8)
        flags = {key: read_labels(seq_dir / f"{key}.txt") for key in ("full_occlusion", "out_of_view")}
        flags = {key: value.astype(bool) for key, value in flags.items() if value is not None}
        labelled = None
        if flags:
            labelled = np.ones(count, bool)
            for hidden in flags.values():
                labelled &= ~fit_length(hidden, count)
        attributes = {"object_class": cls}
        nlp = seq_dir / "nlp.txt"
        if nlp.is_file():
            attributes["nlp"] = nlp.read_text(errors="replace").strip()
        return self.assemble(name, frames, boxes, notes, present=present, labelled_visible=labelled,
                             frame_attributes=flags, attributes=attributes)
