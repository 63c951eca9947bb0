"""Loading a file never runs code from it: model files and training checkpoints are read with weights_only=True
(numpy's RNG state the only extra type allowed), and a crafted pickle is refused before anything of it runs."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
import torch

from seattrack.errors import SeatError
from seattrack.fileio import torch_save_atomic
from seattrack.models import create_model, load_model, save_model
from seattrack.models.checkpoint import FORMAT, model_payload, read_checkpoint


class RunsAShellCommand:
    """What an attacker pickles: unpickling calls os.system(command)."""

    def __init__(self, command: str):
        self.command = command

    def __reduce__(self):
        return os.system, (self.command,)


@pytest.fixture(scope="module")
def net():
    return create_model("seat_lite", pretrained_backbone=False)


def test_a_crafted_checkpoint_is_refused_and_its_code_never_runs(tmp_path, net):
    marker = tmp_path / "pwned"
    payload = {**model_payload(net), "extra": RunsAShellCommand(f"touch {marker}")}
    path = tmp_path / "model.pt"
    torch.save(payload, path)
    with pytest.raises(SeatError, match="refused, it holds objects that could run code"):
        load_model(path)
    assert not marker.exists()
    # the same through the command line: one line, exit code 2, nothing run
    done = subprocess.run([sys.executable, "-m", "seattrack", "info", str(path)], capture_output=True, text=True)
    assert not marker.exists()
    assert done.returncode == 2 and "refused" in done.stderr and "Traceback" not in done.stderr


def test_training_checkpoints_with_numpy_rng_state_still_load(tmp_path, net):
    path = tmp_path / "checkpoint.pt"
    rng = {"numpy": np.random.get_state(), "torch": torch.get_rng_state()}
    torch_save_atomic({**model_payload(net), "rng": [rng], "optimizer": {"state": {}, "param_groups": []}}, path)
    loaded = read_checkpoint(path)
    assert loaded["format"] == FORMAT
    np.testing.assert_array_equal(loaded["rng"][0]["numpy"][1], rng["numpy"][1])
    save_model(net, tmp_path / "plain.pt")
    assert isinstance(load_model(tmp_path / "plain.pt"), type(net))


def test_a_killed_save_leaves_no_temporary_file_after_the_next_save(tmp_path):
    from seattrack.fileio import write_text_atomic
    from tests.processes import sigkill_when

    target = tmp_path / "checkpoint.pt"
    writer = ("import sys, time\nfrom seattrack.fileio import atomic_path\n"
              "with atomic_path(sys.argv[1]) as tmp:\n    tmp.write_bytes(b'half')\n    time.sleep(60)\n")
    sigkill_when([sys.executable, "-c", writer, str(target)], lambda: any(tmp_path.glob(".checkpoint.pt.*.tmp")))
    assert len(list(tmp_path.glob(".checkpoint.pt.*.tmp"))) == 1 and not target.exists()
    mine = tmp_path / f".checkpoint.pt.{os.getpid()}.inflight.tmp"  # a live writer's file is left alone
    mine.write_bytes(b"")
    write_text_atomic(target, "complete")
    assert target.read_text() == "complete"
    assert list(tmp_path.glob(".checkpoint.pt.*.tmp")) == [mine]
