"""A model file whose weights do not fit its config, or whose config (Arch included) holds absurd sizes, is refused
on load with one line naming the file and the first problem, before any layer of an absurd size is built: through
the library (`load_model`, `load_tracker`) and every command that loads a model (`info`, `track --weights`,
`export`). The bad files are the shipped seat_lite checkpoint, edited and saved with torch.save."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest
import torch

import seattrack
from seattrack.cli import main
from seattrack.errors import SeatError
from seattrack.models.checkpoint import read_checkpoint, shipped_weights_path

Edit = Callable[[dict[str, Any]], None]


@pytest.fixture(scope="module")
def shipped() -> dict[str, Any]:
    """The shipped seat_lite checkpoint as saved: format marker, model_config (with its Arch), weights, hypers."""
    return read_checkpoint(shipped_weights_path("seat_lite"))


def saved(payload: dict[str, Any], edit: Edit, path: Path) -> Path:
    """A copy of `payload` changed by `edit`, written to `path` with torch.save."""
    bad = copy.deepcopy(payload)
    edit(bad)
    torch.save(bad, path)
    return path


def block(payload: dict[str, Any]) -> dict[str, Any]:
    return payload["model_config"]["arch"]["blocks"][0]


def set_block(key: str, value: Any) -> Edit:
    return lambda p: block(p).__setitem__(key, value)


def set_weight(key: str, value: Any) -> Edit:
    return lambda p: p["model"].__setitem__(key, value)


BAD: dict[str, tuple[Edit, str]] = {
    "wrong shape": (set_weight("rfm.blocks.0.proj_in.weight", torch.zeros(8, 4)),
                    "rfm.blocks.0.proj_in.weight has shape (8, 4), expected (64, 64, 1, 1)"),
    "missing key": (lambda p: p["model"].pop("head.cls_pred.bias"), "head.cls_pred.bias is missing from the weights"),
    "unexpected key": (set_weight("head.extra.weight", torch.zeros(3)),
                       "head.extra.weight is not a weight of this model (1 unexpected)"),
    "not a tensor": (set_weight("head.cls_pred.bias", [0.0]), "head.cls_pred.bias is a list, expected a tensor"),
    "weights not a mapping": (lambda p: p.__setitem__("model", [1, 2]),
                              "'model' is a list, expected a mapping of weight names to tensors"),
    "width 0": (set_block("width", 0), "arch block 0 width 0: expected 1..1024"),
    "negative width": (set_block("width", -64), "arch block 0 width -64: expected 1..1024"),
    "width 10**6": (set_block("width", 10**6), "arch block 0 width 1000000: expected 1..1024"),
    "10**4 blocks": (lambda p: p["model_config"]["arch"].__setitem__("blocks", [block(p)] * 10**4),
                     "arch block count 10000: expected 0..16"),
    "10**4 ph_ops": (set_block("ph_ops", ["wavemlp_k3_t4"] * 10**4), "arch block 0 ph_ops count 10000: expected 0..16"),
    "ph_ops not a list": (set_block("ph_ops", "wavemlp_k3_t4"),
                          "model_config.arch.blocks[0].ph_ops: expected a list, got 'wavemlp_k3_t4'"),
    "arch a long list": (lambda p: p["model_config"].__setitem__("arch", list(range(10**4))),
                         "model_config.arch: expected a mapping, got [0, 1, 2, 3, 4, 5, ...]"),
    "neck 10**6": (lambda p: p["model_config"].__setitem__("neck_dim", 10**6), "neck_dim 1000000: expected 1..1024"),
    "head GroupNorm": (lambda p: p["model_config"]["arch"].__setitem__("last_dim", 50),
                       "arch last_dim 50: the head towers' GroupNorm needs a multiple of 32"),
    "config not a mapping": (lambda p: p.__setitem__("model_config", [64]),
                             "model_config: expected a mapping of ModelConfig settings, got list"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_load_model_names_the_file_and_the_first_problem(case, shipped, tmp_path):
    edit, problem = BAD[case]
    path = saved(shipped, edit, tmp_path / "model.pt")
    with pytest.raises(SeatError) as refused:
        seattrack.load_model(path)
    assert str(refused.value) == f"{path}: {problem}"


def test_load_tracker_refuses_weights_of_another_shape(shipped, tmp_path):
    edit, problem = BAD["wrong shape"]
    path = saved(shipped, edit, tmp_path / "model.pt")
    with pytest.raises(SeatError) as refused:
        seattrack.load_tracker(str(path), backend="torch")
    assert str(refused.value) == f"{path}: {problem}"


def one_line_error(capsys: pytest.CaptureFixture[str], argv: list[str]) -> str:
    """Run the command line; it must exit 2 with exactly one line on stderr, which is returned."""
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    return err[0]


def test_commands_that_load_a_model_print_one_line(shipped, tmp_path, capsys):
    wide = saved(shipped, BAD["width 10**6"][0], tmp_path / "wide.pt")
    assert one_line_error(capsys, ["info", str(wide)]) == (
        f"seattrack info: error: {wide}: arch block 0 width 1000000: expected 1..1024")
    shape = saved(shipped, BAD["wrong shape"][0], tmp_path / "shape.pt")
    video = tmp_path / "clip.mp4"
    writer = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*"mp4v"), 25, (160, 120))
    for i in range(3):
        writer.write(np.full((120, 160, 3), 60 * i, np.uint8))
    writer.release()
    assert one_line_error(capsys, ["track", str(video), "--box", "40,30,40,30", "--weights", str(shape),
                                   "--txt", str(tmp_path / "boxes.txt")]) == (
        f"seattrack track: error: {shape}: {BAD['wrong shape'][1]}")
    missing = saved(shipped, BAD["missing key"][0], tmp_path / "missing.pt")
    assert one_line_error(capsys, ["export", str(missing), "--out", str(tmp_path / "export")]) == (
        f"seattrack export: error: {missing}: {BAD['missing key'][1]}")
    assert not (tmp_path / "boxes.txt").exists() and not (tmp_path / "export").exists()
    arch = tmp_path / "arch.json"
    arch.write_text(json.dumps({"blocks": [{"width": 10**6, "ch_op": "wavemlp_k3_t4"}], "last_dim": 64}))
    assert one_line_error(capsys, ["info", "seat_lite", "--arch", str(arch)]) == (
        f"seattrack info: error: {arch}: arch block 0 width 1000000: expected 1..1024")
    assert one_line_error(capsys, ["info", "seat_lite", "--arch", "[1, 2]"]) == (
        "seattrack info: error: arch: expected a mapping of Arch settings, got list")
