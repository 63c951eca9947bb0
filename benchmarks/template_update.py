"""Template update measured on the validation suite (never on the held-out suite): every `every` frames, when the
score is at least `min_score`, the template state becomes (1 - gamma) * first + gamma * state of the current box
(an anchored linear update, as UpdateNet's simplest baseline). Rows: no update, then each `--update`.

    python benchmarks/template_update.py --update 0.1,5,0.9 --update 0.2,5,0.9 --update 0.1,10,0.8

Success AUC / P@20 (pysot) per scene family of `evaluation.validation` and overall, 1 thread, ONNX Runtime.
"""

from __future__ import annotations

import numpy as np

from compare_opencv import family_cells, run
from seattrack.loading import load_tracker
from seattrack.track.tracker import SeatTracker
from tracker_options import open_suite, validation_parser


class UpdatingRunner:
    """A SeatTracker whose template state is blended with the state of its own box every `every` frames."""

    def __init__(self, tracker: SeatTracker, gamma: float, every: int, min_score: float):
        self.tracker, self.gamma, self.every, self.min_score = tracker, gamma, every, min_score
        self.probe = SeatTracker(tracker.backend, tracker.hypers)  # computes a template state, shares the network

    def init(self, frame: np.ndarray, box) -> None:
        self.tracker.init(frame, box)
        self.first, self.frames = self.tracker.state, 0

    def update(self, frame: np.ndarray) -> np.ndarray:
        result = self.tracker.update(frame)
        self.frames += 1
        if self.gamma and self.frames % self.every == 0 and result.score >= self.min_score:
            self.probe.init(frame, result.box_xywh)
            self.tracker.state = tuple((1 - self.gamma) * a + self.gamma * b
                                       for a, b in zip(self.first, self.probe.state))
        return result.box_xywh


def main() -> None:
    parser = validation_parser(__doc__)
    parser.add_argument("--update", action="append", default=[], help="GAMMA,EVERY,MIN_SCORE")
    args = parser.parse_args()
    suite, everything = open_suite(args)
    print(f"{'gamma,every,min_score':<24} " + " ".join(f"{c:>15}" for c in [*suite, "all"]))
    for spec in ["0,1,0", *args.update]:
        gamma, every, min_score = (float(v) for v in spec.split(","))
        runner = UpdatingRunner(load_tracker(args.model, threads=1), gamma, int(every), min_score)
        boxes, _, _ = run(runner, everything)
        print(f"{spec if gamma else 'no update':<24} " + " ".join(f"{c:>15}" for c in family_cells(boxes, suite)),
              flush=True)


if __name__ == "__main__":
    main()
