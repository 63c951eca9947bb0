"""COCO 2017 detection as one-frame sequences: `<root>/annotations/instances_<split>2017.json` and images in
`<root>/<split>2017/` (or `<root>/images/<split>2017/`).

Each non-crowd instance (`iscrowd == 0`) with a positive-size box is one sequence named `<image_id>_<ann_id>`
(the pair sampler takes template and search from the same image). COCO boxes are already 0-based x,y,w,h in
continuous pixels. The annotation file is parsed with pycocotools on first use, then only a compact table is
kept (the source stays cheap to pickle into data-loader workers).
"""

from __future__ import annotations

import contextlib
import io
from collections import Counter
from pathlib import Path

import numpy as np

from ...errors import SeatError
from ..sequence import Sequence
from .base import DatasetSource
from .common import list_dir


class COCOSource(DatasetSource):
    """COCO 2017 instances, one single-frame sequence per usable box."""

    name = "coco"
    title = "COCO"
    layout = ("<root>/annotations/instances_<split>2017.json with images in <root>/<split>2017/ "
              "or <root>/images/<split>2017/")
    splits = ("train", "val")
    default_split = "train"

    def __init__(self, root: str | Path, split: str | None = None) -> None:
        self._records: dict[str, tuple] = {}
        super().__init__(root, split)

    @property
    def annotation_file(self) -> Path:
        return self.root / "annotations" / f"instances_{self.split}2017.json"

    def _check_layout(self) -> None:
        self.require(self.annotation_file)
        candidates = [self.root / f"{self.split}2017", self.root / "images" / f"{self.split}2017"]
        found = [c for c in candidates if c.is_dir()]
        if not found:
            raise self.layout_error(f"missing image folder {candidates[0]} (or {candidates[1]})")
        self.image_dir = found[0]

    def _list_sequences(self) -> list[str]:
        from pycocotools.coco import COCO

        try:
            with contextlib.redirect_stdout(io.StringIO()):
                coco = COCO(str(self.annotation_file))
        except (ValueError, KeyError, TypeError) as exc:
            raise SeatError(f"COCO annotation file {self.annotation_file}: cannot be parsed ({exc})") from None
        on_disk = {e.name for e in list_dir(self.image_dir)}
        categories = {c["id"]: c.get("name", str(c["id"])) for c in coco.dataset.get("categories", [])}
        bad = Counter()
        for ann in coco.dataset.get("annotations", []):
            if ann.get("iscrowd", 0):
                continue
            x, y, w, h = (float(v) for v in ann.get("bbox", (0, 0, 0, 0)))
            image = coco.imgs.get(ann.get("image_id"))
            if not (np.isfinite([x, y, w, h]).all() and w > 0 and h > 0):
                bad["invalid_box"] += 1
            elif image is None:
                bad["missing_image_record"] += 1
            elif image["file_name"] not in on_disk:
                bad["missing_frame"] += 1
            else:
                name = f"{ann['image_id']}_{ann['id']}"
                size = (image.get("width"), image.get("height"))
                self._records[name] = (image["file_name"], (x, y, w, h), ann.get("category_id"),
                                       categories.get(ann.get("category_id"), ""), size)
        for reason, count in bad.items():
            self.warn(reason, count)
        return list(self._records)

    def _load(self, name: str, notes: Counter[str]) -> Sequence:
        file_name, box, category_id, category, size = self._records[name]
        image_id, ann_id = (int(v) for v in name.split("_"))
        attributes = {"image_id": image_id, "annotation_id": ann_id, "category_id": category_id,
                      "category": category, "image_size": size}
        return self.assemble(name, [str(self.image_dir / file_name)], np.asarray([box]), notes,
                             attributes=attributes)
