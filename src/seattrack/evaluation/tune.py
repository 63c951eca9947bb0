"""Tracking hyper-parameter search on a validation split (`seattrack tune`), as SOTS/pysot users do per benchmark.

Random search (seeded) over penalty_k, window_influence, lr and the (small, big) instance sizes. Every trial runs
the tracker over all sequences in one persistent pool (`TrackerPool`: the network is loaded once per worker for all
trials, all trials queued at once, each longest first) and is scored with the benchmark protocol's headline number
(success AUC for OPE datasets, AO for GOT-10k). The best set is written as a named set into `<out>/<dataset>.yaml`,
keeping the file's other sets, and every trial goes to a CSV beside it.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import yaml
from tqdm import tqdm

from ..config import to_dict
from ..data.sequence import Sequence
from ..errors import SeatError
from ..fileio import write_text_atomic
from ..track.hypers import TrackerHypers
from .datasets import benchmark
from .one_pass import track_ope
from .pool import LoadedTracker, TrackerPool
from .runner import TrackerSpec, default_workers


@dataclass
class TuneSpace:
    penalty_k: tuple[float, float] = (0.0, 0.2)
    window_influence: tuple[float, float] = (0.15, 0.6)
    lr: tuple[float, float] = (0.2, 1.0)
    sizes: list[tuple[int, int]] = field(default_factory=lambda: [(255, 255), (255, 287)])


def sample_hypers(rng: np.random.Generator, space: TuneSpace, base: TrackerHypers) -> TrackerHypers:
    small, big = space.sizes[int(rng.integers(len(space.sizes)))]
    return dataclasses.replace(
        base, penalty_k=float(rng.uniform(*space.penalty_k)),
        window_influence=float(rng.uniform(*space.window_influence)), lr=float(rng.uniform(*space.lr)),
        small_sz=small, big_sz=big)


def _track(loaded: LoadedTracker, key: tuple[int, str], sequence: Sequence, hypers: TrackerHypers) -> np.ndarray:
    return track_ope(loaded.tracker(hypers), sequence)[0]


def score(dataset: str, boxes: dict[str, np.ndarray], sequences: list[Sequence]) -> float:
    """The benchmark's headline number for one trial (`Protocol.headline`)."""
    return benchmark(dataset).protocol.headline(boxes, sequences)


def tune(spec: TrackerSpec, dataset: str, sequences: list[Sequence], trials: int = 20, workers: int | None = 1,
         seed: int = 0, space: TuneSpace | None = None, progress: bool = True,
         processes: int | None = None) -> list[tuple[TrackerHypers, float]]:
    """Score `trials` hyper-parameter sets; trial 0 is the starting set (the spec's, or the model's own).

    `workers=None` picks one per core (`default_workers`); `processes` as in `TrackerPool`.
    Returns (hypers, score) best first.
    """
    space = space or TuneSpace()
    rng = np.random.default_rng(seed)
    base = spec.resolved_hypers()
    candidates = [base] + [sample_hypers(rng, space, base) for _ in range(trials - 1)]
    bar = tqdm(total=len(candidates), unit="trial", disable=not progress, desc="tuning")
    # every trial queued at once, trial by trial and each longest first: no worker idles at the end of a trial,
    # and trials finish (and free their boxes) in order
    longest_first = sorted(sequences, key=lambda s: -len(s))
    jobs = [((t, s.name), s, hypers) for t, hypers in enumerate(candidates) for s in longest_first]
    boxes: list[dict[str, np.ndarray]] = [{} for _ in candidates]
    results = [None] * len(candidates)
    with TrackerPool(spec, workers or default_workers(len(sequences), spec.threads), processes) as pool:
        for (trial, name), outcome in pool.map(_track, jobs):
            if isinstance(outcome, SeatError):
                raise SeatError(f"tune: tracking {name} failed: {outcome}")
            boxes[trial][name] = outcome
            if len(boxes[trial]) == len(sequences):
                results[trial] = (candidates[trial], score(dataset, boxes[trial], sequences))
                boxes[trial] = {}
                bar.update(1)
    bar.close()
    return sorted(results, key=lambda r: -r[1])


def write_tuned(results: list[tuple[TrackerHypers, float]], dataset: str, set_name: str, out_dir: str | Path) -> Path:
    """Write the best set as `set_name` into the benchmark's hypers file `<out_dir>/<file>.yaml` (other sets kept;
    got10k-val and got10k-test share `got10k.yaml`) and a trials CSV beside it."""
    out_dir = Path(out_dir)
    path = out_dir / f"{benchmark(dataset).hypers}.yaml"
    data = yaml.safe_load(path.read_text()) if path.is_file() else {}
    best, best_score = results[0]
    data[set_name] = to_dict(best)
    if "default" not in data:
        data["default"] = to_dict(best)
    header = f"# tuned by `seattrack tune` on {dataset}: best score {best_score:.4f} over {len(results)} trials\n"
    write_text_atomic(path, header + yaml.safe_dump(data, sort_keys=False))
    fields = [f.name for f in dataclasses.fields(TrackerHypers)]
    rows = [",".join(fields + ["score"])] + [",".join(str(getattr(h, f)) for f in fields) + f",{s:.6f}"
                                              for h, s in results]
    write_text_atomic(out_dir / f"{dataset}_{set_name}_trials.csv", "\n".join(rows) + "\n")
    return path
