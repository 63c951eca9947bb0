"""The results manifest: `eval` never reports another model's results or results tracked on other ground truth,
and `report` refuses folders whose records disagree with the dataset or name more than one run."""

from __future__ import annotations

import dataclasses
import json
import shutil
import subprocess
import sys

import numpy as np
import pytest
import torch

from seattrack.cli import main
from seattrack.evaluation.datasets import load_sequences
from seattrack.evaluation.protocols import OPE
from seattrack.evaluation.runner import TrackerSpec, run_benchmark
from seattrack.models import create_model, save_model
from seattrack.track.hypers import load_hypers


def _eval(root, model, results, *extra) -> list[str]:
    return ["eval", "--dataset", "otb", "--root", str(root), "--model", str(model), "--results", str(results),
            "--workers", "1", *extra]


@pytest.fixture()
def otb_copy(otb_root, tmp_path):
    root = tmp_path / "otb"
    shutil.copytree(otb_root, root)
    return root


def test_a_second_model_with_the_same_file_name_is_refused_not_reported_with_the_first_ones_boxes(
        otb_copy, tmp_path, capsys):
    """Both files are `model.pt`, so both runs are named `model`; the second used to be reported with the first
    one's boxes. Now it is refused before any tracking, naming both runs, and the first run's files are intact."""
    first, second = tmp_path / "a" / "model.pt", tmp_path / "b" / "model.pt"
    for path, seed in ((first, 0), (second, 1)):
        path.parent.mkdir()
        torch.manual_seed(seed)
        save_model(create_model("seat_lite"), path)
    assert main(_eval(otb_copy, first, tmp_path / "r")) == 0
    boxes = tmp_path / "r" / "model" / "otb" / "Alpha.txt"
    before = boxes.read_bytes()
    capsys.readouterr()
    assert main(_eval(otb_copy, second, tmp_path / "r")) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "holds results of another run" in err
    assert "choose another --results or --name" in err
    assert boxes.read_bytes() == before
    assert main(_eval(otb_copy, second, tmp_path / "r", "--name", "model_b")) == 0  # the way out it names


def test_a_dataset_regenerated_in_place_is_re_tracked_where_its_ground_truth_changed(otb_copy, checkpoint, tmp_path):
    spec, out = TrackerSpec(str(checkpoint)), tmp_path / "r"
    sequences = load_sequences("otb", str(otb_copy))
    assert run_benchmark(spec, sequences, OPE(), out, progress=False).done == 4
    stamps = {p.name: p.stat().st_mtime_ns for p in out.glob("*.txt")}
    gt = otb_copy / "Gamma" / "groundtruth_rect.txt"
    boxes = np.loadtxt(gt, delimiter=",")
    boxes[:, 0] += 3  # the "regenerated" ground truth
    np.savetxt(gt, boxes, fmt="%d", delimiter=",")
    again = run_benchmark(spec, load_sequences("otb", str(otb_copy)), OPE(), out, progress=False)
    assert (again.done, again.skipped, again.retracked) == (1, 3, 1)
    changed = {p.name for p in out.glob("*.txt") if p.stat().st_mtime_ns != stamps[p.name]}
    assert changed == {"Gamma.txt", "Gamma_time.txt"}


def test_report_refuses_results_tracked_on_other_ground_truth(otb_copy, checkpoint, tmp_path, capsys):
    out = tmp_path / "r"
    run_benchmark(TrackerSpec(str(checkpoint)), load_sequences("otb", str(otb_copy)), OPE(), out, progress=False)
    gt = otb_copy / "Beta" / "groundtruth_rect.txt"
    boxes = np.loadtxt(gt, delimiter=",")
    boxes[1, 1] += 5  # one value of frame 1 changes
    np.savetxt(gt, boxes, fmt="%d", delimiter=",")
    assert main(["report", str(out), "--dataset", "otb", "--root", str(otb_copy), "--out", str(tmp_path / "rep")]) == 2
    err = capsys.readouterr().err.strip()
    assert "Beta was tracked against other ground truth" in err and err.count("\n") == 0
    assert not (tmp_path / "rep").exists()


def test_report_refuses_a_folder_that_mixes_two_runs(otb_copy, checkpoint, tmp_path, capsys):
    """Shards merged by copying: one shard ran other hypers. Each sequence record names its run."""
    sequences = load_sequences("otb", str(otb_copy))
    run_benchmark(TrackerSpec(str(checkpoint)), sequences, OPE(), tmp_path / "a", progress=False)
    other = dataclasses.replace(load_hypers("default"), lr=0.3)
    run_benchmark(TrackerSpec(str(checkpoint), other), sequences, OPE(), tmp_path / "b", progress=False)
    assert (json.loads((tmp_path / "a" / ".seattrack" / "run.json").read_text())["run"]
            != json.loads((tmp_path / "b" / ".seattrack" / "run.json").read_text())["run"])
    for name in ("Gamma", "Delta"):  # the "merge": half of b copied over a
        shutil.copy(tmp_path / "b" / f"{name}.txt", tmp_path / "a" / f"{name}.txt")
        shutil.copy(tmp_path / "b" / ".seattrack" / "sequences" / f"{name}.json",
                    tmp_path / "a" / ".seattrack" / "sequences" / f"{name}.json")
    args = ["report", str(tmp_path / "a"), "--dataset", "otb", "--root", str(otb_copy), "--out", str(tmp_path / "x")]
    assert main(args) == 2
    assert "mixes results of 2 runs" in capsys.readouterr().err


def test_results_without_a_record_are_not_taken_for_this_run(otb_copy, checkpoint, tmp_path, capsys):
    """A folder with another tool's (or an older seattrack's) box files cannot be vouched for: refused, untouched."""
    out = tmp_path / "r" / checkpoint.stem / "otb"
    out.mkdir(parents=True)
    (out / "Alpha.txt").write_text("1,2,3,4\n" * 8)
    assert main(_eval(otb_copy, checkpoint, tmp_path / "r")) == 2
    assert "holds result files without a seattrack record" in capsys.readouterr().err
    assert (out / "Alpha.txt").read_text() == "1,2,3,4\n" * 8


def test_another_tools_results_are_still_reported(otb_copy, checkpoint, tmp_path):
    """Folders without a record (pysot's, pytracking's) are scored as before: the check applies to our own folders."""
    out = tmp_path / "theirs"
    out.mkdir()
    for seq in load_sequences("otb", str(otb_copy)):
        np.savetxt(out / f"{seq.name}.txt", seq.boxes, fmt="%.2f", delimiter=",")
    proc = subprocess.run([sys.executable, "-m", "seattrack", "report", str(out), "--dataset", "otb", "--root",
                           str(otb_copy), "--out", str(tmp_path / "rep")], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-1500:]
    assert "1.000" in proc.stdout  # the ground truth scored against itself
