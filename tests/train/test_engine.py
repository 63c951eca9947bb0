import os
import re
import subprocess
import sys

import numpy as np
import pytest
import torch

from seattrack.data.pairs import DATA_ISSUES
from seattrack.errors import SeatError
from seattrack.models import load_model
from seattrack.models.checkpoint import read_checkpoint
from seattrack.train.checkpoint import rank_rng_state, rng_state, set_rng_state
from seattrack.train.data import build_pair_dataset
from seattrack.train.engine import Trainer, build_model, load_train_config
from tests.processes import sigkill_when
from tests.train.conftest import tiny_overrides

NO_AUG = ["data.pairs.negative_prob=0", "data.pairs.crop.search_shift=0", "data.pairs.crop.search_scale=0",
          "data.pairs.crop.template_shift=0", "data.pairs.crop.template_scale=0", "data.pairs.color.color_prob=0",
          "data.pairs.color.blur_prob=0", "data.pairs.color.gray_prob=0"]


def _losses(csv_path):
    rows = np.genfromtxt(csv_path, delimiter=",", names=True)
    return rows["loss"]


def test_overfitting_a_tiny_set_lowers_the_loss(folder_dataset, tmp_path):
    cfg = load_train_config(None, tiny_overrides(folder_dataset, tmp_path / "run", **{
        "epochs": 6, "data.samples_per_epoch": 12, "optim.base_lr": 0.02, "optim.warmup_epochs": 0,
        "optim.end_lr": 0.01, "optim.unfreeze_epoch": 99, "model.pretrained_backbone": "true"}) + NO_AUG)
    Trainer.from_config(cfg).run()
    loss = _losses(tmp_path / "run" / "metrics.csv")
    assert len(loss) == 18
    assert loss[-3:].mean() < 0.6 * loss[:3].mean(), loss


def test_existing_run_needs_resume(folder_dataset, tmp_path):
    cfg = load_train_config(None, tiny_overrides(folder_dataset, tmp_path / "r", epochs=1))
    Trainer.from_config(cfg).run()
    position = read_checkpoint(tmp_path / "r" / "checkpoint.pt")["position"]  # the format before RunPosition
    assert position == {"epoch": 1, "step": 0, "global_step": 4, "skipped": 0, "bad_data": {}}
    assert list(position) == ["epoch", "step", "global_step", "skipped", "bad_data"]
    with pytest.raises(SeatError, match="already holds a run"):
        Trainer.from_config(cfg)
    with pytest.raises(SeatError, match="no checkpoint.pt"):
        Trainer.from_config(load_train_config(None, tiny_overrides(folder_dataset, tmp_path / "empty")), resume=True)


def test_resuming_with_another_model_is_one_line_naming_the_checkpoint(folder_dataset, tmp_path):
    """The run folder's checkpoint.pt was written by another neck width: a one-line refusal, not load_state_dict's
    many-line RuntimeError, and the checkpoint is left as it was."""
    Trainer.from_config(load_train_config(None, tiny_overrides(folder_dataset, tmp_path / "r", epochs=1))).run()
    before = (tmp_path / "r" / "checkpoint.pt").read_bytes()
    other = tiny_overrides(folder_dataset, tmp_path / "r", epochs=2,
                           **{"model.options": "{template_size: 63, search_size: 127, fusion_dim: 32}"})
    with pytest.raises(SeatError) as info:
        Trainer.from_config(load_train_config(None, other), resume=True).run()
    message = str(info.value)
    assert "checkpoint.pt: cannot resume this run from it" in message and "\n" not in message
    assert (tmp_path / "r" / "checkpoint.pt").read_bytes() == before


def _train_cmd(args):
    return [sys.executable, "-m", "seattrack", "train", *args]


def _write_cfg(tmp_path, overrides):
    path = tmp_path / "recipe.yaml"
    path.write_text("{}\n")
    return [str(path), *overrides]


