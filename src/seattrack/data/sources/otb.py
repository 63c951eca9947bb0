"""OTB-2013/2015 (OTB100): `<root>/<Seq>/img/%04d.jpg` with `<root>/<Seq>/groundtruth_rect.txt`.

Delimiters vary between files (comma, tab, space; even within one file), all accepted. Each annotation file is
one sequence: `groundtruth_rect.txt` gives `<Seq>`; a folder with several targets (`groundtruth_rect.1.txt`,
`groundtruth_rect.2.txt`: Jogging, Skating2) gives `<Seq>.1`, `<Seq>.2` sharing the frames (the got10k
toolkit's naming); a lone numbered file (Human4's `.2`) keeps the plain name. Empty annotation files are
ignored.

The frames of a sequence are exactly those its rows refer to. `OTB_QUIRKS` holds the benchmark's known
exceptions (from the benchmark's sequence configuration, as reproduced by pytracking and the got10k toolkit):
a first/last frame for sequences annotated over part of the video, 5-digit names for Board, and Tiger1 whose
benchmark run starts at frame 6 (its first 5 rows are dropped with their frames). Without a quirk, frames start
at the folder's first number; when image and row counts differ the longer side is cut and `length_mismatch`
counted. The OTB download has no attribute files (pysot takes OTB's 11 attributes from its own OTB100.json), so OTB
sequences carry no attribute tags.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from ..sequence import Sequence, read_box_file
from .base import DatasetSource
from .common import FrameListing, list_dir, list_subdirs, rows_to_boxes


@dataclass(frozen=True)
class OTBQuirk:
    """A sequence's benchmark frame range: frames first..last (None: as many as rows), name digits, rows to omit."""

    first: int = 1
    last: int | None = None
    digits: int = 4
    omit: int = 0


OTB_QUIRKS: dict[str, OTBQuirk] = {
    "David": OTBQuirk(first=300, last=770),
    "BlurCar1": OTBQuirk(first=247, last=988),
    "BlurCar3": OTBQuirk(first=3, last=359),
    "BlurCar4": OTBQuirk(first=18, last=397),
    "Football1": OTBQuirk(last=74),
    "Freeman3": OTBQuirk(last=460),
    "Freeman4": OTBQuirk(last=283),
    "Diving": OTBQuirk(last=215),
    "Board": OTBQuirk(digits=5),
    "Tiger1": OTBQuirk(omit=5),
}

_GT = re.compile(r"^groundtruth_rect(?:\.(\d+))?\.txt$")


class OTBSource(DatasetSource):
    """OTB-2015 style folders, one sequence per annotation file."""

    name = "otb"
    title = "OTB"
    layout = "<root>/<Seq>/{img/%04d.jpg, groundtruth_rect.txt} (two targets: groundtruth_rect.1.txt, .2.txt)"
    splits = ("test", "all")
    default_split = "test"

    def __init__(self, root: str | Path, split: str | None = None) -> None:
        self._targets: dict[str, tuple[str, str, int | None]] = {}
        super().__init__(root, split)

    def _check_layout(self) -> None:
        self._ensure_names()  # a hundred folders: listing now turns a wrong root into an immediate error

    def _list_sequences(self) -> list[str]:
        for video in list_subdirs(self.root):
            files = []
            for entry in list_dir(self.root / video):
                match = _GT.match(entry.name)
                if match and entry.is_file() and entry.stat().st_size > 0:
                    files.append((int(match.group(1)) if match.group(1) else None, entry.name))
            files.sort(key=lambda item: item[0] or 0)
            for target, file in files:
                name = f"{video}.{target}" if len(files) > 1 and target is not None else video
                self._targets[name] = (video, file, target)
        if not self._targets:
            raise self.layout_error("no sequence folder with img/ and groundtruth_rect.txt found")
        return list(self._targets)

    def _load(self, name: str, notes: Counter[str]) -> Sequence:
        video, file, target = self._targets[name]
        boxes, _ = rows_to_boxes(read_box_file(self.root / video / file))
        listing = FrameListing.scan(self.root / video / "img")
        quirk = OTB_QUIRKS.get(video)
        if quirk is None:
            first, count = listing.first_number(), min(len(boxes), len(listing.by_number))
            if len(boxes) != len(listing.by_number):
                notes["length_mismatch"] += 1
            numbers, digits = range(first, first + count), 4
        else:
            last = quirk.last if quirk.last is not None else quirk.first + len(boxes) - 1
            if quirk.omit and len(boxes) == last - quirk.first + 1:
                boxes = boxes[quirk.omit:]
            numbers, digits = range(quirk.first + quirk.omit, last + 1), quirk.digits
            if len(numbers) != len(boxes):
                notes["length_mismatch"] += 1
                numbers = numbers[: len(boxes)]
        boxes = boxes[: len(numbers)]
        frames, present = listing.numbered(numbers, digits=digits)
        attributes = {"video": video, "first_frame": numbers.start if len(numbers) else None}
        if target is not None:
            attributes["target"] = target
        return self.assemble(name, frames, boxes, notes, present=present, attributes=attributes)
