"""`seattrack export` and `seattrack bench` end to end, and `seattrack track --backend onnxruntime`."""

from __future__ import annotations

import json

from seattrack.cli import main
from seattrack.export.layout import read_metadata


def test_export_cli_writes_a_verified_folder(tmp_path, capsys):
    out = tmp_path / "alexnet_onnx"
    assert main(["export", "seat_alexnet", "--out", str(out), "--opset", "18"]) == 0
    printed = capsys.readouterr().out
    assert "no trained weights" in printed and "verified against PyTorch" in printed and "track.onnx" in printed
    meta = read_metadata(out)
    assert meta["opset"] == 18 and (out / "template.onnx").is_file() and (out / "track.onnx").is_file()


def test_export_cli_errors_are_one_line(tmp_path, capsys):
    assert main(["export", "no_such_model", "--out", str(tmp_path / "x")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("seattrack export: error: model 'no_such_model'") and "\n" not in err
    assert main(["export", "seat_alexnet", "--out", str(tmp_path / "x"), "--opset", "11"]) == 2
    assert "opset 11" in capsys.readouterr().err


def test_bench_cli_measures_backends_side_by_side(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    report = tmp_path / "bench-seat_lt.json"  # the default report file
    argv = ["bench", "seat_lt", "--backend", "torch", "--backend", "onnxruntime", "--threads", "1",
            "--warmup", "1", "--iters", "3"]
    assert main(argv) == 0
    printed = capsys.readouterr().out
    assert "speed-up" in printed and "1 thread(s)" in printed and "onnxruntime" in printed
    assert f"report: {report.name}" in printed
    data = json.loads(report.read_text())
    assert [r["backend"] for r in data["results"]] == ["torch", "onnxruntime"]
    for result in data["results"]:
        for phase in ("track", "update"):
            assert len(result[phase]["samples_ms"]) == 3 and result[phase]["median_ms"] > 0
    assert data["params"] > 0 and data["macs_per_frame"] > data["macs_template"] > 0
    assert data["machine"]["cpu"]


def test_track_cli_runs_the_onnxruntime_backend(lite_checkpoint, target_sequence, tmp_path, capsys):
    frames, gt = target_sequence
    txt = tmp_path / "boxes.txt"
    box = ",".join(str(v) for v in gt[0])
    argv = ["track", str(frames[0].parent / "*.png"), "--box", box, "--weights", str(lite_checkpoint),
            "--backend", "onnxruntime", "--threads", "1", "--txt", str(txt)]
    assert main(argv) == 0
    assert f"tracked {len(frames)} frames" in capsys.readouterr().out
    assert len(txt.read_text().splitlines()) == len(frames)
