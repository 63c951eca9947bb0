"""The real Trainer's step rules on a real network and real frames: loss skipping, gradient clipping, the frozen
then partly released backbone at its reduced LR, and the files written beside the checkpoints."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
from torch.utils.data import default_collate

from seattrack.config import to_dict
from seattrack.models import load_model
from seattrack.train.batch import PairBatch
from seattrack.train.engine import Trainer, load_train_config
from tests.train.conftest import tiny_overrides


def stage_states(net) -> list[dict[str, torch.Tensor]]:
    """A copy of every backbone stage's weights and buffers (BatchNorm statistics included)."""
    return [{k: v.detach().clone() for k, v in stage.state_dict().items()} for stage in net.backbone.stages()]


def same(a: dict[str, torch.Tensor], b: dict[str, torch.Tensor]) -> bool:
    return all(torch.equal(a[k], b[k]) for k in a)


class Recorder(Trainer):
    """The real Trainer, recording the backbone at the start and each epoch end, and the group LRs at each step."""

    def setup(self) -> None:
        self.states = [stage_states(self.net)]
        self.initial = {k: v.detach().clone() for k, v in self.net.state_dict().items()}
        self.lrs: list[tuple[int, dict[str, float]]] = []

    def before_step(self, epoch: int, step: int) -> None:
        self.lrs.append((epoch, {g["name"]: g["lr"] for g in self.optimizer.param_groups}))

    def end_epoch(self, epoch: int) -> None:
        self.states.append(stage_states(self.net))
        super().end_epoch(epoch)


def test_non_finite_and_huge_losses_skip_the_step_and_are_counted(folder_dataset, tmp_path):
    trainer = Trainer.from_config(load_train_config(None, tiny_overrides(folder_dataset, tmp_path / "run", **{
        "optim.max_loss": 50})))
    params = [p for g in trainer.optimizer.param_groups for p in g["params"]]
    batch = default_collate([trainer.dataset[i] for i in range(4)])
    before = {k: v.clone() for k, v in trainer.net.state_dict().items()}
    for bad in (float("nan"), float("inf"), 1e3):  # 1e3 > max_loss
        losses = trainer.forward_loss(trainer.to_device(batch))
        assert not trainer.optimizer_step({**losses, "loss": losses["loss"] * 0 + bad}, trainer.optimizer, params)
    assert trainer.position.skipped == 3
    assert same(before, trainer.net.state_dict())  # weights and BatchNorm statistics as they were
    assert all(p.grad is None for p in params)
    poisoned = {**batch, "x": batch["x"].clone()}
    poisoned["x"][0, :, 10:20, 10:20] = float("nan")  # a non-finite forward: NaN reaches the BatchNorm statistics
    assert not trainer.optimizer_step(trainer.forward_loss(trainer.to_device(poisoned)), trainer.optimizer, params)
    assert trainer.position.skipped == 4 and same(before, trainer.net.state_dict())  # restored, not NaN
    losses = trainer.forward_loss(trainer.to_device(batch))
    assert losses["loss"] < 50 and trainer.optimizer_step(losses, trainer.optimizer, params)
    assert trainer.position.skipped == 4 and not same(before, trainer.net.state_dict())
    trainer.logger.close()


def test_a_run_whose_every_loss_is_too_large_keeps_its_weights(folder_dataset, tmp_path, capsys):
    out = tmp_path / "run"
    trainer = Recorder.from_config(load_train_config(None, tiny_overrides(folder_dataset, out, epochs=1, **{
        "optim.max_loss": "0.000001"})))
    trainer.run()
    rows = np.genfromtxt(out / "metrics.csv", delimiter=",", names=True)
    assert list(rows["skipped"]) == [1, 2, 3, 4]
    assert same(trainer.initial, load_model(out / "model.pt").state_dict())
    assert "4 skipped for a non-finite or huge loss" in capsys.readouterr().out


