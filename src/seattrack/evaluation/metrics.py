"""OPE metrics (success, precision, normalised precision) and GOT-10k AO/SR: one core, parameterised by `Preset`.

The toolkits disagree on details that move numbers at the third decimal (invalid frames, NaN and empty boxes, the
first frame, length mismatches, rounding, how a curve becomes a score; field-notes §2.1-§2.3; the IoU convention
itself gives the same number on x,y,w,h boxes, see `iou`). Each named preset reproduces one toolkit, so a number is
always reported together with the preset that produced it.

Per frame the core yields an IoU, a center error and a normalised center error in which a scored failure is
encoded as IoU -1 / error +inf and a scored success (a toolkit quirk) as error -1; frames a toolkit leaves out
are removed. A curve is then the fraction of the remaining frames that pass each threshold.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np

from ..data.sequence import Sequence
from ..errors import SeatError

SUCCESS_THRESHOLDS = np.linspace(0.0, 1.0, 21)
FAIL_IOU = -1.0
PASS_ERROR = -1.0
FAIL_ERROR = np.inf

_CHOICES = {
    "iou": ("continuous", "inclusive"),
    "first_frame": ("gt", "keep"),
    "length": ("error", "truncate", "cut", "pad_zeros", "pad_nan"),
    "bad_pred": ("score", "previous", "reject"),
    "nan_gt": ("score", "exclude", "reject"),
    "gt_valid": ("any", "wh", "all4"),
    "center_valid": ("gt", "center_positive"),
    "invalid_center": ("fail", "success"),
    "invalid_norm_center": ("fail", "success"),
    "norm_guard": ("none", "eps", "max1"),
    "success_score": ("mean", "trapezoid"),
    "precision_score": ("at_20px", "trapezoid"),
    "norm_precision_score": ("at_0.20", "mean", "trapezoid"),
}


@dataclass(frozen=True)
class Preset:
    """How one toolkit turns boxes into OPE numbers.

    iou: "continuous" (x2 = x + w) or "inclusive" (x2 = x + w - 1, intersection + 1).
    round_boxes: round every box to integers (numpy round-half-even) before anything else.
    first_frame: "gt" overwrites the frame-0 prediction with the ground truth; "keep" scores what was written.
    length: prediction/GT length mismatch: "error"; "truncate" both to the shorter; "cut" longer predictions
        (shorter ones are an error); "pad_zeros" / "pad_nan" cut longer ones and pad shorter ones.
    bad_pred: NaN or empty predictions: "score" as they are (NaN fails, empty has IoU 0); "previous" replaces
        NaN / w<=0 / h<=0 with the previous frame's box where the GT row has no NaN; "reject" raises on NaN or
        negative sizes (and on a NaN IoU left on a valid frame) and replaces zero sizes with the previous box where
        the GT row has no NaN.
    nan_gt: frames whose GT has a NaN: "score" them by the rules below, "exclude" them from numerator and
        denominator, or "reject" the sequence (raise).
    gt_valid: which GT boxes are usable: "any", "wh" (w > 0 and h > 0), "all4" (all four values > 0).
    visible_invalidates: a frame labelled invisible (`labelled_visible`) is also invalid.
    center_valid: frames whose center error is judged invalid: "gt" (same as IoU) or "center_positive" (the GT
        center, raw or normalised, must be > 0 in x and y).
    invalid_center / invalid_norm_center: an invalid frame's center error "fail"s or is a "success".
        Invalid frames always fail the success curve.
    absent_fails: frames labelled invisible (`labelled_visible`) fail every curve but stay in the denominator.
    norm_guard: normalised center error divides by the GT size as is ("none"), + 1e-16 ("eps"), or max(1, .)
    curve_bins: points of the precision (0..50 px) and normalised precision (0..0.5) curves.
    success_score / precision_score / norm_precision_score: how a curve becomes the reported number.
    drop_zero_sequences: sequences whose curve is all zero are left out of the dataset mean (per curve).
    doc: what the toolkit does, in words (each named preset documents its choices here).
    """

    name: str
    iou: str
    first_frame: str
    length: str
    bad_pred: str
    nan_gt: str
    gt_valid: str
    invalid_center: str
    invalid_norm_center: str
    norm_guard: str
    norm_precision_score: str
    round_boxes: bool = False
    iou_cap: bool = True
    norm_divide_first: bool = False
    cut_sequences: tuple[str, ...] = ()
    visible_invalidates: bool = False
    center_valid: str = "gt"
    absent_fails: bool = False
    curve_bins: int = 51
    success_score: str = "mean"
    precision_score: str = "at_20px"
    drop_zero_sequences: bool = False
    doc: str = field(default="", compare=False, repr=False)

    def __post_init__(self) -> None:
        for field_name, allowed in _CHOICES.items():
            if getattr(self, field_name) not in allowed:
                raise SeatError(f"preset {self.name}: {field_name}={getattr(self, field_name)!r}, expected one of "
                                f"{', '.join(allowed)}")
        if self.curve_bins < 2:
            raise SeatError(f"preset {self.name}: curve_bins must be at least 2")

    @property
    def precision_thresholds(self) -> np.ndarray:
        return np.linspace(0.0, 50.0, self.curve_bins)

    @property
    def norm_precision_thresholds(self) -> np.ndarray:
        return np.linspace(0.0, 0.5, self.curve_bins)

    def describe(self) -> str:
        """One line saying which conventions produced the numbers."""
        iou = "x2=x+w-1 (+1)" if self.iou == "inclusive" else "x2=x+w"
        return (f"preset {self.name}: IoU {self.iou} ({iou}){', boxes rounded' if self.round_boxes else ''}, "
                f"frame 0 {'= GT' if self.first_frame == 'gt' else 'as written'}, length {self.length}, "
                f"bad predictions {self.bad_pred}, NaN GT {self.nan_gt}, success {self.success_score}, "
                f"precision {self.precision_score}, norm. precision {self.norm_precision_score}"
                f"{', all-zero sequences dropped' if self.drop_zero_sequences else ''}")


PYSOT = Preset(
    "pysot", iou="continuous", first_frame="keep", length="error", bad_pred="score", nan_gt="score",
    gt_valid="wh", center_valid="center_positive", invalid_center="success", invalid_norm_center="success",
    norm_guard="eps", norm_precision_score="at_0.20", norm_divide_first=True,
    doc="""pysot-toolkit OPEBenchmark: continuous IoU; the frame-0 prediction is kept; lengths must match;
