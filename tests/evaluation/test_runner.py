"""`seattrack eval` on small datasets written to disk in OTB and GOT-10k layouts: resume and parallel runs."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from seattrack.errors import SeatError
from seattrack.evaluation.datasets import benchmark, load_sequences
from seattrack.evaluation.one_pass import track_ope
from seattrack.evaluation.protocols import OPE, GOT10k, VOTBaseline
from seattrack.evaluation.results import GOT10K_FILES
from seattrack.evaluation.runner import TrackerSpec, is_finished, run_benchmark
from tests.conftest import render_target_sequence
from tests.processes import sigkill_when


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


def _eval_cmd(dataset, root, checkpoint, results, workers=1, processes=1):
    return [sys.executable, "-m", "seattrack", "eval", "--dataset", dataset, "--root", str(root), "--model",
            str(checkpoint), "--results", str(results), "--workers", str(workers), "--processes", str(processes)]


def _finished(dataset: str, out_dir: Path, sequences: list, checkpoint: Path) -> list[str]:
    identity = TrackerSpec(str(checkpoint)).identity(benchmark(dataset).protocol)
    return [s.name for s in sequences if is_finished(benchmark(dataset).protocol, out_dir, identity, s)]


@pytest.mark.parametrize("dataset,fixture", [("otb", "otb_root"), ("got10k-val", "got10k_root")])
def test_interrupted_eval_resumes_and_reports_the_same_numbers(dataset, fixture, checkpoint, tmp_path, request):
    """Killed (SIGKILL) as soon as a first sequence's result file appears, so some but not all sequences are done;
    the rerun tracks exactly the others, leaves the finished files alone and reports the uninterrupted numbers."""
    root = request.getfixturevalue(fixture)
    sequences = load_sequences(dataset, str(root))
    full = subprocess.run(_eval_cmd(dataset, root, checkpoint, tmp_path / "full"), capture_output=True, text=True)
    assert full.returncode == 0, full.stderr[-2000:]
    out_dir = tmp_path / "cut" / checkpoint.stem / dataset
    records = out_dir / ".seattrack" / "sequences"
    sigkill_when(_eval_cmd(dataset, root, checkpoint, tmp_path / "cut"),
                 lambda: records.is_dir() and any(records.glob("*.json")))
    done = _finished(dataset, out_dir, sequences, checkpoint)
    assert 1 <= len(done) < len(sequences), f"the kill left {len(done)} of {len(sequences)} sequences done"
    files = benchmark(dataset).protocol.files
    assert all(files.time_path(out_dir, name).is_file() for name in done)  # times written first
    stamps = {p: p.stat().st_mtime_ns for name in done for p in files.run_paths(out_dir, name)}
    again = subprocess.run(_eval_cmd(dataset, root, checkpoint, tmp_path / "cut"), capture_output=True, text=True)
    assert again.returncode == 0, again.stderr[-2000:]
    assert f"{len(sequences) - len(done)} sequences tracked, {len(done)} already done" in again.stdout
    assert all(p.stat().st_mtime_ns == t for p, t in stamps.items())  # finished sequences were not redone
    assert _finished(dataset, out_dir, sequences, checkpoint) == [s.name for s in sequences]
    table = lambda text: [line for line in text.splitlines() if line.startswith(checkpoint.stem)]  # noqa: E731
    assert table(again.stdout) and table(again.stdout)[0].split()[1:4] == table(full.stdout)[0].split()[1:4]


def test_parallel_workers_give_the_same_results_as_one(otb_root, checkpoint, tmp_path):
    sequences = load_sequences("otb", str(otb_root))
    spec = TrackerSpec(str(checkpoint))
    one = run_benchmark(spec, sequences, OPE(), tmp_path / "one", workers=1, progress=False)
    threads = run_benchmark(spec, sequences, OPE(), tmp_path / "threads", workers=2, progress=False)
    processes = run_benchmark(spec, sequences, OPE(), tmp_path / "processes", workers=2, processes=2, progress=False)
    assert one.done == threads.done == processes.done == 4 and not one.failed
    assert (threads.workers, threads.processes, processes.processes) == (2, 1, 2)
    for seq in sequences:  # worker threads share one network, processes load their own: the same boxes to the bit
        a = (tmp_path / "one" / f"{seq.name}.txt").read_bytes()
        assert a == (tmp_path / "threads" / f"{seq.name}.txt").read_bytes()
        assert a == (tmp_path / "processes" / f"{seq.name}.txt").read_bytes()
        times = np.loadtxt(tmp_path / "one" / f"{seq.name}_time.txt")
        assert len(times) == len(seq) and (times > 0).all()
    again = run_benchmark(spec, sequences, OPE(), tmp_path / "one", workers=1, progress=False)
    assert again.skipped == 4 and again.done == 0


def test_the_tracker_is_deterministic_so_one_run_is_written(got10k_root, checkpoint, tmp_path):
    """Two passes of one tracker give the same boxes to the bit, which is why GOT-10k and VOT folders hold only run
    _001 (the GOT-10k toolkit also stops after run 1 for a deterministic tracker)."""
    sequences = load_sequences("got10k-val", str(got10k_root))
    tracker = TrackerSpec(str(checkpoint)).build()
    np.testing.assert_array_equal(track_ope(tracker, sequences[0])[0], track_ope(tracker, sequences[0])[0])
    run_benchmark(TrackerSpec(str(checkpoint)), sequences[:1], GOT10k(), tmp_path, progress=False)
    assert [p.name for p in GOT10K_FILES.run_paths(tmp_path, sequences[0].name)] == [f"{sequences[0].name}_001.txt"]


def test_a_corrupt_frame_keeps_the_previous_box(otb_root, checkpoint, tmp_path):
    import shutil

    root = tmp_path / "otb"
    shutil.copytree(otb_root / "Alpha", root / "Alpha")
    (root / "Alpha" / "img" / "0004.jpg").write_bytes(b"broken")
    sequences = load_sequences("otb", str(root))
    with pytest.warns(UserWarning, match="unreadable"):
        summary = run_benchmark(TrackerSpec(str(checkpoint)), sequences, OPE(), tmp_path / "r", progress=False)
    assert summary.done == 1
    boxes = np.loadtxt(tmp_path / "r" / "Alpha.txt", delimiter=",")
    np.testing.assert_allclose(boxes[3], boxes[2])


def test_tune_scores_every_trial_and_writes_the_best(otb_root, tmp_path):
    """The search space holds only deliberately bad sets (the cosine window swamps the score map, sizes never
    adapt): the shipped weights' own set (trial 0) must win by a wide margin, every reported score must be what the
    set really scores, and the set written must be that best one."""
    from seattrack.evaluation.tune import TuneSpace, score, tune, write_tuned
    from seattrack.track.hypers import load_hypers
    from seattrack.track.tracker import SeatTracker

    sequences = load_sequences("otb", str(otb_root))[:2]
    spec = TrackerSpec("seat_lite")
    bad = TuneSpace(window_influence=(0.97, 1.0), lr=(0.0, 0.02))
    results = tune(spec, "otb", sequences, trials=3, space=bad, progress=False)
    backend, own = spec.build_backend()
    rescored = [score("otb", {s.name: track_ope(SeatTracker(backend, h), s)[0] for s in sequences}, sequences)
                for h, _ in results]
    assert rescored == pytest.approx([value for _, value in results], abs=1e-12)
    assert results[0][0] == own and all(results[0][1] > value + 0.2 for _, value in results[1:])
    path = write_tuned(results, "otb", "quick", tmp_path)
    assert load_hypers(f"{path}:quick") == own
    assert (tmp_path / "otb_quick_trials.csv").read_text().count("\n") == 4


def test_killing_eval_kills_its_workers(otb_root, checkpoint, tmp_path):
    """SIGKILL of `eval --workers 2` used to leave both ~1 GB workers running; now the kernel kills them with it."""
    import os
    import signal
    import time

    proc = subprocess.Popen(_eval_cmd("otb", otb_root, checkpoint, tmp_path / "r", workers=2, processes=2),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def workers() -> list[int]:
        children = Path(f"/proc/{proc.pid}/task/{proc.pid}/children")
        found = [int(p) for p in children.read_text().split()] if children.exists() else []
        return found  # the pool's worker processes are its only children

    deadline = time.time() + 120
    while len(workers()) < 2 and time.time() < deadline and proc.poll() is None:
        time.sleep(0.05)
    spawned = workers()
    assert len(spawned) >= 2, "the workers never started"
    time.sleep(2)  # let them reach their initializer (where the request to die with the parent is made)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    deadline = time.time() + 10
    while any(_alive(pid) for pid in spawned) and time.time() < deadline:
        time.sleep(0.05)
    assert not any(_alive(pid) for pid in spawned)


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_a_sequence_without_a_first_box_is_skipped_with_a_counted_warning_not_an_aborted_report(
        otb_root, checkpoint, tmp_path, capsys):
    import shutil

    from seattrack.cli import main

    root = tmp_path / "otb"
    shutil.copytree(otb_root, root)
    gt = root / "Beta" / "groundtruth_rect.txt"
    lines = gt.read_text().splitlines()
    gt.write_text("\n".join(["NaN,NaN,NaN,NaN", *lines[1:]]) + "\n")
    with pytest.warns(UserWarning, match=r"1 sequence\(s\) left out of the report .*Beta"):
        assert main(["eval", "--dataset", "otb", "--root", str(root), "--tracker", str(checkpoint),
                     "--results", str(tmp_path / "r")]) == 0
    out = capsys.readouterr().out
    assert "failed Beta: Beta: the first frame has no valid ground-truth box" in out
    assert "3 sequences tracked" in out and checkpoint.stem in out.split("failed Beta")[1]  # the report printed


def test_sequences_tracked_in_lockstep_get_the_same_boxes_as_alone(otb_root, checkpoint, tmp_path):
    """`eval --batch 3`: groups of sequences of different lengths advance together, their search crops in one ONNX
    Runtime call per frame; every box file is the one-at-a-time run's, byte for byte, and one sequence without a
    first box fails alone without taking its group down."""
    import shutil

    root = tmp_path / "otb"
    shutil.copytree(otb_root, root)
    gt = root / "Gamma" / "groundtruth_rect.txt"
    gt.write_text("\n".join(["NaN,NaN,NaN,NaN", *gt.read_text().splitlines()[1:]]) + "\n")
    sequences = load_sequences("otb", str(root))
    spec = TrackerSpec(str(checkpoint), backend="onnxruntime")
    alone = run_benchmark(spec, sequences, OPE(), tmp_path / "alone", workers=1, progress=False)
    together = run_benchmark(spec, sequences, OPE(), tmp_path / "together", workers=1, progress=False, batch=3)
    assert (together.done, list(together.failed)) == (alone.done, list(alone.failed)) == (3, ["Gamma"])
    for seq in sequences:
        if seq.name != "Gamma":
            assert ((tmp_path / "together" / f"{seq.name}.txt").read_bytes()
                    == (tmp_path / "alone" / f"{seq.name}.txt").read_bytes())
    with pytest.raises(SeatError, match="--batch: the VOT protocol"):
        run_benchmark(spec, sequences, VOTBaseline(), tmp_path / "vot", progress=False, batch=2)


def test_eval_writes_confidences_that_report_longterm_scores(otb_root, tmp_path, capsys):
    """OPE results carry `<seq>_confidence.value` (the shipped tracker's calibrated presence; the initialisation
    frame empty, as vot-toolkit writes a frame without the property), so `report --longterm` scores our own runs."""
    from seattrack.cli import main
    from seattrack.evaluation.longterm import read_confidences

    assert main(["eval", "--dataset", "otb", "--root", str(otb_root), "--tracker", "seat_lite", "--results",
                 str(tmp_path / "r")]) == 0
    folder = tmp_path / "r" / "seat_lite" / "otb"
    text = (folder / "Alpha_confidence.value").read_text().splitlines()
    assert len(text) == 8 and text[0] == "" and all(0 <= float(v) <= 1 for v in text[1:])
    assert read_confidences(folder / "Alpha_confidence.value")[0] == 0.0
    capsys.readouterr()
    assert main(["report", str(folder), "--dataset", "otb", "--root", str(otb_root), "--out", str(tmp_path / "rep"),
                 "--longterm"]) == 0
    table = capsys.readouterr().out
    assert "LT F" in table and "seat_lite" in table