def test_gradients_are_clipped_to_clip_grad(folder_dataset, tmp_path):
    clip = 1e-3  # far below this network's gradient norm, so every step is clipped
    trainer = Trainer.from_config(load_train_config(None, tiny_overrides(folder_dataset, tmp_path / "run", epochs=1, **{
        "optim.clip_grad": clip})))
    norms = []

    def record(optimizer, args, kwargs):
        grads = [p.grad for g in optimizer.param_groups for p in g["params"] if p.grad is not None]
        norms.append(float(torch.linalg.vector_norm(torch.stack([torch.linalg.vector_norm(g) for g in grads]))))

    trainer.optimizer.register_step_pre_hook(record)
    trainer.run()
    assert len(norms) == 4
    assert all(n <= clip * (1 + 1e-4) for n in norms)
    assert norms == pytest.approx([clip] * 4, rel=1e-3)  # clipped down to the limit, not merely small


def test_backbone_frozen_then_last_stages_trained_at_the_reduced_lr(folder_dataset, tmp_path):
    trainable, mult = 2, 0.1
    trainer = Recorder.from_config(load_train_config(None, tiny_overrides(folder_dataset, tmp_path / "run", **{
        "data.samples_per_epoch": 8, "optim.unfreeze_epoch": 1, "optim.backbone_trainable_stages": trainable,
        "optim.backbone_lr_mult": mult, "optim.warmup_epochs": 0})))
    trainer.run()
    start, after_frozen, after_released = trainer.states
    assert all(same(a, b) for a, b in zip(start, after_frozen, strict=True))  # epoch 0: nothing moved
    kept = len(start) - trainable
    assert all(same(a, b) for a, b in zip(after_frozen[:kept], after_released[:kept]))  # beyond the limit
    for before, after in zip(after_frozen[kept:], after_released[kept:]):
        changed = {k for k in before if not torch.equal(before[k], after[k])}
        assert any(k.endswith("running_mean") for k in changed) and any(k.endswith("weight") for k in changed)
    frozen = [lrs for epoch, lrs in trainer.lrs if epoch == 0]
    released = [lrs for epoch, lrs in trainer.lrs if epoch == 1]
    assert len(frozen) == len(released) == 2
    assert all(lrs["backbone"] == 0 and lrs["neck_head"] > 0 for lrs in frozen)
    assert all(lrs["backbone"] > 0 and lrs["backbone"] == pytest.approx(mult * lrs["neck_head"]) for lrs in released)


def test_resolved_config_and_tensorboard_events_sit_beside_the_checkpoints(folder_dataset, tmp_path):
    out = tmp_path / "run"
    cfg = load_train_config(None, tiny_overrides(folder_dataset, out, **{"optim.base_lr": 0.003}))
    Trainer.from_config(cfg).run()
    assert (out / "checkpoint.pt").is_file() and (out / "model.pt").is_file()
    saved = load_train_config(str(out / "config.yaml"), [])
    assert to_dict(saved) == to_dict(cfg) and saved.optim.base_lr == 0.003 and saved.optim.momentum == 0.9
    assert list((out / "tb").glob("events.out.tfevents.*"))
    events = EventAccumulator(str(out / "tb"))
    events.Reload()
    loss = events.Scalars("train/loss")
    assert [e.step for e in loss] == list(range(1, 9))
    csv_loss = np.genfromtxt(out / "metrics.csv", delimiter=",", names=True)["loss"]
    np.testing.assert_allclose([e.value for e in loss], csv_loss, rtol=1e-5)
    assert {"train/lr", "train/iou", "train/bad_data"} <= set(events.Tags()["scalars"])


def test_the_trainer_reads_a_typed_batch_that_names_every_field_the_datasets_yield(folder_dataset, tmp_path):
    """`to_device` turns the DataLoader's collated dict into a `PairBatch` on the device: every key a pair dataset
    yields is a typed field (bad-data counts are tallied, not carried), so a new key cannot pass untyped."""
    import dataclasses

    trainer = Trainer.from_config(load_train_config(None, tiny_overrides(folder_dataset, tmp_path / "run")))
    collated = default_collate([trainer.dataset[i] for i in range(3)])
    batch = trainer.to_device(collated)
    assert isinstance(batch, PairBatch) and len(batch) == 3
    assert {f.name for f in dataclasses.fields(PairBatch)} | {"data_issues"} == set(collated)
    size = trainer.net.config.template_size
    assert batch.z.shape == (3, 3, size, size) and batch.x.shape[0] == 3 and batch.ltrb.shape[1] == 4
    for field in dataclasses.fields(PairBatch):
        assert torch.equal(getattr(batch, field.name), collated[field.name])
    trainer.logger.close()
