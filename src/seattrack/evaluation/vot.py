"""VOT2016-2019 reset-based ("baseline", supervised) protocol: the run driver, accuracy, robustness and EAO.

A run is one output per frame: a marker (`INIT` 1 at every (re)initialisation, `FAILURE` 2 where the overlap with
the ground truth dropped to 0, `SKIPPED` 0 for the frames skipped before re-initialising) or the tracker's box
(x, y, w, h). Overlaps are bounded to the image and the ground truth may be a polygon (`attributes["polygons"]`,
(N, 8)), as in the vot-toolkit stacks vot2016-vot2019 (field-notes §2.4).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..data.sequence import Sequence, valid_boxes
from ..errors import SeatError
from .got10k import image_size

INIT, FAILURE, SKIPPED = 1, 2, 0
VOTOutput = int | np.ndarray
EAO_INTERVALS: dict[str, tuple[int, int]] = {
    "vot2016": (108, 371), "vot2017": (100, 356), "vot2018": (100, 356), "vot2019": (46, 291)}

# -- region overlap --------------------------------------------------------------------------------------------


def _clip_polygon(points: list[tuple[float, float]], x0: float, y0: float, x1: float,
                  y1: float) -> list[tuple[float, float]]:
    """Sutherland-Hodgman: the part of a polygon inside the rectangle [x0, x1] x [y0, y1]."""
    for axis, bound, keep_above in ((0, x0, True), (0, x1, False), (1, y0, True), (1, y1, False)):
        inside = [(p[axis] >= bound) if keep_above else (p[axis] <= bound) for p in points]
        clipped = []
        for i, point in enumerate(points):
            prev = points[i - 1]
            if inside[i] != inside[i - 1]:
                t = (bound - prev[axis]) / (point[axis] - prev[axis])
                clipped.append((prev[0] + t * (point[0] - prev[0]), prev[1] + t * (point[1] - prev[1])))
            if inside[i]:
                clipped.append(point)
        points = clipped
        if not points:
            break
    return points


def _area(points: list[tuple[float, float]]) -> float:
    if len(points) < 3:
        return 0.0
    xs, ys = np.array(points).T
    return float(abs(np.dot(xs, np.roll(ys, -1)) - np.dot(ys, np.roll(xs, -1))) / 2.0)


def _corners(region: np.ndarray) -> list[tuple[float, float]]:
    if len(region) == 8:
        return [(float(region[2 * i]), float(region[2 * i + 1])) for i in range(4)]
    x, y, w, h = (float(v) for v in region)
    return [(x, y), (x + w, y), (x + w, y + h), (x, y + h)]


def region_overlap(box_xywh: Any, gt_region: Any, size: tuple[int, int]) -> float:
    """Overlap (IoU) of a predicted box and a ground-truth rectangle (4) or polygon (8), both bounded to the image
    [0, W] x [0, H]; an empty, NaN or off-image box has overlap 0."""
    box = np.asarray(box_xywh, dtype=np.float64).reshape(-1)
    region = np.asarray(gt_region, dtype=np.float64).reshape(-1)
    if not (np.isfinite(box).all() and np.isfinite(region).all()) or box[2] <= 0 or box[3] <= 0:
        return 0.0
    width, height = size
    gt = _clip_polygon(_corners(region), 0.0, 0.0, width, height)
    x0, y0 = max(box[0], 0.0), max(box[1], 0.0)
    x1, y1 = min(box[0] + box[2], width), min(box[1] + box[3], height)
    box_area = max(x1 - x0, 0.0) * max(y1 - y0, 0.0)
    inter = _area(_clip_polygon(gt, x0, y0, x1, y1)) if box_area > 0 and gt else 0.0
    union = _area(gt) + box_area - inter
    return inter / union if union > 0 else 0.0


def gt_regions(sequence: Sequence) -> np.ndarray:
    """The ground-truth regions the overlaps are measured against: polygons when the sequence has them."""
    polygons = sequence.attributes.get("polygons")
    return np.asarray(polygons, dtype=np.float64) if polygons is not None else sequence.boxes


# -- the run driver -----------------------------------------------------------------------------------------------


@dataclass
class VOTRun:
    """One baseline run: per-frame outputs (markers or boxes) and per-frame seconds (0 for skipped frames)."""

    outputs: list[VOTOutput]
    times: np.ndarray

    @property
    def failures(self) -> int:
        return count_failures(self.outputs)


def _box_of(result: Any) -> np.ndarray:
    try:
        box = np.asarray(getattr(result, "box_xywh", result), dtype=np.float64).reshape(-1)
    except (TypeError, ValueError):
        box = None
    if box is None or box.shape != (4,):
        raise SeatError(f"tracker update returned {result!r}, expected a box (x, y, w, h) or an object with .box_xywh")
    return box


def run_vot_baseline(tracker: Any | Callable[[], Any], sequence: Sequence, *, skip: int = 5) -> VOTRun:
    """Run the reset-based protocol on one sequence.

    `tracker` has `init(image, box_xywh)` and `update(image)` (returning a box or an object with `.box_xywh`), or is
    a zero-argument factory called once for the run. The tracker is initialised on the first frame with a valid
    ground truth; a frame whose bounded overlap is <= 0 is a failure (marker 2), the next `skip - 1` frames are
    skipped (marker 0) and the tracker is re-initialised `skip` frames after the failure (on the next frame with a
    valid ground truth). Frames without a valid ground truth never count as failures.
    """
    if isinstance(tracker, type) or not (hasattr(tracker, "init") and hasattr(tracker, "update")):
        if not callable(tracker):
            raise SeatError("tracker must have init() and update(), or be a factory returning such an object")
        tracker = tracker()
    n = len(sequence)
    regions = gt_regions(sequence)
    usable = valid_boxes(sequence.boxes)
    outputs: list[VOTOutput] = [SKIPPED] * n
    times = np.zeros(n)
    start = _next_usable(usable, 0)
    while start is not None:
        tic = time.perf_counter()
        tracker.init(sequence.frame(start), tuple(float(v) for v in sequence.boxes[start]))
        times[start] = time.perf_counter() - tic
        outputs[start] = INIT
        start = _track_until_failure(tracker, sequence, regions, usable, start + 1, outputs, times)
        start = None if start is None else _next_usable(usable, start + skip)
    return VOTRun(outputs, times)


def _next_usable(usable: np.ndarray, frame: int) -> int | None:
    later = np.flatnonzero(usable[frame:])
    return frame + int(later[0]) if len(later) else None


def _track_until_failure(tracker: Any, sequence: Sequence, regions: np.ndarray, usable: np.ndarray, frame: int,
                         outputs: list[VOTOutput], times: np.ndarray) -> int | None:
    """Track from `frame` on; the failure frame, or None when the sequence ends without one."""
    for index in range(frame, len(sequence)):
        image = sequence.frame(index)
        tic = time.perf_counter()
        box = _box_of(tracker.update(image))
        times[index] = time.perf_counter() - tic
        size = (image.shape[1], image.shape[0])
        if usable[index] and not region_overlap(box, regions[index], size) > 0:
            outputs[index] = FAILURE
            return index
        outputs[index] = box
    return None


# -- measures -------------------------------------------------------------------------------------------------------


def is_marker(output: VOTOutput) -> bool:
    return np.ndim(output) == 0


def count_failures(outputs: Iterable[VOTOutput]) -> int:
    return sum(1 for o in outputs if is_marker(o) and int(o) == FAILURE)


def run_overlaps(outputs: list[VOTOutput], regions: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Bounded overlap per frame; 0 at marker frames."""
    return np.array([0.0 if is_marker(o) else region_overlap(o, regions[i], size) for i, o in enumerate(outputs)])


