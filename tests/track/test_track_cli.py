import shutil

import cv2
import numpy as np
import pytest

from seattrack.cli import main
from seattrack.errors import SeatError
from seattrack.models import create_model, save_model
from seattrack.track.video import FrameSource


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    path = tmp_path_factory.mktemp("ckpt") / "seat_lt_random.pt"
    save_model(create_model("seat_lt", pretrained_backbone=False), path)
    return path


@pytest.fixture(scope="module")
def mp4_video(target_sequence, tmp_path_factory):
    frames, gt = target_sequence
    path = tmp_path_factory.mktemp("video") / "clip.mp4"
    first = cv2.imread(str(frames[0]))
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 25, (first.shape[1], first.shape[0]))
    for f in frames[:12]:
        writer.write(cv2.imread(str(f)))
    writer.release()
    return path


def _check_outputs(out, txt, n):
    cap = cv2.VideoCapture(str(out))
    assert cap.isOpened() and int(cap.get(cv2.CAP_PROP_FRAME_COUNT)) == n
    ok, frame = cap.read()
    assert ok and frame.shape == (240, 320, 3)
    boxes = np.loadtxt(txt, delimiter=",")
    assert boxes.shape == (n, 4) and np.isfinite(boxes).all()


def test_track_a_real_mp4(mp4_video, checkpoint, tmp_path, capsys, target_sequence):
    gt = target_sequence[1]
    box = ",".join(str(v) for v in gt[0])
    rc = main(["track", str(mp4_video), "--box", box, "--weights", str(checkpoint),
               "--out", str(tmp_path / "a.mp4"), "--txt", str(tmp_path / "a.txt")])
    assert rc == 0
    _check_outputs(tmp_path / "a.mp4", tmp_path / "a.txt", 12)
    assert "tracked 12 frames" in capsys.readouterr().out


def test_outputs_never_replace_the_input_or_an_existing_file_silently(mp4_video, checkpoint, tmp_path, capsys):
    video = tmp_path / "in.mp4"
    shutil.copy(mp4_video, video)
    original = video.read_bytes()
    args = ["track", str(video), "--box", "60,60,40,30", "--weights", str(checkpoint)]
    assert main([*args, "--out", str(video)]) == 2
    assert f"--out {video}: is the input" in capsys.readouterr().err
    assert video.read_bytes() == original
    kept = tmp_path / "boxes.txt"
    kept.write_text("a user's file\n")
    assert main([*args, "--txt", str(kept)]) == 2
    assert "exists; pass --force to replace it" in capsys.readouterr().err and kept.read_text() == "a user's file\n"
    assert main([*args, "--txt", str(tmp_path / "same"), "--out", str(tmp_path / "same")]) == 2
    assert main([*args, "--txt", str(tmp_path)]) == 2
    assert "is a folder" in capsys.readouterr().err
    assert main([*args, "--txt", str(kept), "--force", "--max-frames", "3"]) == 0
    assert np.loadtxt(kept, delimiter=",").shape == (3, 4)


def test_track_a_folder_of_jpegs_and_a_glob(target_sequence, checkpoint, tmp_path):
    frames, gt = target_sequence
    folder = tmp_path / "jpgs"
    folder.mkdir()
    for i, f in enumerate(frames[:8]):
        cv2.imwrite(str(folder / f"frame{i + 1}.jpg"), cv2.imread(str(f)))
    (folder / "frame5.jpg").write_bytes(b"not a jpeg")  # a corrupt frame keeps the previous box, with a warning
    box = ",".join(str(v) for v in gt[0])
    with pytest.warns(UserWarning, match="skipped unreadable frame"):
        assert main(["track", str(folder), "--box", box, "--weights", str(checkpoint),
                     "--out", str(tmp_path / "b.mp4"), "--txt", str(tmp_path / "b.txt")]) == 0
    _check_outputs(tmp_path / "b.mp4", tmp_path / "b.txt", 8)  # one line and one video frame per input frame
    boxes = np.loadtxt(tmp_path / "b.txt", delimiter=",")
    np.testing.assert_array_equal(boxes[4], boxes[3])
    with pytest.warns(UserWarning, match="skipped unreadable frame"):
        assert main(["track", str(folder / "frame*.jpg"), "--box", box, "--weights", str(checkpoint),
                     "--txt", str(tmp_path / "c.txt")]) == 0
    assert FrameSource(str(folder)).paths[1].endswith("frame2.jpg")  # natural order


