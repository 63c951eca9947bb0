"""OPE and GOT-10k metrics: parity with the got10k toolkit's own code, hand-worked convention differences, properties.

The parity tests run the toolkit's real `report()` methods (ExperimentOTB, ExperimentUAV123, ExperimentGOT10k) on
result files and ground truth written here; only the dataset object or the dataset folder is faked.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # the toolkit plots with pyplot

import numpy as np
import pytest
from got10k.experiments.got10k import ExperimentGOT10k
from got10k.experiments.otb import ExperimentOTB
from got10k.experiments.uav123 import ExperimentUAV123
from hypothesis import given, settings
from hypothesis import strategies as st

from seattrack.data.sequence import Sequence
from seattrack.errors import SeatError
from seattrack.evaluation import metrics as m
from seattrack.evaluation.report import mean_fps
from seattrack.evaluation.results import load_results, load_times, write_boxes

TOL = 1e-6


def seq(name: str, boxes, visible=None, dataset: str = "", **attributes) -> Sequence:
    boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    return Sequence(name, [f"{name}/{i:08d}.jpg" for i in range(len(boxes))], boxes, visible, attributes, dataset)


def random_track(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """A ground-truth random walk and a noisy prediction of it that drifts away now and then (3 decimals)."""
    start = np.array([rng.uniform(20, 200), rng.uniform(20, 200), rng.uniform(10, 80), rng.uniform(10, 80)])
    gt = start + np.cumsum(rng.normal(0, 2, (n, 4)) * [1, 1, 0.2, 0.2], axis=0)
    gt[:, 2:] = np.maximum(gt[:, 2:], 4)
    noise = rng.normal(0, rng.uniform(1, 12), (n, 4))
    drift = np.cumsum(rng.normal(0, 1.5, (n, 2)), axis=0) * (rng.random((n, 1)) < 0.4)
    pred = gt + noise
    pred[:, :2] += drift
    pred[:, 2:] = np.abs(pred[:, 2:])
    return np.round(gt, 3), np.round(pred, 3)


class _Dataset:
    """What ExperimentOTB.report() reads from its dataset: len(), seq_names and (img_files, anno) per sequence."""

    def __init__(self, sequences: list[Sequence]) -> None:
        self.seq_names = [s.name for s in sequences]
        self._annos = [s.boxes.copy() for s in sequences]

    def __len__(self) -> int:
        return len(self.seq_names)

    def __iter__(self):
        return iter(([], anno) for anno in self._annos)


def toolkit_ope_report(cls: type, sequences: list[Sequence], result_root: Path, tracker: str) -> dict:
    """Run the toolkit's own `report()` of an OTB-style experiment class on result files under `result_root`."""
    experiment = cls.__new__(cls)  # __init__ wants the whole benchmark on disk; report() needs only these
    experiment.dataset = _Dataset(sequences)
    experiment.result_dir = str(result_root)
    experiment.report_dir = str(result_root.parent / "reports")
    experiment.nbins_iou, experiment.nbins_ce = 21, 51
    return experiment.report([tracker])[tracker]


def write_ope_results(root: Path, preds: dict[str, np.ndarray], times: dict[str, np.ndarray]) -> Path:
    """Result files as the toolkit's `_record` writes them (np.savetxt %.3f, NaN allowed), times in both places."""
    tracker_dir = root / "tracker"
    (tracker_dir / "times").mkdir(parents=True)
    for name, boxes in preds.items():
        np.savetxt(tracker_dir / f"{name}.txt", boxes, fmt="%.3f", delimiter=",")
        for path in (tracker_dir / "times" / f"{name}_time.txt", tracker_dir / f"{name}_time.txt"):
            np.savetxt(path, times[name], fmt="%.8f")
    return tracker_dir


