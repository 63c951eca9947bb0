"""ImageNet VID: `<root>/Data/VID/<split>/.../<video>/<frame>.JPEG` with PASCAL-VOC style
`<root>/Annotations/VID/<split>/.../<video>/<frame>.xml` (one `<object>` per visible track, with `<trackid>`).

Each (video, trackid) is one sequence named `<video>.<trackid>` spanning every frame of the video; frames where
the track has no object get NaN boxes and are invisible. Boxes: VID's `xmin..xmax` are inclusive pixel indices,
so the continuous box is `x = xmin, w = xmax - xmin + 1` (same for y). Attributes: `object_class` (WordNet id),
`occluded` (bool per frame), `video`, `trackid`, `image_size`.

Listing needs the track ids of every video, found with a byte search over each XML (no XML parsing); full
parsing happens per video when one of its sequences is loaded. For the full dataset (about a million XML files)
pass `index_cache=<file.json>` to keep that listing between runs.
"""

from __future__ import annotations

import json
import os
import re
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import numpy as np

from ...errors import SeatError
from ...fileio import write_text_atomic
from ..sequence import Sequence
from .base import DatasetSource
from .common import list_dir, natural_sorted

_TRACKID = re.compile(rb"<trackid>\s*(\d+)\s*</trackid>")


def _number(node: ET.Element, tag: str) -> float:
    text = node.findtext(tag)
    return float(text) if text is not None else float("nan")


class VIDSource(DatasetSource):
    """ImageNet VID 2015, one sequence per (video, track)."""

    name = "vid"
    title = "ImageNet VID"
    layout = ("<root>/Data/VID/<split>/.../<video>/<frame>.JPEG and "
              "<root>/Annotations/VID/<split>/.../<video>/<frame>.xml")
    splits = ("train", "val")
    default_split = "train"

    def __init__(self, root: str | Path, split: str | None = None, index_cache: str | Path | None = None) -> None:
        self.index_cache = Path(index_cache).expanduser() if index_cache else None
        self._tracks: dict[str, tuple[str, int]] = {}
        self._parsed: tuple[str, list[str], dict] | None = None
        super().__init__(root, split)

    @property
    def annotation_dir(self) -> Path:
        return self.root / "Annotations" / "VID" / self.split

    @property
    def data_dir(self) -> Path:
        return self.root / "Data" / "VID" / self.split

    def _check_layout(self) -> None:
        self.require(self.data_dir, directory=True)
        self.require(self.annotation_dir, directory=True)

    def _list_sequences(self) -> list[str]:
        index = self._read_index()
        if index is None:
            index = self._build_index()
            if self.index_cache is not None:
                write_text_atomic(self.index_cache, json.dumps({"split": self.split, "videos": index}))
        names = []
        for video, trackids in index.items():
            for trackid in trackids:
                name = f"{Path(video).name}.{trackid}"
                self._tracks[name] = (video, trackid)
                names.append(name)
        return names

    def _read_index(self) -> dict[str, list[int]] | None:
        if self.index_cache is None or not self.index_cache.is_file():
            return None
        try:
            data = json.loads(self.index_cache.read_text())
        except ValueError:
            raise SeatError(f"ImageNet VID index cache {self.index_cache}: not valid JSON "
                            "(delete it to rebuild)") from None
        return data["videos"] if data.get("split") == self.split else None

    def _build_index(self) -> dict[str, list[int]]:
        """Video folder (relative to the split) -> sorted track ids, by a byte search over each XML file."""
        index = {}
        for directory, _subdirs, files in os.walk(self.annotation_dir):
            xmls = [f for f in files if f.endswith(".xml")]
            if not xmls:
                continue
            trackids: set[int] = set()
            for file in xmls:
                with open(os.path.join(directory, file), "rb") as handle:
                    trackids.update(int(t) for t in _TRACKID.findall(handle.read()))
            if trackids:
                index[Path(directory).relative_to(self.annotation_dir).as_posix()] = sorted(trackids)
        return dict(sorted(index.items()))

    def _parse_video(self, video: str) -> tuple[list[str], dict]:
        """Frame stems and {trackid: (boxes, occluded, class)} of one video (the last one is cached)."""
        if self._parsed is not None and self._parsed[0] == video:
            return self._parsed[1], self._parsed[2]
        ann_dir = self.annotation_dir / video
        stems = natural_sorted(e.name[:-4] for e in list_dir(ann_dir) if e.name.endswith(".xml"))
        n = len(stems)
        tracks: dict[int, dict] = {}
        size = None
        for i, stem in enumerate(stems):
            try:
                root = ET.parse(ann_dir / f"{stem}.xml").getroot()
            except ET.ParseError as exc:
                raise SeatError(f"ImageNet VID annotation {ann_dir / stem}.xml: not valid XML ({exc})") from None
            if size is None and root.find("size") is not None:
                size = (int(_number(root.find("size"), "width")), int(_number(root.find("size"), "height")))
            for obj in root.iter("object"):
                trackid = int(obj.findtext("trackid", "-1"))
                track = tracks.setdefault(trackid, {"boxes": np.full((n, 4), np.nan), "occluded": np.zeros(n, bool),
                                                    "present": np.zeros(n, bool), "class": obj.findtext("name", "")})
                box = obj.find("bndbox")
                if box is None:
                    continue
                x0, y0, x1, y1 = (_number(box, t) for t in ("xmin", "ymin", "xmax", "ymax"))
                track["boxes"][i] = (x0, y0, x1 - x0 + 1, y1 - y0 + 1)
                track["occluded"][i] = obj.findtext("occluded", "0").strip() == "1"
                track["present"][i] = True
        parsed = {"tracks": tracks, "image_size": size}
        self._parsed = (video, stems, parsed)
        return stems, parsed

    def _load(self, name: str, notes: Counter[str]) -> Sequence:
        video, trackid = self._tracks[name]
        stems, parsed = self._parse_video(video)
        on_disk = {e.name for e in list_dir(self.data_dir / video)}
        frames = [str(self.data_dir / video / f"{stem}.JPEG") for stem in stems]
        present = np.array([f"{stem}.JPEG" in on_disk for stem in stems], dtype=bool)
        track = parsed["tracks"].get(trackid)
        if track is None:
            notes["missing_annotation"] += 1
            return self.empty(name)
        attributes = {"video": Path(video).name, "trackid": trackid, "object_class": track["class"],
                      "image_size": parsed["image_size"]}
        return self.assemble(name, frames, track["boxes"], notes, present=present,
                             labelled_visible=track["present"], frame_attributes={"occluded": track["occluded"]},
                             attributes=attributes)
