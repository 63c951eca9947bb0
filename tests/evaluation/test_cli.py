"""`seattrack report`, `pack`, `tune` and `eval --dataset vot2019` end to end, through `seattrack.cli.main`, on
datasets and result folders written to disk here."""

from __future__ import annotations

import csv
import dataclasses
import io
import re
import zipfile
from pathlib import Path

import numpy as np
import pytest

from seattrack.cli import main
from seattrack.evaluation.datasets import load_sequences
from seattrack.evaluation.one_pass import track_ope
from seattrack.evaluation.ope import evaluate_ope
from seattrack.evaluation.results import GOT10K_FILES, OPE_FILES, VOT_FILES
from seattrack.evaluation.runner import TrackerSpec
from seattrack.evaluation.tune import score
from seattrack.evaluation.vot import evaluate_vot
from seattrack.track.hypers import TrackerHypers, load_hypers
from seattrack.track.tracker import SeatTracker
from tests.conftest import render_target_sequence
from tests.evaluation.layouts import write_gt

PNG = b"\x89PNG\r\n\x1a\n"


def noisy(boxes: np.ndarray, noise: float, seed: int) -> np.ndarray:
    return np.abs(boxes + np.random.default_rng(seed).normal(0, noise, boxes.shape))


def test_report_command_compares_result_folders(otb_root, tmp_path, capsys) -> None:
    sequences = load_sequences("otb", str(otb_root))
    folders = {"seat": tmp_path / "results" / "seat" / "otb", "base": tmp_path / "elsewhere"}
    for k, folder in enumerate(folders.values()):
        for s in sequences:
            OPE_FILES.write(folder, s.name, noisy(s.boxes, 2 + 6 * k, k), times=np.full(len(s), 0.02))
    args = ["report", str(folders["seat"]), f"base={folders['base']}", "--dataset", "otb", "--root", str(otb_root),
            "--preset", "pytracking", "--out", str(tmp_path / "report")]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "preset pytracking" in out and "report.md" in out
    rows = list(csv.DictReader(io.StringIO((tmp_path / "report" / "report.csv").read_text())))
    assert [row["Tracker"] for row in rows] == ["seat", "base"]  # named by the folder above <dataset>, or NAME=
    for row, folder in zip(rows, folders.values(), strict=True):
        expected = evaluate_ope(OPE_FILES.load(folder, sequences), sequences, "pytracking")
        assert float(row["AUC"]) == pytest.approx(expected.auc)
        assert float(row["P@20px"]) == pytest.approx(expected.precision_score)
        assert float(row["FPS"]) == pytest.approx(50.0)
    assert (tmp_path / "report" / "success.png").read_bytes().startswith(PNG)


def write_test_split(dataset: str, root: Path, names: list[str], frames: int) -> None:
    """A test split whose annotation holds only the first box: GOT-10k's test/ or TrackingNet's TEST/ chunk."""
    first_box = np.array([10.0, 12.0, 30.0, 20.0])
    for name in names:
        if dataset == "got10k-test":
            write_gt(root / "test" / name / "groundtruth.txt", first_box, root / "test" / name, 8, frames)
        else:
            write_gt(root / "TEST" / "anno" / f"{name}.txt", first_box, root / "TEST" / "frames" / name, 0, frames,
                     first=0)
    if dataset == "got10k-test":
        (root / "test" / "list.txt").write_text("\n".join(names) + "\n")


@pytest.mark.parametrize("dataset,names,expected", [
    ("got10k-test", ["GOT-10k_Test_000001", "GOT-10k_Test_000002"],
     ["GOT-10k_Test_000001/GOT-10k_Test_000001_001.txt", "GOT-10k_Test_000001/GOT-10k_Test_000001_time.txt",
      "GOT-10k_Test_000002/GOT-10k_Test_000002_001.txt", "GOT-10k_Test_000002/GOT-10k_Test_000002_time.txt"]),
    ("trackingnet", ["-0Bl1c5pbyI_0", "0AkZCdZwHfc_1"], ["-0Bl1c5pbyI_0.txt", "0AkZCdZwHfc_1.txt"]),
])
def test_pack_command_writes_the_server_archive(dataset, names, expected, tmp_path, capsys) -> None:
    write_test_split(dataset, tmp_path / "data", names, frames=6)
    results = tmp_path / "results"
    layout = GOT10K_FILES if dataset == "got10k-test" else OPE_FILES
    boxes = np.column_stack([np.arange(6.0), np.arange(6.0), np.full(6, 30.0), np.full(6, 20.0)])
    for name in names:
        layout.write(results, name, boxes, times=np.full(6, 0.01))
    out = tmp_path / "submission.zip"
    assert main(["pack", str(results), "--dataset", dataset, "--root", str(tmp_path / "data"), "--out", str(out)]) == 0
    assert f"({len(names)} sequences)" in capsys.readouterr().out
    with zipfile.ZipFile(out) as archive:
        assert sorted(archive.namelist()) == expected
        lines = archive.read(expected[0]).decode().splitlines()
    assert len(lines) == 6 and lines[1] == "1.0000,1.0000,30.0000,20.0000"


