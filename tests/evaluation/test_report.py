"""Reports: tables, CSV, plots and the per-attribute breakdown, on result folders written here."""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path

import numpy as np
import pytest

from seattrack.data.sequence import Sequence
from seattrack.data.sources import SeatDataWarning
from seattrack.errors import SeatError
from seattrack.evaluation.datasets import load_sequences
from seattrack.evaluation.got10k import evaluate_got10k
from seattrack.evaluation.ope import evaluate_ope
from seattrack.evaluation.report import attribute_flags, make_report
from seattrack.evaluation.results import GOT10K_FILES, OPE_FILES, VOT_FILES
from seattrack.evaluation.vot import evaluate_vot
from tests.evaluation.layouts import write_uav123

PNG = b"\x89PNG\r\n\x1a\n"


def dataset(n_frames: int = 30) -> list[Sequence]:
    """Four sequences: OTB-style tags on two, a per-frame occlusion array (true in one frame) on another."""
    rng = np.random.default_rng(7)
    sequences = []
    for k in range(4):
        boxes = np.column_stack([rng.uniform(20, 60, (n_frames, 2)), rng.uniform(15, 30, (n_frames, 2))])
        attributes = {"resolution": (160, 120), "cover": np.full(n_frames, 8)}
        if k < 2:
            attributes["tags"] = ["IV", "OCC"] if k == 0 else ["IV"]
        occlusion = np.zeros(n_frames, bool)
        occlusion[n_frames // 2] = k == 2
        attributes["occlusion"] = occlusion
        sequences.append(Sequence(f"seq{k}", [f"{k}/{i}.jpg" for i in range(n_frames)], boxes, None, attributes))
    return sequences


def predictions(sequences: list[Sequence], noise: float, seed: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {s.name: np.abs(s.boxes + rng.normal(0, noise, s.boxes.shape)) for s in sequences}


def test_ope_report_tables_plots_and_attributes(tmp_path: Path) -> None:
    sequences = dataset()
    preds = {"seat": predictions(sequences, 2, 1), "baseline": predictions(sequences, 8, 2)}
    dirs = {}
    for tracker, by_seq in preds.items():
        dirs[tracker] = tmp_path / tracker
        for name, boxes in by_seq.items():
            OPE_FILES.write(dirs[tracker], name, boxes, times=np.full(len(boxes), 0.02))
    report = make_report(dirs, sequences, "got10k", tmp_path / "report")

    expected = evaluate_ope(preds["seat"], sequences, "got10k")
    seat = report.rows[0]
    assert seat["Tracker"] == "seat"
    assert seat["AUC"] == pytest.approx(expected.auc, abs=1e-4)  # files hold 4 decimals
    assert seat["P@20px"] == pytest.approx(expected.precision_score, abs=1e-4)
    assert seat["Pnorm (mean)"] == pytest.approx(expected.norm_precision_score, abs=1e-4)
    assert seat["FPS"] == pytest.approx(50.0)

    by_attribute = {(row["Attribute"], row["Tracker"]): row for row in report.attributes}
    assert {a for a, _ in by_attribute} == {"IV", "OCC", "occlusion"}
    assert by_attribute["IV", "seat"]["Sequences"] == 2
    assert by_attribute["occlusion", "seat"]["Sequences"] == 1  # a frame-level flag selects seq2 only
    only_seq2 = evaluate_ope(preds["seat"], sequences[2:3], "got10k")
    assert by_attribute["occlusion", "seat"]["AUC"] == pytest.approx(only_seq2.auc, abs=1e-4)

    markdown = report.files["markdown"].read_text()
    assert "| Tracker | AUC | P@20px | Pnorm (mean) | FPS |" in markdown
    assert f"| seat | {seat['AUC']:.3f} |" in markdown and "## Per attribute" in markdown
    assert "preset got10k" in markdown
    rows = list(csv.DictReader(io.StringIO(report.files["csv"].read_text())))
    assert [r["Tracker"] for r in rows] == ["seat", "baseline"]
    assert float(rows[1]["AUC"]) == pytest.approx(report.rows[1]["AUC"])
    assert len(list(csv.DictReader(io.StringIO(report.files["attributes_csv"].read_text())))) == 6
    for plot in ("success", "precision"):
        assert report.files[plot].read_bytes().startswith(PNG)
    text = report.to_text()
    assert "seat" in text and "baseline" in text and "Per attribute" in text


def test_trackingnet_preset_labels_areas(tmp_path: Path) -> None:
    sequences = dataset(10)[:2]
    for name, boxes in predictions(sequences, 2, 3).items():
        OPE_FILES.write(tmp_path / "seat", name, boxes)
    report = make_report({"seat": tmp_path / "seat"}, sequences, "trackingnet_server", tmp_path / "out")
    assert report.columns == ["AUC", "P (area)", "Pnorm (area)", "FPS"]
    assert math.isnan(report.rows[0]["FPS"])  # no time files
    assert "| - |" in report.to_markdown()


def test_got10k_report(tmp_path: Path) -> None:
    sequences = dataset(20)
    runs = [predictions(sequences, 3, seed) for seed in (4, 5)]
    for run, preds in enumerate(runs, 1):
        for name, boxes in preds.items():
            GOT10K_FILES.write(tmp_path / "seat", name, boxes, times=np.full(len(boxes), 0.04), run=run)
    report = make_report({"seat": tmp_path / "seat"}, sequences, "got10k", tmp_path / "out")
    loaded = {name: [runs[0][name], runs[1][name]] for name in runs[0]}
    expected = evaluate_got10k(loaded, sequences)
    assert report.kind == "got10k" and report.columns == ["AO", "SR0.50", "SR0.75", "FPS"]
    assert report.rows[0]["AO"] == pytest.approx(expected.ao, abs=1e-4)
    assert report.rows[0]["FPS"] == pytest.approx(25.0)
    assert report.files["success"].read_bytes().startswith(PNG)


def test_vot_report(tmp_path: Path) -> None:
    sequences = dataset(80)  # the re-initialised fragment (55 frames) reaches into VOT2019's interval [46, 291]
    rng = np.random.default_rng(9)
    runs = {}
    for s in sequences:
        outputs = [1] + [s.boxes[i] + rng.normal(0, 2, 4) for i in range(1, 80)]
        outputs[20:26] = [2, 0, 0, 0, 0, 1]  # a failure, four skipped frames, a re-initialisation
        VOT_FILES.write(tmp_path / "seat", s.name, outputs, times=np.full(80, 0.01))
        runs[s.name] = [outputs]
    report = make_report({"seat": tmp_path / "seat"}, sequences, "vot2019", tmp_path / "out")
    expected = evaluate_vot(runs, sequences, interval="vot2019")
    assert report.kind == "vot"
    assert report.rows[0]["EAO"] == pytest.approx(expected.eao, abs=1e-3)
    assert report.rows[0]["Accuracy"] == pytest.approx(expected.accuracy, abs=1e-3)
    assert report.rows[0]["Lost"] == 4.0 and not math.isnan(expected.eao)
    assert report.files["eao"].read_bytes().startswith(PNG)
    with pytest.raises(SeatError, match="need a VOT edition"):
        make_report({"seat": tmp_path / "seat"}, sequences, "got10k", tmp_path / "out")


def test_report_refuses_mixed_layouts_and_missing_results(tmp_path: Path) -> None:
    sequences = dataset(5)[:1]
    OPE_FILES.write(tmp_path / "a", "seq0", sequences[0].boxes)
    GOT10K_FILES.write(tmp_path / "b", "seq0", sequences[0].boxes)
    with pytest.raises(SeatError, match="different layouts"):
        make_report({"a": tmp_path / "a", "b": tmp_path / "b"}, sequences, "got10k", tmp_path / "out")
    with pytest.raises(SeatError, match="no results for sequence seq1"):
        make_report({"a": tmp_path / "a"}, dataset(5)[:2], "got10k", tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_attribute_flags() -> None:
    flags = np.array([False, True])
    s = Sequence("s", ["0.jpg", "1.jpg"], np.ones((2, 4)), None,
                 {"tags": ["SV"], "night": True, "day": False, "blur": flags, "never": ~np.ones(2, bool),
                  "cover": np.array([1, 8]), "polygons": np.ones((2, 8))})
    assert attribute_flags(s) == {"SV", "night", "blur"}


def test_uav123_attribute_files_give_a_per_attribute_breakdown(tmp_path: Path) -> None:
    """UAV123 ships anno/UAV123/att/<seq>.txt (12 flags: SV, ARC, LR, FM, FOC, POC, OV, BC, IV, VC, CM, SOB): the
    reader turns them into tags and the report scores each attribute on its sequences only."""
    rng = np.random.default_rng(11)
    gts = {name: np.column_stack([rng.uniform(20, 60, (12, 2)), rng.uniform(15, 30, (12, 2))])
           for name in ("bike1", "boat1", "car1", "person1")}
    flags = {"bike1": "1,0,0,0,0,1,0,0,0,0,0,0", "boat1": "1,0,0,0,0,0,0,0,0,0,0,1", "person1": "1,0"}
    write_uav123(tmp_path / "UAV123", gts, flags)
    with pytest.warns(SeatDataWarning, match="unreadable_attributes"):  # person1's file has 2 flags, not 12
        sequences = load_sequences("uav123", str(tmp_path / "UAV123"))
    assert {s.name: s.attributes.get("tags") for s in sequences} == {
        "bike1": ["SV", "POC"], "boat1": ["SV", "SOB"], "car1": None, "person1": None}
    preds = {s.name: np.abs(s.boxes + rng.normal(0, 3, s.boxes.shape)) for s in sequences}
    for name, boxes in preds.items():
        OPE_FILES.write(tmp_path / "seat", name, boxes)
    report = make_report({"seat": tmp_path / "seat"}, sequences, "pysot", tmp_path / "out")
    rows = {row["Attribute"]: row for row in report.attributes}
    assert {a: row["Sequences"] for a, row in rows.items()} == {"SV": 2, "POC": 1, "SOB": 1}
    loaded = OPE_FILES.load(tmp_path / "seat", sequences)
    assert rows["SV"]["AUC"] == pytest.approx(evaluate_ope(loaded, sequences[:2], "pysot").auc)
    assert rows["POC"]["AUC"] == pytest.approx(evaluate_ope(loaded, sequences[:1], "pysot").auc)
    assert "SV" in report.files["attributes_csv"].read_text()
