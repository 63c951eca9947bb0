"""Evaluation protocols: how a benchmark runs a tracker, which result files it writes, and how it scores them.

A protocol owns everything that differs between OPE (one pass, scored under a metric preset), GOT-10k (one pass,
AO / SR) and the VOT baseline (reset-based, EAO for an edition): tracking one sequence into its result files
(`track`), the files themselves (`files`), the report's columns, convention line, plots and evaluation
(`scoring`) and the single number `seattrack tune` maximises (`headline`). A benchmark names its protocol
(`datasets.Benchmark.protocol`); a report finds it from the result folders' layout (`for_files`). A new protocol
is one subclass here, listed in `PROTOCOLS`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from ..data.sequence import Sequence
from ..errors import SeatError
from .got10k import GOT10K_SUCCESS_THRESHOLDS, evaluate_got10k
from .longterm import confidence_path, write_confidences
from .one_pass import OPERun, track_ope
from .ope import SUCCESS_THRESHOLDS, common_dataset, evaluate_ope
from .presets import get_preset
from .results import GOT10K_FILES, OPE_FILES, VOT_FILES, GOT10kFiles, OPEFiles, ResultFiles, VOTFiles
from .speed import mean_fps
from .vot import EAO_INTERVALS, evaluate_vot, run_vot_baseline

Curve = tuple[np.ndarray, np.ndarray, float]  # x, y, the score shown in the legend
Evaluation = Callable[[Mapping[str, Any], Mapping[str, np.ndarray], list[Sequence]],
                      tuple[dict[str, float], dict[str, Curve]]]


@dataclass(frozen=True)
class Scoring:
    """How a report scores one protocol's results: its columns, its convention line, its plots and the evaluation
    itself ((results, times, sequences) -> (table row, curve per plot))."""

    columns: list[str]
    convention: str
    plots: dict[str, tuple[str, str, str]]  # plot name -> (title, x label, y label)
    evaluate: Evaluation


class Protocol(ABC):
    """One benchmark protocol; `preset` names the convention its numbers follow."""

    files: ClassVar[ResultFiles]
    unbatchable: ClassVar[str | None] = None  # why `eval --batch` cannot track its sequences in lockstep
    writes_confidences: ClassVar[bool] = False  # per-frame confidence files beside the boxes (`report --longterm`)

    @property
    @abstractmethod
    def preset(self) -> str:
        """The metric preset or edition its numbers follow (the default of `--preset`)."""

    @classmethod
    def scored_as(cls, preset: str) -> Protocol:
        """This protocol with its numbers under `preset` (`report --preset`)."""
        return cls(preset)

    @abstractmethod
    def track(self, tracker: Any, sequence: Sequence, out_dir: Path) -> None:
        """Run the tracker over one sequence and write its result files."""

    @abstractmethod
    def scoring(self, sequences: list[Sequence]) -> Scoring:
        """How a report on `sequences` scores results."""

    @abstractmethod
    def headline(self, boxes: Mapping[str, np.ndarray], sequences: list[Sequence]) -> float:
        """The number `seattrack tune` maximises, from one one-pass run per sequence."""


class OnePass(Protocol):
    """Protocols that initialise once and update on every frame, so `eval --batch` may run them in lockstep."""

    files: ClassVar[OPEFiles | GOT10kFiles]

    def track(self, tracker: Any, sequence: Sequence, out_dir: Path) -> None:
        self.write_run(out_dir, sequence.name, track_ope(tracker, sequence))

    def write_run(self, out_dir: Path, name: str, run: OPERun) -> None:
        """A one-pass run's result files."""
        self.files.write(out_dir, name, run.boxes, run.times)


@dataclass(frozen=True)
class OPE(OnePass):
    """One-pass evaluation scored with AUC / precision / normalised precision under a metric preset
    (`presets.PRESETS`, with the toolkit's branch for the sequences' dataset)."""

    preset: str = "pysot"

    files: ClassVar[OPEFiles] = OPE_FILES
    writes_confidences: ClassVar[bool] = True

    def write_run(self, out_dir: Path, name: str, run: OPERun) -> None:
        """Also `<seq>_confidence.value` (vot-toolkit's per-frame property file, for `report --longterm`), written
        before the box file that marks the sequence complete."""
        write_confidences(confidence_path(out_dir, name), run.confidences)
        super().write_run(out_dir, name, run)

    def scoring(self, sequences: list[Sequence]) -> Scoring:
        preset = get_preset(self.preset, common_dataset(sequences))
        prec = "P@20px" if preset.precision_score == "at_20px" else "P (area)"
        norm = {"at_0.20": "Pnorm@0.20", "mean": "Pnorm (mean)",
                "trapezoid": "Pnorm (area)"}[preset.norm_precision_score]

        def evaluate(results: Mapping[str, Any], times: Mapping[str, np.ndarray],
                     seqs: list[Sequence]) -> tuple[dict[str, float], dict[str, Curve]]:
            r = evaluate_ope(results, seqs, preset)
            row = {"AUC": r.auc, prec: r.precision_score, norm: r.norm_precision_score,
                   "FPS": mean_fps(times, r.names)}
            return row, {"success": (SUCCESS_THRESHOLDS, r.success_curve, r.auc),
                         "precision": (preset.precision_thresholds, r.precision_curve, r.precision_score)}

        return Scoring(["AUC", prec, norm, "FPS"], preset.describe(),
                       {"success": ("Success plots of OPE", "Overlap threshold", "Success rate"),
                        "precision": ("Precision plots of OPE", "Location error threshold (px)", "Precision")},
                       evaluate)

    def headline(self, boxes: Mapping[str, np.ndarray], sequences: list[Sequence]) -> float:
        return evaluate_ope(boxes, sequences, self.preset).auc


