"""Box arithmetic on x,y,w,h boxes: IoU, centres, centre errors, bounding to the image, with their conventions.

Every function takes (N, 4) or (4,) arrays (anything numpy reads) and works in float64. The conventions are the
benchmark toolkits' (see each function), so scores computed on top of them match the toolkits' to the last bit.
"""

from __future__ import annotations

from typing import Any, Literal, get_args

import numpy as np

from ..errors import SeatError

IoUConvention = Literal["continuous", "inclusive"]
NormGuard = Literal["none", "eps", "max1"]


def as_boxes(boxes: Any) -> np.ndarray:
    """`boxes` as a float64 (N, 4) array."""
    return np.asarray(boxes, dtype=np.float64).reshape(-1, 4)


def iou(a: Any, b: Any, convention: IoUConvention = "continuous", cap: bool = True) -> np.ndarray:
    """Per-row IoU of x,y,w,h boxes `a` and `b` ((N, 4) or (4,)), in [0, 1]; NaN where an input is NaN.

    `cap=False` leaves the division as it falls (pytracking's `calc_iou_overlap` does not clip): an exact match of
    non-integer boxes can then come out a hair above 1 and pass the 1.0 threshold.

    "continuous": x2 = x + w (pysot, got10k, mmtracking). "inclusive": x2 = x + w - 1 and the intersection side
    gets + 1 (pytracking, LaSOT MATLAB kit, TrackingNet server), areas w * h in both. On the same x,y,w,h boxes the
    -1 and +1 cancel, so both give the same IoU (up to float rounding); toolkits' numbers differ only where a step
    around the IoU changes the boxes (rounding them to integers, bounding them to the image) or where corner boxes
    get areas in one convention and the intersection in the other. A union <= 0 gives 0.
    """
    if convention not in get_args(IoUConvention):
        raise SeatError(f"unknown IoU convention {convention!r}, expected continuous or inclusive")
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    one = 1.0 if convention == "inclusive" else 0.0
    x1 = np.maximum(a[..., 0], b[..., 0])
    y1 = np.maximum(a[..., 1], b[..., 1])
    x2 = np.minimum(a[..., 0] + a[..., 2], b[..., 0] + b[..., 2]) - one
    y2 = np.minimum(a[..., 1] + a[..., 3], b[..., 1] + b[..., 3]) - one
    inter = np.maximum(x2 - x1 + one, 0.0) * np.maximum(y2 - y1 + one, 0.0)
    union = a[..., 2] * a[..., 3] + b[..., 2] * b[..., 3] - inter
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = inter / np.where(union > 0, union, np.inf)
    return np.clip(ratio, 0.0, 1.0) if cap else ratio


def centers(boxes: Any) -> np.ndarray:
    """Box centers `x + (w - 1) / 2, y + (h - 1) / 2` (pysot, pytracking, got10k, LaSOT; TrackingNet's
    `x + (w + 1) / 2` gives the same differences)."""
    boxes = np.asarray(boxes, dtype=np.float64)
    return boxes[..., :2] + (boxes[..., 2:] - 1.0) / 2.0


def center_error(a: Any, b: Any) -> np.ndarray:
    """Euclidean distance between box centers, in pixels."""
    return np.sqrt(np.sum((centers(a) - centers(b)) ** 2, axis=-1))


def normalized_center_error(pred: Any, gt: Any, guard: NormGuard = "max1", divide_first: bool = False) -> np.ndarray:
    """Center offsets divided by the ground-truth w and h, then the Euclidean norm.

    guard: "max1" divides by max(1, GT size) (got10k), "eps" by GT size + 1e-16 (pysot), "none" as is.
    `divide_first`: each center is divided by the GT size before the two are subtracted, the order of pysot's
    `convert_bb_to_norm_center` and pytracking's `calc_err_center(normalized=True)`; it differs from subtracting
    first in the last bits, which moves frames that sit exactly on a threshold.
    """
    gt = np.asarray(gt, dtype=np.float64)
    size = gt[..., 2:]
    if guard == "max1":
        size = np.maximum(1.0, size)
    elif guard == "eps":
        size = size + 1e-16
    elif guard != "none":
        raise SeatError(f"unknown normalisation guard {guard!r}, expected none, eps or max1")
    with np.errstate(invalid="ignore", divide="ignore"):
        offset = centers(pred) / size - centers(gt) / size if divide_first else (centers(pred) - centers(gt)) / size
        return np.sqrt(np.sum(offset ** 2, axis=-1))


def clip_to_image(boxes: Any, size: tuple[int, int]) -> np.ndarray:
    """Bound boxes to the image as the GOT-10k toolkit does: x, y clipped to [0, W] / [0, H], then w, h to what is
    left of the image from the clipped corner (a box sticking out to the left is shifted, not cropped)."""
    boxes = as_boxes(boxes).copy()
    width, height = size
    boxes[:, 0] = np.clip(boxes[:, 0], 0, width)
    boxes[:, 1] = np.clip(boxes[:, 1], 0, height)
    boxes[:, 2] = np.clip(boxes[:, 2], 0, width - boxes[:, 0])
    boxes[:, 3] = np.clip(boxes[:, 3], 0, height - boxes[:, 1])
    return boxes


def intersect_image(boxes: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """(N, 4) x, y, w, h boxes intersected with the image [0, W] x [0, H] (vot-toolkit's `bounded=True`: a box
    sticking out is cropped, unlike `clip_to_image`)."""
    width, height = size
    x1 = np.clip(boxes[:, 0], 0, width)
    y1 = np.clip(boxes[:, 1], 0, height)
    x2 = np.clip(boxes[:, 0] + boxes[:, 2], 0, width)
    y2 = np.clip(boxes[:, 1] + boxes[:, 3], 0, height)
    return np.stack([x1, y1, x2 - x1, y2 - y1], axis=1)
