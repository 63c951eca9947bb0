"""`DatasetSource`: the common shape of every dataset reader.

A source checks its on-disk layout when built (a wrong root is a one-line `SeatError` naming what is missing and
the expected layout), lists its sequence names on first use without decoding any image, and loads a sequence's
annotations only when it is asked for (`source[i]` or `source["name"]`), keeping a few recent ones cached.

Bad data never crashes a reader: missing frame files are dropped, unusable boxes are marked invisible, short
annotation files are padded with NaN (invisible), unreadable annotation files give an empty sequence. Each case
is counted in `source.warnings` (a Counter of reason -> count, each sequence counted once per process) and
announced by one `SeatDataWarning` per reason and source, never one per frame. The pair sampler
(`data.pairs.SequencePairs`) counts the training draws it has to repeat there too, once per draw.
"""

from __future__ import annotations

import abc
import warnings
from collections import Counter, OrderedDict
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from ...errors import SeatError
from ..sequence import Sequence, valid_boxes
from .common import fit_length


class SeatDataWarning(UserWarning):
    """A dataset has bad entries that were skipped or marked invisible (counts in `source.warnings`)."""


REASONS = {
    "missing_frame": "frame files listed by the annotations are missing (those frames are dropped)",
    "invalid_box": "NaN, negative or zero-size boxes on frames labelled visible (marked invisible)",
    "empty_sequence": "sequences without any usable frame (skipped when iterating)",
    "annotation_shorter_than_frames": "frames without an annotation row (padded with NaN, invisible)",
    "annotation_longer_than_frames": "annotation rows without a frame (ignored)",
    "length_mismatch": "annotation and frame counts differ without a known quirk (truncated to the shorter)",
    "label_length_mismatch": "per-frame label files whose length differs from the frame count (padded or cut)",
    "missing_sequence": "sequences named in a list file without a folder (skipped)",
    "missing_annotation": "sequences without an annotation file (empty)",
    "unreadable_annotation": "annotation or label files that cannot be parsed (sequence empty)",
    "unreadable_attributes": "attribute files that cannot be parsed (the sequence keeps no attribute tags)",
    "duplicate_sequence": "sequence names found twice (the first is kept)",
    "missing_image_record": "annotations whose image is not in the image table (skipped)",
    "unreadable_frame": "training draws that met a frame file that cannot be read or decoded (drawn again)",
    "no_visible_target": "training draws of a sequence without a visible target (drawn again)",
}