@dataclass(frozen=True)
class GOT10k(OnePass):
    """GOT-10k: one-pass runs in the toolkit's files, scored with AO / SR0.50 / SR0.75 as the toolkit pools them
    (the preset is always the toolkit's own)."""

    files: ClassVar[GOT10kFiles] = GOT10K_FILES

    @property
    def preset(self) -> str:
        return "got10k"

    @classmethod
    def scored_as(cls, preset: str) -> Protocol:
        return cls()

    def scoring(self, sequences: list[Sequence]) -> Scoring:
        def evaluate(results: Mapping[str, Any], times: Mapping[str, np.ndarray],
                     seqs: list[Sequence]) -> tuple[dict[str, float], dict[str, Curve]]:
            r = evaluate_got10k(results, seqs, times)
            row = {"AO": r.ao, "SR0.50": r.sr50, "SR0.75": r.sr75, "FPS": r.speed_fps}
            return row, {"success": (GOT10K_SUCCESS_THRESHOLDS, r.success_curve, r.ao)}

        return Scoring(["AO", "SR0.50", "SR0.75", "FPS"],
                       "GOT-10k toolkit: IoU of image-bounded boxes, frame 0 and cover=0 frames excluded, pooled over "
                       "frames and runs",
                       {"success": ("Success plot on GOT-10k", "Overlap threshold", "Success rate")}, evaluate)

    def headline(self, boxes: Mapping[str, np.ndarray], sequences: list[Sequence]) -> float:
        return evaluate_got10k({k: [v] for k, v in boxes.items()}, sequences).ao


@dataclass(frozen=True)
class VOTBaseline(Protocol):
    """The VOT baseline experiment (reset-based: re-initialised after each failure), scored with EAO / accuracy /
    robustness for a VOT edition (`vot.EAO_INTERVALS`)."""

    edition: str = "vot2019"

    files: ClassVar[VOTFiles] = VOT_FILES
    unbatchable: ClassVar[str | None] = "the VOT protocol re-initialises each sequence on its own"

    def __post_init__(self) -> None:
        if self.edition not in EAO_INTERVALS:
            raise SeatError(f"VOT baseline results need a VOT edition as preset ({', '.join(EAO_INTERVALS)}), "
                            f"got {self.edition!r}")

    @property
    def preset(self) -> str:
        return self.edition

    def track(self, tracker: Any, sequence: Sequence, out_dir: Path) -> None:
        run = run_vot_baseline(tracker, sequence)
        self.files.write(out_dir, sequence.name, run.outputs, run.times)

    def scoring(self, sequences: list[Sequence]) -> Scoring:
        def evaluate(results: Mapping[str, Any], times: Mapping[str, np.ndarray],
                     seqs: list[Sequence]) -> tuple[dict[str, float], dict[str, Curve]]:
            r = evaluate_vot(results, seqs, interval=self.edition)
            row = {"EAO": r.eao, "Accuracy": r.accuracy, "Robustness": r.robustness, "Lost": r.failures,
                   "FPS": mean_fps(times, [s.name for s in seqs])}
            return row, {"eao": (np.arange(len(r.eao_curve)), r.eao_curve, r.eao)}

        low, high = EAO_INTERVALS[self.edition]
        return Scoring(["EAO", "Accuracy", "Robustness", "Lost", "FPS"],
                       f"{self.edition} baseline (reset-based): EAO over [{low}, {high}], accuracy with 10 burn-in "
                       f"frames, robustness = failures per 100 frames",
                       {"eao": ("Expected average overlap", "Sequence length (frames)", "Expected overlap")},
                       evaluate)

    def headline(self, boxes: Mapping[str, np.ndarray], sequences: list[Sequence]) -> float:
        """Tuning runs one pass per sequence, so a VOT benchmark is tuned on the pysot OPE AUC of those runs."""
        return evaluate_ope(boxes, sequences, "pysot").auc


PROTOCOLS: tuple[type[Protocol], ...] = (OPE, GOT10k, VOTBaseline)


def for_files(files: ResultFiles, preset: str) -> Protocol:
    """The protocol whose result files a folder holds (`results.detect_layout`), its numbers under `preset`."""
    kind = next(p for p in PROTOCOLS if p.files is files)
    return kind.scored_as(preset)
