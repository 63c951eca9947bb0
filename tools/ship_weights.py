"""Turn a training checkpoint into the weights shipped inside the package (fp16), after checking that fp16 keeps
the tracker's accuracy: it tracks held-out validation sequences with the fp32 and the fp16 weights and prints the
mean IoU between their boxes and each one's success AUC.

    python tools/ship_weights.py runs/seat_lite_cpu/epoch_030.pt [--hypers configs/hypers/seat_lite.yaml]

`--hypers` embeds a tuned tracking hyper-parameter set in the shipped file (used when a caller passes none).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import torch

from seattrack.config import to_dict
from seattrack.evaluation.one_pass import track_ope
from seattrack.evaluation.ope import evaluate_ope
from seattrack.evaluation.validation import validation_suite
from seattrack.models import load_model
from seattrack.models.checkpoint import model_from_payload, model_payload, save_model
from seattrack.ops.boxes import iou
from seattrack.track.backends import TorchBackend
from seattrack.track.hypers import load_hypers
from seattrack.track.tracker import SeatTracker

WEIGHTS = Path(__file__).resolve().parents[1] / "src" / "seattrack" / "weights"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("checkpoint")
    parser.add_argument("--name", default="seat_lite")
    parser.add_argument("--sequences", type=int, default=4, help="validation sequences per scene family")
    parser.add_argument("--root", default="runs/validation")
    parser.add_argument("--hypers", help="hyper-parameter set to embed (name, name:set or YAML)")
    args = parser.parse_args()
    torch.set_num_threads(1)  # 2 threads collapse when another job shares the cores
    full = load_model(args.checkpoint)
    half = model_from_payload(model_payload(full, half=True))
    sequences = [seq for family in validation_suite(args.root).values() for seq in family[: args.sequences]]
    boxes = {}
    for label, net in (("fp32", full), ("fp16", half)):
        tracker = SeatTracker(TorchBackend(net), args.hypers or "default")
        boxes[label] = {s.name: track_ope(tracker, s)[0] for s in sequences}
        print(f"{label}: success AUC {evaluate_ope(boxes[label], sequences, 'pysot').auc:.4f} (pysot convention)")
    agreement = np.mean([iou(boxes["fp32"][s.name], boxes["fp16"][s.name], "continuous").mean() for s in sequences])
    print(f"mean IoU between fp16 and fp32 boxes: {agreement:.4f}")
    WEIGHTS.mkdir(parents=True, exist_ok=True)
    out = WEIGHTS / f"{args.name}.pt"
    extra = {"hypers": to_dict(load_hypers(args.hypers))} if args.hypers else {}
    save_model(full, out, half=True, source=str(args.checkpoint), **extra)
    print(f"wrote {out} ({out.stat().st_size / 1e6:.2f} MB)")


if __name__ == "__main__":
    main()
