"""GOT-10k's numbers: AO, SR0.50, SR0.75 and speed, pooled over frames and runs as the GOT-10k toolkit pools them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..data.sequence import Sequence
from ..errors import SeatError
from ..ops.boxes import as_boxes, clip_to_image, iou
from .ope import success_curve
from .speed import positive_times


def image_size(sequence: Sequence, given: Mapping[str, tuple[int, int]] | None = None) -> tuple[int, int]:
    """(width, height) of a sequence's frames: `given[name]`, else `attributes["resolution"]`, else frame 0."""
    if given and sequence.name in given:
        width, height = given[sequence.name]
    elif "resolution" in sequence.attributes:
        width, height = sequence.attributes["resolution"]
    elif len(sequence):
        height, width = sequence.frame(0).shape[:2]
    else:
        raise SeatError(f"sequence {sequence.name}: no frames, so no image size")
    return int(width), int(height)


GOT10K_SUCCESS_THRESHOLDS = np.linspace(0.0, 1.0, 101)


@dataclass(frozen=True)
class GOT10kResult:
    """GOT-10k numbers, pooled over frames and runs (frame-weighted), as the toolkit's val report computes them.

    A NaN prediction on a scored frame makes AO NaN, as in the toolkit. `speed_fps` is NaN without time files.
    """

    ao: float
    sr50: float
    sr75: float
    speed_fps: float
    success_curve: np.ndarray
    frames: int
    per_sequence: dict[str, dict[str, float]]


def _got10k_scores(ious: np.ndarray, times: np.ndarray) -> dict[str, Any]:
    with np.errstate(invalid="ignore", divide="ignore"):
        ao = float(np.mean(ious)) if len(ious) else float("nan")
        return {"ao": ao,
                "sr50": float(np.mean(ious > 0.5)) if len(ious) else float("nan"),
                "sr75": float(np.mean(ious > 0.75)) if len(ious) else float("nan"),
                "speed_fps": float(np.mean(1.0 / times)) if len(times) else float("nan"),
                "curve": success_curve(ious, GOT10K_SUCCESS_THRESHOLDS),
                "frames": len(ious)}


def evaluate_got10k(preds_by_seq: Mapping[str, list[np.ndarray]], gt_sequences: Iterable[Sequence],
                    times_by_seq: Mapping[str, Any] | None = None,
                    resolutions: Mapping[str, tuple[int, int]] | None = None) -> GOT10kResult:
    """GOT-10k AO, SR0.5, SR0.75 and speed over repeated runs (name -> list of (N, 4) boxes, one per run).

    Scored frames: frame 0 excluded, then those with `attributes["cover"] > 0` (else `visible`); both boxes are
    bounded to the image (`clip_to_image`, size from `image_size`) before a continuous IoU; every run's IoUs are
    pooled, per sequence and over the dataset. Speed = mean of 1/t over finite positive times, pooled.
    """
    sequences = list(gt_sequences)
    if not sequences:
        raise SeatError("no sequences to evaluate")
    all_ious, all_times, per_sequence = [], [], {}
    for seq in sequences:
        runs = preds_by_seq.get(seq.name)
        if not runs:
            raise SeatError(f"no predictions for sequence {seq.name}")
        size = image_size(seq, resolutions)
        cover = np.asarray(seq.attributes.get("cover", seq.visible)).reshape(-1)
        if len(cover) != len(seq):
            raise SeatError(f"sequence {seq.name}: {len(cover)} cover labels for {len(seq)} frames")
        scored = cover[1:] > 0
        gt = clip_to_image(seq.boxes[1:], size)
        seq_ious = []
        for run, boxes in enumerate(runs, 1):
            boxes = as_boxes(boxes)
            if len(boxes) != len(seq):
                raise SeatError(f"sequence {seq.name}: run {run} has {len(boxes)} boxes for {len(seq)} frames "
                                f"(GOT-10k needs one box per frame)")
            seq_ious.append(iou(clip_to_image(boxes[1:], size), gt)[scored])
        ious = np.concatenate(seq_ious)
        times = positive_times((times_by_seq or {}).get(seq.name))
        scores = _got10k_scores(ious, times)
        per_sequence[seq.name] = {k: v for k, v in scores.items() if k != "curve"}
        all_ious.append(ious)
        all_times.append(times)
    overall = _got10k_scores(np.concatenate(all_ious), np.concatenate(all_times))
    return GOT10kResult(overall["ao"], overall["sr50"], overall["sr75"], overall["speed_fps"], overall["curve"],
                        overall["frames"], per_sequence)