def test_unreadable_inputs_are_one_line_errors(tmp_path, checkpoint, capsys):
    bad = tmp_path / "broken.mp4"
    bad.write_bytes(b"\x00" * 1000)
    assert main(["track", str(bad), "--box", "1,2,3,4", "--weights", str(checkpoint)]) == 2
    err = capsys.readouterr().err
    assert "broken.mp4" in err and len(err.strip().splitlines()) == 1
    assert main(["track", str(tmp_path / "missing.mp4"), "--box", "1,2,3,4"]) == 2
    with pytest.raises(SeatError, match="no image files"):
        FrameSource(str(tmp_path))


def test_no_box_and_no_display_is_a_clear_error(mp4_video, checkpoint, capsys, monkeypatch):
    monkeypatch.delenv("DISPLAY", raising=False)
    assert main(["track", str(mp4_video), "--weights", str(checkpoint)]) == 2
    assert "pass --box" in capsys.readouterr().err
    assert main(["track", str(mp4_video), "--box", "1,2,3,4", "--weights", str(checkpoint), "--show"]) == 2
    err = capsys.readouterr().err
    assert "--show needs a display" in err and "opencv-contrib-python" in err and len(err.strip().splitlines()) == 1


def test_an_unreadable_first_frame_is_a_clear_error(target_sequence, checkpoint, tmp_path, capsys):
    frames, gt = target_sequence
    (tmp_path / "0001.jpg").write_bytes(b"broken")
    shutil.copy(frames[1], tmp_path / "0002.png")
    assert main(["track", str(tmp_path), "--box", "10,10,20,20", "--weights", str(checkpoint)]) == 2
    assert "first frame is unreadable" in capsys.readouterr().err  # found before the model loads


def test_max_frames_and_a_user_stop_keep_the_frames_tracked_so_far(mp4_video, checkpoint, tmp_path,
                                                                  target_sequence):
    from seattrack.loading import load_tracker
    from seattrack.track.run import track_source

    box = ",".join(str(v) for v in target_sequence[1][0])
    assert main(["track", str(mp4_video), "--box", box, "--weights", str(checkpoint), "--max-frames", "5",
                 "--out", str(tmp_path / "m.mp4"), "--txt", str(tmp_path / "m.txt")]) == 0
    _check_outputs(tmp_path / "m.mp4", tmp_path / "m.txt", 5)
    with pytest.raises(SystemExit) as refused:  # the parser refuses it before any work
        main(["track", str(mp4_video), "--box", box, "--weights", str(checkpoint), "--max-frames", "0"])
    assert refused.value.code == 2

    def stop(index, *_):  # what q in the --show window and Ctrl+C do
        if index == 3:
            raise KeyboardInterrupt

    summary = track_source(FrameSource(str(mp4_video)), load_tracker(str(checkpoint)), target_sequence[1][0],
                           tmp_path / "s.mp4", tmp_path / "s.txt", progress=False, on_frame=stop)
    assert summary.stopped and summary.frames == 4 and "stopped before the end" in summary.describe()
    _check_outputs(tmp_path / "s.mp4", tmp_path / "s.txt", 4)


def test_named_model_without_weights_says_so(mp4_video, capsys):
    assert main(["track", str(mp4_video), "--box", "1,2,3,4", "--weights", "seat_r50"]) == 2
    assert "no trained weights for 'seat_r50'" in capsys.readouterr().err