def test_tune_command_with_two_workers_writes_the_best_set(otb_root, tmp_path, capsys) -> None:
    """Two worker processes score the trials; every trial's score in the CSV is what that set scores in this
    process, and the set written (and printed) is the best of them."""
    args = ["tune", "--dataset", "otb", "--root", str(otb_root), "--tracker", "seat_lite", "--trials", "3",
            "--workers", "2", "--seed", "1", "--set", "quick", "--out", str(tmp_path)]
    assert main(args) == 0
    printed = float(re.search(r"best score (\d\.\d{4}) over 3 trials", capsys.readouterr().out).group(1))
    sequences = load_sequences("otb", str(otb_root))
    backend = TrackerSpec("seat_lite").build_backend()[0]

    def rescore(hypers: TrackerHypers) -> float:
        return score("otb", {s.name: track_ope(SeatTracker(backend, hypers), s)[0] for s in sequences}, sequences)

    trials = list(csv.DictReader(io.StringIO((tmp_path / "otb_quick_trials.csv").read_text())))
    assert len(trials) == 3
    kinds = {f.name: f.type for f in dataclasses.fields(TrackerHypers)}
    for row in trials:
        hypers = TrackerHypers(**{k: (int if kinds[k] == "int" else float)(v) for k, v in row.items() if k in kinds})
        assert rescore(hypers) == pytest.approx(float(row["score"]), abs=1e-6)
    best = max(float(row["score"]) for row in trials)
    assert printed == pytest.approx(best, abs=5e-5)
    assert rescore(load_hypers(f"{tmp_path / 'otb.yaml'}:quick")) == pytest.approx(best, abs=1e-6)


@pytest.fixture
def vot_root(tmp_path) -> Path:
    """A VOT2019-layout folder: list.txt and <seq>/{color/%08d.jpg, groundtruth.txt}, long enough (60, 70 frames)
    for fragments to reach into VOT2019's EAO interval [46, 291]."""
    root = tmp_path / "vot2019"
    names = ["ball", "bolt"]
    for k, name in enumerate(names):
        render_target_sequence(root / name / "color", n=60 + 10 * k, ext="jpg")
        (root / name / "color" / "groundtruth.txt").rename(root / name / "groundtruth.txt")
    (root / "list.txt").write_text("\n".join(names) + "\n")
    return root


def test_eval_on_vot2019_writes_baseline_runs_and_reports_eao(vot_root, tmp_path, capsys) -> None:
    args = ["eval", "--dataset", "vot2019", "--root", str(vot_root), "--tracker", "seat_lite", "--results",
            str(tmp_path / "results")]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "2 sequences tracked, 0 already done, 0 failed" in out
    out_dir = tmp_path / "results" / "seat_lite" / "vot2019"
    sequences = load_sequences("vot2019", str(vot_root))
    for s in sequences:
        lines = (out_dir / "baseline" / s.name / f"{s.name}_001.txt").read_text().splitlines()
        assert len(lines) == len(s) and lines[0] == "1"  # initialised on frame 0, then a box or marker per frame
        assert len((out_dir / "baseline" / s.name / f"{s.name}_time.txt").read_text().splitlines()) == len(s)
    expected = evaluate_vot(VOT_FILES.load(out_dir, sequences), sequences, interval="vot2019")
    assert 0.0 < expected.eao <= 1.0 and 0.0 < expected.accuracy <= 1.0
    row = next(line.split() for line in out.splitlines() if line.startswith("seat_lite"))
    assert row[1:3] == [f"{expected.eao:.3f}", f"{expected.accuracy:.3f}"]
    assert "vot2019 baseline" in out and (out_dir / "report" / "eao.png").read_bytes().startswith(PNG)


@pytest.mark.parametrize("command", ["eval", "tune"])
def test_model_option_keeps_tracker_as_its_former_spelling(command: str) -> None:
    from seattrack.cli import _load_commands, build_parser

    _load_commands()
    base = [command, "--dataset", "otb", "--root", "unused"]
    parser = build_parser()
    assert parser.parse_args(base + ["--model", "seat_b"]).model == "seat_b"
    assert parser.parse_args(base + ["--tracker", "seat_b"]).model == "seat_b"
    assert parser.parse_args(base).model == "seat_lite"
