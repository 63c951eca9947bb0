"""OPE and GOT-10k metrics: parity with the got10k toolkit's own code, hand-worked convention differences, properties.

The parity tests run the toolkit's real `report()` methods (ExperimentOTB, ExperimentUAV123, ExperimentGOT10k) on
result files and ground truth written here; only the dataset object or the dataset folder is faked.
"""

from __future__ import annotations

import dataclasses
import io
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
from seattrack.data.sources import SeatDataWarning
from seattrack.errors import SeatError
from seattrack.evaluation.datasets import load_sequences
from seattrack.evaluation.got10k import evaluate_got10k
from seattrack.evaluation.ope import OPEResult, evaluate_ope, labelled_visible, sequence_errors
from seattrack.evaluation.presets import GOT10K, LASOT_OFFICIAL, PRESETS, PYSOT, TRACKINGNET_SERVER, get_preset
from seattrack.evaluation.results import GOT10K_FILES, OPE_FILES
from seattrack.evaluation.speed import mean_fps
from seattrack.ops.boxes import center_error, clip_to_image, iou, normalized_center_error
from tests.evaluation.layouts import write_gt, write_otb, write_uav123

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
    """What ExperimentOTB.report() reads from its dataset: len(), seq_names and (img_files, anno) per sequence, each
    annotation file parsed as the toolkit's OTB dataset parses it (commas to spaces, np.loadtxt)."""

    def __init__(self, anno_files: dict[str, Path]) -> None:
        self.seq_names = list(anno_files)
        self._files = list(anno_files.values())

    def __len__(self) -> int:
        return len(self.seq_names)

    def __iter__(self):
        return iter(([], np.loadtxt(io.StringIO(f.read_text().replace(",", " ")))) for f in self._files)


def toolkit_ope_report(cls: type, anno_files: dict[str, Path], result_root: Path, tracker: str) -> dict:
    """Run the toolkit's own `report()` of an OTB-style experiment class on result files under `result_root`."""
    experiment = cls.__new__(cls)  # __init__ wants the whole benchmark on disk; report() needs only these
    experiment.dataset = _Dataset(anno_files)
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


def assert_ope_parity(ours: OPEResult, fps: float, toolkit: dict) -> None:
    overall = toolkit["overall"]
    assert ours.auc == pytest.approx(overall["success_score"], abs=TOL)
    assert ours.precision_score == pytest.approx(overall["precision_score"], abs=TOL)
    np.testing.assert_allclose(ours.success_curve, overall["success_curve"], atol=TOL)
    np.testing.assert_allclose(ours.precision_curve, overall["precision_curve"], atol=TOL)
    assert fps == pytest.approx(overall["speed_fps"], rel=TOL)
    for name, scores in ours.per_sequence().items():
        assert scores["auc"] == pytest.approx(toolkit["seq_wise"][name]["success_score"], abs=TOL)
        assert scores["precision"] == pytest.approx(toolkit["seq_wise"][name]["precision_score"], abs=TOL)


def evaluate_files(tracker_dir: Path, sequences: list[Sequence]) -> tuple[OPEResult, float]:
    """Our `got10k` preset on the result files, with the branch for the sequences' dataset."""
    ours = evaluate_ope(OPE_FILES.load(tracker_dir, sequences), sequences, "got10k")
    return ours, mean_fps(OPE_FILES.load_times(tracker_dir, sequences), [s.name for s in sequences])


