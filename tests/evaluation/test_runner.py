"""`seattrack eval` on small datasets written to disk in OTB and GOT-10k layouts: resume and parallel runs."""

import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from seattrack.evaluation.datasets import load_sequences
from seattrack.evaluation.runner import TrackerSpec, run_benchmark
from seattrack.models import create_model, save_model
from tests.conftest import render_target_sequence


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    path = tmp_path_factory.mktemp("ckpt") / "seat_lite_test.pt"
    save_model(create_model("seat_lite"), path)
    return path


@pytest.fixture(scope="module")
def otb_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("otb")
    for i, name in enumerate(["Alpha", "Beta", "Gamma", "Delta"]):
        frames, boxes = render_target_sequence(root / name / "img", n=8 + 2 * i, ext="jpg")
        for k, f in enumerate(frames):
            f.rename(f.with_name(f"{k + 1:04d}.jpg"))
        (root / name / "img" / "groundtruth.txt").unlink()
        np.savetxt(root / name / "groundtruth_rect.txt", boxes + [1, 1, 0, 0], fmt="%d", delimiter=",")
    return root


@pytest.fixture(scope="module")
def got10k_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("got10k")
    names = []
    for i in range(3):
        name = f"GOT-10k_Val_{i + 1:06d}"
        frames, boxes = render_target_sequence(root / "val" / name, n=8, ext="jpg")
        (root / "val" / name / "absence.label").write_text("0\n" * 8)
        (root / "val" / name / "cover.label").write_text("8\n" * 8)
        (root / "val" / name / "meta_info.ini").write_text("[METAINFO]\nresolution: (320, 240)\n")
        names.append(name)
    (root / "val" / "list.txt").write_text("\n".join(names) + "\n")
    return root


def _eval_cmd(dataset, root, checkpoint, results, workers=1):
    return [sys.executable, "-m", "seattrack", "eval", "--dataset", dataset, "--root", str(root), "--tracker",
            str(checkpoint), "--results", str(results), "--workers", str(workers)]


@pytest.mark.parametrize("dataset,fixture,layout_file", [("otb", "otb_root", "Alpha.txt"),
                                                         ("got10k-val", "got10k_root", "GOT-10k_Val_000001")])
def test_interrupted_eval_resumes_and_reports_the_same_numbers(dataset, fixture, layout_file, checkpoint, tmp_path,
                                                               request):
    root = request.getfixturevalue(fixture)
    full = subprocess.run(_eval_cmd(dataset, root, checkpoint, tmp_path / "full"), capture_output=True, text=True)
    assert full.returncode == 0, full.stderr[-2000:]
    out_dir = tmp_path / "cut" / checkpoint.stem / dataset
    proc = subprocess.Popen(_eval_cmd(dataset, root, checkpoint, tmp_path / "cut"), stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)
    deadline = time.time() + 120
    while time.time() < deadline and not (out_dir / layout_file).exists():
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    finished = sorted(p for p in out_dir.rglob("*.txt") if "_time" not in p.name)
    assert finished, "nothing was written before the kill"
    stamps = {p: p.stat().st_mtime_ns for p in finished}
    again = subprocess.run(_eval_cmd(dataset, root, checkpoint, tmp_path / "cut"), capture_output=True, text=True)
    assert again.returncode == 0, again.stderr[-2000:]
    assert all(p.stat().st_mtime_ns == t for p, t in stamps.items())  # finished sequences were not redone
    total = len(load_sequences(dataset, str(root)))
    assert f"{total - len(finished) if dataset == 'otb' else total - len({p.parent for p in finished})} sequences " \
        f"tracked, {len(finished) if dataset == 'otb' else len({p.parent for p in finished})} already done" \
        in again.stdout
    table = lambda text: [line for line in text.splitlines() if line.startswith(checkpoint.stem)]  # noqa: E731
    assert table(again.stdout) and table(again.stdout)[0].split()[1:4] == table(full.stdout)[0].split()[1:4]


def test_parallel_workers_give_the_same_results_as_one(otb_root, checkpoint, tmp_path):
    sequences = load_sequences("otb", str(otb_root))
    spec = TrackerSpec(str(checkpoint))
    one = run_benchmark(spec, sequences, "ope", tmp_path / "one", workers=1, progress=False)
    two = run_benchmark(spec, sequences, "ope", tmp_path / "two", workers=2, progress=False)
    assert one.done == two.done == 4 and not one.failed
    for seq in sequences:
        a = np.loadtxt(tmp_path / "one" / f"{seq.name}.txt", delimiter=",")
        b = np.loadtxt(tmp_path / "two" / f"{seq.name}.txt", delimiter=",")
        np.testing.assert_allclose(a, b, atol=1e-3)
        times = np.loadtxt(tmp_path / "one" / f"{seq.name}_time.txt")
        assert len(times) == len(seq) and (times > 0).all()
    again = run_benchmark(spec, sequences, "ope", tmp_path / "one", workers=1, progress=False)
    assert again.skipped == 4 and again.done == 0


def test_a_corrupt_frame_keeps_the_previous_box(otb_root, checkpoint, tmp_path):
    import shutil

    root = tmp_path / "otb"
    shutil.copytree(otb_root / "Alpha", root / "Alpha")
    (root / "Alpha" / "img" / "0004.jpg").write_bytes(b"broken")
    sequences = load_sequences("otb", str(root))
    with pytest.warns(UserWarning, match="unreadable"):
        summary = run_benchmark(TrackerSpec(str(checkpoint)), sequences, "ope", tmp_path / "r", progress=False)
    assert summary.done == 1
    boxes = np.loadtxt(tmp_path / "r" / "Alpha.txt", delimiter=",")
    np.testing.assert_allclose(boxes[3], boxes[2])


def test_tune_writes_a_named_set(otb_root, checkpoint, tmp_path):
    from seattrack.evaluation.tune import tune, write_tuned
    from seattrack.track.hypers import load_hypers

    sequences = load_sequences("otb", str(otb_root))[:2]
    results = tune(TrackerSpec(str(checkpoint)), "otb", sequences, trials=3, progress=False)
    assert len(results) == 3 and results[0][1] >= results[-1][1]
    path = write_tuned(results, "otb", "quick", tmp_path)
    tuned = load_hypers(f"{path}:quick")
    assert tuned == results[0][0]
    assert (tmp_path / "otb_quick_trials.csv").read_text().count("\n") == 4
