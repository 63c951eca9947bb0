"""Siamese training pairs (spec §6.2/§7): sample a template and a search frame, crop, augment, label.

Sources are weighted; each yields pairs either from annotated `Sequence`s (frames within `frame_range` of each
other, both with a visible target) or from a generator with a `sample(rng)` method (the synthetic source).
Every item is a pure function of (seed, global index), so the data order and augmentations are identical across
worker counts, ranks and resumed runs. Each item also carries the bad data met while making it (a count per
reason), so the counts reach the trainer from any data-loader worker and rank.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from typing import NamedTuple, Protocol

import numpy as np
import torch
from torch.utils.data import Dataset

from ..errors import SeatError
from ..models.seat import MapGeometry
from ..ops.crops import CropWindow, context_side, crop, image_mean
from .augment import ColorAugment, blur, color_jitter, to_gray
from .labels import make_labels
from .sequence import Sequence
from .sources.base import REASONS, DatasetSource

log = logging.getLogger(__name__)


DATA_ISSUES: tuple[str, ...] = (*REASONS, "other")  # each item's "data_issues" vector; "other": unlisted reasons
ATTEMPTS = 20  # draws tried before a generator gives up


class Pair(NamedTuple):
    """A template frame and a search frame (BGR uint8) with x,y,w,h boxes; `visible_x` False makes a negative.

    `origin` names the template's sequence inside its generator (None where every pair is a new scene), so that a
    negative's search frame can come from a different one.
    """

    image_z: np.ndarray
    box_z: np.ndarray
    image_x: np.ndarray
    box_x: np.ndarray
    visible_x: bool
    origin: int | None = None


class PairGenerator(Protocol):
    """A pair source: `sample(rng)` makes a `Pair`; `distractor(rng, avoid)` a search frame and box of a target
    other than the one of sequence `avoid` (a `Pair.origin`), or None when the generator has no such frame.

    `warnings` counts the bad data met so far in this process (reason -> count, reasons from `DATA_ISSUES`).
    """

    warnings: Counter[str]

    def sample(self, rng: np.random.Generator) -> Pair: ...

    def distractor(self, rng: np.random.Generator, avoid: int | None = None
                   ) -> tuple[np.ndarray, np.ndarray] | None: ...


@dataclass
class CropAugment:
    """Geometric jitter of the crops, in output-crop pixels and relative scale (SOTS defaults)."""

    template_shift: float = 4.0
    template_scale: float = 0.05
    search_shift: float = 64.0
    search_scale: float = 0.18
    flip_prob: float = 0.0


@dataclass
class PairSettings:
    """How pairs are made; crop sizes come from the model, not from here."""

    context: float = 0.5
    negative_prob: float = 0.2
    r_pos: float = 2.0
    crop: CropAugment = field(default_factory=CropAugment)
    color: ColorAugment = field(default_factory=ColorAugment)


class SequencePairs:
    """Pairs from a dataset source: a visible template frame and a visible search frame within `frame_range`.

    A draw that meets bad data (a frame that cannot be read, a sequence without a visible target) is repeated, up
    to `ATTEMPTS` times, and counted in the source's `warnings` (announced once per reason by the source).
    `indices` restricts the draws to those sequences of the source.
    """

    def __init__(self, source: DatasetSource, frame_range: int, name: str = "sequences",
                 indices: list[int] | None = None):
        self.source = source
        self.indices = list(range(len(source))) if indices is None else list(indices)
        self.frame_range = frame_range
        self.name = name
        if not self.indices:
            raise SeatError(f"source {name}: no sequences")

    @property
    def warnings(self) -> Counter[str]:
        return self.source.warnings

    def sample(self, rng: np.random.Generator) -> Pair:
        for _ in range(ATTEMPTS):
            position, seq, visible = self._draw(rng)
            if visible is None:
                continue
            t = int(rng.choice(visible))
            s = int(rng.choice(visible[np.abs(visible - t) <= self.frame_range]))
            images = self._read(seq, t, s)
            if images is not None:
                return Pair(images[0], seq.boxes[t], images[1], seq.boxes[s], True, position)
        raise SeatError(f"source {self.name}: {ATTEMPTS} attempts found no readable pair "
                        f"({self.source.summary() or 'no bad data counted'})")

    def distractor(self, rng: np.random.Generator, avoid: int | None = None
                   ) -> tuple[np.ndarray, np.ndarray] | None:
        """A visible frame and its box from a sequence other than `avoid` that shares no frame file with it
        (other tracks of one video, other instances of one COCO image show the template's target too).

        None when there is no other sequence (a single-sequence source) or `ATTEMPTS` draws found none.
        """
        if avoid is not None and len(self.indices) < 2:
            return None
        taken = set(self._sequence(avoid).frames) if avoid is not None else set()
        for _ in range(ATTEMPTS):
            _, seq, visible = self._draw(rng, avoid)
            if visible is None:
                continue
            s = int(rng.choice(visible))
            if seq.frames[s] in taken:
                continue
            images = self._read(seq, s)
            if images is not None:
                return images[0], seq.boxes[s]
        return None

    def _sequence(self, position: int) -> Sequence:
        return self.source[self.indices[position]]

    def _draw(self, rng: np.random.Generator, avoid: int | None = None
              ) -> tuple[int, Sequence, np.ndarray | None]:
        """A random sequence position (never `avoid`), its sequence and visible frames (None, counted, if none)."""
        position = int(rng.integers(len(self.indices) - (avoid is not None)))
        if avoid is not None and position >= avoid:
            position += 1
        seq = self._sequence(position)
        visible = np.flatnonzero(seq.visible)
        if len(visible) == 0:
            self.source.warn("no_visible_target")
            return position, seq, None
        return position, seq, visible

    def _read(self, seq: Sequence, *frames: int) -> list[np.ndarray] | None:
        """Frames `frames` of `seq` (each file read once), or None (counted) when one cannot be read."""
        try:
            images = {i: seq.frame(i) for i in dict.fromkeys(frames)}
        except SeatError as exc:
            self.source.warn("unreadable_frame")
            log.debug("repeating a draw: %s", exc)
            return None
        return [images[i] for i in frames]


class PairDataset(Dataset):
    """Map-style dataset of `samples` pairs per epoch; item i of epoch e is seeded by (seed, e * samples + i).

    Set `epoch` before iterating an epoch (the trainer does, like DistributedSampler.set_epoch).
    """

    def __init__(self, sources: list[PairGenerator], weights: list[float], samples: int, geometry: MapGeometry,
                 sizes: tuple[int, int] = (127, 255), settings: PairSettings | None = None, seed: int = 0):
        if not sources:
            raise SeatError("training data: no sources configured")
        w = np.asarray(weights, dtype=np.float64)
        if len(w) != len(sources) or (w < 0).any() or w.sum() <= 0:
            raise SeatError(f"source weights {weights}: expected one non-negative weight per source, not all zero")
        self.sources, self.weights = sources, w / w.sum()
        self.samples, self.geometry, self.seed = samples, geometry, seed
        self.template_size, self.search_size = sizes
        self.settings = settings or PairSettings()
        self.epoch = 0

    def __len__(self) -> int:
        return self.samples

    def item(self, global_index: int) -> dict[str, torch.Tensor]:
        """Pair `global_index` as crops and labels, with the bad data met making it ("data_issues", `DATA_ISSUES`).

        A negative's search frame comes from a draw of any source by weight; from the template's own source it is
        a different sequence. Where that source has a single sequence there is none: the pair stays positive.
        """
        rng = np.random.default_rng([self.seed, global_index])
        before = self.data_issues()
        source = self.sources[int(rng.choice(len(self.sources), p=self.weights))]
        pair = source.sample(rng)
        image_x, box_x, negative = pair.image_x, pair.box_x, not pair.visible_x
        if rng.random() < self.settings.negative_prob:
            other = self.sources[int(rng.choice(len(self.sources), p=self.weights))]
            distractor = other.distractor(rng, pair.origin if other is source else None)
            if distractor is not None:
                (image_x, box_x), negative = distractor, True
        out = self._make(rng, pair.image_z, np.asarray(pair.box_z, float), image_x, np.asarray(box_x, float),
                         negative)
        out["data_issues"] = torch.from_numpy(self.data_issues() - before)
        return out

    def data_issues(self) -> np.ndarray:
        """Bad data met so far in this process, summed over the sources, as float32 counts in `DATA_ISSUES` order."""
        counts = np.zeros(len(DATA_ISSUES), dtype=np.float32)
        for source in self.sources:
            for reason, count in source.warnings.items():
                counts[DATA_ISSUES.index(reason) if reason in REASONS else -1] += count
        return counts

    def __getitem__(self, index: int) -> dict[str, torch.Tensor]:
        return self.item(self.epoch * self.samples + int(index))

    def _make(self, rng: np.random.Generator, image_z: np.ndarray, box_z: np.ndarray, image_x: np.ndarray,
              box_x: np.ndarray, negative: bool) -> dict[str, torch.Tensor]:
        st, aug = self.settings, self.settings.crop
        tz, tx = self.template_size, self.search_size
        z, z_box = _jittered_crop(rng, image_z, box_z, tz, st.context, aug.template_shift, aug.template_scale, tz)
        x, x_box = _jittered_crop(rng, image_x, box_x, tx, st.context, aug.search_shift, aug.search_scale, tz)
        if rng.random() < aug.flip_prob:
            z, z_box = z[:, ::-1], _flip_box(z_box, tz)
            x, x_box = x[:, ::-1], _flip_box(x_box, tx)
        gray = rng.random() < st.color.gray_prob
        z, x = (_photometric(rng, im, st.color, gray) for im in (z, x))
        z_box = np.clip(z_box, 0, tz)
        cls, ltrb, weight = make_labels(None if negative else x_box, self.geometry, st.r_pos)
        return {
            "z": _chw(z), "x": _chw(x), "z_box": torch.from_numpy(z_box.astype(np.float32)),
            "cls": torch.from_numpy(cls), "ltrb": torch.from_numpy(ltrb), "reg_weight": torch.from_numpy(weight),
            "x_box": torch.from_numpy(x_box.astype(np.float32)), "negative": torch.tensor(float(negative)),
        }


def _jittered_crop(rng: np.random.Generator, image: np.ndarray, box: np.ndarray, out: int, context: float,
                   shift: float, scale: float, template_size: int) -> tuple[np.ndarray, np.ndarray]:
    """Crop around the target with random shift/scale; returns the crop and the target box (x1y1x2y2) in it."""
    w, h = max(box[2], 1.0), max(box[3], 1.0)
    side = context_side(w, h, context) * out / template_size * (1 + rng.uniform(-scale, scale))
    dx, dy = rng.uniform(-shift, shift, 2) * side / out
    cx, cy = box[0] + w / 2 + dx, box[1] + h / 2 + dy
    window = CropWindow(cx, cy, side, out)
    patch = crop(image, window, image_mean(image))
    bx = window.to_crop(np.array([box[0], box[1], w, h]))
    return patch, np.array([bx[0], bx[1], bx[0] + bx[2], bx[1] + bx[3]])


def _flip_box(box: np.ndarray, size: int) -> np.ndarray:
    return np.array([size - box[2], box[1], size - box[0], box[3]])


def _photometric(rng: np.random.Generator, image: np.ndarray, cfg: ColorAugment, gray: bool) -> np.ndarray:
    image = blur(color_jitter(image, rng, cfg), rng, cfg)
    return to_gray(image) if gray else image


def _chw(image: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(image.transpose(2, 0, 1))).float()