def run_accuracy(outputs: list[VOTOutput], overlaps: np.ndarray, burnin: int = 10) -> tuple[float, int]:
    """(mean overlap, frames used) of one run. Marker frames are left out, and so are the `burnin` frames that start
    at every (re)initialisation (the init frame counts as the first of them, as in vot-toolkit and pysot)."""
    used = np.ones(len(outputs), bool)
    for i, output in enumerate(outputs):
        if is_marker(output):
            used[i] = False
            if int(output) == INIT:
                used[i:i + burnin] = False
    return (float(np.mean(overlaps[used])), int(used.sum())) if used.any() else (0.0, 0)


def eao_fragments(outputs: list[VOTOutput], overlaps: np.ndarray) -> list[tuple[np.ndarray, bool]]:
    """Cut a run at its (re)initialisations: (overlaps from the init frame up to, not including, the failure,
    failed?) per fragment; the last fragment runs to the end of the sequence when it does not fail."""
    inits = [i for i, o in enumerate(outputs) if is_marker(o) and int(o) == INIT]
    fails = [i for i, o in enumerate(outputs) if is_marker(o) and int(o) == FAILURE]
    fragments = [(overlaps[start:stop], True) for start, stop in zip(inits, fails, strict=False)]
    if len(inits) > len(fails):
        fragments.append((overlaps[inits[-1]:], False))
    return fragments