def test_interrupted_output_leaves_no_half_written_video(target_sequence, checkpoint, tmp_path):
    from seattrack.loading import load_tracker
    from seattrack.track.run import track_source

    frames, gt = target_sequence
    folder = tmp_path / "f"
    folder.mkdir()
    for f in frames[:5]:
        shutil.copy(f, folder / f.name)

    def boom(index, *_):
        if index == 3:
            raise RuntimeError("stop")

    with pytest.raises(RuntimeError):
        track_source(FrameSource(str(folder)), load_tracker(str(checkpoint)), gt[0], tmp_path / "x.mp4",
                     progress=False, on_frame=boom)
    assert not (tmp_path / "x.mp4").exists() and not list(tmp_path.glob(".x.*"))


def test_a_full_disk_is_an_error_and_never_renames_a_broken_video_into_place(mp4_video, checkpoint, tmp_path):
    """A file-size limit (RLIMIT_FSIZE, SIGXFSZ ignored) makes every write past 20 kB fail, as a full disk does."""
    import resource
    import signal
    import subprocess
    import sys

    def small_disk():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (20_000, 20_000))

    out = tmp_path / "out.mp4"
    done = subprocess.run([sys.executable, "-m", "seattrack", "track", str(mp4_video), "--box", "60,60,40,30",
                           "--weights", str(checkpoint), "--backend", "torch", "--out", str(out)],
                          capture_output=True, text=True, preexec_fn=small_disk)
    assert done.returncode == 2, done.stderr[-500:]
    assert f"output video {out}" in done.stderr and "Traceback" not in done.stderr
    assert not out.exists() and not list(tmp_path.glob(".out.*"))


def _numbered_video(path, codec: str, n: int = 20):
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*codec), 25, (160, 120))
    for i in range(n):
        frame = np.full((120, 160, 3), 40 + 8 * i, np.uint8)
        cv2.rectangle(frame, (40 + 2 * i, 40), (80 + 2 * i, 80), (255, 255, 255), -1)
        writer.write(frame)
    writer.release()
    return path


def test_a_corrupt_middle_keeps_one_line_per_frame_and_a_truncated_video_says_where_it_ended(
        checkpoint, tmp_path, capsys):
    """A zeroed middle used to drop frames silently and shift every later box by a line; a truncated video gave
    fewer boxes than frames with no notice."""
    data = bytearray(_numbered_video(tmp_path / "whole.mp4", "mp4v").read_bytes())
    middle = len(data) // 2
    data[middle:middle + 3000] = bytes(3000)
    zeroed = tmp_path / "zeroed.mp4"
    zeroed.write_bytes(bytes(data))
    with pytest.warns(UserWarning, match="frame .* cannot be decoded"):
        assert main(["track", str(zeroed), "--box", "40,40,40,40", "--weights", str(checkpoint), "--backend",
                     "torch", "--txt", str(tmp_path / "z.txt")]) == 0
    out = capsys.readouterr().out
    boxes = np.loadtxt(tmp_path / "z.txt", delimiter=",")
    assert len(boxes) == 20 and "unreadable frame(s) kept the previous box" in out

    avi = bytearray(_numbered_video(tmp_path / "whole.avi", "MJPG").read_bytes())
    cut = tmp_path / "cut.avi"
    cut.write_bytes(bytes(avi[: int(len(avi) * 0.6)]))
    assert main(["track", str(cut), "--box", "40,40,40,40", "--weights", str(checkpoint), "--backend", "torch",
                 "--txt", str(tmp_path / "c.txt")]) == 0
    out = capsys.readouterr().out
    read = len(np.loadtxt(tmp_path / "c.txt", delimiter=","))
    assert 5 < read < 20 and f"the video ended after {read} of its 20 declared frames" in out