@pytest.mark.filterwarnings("ignore::seattrack.data.sources.SeatDataWarning")  # NaN rows: bad data in OTB
def test_otb_numbers_with_nan_ground_truth_match_the_toolkit(tmp_path: Path) -> None:
    """ExperimentOTB keeps NaN-GT frames: their IoU and center error are NaN, which fails every threshold while the
    frame stays in the denominator (unlike ExperimentUAV123). The dataset is written in the OTB layout and read by
    our OTB reader; the toolkit reads the same annotation files."""
    rng = np.random.default_rng(0)
    gts, preds, times = {}, {}, {}
    for k in range(4):
        gt, pred = random_track(rng, 60 + 17 * k)
        if k:
            gt[30 + k:36 + k] = np.nan  # unannotated frames
            gt[40, 2] = np.nan  # one NaN value
        pred[5 + k] = [pred[5 + k, 0], pred[5 + k, 1], 0.0, pred[5 + k, 3]]  # zero width
        pred[9 + k] = np.nan  # NaN row
        pred[12, 3] = np.nan  # one NaN value
        pred[20:24] += 400  # lost the target
        name = f"Seq{k}"
        gts[name], preds[name] = gt, pred
        times[name] = rng.uniform(0.005, 0.05, len(gt))
        times[name][3] = 0.0  # not timed: left out of the speed
    anno_files = write_otb(tmp_path / "OTB100", gts)
    tracker_dir = write_ope_results(tmp_path / "results", preds, times)
    sequences = load_sequences("otb", str(tmp_path / "OTB100"))
    assert {s.dataset for s in sequences} == {"otb"} and np.isnan(sequences[1].boxes).any()
    toolkit = toolkit_ope_report(ExperimentOTB, anno_files, tmp_path / "results", "tracker")
    assert_ope_parity(*evaluate_files(tracker_dir, sequences), toolkit)
    assert toolkit["seq_wise"]["Seq1"]["success_curve"][0] < 1 - 6 / len(gts["Seq1"]) + TOL  # NaN rows counted


@pytest.mark.parametrize("cls,dataset", [(ExperimentOTB, "otb"), (ExperimentUAV123, "uav123")])
def test_otb_and_uav_experiments_refuse_a_length_mismatch_and_so_do_we(tmp_path: Path, cls: type,
                                                                       dataset: str) -> None:
    """ExperimentOTB.report (inherited by ExperimentUAV123) asserts len(boxes) == len(anno)."""
    gt, pred = random_track(np.random.default_rng(5), 30)
    writer = write_otb if dataset == "otb" else write_uav123
    anno_files = writer(tmp_path / "data", {"Seq0": gt})
    tracker_dir = write_ope_results(tmp_path / "results", {"Seq0": pred[:25]}, {"Seq0": np.full(25, 0.01)})
    with pytest.raises(AssertionError):
        toolkit_ope_report(cls, anno_files, tmp_path / "results", "tracker")
    with pytest.raises(SeatError, match="25 predicted boxes for 30 frames"):
        evaluate_files(tracker_dir, load_sequences(dataset, str(tmp_path / "data")))


