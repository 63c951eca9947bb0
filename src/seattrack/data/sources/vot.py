"""VOT short-term (rectangle or polygon ground truth): `<root>/list.txt` and
`<root>/<seq>/{color/%08d.jpg, groundtruth.txt, *.tag}`; older editions keep the images directly in `<seq>/`
and may name the per-frame files `*.label`.

Ground-truth rows are 4 values (rectangle x,y,w,h) or 8 (polygon x1,y1,...,x4,y4). `attributes["polygons"]`
keeps the (N, 8) polygon (rectangles as their 4 corners) and `boxes` is the polygon's axis-aligned bounding
rectangle, min/max of the corners (the VOT toolkit's region bounds; pysot/LightTrack initialise with the same
rectangle). Every per-frame `*.tag` / `*.label` file becomes a bool array in `attributes` (camera_motion,
occlusion...). NaN rows (long-term editions) mean the target is absent. VOT2020+ mask ground truth is not
readable here: such sequences come back empty with an `unreadable_annotation` count.
"""

from __future__ import annotations

from collections import Counter

import numpy as np

from ..sequence import Sequence, read_box_file
from .base import DatasetSource
from .common import (
    FrameListing,
    box_to_polygon,
    fit_length,
    list_dir,
    list_subdirs,
    read_labels,
    read_lines,
    rows_to_boxes,
)


class VOTSource(DatasetSource):
    """A VOT edition's sequence folder (VOT2013-2019 rectangles/polygons)."""

    name = "vot"
    title = "VOT"
    layout = "<root>/list.txt and <root>/<seq>/{color/%08d.jpg (or images in <seq>/), groundtruth.txt}"
    splits = ("test", "all")
    default_split = "test"
    nan_means_absent = True

    def _check_layout(self) -> None:
        self.require(self.root / "list.txt")

    def _list_sequences(self) -> list[str]:
        listed = read_lines(self.root / "list.txt")
        existing = set(list_subdirs(self.root))
        self.warn("missing_sequence", sum(name not in existing for name in listed))
        return [name for name in listed if name in existing]

    def _load(self, name: str, notes: Counter[str]) -> Sequence:
        seq_dir = self.root / name
        entries = {e.name: e for e in list_dir(seq_dir)}
        if "groundtruth.txt" not in entries:
            notes["missing_annotation"] += 1
            return self.empty(name)
        boxes, polygons = rows_to_boxes(read_box_file(seq_dir / "groundtruth.txt"))
        image_dir = seq_dir / "color" if "color" in entries and entries["color"].is_dir() else seq_dir
        listing = FrameListing.scan(image_dir)
        count = max(len(boxes), listing.last_number())
        frames, present = listing.numbered(range(1, count + 1), digits=8)
        polygons = polygons if polygons is not None else box_to_polygon(boxes)
        frame_attributes = {"polygons": fit_length(polygons, count)}
        for file in sorted(entries):
            stem, _, ext = file.rpartition(".")
            if ext in ("tag", "label") and stem:
                tags = read_labels(seq_dir / file).astype(bool)
                frame_attributes[stem] = tags if tags.size else np.zeros(count, bool)  # empty file: never tagged
        return self.assemble(name, frames, boxes, notes, present=present, frame_attributes=frame_attributes)
