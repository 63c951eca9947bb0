"""UAV123 and UAV20L: frames in `<root>/data_seq/UAV123/<video>/%06d.jpg`, annotations in
`<root>/anno/UAV123/<seq>.txt` (UAV20L: `<root>/anno/UAV20L/<seq>.txt`, over the same videos).

Several UAV123 sequences are sub-ranges of one video (bird1_1, bird1_2, bird1_3 of video bird1...):
`UAV123_SUBRANGES` gives their video and first/last frame. Every other sequence starts at frame 1 of the video
of the same name and spans its annotation (this covers all UAV20L sequences, which are whole videos). NaN rows
mean the target is out of view: invisible, not counted as bad data.

Attributes: `anno/{UAV123,UAV20L}/att/<seq>.txt` holds one line of 12 comma-separated 0/1 flags in the benchmark's
fixed order `UAV_ATTRIBUTES`; the set ones become `attributes["tags"]` (e.g. ["SV", "POC"]) for per-attribute
reports. A sequence without that file has no tags; an unreadable one is counted as `unreadable_attributes`.

Provenance of the table: the benchmark's sequence configuration as shipped in the got10k toolkit's
`datasets/uav123.json` (MIT licence), cross-checked against pytracking's UAV123 sequence list; numbers only.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from ...errors import SeatError
from ..sequence import Sequence, read_box_file
from .base import DatasetSource
from .common import FrameListing, list_dir, natural_sorted, read_labels, rows_to_boxes

# sequence -> (video, first frame, last frame), 1-based inclusive
UAV123_SUBRANGES: dict[str, tuple[str, int, int]] = {
    "bird1_1": ("bird1", 1, 253), "bird1_2": ("bird1", 775, 1477), "bird1_3": ("bird1", 1573, 2437),
    "car1_1": ("car1", 1, 751), "car1_2": ("car1", 751, 1627), "car1_3": ("car1", 1627, 2629),
    "car6_1": ("car6", 1, 487), "car6_2": ("car6", 487, 1807), "car6_3": ("car6", 1807, 2953),
    "car6_4": ("car6", 2953, 3925), "car6_5": ("car6", 3925, 4861),
    "car8_1": ("car8", 1, 1357), "car8_2": ("car8", 1357, 2575),
    "car16_1": ("car16", 1, 415), "car16_2": ("car16", 415, 1993),
    "group1_1": ("group1", 1, 1333), "group1_2": ("group1", 1333, 2515), "group1_3": ("group1", 2515, 3925),
    "group1_4": ("group1", 3925, 4873),
    "group2_1": ("group2", 1, 907), "group2_2": ("group2", 907, 1771), "group2_3": ("group2", 1771, 2683),
    "group3_1": ("group3", 1, 1567), "group3_2": ("group3", 1567, 2827), "group3_3": ("group3", 2827, 4369),
    "group3_4": ("group3", 4369, 5527),
    "person2_1": ("person2", 1, 1189), "person2_2": ("person2", 1189, 2623),
    "person4_1": ("person4", 1, 1501), "person4_2": ("person4", 1501, 2743),
    "person5_1": ("person5", 1, 877), "person5_2": ("person5", 877, 2101),
    "person7_1": ("person7", 1, 1249), "person7_2": ("person7", 1249, 2065),
    "person8_1": ("person8", 1, 1075), "person8_2": ("person8", 1075, 1525),
    "person12_1": ("person12", 1, 601), "person12_2": ("person12", 601, 1621),
    "person14_1": ("person14", 1, 847), "person14_2": ("person14", 847, 1813),
    "person14_3": ("person14", 1813, 2923),
    "person17_1": ("person17", 1, 1501), "person17_2": ("person17", 1501, 2347),
    "person19_1": ("person19", 1, 1243), "person19_2": ("person19", 1243, 2791),
    "person19_3": ("person19", 2791, 4357),
    "truck4_1": ("truck4", 1, 577), "truck4_2": ("truck4", 577, 1261),
    "uav1_1": ("uav1", 1, 1555), "uav1_2": ("uav1", 1555, 2377), "uav1_3": ("uav1", 2473, 3469),
}

VARIANTS = {"uav123": "UAV123", "uav20l": "UAV20L"}
UAV_ATTRIBUTES = ("SV", "ARC", "LR", "FM", "FOC", "POC", "OV", "BC", "IV", "VC", "CM", "SOB")


class UAVSource(DatasetSource):
    """UAV123 (`variant="uav123"`) or UAV20L (`variant="uav20l"`)."""

    name = "uav"
    title = "UAV123"
    layout = "<root>/data_seq/UAV123/<video>/%06d.jpg and <root>/anno/{UAV123,UAV20L}/<seq>.txt"
    splits = ("test", "all")
    default_split = "test"
    nan_means_absent = True

    def __init__(self, root: str | Path, split: str | None = None, variant: str = "uav123") -> None:
        if variant.lower() not in VARIANTS:
            raise SeatError(f"UAV: unknown variant {variant!r}; expected one of {', '.join(VARIANTS)}")
        self.variant = variant.lower()
        self.title = VARIANTS[self.variant]
        super().__init__(root, split)

    @property
    def anno_dir(self) -> Path:
        return self.root / "anno" / VARIANTS[self.variant]

    @property
    def frames_dir(self) -> Path:
        return self.root / "data_seq" / "UAV123"

    def _check_layout(self) -> None:
        self.require(self.anno_dir, directory=True)
        self.require(self.frames_dir, directory=True)

    def _list_sequences(self) -> list[str]:
        return natural_sorted(e.name[:-4] for e in list_dir(self.anno_dir) if e.name.endswith(".txt") and e.is_file())

    def frame_range(self, name: str, rows: int) -> tuple[str, int, int]:
        """(video, first, last) frame numbers of sequence `name` with `rows` annotation rows."""
        if self.variant == "uav123" and name in UAV123_SUBRANGES:
            return UAV123_SUBRANGES[name]
        return name, 1, rows

    def _load(self, name: str, notes: Counter[str]) -> Sequence:
        boxes, _ = rows_to_boxes(read_box_file(self.anno_dir / f"{name}.txt"))
        video, first, last = self.frame_range(name, len(boxes))
        listing = FrameListing.scan(self.frames_dir / video)
        frames, present = listing.numbered(range(first, last + 1), digits=6)
        attributes = {"video": video, "first_frame": first, "last_frame": last}
        tags = self.tags(name, notes)
        if tags is not None:
            attributes["tags"] = tags
        return self.assemble(name, frames, boxes, notes, present=present, attributes=attributes)

    def tags(self, name: str, notes: Counter[str]) -> list[str] | None:
        """The attribute abbreviations flagged in `att/<name>.txt` (None without a readable file)."""
        try:
            flags = read_labels(self.anno_dir / "att" / f"{name}.txt")
        except SeatError:  # not integers
            flags = []
        if flags is None:
            return None
        if len(flags) != len(UAV_ATTRIBUTES):
            notes["unreadable_attributes"] += 1
            return None
        return [tag for tag, flag in zip(UAV_ATTRIBUTES, flags, strict=True) if flag]