class DatasetSource(abc.ABC):
    """A dataset on disk as a lazily loaded list of `Sequence`s.

    Subclasses set `name` (registry key), `title` (for messages), `layout` (the expected layout, quoted in
    errors), `splits`/`default_split`, and implement `_check_layout`, `_list_sequences` and `_load`.
    """

    name: ClassVar[str] = ""
    title: ClassVar[str] = ""
    layout: ClassVar[str] = ""
    splits: ClassVar[tuple[str, ...]] = ("all",)
    default_split: ClassVar[str] = "all"
    #: NaN rows mean "target absent" in this dataset's own convention: not counted as bad boxes.
    nan_means_absent: ClassVar[bool] = False
    cache_size: ClassVar[int] = 16

    def __init__(self, root: str | Path, split: str | None = None) -> None:
        self.root = Path(root).expanduser()
        self.split = self._resolve_split(split)
        self.warnings: Counter[str] = Counter()
        self._names: list[str] | None = None
        self._positions: dict[str, int] = {}
        self._cache: OrderedDict[str, Sequence] = OrderedDict()
        self._counted: set[str] = set()
        self._announced: set[str] = set()
        if not self.root.is_dir():
            raise self.layout_error("not a directory")
        self._check_layout()

    # -- subclass hooks -------------------------------------------------------------------------------------

    @abc.abstractmethod
    def _check_layout(self) -> None:
        """Raise `layout_error` when a file or folder every valid root has is missing (cheap checks only)."""

    @abc.abstractmethod
    def _list_sequences(self) -> list[str]:
        """Sequence names of the selected split, without reading annotations where avoidable."""

    @abc.abstractmethod
    def _load(self, name: str, notes: Counter[str]) -> Sequence:
        """Read one sequence's annotations; count bad data in `notes` (usually via `assemble`)."""

    # -- public API -----------------------------------------------------------------------------------------

    def sequence_names(self) -> list[str]:
        """Names of the sequences of the selected split (listed once, on first use)."""
        return list(self._ensure_names())

    def __len__(self) -> int:
        return len(self._ensure_names())

    def __getitem__(self, index: int | str) -> Sequence:
        """Sequence by position or by name, loaded now (bad data counted, never raised)."""
        names = self._ensure_names()
        if isinstance(index, str):
            if index not in self._positions:
                raise KeyError(f"{self.title} ({self.split}): no sequence named {index!r}")
            name = index
        else:
            name = names[index]
        if name in self._cache:
            self._cache.move_to_end(name)
            return self._cache[name]
        notes: Counter[str] = Counter()
        try:
            sequence = self._load(name, notes)
        except SeatError as exc:
            notes["unreadable_annotation"] += 1
            sequence = self.empty(name, detail=str(exc))
        if name not in self._counted:
            self._counted.add(name)
            for reason, count in notes.items():
                self.warn(reason, count)
        self._cache[name] = sequence
        if len(self._cache) > self.cache_size:
            self._cache.popitem(last=False)
        return sequence

    def __iter__(self) -> Iterator[Sequence]:
        """All non-empty sequences in order (empty ones are counted in `warnings` and skipped)."""
        for name in self._ensure_names():
            sequence = self[name]
            if len(sequence):
                yield sequence

    def __repr__(self) -> str:
        count = len(self._names) if self._names is not None else "?"
        return f"{type(self).__name__}(root={str(self.root)!r}, split={self.split!r}, sequences={count})"

    def summary(self) -> str:
        """One line per warning reason with its count (empty string when the data was clean)."""
        return "\n".join(f"{self.title}: {count} x {REASONS.get(reason, reason)}"
                         for reason, count in sorted(self.warnings.items()))

    # -- helpers for subclasses -----------------------------------------------------------------------------

    def layout_error(self, problem: str) -> SeatError:
        """The one-line layout error: '<Title> root <root>: <problem>; expected <layout>'."""
        return SeatError(f"{self.title} root {self.root}: {problem}; expected {self.layout}")

    def require(self, path: Path, directory: bool = False) -> Path:
        """`path` if it exists as a file (or folder), else raise `layout_error` naming it."""
        if not (path.is_dir() if directory else path.is_file()):
            raise self.layout_error(f"missing {path}")
        return path

    def warn(self, reason: str, count: int = 1) -> None:
        """Count `count` cases of `reason`; announce the reason once per source with a SeatDataWarning."""
        if count <= 0:
            return
        self.warnings[reason] += count
        if reason not in self._announced:
            self._announced.add(reason)
            warnings.warn(f"{self.title} at {self.root}: {REASONS.get(reason, reason)}; "
                          f"counts in source.warnings[{reason!r}]", SeatDataWarning, stacklevel=3)

    def empty(self, name: str, detail: str = "", **attributes: Any) -> Sequence:
        """A zero-length sequence (missing or unreadable annotations)."""
        if detail:
            attributes["error"] = detail
        return Sequence(name, [], np.zeros((0, 4)), np.zeros(0, bool), attributes, self.name)

    def assemble(self, name: str, frames: list[str], boxes: np.ndarray, notes: Counter[str], *,
                 present: np.ndarray | None = None, labelled_visible: np.ndarray | None = None,
                 frame_attributes: dict[str, np.ndarray] | None = None, attributes: dict[str, Any] | None = None,
                 pad_ok: bool = False) -> Sequence:
        """Build a `Sequence` from per-frame data, repairing and counting bad data.

        `frames` fixes the length N. `boxes` shorter than N are padded with NaN (counted unless `pad_ok`, e.g.
        GOT-10k test annotations with only frame 1), longer ones are cut. `labelled_visible` is the dataset's
        own visibility labelling (absence, occlusion...); a frame is visible when it is labelled visible and its
        box is finite with positive size. `present` marks frame files that exist: the others are dropped, with
        their boxes and per-frame attributes.
        """
        n = len(frames)
        boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
        rows = len(boxes)
        if rows < n and not pad_ok:
            notes["annotation_shorter_than_frames"] += n - rows
        elif rows > n:
            notes["annotation_longer_than_frames"] += rows - n
        boxes = fit_length(boxes, n)
        per_frame = {}
        for key, values in (frame_attributes or {}).items():
            if len(values) != n:
                notes["label_length_mismatch"] += 1
            per_frame[key] = fit_length(values, n)
        labelled = np.ones(n, bool) if labelled_visible is None else fit_length(labelled_visible.astype(bool), n)
        valid = valid_boxes(boxes)
        visible = valid & labelled
        suspicious = ~valid & labelled & (np.arange(n) < rows)
        if self.nan_means_absent:
            suspicious &= ~np.isnan(boxes).all(1)
        notes["invalid_box"] += int(suspicious.sum())
        if present is not None and not present.all():
            notes["missing_frame"] += int((~present).sum())
            frames = [f for f, keep in zip(frames, present, strict=True) if keep]
            boxes, visible = boxes[present], visible[present]
            per_frame = {k: v[present] for k, v in per_frame.items()}
        if not frames:
            notes["empty_sequence"] += 1
        return Sequence(name, frames, boxes, visible, {**(attributes or {}), **per_frame}, self.name)

    # -- internals ------------------------------------------------------------------------------------------

    def _resolve_split(self, split: str | None) -> str:
        split = self.default_split if split is None else str(split).strip()
        if split not in self.splits:
            raise SeatError(f"{self.title}: unknown split {split!r}; expected one of {', '.join(self.splits)}")
        return split

    def _ensure_names(self) -> list[str]:
        if self._names is None:
            names = self._list_sequences()
            self._names = names
            self._positions = {n: i for i, n in enumerate(names)}
        return self._names