def test_uav123_numbers_with_nan_ground_truth_match_the_toolkit(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    gts, preds, times = {}, {}, {}
    for k in range(3):
        gt, pred = random_track(rng, 80)
        gt[30 + k:45 + k] = np.nan  # out of view: UAV123 writes NaN rows
        pred[50] = [pred[50, 0], pred[50, 1], 0.0, 0.0]
        pred[60:62] = np.nan
        name = f"uav{k}"
        gts[name], preds[name], times[name] = gt, pred, rng.uniform(0.01, 0.02, 80)
    anno_files = write_uav123(tmp_path / "UAV123", gts)
    tracker_dir = write_ope_results(tmp_path / "results", preds, times)
    sequences = load_sequences("uav123", str(tmp_path / "UAV123"))
    toolkit = toolkit_ope_report(ExperimentUAV123, anno_files, tmp_path / "results", "tracker")
    assert_ope_parity(*evaluate_files(tracker_dir, sequences), toolkit)


def test_the_otb_and_uav_experiments_treat_nan_ground_truth_differently() -> None:
    """The same NaN-GT frame: a failure under ExperimentOTB's rules, left out under ExperimentUAV123's."""
    gt = np.array([[0, 0, 10, 10]] * 4, float)
    gt[2] = np.nan
    pred = {"s": np.array([[0, 0, 10, 10]] * 4, float)}
    otb, uav = seq("s", gt, dataset="otb"), seq("s", gt, dataset="uav")
    assert evaluate_ope(pred, [otb], "got10k").auc == pytest.approx(3 / 4 * 20 / 21)
    assert evaluate_ope(pred, [otb], "got10k").precision_score == pytest.approx(3 / 4)
    assert evaluate_ope(pred, [uav], "got10k").auc == pytest.approx(20 / 21)
    assert evaluate_ope(pred, [uav], "got10k").precision_score == 1.0


def test_lasot_length_mismatch_matches_the_toolkit_lasot_experiment(tmp_path: Path) -> None:
    """The PyPI got10k 0.1.3 has no LaSOT experiment (its only LaSOT code, `datasets.LaSOT`, cannot even be built:
    `__init__` calls `_check_integrity` with one argument too many). The GitHub toolkit's ExperimentLaSOT sets frame
    0 to GT, truncates boxes and GT to the shorter, then scores with the very `_calc_metrics` ExperimentUAV123 has
    (NaN GT rows dropped) and ExperimentOTB's `_calc_curves`; those two installed methods score the truncated
    arrays here. Its normalised precision has no 0.1.3 code to compare with: see the hand-worked LaSOT table below."""
    import got10k.experiments

    assert not hasattr(got10k.experiments, "ExperimentLaSOT")  # a release with one: compare with it instead
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
        preds[f"lasot-{k}"] = OPE_FILES.load(tmp_path, sequences[-1:])[f"lasot-{k}"]

        boxes, anno = np.loadtxt(path, delimiter=","), gt.copy()
        boxes[0] = anno[0]
        n = min(len(boxes), len(anno))
        curves.append(experiment._calc_curves(*experiment._calc_metrics(boxes[:n], anno[:n])))
    ours = evaluate_ope(preds, sequences, "got10k")
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
                GOT10K_FILES.write(results, s.name, pred, times=times)  # our writer; the toolkit reads it
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

    ours = evaluate_got10k(GOT10K_FILES.load(results, sequences), sequences,
                             GOT10K_FILES.load_times(results, sequences))
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
        evaluate_got10k({"a": [np.zeros((4, 4))]}, [s])


def test_got10k_bounding_shifts_boxes_like_the_toolkit() -> None:
    """A box sticking out to the left is moved to x = 0 and keeps its width (capped by the image)."""
    np.testing.assert_allclose(clip_to_image([[-5, 10, 20, 200], [90, -1, 30, 5]], (100, 50)),
                               [[0, 10, 20, 40], [90, 0, 10, 5]])


# -- the primitives, against the toolkit's utils.metrics ---------------------------------------------------------


def test_iou_and_center_error_match_the_toolkit_functions() -> None:
    from got10k.utils.metrics import center_error as toolkit_center_error
    from got10k.utils.metrics import rect_iou

    rng = np.random.default_rng(4)
    a = np.column_stack([rng.uniform(-50, 50, (500, 2)), rng.uniform(1, 60, (500, 2))])
    b = np.column_stack([rng.uniform(-50, 50, (500, 2)), rng.uniform(1, 60, (500, 2))])
    np.testing.assert_allclose(iou(a, b), rect_iou(a.copy(), b.copy()), atol=1e-12)
    np.testing.assert_allclose(center_error(a, b), toolkit_center_error(a, b), atol=1e-12)


# -- hand-worked convention differences ------------------------------------------------------------------------------


def test_inclusive_and_continuous_iou_agree_on_xywh_boxes() -> None:
    """10x10 boxes 5 px apart: continuous 50 / 150; inclusive x2 = 9 and 14, (9 - 5 + 1) * 10 = 50 / 150. For x,y,w,h
    boxes the -1 and +1 cancel (see the property test below), so the conventions never differ on the same boxes;
    what moves toolkits' numbers is a step that changes the boxes, e.g. TrackingNet's rounding (tested below)."""
    a, b = [0, 0, 10, 10], [5, 0, 10, 10]
    assert iou(a, b, "continuous") == pytest.approx(1 / 3)
    assert iou(a, b, "inclusive") == pytest.approx(1 / 3)
    assert iou(a, [10, 0, 10, 10], "inclusive") == 0.0  # touching edges share no pixel
    with pytest.raises(SeatError, match="IoU convention"):
        iou(a, b, "pixels")


def test_first_frame_is_kept_by_pysot_and_overwritten_by_the_others() -> None:
    s = seq("s", [[1, 1, 10, 10]] * 2)
    pred = {"s": [[50, 50, 10, 10], [1, 1, 10, 10]]}  # frame 0 missed, frame 1 perfect
    assert evaluate_ope(pred, [s], "pysot").auc == pytest.approx(10 / 21)  # half the frames pass 20 thresholds
    for preset in ("got10k", "pytracking", "lasot_official"):
        assert evaluate_ope(pred, [s], preset).auc == pytest.approx(20 / 21)  # tau = 1.0 never passes


def test_invalid_ground_truth_is_a_failure_in_pysot_but_a_precision_success() -> None:
    gt = np.array([[0, 0, 10, 10]] * 4, float)
    gt[2] = np.nan
    pysot = evaluate_ope({"s": np.array([[0, 0, 10, 10]] * 4, float)}, [seq("s", gt)], "pysot")
    assert pysot.auc == pytest.approx(3 / 4 * 20 / 21)  # IoU -1 at frame 2, denominator 4
    assert pysot.precision_score == 1.0  # a GT center that is not > 0 counts as a precision success


def test_pytracking_rejects_nan_ground_truth_outside_uav() -> None:
    """calc_seq_err_robust raises 'NaNs in annotation' unless the dataset is UAV, where an invalid frame's center
    error is -1 (a success) while its IoU fails."""
    gt = np.array([[0, 0, 10, 10]] * 4, float)
    gt[2] = np.nan
    pred = {"s": np.array([[0, 0, 10, 10]] * 4, float)}
    with pytest.raises(SeatError, match="NaN in the ground truth"):
        evaluate_ope(pred, [seq("s", gt, dataset="otb")], "pytracking")
    uav = evaluate_ope(pred, [seq("s", gt, dataset="uav")], "pytracking")
    assert uav.precision_score == 1.0 and uav.norm_precision_score == 1.0
    assert uav.auc == pytest.approx(3 / 4 * 20 / 21)


def test_pytracking_validity_checks_only_gt_width_and_height() -> None:
    """valid = GT w > 0 and h > 0 (not all four values, as field-notes §2.2 says): a GT box at x = 0 is scored by
    pytracking and fails in the LaSOT MATLAB kit (all four > 0). A zero-width GT box is invalid: IoU fails, center
    error +inf fails, normalised center error -1 passes."""
    at_origin = seq("s", [[0, 1, 10, 10]] * 2)
    pred = {"s": [[0, 1, 10, 10]] * 2}
    assert evaluate_ope(pred, [at_origin], "pytracking").auc == pytest.approx(20 / 21)
    assert evaluate_ope(pred, [at_origin], "lasot_official").auc == 0.0
    empty_gt = seq("s", [[1, 1, 10, 10], [1, 1, 0, 10]])
    result = evaluate_ope({"s": [[1, 1, 10, 10], [1, 1, 10, 10]]}, [empty_gt], "pytracking")
    assert (result.auc, result.precision_score, result.norm_precision_score) == pytest.approx((10 / 21, 1 / 2, 1.0))


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")  # the -inf + inf box
def test_pytracking_rejects_nan_and_negative_predictions_and_repairs_empty_ones() -> None:
    s = seq("s", [[1, 1, 10, 10]] * 3)
    with pytest.raises(SeatError, match="sequence s: invalid prediction .* frame 1"):
        evaluate_ope({"s": [[1, 1, 10, 10], [np.nan] * 4, [1, 1, 10, 10]]}, [s], "pytracking")
    with pytest.raises(SeatError, match="invalid prediction .* frame 2"):
        evaluate_ope({"s": [[1, 1, 10, 10], [1, 1, 10, 10], [1, 1, -2, 10]]}, [s], "pytracking")
    repaired = evaluate_ope({"s": [[1, 1, 10, 10], [1, 1, 10, 10], [1, 1, 0, 10]]}, [s], "pytracking")
    assert repaired.auc == pytest.approx(20 / 21)
    with pytest.raises(SeatError, match="NaN overlap at frame 1"):  # x2 = -inf + inf: 'Nans in calculated overlap'
        evaluate_ope({"s": [[1, 1, 10, 10], [-np.inf, 1, np.inf, 10], [1, 1, 10, 10]]}, [s], "pytracking")


def test_lasot_official_drops_sequences_whose_curve_is_all_zero() -> None:
    good = seq("good", [[1, 1, 10, 10]] * 3)
    lost = seq("lost", [[1, 1, 10, 10]] * 3, visible=[False, True, True])  # frame 0 absent: fails despite = GT
    preds = {"good": [[1, 1, 10, 10]] * 3, "lost": [[1, 1, 10, 10], [60, 60, 10, 10], [60, 60, 10, 10]]}
    official = evaluate_ope(preds, [good, lost], "lasot_official")
    kept = evaluate_ope(preds, [good, lost], dataclasses.replace(LASOT_OFFICIAL, drop_zero_sequences=False))
    assert official.auc == pytest.approx(20 / 21)
    assert kept.auc == pytest.approx(10 / 21)


def test_lasot_official_replaces_empty_predictions_with_the_previous_box() -> None:
    s = seq("s", [[1, 1, 10, 10]] * 3)
    pred = {"s": [[1, 1, 10, 10], [1, 1, 10, 10], [5, 5, 0, 0]]}
    assert evaluate_ope(pred, [s], "lasot_official").auc == pytest.approx(20 / 21)  # frame 2 takes frame 1's box
    assert evaluate_ope(pred, [s], "got10k").auc == pytest.approx(2 / 3 * 20 / 21)  # empty box: IoU 0


# A LaSOT sequence written to disk (10x20 GT at (5, 5), 1-based files as LaSOT ships them) and a result file:
#   frame 0: exact;  frame 1: 1.25 px off (IoU 175/225, passes 16 of the 21 thresholds; normalised error 0.125);
#   frame 2: 3.25 px off (IoU 135/265 passes 11; normalised 0.325);  frame 3: exact but labelled fully occluded;
#   frame 4: exact, GT x = 0 (valid for "w, h > 0", invalid for "all four values > 0");
#   frame 5: GT width 0 on a frame labelled visible, predicted 10 px wide (IoU 0, center 5 px off).
# Expected (AUC, P@20px, Pnorm) per (preset, dataset branch), worked by hand from each toolkit's rules:
LASOT_TABLE = {
    # MATLAB kit: absent frames fail every curve (denominator 6); a GT value <= 0 fails the IoU while center and
    # normalised center are -1 (pass); Pnorm read at 0.20
    ("lasot_official", "lasot"): (47 / 126, 5 / 6, 4 / 6),
    # got10k LaSOT experiment: no visibility, only NaN GT is left out; Pnorm = mean of the 51-point curve with
    # max(1, GT size): the frames pass 51, 38 (0.13..0.50), 18 (0.33..0.50), 51, 51 and 0 (error 5) thresholds
    ("got10k", "lasot"): (87 / 126, 1.0, 209 / 306),
    # pysot's LaSOT branch: absent frames dropped from the numerator only; GT x = 0 valid (w, h > 0); frame 5's GT
    # center is > 0, so its center error counts (5 px passes) and its normalised one is 5 / 1e-16 (fails)
    ("pysot", "lasot"): (67 / 126, 5 / 6, 3 / 6),
    ("pysot", ""): (87 / 126, 1.0, 4 / 6),
    # pytracking LaSOT: labelled-invisible frames fail every curve (center errors +inf); frame 5 is invalid, not
    # invisible: IoU fails, center +inf fails, normalised center -1 passes
    ("pytracking", "lasot"): (67 / 126, 4 / 6, 4 / 6),
    # pytracking elsewhere reads no visibility labels (frame 3 scored as exact); the invalid frame 5 fails IoU and
    # center (+inf) and passes the normalised curve (-1)
    ("pytracking", ""): (87 / 126, 5 / 6, 5 / 6),
    # pytracking UAV: an invalid frame's center error is -1 too, a success
    ("pytracking", "uav"): (87 / 126, 1.0, 5 / 6),
}


@pytest.fixture
def lasot_case(tmp_path: Path) -> tuple[list[Sequence], dict[str, np.ndarray]]:
    """The sequence of `LASOT_TABLE` in the LaSOT layout, read by our LaSOT reader, and its result file read back."""
    folder = tmp_path / "LaSOT" / "cat" / "cat-1"
    gt = np.array([[5, 5, 10, 20]] * 6, float)
    gt[4, 0] = 0.0
    gt[5, 2] = 0.0
    write_gt(folder / "groundtruth.txt", gt, folder / "img", 8)
    (folder / "full_occlusion.txt").write_text("0,0,0,1,0,0\n")
    (folder / "out_of_view.txt").write_text("0,0,0,0,0,0\n")
    pred = np.array([[5, 5, 10, 20]] * 6, float)
    pred[1, 0] += 1.25
    pred[2, 0] += 3.25
    pred[4, 0] = 0.0
    OPE_FILES.write(tmp_path / "results", "cat-1", pred)
    with pytest.warns(SeatDataWarning, match="zero-size boxes on frames labelled visible"):  # frame 5
        sequences = load_sequences("lasot", str(tmp_path / "LaSOT"), split="all")
    return sequences, OPE_FILES.load(tmp_path / "results", sequences)


@pytest.mark.parametrize("preset,dataset", sorted(LASOT_TABLE), ids=[f"{p}[{d}]" for p, d in sorted(LASOT_TABLE)])
def test_absent_frames_and_normalised_precision_on_a_lasot_sequence(lasot_case, preset: str, dataset: str) -> None:
    sequences, preds = lasot_case
    assert sequences[0].dataset == "lasot" and sequences[0].visible.tolist() == [True] * 3 + [False, True, False]
    assert labelled_visible(sequences[0]).tolist() == [True] * 3 + [False, True, True]
    result = evaluate_ope(preds, sequences, preset, dataset=dataset)
    assert (result.auc, result.precision_score, result.norm_precision_score) == pytest.approx(
        LASOT_TABLE[preset, dataset], abs=TOL)


def test_length_policies() -> None:
    s = seq("s", [[1, 1, 10, 10]] * 4)
    lasot = seq("s", [[1, 1, 10, 10]] * 4, dataset="lasot")
    short, long = {"s": [[1, 1, 10, 10]] * 2}, {"s": [[1, 1, 10, 10]] * 6}
    for preset in ("pysot", "got10k"):  # pysot; ExperimentOTB / UAV123 assert equal lengths
        with pytest.raises(SeatError, match="2 predicted boxes for 4 frames"):
            evaluate_ope(short, [s], preset)
    for preset in ("lasot_official", "pytracking"):  # the MATLAB kit and pytracking's LaSOT branch
        with pytest.raises(SeatError, match="at least one box per frame"):
            evaluate_ope(short, [lasot], preset)
    assert evaluate_ope(short, [lasot], "got10k").auc == pytest.approx(20 / 21)  # both truncated to 2 frames
    assert evaluate_ope(short, [s], "pytracking").auc == pytest.approx(1 / 2 * 20 / 21)  # zero boxes fail
    assert evaluate_ope(short, [s], "trackingnet_server").precision_curve[0] == pytest.approx(1 / 2)  # NaN fails
    for preset in ("pytracking", "lasot_official", "trackingnet_server"):
        assert evaluate_ope(long, [s], preset).success_curve[0] == 1.0
    assert evaluate_ope(long, [lasot], "got10k").success_curve[0] == 1.0


def test_normalised_precision_at_020_versus_mean_of_the_curve() -> None:
    """Frame 1 is off by 1.75 px on a 10 px box: normalised error 0.175 passes 33 of the 51 thresholds."""
    s = seq("s", [[0, 0, 10, 10]] * 2)
    pred = {"s": [[0, 0, 10, 10], [1.75, 0, 10, 10]]}
    assert evaluate_ope(pred, [s], "pysot").norm_precision_score == 1.0
    assert evaluate_ope(pred, [s], "pytracking").norm_precision_score == 1.0
    assert evaluate_ope(pred, [s], "got10k").norm_precision_score == pytest.approx((51 + 33) / 102)


def test_normalised_center_error_guards() -> None:
    pred, gt = [2, 0, 0.5, 10], [0, 0, 0.5, 10]
    assert normalized_center_error(pred, gt, "max1") == pytest.approx(2.0)  # divided by max(1, 0.5)
    assert normalized_center_error(pred, gt, "none") == pytest.approx(4.0)
    assert normalized_center_error(pred, gt, "eps") == pytest.approx(4.0)


def test_max1_guard_through_the_got10k_preset() -> None:
    """A 0.5 px wide GT box, the prediction 0.125 px to the right: pysot (size + 1e-16) and pytracking (size) see a
    normalised error of 0.25 (fails at 0.20); got10k's max(1, size) sees 0.125 (passes 38 of the 51 thresholds)."""
    s = seq("s", [[10, 10, 0.5, 10]] * 2)
    pred = {"s": [[10, 10, 0.5, 10], [10.125, 10, 0.5, 10]]}
    assert evaluate_ope(pred, [s], "pysot").norm_precision_score == pytest.approx(1 / 2)
    assert evaluate_ope(pred, [s], "pytracking").norm_precision_score == pytest.approx(1 / 2)
    assert evaluate_ope(pred, [s], "got10k").norm_precision_score == pytest.approx((51 + 38) / 102)


def test_eps_guard_through_the_pysot_preset() -> None:
    """A zero-width GT box predicted exactly: pysot divides by 0 + 1e-16, so the error is 0 and passes; without the
    guard it is 0 / 0 = NaN, a failure (the IoU fails either way: pysot needs GT w, h > 0)."""
    s = seq("s", [[10, 10, 10, 10], [10, 10, 0, 10]])
    pred = {"s": [[10, 10, 10, 10], [10, 10, 0, 10]]}
    assert evaluate_ope(pred, [s], "pysot").norm_precision_score == 1.0
    unguarded = dataclasses.replace(PYSOT, norm_guard="none")
    assert evaluate_ope(pred, [s], unguarded).norm_precision_score == pytest.approx(1 / 2)
    assert evaluate_ope(pred, [s], "pysot").auc == pytest.approx(10 / 21)


def test_trackingnet_rounds_boxes_and_integrates_the_curves() -> None:
    """Prediction (10.4, 10.6, 20.5, 19.5) rounds half-to-even to (10, 11, 20, 20): IoU 380 / 420 = 19/21 with the GT
    (10, 10, 20, 20). Frame 0 is forced to GT. Success curve: 1 up to tau = 0.90, 0.5 at 0.95, 0 at 1.0: trapezoid
    0.05 * (18 + 0.75 + 0.25) = 0.95. Center error 1 px: precision curve 0.5 at 0 px, then 1: 0.05 * 19.75."""
    s = seq("s", [[10, 10, 20, 20]] * 2)
    pred = {"s": [[0, 0, 5, 5], [10.4, 10.6, 20.5, 19.5]]}
    errors = sequence_errors(pred["s"], s, TRACKINGNET_SERVER)
    assert errors.iou[1] == pytest.approx(19 / 21)
    result = evaluate_ope(pred, [s], "trackingnet_server")
    assert result.auc == pytest.approx(0.95)
    assert result.precision_score == pytest.approx(0.9875)
    assert len(result.precision_curve) == 21
    assert evaluate_ope(pred, [s], "pytracking").auc == pytest.approx((19 + 0.5) / 21)  # mean, not trapezoid


def test_presets_describe_themselves_and_validate() -> None:
    for preset in PRESETS.values():
        assert preset.doc and preset.name in preset.describe()
    assert get_preset("pytracking", "UAV20L").invalid_center == "success"
    assert get_preset("got10k", "lasot").name == "got10k[lasot]"
    with pytest.raises(SeatError, match="unknown metric preset"):
        get_preset("otb")
    with pytest.raises(SeatError, match="length='sometimes'"):
        dataclasses.replace(GOT10K, length="sometimes")


def test_missing_predictions_name_the_sequence() -> None:
    with pytest.raises(SeatError, match="no predictions for sequence b"):
        evaluate_ope({"a": [[0, 0, 1, 1]]}, [seq("a", [[0, 0, 1, 1]]), seq("b", [[0, 0, 1, 1]])])


# -- properties -----------------------------------------------------------------------------------------------------

coordinate = st.floats(-1e4, 1e4, allow_nan=False)
size = st.floats(1e-3, 1e5, allow_nan=False)
box = st.tuples(coordinate, coordinate, size, size)
odd_box = st.tuples(coordinate, coordinate, st.floats(0, 1e5), st.floats(0, 1e5))
convention = st.sampled_from(["continuous", "inclusive"])


@settings(max_examples=200, deadline=None)
@given(box, box, convention)
def test_iou_is_a_symmetric_fraction(a, b, conv) -> None:
    value = float(iou(a, b, conv))
    assert 0.0 <= value <= 1.0
    assert value == float(iou(b, a, conv))


@settings(max_examples=200, deadline=None)
@given(box, convention)
def test_iou_of_a_box_with_itself_is_one(a, conv) -> None:
    assert float(iou(a, a, conv)) == pytest.approx(1.0, rel=1e-6)


@settings(max_examples=200, deadline=None)
@given(box, box)
def test_inclusive_and_continuous_iou_are_the_same_number(a, b) -> None:
    """On the same x,y,w,h boxes the two conventions differ by float rounding only."""
    assert float(iou(a, b, "inclusive")) == pytest.approx(float(iou(a, b, "continuous")), abs=1e-6)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(box, odd_box), min_size=1, max_size=12), st.sampled_from(sorted(PRESETS)))