NaN predictions fail, empty ones have IoU 0; GT with w or h <= 0 (or NaN) fails the success curve, while a GT center
that is not > 0 counts as a precision *success* (UAV NaN rows); normalised centers divide by GT size + 1e-16;
AUC = mean of the 21-point curve, precision and normalised precision read at 20 px / 0.20. On LaSOT
(`get_preset("pysot", "lasot")`) frames flagged absent fail every curve but stay in the denominator.""")

PYTRACKING = Preset(
    "pytracking", iou="inclusive", first_frame="gt", length="pad_zeros", bad_pred="reject", nan_gt="reject",
    gt_valid="wh", invalid_center="fail", invalid_norm_center="success",
    norm_guard="none", norm_precision_score="at_0.20", iou_cap=False, norm_divide_first=True,
    doc="""pytracking analysis (extract_results.py: calc_seq_err_robust, extract_results with the default
exclude_invalid_frames=False): inclusive IoU with w*h areas; NaN or negative-size predictions raise, and so does NaN
ground truth outside UAV; zero-size predictions take the previous box (where the GT row has no NaN); then longer
predictions are cut and shorter ones padded with zero boxes, and frame 0 = GT. A frame is valid when GT w > 0 and
h > 0 (only those two values); invalid frames fail the success and precision curves but count as successes of the
normalised-precision curve (its -1 marker); a NaN IoU left on a valid frame raises. UAV
(`get_preset("pytracking", "uav")`): NaN GT allowed, invalid center error -1, a success. LaSOT, the only dataset
whose visibility labels pytracking reads: shorter predictions raise, labelled-invisible frames are invalid and fail
every curve (center errors +inf). The denominator is always the full length. Scores: mean of the success curve,
values at 20 px and 0.20.""")

GOT10K = Preset(
    "got10k", iou="continuous", first_frame="gt", length="error", bad_pred="score", nan_gt="score",
    gt_valid="any", invalid_center="fail", invalid_norm_center="fail", norm_guard="max1",
    norm_precision_score="mean",
    doc="""got10k toolkit 0.1.3 ExperimentOTB.report (also NfS, TColor128, DTB70): continuous IoU (the toolkit adds
machine eps to the union: below 1e-12 for boxes of a pixel or more); frame 0 = GT; lengths must match (an assert);
NaN in GT or predictions makes IoU and center error NaN, a failure that stays in the denominator; empty predictions
have IoU 0. UAV (`get_preset("got10k", "uav")`, ExperimentUAV123): NaN-GT frames removed from numerator and
denominator. LaSOT (ExperimentLaSOT, GitHub only): the same removal, and both sequences truncated to the shorter.
Normalised center error divides by max(1, GT size) (the GitHub toolkit's LaSOT experiment; the OTB/UAV experiments
report none); AUC = mean of the 21-point curve, precision at 20 px, normalised precision = mean of the 51-point
0..0.5 curve.""")

LASOT_OFFICIAL = Preset(
    "lasot_official", iou="inclusive", first_frame="gt", length="cut", bad_pred="previous", nan_gt="score",
    gt_valid="all4", absent_fails=True, invalid_center="success", invalid_norm_center="success",
    norm_guard="none", norm_precision_score="at_0.20", drop_zero_sequences=True,
    doc="""LaSOT MATLAB toolkit (calc_seq_err_robust.m + eval_tracker.m + plot_draw_save.m): inclusive
