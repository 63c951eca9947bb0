"""SeatTracker: the SiamFC/Ocean-style tracking loop of spec §8 around any backend.

    tracker = SeatTracker(backend, hypers)
    tracker.init(image, (x, y, w, h))          # BGR uint8 (grayscale / 16-bit are converted)
    result = tracker.update(image)             # TrackResult(box_xywh, score)

Per frame: crop a context square around the previous centre, run the network, decode a box at every grid cell,
multiply the classification by a scale/ratio-change penalty, blend with a cosine window, take the arg-max, move
the centre there and smooth the size with a learning rate scaled by the penalised score, then clamp to the image.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np

from ..errors import SeatError
from ..models.seat import SeatNet
from ..ops.crops import CropWindow, context_side, crop, image_mean
from ..ops.frames import to_bgr8
from .backends import Backend, TorchBackend, track_together
from .hypers import TrackerHypers, load_hypers
from .presence import FEATURES, LostState, PresenceModel, score_map_features


@dataclass
class TrackResult:
    """A tracked box (x, y, w, h in image pixels, inside the image), the classifier's confidence in [0, 1], and, when
    the tracker has a presence calibration for its weights (`track.presence`), the probability that the target is
    in the box and whether it is lost (with hysteresis); None and False otherwise."""

    box_xywh: np.ndarray
    score: float
    present: float | None = None
    lost: bool = False


@runtime_checkable
class Tracker(Protocol):
    """The public contract of a single-object tracker (`SeatTracker`, or any object of the same shape):
    `init(image, box_xywh)` on the first frame, then `update(image) -> TrackResult` on every following frame."""

    def init(self, image: np.ndarray, box_xywh) -> None: ...

    def update(self, image: np.ndarray) -> TrackResult: ...


def check_init_box(box_xywh, image_shape: tuple[int, ...]) -> np.ndarray:
    """Validate an initial box: 4 finite numbers, positive size, overlapping the image."""
    try:
        box = np.asarray(box_xywh, dtype=np.float64).reshape(4)
    except (TypeError, ValueError):
        raise SeatError(f"init box {box_xywh!r}: expected 4 numbers x,y,w,h") from None
    h, w = image_shape[:2]
    if not np.isfinite(box).all() or box[2] <= 0 or box[3] <= 0:
        raise SeatError(f"init box {box.tolist()}: expected finite x,y and positive w,h")
    if box[0] >= w or box[1] >= h or box[0] + box[2] <= 0 or box[1] + box[3] <= 0:
        raise SeatError(f"init box {box.tolist()}: lies outside the {w}x{h} image")
    if box[2] > 4 * w or box[3] > 4 * h:
        raise SeatError(f"init box {box.tolist()}: larger than 4x the {w}x{h} image")
    return box


def _change(r: np.ndarray) -> np.ndarray:
    return np.maximum(r, 1.0 / r)


def cosine_window(cells: np.ndarray, center: float, stride: float) -> np.ndarray:
    """Hann window over score cells at positions `cells` (crop pixels), peaking at the crop centre `center`.

    For a grid symmetric about the centre this is SiamFC's `outer(hanning(S), hanning(S))` (S + 2 points, ends
    dropped); grids whose first cell sits at the backbone's receptive-field offset are not symmetric, so the window
    is evaluated at each cell's distance from the centre rather than by cell index.
    """
    half_period = stride * (len(cells) + 1) / 2
    d = np.clip((cells - center) / half_period, -1.0, 1.0)
    hann = 0.5 + 0.5 * np.cos(np.pi * d)
    return np.outer(hann, hann)


class SeatTracker:
    """Single-object tracker: `init(image, box_xywh)`, then `update(image) -> TrackResult` per frame.

    `model` is a backend (`track.backends`) or a `SeatNet`, which then runs in eager PyTorch on its own device.
    """

    def __init__(self, model: Backend | SeatNet, hypers: TrackerHypers | str | None = "default",
                 presence: PresenceModel | None = None):
        if isinstance(model, SeatNet):
            model = TorchBackend(model, str(next(model.parameters()).device))
        self.backend = model
        self.hypers = load_hypers(hypers)
        self.presence = presence
        self._lost: LostState | None = None
        self.last_features: np.ndarray | None = None  # the presence features of the last frame
        self._maps: dict[int, tuple[np.ndarray, np.ndarray]] = {}  # search size -> (cell centres, window)
        self.center: np.ndarray | None = None
        self.size: np.ndarray | None = None

    # ------------------------------------------------------------------------------------------ geometry
    def _grid(self, search_size: int) -> tuple[np.ndarray, np.ndarray]:
        """Cell centres (S,) in search-crop pixels, and the cosine window (S, S) for that search size."""
        if search_size not in self._maps:
            geo = self.backend.geometry(search_size)
            cells = geo.offset + geo.stride * np.arange(geo.size, dtype=np.float64)
            self._maps[search_size] = cells, cosine_window(cells, search_size / 2, geo.stride)
        return self._maps[search_size]

    # ---------------------------------------------------------------------------------------------- init
    def init(self, image: np.ndarray, box_xywh) -> None:
        """Start tracking the target in `box_xywh` (x, y, w, h in pixels) on `image`."""
        image = to_bgr8(image, "init image")
        box = check_init_box(box_xywh, image.shape)
        hp = self.hypers
        self.center = box[:2] + box[2:] / 2
        self.size = box[2:].copy()
        self._lost = LostState(self.presence) if self.presence else None
        self._next_tile, self._ms_per_tile = 0, 1.0  # re-detection: the next tile, and its measured cost
        self.min_size = min(hp.min_size, float(box[2]), float(box[3]))
        img_h, img_w = image.shape[:2]
        small = box[2] * box[3] / float(img_h * img_w) < hp.small_target_ratio
        self.search_size = self.base_search_size = hp.big_sz if small else hp.small_sz
        t = self.backend.template_size
        window = CropWindow(*self.center, context_side(*self.size, hp.context), t)
        z = crop(image, window)
        x, y, w, h = window.to_crop(box)
        box_in_crop = np.array([x, y, x + w, y + h])
        self.state = self.backend.template(z, np.clip(box_in_crop, 0, t))
        self._grid(self.search_size)

    # -------------------------------------------------------------------------------------------- update
    def update(self, image: np.ndarray) -> TrackResult:
        """Locate the target in the next frame."""
        image, windows, crops = self.search_crop(image)
        outputs = ([self.backend.track(crops[0], self.state)] if len(crops) == 1 else
                   track_together(self.backend, crops, [self.state] * len(crops)))
        return self.finish(image, windows, outputs)

    def finish(self, image: np.ndarray, windows: list[CropWindow], outputs: list[tuple[np.ndarray, np.ndarray]]
               ) -> TrackResult:
        """`update`'s second half, given the network's output (cls, ltrb) on each of this frame's search crops (split
        out so that `MultiTracker` and `eval --batch` run several crops in one network call): move to the best cell
        over the scales, or, while the target is lost and `redetect_ms` allows, to a better one found over the whole
        frame (`redetect`)."""
        best, factor = self._best_over_scales(windows, outputs)
        if self._lost is not None and self._lost.lost and self.hypers.redetect_ms > 0:
            found = self.redetect(image, windows[0], best)
            if found is not best:  # a tile won: it has the unit scale
                best, factor = found, 1.0
        return self._move(image.shape, best, factor)

    def _best_over_scales(self, windows: list[CropWindow], outputs: list[tuple[np.ndarray, np.ndarray]]
                          ) -> tuple[tuple | None, float]:
        """The best cell over the search windows (`search_windows` order: scale 1 first) and its window's scale
        factor; a non-unit scale's score counts `scale_penalty` times (SiamFC)."""
        best, factor, best_score = None, 1.0, -np.inf
        for f, window, out in zip(self.scale_factors(), windows, outputs):
            cell = self._best_cell(window, *out)
            score = -np.inf if cell is None else cell[1] * (1.0 if f == 1.0 else self.hypers.scale_penalty)
            if score > best_score:
                best, factor, best_score = cell, f, score
        return best, factor

    def redetect(self, image: np.ndarray, window: CropWindow, local: tuple | None) -> tuple | None:
        """While lost: the local search's best cell (`local`, on `window`) competes with tiles of the same scale
        laid over the whole frame, as many per frame as `redetect_ms` allows (in one batched network call, taken in
        turn over frames); a tile's best cell wins when its presence beats both the local one and `found_above`.
        `lost` clears only through the usual hysteresis."""
        tiles = self._tiles(image.shape, window)
        count = max(1, min(len(tiles), int(self.hypers.redetect_ms / max(self._ms_per_tile, 1e-3))))
        chosen = [tiles[(self._next_tile + k) % len(tiles)] for k in range(count)]
        self._next_tile = (self._next_tile + count) % len(tiles)
        start = time.perf_counter()
        mean = image_mean(image)
        outputs = track_together(self.backend, [crop(image, w, mean) for w in chosen], [self.state] * count)
        self._ms_per_tile = 1000 * (time.perf_counter() - start) / count
        floor = max(self.presence.probability(local[3]) if local else 0.0, self.presence.found_above)
        candidates = [c for c in (self._best_cell(t, *out) for t, out in zip(chosen, outputs)) if c is not None]
        best = max(candidates, key=lambda c: self.presence.probability(c[3]), default=None)
        return best if best is not None and self.presence.probability(best[3]) > floor else local

    def _tiles(self, shape: tuple[int, ...], window: CropWindow) -> list[CropWindow]:
        """Search windows of `window`'s size laid over the whole image with a third of overlap, nearest first."""
        img_h, img_w = shape[:2]
        step = max(window.side * 2 / 3, 1.0)
        xs = np.arange(window.side / 2, max(img_w - window.side / 2, window.side / 2) + step, step)
        ys = np.arange(window.side / 2, max(img_h - window.side / 2, window.side / 2) + step, step)
        tiles = [CropWindow(float(x), float(y), window.side, window.out) for y in ys for x in xs]
        return sorted(tiles, key=lambda t: (t.cx - window.cx) ** 2 + (t.cy - window.cy) ** 2)

    def search_crop(self, image: np.ndarray) -> tuple[np.ndarray, list[CropWindow], list[np.ndarray]]:
        """The frame as BGR uint8, the windows of this frame's search crops and the crops themselves: `update`'s first
        half, split out for callers that run several targets' crops through one network call."""
        if self.center is None:
            raise SeatError("update() called before init(image, box)")
        image = to_bgr8(image, "frame")
        windows = self.search_windows()
        mean = image_mean(image)
        return image, windows, [crop(image, w, mean) for w in windows]

    def scale_factors(self) -> tuple[float, ...]:
        """Side factors of the search windows: 1, and with `scale_step` also 1/(1+step) and 1+step."""
        step = self.hypers.scale_step
        return (1.0,) if step <= 0 else (1.0, 1.0 / (1.0 + step), 1.0 + step)

    def search_windows(self) -> list[CropWindow]:
        """Where this frame's search crops come from: a context square around the previous centre, at each of
        `scale_factors`."""
        t, s = self.backend.template_size, self.search_size
        side = context_side(*self.size, self.hypers.context) * s / t
        return [CropWindow(*self.center, side * f, s) for f in self.scale_factors()]

    def _move(self, shape: tuple[int, ...], best: tuple | None, factor: float = 1.0) -> TrackResult:
        """Move the target to `best` (`_best_cell`'s box, score, size rate and features) in an image of `shape`;
        `factor` is the winning search window's scale (the size follows it at `scale_lr`)."""
        if best is None:  # a broken output never moves the box
            return self._result(self._clipped_box(shape), 0.0, np.zeros(len(FEATURES)))
        found, score, lr, features = best
        scaled = self.size * (1 + self.hypers.scale_lr * (factor - 1))
        new_size = self._damped(scaled * (1 - lr) + found[2:] * lr)
        self._set_state(found[:2] + found[2:] / 2, new_size, shape)
        hp = self.hypers
        if hp.recover_score > 0:
            self.search_size = max(hp.recover_sz, self.base_search_size) if score < hp.recover_score \
                else self.base_search_size
        return self._result(self._clipped_box(shape), score, features)

    def _best_cell(self, window: CropWindow, cls: np.ndarray, ltrb: np.ndarray
                   ) -> tuple[np.ndarray, float, float, np.ndarray] | None:
        """(box found in image pixels, classifier score, size learning rate, presence features) at the best
        penalised cell of `window`'s output, or None for a non-finite output; changes nothing."""
        hp = self.hypers
        s = window.out
        grid, cosine = self._grid(s)
        gx, gy = grid[None, :], grid[:, None]
        x1, y1, x2, y2 = gx - ltrb[0], gy - ltrb[1], gx + ltrb[2], gy + ltrb[3]
        pw, ph = x2 - x1, y2 - y1
        target_w, target_h = self.size * window.scale
        s_c = _change(context_side(pw, ph) / context_side(target_w, target_h))
        r_c = _change((target_w / target_h) / np.maximum(pw / np.maximum(ph, 1e-6), 1e-6))
        penalty = np.exp(-(r_c * s_c - 1.0) * hp.penalty_k)
        pscore = penalty * cls
        pscore = pscore * (1 - hp.window_influence) + cosine * hp.window_influence
        if not np.isfinite(pscore).all():
            return None
        r, c = np.unravel_index(int(np.argmax(pscore)), pscore.shape)
        found = window.to_image(np.array([x1[r, c], y1[r, c], pw[r, c], ph[r, c]]))
        lr = float(penalty[r, c] * cls[r, c] * hp.lr)
        return found, float(cls[r, c]), lr, score_map_features(cls, int(r), int(c))

    def _result(self, box: np.ndarray, score: float, features: np.ndarray) -> TrackResult:
        """The frame's result, with presence and `lost` when the tracker has a presence calibration."""
        self.last_features = features
        if self.presence is None or self._lost is None:
            return TrackResult(box, score)
        present = self.presence.probability(features)
        return TrackResult(box, score, present, self._lost.step(present))

    def _damped(self, size: np.ndarray) -> np.ndarray:
        """`size` with `aspect_damping` of its aspect change held back (area kept) and its relative change capped at
        `max_scale_step` per frame (both off by default)."""
        hp = self.hypers
        if hp.aspect_damping > 0:
            old, new = self.size[0] / self.size[1], size[0] / size[1]
            aspect = old ** hp.aspect_damping * new ** (1 - hp.aspect_damping)
            area = size[0] * size[1]
            size = np.array([np.sqrt(area * aspect), np.sqrt(area / aspect)])
        if hp.max_scale_step > 0:
            ratio = np.sqrt(size.prod() / self.size.prod())
            step = 1 + hp.max_scale_step
            size = size * np.clip(ratio, 1 / step, step) / ratio
        return size

    def _set_state(self, center: np.ndarray, size: np.ndarray, shape: tuple[int, ...]) -> None:
        img_h, img_w = shape[:2]
        self.center = np.clip(center, 0.0, [img_w, img_h])
        self.size = np.clip(size, self.min_size, [max(img_w, self.min_size), max(img_h, self.min_size)])

    def _clipped_box(self, shape: tuple[int, ...]) -> np.ndarray:
        """The current box intersected with the image (never empty: the centre is inside the image)."""
        img_h, img_w = shape[:2]
        x1y1 = np.clip(self.center - self.size / 2, 0.0, [img_w, img_h])
        x2y2 = np.clip(self.center + self.size / 2, 0.0, [img_w, img_h])
        wh = np.maximum(x2y2 - x1y1, 1.0)
        x1y1 = np.minimum(x1y1, np.array([img_w, img_h]) - wh)
        return np.concatenate([x1y1, wh])
