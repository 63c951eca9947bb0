"""VOT long-term measures: tracking precision Pr(τ), recall Re(τ), F(τ) and the F-score = max over τ.

Computed as vot-toolkit 0.9 computes them (`vot/analysis/longterm.py`), not as the papers word them:

- thresholds (`determine_thresholds`): every finite confidence of every sequence, pooled and sorted descending;
  with more than `resolution - 2` of them, `resolution - 2` are picked at indices
  `round(linspace(d, n - d, resolution - 2))`, `d = floor(n / (resolution - 2))`; then +inf first, -inf last;
- per sequence (`compute_tpr_curves`): `overlap` per frame (1 when the target is absent and the tracker reports
  nothing, 0 when only one of them has a box, else the IoU of the image-bounded boxes); at each τ the frames with
  confidence >= τ (a NaN confidence is never >= τ) give Pr(τ) = their mean overlap (1 when there are none) and
  Re(τ) = their summed overlap / the number of frames where the target is visible;
- over sequences (`PrecisionRecallCurve.aggregate`): Pr(τ) and Re(τ) each averaged with equal sequence weight,
  then (`FScoreCurve.compute`) F(τ) = 2 Pr Re / (Pr + Re) on the averages and (`PrecisionRecall.compute`) the
  F-score = max F(τ), with Pr and Re reported at the first τ reaching it.

Two things follow the code where the papers read otherwise: Pr(τ) averages over every frame with confidence >= τ,
also those where the tracker reports no box (an absent target with no box counts 1, a visible one 0), and such
absent-and-empty frames add 1 to Re's numerator too. One difference is ours: the toolkit rasterises boxes to whole
pixels (corners rounded) before the IoU; here the IoU is continuous (`ops.boxes.iou`), the same on integer boxes.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..data.sequence import Sequence, valid_boxes
from ..errors import SeatError
from ..fileio import write_text_atomic
from ..ops.boxes import intersect_image, iou
from .got10k import image_size
from .ope import labelled_visible

RESOLUTION = 100  # the toolkit's `_Thresholds.resolution` default


@dataclass(frozen=True)
class LongTermResult:
    """Pr(τ), Re(τ), F(τ) averaged over sequences at `thresholds` (descending), and the F-score with its Pr / Re."""

    thresholds: np.ndarray
    precision_curve: np.ndarray
    recall_curve: np.ndarray
    f_curve: np.ndarray
    precision: float
    recall: float
    fscore: float
    threshold: float
    names: list[str]


def determine_thresholds(scores: Iterable[float], resolution: int = RESOLUTION) -> np.ndarray:
    """The confidence thresholds of `vot.analysis.longterm.determine_thresholds` (see the module docstring)."""
    values = np.sort(np.asarray([s for s in scores if not math.isnan(s)], dtype=np.float64))[::-1]
    if len(values) > resolution - 2:
        delta = len(values) // (resolution - 2)
        values = values[np.round(np.linspace(delta, len(values) - delta, num=resolution - 2)).astype(int)]
    return np.concatenate([[np.inf], values, [-np.inf]])


def frame_overlaps(pred: Any, gt: Any, visible: Any, size: tuple[int, int]) -> np.ndarray:
    """Per-frame overlap as the toolkit's `calculate_overlaps`: a prediction that is not finite or has w or h <= 0
    is "no box"; an absent target with no box gives 1, one side without a box 0, else the bounded IoU."""
    pred = np.asarray(pred, dtype=np.float64).reshape(-1, 4)
    gt = np.asarray(gt, dtype=np.float64).reshape(-1, 4)
    visible = np.asarray(visible, dtype=bool).reshape(-1)
    reported = valid_boxes(pred)
    both = reported & visible
    out = np.where(~reported & ~visible, 1.0, 0.0)
    out[both] = iou(intersect_image(pred[both], size), intersect_image(gt[both], size))
    return out


def tpr_curves(overlaps: np.ndarray, confidence: np.ndarray, visible_frames: int,
               thresholds: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pr(τ) and Re(τ) of one sequence (`vot.analysis.longterm.compute_tpr_curves`)."""
    subset = confidence[None, :] >= thresholds[:, None]
    count = subset.sum(1)
    summed = (subset * overlaps[None, :]).sum(1)
    precision = np.where(count > 0, summed / np.maximum(count, 1), 1.0)
    recall = np.where(count > 0, summed / visible_frames, 0.0)
    return precision, recall


