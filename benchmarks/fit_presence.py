"""Fit the presence calibration of a model's weights on validation, and measure it on other validation sequences.

Fitting set: the validation suite (`evaluation.validation`, seed 1000, val photos: composite, camera, parallax).
Measuring set: the same families with another seed (2000), never used for fitting. A frame is labelled "present"
when the ground truth marks the target visible and the returned box overlaps it with IoU >= 0.3; the camera family's
exits, the composites' occlusions and look-alikes, and the tracker's own drifts give the negatives. Prints AUROC and
expected calibration error (10 bins) on both sets, and the lost/found figures of the hysteresis; writes the
calibration (`--out`, default the package's configs/presence/<model>.yaml) and a reliability diagram (`--plot`).

    python benchmarks/fit_presence.py [--model seat_lite] [--sequences 16] [--plot ../docs/presence-reliability.png]
    python benchmarks/fit_presence.py --heldout      # the shipped calibration on the reserved held-out suite
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from common import machine, validation_suite
from seattrack.fileio import file_sha256, write_bytes_atomic
from seattrack.loading import load_tracker
from seattrack.models.resolve import weights_file
from seattrack.ops.boxes import iou
from seattrack.track.presence import (
    FEATURES,
    LostState,
    PresenceModel,
    auroc,
    expected_calibration_error,
    fit_logistic,
)

PRESENT_IOU = 0.3


def collect(tracker, sequences) -> tuple[np.ndarray, np.ndarray, list[int]]:
    """Per tracked frame: presence features and the present label; and each sequence's frame count."""
    features, labels, lengths = [], [], []
    for seq in sequences:
        tracker.init(seq.frame(0), seq.boxes[0])
        for i in range(1, len(seq)):
            box = tracker.update(seq.frame(i)).box_xywh
            features.append(tracker.last_features)
            overlap = iou(box[None], seq.boxes[i][None])[0] if seq.visible[i] else 0.0
            labels.append(bool(seq.visible[i]) and np.nan_to_num(overlap) >= PRESENT_IOU)
        lengths.append(len(seq) - 1)
    return np.array(features), np.array(labels), lengths


def lost_figures(model: PresenceModel, probabilities: np.ndarray, labels: np.ndarray, lengths: list[int]) -> str:
    """How `lost` (hysteresis) agrees with the labels: share of absent frames flagged lost, of present frames not."""
    flags, start = [], 0
    for n in lengths:
        state = LostState(model)
        flags += [state.step(p) for p in probabilities[start:start + n]]
        start += n
    flags = np.array(flags)
    return (f"lost on {flags[~labels].mean():.1%} of absent frames, on {flags[labels].mean():.1%} of present "
            "frames")


def reliability_plot(sets: dict[str, tuple[np.ndarray, np.ndarray]], path: str) -> None:
    fig = Figure(figsize=(4.2, 4.2))
    ax = fig.add_subplot()
    ax.plot([0, 1], [0, 1], color="0.7", linestyle="--", label="perfect calibration")
    edges = np.linspace(0, 1, 11)
    for name, (p, y) in sets.items():
        index = np.minimum((p * 10).astype(int), 9)
        kept = [b for b in range(10) if (index == b).any()]
        ax.plot([p[index == b].mean() for b in kept], [y[index == b].mean() for b in kept], marker="o", label=name)
    ax.set_xticks(edges[::2])
    ax.set_xlabel("predicted presence")
    ax.set_ylabel("share of frames with the target in the box")
    ax.legend(loc="upper left", fontsize=8)
    fig.tight_layout()
    import io

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110)
    write_bytes_atomic(path, buffer.getvalue())


def report_heldout(model_name: str) -> None:
    """The shipped calibration on the reserved held-out suite (other photographs and real video, made by other code,
    through a video codec): AUROC and ECE of the presence and of the raw classifier probability. Reported, never
    used to choose anything."""
    from seattrack.evaluation.heldout import heldout_suite

    tracker = load_tracker(model_name, threads=1)
    if tracker.presence is None:
        raise SystemExit(f"{model_name}: no presence calibration ships for these weights")
    print(f"machine: {machine()}; model {model_name}; reserved held-out suite, report only")
    for name, sequences in heldout_suite("runs/heldout").items():
        features, labels, _ = collect(tracker, sequences)
        present = np.array([tracker.presence.probability(f) for f in features])
        raw = 1 / (1 + np.exp(-features[:, 0]))
        ranked = f"AUROC {auroc(present, labels):.3f}" if 0 < labels.sum() < len(labels) else "AUROC n/a"
        print(f"{name}: {len(labels)} frames ({(~labels).sum()} absent): {ranked}; ECE presence "
              f"{expected_calibration_error(present, labels):.3f}, raw classifier probability "
              f"{expected_calibration_error(raw, labels):.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="seat_lite")
    parser.add_argument("--sequences", type=int, default=16, help="sequences per family in each set")
    parser.add_argument("--out", help="calibration file (default: the package's configs/presence/<model>.yaml)")
    parser.add_argument("--plot", help="reliability diagram PNG")
    parser.add_argument("--heldout", action="store_true",
                        help="fit nothing: report the shipped calibration on the reserved held-out suite")
    args = parser.parse_args()
    if args.heldout:
        report_heldout(args.model)
        return
    weights = weights_file(args.model)
    tracker = load_tracker(args.model, threads=1)
    tracker.presence = None  # fit from the raw features, whatever calibration ships
    fit_seqs = [s for family in validation_suite("runs/validation", args.sequences).values() for s in family]
    test_seqs = [s for family in validation_suite("runs/validation_presence", args.sequences, seed=2000).values()
                 for s in family]
    x_fit, y_fit, _ = collect(tracker, fit_seqs)
    x_test, y_test, lengths = collect(tracker, test_seqs)
    weights_vec, bias, mean, std = fit_logistic(x_fit, y_fit)
    model = PresenceModel(weights_vec.tolist(), bias, mean.tolist(), std.tolist(), file_sha256(weights),
                          fitted_on=f"validation suite seed 1000, {len(fit_seqs)} sequences, {len(y_fit)} frames")
    p_fit = np.array([model.probability(f) for f in x_fit])
    p_test = np.array([model.probability(f) for f in x_test])
    model.metrics = {"auroc_heldback": round(auroc(p_test, y_test), 4),
                     "ece_heldback": round(expected_calibration_error(p_test, y_test), 4),
                     "auroc_fit": round(auroc(p_fit, y_fit), 4)}
    out = args.out or str(Path(weights).parents[1] / "configs" / "presence" / f"{args.model}.yaml")
    model.save(out)
    print(f"machine: {machine()}; model {args.model} ({weights}); features {', '.join(FEATURES)}")
    print(f"fit: {len(y_fit)} frames ({(~y_fit).sum()} absent), held back: {len(y_test)} frames "
          f"({(~y_test).sum()} absent)")
    peak = 1 / (1 + np.exp(-x_test[:, 0]))  # the classifier's own probability, uncalibrated
    print(f"held-back AUROC: presence {model.metrics['auroc_heldback']:.3f}; ECE: presence "
          f"{model.metrics['ece_heldback']:.3f}, raw classifier probability "
          f"{expected_calibration_error(peak, y_test):.3f}; fit-set AUROC {model.metrics['auroc_fit']:.3f}")
    print("held back: " + lost_figures(model, p_test, y_test, lengths))
    print(f"wrote {out}")
    if args.plot:
        reliability_plot({"presence (held back)": (p_test, y_test), "raw classifier probability (held back)":
                          (peak, y_test)}, args.plot)
        print(f"wrote {args.plot}")


if __name__ == "__main__":
    main()