def test_sigkill_mid_epoch_then_resume_gives_the_same_weights(folder_dataset, tmp_path):
    common = {"epochs": 2, "data.samples_per_epoch": 24, "checkpoint_every": 2}
    straight = tmp_path / "straight"
    subprocess.run(_train_cmd(_write_cfg(tmp_path, tiny_overrides(folder_dataset, straight, **common))),
                   check=True, capture_output=True)
    killed = tmp_path / "killed"
    args = _write_cfg(tmp_path, tiny_overrides(folder_dataset, killed, **common))
    csv = killed / "metrics.csv"  # killed inside epoch 0, past its first checkpoint
    sigkill_when(_train_cmd(args), lambda: csv.is_file() and len(csv.read_text().splitlines()) >= 5)
    assert not (killed / "model.pt").exists(), "the run finished before it could be killed"
    state = read_checkpoint(killed / "checkpoint.pt")
    assert state["position"]["epoch"] == 0 and state["position"]["step"] > 0  # killed mid-epoch
    subprocess.run(_train_cmd(args + ["--resume"]), check=True, capture_output=True)
    a, b = load_model(straight / "model.pt"), load_model(killed / "model.pt")
    for (name, pa), pb in zip(a.state_dict().items(), b.state_dict().values()):
        torch.testing.assert_close(pa, pb, rtol=1e-5, atol=1e-6, msg=name)
    rows = np.genfromtxt(killed / "metrics.csv", delimiter=",", names=True)
    assert list(rows["global_step"]) == list(range(1, 13))  # the log has no duplicated steps after resume


def _count(text: str, reason: str) -> int:
    match = re.search(rf"{reason} (\d+)", text)
    return int(match.group(1)) if match else 0


def test_torchrun_two_processes_keep_identical_weights_and_sum_bad_data(bad_dataset, tmp_path):
    torchrun = os.path.join(os.path.dirname(sys.executable), "torchrun")
    overrides = tiny_overrides(bad_dataset, tmp_path / "ddp", epochs=2)
    args = _write_cfg(tmp_path, overrides)
    cmd = [torchrun, "--standalone", "--nproc_per_node", "2", "-m", "seattrack", "train", *args]
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "weights on 2 ranks differ by at most 0" in result.stdout, result.stdout[-2000:]
    assert (tmp_path / "ddp" / "model.pt").is_file()
    # each rank's generator states are saved, and they differ (per-rank seeds)
    rng = read_checkpoint(tmp_path / "ddp" / "checkpoint.pt")["rng"]
    assert len(rng) == 2 and not torch.equal(rng[0]["torch"], rng[1]["torch"])
    # repeated draws are counted per pair on both ranks and summed: the same totals as one pass here
    cfg = load_train_config(None, overrides)
    dataset = build_pair_dataset(cfg.data, build_model(cfg), cfg.seed)
    expected = sum(dataset.item(i)["data_issues"].numpy() for i in range(32))
    for reason in ("unreadable_frame", "no_visible_target"):
        assert _count(result.stdout, reason) == expected[DATA_ISSUES.index(reason)] > 0, result.stdout[-2000:]
    # resumed under torchrun for a third epoch: ranks still identical, counts continue from the checkpoint
    resumed = subprocess.run(cmd + ["epochs=3", "--resume"], capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert "weights on 2 ranks differ by at most 0" in resumed.stdout and "holds no RNG state" not in resumed.stdout
    expected = sum(dataset.item(i)["data_issues"].numpy() for i in range(48))
    assert _count(resumed.stdout, "unreadable_frame") == expected[DATA_ISSUES.index("unreadable_frame")]


def test_each_rank_gets_its_own_saved_rng_state():
    first = rng_state()
    drawn = torch.rand(3)
    second = rng_state()
    assert rank_rng_state([first, second], 1) is second and rank_rng_state([first, second], 2) is None
    assert rank_rng_state(first, 0) is first and rank_rng_state(first, 1) is None  # a checkpoint of rank 0 alone
    set_rng_state(first)
    assert torch.equal(torch.rand(3), drawn)