def test_ope_never_raises_on_valid_but_odd_boxes(pairs, preset) -> None:
    gt, pred = (np.array(column, dtype=np.float64) for column in zip(*pairs, strict=True))
    result = evaluate_ope({"s": pred}, [seq("s", gt)], preset)
    for value in result.scores:
        assert 0.0 <= value <= 1.0


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(box, odd_box), min_size=2, max_size=12), st.integers(1, 4000), st.integers(1, 4000))
def test_got10k_never_raises_on_boxes_outside_the_image(pairs, width, height) -> None:
    gt, pred = (np.array(column, dtype=np.float64) for column in zip(*pairs, strict=True))
    result = evaluate_got10k({"s": [pred]}, [seq("s", gt, resolution=(width, height))])
    assert np.isnan(result.ao) or 0.0 <= result.ao <= 1.0


def _upstream_pytracking_iou(pred: np.ndarray, anno: np.ndarray) -> np.ndarray:
    """pytracking/analysis/extract_results.py, calc_iou_overlap (visionml/pytracking b6d984d), in numpy: no clip."""
    tl = np.maximum(pred[:, :2], anno[:, :2])
    br = np.minimum(pred[:, :2] + pred[:, 2:] - 1.0, anno[:, :2] + anno[:, 2:] - 1.0)
    sz = np.clip(br - tl + 1.0, 0, None)
    intersection = sz.prod(1)
    union = pred[:, 2:].prod(1) + anno[:, 2:].prod(1) - intersection
    return intersection / union