IoU; longer predictions cut (monkey-17), shorter ones an error; NaN / w<=0 / h<=0 predictions take the previous box
where the GT row has no NaN; frame 0 = GT; absent (labelled invisible) frames fail every curve, the denominator stays
the full length; GT rows with a value <= 0 fail the success curve and count as precision successes (-1), normalised
ones too; sequences whose curve is all zero are dropped from the mean; AUC = mean, precision at 20 px, normalised
precision at 0.20. The `> 0` test is on the boxes as the dataset gives them (LaSOT files are 1-based).""")

TRACKINGNET_SERVER = Preset(
    "trackingnet_server", iou="inclusive", round_boxes=True, first_frame="gt", length="pad_nan",
    bad_pred="score", nan_gt="score", gt_valid="any", invalid_center="fail", invalid_norm_center="fail",
    norm_guard="none", curve_bins=21, success_score="trapezoid", precision_score="trapezoid",
    norm_precision_score="trapezoid",
    doc="""TrackingNet evaluation server (devkit metrics.py): every box rounded to integers,
frame 0 = GT, inclusive IoU; missing rows fail and extra rows are ignored; no invalid-frame handling (NaN fails);
21-point curves (IoU 0..1, 0..50 px, 0..0.5) and every score is the trapezoidal area over a unit x axis, so
TrackingNet's P and P_norm are areas, not values at a threshold.""")

PRESETS: dict[str, Preset] = {p.name: p for p in (PYSOT, PYTRACKING, GOT10K, LASOT_OFFICIAL, TRACKINGNET_SERVER)}

_DATASET_VARIANTS: dict[tuple[str, str], dict[str, Any]] = {
    ("pysot", "lasot"): {"absent_fails": True, "cut_sequences": ("monkey-17",)},
    ("pytracking", "uav"): {"nan_gt": "score", "invalid_center": "success"},
    ("pytracking", "lasot"): {"length": "cut", "visible_invalidates": True, "absent_fails": True},
    ("got10k", "uav"): {"nan_gt": "exclude"},
    ("got10k", "lasot"): {"nan_gt": "exclude", "length": "truncate"},
}