def test_several_boxes_track_several_targets_into_one_file_each_and_a_mot_file(mp4_video, target_sequence, tmp_path,
                                                                             capsys):
    """Two `--box`: one MultiTracker run gives each target the box file a single-target run gives it (ONNX Runtime:
    the same text), and a MOT-challenge file with both (frames and ids from 1); existing outputs are refused."""
    import csv

    boxes = [target_sequence[1][0], np.array([20.0, 150.0, 50.0, 40.0])]  # the target and a patch of background
    texts = [",".join(str(v) for v in box) for box in boxes]
    common = ["track", str(mp4_video), "--backend", "onnxruntime", "--threads", "1"]
    assert main([*common, "--box", texts[0], "--box", texts[1], "--txt", str(tmp_path / "t.txt"),
                 "--out", str(tmp_path / "t.mp4")]) == 0
    assert "boxes of target 1..2" in capsys.readouterr().out
    for k, text in enumerate(texts, 1):
        assert main([*common, "--box", text, "--txt", str(tmp_path / f"single{k}.txt")]) == 0
        assert (tmp_path / f"t_{k}.txt").read_text() == (tmp_path / f"single{k}.txt").read_text()
    rows = list(csv.reader((tmp_path / "t_mot.txt").read_text().splitlines()))
    assert len(rows) == 24 and [r[:2] for r in rows[:2]] == [["1", "1"], ["1", "2"]] and rows[-1][:2] == ["12", "2"]
    assert [float(v) for v in rows[1][2:6]] == boxes[1].tolist() and rows[0][7:] == ["-1", "-1", "-1"]
    _check_outputs(tmp_path / "t.mp4", tmp_path / "t_1.txt", 12)
    capsys.readouterr()
    assert main([*common, "--box", texts[0], "--box", texts[1], "--txt", str(tmp_path / "t.txt")]) == 2
    assert "t_1.txt: exists; pass --force" in capsys.readouterr().err


def test_presence_adds_a_fifth_column_the_trackers_own_presence(mp4_video, target_sequence, checkpoint, tmp_path,
                                                              capsys):
    """`--presence`: x,y,w,h as without it, then the calibrated presence `TrackResult.present` gives for that frame
    (1 on the first); several targets get the column in each target's file; a model without a calibration is a
    one-line error before any file is written."""
    from seattrack import load_tracker

    box = ",".join(str(v) for v in target_sequence[1][0])
    common = ["track", str(mp4_video), "--backend", "onnxruntime", "--threads", "1", "--box", box]
    assert main([*common, "--txt", str(tmp_path / "plain.txt")]) == 0
    assert main([*common, "--presence", "--txt", str(tmp_path / "p.txt")]) == 0
    assert "x,y,w,h,present per line" in capsys.readouterr().out
    rows = np.loadtxt(tmp_path / "p.txt", delimiter=",")
    assert rows.shape == (12, 5)
    np.testing.assert_array_equal(rows[:, :4], np.loadtxt(tmp_path / "plain.txt", delimiter=","))
    tracker = load_tracker("seat_lite", backend="onnxruntime", threads=1)
    frames = [frame for _, frame in zip(range(12), FrameSource(str(mp4_video)))]
    tracker.init(frames[0], target_sequence[1][0])
    present = [1.0] + [tracker.update(frame).present for frame in frames[1:]]
    np.testing.assert_allclose(rows[:, 4], present, atol=1e-4)  # the file holds 4 decimals
    assert 0 < rows[1:, 4].min() and rows[1:, 4].max() < 1

    assert main([*common, "--box", "20,150,50,40", "--presence", "--txt", str(tmp_path / "m.txt")]) == 0
    first = np.loadtxt(tmp_path / "m_1.txt", delimiter=",")
    np.testing.assert_array_equal(first, rows)  # target 1 of two: the same lines as alone
    assert np.loadtxt(tmp_path / "m_2.txt", delimiter=",").shape == (12, 5)

    capsys.readouterr()
    assert main(["track", str(mp4_video), "--box", box, "--weights", str(checkpoint), "--presence",
                 "--txt", str(tmp_path / "none.txt")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--presence: this model has no presence calibration" in err
    assert not (tmp_path / "none.txt").exists()