def _upstream_norm_center(pred: np.ndarray, anno: np.ndarray, eps: float) -> np.ndarray:
    """pysot toolkit/evaluation/ope_benchmark.py, convert_bb_to_norm_center (each center / (gt_wh + 1e-16), then
    the difference), and pytracking calc_err_center(normalized=True) (center / anno w,h; eps 0)."""
    def center(b):
        return b[:, :2] + (b[:, 2:] - 1) / 2

    return np.sqrt((((center(pred) / (anno[:, 2:] + eps)) - (center(anno) / (anno[:, 2:] + eps))) ** 2).sum(1))


def test_pytracking_iou_is_not_capped_and_matches_upstream_bit_for_bit():
    rng = np.random.default_rng(0)
    gt = np.c_[rng.uniform(0, 300, (500, 2)), rng.uniform(1, 80, (500, 2))]
    pred = gt + rng.normal(0, 4, gt.shape) * (rng.random((500, 1)) < 0.8)  # 20 % exact copies
    np.testing.assert_array_equal(iou(pred, gt, "inclusive", cap=False), _upstream_pytracking_iou(pred, gt))
    exact = np.array([[10.3, 20.7, 33.1, 47.9]])
    assert _upstream_pytracking_iou(exact, exact)[0] > 1.0  # the float rounding the issue found on frame 0
    assert iou(exact, exact, "inclusive", cap=False)[0] > 1.0 and iou(exact, exact, "inclusive")[0] == 1.0
    assert get_preset("pytracking").iou_cap is False and get_preset("pysot").iou_cap is True