def evaluate_longterm(preds: Mapping[str, Any], confidences: Mapping[str, Any], sequences: Iterable[Sequence],
                      resolution: int = RESOLUTION,
                      image_sizes: Mapping[str, tuple[int, int]] | None = None) -> LongTermResult:
    """VOT long-term Pr / Re / F of per-frame boxes `preds[name]` (N, 4) and confidences `confidences[name]` (N,)
    on `sequences`. The target is visible where the dataset labels it so and its box is usable (LaSOT: neither
    `full_occlusion` nor `out_of_view`, see `ope.labelled_visible`). Frame sizes come from `image_sizes`, else
    the sequence's `resolution` attribute, else its first frame."""
    sequences = list(sequences)
    if not sequences:
        raise SeatError("long-term evaluation: no sequences")
    per_seq = []
    for seq in sequences:
        if seq.name not in preds or seq.name not in confidences:
            raise SeatError(f"sequence {seq.name}: no {'boxes' if seq.name not in preds else 'confidences'} to score")
        pred = np.asarray(preds[seq.name], dtype=np.float64).reshape(-1, 4)
        conf = np.asarray(confidences[seq.name], dtype=np.float64).reshape(-1)
        if len(pred) != len(seq) or len(conf) != len(seq):
            raise SeatError(f"sequence {seq.name}: {len(seq)} frames but {len(pred)} boxes and {len(conf)} "
                            "confidences")
        visible = labelled_visible(seq) & valid_boxes(seq.boxes)
        if not visible.any():
            raise SeatError(f"sequence {seq.name}: the target is visible in no frame, so recall is undefined")
        overlaps = frame_overlaps(pred, seq.boxes, visible, image_size(seq, image_sizes))
        per_seq.append((overlaps, conf, int(visible.sum())))
    thresholds = determine_thresholds(np.concatenate([c for _, c, _ in per_seq]), resolution)
    curves = [tpr_curves(o, c, n, thresholds) for o, c, n in per_seq]
    precision = np.mean([p for p, _ in curves], axis=0)
    recall = np.mean([r for _, r in curves], axis=0)
    total = precision + recall
    f_curve = np.where(total > 0, 2 * precision * recall / np.where(total > 0, total, 1.0), 0.0)
    best = int(np.argmax(f_curve))
    return LongTermResult(thresholds, precision, recall, f_curve, float(precision[best]), float(recall[best]),
                          float(f_curve[best]), float(thresholds[best]), [s.name for s in sequences])


# -- confidence files ------------------------------------------------------------------------------------------

def confidence_path(result_dir: str | Path, name: str) -> Path:
    """`<seq>_confidence.value` beside the OPE box file `<seq>.txt`: the toolkit reads a trajectory's property `k`
    from `<trajectory>_<k>.value`, one value per frame (`vot/tracker/results.py`, `Trajectory.read`)."""
    return Path(result_dir) / f"{name}_confidence.value"


def write_confidences(path: str | Path, confidences: np.ndarray) -> None:
    """One confidence per line (6 decimals); a NaN (the initialisation frame) as an empty line, as the toolkit
    writes a frame without the property."""
    write_text_atomic(path, "".join(f"{c:.6f}\n" if np.isfinite(c) else "\n" for c in confidences))


def read_confidences(path: str | Path) -> np.ndarray:
    """One confidence per line; an empty line is 0, as in the toolkit (`None`, then `.get('confidence', 0)`)."""
    path = Path(path)
    try:
        lines = path.read_text().splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise SeatError(f"{path}: cannot be read as a confidence file ({type(exc).__name__})") from None
    try:
        return np.array([float(line) if line.strip() else 0.0 for line in lines], dtype=np.float64)
    except ValueError:
        bad = next(i for i, line in enumerate(lines) if line.strip() and not _is_float(line))
        raise SeatError(f"{path}: line {bad + 1} {lines[bad].strip()!r} is not a number") from None


def _is_float(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def load_confidences(result_dir: str | Path, sequences: Iterable[Sequence]) -> dict[str, np.ndarray] | None:
    """Every sequence's confidences from an OPE result folder, or None when the folder has no confidence file; a
    folder with some but not all of them is an error naming the first missing file."""
    paths = {s.name: confidence_path(result_dir, s.name) for s in sequences}
    present = {name: p for name, p in paths.items() if p.is_file()}
    if not present:
        return None
    missing = [p for name, p in paths.items() if name not in present]
    if missing:
        raise SeatError(f"{missing[0]}: missing ({len(missing)} of {len(paths)} sequences have no confidence file)")
    return {name: read_confidences(p) for name, p in present.items()}


def evaluate_ope_longterm(preds: Mapping[str, Any], confidences: Mapping[str, Any], sequences: Iterable[Sequence],
                          resolution: int = RESOLUTION) -> LongTermResult:
    """`evaluate_longterm` on OPE result files, whose first row is the initialisation box: the toolkit stores that
    frame as `Special(INITIALIZATION)` (no box; `UnsupervisedExperiment.execute`), so frame 0 is scored as no box
    (its confidence still counts, as the toolkit's does)."""
    boxes = {name: np.array(pred, dtype=np.float64).reshape(-1, 4) for name, pred in preds.items()}
    for pred in boxes.values():
        pred[:1] = np.nan
    return evaluate_longterm(boxes, confidences, sequences, resolution)


LONGTERM_COLUMNS = ("LT Pr", "LT Re", "LT F")


def longterm_row(preds: Mapping[str, Any], confidences: Mapping[str, Any] | None,
                 sequences: Iterable[Sequence]) -> dict[str, float | None]:
    """The report's long-term columns (blank without confidence files)."""
    if confidences is None:
        return dict.fromkeys(LONGTERM_COLUMNS)
    r = evaluate_ope_longterm(preds, confidences, sequences)
    return dict(zip(LONGTERM_COLUMNS, (r.precision, r.recall, r.fscore)))