def assert_ope_parity(ours: m.OPEResult, fps: float, toolkit: dict) -> None:
    overall = toolkit["overall"]
    assert ours.auc == pytest.approx(overall["success_score"], abs=TOL)
    assert ours.precision_score == pytest.approx(overall["precision_score"], abs=TOL)
    np.testing.assert_allclose(ours.success_curve, overall["success_curve"], atol=TOL)
    np.testing.assert_allclose(ours.precision_curve, overall["precision_curve"], atol=TOL)
    assert fps == pytest.approx(overall["speed_fps"], rel=TOL)
    for name, scores in ours.per_sequence().items():
        assert scores["auc"] == pytest.approx(toolkit["seq_wise"][name]["success_score"], abs=TOL)
        assert scores["precision"] == pytest.approx(toolkit["seq_wise"][name]["precision_score"], abs=TOL)


def evaluate_files(tracker_dir: Path, sequences: list[Sequence]) -> tuple[m.OPEResult, float]:
    ours = m.evaluate_ope(load_results("ope", tracker_dir, sequences), sequences, "got10k")
    return ours, mean_fps(load_times("ope", tracker_dir, sequences), [s.name for s in sequences])


def test_otb_numbers_match_the_toolkit(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    sequences, preds, times = [], {}, {}
    for k in range(4):
        gt, pred = random_track(rng, 60 + 17 * k)
        pred[5 + k] = [pred[5 + k, 0], pred[5 + k, 1], 0.0, pred[5 + k, 3]]  # zero width
        pred[9 + k] = np.nan  # NaN row
        pred[12, 3] = np.nan  # one NaN value
        pred[20:24] += 400  # lost the target
        name = f"Seq{k}"
        sequences.append(seq(name, gt, dataset="otb"))
        preds[name] = pred
        times[name] = rng.uniform(0.005, 0.05, len(gt))
        times[name][3] = 0.0  # not timed: left out of the speed
    tracker_dir = write_ope_results(tmp_path / "results", preds, times)
    toolkit = toolkit_ope_report(ExperimentOTB, sequences, tmp_path / "results", "tracker")
    assert_ope_parity(*evaluate_files(tracker_dir, sequences), toolkit)


def test_uav123_numbers_with_nan_ground_truth_match_the_toolkit(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    sequences, preds, times = [], {}, {}
    for k in range(3):
        gt, pred = random_track(rng, 80)
        gt[30 + k:45 + k] = np.nan  # out of view: UAV123 writes NaN rows
        pred[50] = [pred[50, 0], pred[50, 1], 0.0, 0.0]
        pred[60:62] = np.nan
        name = f"uav{k}"
        sequences.append(seq(name, gt, dataset="uav"))
        preds[name], times[name] = pred, rng.uniform(0.01, 0.02, 80)
    tracker_dir = write_ope_results(tmp_path / "results", preds, times)
    toolkit = toolkit_ope_report(ExperimentUAV123, sequences, tmp_path / "results", "tracker")
    assert_ope_parity(*evaluate_files(tracker_dir, sequences), toolkit)


def test_lasot_length_mismatch_matches_the_toolkit_lasot_experiment(tmp_path: Path) -> None:
    """got10k's ExperimentLaSOT (GitHub master; not in the PyPI 0.1.3 release) sets frame 0 to GT, truncates boxes and
    GT to the shorter, then scores with the very `_calc_metrics` ExperimentUAV123 has (NaN GT rows dropped) and
    ExperimentOTB's `_calc_curves`. Those two installed methods score the truncated arrays here."""
    rng = np.random.default_rng(2)
    experiment = ExperimentUAV123.__new__(ExperimentUAV123)
    experiment.nbins_iou, experiment.nbins_ce = 21, 51
    sequences, preds, curves = [], {}, []
    for k, pred_length in enumerate((70, 90, 80)):  # shorter, longer, equal
        gt, pred = random_track(rng, 100)
        gt, pred = gt[:80], pred[:pred_length]
        gt[40:44] = np.nan
        pred[10] = np.nan
        pred[11, 2] = 0.0
        path = tmp_path / f"lasot-{k}.txt"
        np.savetxt(path, pred, fmt="%.3f", delimiter=",")
        sequences.append(seq(f"lasot-{k}", gt, dataset="lasot"))
        preds[f"lasot-{k}"] = np.loadtxt(path, delimiter=",")

        boxes, anno = np.loadtxt(path, delimiter=","), gt.copy()
        boxes[0] = anno[0]
        n = min(len(boxes), len(anno))
        curves.append(experiment._calc_curves(*experiment._calc_metrics(boxes[:n], anno[:n])))
    ours = m.evaluate_ope(preds, sequences, "got10k")
    success, precision = (np.mean(c, axis=0) for c in zip(*curves, strict=True))
    assert ours.auc == pytest.approx(np.mean(success), abs=TOL)
    assert ours.precision_score == pytest.approx(precision[20], abs=TOL)
    np.testing.assert_allclose(ours.success, [c[0] for c in curves], atol=TOL)


# -- GOT-10k val, through the toolkit's ExperimentGOT10k.report on a dataset folder written here ------------------


def write_got10k_val(root: Path, sequences: list[Sequence]) -> None:
    """The GOT-10k val layout the toolkit reads: list.txt, frames, groundtruth.txt, meta_info.ini, *.label."""
    val = root / "val"
    val.mkdir(parents=True)
    (val / "list.txt").write_text("\n".join(s.name for s in sequences) + "\n")
    for s in sequences:
        folder = val / s.name
        folder.mkdir()
        for i in range(len(s)):
            (folder / f"{i + 1:08d}.jpg").touch()  # report() only lists the frames
        np.savetxt(folder / "groundtruth.txt", s.boxes, fmt="%.4f", delimiter=",")
        width, height = s.attributes["resolution"]
        (folder / "meta_info.ini").write_text(f"[METAINFO]\nresolution: ({width}, {height})\nobject_class: cat\n")
        np.savetxt(folder / "cover.label", s.attributes["cover"], fmt="%d")
        np.savetxt(folder / "absence.label", (s.attributes["cover"] == 0).astype(int), fmt="%d")
        np.savetxt(folder / "cut_by_image.label", np.zeros(len(s), int), fmt="%d")


def got10k_case(tmp_path: Path, nan_in_scored_frame: bool) -> tuple[list[Sequence], Path]:
    rng = np.random.default_rng(3)
    sequences = []
    results = tmp_path / "results" / "GOT-10k" / "tracker"
    for k in range(3):
        n = 50 + 10 * k
        gt, _ = random_track(rng, n)
        gt[:, :2] -= 100  # some boxes leave the image on the left/top: both get bounded
        cover = rng.integers(0, 9, n)
        cover[:3] = 8
        gt[cover == 0] = np.nan if k == 1 else gt[cover == 0]  # unlabelled frames are never scored
        s = seq(f"GOT-10k_Val_{k:06d}", gt, cover=cover, resolution=(160 + 40 * k, 120))
        sequences.append(s)
        for run in (1, 2, 3) if k != 2 else (1,):  # a deterministic tracker writes one run
            _, pred = random_track(rng, n)
            pred[:, :2] = gt[:, :2] + rng.normal(0, 6, (n, 2)) if k != 1 else pred[:, :2] - 100
            pred[4, 2:] = 0.0  # empty box
            pred[np.flatnonzero(cover == 0)[:1]] = np.nan  # NaN where nothing is scored
            if nan_in_scored_frame and run == 2:
                pred[5] = np.nan
            times = rng.uniform(0.01, 0.03, n)
            if run == 1 and not np.isnan(pred).any():
                write_boxes("got10k", results, s.name, pred, times=times)  # our writer; the toolkit reads it
            else:
                folder = results / s.name
                folder.mkdir(parents=True, exist_ok=True)
                np.savetxt(folder / f"{s.name}_{run:03d}.txt", pred, fmt="%.3f", delimiter=",")
                time_file = folder / f"{s.name}_time.txt"
                old = np.loadtxt(time_file, delimiter=",", ndmin=2) if time_file.exists() else np.zeros((n, 0))
                np.savetxt(time_file, np.column_stack([old, times]), fmt="%.8f", delimiter=",")
    write_got10k_val(tmp_path / "data", sequences)
    return sequences, results


@pytest.mark.parametrize("nan_in_scored_frame", [False, True])
def test_got10k_val_numbers_match_the_toolkit(tmp_path: Path, nan_in_scored_frame: bool) -> None:
    sequences, results = got10k_case(tmp_path, nan_in_scored_frame)
    experiment = ExperimentGOT10k(str(tmp_path / "data"), subset="val", result_dir=str(tmp_path / "results"),
                                  report_dir=str(tmp_path / "reports"))
    toolkit = experiment.report(["tracker"])["tracker"]

    ours = m.evaluate_got10k(load_results("got10k", results, sequences), sequences,
                             load_times("got10k", results, sequences))
    if nan_in_scored_frame:  # the toolkit has no guard: NaN reaches the AO mean
        assert np.isnan(ours.ao) and np.isnan(toolkit["overall"]["ao"])
        return
    assert ours.ao == pytest.approx(toolkit["overall"]["ao"], abs=TOL)
    assert ours.sr50 == pytest.approx(toolkit["overall"]["sr"], abs=TOL)
    assert ours.sr75 == pytest.approx(toolkit["overall"]["succ_curve"][75], abs=TOL)
    assert ours.speed_fps == pytest.approx(toolkit["overall"]["speed_fps"], rel=TOL)
    np.testing.assert_allclose(ours.success_curve, toolkit["overall"]["succ_curve"], atol=TOL)
    for name, scores in ours.per_sequence.items():
        assert scores["ao"] == pytest.approx(toolkit["seq_wise"][name]["ao"], abs=TOL)
        assert scores["sr50"] == pytest.approx(toolkit["seq_wise"][name]["sr"], abs=TOL)
        assert scores["speed_fps"] == pytest.approx(toolkit["seq_wise"][name]["speed_fps"], rel=TOL)


def test_got10k_refuses_a_run_of_another_length() -> None:
    s = seq("a", [[0, 0, 10, 10]] * 5, resolution=(100, 100))
    with pytest.raises(SeatError, match="run 1 has 4 boxes for 5 frames"):
        m.evaluate_got10k({"a": [np.zeros((4, 4))]}, [s])


def test_got10k_bounding_shifts_boxes_like_the_toolkit() -> None:
    """A box sticking out to the left is moved to x = 0 and keeps its width (capped by the image)."""
    np.testing.assert_allclose(m.clip_to_image([[-5, 10, 20, 200], [90, -1, 30, 5]], (100, 50)),
                               [[0, 10, 20, 40], [90, 0, 10, 5]])


# -- the primitives, against the toolkit's utils.metrics ---------------------------------------------------------


def test_iou_and_center_error_match_the_toolkit_functions() -> None:
    from got10k.utils.metrics import center_error, rect_iou

    rng = np.random.default_rng(4)
    a = np.column_stack([rng.uniform(-50, 50, (500, 2)), rng.uniform(1, 60, (500, 2))])
    b = np.column_stack([rng.uniform(-50, 50, (500, 2)), rng.uniform(1, 60, (500, 2))])
    np.testing.assert_allclose(m.iou(a, b), rect_iou(a.copy(), b.copy()), atol=1e-12)
    np.testing.assert_allclose(m.center_error(a, b), center_error(a, b), atol=1e-12)


# -- hand-worked convention differences ------------------------------------------------------------------------------


def test_inclusive_and_continuous_iou_agree_on_xywh_boxes() -> None:
    """10x10 boxes 5 px apart: continuous 50 / 150; inclusive x2 = 9 and 14, (9 - 5 + 1) * 10 = 50 / 150. For x,y,w,h
    boxes the -1 and +1 cancel, so the two conventions differ only for boxes given as corners."""
    a, b = [0, 0, 10, 10], [5, 0, 10, 10]
    assert m.iou(a, b, "continuous") == pytest.approx(1 / 3)
    assert m.iou(a, b, "inclusive") == pytest.approx(1 / 3)
    assert m.iou(a, [10, 0, 10, 10], "inclusive") == 0.0  # touching edges share no pixel
    with pytest.raises(SeatError, match="IoU convention"):
        m.iou(a, b, "pixels")


def test_first_frame_is_kept_by_pysot_and_overwritten_by_the_others() -> None:
    s = seq("s", [[1, 1, 10, 10]] * 2)
    pred = {"s": [[50, 50, 10, 10], [1, 1, 10, 10]]}  # frame 0 missed, frame 1 perfect
    assert m.evaluate_ope(pred, [s], "pysot").auc == pytest.approx(10 / 21)  # half the frames pass 20 thresholds
    for preset in ("got10k", "pytracking", "lasot_official"):
        assert m.evaluate_ope(pred, [s], preset).auc == pytest.approx(20 / 21)  # tau = 1.0 never passes


def test_invalid_ground_truth_fails_in_pysot_and_is_excluded_in_got10k() -> None:
    gt = np.array([[0, 0, 10, 10]] * 4, float)
    gt[2] = np.nan
    s = seq("s", gt)
    pred = {"s": np.array([[0, 0, 10, 10]] * 4, float)}
    pysot, got10k = m.evaluate_ope(pred, [s], "pysot"), m.evaluate_ope(pred, [s], "got10k")
    assert pysot.auc == pytest.approx(3 / 4 * 20 / 21)  # IoU -1 at frame 2, denominator 4
    assert got10k.auc == pytest.approx(20 / 21)  # frame 2 left out: 3 of 3
    assert pysot.precision_score == 1.0  # a GT center that is not > 0 counts as a precision success in pysot
    assert got10k.precision_score == 1.0


def test_uav_center_error_of_invalid_frames_is_a_success_in_pytracking() -> None:
    gt = np.array([[0, 0, 10, 10]] * 4, float)
    gt[2] = np.nan
    pred = {"s": np.array([[0, 0, 10, 10]] * 4, float)}
    otb, uav = seq("s", gt, dataset="otb"), seq("s", gt, dataset="uav")
    assert m.evaluate_ope(pred, [otb], "pytracking").precision_score == pytest.approx(3 / 4)  # +inf: failure
    assert m.evaluate_ope(pred, [uav], "pytracking").precision_score == 1.0  # -1: success
    assert m.evaluate_ope(pred, [uav], "pytracking").auc == pytest.approx(3 / 4 * 20 / 21)  # IoU still fails
    assert m.evaluate_ope(pred, [otb], "pytracking").norm_precision_score == 1.0  # normalised: -1 everywhere


def test_lasot_official_drops_sequences_whose_curve_is_all_zero() -> None:
    good = seq("good", [[1, 1, 10, 10]] * 3)
    lost = seq("lost", [[1, 1, 10, 10]] * 3, visible=[False, True, True])  # frame 0 absent: fails despite = GT
    preds = {"good": [[1, 1, 10, 10]] * 3, "lost": [[1, 1, 10, 10], [60, 60, 10, 10], [60, 60, 10, 10]]}
    official = m.evaluate_ope(preds, [good, lost], "lasot_official")
    kept = m.evaluate_ope(preds, [good, lost], dataclasses.replace(m.LASOT_OFFICIAL, drop_zero_sequences=False))
    assert official.auc == pytest.approx(20 / 21)
    assert kept.auc == pytest.approx(10 / 21)


def test_lasot_official_absent_frames_fail_but_stay_in_the_denominator() -> None:
    s = seq("s", [[1, 1, 10, 10]] * 4, visible=[True, True, False, True])
    result = m.evaluate_ope({"s": [[1, 1, 10, 10]] * 4}, [s], "lasot_official")
    assert result.auc == pytest.approx(3 / 4 * 20 / 21)
    assert result.precision_score == pytest.approx(3 / 4)
    at_origin = seq("s", [[0, 1, 10, 10]] * 4)  # the kit wants all four values > 0: x = 0 is an invalid GT row
    result = m.evaluate_ope({"s": [[0, 1, 10, 10]] * 4}, [at_origin], "lasot_official")
    assert result.auc == 0.0 and result.precision_score == 1.0  # IoU fails, center error -1 passes


def test_lasot_official_replaces_empty_predictions_with_the_previous_box() -> None:
    s = seq("s", [[1, 1, 10, 10]] * 3)
    pred = {"s": [[1, 1, 10, 10], [1, 1, 10, 10], [5, 5, 0, 0]]}
    assert m.evaluate_ope(pred, [s], "lasot_official").auc == pytest.approx(20 / 21)  # frame 2 takes frame 1's box
    assert m.evaluate_ope(pred, [s], "got10k").auc == pytest.approx(2 / 3 * 20 / 21)  # empty box: IoU 0


def test_pytracking_rejects_nan_predictions_and_repairs_empty_ones() -> None:
    s = seq("s", [[1, 1, 10, 10]] * 3)
    with pytest.raises(SeatError, match="sequence s: invalid prediction .* frame 1"):
        m.evaluate_ope({"s": [[1, 1, 10, 10], [np.nan] * 4, [1, 1, 10, 10]]}, [s], "pytracking")
    repaired = m.evaluate_ope({"s": [[1, 1, 10, 10], [1, 1, 10, 10], [1, 1, 0, 10]]}, [s], "pytracking")
    assert repaired.auc == pytest.approx(20 / 21)


def test_length_policies() -> None:
    s = seq("s", [[1, 1, 10, 10]] * 4)
    short, long = {"s": [[1, 1, 10, 10]] * 2}, {"s": [[1, 1, 10, 10]] * 6}
    with pytest.raises(SeatError, match="2 predicted boxes for 4 frames"):
        m.evaluate_ope(short, [s], "pysot")
    with pytest.raises(SeatError, match="at least one box per frame"):
        m.evaluate_ope(short, [s], "lasot_official")
    assert m.evaluate_ope(short, [s], "got10k").auc == pytest.approx(20 / 21)  # both truncated to 2 frames
    assert m.evaluate_ope(short, [s], "pytracking").auc == pytest.approx(1 / 2 * 20 / 21)  # zero boxes fail
    assert m.evaluate_ope(short, [s], "trackingnet_server").precision_curve[0] == pytest.approx(1 / 2)  # NaN fails
    for preset in ("got10k", "pytracking", "lasot_official", "trackingnet_server"):
        assert m.evaluate_ope(long, [s], preset).success_curve[0] == 1.0


def test_lasot_variant_of_pytracking_needs_a_box_per_frame() -> None:
    s = seq("s", [[1, 1, 10, 10]] * 4, dataset="lasot")
    with pytest.raises(SeatError, match="at least one box per frame"):
        m.evaluate_ope({"s": [[1, 1, 10, 10]] * 2}, [s], "pytracking")


def test_normalised_precision_at_020_versus_mean_of_the_curve() -> None:
    """Frame 1 is off by 1.75 px on a 10 px box: normalised error 0.175 passes 33 of the 51 thresholds."""
    s = seq("s", [[0, 0, 10, 10]] * 2)
    pred = {"s": [[0, 0, 10, 10], [1.75, 0, 10, 10]]}
    assert m.evaluate_ope(pred, [s], "pysot").norm_precision_score == 1.0
    assert m.evaluate_ope(pred, [s], "pytracking").norm_precision_score == 1.0
    assert m.evaluate_ope(pred, [s], "got10k").norm_precision_score == pytest.approx((51 + 33) / 102)


def test_normalised_center_error_guards() -> None:
    pred, gt = [2, 0, 0.5, 10], [0, 0, 0.5, 10]
    assert m.normalized_center_error(pred, gt, "max1") == pytest.approx(2.0)  # divided by max(1, 0.5)
    assert m.normalized_center_error(pred, gt, "none") == pytest.approx(4.0)
    assert m.normalized_center_error(pred, gt, "eps") == pytest.approx(4.0)


def test_trackingnet_rounds_boxes_and_integrates_the_curves() -> None:
    """Prediction (10.4, 10.6, 20.5, 19.5) rounds half-to-even to (10, 11, 20, 20): IoU 380 / 420 = 19/21 with the GT
    (10, 10, 20, 20). Frame 0 is forced to GT. Success curve: 1 up to tau = 0.90, 0.5 at 0.95, 0 at 1.0: trapezoid
    0.05 * (18 + 0.75 + 0.25) = 0.95. Center error 1 px: precision curve 0.5 at 0 px, then 1: 0.05 * 19.75."""
    s = seq("s", [[10, 10, 20, 20]] * 2)
    pred = {"s": [[0, 0, 5, 5], [10.4, 10.6, 20.5, 19.5]]}
    errors = m.sequence_errors(pred["s"], s, m.TRACKINGNET_SERVER)
    assert errors.iou[1] == pytest.approx(19 / 21)
    result = m.evaluate_ope(pred, [s], "trackingnet_server")
    assert result.auc == pytest.approx(0.95)
    assert result.precision_score == pytest.approx(0.9875)
    assert len(result.precision_curve) == 21
    assert m.evaluate_ope(pred, [s], "pytracking").auc == pytest.approx((19 + 0.5) / 21)  # mean, not trapezoid


def test_presets_describe_themselves_and_validate() -> None:
    for preset in m.PRESETS.values():
        assert preset.doc and preset.name in preset.describe()
    assert m.get_preset("pysot", "lasot").absent_fails
    assert m.get_preset("pytracking", "UAV20L").invalid_center == "success"
    with pytest.raises(SeatError, match="unknown metric preset"):
        m.get_preset("otb")
    with pytest.raises(SeatError, match="length='sometimes'"):
        dataclasses.replace(m.GOT10K, length="sometimes")


def test_missing_predictions_name_the_sequence() -> None:
    with pytest.raises(SeatError, match="no predictions for sequence b"):
        m.evaluate_ope({"a": [[0, 0, 1, 1]]}, [seq("a", [[0, 0, 1, 1]]), seq("b", [[0, 0, 1, 1]])])


# -- properties -----------------------------------------------------------------------------------------------------

coordinate = st.floats(-1e4, 1e4, allow_nan=False)
size = st.floats(1e-3, 1e5, allow_nan=False)
box = st.tuples(coordinate, coordinate, size, size)
odd_box = st.tuples(coordinate, coordinate, st.floats(0, 1e5), st.floats(0, 1e5))
convention = st.sampled_from(["continuous", "inclusive"])


@settings(max_examples=200, deadline=None)
@given(box, box, convention)
def test_iou_is_a_symmetric_fraction(a, b, conv) -> None:
    value = float(m.iou(a, b, conv))
    assert 0.0 <= value <= 1.0
    assert value == float(m.iou(b, a, conv))


@settings(max_examples=200, deadline=None)
@given(box, convention)
def test_iou_of_a_box_with_itself_is_one(a, conv) -> None:
    assert float(m.iou(a, a, conv)) == pytest.approx(1.0, rel=1e-6)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(box, odd_box), min_size=1, max_size=12), st.sampled_from(sorted(m.PRESETS)))
def test_ope_never_raises_on_valid_but_odd_boxes(pairs, preset) -> None:
    gt, pred = (np.array(column, dtype=np.float64) for column in zip(*pairs, strict=True))
    result = m.evaluate_ope({"s": pred}, [seq("s", gt)], preset)
    for value in result.scores:
        assert 0.0 <= value <= 1.0


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(box, odd_box), min_size=2, max_size=12), st.integers(1, 4000), st.integers(1, 4000))
def test_got10k_never_raises_on_boxes_outside_the_image(pairs, width, height) -> None:
    gt, pred = (np.array(column, dtype=np.float64) for column in zip(*pairs, strict=True))
    result = m.evaluate_got10k({"s": [pred]}, [seq("s", gt, resolution=(width, height))])
    assert np.isnan(result.ao) or 0.0 <= result.ao <= 1.0
