"""Siamese training pairs (spec §6.2/§7): sample a template and a search frame, crop, augment, label.

Sources are weighted; each yields pairs either from annotated `Sequence`s (frames within `frame_range` of each
other, both with a visible target) or from a generator with a `sample(rng)` method (the synthetic source).
Every item is a pure function of (seed, global index), so the data order and augmentations are identical across
worker counts, ranks and resumed runs.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import torch
from torch.utils.data import Dataset

from ..errors import SeatError
from ..models.seat import MapGeometry
from ..track.crops import CropWindow, context_side, crop, image_mean
from .augment import ColorAugment, blur, color_jitter, to_gray
from .labels import make_labels
from .sequence import Sequence

log = logging.getLogger(__name__)


class PairGenerator(Protocol):
    """A pair source: `sample(rng)` -> (image_z, box_z, image_x, box_x, visible_x), boxes x,y,w,h.

    `visible_x` False (the target hidden in the search frame) makes the pair a negative.
    """

    def sample(self, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, bool]: ...


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
    """Pairs from annotated sequences: a visible template frame and a visible search frame within `frame_range`."""

    def __init__(self, sequences: Any, frame_range: int, name: str = "sequences", indices: list[int] | None = None):
        self.sequences = sequences
        self.indices = list(range(len(sequences))) if indices is None else list(indices)
        self.frame_range = frame_range
        self.name = name
        self.warnings: Counter = Counter()
        if not self.indices:
            raise SeatError(f"source {name}: no sequences")

    def sample(self, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, bool]:
        for _ in range(20):
            seq: Sequence = self.sequences[self.indices[int(rng.integers(len(self.indices)))]]
            visible = np.flatnonzero(seq.visible)
            if len(visible) == 0:
                self.warnings["sequence without a visible target"] += 1
                continue
            t = int(rng.choice(visible))
            near = visible[np.abs(visible - t) <= self.frame_range]
            s = int(rng.choice(near))
            try:
                image_z = seq.frame(t)
                image_x = image_z if s == t else seq.frame(s)
            except SeatError as exc:
                self.warnings["unreadable frame"] += 1
                log.debug("skipping pair: %s", exc)
                continue
            return image_z, seq.boxes[t], image_x, seq.boxes[s], True
        raise SeatError(f"source {self.name}: 20 attempts found no readable pair (see warnings {dict(self.warnings)})")


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
        rng = np.random.default_rng([self.seed, global_index])
        source = self.sources[int(rng.choice(len(self.sources), p=self.weights))]
        image_z, box_z, image_x, box_x, visible_x = source.sample(rng)
        negative = rng.random() < self.settings.negative_prob
        if negative:  # search crop from another draw: the template's target is absent
            other = self.sources[int(rng.choice(len(self.sources), p=self.weights))]
            image_x, box_x = other.sample(rng)[2:4]
        negative = negative or not visible_x
        return self._make(rng, image_z, np.asarray(box_z, float), image_x, np.asarray(box_x, float), negative)

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
