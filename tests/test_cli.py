import json

from seattrack.cli import main
from seattrack.models import Arch, ArchBlock


def test_info_prints_params_and_macs_per_part(capsys, tmp_path):
    assert main(["info", "seat_lt"]) == 0
    out = capsys.readouterr().out
    for part in ("backbone+adjust, template 127", "fusion (cfm), search part", "RFM", "head", "per frame"):
        assert part in out
    arch = tmp_path / "a.json"
    Arch([ArchBlock(32, "wavemlp_k3_t4_dw")], 128).save(arch)
    assert main(["info", "seat_lt", "--arch", str(arch)]) == 0
    assert "32[k3_t4_dw] -> 1x1 -> 128" in capsys.readouterr().out


def test_errors_are_one_line_with_exit_code_2(capsys, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"blocks": [{"width": 8, "ch_op": "conv9"}], "last_dim": 8}))
    assert main(["info", "seat_lt", "--arch", str(bad)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "unknown op 'conv9'" in err[0]
    assert main(["info", "missing.pt"]) == 2
    assert "checkpoint not found: missing.pt" in capsys.readouterr().err


def test_models_lists_the_registry(capsys):
    assert main(["models"]) == 0
    assert set(capsys.readouterr().out.split()) >= {"seat_alexnet", "seat_lt", "seat_lite", "seat_r50"}


def test_atomic_writes_get_normal_permissions(tmp_path):
    import os

    from seattrack.fileio import default_file_mode, write_text_atomic

    write_text_atomic(tmp_path / "a.txt", "x")
    assert os.stat(tmp_path / "a.txt").st_mode & 0o777 == default_file_mode()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temp file left behind


def test_demo_tracks_the_bundled_clip_and_scores_it(capsys, tmp_path):
    import cv2
    import numpy as np

    assert main(["demo", "--out", str(tmp_path / "demo"), "--threads", "1"]) == 0
    out = capsys.readouterr().out
    auc = float(out.split("success AUC ")[1].split(",")[0])
    assert auc > 0.5 and "pysot convention" in out and "onnxruntime backend" in out
    assert str(tmp_path / "demo" / "demo_tracked.mp4") in out and str(tmp_path / "demo" / "demo_boxes.txt") in out
    boxes = np.loadtxt(tmp_path / "demo" / "demo_boxes.txt", delimiter=",")
    video = cv2.VideoCapture(str(tmp_path / "demo" / "demo_tracked.mp4"))
    assert boxes.shape == (60, 4) and int(video.get(cv2.CAP_PROP_FRAME_COUNT)) == 60


def test_help_of_the_tool_and_of_every_command_prints(capsys):
    """argparse formats help text with %: a stray % crashed `seattrack --help` itself."""
    import pytest

    with pytest.raises(SystemExit) as done:
        main(["--help"])
    assert done.value.code == 0
    commands = capsys.readouterr().out.split("{", 1)[1].split("}", 1)[0].split(",")
    assert "derive" in commands and "track" in commands
    for command in commands:
        with pytest.raises(SystemExit) as done:
            main([command, "--help"])
        assert done.value.code == 0, command
        assert "usage: seattrack" in capsys.readouterr().out


def test_counts_below_their_minimum_are_refused_by_the_parser(capsys):
    import pytest

    for argv in (["eval", "--dataset", "folder", "--root", "x", "--workers", "-2"],
                 ["tune", "--dataset", "folder", "--root", "x", "--trials", "0"],
                 ["track", "clip.mp4", "--threads", "-1"], ["bench", "seat_lite", "--threads", "0"],
                 ["synth", "out", "--length", "0"], ["serve", "--max-runs", "0"]):
        with pytest.raises(SystemExit) as done:
            main(argv)
        assert done.value.code == 2, argv
        assert "expected" in capsys.readouterr().err.strip().splitlines()[-1]


def test_inputs_that_used_to_end_in_a_traceback_are_one_line_errors(capsys, tmp_path):
    arch = tmp_path / "list.json"
    arch.write_text("[1, 2]")
    assert main(["info", "seat_lite", "--arch", str(arch)]) == 2
    assert "expected a mapping of Arch settings, got list" in capsys.readouterr().err
    assert main(["track", "99999999999999999999", "--box", "1,1,5,5"]) == 2
    assert "no such camera" in capsys.readouterr().err
    import cv2
    import numpy as np

    video = tmp_path / "v.mp4"
    writer = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*"mp4v"), 25, (160, 120))
    for i in range(3):
        writer.write(np.full((120, 160, 3), 60 * i, np.uint8))
    writer.release()
    assert main(["track", str(video), "--box", "1,1,5,5", "--out", str(tmp_path / "x.gif")]) == 2
    assert "expected a video file name" in capsys.readouterr().err
    for box in ("1,1,1e308,5", "0,0,1e12,1e12"):
        assert main(["track", str(video), "--box", box, "--out", str(tmp_path / f"{box[-2:]}.mp4")]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and "larger than 4x the 160x120 image" in err[0]


def test_outputs_that_cannot_be_written_are_one_line_errors(capsys, tmp_path):
    """Checked before the work for `track`; any other command's OSError on an output is one line, not a traceback."""
    import cv2
    import numpy as np

    video = tmp_path / "v.mp4"
    writer = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*"mp4v"), 25, (160, 120))
    for i in range(3):
        writer.write(np.full((120, 160, 3), 60 * i, np.uint8))
    writer.release()
    blocker = tmp_path / "file"
    blocker.write_text("")  # a file where a folder must go
    assert main(["track", str(video), "--box", "10,10,20,20", "--txt", str(blocker / "sub" / "b.txt")]) == 2
    assert f"{blocker} is a file, not a folder" in capsys.readouterr().err
    assert main(["synth", str(blocker / "out"), "--sequences", "1", "--length", "2"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("seattrack synth: error: ") and str(blocker) in err[0]