def get_preset(name: str, dataset: str = "") -> Preset:
    """The named preset, with the toolkit's own per-dataset branch applied (`dataset`: a `Sequence.dataset` name
    such as "uav" or "lasot"; UAV20L counts as UAV)."""
    if name not in PRESETS:
        raise SeatError(f"unknown metric preset {name!r}, expected one of {', '.join(PRESETS)}")
    family = "uav" if dataset.lower().startswith("uav") else dataset.lower()
    changes = _DATASET_VARIANTS.get((name, family))
    if not changes:
        return PRESETS[name]
    return dataclasses.replace(PRESETS[name], name=f"{name}[{family}]", **changes)


# -- per-frame measures ----------------------------------------------------------------------------------------


def _as_boxes(boxes: Any) -> np.ndarray:
    return np.asarray(boxes, dtype=np.float64).reshape(-1, 4)


def iou(a: Any, b: Any, convention: str = "continuous", cap: bool = True) -> np.ndarray:
    """Per-row IoU of x,y,w,h boxes `a` and `b` ((N, 4) or (4,)), in [0, 1]; NaN where an input is NaN.

    `cap=False` leaves the division as it falls (pytracking's `calc_iou_overlap` does not clip): an exact match of
    non-integer boxes can then come out a hair above 1 and pass the 1.0 threshold.

    "continuous": x2 = x + w (pysot, got10k, mmtracking). "inclusive": x2 = x + w - 1 and the intersection side
    gets + 1 (pytracking, LaSOT MATLAB kit, TrackingNet server), areas w * h in both. On the same x,y,w,h boxes the
    -1 and +1 cancel, so both give the same IoU (up to float rounding); toolkits' numbers differ only where a step
    around the IoU changes the boxes (rounding them to integers, bounding them to the image) or where corner boxes
    get areas in one convention and the intersection in the other. A union <= 0 gives 0.
    """
    if convention not in _CHOICES["iou"]:
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


def normalized_center_error(pred: Any, gt: Any, guard: str = "max1", divide_first: bool = False) -> np.ndarray:
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


# -- curves and scores -------------------------------------------------------------------------------------------


def _fraction(passed: np.ndarray) -> np.ndarray:
    return passed.mean(axis=0) if len(passed) else np.zeros(passed.shape[1])


def success_curve(ious: Any, thresholds: np.ndarray = SUCCESS_THRESHOLDS) -> np.ndarray:
    """Fraction of frames whose IoU is strictly greater than each threshold (IoU 0 never counts)."""
    ious = np.asarray(ious, dtype=np.float64).reshape(-1, 1)
    return _fraction(ious > np.asarray(thresholds)[None, :])


def precision_curve(errors: Any, thresholds: np.ndarray) -> np.ndarray:
    """Fraction of frames whose (normalised) center error is <= each threshold (e.g. `Preset.precision_thresholds`)."""
    errors = np.asarray(errors, dtype=np.float64).reshape(-1, 1)
    return _fraction(errors <= np.asarray(thresholds)[None, :])


def _trapezoid(curve: np.ndarray) -> float:
    """Trapezoidal area of a curve sampled evenly over a unit x axis (TrackingNet's np.trapz over 0..1)."""
    return float((curve[1:] + curve[:-1]).sum() / 2.0 / (len(curve) - 1))


def _at(curve: np.ndarray, thresholds: np.ndarray, value: float) -> float:
    index = np.flatnonzero(np.isclose(thresholds, value))
    if not len(index):
        raise SeatError(f"curve has no point at threshold {value}")
    return float(curve[index[0]])


