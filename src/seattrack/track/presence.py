"""Is the target in the returned box? A calibrated probability from the classifier, and `lost` with hysteresis.

Presence is a logistic regression (Platt scaling) over the logit of the classifier's probability at the chosen
cell, fitted on validation sequences whose ground truth knows where the target is hidden, out of view or lost to a
look-alike (`benchmarks/fit_presence.py`). Four-fold cross-validation by sequence on the fitting set chose that one
feature over combinations with the score map's mean, its peak-to-sidelobe ratio, the share of cells near the peak
and the box's size jump (CV AUROC 0.931 alone, 0.923 with all five). A calibration ships per weights file and
applies only to the weights whose SHA-256 it names, so a retrained model never inherits another's probabilities.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np
import yaml

from ..config import from_dict, to_dict
from ..errors import SeatError
from ..fileio import file_sha256, write_text_atomic

FEATURES = ("logit_peak",)


def score_map_features(cls: np.ndarray, row: int, col: int) -> np.ndarray:
    """The presence features of one frame: the logit of `cls` (the classifier's (S, S) probabilities) at the chosen
    cell (row, col)."""
    peak = min(max(float(cls[row, col]), 1e-4), 1 - 1e-4)
    return np.array([np.log(peak / (1 - peak))])


@dataclass
class PresenceModel:
    """Logistic regression over standardised `FEATURES`, plus the hysteresis that turns it into `lost`."""

    weights: list[float]
    bias: float
    feature_mean: list[float]
    feature_std: list[float]
    weights_sha256: str  # the model file these probabilities were fitted for
    lost_below: float = 0.3  # `lost` after `lost_frames` frames in a row below this probability
    found_above: float = 0.6  # and found again after `lost_frames` frames in a row above this one
    lost_frames: int = 3
    fitted_on: str = ""
    metrics: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        sizes = {len(self.weights), len(self.feature_mean), len(self.feature_std)}
        if sizes != {len(FEATURES)}:
            raise SeatError(f"presence model: expected {len(FEATURES)} weights, means and deviations ({FEATURES})")
        if not 0 <= self.lost_below <= self.found_above <= 1 or self.lost_frames < 1:
            raise SeatError("presence model: expected 0 <= lost_below <= found_above <= 1 and lost_frames >= 1")

    def probability(self, features: np.ndarray) -> float:
        z = (np.asarray(features) - self.feature_mean) / self.feature_std
        return float(1.0 / (1.0 + np.exp(-(z @ np.asarray(self.weights) + self.bias))))

    def save(self, path: str | Path) -> None:
        write_text_atomic(path, yaml.safe_dump(to_dict(self), sort_keys=False))

    @classmethod
    def load(cls, path: str | Path) -> PresenceModel:
        try:
            data = yaml.safe_load(Path(path).read_text())
        except (OSError, yaml.YAMLError) as exc:
            raise SeatError(f"presence model {path}: unreadable ({type(exc).__name__})") from None
        return from_dict(cls, data, where=str(path))


class LostState:
    """`lost` with hysteresis: set after `lost_frames` frames in a row below `lost_below`, cleared after as many
    above `found_above`, so one bad frame neither loses nor finds the target."""

    def __init__(self, model: PresenceModel):
        self.model, self.lost, self._streak = model, False, 0

    def step(self, present: float) -> bool:
        crossing = present > self.model.found_above if self.lost else present < self.model.lost_below
        self._streak = self._streak + 1 if crossing else 0
        if self._streak >= self.model.lost_frames:
            self.lost, self._streak = not self.lost, 0
        return self.lost


def shipped_presence(weights_file: str | Path) -> PresenceModel | None:
    """The shipped calibration fitted for exactly this weights file, or None (no probabilities for other weights)."""
    folder = Path(str(resources.files("seattrack") / "configs" / "presence"))
    digest = file_sha256(weights_file)
    for path in sorted(folder.glob("*.yaml")) if folder.is_dir() else []:
        model = PresenceModel.load(path)
        if model.weights_sha256 == digest:
            return model
    return None


def fit_logistic(features: np.ndarray, labels: np.ndarray, l2: float = 1e-3, steps: int = 50
                 ) -> tuple[np.ndarray, float, np.ndarray, np.ndarray]:
    """(weights, bias, mean, std): an L2-regularised logistic regression by Newton's method on standardised
    features (a handful of features, thousands of frames: exact and fast)."""
    mean, std = features.mean(0), features.std(0) + 1e-9
    x = np.column_stack([(features - mean) / std, np.ones(len(features))])
    y = labels.astype(np.float64)
    theta = np.zeros(x.shape[1])
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-x @ theta))
        grad = x.T @ (p - y) + l2 * np.r_[theta[:-1], 0.0]
        hessian = (x * (p * (1 - p))[:, None]).T @ x + l2 * np.diag(np.r_[np.ones(len(theta) - 1), 0.0])
        delta = np.linalg.solve(hessian + 1e-9 * np.eye(len(theta)), grad)
        theta -= delta
        if np.abs(delta).max() < 1e-9:
            break
    return theta[:-1], float(theta[-1]), mean, std


def auroc(scores: np.ndarray, labels: np.ndarray) -> float:
    """Area under the ROC curve: the probability that a positive outranks a negative (ties count half)."""
    scores, labels = np.asarray(scores, dtype=np.float64), np.asarray(labels, dtype=bool)
    pos, neg = scores[labels], np.sort(scores[~labels])
    if not len(pos) or not len(neg):
        raise SeatError("AUROC needs positive and negative frames")
    below = np.searchsorted(neg, pos, side="left")
    tied = np.searchsorted(neg, pos, side="right") - below
    return float((below + tied / 2).sum() / (len(pos) * len(neg)))


def expected_calibration_error(probabilities: np.ndarray, labels: np.ndarray, bins: int = 10) -> float:
    """ECE over `bins` equal-width probability bins: the frame-weighted mean |accuracy - confidence|."""
    p, y = np.asarray(probabilities, dtype=np.float64), np.asarray(labels, dtype=np.float64)
    index = np.minimum((p * bins).astype(int), bins - 1)
    return float(sum(abs(y[index == b].mean() - p[index == b].mean()) * (index == b).sum()
                     for b in range(bins) if (index == b).any()) / len(p))
