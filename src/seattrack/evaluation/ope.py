"""One-pass evaluation (OPE): success, precision and normalised precision curves and scores under a `Preset`.

Per frame the core yields an IoU, a center error and a normalised center error in which a scored failure is
encoded as IoU -1 / error +inf and a scored success (a toolkit quirk) as error -1; frames a toolkit leaves out
are removed. A curve is then the fraction of the remaining frames that pass each threshold.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

from ..data.sequence import Sequence
from ..errors import SeatError
from ..ops.boxes import as_boxes, center_error, centers, iou, normalized_center_error
from .presets import Preset, get_preset

SUCCESS_THRESHOLDS = np.linspace(0.0, 1.0, 21)
FAIL_IOU = -1.0
PASS_ERROR = -1.0
FAIL_ERROR = np.inf


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
    pred = as_boxes(pred).copy()
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


def common_dataset(sequences: list[Sequence]) -> str:
    """The `Sequence.dataset` all sequences share ("" when they differ): which toolkit branch a preset takes."""
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
        preset = get_preset(preset, common_dataset(sequences) if dataset is None else dataset)
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