def curve_scores(success: np.ndarray, precision: np.ndarray, norm_precision: np.ndarray,
                 preset: Preset) -> tuple[float, float, float]:
    """(success score "AUC", precision, normalised precision) of one set of curves, as `preset` reports them."""
    auc = float(np.mean(success)) if preset.success_score == "mean" else _trapezoid(success)
    prec = (_at(precision, preset.precision_thresholds, 20.0) if preset.precision_score == "at_20px"
            else _trapezoid(precision))
    if preset.norm_precision_score == "at_0.20":
        norm = _at(norm_precision, preset.norm_precision_thresholds, 0.2)
    else:
        norm = float(np.mean(norm_precision)) if preset.norm_precision_score == "mean" else _trapezoid(norm_precision)
    return auc, prec, norm


# -- one sequence --------------------------------------------------------------------------------------------------


class FrameErrors(NamedTuple):
    """Per-frame measures ready for the curves (failures and successes already encoded)."""

    iou: np.ndarray
    center: np.ndarray
    norm_center: np.ndarray


def _repair(pred: np.ndarray, gt: np.ndarray, preset: Preset, name: str) -> np.ndarray:
    """Apply the preset's NaN / empty-prediction policy to the frames both arrays cover."""
    if preset.bad_pred == "score":
        return pred
    w, h = pred[:, 2], pred[:, 3]
    if preset.bad_pred == "reject":
        bad = np.isnan(pred).any(1) | (w < 0) | (h < 0)
        if bad.any():
            raise SeatError(f"sequence {name}: invalid prediction (NaN or negative size) at frame "
                            f"{int(np.flatnonzero(bad)[0])} (preset {preset.name} rejects them)")
        bad = (w == 0) | (h == 0)
    else:
        bad = np.isnan(pred).any(1) | ~(w > 0) | ~(h > 0)
    n = min(len(pred), len(gt))
    bad[0] = False
    bad[n:] = False
    replace = np.flatnonzero(bad[:n] & ~np.isnan(gt[:n]).any(1))
    if not len(replace):
        return pred
    pred = pred.copy()
    for i in replace:  # in order: a replaced frame feeds the next one
        pred[i] = pred[i - 1]
    return pred


