"""The training loop: one CPU process or many GPUs under torchrun, AMP on CUDA, exact resume.

`Trainer.from_config(config).run()` trains `config.model` on Siamese pairs with SGD (warm-up then log decay), the
backbone frozen until `optim.unfreeze_epoch` and then trained at `backbone_lr_mult` x the LR, gradient clipping, and
non-finite/huge losses skipped (and counted). Bad data met by the data pipeline (counts that travel with each
batch from any worker and rank) is summed, logged and warned about. Rank 0 writes `checkpoint.pt` atomically every
`checkpoint_every` steps and at each epoch end, `epoch_NNN.pt` model files, `model.pt` at the end, `config.yaml`,
`metrics.csv` and TensorBoard events. `--resume` restores weights, optimizer, scaler, each rank's RNG and the
position inside the epoch (`RunPosition`).

The network is built before the trainer and handed to it: `Trainer.from_config` starts the process (distributed
group, seed), checks the run folder and builds the network with `build_net` (the search builds its supernet there).
"""

from __future__ import annotations

import time
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

import torch
from torch.nn.parallel import DistributedDataParallel
from tqdm import tqdm

from ..config import dump_yaml, load_config, to_dict
from ..errors import SeatError
from ..fileio import write_text_atomic
from ..models.checkpoint import checked_state, load_model, save_model
from ..models.registry import create_model
from ..models.seat import SeatNet
from .bad_data import DataIssueTally, describe_issues, listing_issues, warn_issues
from .batch import PairBatch
from .checkpoint import CHECKPOINT, load_training_state, rank_rng_state, rng_state, save_training_state, set_rng_state
from .config import TrainConfig
from .data import build_pair_dataset, epoch_loader
from .distributed import DistInfo, all_true, barrier, gather_to_main, shutdown
from .logger import RunLogger
from .losses import tracking_loss
from .position import RunPosition
from .schedule import learning_rate
from .start import start_process


def build_model(cfg: TrainConfig) -> SeatNet:
    """The network to train: a named model with optional Arch/overrides, optionally initialised from a file."""
    spec = cfg.model
    if spec.init_from:
        return load_model(spec.init_from).train()
    return create_model(spec.name, arch=spec.arch, pretrained_backbone=spec.pretrained_backbone, **spec.options)


def updated_bn_statistics(net: torch.nn.Module) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """(buffer, copy) of the running statistics of every BatchNorm layer a training forward will update (frozen
    layers are in eval mode and left out)."""
    return [(buffer, buffer.detach().clone()) for m in net.modules()
            if isinstance(m, torch.nn.modules.batchnorm._BatchNorm) and m.training and m.track_running_stats
            for buffer in (m.running_mean, m.running_var, m.num_batches_tracked)]


