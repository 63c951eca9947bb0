"""Metric presets: how each toolkit (pysot, pytracking, got10k, the LaSOT kit, the TrackingNet server) turns boxes
into OPE numbers, as one frozen `Preset` of switches, and each toolkit's own per-dataset branch (`get_preset`).

The toolkits disagree on details that move numbers at the third decimal (invalid frames, NaN and empty boxes, the
first frame, length mismatches, rounding, how a curve becomes a score; field-notes §2.1-§2.3). Each named preset
reproduces one toolkit, so a number is always reported together with the preset that produced it.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

import numpy as np

from ..errors import SeatError
from ..ops.boxes import IoUConvention, NormGuard

FirstFrame = Literal["gt", "keep"]
LengthRule = Literal["error", "truncate", "cut", "pad_zeros", "pad_nan"]
BadPrediction = Literal["score", "previous", "reject"]
NanGroundTruth = Literal["score", "exclude", "reject"]
GroundTruthValid = Literal["any", "wh", "all4"]
CenterValid = Literal["gt", "center_positive"]
InvalidFrame = Literal["fail", "success"]
SuccessScore = Literal["mean", "trapezoid"]
PrecisionScore = Literal["at_20px", "trapezoid"]
NormPrecisionScore = Literal["at_0.20", "mean", "trapezoid"]

_CHOICES = {
    "iou": IoUConvention,
    "first_frame": FirstFrame,
    "length": LengthRule,
    "bad_pred": BadPrediction,
    "nan_gt": NanGroundTruth,
    "gt_valid": GroundTruthValid,
    "center_valid": CenterValid,
    "invalid_center": InvalidFrame,
    "invalid_norm_center": InvalidFrame,
    "norm_guard": NormGuard,
    "success_score": SuccessScore,
    "precision_score": PrecisionScore,
    "norm_precision_score": NormPrecisionScore,
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
    iou: IoUConvention
    first_frame: FirstFrame
    length: LengthRule
    bad_pred: BadPrediction
    nan_gt: NanGroundTruth
    gt_valid: GroundTruthValid
    invalid_center: InvalidFrame
    invalid_norm_center: InvalidFrame
    norm_guard: NormGuard
    norm_precision_score: NormPrecisionScore
    round_boxes: bool = False
    iou_cap: bool = True
    norm_divide_first: bool = False
    cut_sequences: tuple[str, ...] = ()
    visible_invalidates: bool = False
    center_valid: CenterValid = "gt"
    absent_fails: bool = False
    curve_bins: int = 51
    success_score: SuccessScore = "mean"
    precision_score: PrecisionScore = "at_20px"
    drop_zero_sequences: bool = False
    doc: str = field(default="", compare=False, repr=False)

    def __post_init__(self) -> None:
        for field_name, choices in _CHOICES.items():
            allowed = get_args(choices)
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