def _match_length(pred: np.ndarray, gt: np.ndarray, visible: np.ndarray, preset: Preset,
                  name: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    n_pred, n_gt = len(pred), len(gt)
    if n_pred == n_gt:
        return pred, gt, visible
    if preset.length == "error" or (preset.length == "cut" and n_pred < n_gt):
        raise SeatError(f"sequence {name}: {n_pred} predicted boxes for {n_gt} frames (preset {preset.name} "
                        f"needs {'equal lengths' if preset.length == 'error' else 'at least one box per frame'})")
    if preset.length == "truncate":
        n = min(n_pred, n_gt)
        return pred[:n], gt[:n], visible[:n]
    if n_pred > n_gt:
        return pred[:n_gt], gt, visible
    fill = 0.0 if preset.length == "pad_zeros" else np.nan
    return np.vstack([pred, np.full((n_gt - n_pred, 4), fill)]), gt, visible


def _gt_valid(gt: np.ndarray, rule: str) -> np.ndarray:
    if rule == "any":
        return np.ones(len(gt), bool)
    if rule == "wh":
        return (gt[:, 2] > 0) & (gt[:, 3] > 0)
    return (gt > 0).all(1)


_ABSENCE_LABELS = ("full_occlusion", "out_of_view")  # LaSOT's per-frame label files


def labelled_visible(sequence: Sequence) -> np.ndarray:
    """Visibility as the dataset labels it: neither fully occluded nor out of view where the sequence carries LaSOT's
    labels, else `Sequence.visible`. The toolkits take absence from labels, not from box validity (pytracking:
    full_occlusion == 0 & out_of_view == 0; the LaSOT kit: its absent files), so a zero-size GT box on a frame
    labelled visible is an invalid frame there, not an absent one."""
    labels = [np.asarray(sequence.attributes[k], bool) for k in _ABSENCE_LABELS if k in sequence.attributes]
    return ~np.logical_or.reduce(labels) if labels else sequence.visible.copy()


def _aligned(pred: Any, sequence: Sequence, preset: Preset) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Predictions, GT and labelled visibility after the preset's checks, repairs, length policy and frame-0 rule."""
    pred = _as_boxes(pred).copy()
    gt, visible = sequence.boxes.copy(), labelled_visible(sequence)
    if not len(gt):
        raise SeatError(f"sequence {sequence.name}: no frames to evaluate")
    if sequence.name in preset.cut_sequences:  # pysot's LaSOT loader cuts monkey-17's extra rows by name
        pred = pred[: len(gt)]
    if preset.round_boxes:
        pred, gt = np.round(pred), np.round(gt)
    if preset.bad_pred != "score":
        pred = _repair(pred, gt, preset, sequence.name)
    if preset.nan_gt == "reject" and np.isnan(gt).any():
        raise SeatError(f"sequence {sequence.name}: NaN in the ground truth (preset {preset.name} rejects it)")
    pred, gt, visible = _match_length(pred, gt, visible, preset, sequence.name)
    if preset.first_frame == "gt":
        pred[0] = gt[0]
    if preset.nan_gt == "exclude":
        keep = ~np.isnan(gt).any(1)
        pred, gt, visible = pred[keep], gt[keep], visible[keep]
    return pred, gt, visible


def sequence_errors(pred: Any, sequence: Sequence, preset: Preset) -> FrameErrors:
    """Per-frame IoU, center error and normalised center error of one sequence under `preset`."""
    pred, gt, visible = _aligned(pred, sequence, preset)
    ious = iou(pred, gt, preset.iou, preset.iou_cap)
    center = center_error(pred, gt)
    norm_center = normalized_center_error(pred, gt, preset.norm_guard, preset.norm_divide_first)

    valid = _gt_valid(gt, preset.gt_valid)
    if preset.visible_invalidates:
        valid &= visible
    ious[~valid] = FAIL_IOU
    if preset.bad_pred == "reject" and np.isnan(ious).any():
        raise SeatError(f"sequence {sequence.name}: NaN overlap at frame {int(np.flatnonzero(np.isnan(ious))[0])} "
                        f"(preset {preset.name} rejects it)")
    if preset.center_valid == "gt":
        center_ok = norm_ok = valid
    else:
        with np.errstate(invalid="ignore", divide="ignore"):
            center_ok = (centers(gt) > 0).all(1)
            norm_ok = (centers(gt) / (gt[:, 2:] + 1e-16) > 0).all(1)
    center[~center_ok] = PASS_ERROR if preset.invalid_center == "success" else FAIL_ERROR
    norm_center[~norm_ok] = PASS_ERROR if preset.invalid_norm_center == "success" else FAIL_ERROR
    if preset.absent_fails:
        ious[~visible] = FAIL_IOU
        center[~visible] = FAIL_ERROR
        norm_center[~visible] = FAIL_ERROR
    return FrameErrors(ious, center, norm_center)


# -- a dataset -----------------------------------------------------------------------------------------------------


def _dataset_curve(curves: np.ndarray, drop_zero: bool) -> np.ndarray:
    if drop_zero:
        curves = curves[curves.sum(axis=1) > np.finfo(float).eps]
    return curves.mean(axis=0) if len(curves) else np.zeros(curves.shape[1])


@dataclass(frozen=True)
class OPEResult:
    """Per-sequence curves and the dataset numbers `preset` derives from them.

    `success`, `precision`, `norm_precision`: one curve per sequence (rows follow `names`). `auc`, `precision_score`,
    `norm_precision_score`: the dataset scores, from the curves averaged over sequences (unweighted), scored as the
    preset says (e.g. precision = curve at 20 px, or TrackingNet's trapezoidal area).
    """

    preset: Preset
    names: list[str]
    success: np.ndarray
    precision: np.ndarray
    norm_precision: np.ndarray

    @property
    def success_curve(self) -> np.ndarray:
        return _dataset_curve(self.success, self.preset.drop_zero_sequences)

    @property
    def precision_curve(self) -> np.ndarray:
        return _dataset_curve(self.precision, self.preset.drop_zero_sequences)

    @property
    def norm_precision_curve(self) -> np.ndarray:
        return _dataset_curve(self.norm_precision, self.preset.drop_zero_sequences)

    @property
    def scores(self) -> tuple[float, float, float]:
        """(AUC, precision, normalised precision) of the dataset."""
        return curve_scores(self.success_curve, self.precision_curve, self.norm_precision_curve, self.preset)

    @property
    def auc(self) -> float:
        return self.scores[0]

    @property
    def precision_score(self) -> float:
        return self.scores[1]

    @property
    def norm_precision_score(self) -> float:
        return self.scores[2]

    def per_sequence(self) -> dict[str, dict[str, float]]:
        """Each sequence's AUC, precision and normalised precision."""
        out = {}
        for i, name in enumerate(self.names):
            auc, prec, norm = curve_scores(self.success[i], self.precision[i], self.norm_precision[i], self.preset)
            out[name] = {"auc": auc, "precision": prec, "norm_precision": norm}
        return out

    def subset(self, names: Iterable[str]) -> OPEResult:
        """The same evaluation restricted to some sequences (e.g. one attribute)."""
        wanted = set(names)
        keep = [i for i, n in enumerate(self.names) if n in wanted]
        return OPEResult(self.preset, [self.names[i] for i in keep], self.success[keep], self.precision[keep],
                         self.norm_precision[keep])


def _common_dataset(sequences: list[Sequence]) -> str:
    datasets = {s.dataset for s in sequences}
    return datasets.pop() if len(datasets) == 1 else ""


def evaluate_ope(pred_by_seq: Mapping[str, Any], gt_sequences: Iterable[Sequence],
                 preset: Preset | str = "got10k", dataset: str | None = None) -> OPEResult:
    """One-pass evaluation of predicted boxes (name -> (N, 4) x,y,w,h) against the sequences' ground truth.

    A preset given by name gets the toolkit's branch for `dataset` (default: the sequences' common
    `Sequence.dataset`), see `get_preset`.
    """
    sequences = list(gt_sequences)
    if not sequences:
        raise SeatError("no sequences to evaluate")
    if isinstance(preset, str):
        preset = get_preset(preset, _common_dataset(sequences) if dataset is None else dataset)
    rows = []
    for seq in sequences:
        if seq.name not in pred_by_seq:
            raise SeatError(f"no predictions for sequence {seq.name}")
        errors = sequence_errors(pred_by_seq[seq.name], seq, preset)
        rows.append((success_curve(errors.iou),
                     precision_curve(errors.center, preset.precision_thresholds),
                     precision_curve(errors.norm_center, preset.norm_precision_thresholds)))
    success, precision, norm = (np.array(column) for column in zip(*rows, strict=True))
    return OPEResult(preset, [s.name for s in sequences], success, precision, norm)


# -- GOT-10k -------------------------------------------------------------------------------------------------------


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


def clip_to_image(boxes: Any, size: tuple[int, int]) -> np.ndarray:
    """Bound boxes to the image as the GOT-10k toolkit does: x, y clipped to [0, W] / [0, H], then w, h to what is
    left of the image from the clipped corner (a box sticking out to the left is shifted, not cropped)."""
    boxes = _as_boxes(boxes).copy()
    width, height = size
    boxes[:, 0] = np.clip(boxes[:, 0], 0, width)
    boxes[:, 1] = np.clip(boxes[:, 1], 0, height)
    boxes[:, 2] = np.clip(boxes[:, 2], 0, width - boxes[:, 0])
    boxes[:, 3] = np.clip(boxes[:, 3], 0, height - boxes[:, 1])
    return boxes


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


def positive_times(times: Any) -> np.ndarray:
    """All finite positive per-frame times (seconds), flattened over runs."""
    if times is None:
        return np.zeros(0)
    times = np.asarray(times, dtype=np.float64).ravel()
    return times[np.isfinite(times) & (times > 0)]


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
            boxes = _as_boxes(boxes)
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