def test_normalised_centres_are_divided_before_subtracting_as_pysot_and_pytracking_do():
    rng = np.random.default_rng(1)
    gt = np.c_[rng.uniform(0, 300, (2000, 2)), rng.uniform(1, 80, (2000, 2))]
    pred = gt + rng.normal(0, 6, gt.shape)
    for preset, eps in (("pysot", 1e-16), ("pytracking", 0.0)):
        p = get_preset(preset)
        ours = normalized_center_error(pred, gt, p.norm_guard, p.norm_divide_first)
        np.testing.assert_array_equal(ours, _upstream_norm_center(pred, gt, eps))
    subtract_first = normalized_center_error(pred, gt, "none")
    assert (subtract_first != _upstream_norm_center(pred, gt, 0.0)).any()  # the order is visible in the last bits


def test_pysot_cuts_the_extra_rows_of_lasot_monkey_17_and_refuses_them_elsewhere():
    """pysot toolkit/datasets/lasot.py, LaSOTVideo.load_tracker (STVIR/pysot 2172c96): `if self.name ==
    'monkey-17': pred_traj = pred_traj[:len(self.gt_traj)]`; any other length mismatch fails its length check."""
    gt = np.tile([[10.0, 10.0, 20.0, 20.0]], (6, 1))
    longer = np.vstack([gt, [[0.0, 0.0, 5.0, 5.0]] * 3])
    monkey = seq("monkey-17", gt, dataset="lasot")
    assert evaluate_ope({"monkey-17": longer}, [monkey], "pysot").auc == pytest.approx(
        evaluate_ope({"monkey-17": gt}, [monkey], "pysot").auc)
    with pytest.raises(SeatError):
        evaluate_ope({"monkey-3": longer}, [seq("monkey-3", gt, dataset="lasot")], "pysot")
