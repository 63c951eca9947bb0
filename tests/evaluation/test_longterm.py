"""VOT long-term Pr / Re / F: hand-worked sequences, a LaSOT folder through `seattrack report --longterm`, and
parity with vot-toolkit 0.9's own functions (`vot/analysis/longterm.py`: `determine_thresholds`,
`compute_tpr_curves`, `PrecisionRecallCurve.aggregate`, `FScoreCurve.compute`, `PrecisionRecall.compute`;
`vot/region/raster.py`: `calculate_overlaps`)."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from seattrack.cli import main
from seattrack.data.sequence import Sequence
from seattrack.errors import SeatError
from seattrack.evaluation import longterm as lt
from seattrack.evaluation.datasets import load_sequences
from seattrack.evaluation.report import make_report
from seattrack.evaluation.results import OPE_FILES
from tests.evaluation.layouts import write_gt

NAN = [np.nan] * 4
BOX = [10, 10, 20, 20]


def seq(name: str, boxes, visible, size=(100, 100)) -> Sequence:
    return Sequence(name, [f"{name}/{i}.jpg" for i in range(len(boxes))], boxes, visible, {"resolution": size})


def two_sequences() -> tuple[list[Sequence], dict, dict]:
    """A: 5 frames, absent in frame 3; B: 4 frames, absent in 2-3. Overlaps, by hand:
    A: 1 (exact), 1/3 (shifted 10 px), 0 (elsewhere), 0 (a box while absent), 0 (no box while visible);
    B: 1, 1/2 (half height), 1 (no box while absent), 0 (a box while absent)."""
    a = seq("A", [BOX, BOX, BOX, NAN, BOX], [1, 1, 1, 0, 1])
    b = seq("B", [BOX, BOX, NAN, NAN], [1, 1, 0, 0])
    preds = {"A": [BOX, [20, 10, 20, 20], [50, 50, 10, 10], [60, 60, 10, 10], NAN],
             "B": [BOX, [10, 10, 20, 10], NAN, [60, 60, 10, 10]]}
    conf = {"A": [0.9, 0.8, 0.3, 0.2, 0.1], "B": [0.7, 0.6, 0.5, 0.95]}
    return [a, b], preds, conf


def test_hand_worked_two_sequences() -> None:
    sequences, preds, conf = two_sequences()
    np.testing.assert_allclose(lt.frame_overlaps(preds["A"], sequences[0].boxes, sequences[0].visible, (100, 100)),
                               [1, 1 / 3, 0, 0, 0])
    np.testing.assert_allclose(lt.frame_overlaps(preds["B"], sequences[1].boxes, sequences[1].visible, (100, 100)),
                               [1, 1 / 2, 1, 0])
    r = lt.evaluate_longterm(preds, conf, sequences)
    # 9 scores (< resolution - 2): every score is a threshold, between +inf and -inf
    np.testing.assert_array_equal(r.thresholds, [np.inf, .95, .9, .8, .7, .6, .5, .3, .2, .1, -np.inf])
    # per tau: A (4 visible frames), B (2 visible) -> means over the two sequences; no frame: Pr 1, Re 0
    pr_a = [1, 1, 1, 2 / 3, 2 / 3, 2 / 3, 2 / 3, 4 / 9, 1 / 3, 4 / 15, 4 / 15]
    re_a = [0, 0, 1 / 4, 1 / 3, 1 / 3, 1 / 3, 1 / 3, 1 / 3, 1 / 3, 1 / 3, 1 / 3]
    pr_b = [1, 0, 0, 0, 1 / 2, 1 / 2, 5 / 8, 5 / 8, 5 / 8, 5 / 8, 5 / 8]
    re_b = [0, 0, 0, 0, 1 / 2, 3 / 4, 5 / 4, 5 / 4, 5 / 4, 5 / 4, 5 / 4]  # the absent-and-no-box frame adds 1 (code)
    np.testing.assert_allclose(r.precision_curve, (np.array(pr_a) + pr_b) / 2)
    np.testing.assert_allclose(r.recall_curve, (np.array(re_a) + re_b) / 2)
    # best at tau = 0.5: Pr = (2/3 + 5/8) / 2 = 31/48, Re = (1/3 + 5/4) / 2 = 19/24, F = 589/828
    assert (r.threshold, r.precision, r.recall, r.fscore) == pytest.approx((0.5, 31 / 48, 19 / 24, 589 / 828))
    assert r.f_curve[0] == 0.0 and r.names == ["A", "B"]


def test_image_bounding_nan_confidence_and_errors() -> None:
    s = seq("s", [[80, 80, 20, 20], BOX], [1, 1])
    # the box sticking out is cut at the image edge: 10x10 inside, IoU 100 / 400 (unbounded: 100 / 700)
    np.testing.assert_allclose(lt.frame_overlaps([[90, 90, 20, 20], BOX], s.boxes, s.visible, (100, 100)), [0.25, 1])
    r = lt.evaluate_longterm({"s": [[90, 90, 20, 20], BOX]}, {"s": [0.5, np.nan]}, [s])
    np.testing.assert_array_equal(r.thresholds, [np.inf, 0.5, -np.inf])  # a NaN confidence is no threshold ...
    assert r.recall == pytest.approx(0.25 / 2)  # ... and never >= a threshold, not even -inf
    with pytest.raises(SeatError, match="sequence s: 2 frames but 1 boxes and 2 confidences"):
        lt.evaluate_longterm({"s": [BOX]}, {"s": [1, 1]}, [s])
    with pytest.raises(SeatError, match="sequence s: no confidences to score"):
        lt.evaluate_longterm({"s": [BOX, BOX]}, {}, [s])
    with pytest.raises(SeatError, match="sequence gone: the target is visible in no frame"):
        lt.evaluate_longterm({"gone": [BOX]}, {"gone": [1]}, [seq("gone", [NAN], [0])])


def test_threshold_subsampling_follows_the_toolkit_rule() -> None:
    scores = np.round(np.random.default_rng(3).uniform(0, 1, 431), 2)  # ties included
    got = lt.determine_thresholds(scores, 10)
    ordered = np.sort(scores)[::-1]
    delta = 431 // 8
    picks = np.round(np.linspace(delta, 431 - delta, 8)).astype(int)
    np.testing.assert_array_equal(got, [np.inf, *ordered[picks], -np.inf])


def write_frames(folder: Path, count: int, size=(100, 80)) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        cv2.imwrite(str(folder / f"{i + 1:08d}.jpg"), np.full((size[1], size[0], 3), 90, np.uint8))


def test_lasot_out_of_view_and_full_occlusion_through_report_longterm(tmp_path: Path, capsys) -> None:
    """LaSOT: frame 3 out of view, frame 4 fully occluded (boxes still given there), so 4 visible frames. The OPE
    file's frame 0 is the initialisation box, scored as no box (the toolkit's Special(INITIALIZATION)).
    Overlaps 0, 1, 1/3, 0, 0, 1/3 with confidences 1.0, 0.9, 0.4, 0.2, 0.8, 0.6: at tau = 0.4 the frames 0, 1, 2,
    4, 5 give Pr = (5/3) / 5 = 1/3, Re = (5/3) / 4 = 5/12, F = 10/27, the best of the curve."""
    folder = tmp_path / "LaSOT" / "cat" / "cat-1"
    write_gt(folder / "groundtruth.txt", np.array([BOX] * 6, float), folder / "img", 8, count=0)
    write_frames(folder / "img", 6)
    (folder / "out_of_view.txt").write_text("0,0,0,1,0,0\n")
    (folder / "full_occlusion.txt").write_text("0,0,0,0,1,0\n")
    results = tmp_path / "results" / "seat" / "lasot"
    OPE_FILES.write(results, "cat-1", np.array([BOX, BOX, [20, 10, 20, 20], [60, 40, 20, 20], [60, 40, 20, 20],
                                                    [10, 20, 20, 20]], float))
    lt.confidence_path(results, "cat-1").write_text("1.0\n0.9\n0.4\n0.2\n0.8\n0.6\n")
    other = tmp_path / "results" / "plain" / "lasot"  # no confidence files: blank long-term columns
    OPE_FILES.write(other, "cat-1", np.array([BOX] * 6, float))

    sequences = load_sequences("lasot", str(tmp_path / "LaSOT"), split="all")
    assert sequences[0].visible.tolist() == [True, True, True, False, False, True]
    report = make_report({"seat": results, "plain": other}, sequences, "lasot_official", tmp_path / "report",
                         longterm=True)
    seat, plain = report.rows
    assert (seat["LT Pr"], seat["LT Re"], seat["LT F"]) == pytest.approx((1 / 3, 5 / 12, 10 / 27), abs=1e-12)
    assert plain["LT F"] is None
    assert "| FPS | LT Pr | LT Re | LT F |" in report.to_markdown()

    assert main(["report", f"seat={results}", "--dataset", "lasot", "--root", str(tmp_path / "LaSOT"),
                 "--split", "all", "--longterm", "--out", str(tmp_path / "cli_report")]) in (0, None)
    assert "LT F" in capsys.readouterr().out
    lt.confidence_path(results, "cat-1").write_text("1.0\nhigh\n")
    with pytest.raises(SeatError, match=r"cat-1_confidence.value: line 2 'high' is not a number"):
        make_report({"seat": results}, sequences, "lasot_official", tmp_path / "report", longterm=True)


def test_empty_line_is_the_toolkit_default_confidence(tmp_path: Path) -> None:
    path = tmp_path / "s_confidence.value"
    path.write_text("\n0.25\n")
    np.testing.assert_array_equal(lt.read_confidences(path), [0.0, 0.25])


# -- parity with vot-toolkit ------------------------------------------------------------------------------------

def random_case(rng: np.random.Generator, n: int, size=(200, 150), inside: bool = True):
    """Integer boxes (where the toolkit's pixel rasterisation equals the continuous IoU), absent frames, no-box
    predictions, tied and NaN confidences; with `inside=False` some predictions stick out of the image."""
    w, h = size
    gt = np.column_stack([rng.integers(0, w - 40, n), rng.integers(0, h - 40, n), rng.integers(5, 40, (n, 2))])
    visible = rng.uniform(size=n) > 0.25
    pred = gt + rng.integers(-12, 13, (n, 4))
    pred[:, 2:] = np.maximum(pred[:, 2:], 1)
    pred[rng.uniform(size=n) < 0.1, :2] += 60  # some far off
    if inside:
        pred[:, :2] = np.clip(pred[:, :2], 0, [w - 1, h - 1])
        pred[:, 2:] = np.minimum(pred[:, 2:], [w, h] - pred[:, :2])
    empty = rng.uniform(size=n) < 0.15
    conf = np.round(rng.uniform(size=n), 2)
    conf[rng.uniform(size=n) < 0.05] = np.nan
    return gt.astype(float), visible, pred.astype(float), empty, conf


def vot_regions(gt, visible, pred, empty):
    """The same frames as toolkit regions: absent ground truth and "no box" as `Special(0)` (what a 'nan' line
    parses to), boxes as `Rectangle`."""
    from vot.region import Special
    from vot.region.shapes import Rectangle

    return ([Rectangle(*b) if v else Special(0) for b, v in zip(gt, visible)],
            [Special(0) if e else Rectangle(*p) for p, e in zip(pred, empty)])


def test_overlaps_equal_the_toolkits_bounded_calculate_overlaps() -> None:
    raster = pytest.importorskip("vot.region.raster")
    size = (200, 150)
    gt, visible, pred, empty, _ = random_case(np.random.default_rng(5), 300, size, inside=False)
    assert ((pred[:, :2] + pred[:, 2:]) > size).any()  # some boxes leave the image
    truth, regions = vot_regions(gt, visible, pred, empty)
    np.testing.assert_allclose(lt.frame_overlaps(np.where(empty[:, None], np.nan, pred), gt, visible, size),
                               raster.calculate_overlaps(regions, truth, size), atol=1e-12)


def test_parity_with_vot_toolkit() -> None:
    vot_longterm = pytest.importorskip("vot.analysis.longterm")
    from vot.dataset import InMemorySequence

    rng = np.random.default_rng(11)
    size = (200, 150)
    sequences, preds, confs, toolkit = [], {}, {}, []
    for k, n in enumerate((40, 75, 120)):  # 235 scores: thresholds are subsampled
        gt, visible, pred, empty, conf = random_case(rng, n, size)
        name = f"s{k}"
        sequences.append(Sequence(name, [f"{name}/{i}.jpg" for i in range(n)], gt, visible, {"resolution": size}))
        preds[name] = np.where(empty[:, None], np.nan, pred)
        confs[name] = conf
        vot_seq = InMemorySequence(name, ["color"])
        truth, regions = vot_regions(gt, visible, pred, empty)
        for region in truth:
            vot_seq.append({"color": np.zeros((1, 1, 3), np.uint8)}, region)
        toolkit.append((regions, list(conf), vot_seq))

    thresholds = vot_longterm.determine_thresholds(np.concatenate(list(confs.values())), 100)
    ours = lt.evaluate_longterm(preds, confs, sequences)
    np.testing.assert_array_equal(ours.thresholds, thresholds)
    partials = []
    for regions, conf, vot_seq in toolkit:
        # bounded=False because InMemorySequence has no frame size in 0.9; every box here lies inside the image,
        # so bounding changes nothing (bounded overlaps: the test above)
        pr, re = vot_longterm.compute_tpr_curves(regions, conf, vot_seq, thresholds, bounded=False)
        partials.append(([(p, r) for p, r in zip(pr, re)], thresholds))
    curve = vot_longterm.PrecisionRecallCurve().aggregate(None, [], partials)
    fcurve = vot_longterm.FScoreCurve().compute(None, [None], [], [[curve]])
    joined = vot_longterm.PrecisionRecall().compute(None, [None], [], [[curve], [fcurve[0, 0]]])
    np.testing.assert_allclose(ours.recall_curve, [c[0] for c in curve[0]], atol=1e-12)  # the toolkit: (Re, Pr)
    np.testing.assert_allclose(ours.precision_curve, [c[1] for c in curve[0]], atol=1e-12)
    np.testing.assert_allclose(ours.f_curve, fcurve[0, 0][0], atol=1e-12)
    assert (ours.precision, ours.recall, ours.fscore) == pytest.approx(joined[0, 0], abs=1e-12)