class Trainer:
    """Owns the network it is given, the data, optimizer and run folder; `run()` trains to `config.epochs`.

    `info` comes from `start_process` (which must run before `net` is built); `from_config` does all three steps.
    """

    find_unused_parameters = False  # DDP: True where steps leave parameters unused (the search's unsampled ops)
    train_holdout: str | None = None  # which share of sequence datasets the weight steps see (the search splits)
    position_type: type[RunPosition] = RunPosition  # the search adds its architecture-step counter

    @classmethod
    def from_config(cls, config: TrainConfig, resume: bool = False) -> Trainer:
        """Start the process, build the network (`build_net`) and the trainer: what `seattrack train` runs."""
        info = start_process(config, resume)
        return cls(config, cls.build_net(config), info, resume)

    @classmethod
    def build_net(cls, config: TrainConfig) -> SeatNet:
        """The network this kind of run trains."""
        return build_model(config)

    def __init__(self, config: TrainConfig, net: SeatNet, info: DistInfo, resume: bool = False):
        self.cfg = config
        self.info = info
        self.out_dir = Path(config.out_dir)
        self.net = net.to(info.device)
        self.dataset = build_pair_dataset(config.data, self.net, config.seed, holdout=self.train_holdout)
        self.val_dataset = (build_pair_dataset(config.data, self.net, config.seed + 1, config.data.val_samples,
                                               config.data.val_sources) if config.data.val_sources else None)
        self.optimizer = torch.optim.SGD(self._param_groups(), lr=config.optim.base_lr,
                                         momentum=config.optim.momentum, weight_decay=config.optim.weight_decay)
        self.use_amp = config.amp and self.info.device.type == "cuda"
        self.scaler = torch.amp.GradScaler("cuda", enabled=self.use_amp)
        self.data_issues = DataIssueTally()
        self._bn_before: list[tuple[torch.Tensor, torch.Tensor]] = []
        self.position = self.position_type(bad_data=listing_issues(self.dataset, self.val_dataset))
        self.setup()
        if resume:
            self._resume()
        self._ddp: DistributedDataParallel | None = None
        self._ddp_frozen: bool | None = None
        self.logger = RunLogger(self.out_dir, self.position.global_step, self.info.is_main)
        if self.info.is_main:
            write_text_atomic(self.out_dir / "config.yaml", dump_yaml(config))

    # ------------------------------------------------------------------------------------------------ setup
    def trainable_weights(self) -> list[torch.nn.Parameter]:
        """Parameters the weight optimizer owns (the search excludes its architecture parameters)."""
        return list(self.net.parameters())

    def _param_groups(self) -> list[dict[str, Any]]:
        backbone = list(self.net.backbone.parameters())
        ids = {id(p) for p in backbone}
        rest = [p for p in self.trainable_weights() if id(p) not in ids and p.requires_grad]
        return [{"params": rest, "name": "neck_head"}, {"params": backbone, "name": "backbone"}]

    def _resume(self) -> None:
        path = self.out_dir / CHECKPOINT
        state = load_training_state(path)
        try:
            self.net.load_state_dict(checked_state(state.get("model"), self.net.state_dict()))
            self.optimizer.load_state_dict(state["optimizer"])
            self.scaler.load_state_dict(state["scaler"])
            self.position = replace(self.position, **state["position"])
        except (SeatError, KeyError, ValueError, TypeError) as exc:  # a checkpoint written by another model or recipe
            raise SeatError(f"{path}: cannot resume this run from it ({str(exc).splitlines()[0][:160]}); resume with "
                            "the config that wrote it, or start a new out_dir") from None
        rng = rank_rng_state(state["rng"], self.info.rank)
        if rng is None:
            print(f"rank {self.info.rank}: {CHECKPOINT} holds no RNG state for this rank; it keeps its fresh seed")
        else:
            set_rng_state(rng)
        self.load_extra_state(state.get("extra", {}))
        if self.info.is_main:
            print(f"resuming {self.out_dir} at epoch {self.position.epoch} step {self.position.step}")

    # --------------------------------------------------------------------------------------------- hooks
    def setup(self) -> None:
        """Build extra state before a resume restores it (the search builds its arch optimizer here)."""

    def before_step(self, epoch: int, step: int) -> None:
        """Called before each weight step (the search samples its candidate ops here)."""

    def extra_state(self) -> dict[str, Any]:
        """Additional checkpoint content (the search adds its architecture parameters)."""
        return {}

    def load_extra_state(self, state: dict[str, Any]) -> None:
        """Restore what `extra_state` saved."""

    # --------------------------------------------------------------------------------------------- model
    def model(self) -> torch.nn.Module:
        """The module to call: DDP-wrapped when distributed (re-wrapped when the frozen set changes)."""
        if not self.info.enabled:
            return self.net
        if self._ddp is None or self._ddp_frozen != self.net.backbone_frozen:
            self._ddp = DistributedDataParallel(self.net, device_ids=[self.info.device.index]
                                                if self.info.device.type == "cuda" else None,
                                                find_unused_parameters=self.find_unused_parameters)
            self._ddp_frozen = self.net.backbone_frozen
        return self._ddp

    def set_lr(self, epoch: int, step: int, steps: int) -> float:
        cfg = self.cfg.optim
        lr = learning_rate(cfg, self.cfg.epochs, epoch, step, steps)
        for group in self.optimizer.param_groups:
            if group.get("name") == "backbone":
                group["lr"] = 0.0 if self.net.backbone_frozen else lr * cfg.backbone_lr_mult
            elif group.get("name") == "neck_head":
                group["lr"] = lr
        return lr

    def forward_loss(self, batch: PairBatch) -> dict[str, torch.Tensor]:
        """The losses of one batch; the statistics of the BatchNorm layers this forward updates are kept, for
        `optimizer_step` to restore if the step is skipped."""
        self._bn_before = updated_bn_statistics(self.net)
        with torch.autocast(self.info.device.type, enabled=self.use_amp):
            cls, ltrb = self.model()(batch.z, batch.x, batch.z_box)
        return tracking_loss(cls.float(), ltrb.float(), batch, self.cfg.optim.cls_weight, self.cfg.optim.reg_weight)

    def optimizer_step(self, losses: dict[str, torch.Tensor], optimizer: torch.optim.Optimizer,
                       params: list[torch.nn.Parameter]) -> bool:
        """Backward + clip + step; a non-finite or huge loss on any rank skips the step everywhere.

        A skipped step leaves the model as it was: no weight changes and the forward's BatchNorm statistics undone
        (a non-finite forward would otherwise leave NaN running statistics behind).
        """
        loss = losses["loss"]
        value = loss.detach()
        ok = bool(torch.isfinite(value)) and float(value) < self.cfg.optim.max_loss
        if not all_true(ok, self.info):
            optimizer.zero_grad(set_to_none=True)
            with torch.no_grad():
                for buffer, before in self._bn_before:
                    buffer.copy_(before)
            self.position.skipped += 1
            return False
        optimizer.zero_grad(set_to_none=True)
        self.scaler.scale(loss).backward()
        if self.cfg.optim.clip_grad > 0:
            self.scaler.unscale_(optimizer)
            torch.nn.utils.clip_grad_norm_([p for p in params if p.grad is not None], self.cfg.optim.clip_grad)
        self.scaler.step(optimizer)
        self.scaler.update()
        return True

    def to_device(self, batch: dict[str, torch.Tensor]) -> PairBatch:
        """The collated batch, typed, on the training device; its per-pair bad-data counts are tallied instead."""
        if "data_issues" in batch:
            self.data_issues.add(batch["data_issues"])
        return PairBatch.from_collated(batch, self.info.device)

    def sync_data_issues(self) -> dict[str, int]:
        """Every rank's bad-data counts so far, added to `position.bad_data` (a collective call)."""
        return self.data_issues.sync(self.position.bad_data, self.info)

    # ----------------------------------------------------------------------------------------------- loop
    def run(self) -> Path:
        """Train to the configured number of epochs; returns the final model file."""
        try:
            while self.position.epoch < self.cfg.epochs:
                epoch = self.position.epoch
                self.net.freeze_backbone(epoch < self.cfg.optim.unfreeze_epoch,
                                         self.cfg.optim.backbone_trainable_stages)
                self.run_epoch(epoch)
                self.end_epoch(epoch)
            final = self.finalize()
            barrier(self.info)
            return final
        finally:
            self.logger.close()
            shutdown(self.info)

    def run_epoch(self, epoch: int) -> None:
        self.train_pass(epoch, self.dataset)

    def train_pass(self, epoch: int, dataset, desc: str = "train") -> None:
        """Weight steps over this rank's share of `dataset` for `epoch`, from the saved position."""
        cfg = self.cfg
        loader, steps = epoch_loader(dataset, cfg.data, self.info, epoch, cfg.seed, self.position.step)
        self.net.train()
        params = [p for g in self.optimizer.param_groups for p in g["params"]]
        bar = tqdm(total=steps, initial=self.position.step, desc=f"epoch {epoch} {desc}",
                   disable=not self.info.is_main, dynamic_ncols=True)
        tick, seen = time.perf_counter(), 0
        for batch in loader:
            step = self.position.step
            lr = self.set_lr(epoch, step, steps)
            self.before_step(epoch, step)
            batch = self.to_device(batch)
            losses = self.forward_loss(batch)
            self.optimizer_step(losses, self.optimizer, params)
            seen += len(batch) * self.info.world_size
            self.position.step += 1
            self.position.global_step += 1
            rate = seen / max(time.perf_counter() - tick, 1e-9)
            if self.position.global_step % max(cfg.log_every, 1) == 0:
                self.log_step(epoch, step, lr, rate, losses)
            bar.update(1)
            bar.set_postfix(loss=f"{losses['loss'].item():.3f}", iou=f"{losses['iou'].item():.3f}",
                            pairs_s=f"{rate:.1f}", bad_data=sum(self.position.bad_data.values()))
            if cfg.checkpoint_every and self.position.global_step % cfg.checkpoint_every == 0:
                self.save_checkpoint()
        bar.close()

    def log_step(self, epoch: int, step: int, lr: float, rate: float, losses: dict[str, torch.Tensor]) -> None:
        """A metrics.csv row and TensorBoard scalars, with the bad-data totals of all ranks (a collective call)."""
        global_step = self.position.global_step
        bad = self.sync_data_issues()
        self.logger.log({"epoch": epoch, "step": step, "global_step": global_step, "lr": lr, "pairs_per_s": rate,
                         "skipped": self.position.skipped, "bad_data": sum(bad.values()),
                         **{k: float(v.detach()) for k, v in losses.items()}})
        for reason, count in bad.items():
            self.logger.scalar(f"data/{reason}", count, global_step)

    def replica_difference(self) -> float:
        """Max |w_rank - w_rank0| over all parameters and ranks (0.0 for one process): DDP must keep it 0."""
        if not self.info.enabled:
            return 0.0
        import torch.distributed as dist

        flat = torch.cat([p.detach().reshape(-1).float() for p in self.net.parameters()])
        reference = flat.clone()
        dist.broadcast(reference, src=0)
        diff = (flat - reference).abs().max().reshape(1)
        dist.all_reduce(diff, op=dist.ReduceOp.MAX)
        return float(diff.item())

    def end_epoch(self, epoch: int) -> None:
        drift = self.replica_difference()
        if self.info.enabled and self.info.is_main:
            print(f"epoch {epoch}: weights on {self.info.world_size} ranks differ by at most {drift:.3g}")
        if self.val_dataset is not None and self.info.is_main:
            stats = self.validate(epoch)
            for key, value in stats.items():
                self.logger.scalar(f"val/{key}", value, self.position.global_step)
            print(f"epoch {epoch} validation: " + ", ".join(f"{k} {v:.4f}" for k, v in stats.items()))
        totals = self.sync_data_issues()
        if self.info.is_main:
            warn_issues(totals, epoch)
        self.position.epoch = epoch + 1
        self.position.step = 0
        if self.info.is_main:
            self.save_epoch_output(epoch)
        self.save_checkpoint()

    def save_epoch_output(self, epoch: int) -> None:
        """A standalone model file per epoch (the field tests several epochs' weights)."""
        save_model(self.net, self.out_dir / f"epoch_{epoch + 1:03d}.pt")

    def finalize(self) -> Path:
        """Write the run's final output on rank 0 and return its path."""
        final = self.out_dir / "model.pt"
        if self.info.is_main:
            save_model(self.net, final)
            print(self.summary())
        return final

    @torch.no_grad()
    def validate(self, epoch: int) -> dict[str, float]:
        """Mean loss and IoU on the fixed validation pairs (the same pairs every epoch)."""
        self.net.eval()
        self.val_dataset.epoch = 0
        loader = torch.utils.data.DataLoader(self.val_dataset, batch_size=self.cfg.data.batch_size,
                                             num_workers=self.cfg.data.workers)
        totals: dict[str, float] = {}
        count = 0
        for batch in loader:
            batch = self.to_device(batch)
            cls, ltrb = self.net(batch.z, batch.x, batch.z_box)
            losses = tracking_loss(cls, ltrb, batch, self.cfg.optim.cls_weight, self.cfg.optim.reg_weight)
            for k, v in losses.items():
                totals[k] = totals.get(k, 0.0) + float(v) * len(batch)
            count += len(batch)
        self.net.train()
        return {k: v / max(count, 1) for k, v in totals.items()}

    def save_checkpoint(self) -> None:
        """`checkpoint.pt` on rank 0 with every rank's RNG state (a collective call)."""
        self.sync_data_issues()
        rng = gather_to_main(rng_state(), self.info)
        if self.info.is_main:
            save_training_state(self.out_dir / CHECKPOINT, self.net, self.optimizer, self.scaler, asdict(self.position),
                                to_dict(self.cfg), rng, self.extra_state())
        barrier(self.info)

    def summary(self) -> str:
        return (f"trained {self.cfg.model.name} for {self.cfg.epochs} epochs ({self.position.global_step} steps, "
                f"{self.position.skipped} skipped for a non-finite or huge loss, "
                f"{describe_issues(self.position.bad_data)}); model: {self.out_dir / 'model.pt'}; "
                f"logs: {self.out_dir / 'metrics.csv'}, {self.out_dir / 'tb'}")


def load_train_config(path: str | None, overrides: list[str]) -> TrainConfig:
    """TrainConfig from a YAML recipe (optional) and dotted overrides."""
    return load_config(TrainConfig, path, overrides)