def eao_curve(fragments: list[tuple[np.ndarray, bool]]) -> np.ndarray:
    """Expected-overlap curve: curve[n] = mean over fragments of the mean overlap of their frames 1..n (the init
    frame 0 excluded). A failed fragment counts at every n with zeros after its failure; a fragment that reached the
    end counts only up to its length (vot-toolkit `compute_eao_curve`, all fragment weights 1)."""
    if not fragments:
        raise SeatError("no run fragments to compute EAO from")
    longest = max(len(o) for o, _ in fragments)
    overlaps = np.zeros((len(fragments), longest))
    active = np.zeros((len(fragments), longest))
    for row, (fragment, failed) in enumerate(fragments):
        overlaps[row, :len(fragment)] = fragment
        active[row, :longest if failed else len(fragment)] = 1.0
    means = overlaps.copy()
    means[:, 1:] = np.cumsum(overlaps[:, 1:], axis=1) / np.arange(1, longest)
    return (means * active).sum(axis=0) / active.sum(axis=0)


def eao_score(curve: np.ndarray, interval: tuple[int, int]) -> float:
    """Mean of the curve over [low, high] (both ends included; the part the curve reaches, as vot-toolkit slices
    it). NaN when no fragment reaches `low`: the sequences are too short for that edition's interval."""
    low, high = interval
    part = curve[low:high + 1]
    return float(np.mean(part)) if len(part) else float("nan")


@dataclass(frozen=True)
class VOTResult:
    """VOT baseline numbers.

    accuracy: per sequence the mean over runs of the run accuracy, then length-weighted over sequences.
    failures: failures per sequence averaged over runs, summed over sequences (pysot's "Lost Number").
    robustness: failures per 100 frames, failures / total frames * 100 (pysot's robustness, e.g. 0.234).
    ar_robustness: exp(-30 * failures / total frames), the AR-plot robustness.
    eao: mean of `eao_curve` over `interval`.
    """

    accuracy: float
    failures: float
    robustness: float
    ar_robustness: float
    eao: float
    eao_curve: np.ndarray
    interval: tuple[int, int]
    frames: int
    per_sequence: dict[str, dict[str, float]]


def evaluate_vot(runs_by_seq: Mapping[str, list[list[VOTOutput]]], sequences: Iterable[Sequence], *,
                 interval: str | tuple[int, int] = "vot2019", burnin: int = 10,
                 image_sizes: Mapping[str, tuple[int, int]] | None = None) -> VOTResult:
    """Accuracy, robustness and EAO of baseline runs (name -> list of runs, each a list of per-frame outputs).

    `interval` is a year key of `EAO_INTERVALS` or an explicit (low, high).
    """
    if isinstance(interval, str):
        if interval not in EAO_INTERVALS:
            raise SeatError(f"unknown VOT edition {interval!r}, expected one of {', '.join(EAO_INTERVALS)}")
        interval = EAO_INTERVALS[interval]
    sequences = list(sequences)
    if not sequences:
        raise SeatError("no sequences to evaluate")
    per_sequence, fragments = {}, []
    for seq in sequences:
        runs = runs_by_seq.get(seq.name)
        if not runs:
            raise SeatError(f"no VOT runs for sequence {seq.name}")
        regions, size = gt_regions(seq), image_size(seq, image_sizes)
        accuracies, failures = [], []
        for run, outputs in enumerate(runs, 1):
            if len(outputs) != len(seq):
                raise SeatError(f"sequence {seq.name}: run {run} has {len(outputs)} outputs for {len(seq)} frames")
            overlaps = run_overlaps(outputs, regions, size)
            accuracies.append(run_accuracy(outputs, overlaps, burnin)[0])
            failures.append(count_failures(outputs))
            fragments += eao_fragments(outputs, overlaps)
        per_sequence[seq.name] = {"accuracy": float(np.mean(accuracies)), "failures": float(np.mean(failures)),
                                  "length": len(seq)}
    lengths = np.array([v["length"] for v in per_sequence.values()], dtype=np.float64)
    accuracy = float(np.dot(lengths, [v["accuracy"] for v in per_sequence.values()]) / lengths.sum())
    failures = float(sum(v["failures"] for v in per_sequence.values()))
    curve = eao_curve(fragments)
    return VOTResult(accuracy, failures, failures / lengths.sum() * 100.0, math.exp(-30.0 * failures / lengths.sum()),
                     eao_score(curve, interval), curve, interval, int(lengths.sum()), per_sequence)
