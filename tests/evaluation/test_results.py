"""Result-file layouts: round trips, exact file contents, completeness for resume, loading a dataset's results."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from seattrack.data.sequence import Sequence
from seattrack.errors import SeatError
from seattrack.evaluation import results as r


def seq(name: str, n: int) -> Sequence:
    return Sequence(name, [f"{i}.jpg" for i in range(n)], np.tile([1.0, 2, 3, 4], (n, 1)))


BOXES = np.array([[1.5, 2.25, 30, 40], [2, 3, 31.125, 0]])


def test_ope_layout_round_trip(tmp_path: Path) -> None:
    path = r.OPE_FILES.write(tmp_path, "Basketball", BOXES, times=[0.01, 0.02])
    assert path == tmp_path / "Basketball.txt"
    assert path.read_text() == "1.5000,2.2500,30.0000,40.0000\n2.0000,3.0000,31.1250,0.0000\n"
    assert (tmp_path / "Basketball_time.txt").read_text() == "0.01000000\n0.02000000\n"
    np.testing.assert_allclose(r.OPE_FILES.load(tmp_path, [seq("Basketball", 2)])["Basketball"], BOXES)
    np.testing.assert_allclose(r.OPE_FILES.load_times(tmp_path, [seq("Basketball", 2)])["Basketball"], [0.01, 0.02])
    assert not list(tmp_path.glob(".*.tmp"))  # atomic writes leave no temporaries


def test_got10k_layout_keeps_one_time_column_per_run(tmp_path: Path) -> None:
    for run in (1, 2, 3):
        r.GOT10K_FILES.write(tmp_path, "GOT-10k_Test_000001", BOXES + run, times=[0.1 * run, 0.2 * run], run=run)
    folder = tmp_path / "GOT-10k_Test_000001"
    assert sorted(p.name for p in folder.iterdir()) == [
        "GOT-10k_Test_000001_001.txt", "GOT-10k_Test_000001_002.txt", "GOT-10k_Test_000001_003.txt",
        "GOT-10k_Test_000001_time.txt"]
    assert np.loadtxt(folder / "GOT-10k_Test_000001_time.txt", delimiter=",").shape == (2, 3)
    loaded = r.GOT10K_FILES.load(tmp_path, [seq("GOT-10k_Test_000001", 2)])["GOT-10k_Test_000001"]
    assert len(loaded) == 3
    np.testing.assert_allclose(loaded[2], BOXES + 3)
    assert len(r.GOT10K_FILES.load_times(tmp_path, [seq("GOT-10k_Test_000001", 2)])["GOT-10k_Test_000001"]) == 6
    with pytest.raises(SeatError, match="write runs in order"):
        r.GOT10K_FILES.write(tmp_path, "other", BOXES, times=[1, 1], run=2)


def test_vot_layout_markers_and_boxes(tmp_path: Path) -> None:
    outputs = [1, np.array([1.0, 2, 3, 4]), 2, 0, 0, 0, 0, 1]
    path = r.VOT_FILES.write(tmp_path, "ball", outputs, times=np.zeros(8))
    assert path == tmp_path / "baseline" / "ball" / "ball_001.txt"
    assert path.read_text().splitlines() == ["1", "1.0000,2.0000,3.0000,4.0000", "2", "0", "0", "0", "0", "1"]
    (read,) = r.VOT_FILES.load(tmp_path, [seq("ball", 8)])["ball"]
    assert read[0] == 1 and read[2] == 2 and read[3] == 0
    np.testing.assert_allclose(read[1], [1, 2, 3, 4])
    with pytest.raises(SeatError, match="frame 0 marker 7"):
        r.VOT_FILES.write(tmp_path, "ball", [7])


def test_writers_refuse_nan_and_negative_boxes(tmp_path: Path) -> None:
    with pytest.raises(SeatError, match="results for s: frame 1 box .* not finite or has a negative size"):
        r.OPE_FILES.write(tmp_path, "s", [[0, 0, 1, 1], [np.nan, 0, 1, 1]])
    with pytest.raises(SeatError, match="frame 0"):
        r.OPE_FILES.write(tmp_path, "s", [[0, 0, -1, 1]])
    with pytest.raises(SeatError, match="VOT results for s, frame 1"):
        r.VOT_FILES.write(tmp_path, "s", [1, np.array([0, 0, np.inf, 1])])
    assert not (tmp_path / "s.txt").exists()


def test_completeness_is_one_line_per_frame(tmp_path: Path) -> None:
    assert not r.OPE_FILES.is_complete(tmp_path, "s", 2)
    r.OPE_FILES.write(tmp_path, "s", BOXES[:1])
    assert not r.OPE_FILES.is_complete(tmp_path, "s", 2)
    r.OPE_FILES.write(tmp_path, "s", BOXES)
    assert r.OPE_FILES.is_complete(tmp_path, "s", 2)
    r.GOT10K_FILES.write(tmp_path, "g", BOXES, run=1)
    assert r.GOT10K_FILES.is_complete(tmp_path, "g", 2) and not r.GOT10K_FILES.is_complete(tmp_path, "g", 2, runs=3)
    r.VOT_FILES.write(tmp_path, "v", [1, 0])
    assert r.VOT_FILES.is_complete(tmp_path, "v", 2)


def _write(layout: r.ResultFiles, root: Path, name: str, times: list[float], run: int = 1) -> Path:
    if layout is r.VOT_FILES:
        return layout.write(root, name, [1, BOXES[1]], times=times, run=run)
    return layout.write(root, name, BOXES, times=times, **({} if layout is r.OPE_FILES else {"run": run}))


@pytest.mark.parametrize("killed_at", ["time file", "box file"])
@pytest.mark.parametrize("layout", r.LAYOUTS.values(), ids=list(r.LAYOUTS))
def test_a_run_killed_while_writing_is_not_complete(layout: r.ResultFiles, killed_at: str, tmp_path: Path,
                                                    monkeypatch) -> None:
    """The process dies at one of a run's two writes: the run is never complete without its times, so a resumed
    run redoes it and no times are lost. GOT-10k: run 2 on top of a finished run 1."""
    run = 2 if layout is r.GOT10K_FILES else 1
    if run == 2:
        _write(layout, tmp_path, "s", [0.5, 0.5])
    if killed_at == "time file":
        target = layout.time_path(tmp_path, "s")
    else:
        target = layout.path(tmp_path, "s", run)
    real_write = r.write_text_atomic

    def dies_at_the_target(path, text):
        if Path(path) == target:
            raise KeyboardInterrupt  # stands for SIGKILL: nothing after this point runs
        real_write(path, text)

    monkeypatch.setattr(r, "write_text_atomic", dies_at_the_target)
    with pytest.raises(KeyboardInterrupt):
        _write(layout, tmp_path, "s", [0.01, 0.02], run=run)
    assert not layout.is_complete(tmp_path, "s", 2, runs=run)
    monkeypatch.undo()
    _write(layout, tmp_path, "s", [0.03, 0.04], run=run)  # the resumed run
    assert layout.is_complete(tmp_path, "s", 2, runs=run)
    times = np.loadtxt(layout.time_path(tmp_path, "s"), delimiter=",", ndmin=2)
    assert times.shape == (2, run)
    np.testing.assert_allclose(times[:, -1], [0.03, 0.04])


def test_loading_names_the_missing_sequence(tmp_path: Path) -> None:
    r.OPE_FILES.write(tmp_path, "a", BOXES)
    with pytest.raises(SeatError, match="no results for sequence b"):
        r.OPE_FILES.load(tmp_path, [seq("a", 2), seq("b", 2)])


def test_reading_tolerates_other_delimiters_and_refuses_garbage(tmp_path: Path) -> None:
    (tmp_path / "tabs.txt").write_text("1\t2\t3\t4\nnan\tnan\tnan\tnan\n")
    assert r.read_boxes(tmp_path / "tabs.txt").shape == (2, 4)
    (tmp_path / "bad.txt").write_text("1,2,3\n")
    with pytest.raises(SeatError, match="expected 4"):
        r.read_boxes(tmp_path / "bad.txt")
    (tmp_path / "baseline" / "x").mkdir(parents=True)
    (tmp_path / "baseline" / "x" / "x_001.txt").write_text("1\n5\n")
    with pytest.raises(SeatError, match="line 2 should be a marker"):
        r.read_vot(tmp_path / "baseline" / "x" / "x_001.txt")


def test_layout_detection(tmp_path: Path) -> None:
    r.OPE_FILES.write(tmp_path / "ope", "a", BOXES)
    r.GOT10K_FILES.write(tmp_path / "got", "a", BOXES)
    r.VOT_FILES.write(tmp_path / "vot", "a", [1, 0])
    assert [r.detect_layout(tmp_path / k, ["a"]).name for k in ("ope", "got", "vot")] == ["ope", "got10k", "vot"]
    with pytest.raises(SeatError, match="no result file for any of the 1 sequences"):
        r.detect_layout(tmp_path / "ope", ["zzz"])
    with pytest.raises(SeatError, match="unknown result layout"):
        r.result_files("mot")


def test_a_binary_result_file_is_a_one_line_error_naming_it(tmp_path: Path, capsys) -> None:
    """An image or random bytes under a result file's name: `seattrack report` names the file (no traceback)."""
    import cv2

    from seattrack.cli import main
    from tests.conftest import render_target_sequence, skimage_bgr

    render_target_sequence(tmp_path / "data" / "clip", n=3)
    results = tmp_path / "results" / "mine" / "folder"
    results.mkdir(parents=True)
    (results / "clip.txt").write_bytes(cv2.imencode(".png", skimage_bgr("coffee"))[1].tobytes())
    args = ["report", str(results), "--dataset", "folder", "--root", str(tmp_path / "data"), "--out",
            str(tmp_path / "report")]
    assert main(args) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"seattrack report: error: {results / 'clip.txt'}: not a text box file (byte 0 is not UTF-8 text)"]
    (tmp_path / "random.txt").write_bytes(bytes(range(256)))
    with pytest.raises(SeatError, match=r"random.txt: not a text box file \(byte 128 is not UTF-8 text\)"):
        r.read_boxes(tmp_path / "random.txt")


def test_binary_run_files_are_incomplete_or_one_line_errors_never_decoding_tracebacks(tmp_path: Path) -> None:
    """`eval`'s resume check counts lines on bytes (a binary file under a result's name is simply unfinished), and
    a binary VOT run file is one SeatError naming it."""
    path = r.VOT_FILES.path(tmp_path, "clip")
    path.parent.mkdir(parents=True)
    path.write_bytes(bytes(range(256)))
    assert not r.VOT_FILES.is_complete(tmp_path, "clip", 5)
    with pytest.raises(SeatError, match=r"clip_001.txt: not a text VOT result file \(byte 128 is not UTF-8 text\)"):
        r.read_vot(path)
