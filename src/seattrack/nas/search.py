"""The alternating architecture search (spec §5.2): `seattrack search CONFIG [--resume]`.

Warm-up epochs train the supernet's weights with uniformly sampled ops. Each later epoch runs an architecture
pass on a held-out split (Adam on alpha and beta; loss = task loss + lambda * log(cost) / log(base); two ops
sampled per layer from softmax(alpha); afterwards unsampled logits are restored and the sampled ones shifted so
that their total probability is unchanged), then a weight pass on the training split. Ops are sampled from an RNG
seeded by (seed, epoch, step, pass), so all ranks sample the same ops and a resumed run repeats them exactly.

Target-cost mode (`search.target`): lambda becomes a controller, updated after every architecture step by
`lambda += target_gain * log(cost(Viterbi + argmax Arch) / target)`, so lambda grows while the derived network is
too costly and shrinks (down to negative values, which reward cost) while it is too cheap. Each epoch's and the
final derivation keep the Viterbi + argmax Arch when it lands within 10 % of the target and otherwise take the
budget-constrained DP (nas/derive.py); the log says which.
"""

from __future__ import annotations

import contextlib
import json
import math
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch.nn.parallel import DistributedDataParallel
from tqdm import tqdm

from ..config import load_config, to_dict
from ..errors import SeatError
from ..fileio import write_json_atomic
from ..models.arch import Arch
from ..models.complexity import count_params
from ..models.registry import model_config
from ..models.rfm import RFM
from ..models.seat import ModelConfig, SeatNet
from ..train.batch import PairBatch
from ..train.config import TrainConfig
from ..train.data import build_pair_dataset, epoch_loader
from ..train.distributed import DistInfo, all_sum, all_true, barrier
from ..train.engine import Trainer
from ..train.position import RunPosition
from .cost import SCOPES, CostModel, build_cost_table
from .derive import DERIVATIONS, derive_from_supernet, derive_search, scoped_cost
from .diagnostics import derivation_report, describe_report
from .space import SearchSpace
from .supernet import Supernet

ARCH_SEED_OFFSET = 7919  # the architecture pass's pairs and shuffling are seeded apart from the weight pass's
MIN_LOGIT_MOVEMENT = 0.5  # below this possible movement (lr x architecture steps) the search cannot learn


@dataclass
class SearchSettings:
    space: SearchSpace = field(default_factory=SearchSpace)
    warmup_epochs: int = 1
    arch_fraction: float = 0.1
    alpha_lr: float = 3e-4
    beta_lr: float = 3e-4
    arch_weight_decay: float = 1e-3
    weight_sample_num: int = 1
    arch_sample_num: int = 2
    metric: str = "macs"
    cost_device: str = "cpu"
    cost_threads: int = 1
    cost_cache: str | None = None
    lam: float = 0.1
    log_base: float = 15.0
    penalty_scope: str = "rfm"
    derivation: str = "viterbi"
    min_movement: float = 0.5
    target: float | None = None
    target_scope: str = "network"
    target_gain: float = 0.05


@dataclass
class SearchConfig(TrainConfig):
    search: SearchSettings = field(default_factory=SearchSettings)
    out_dir: str = "runs/search"


@dataclass
class SearchPosition(RunPosition):
    arch_step: int = 0  # architecture steps done in the epoch


class SearchTrainer(Trainer):
    """Trainer whose RFM is the MCAS supernet, with alternating architecture and weight passes."""

    find_unused_parameters = True
    train_holdout = "weights"
    position_type = SearchPosition
    position: SearchPosition

    @classmethod
    def from_config(cls, config: SearchConfig, resume: bool = False) -> SearchTrainer:
        s = config.search
        for name in ("target_scope", "penalty_scope"):
            if getattr(s, name) not in SCOPES:
                raise SeatError(f"search.{name} {getattr(s, name)!r}: expected {' or '.join(SCOPES)}")
        if s.derivation not in DERIVATIONS:
            raise SeatError(f"search.derivation {s.derivation!r}: expected {' or '.join(DERIVATIONS)}")
        return super().from_config(config, resume)

    @classmethod
    def build_net(cls, config: SearchConfig) -> SeatNet:
        """The named model with the MCAS supernet as its RFM."""
        spec = config.model
        if spec.init_from:
            raise SeatError("model.init_from cannot be combined with a search supernet")
        model_cfg = model_config(spec.name, spec.arch, **spec.options)
        supernet = Supernet(config.search.space, model_cfg.fusion_dim, model_cfg.arch.last_dim, seed=config.seed)
        return SeatNet(model_cfg, spec.pretrained_backbone, rfm=supernet)

    def __init__(self, config: SearchConfig, net: SeatNet, info: DistInfo, resume: bool = False):
        self.supernet: Supernet = net.rfm
        self.model_cfg: ModelConfig = net.config
        super().__init__(config, net, info, resume)

    # --------------------------------------------------------------------------------------------- setup
    def trainable_weights(self) -> list[torch.nn.Parameter]:
        arch = {id(p) for p in self.supernet.arch_parameters()}
        return [p for p in self.net.parameters() if id(p) not in arch]

    def setup(self) -> None:
        s = self.cfg.search
        self.arch_optimizer = torch.optim.Adam(
            [{"params": list(self.supernet.alphas.values()), "lr": s.alpha_lr},
             {"params": list(self.supernet.betas.values()), "lr": s.beta_lr}],
            betas=(0.5, 0.999), weight_decay=s.arch_weight_decay)
        self.lam = s.lam
        if self.info.is_main:
            self.cost_model = self._cost_model(s.metric)
        barrier(self.info)
        if not self.info.is_main:
            self.cost_model = self._cost_model(s.metric)  # read from the cache rank 0 wrote
        self.macs_model = self.cost_model if s.metric == "macs" else self._cost_model("macs")
        samples = max(int(self.cfg.data.samples_per_epoch * s.arch_fraction),
                      self.cfg.data.batch_size * self.info.world_size)
        self.arch_dataset = build_pair_dataset(self.cfg.data, self.net, self.cfg.seed + ARCH_SEED_OFFSET, samples,
                                               holdout="arch")
        if s.target is not None:
            self.derive()  # an unreachable budget is a one-line error now, not after the first epoch
        if self.info.is_main:
            for message in movement_warnings(self.cfg, self.info.world_size):
                warnings.warn(message, stacklevel=2)

    def _cost_model(self, metric: str) -> CostModel:
        s = self.cfg.search
        table = build_cost_table(self.model_cfg, s.space, metric, s.cost_device, s.cost_threads, s.cost_cache)
        return CostModel(table, s.space, self.model_cfg.fusion_dim, self.model_cfg.arch.last_dim)

    def extra_state(self) -> dict[str, Any]:
        return {
            "search": True, "space": to_dict(self.cfg.search.space), "c0": self.supernet.c0,
            "last_dim": self.supernet.last_dim, "model_config": to_dict(self.model_cfg),
            "alphas": {k: v.detach().cpu() for k, v in self.supernet.alphas.items()},
            "betas": {k: v.detach().cpu() for k, v in self.supernet.betas.items()},
            "arch_optimizer": self.arch_optimizer.state_dict(), "lam": self.lam, "seed": self.cfg.seed,
            "derivation": self.cfg.search.derivation, "min_movement": self.cfg.search.min_movement,
            "cost": {"metric": self.cfg.search.metric, "device": self.cfg.search.cost_device,
                     "threads": self.cfg.search.cost_threads, "cache": self.cfg.search.cost_cache,
                     "target": self.cfg.search.target, "target_scope": self.cfg.search.target_scope},
        }

    def load_extra_state(self, state: dict[str, Any]) -> None:
        self.arch_optimizer.load_state_dict(state["arch_optimizer"])
        self.lam = state["lam"]

    # ---------------------------------------------------------------------------------------- sampling
    def _rng(self, epoch: int, step: int, phase: int) -> np.random.Generator:
        return np.random.default_rng([self.cfg.seed, epoch, step, phase])

    def before_step(self, epoch: int, step: int) -> None:
        k = self.cfg.search.weight_sample_num
        if epoch < self.cfg.search.warmup_epochs:
            self.supernet.sample_uniform(self._rng(epoch, step, 0), k)
        else:
            self.supernet.sample_by_alpha(self._rng(epoch, step, 0), k)

    # ------------------------------------------------------------------------------------------- passes
    def run_epoch(self, epoch: int) -> None:
        if epoch >= self.cfg.search.warmup_epochs:
            self.arch_pass(epoch)
        self.train_pass(epoch, self.dataset, desc="weights")

    def arch_pass(self, epoch: int) -> None:
        """Architecture steps over the held-out split, from the saved position."""
        s = self.cfg.search
        loader, steps = epoch_loader(self.arch_dataset, self.cfg.data, self.info, epoch,
                                     self.cfg.seed + ARCH_SEED_OFFSET, self.position.arch_step)
        self.net.train()
        bar = tqdm(total=steps, initial=self.position.arch_step, desc=f"epoch {epoch} arch",
                   disable=not self.info.is_main, dynamic_ncols=True)
        with self._no_weight_sync():
            for batch in loader:
                self.supernet.sample_by_alpha(self._rng(epoch, self.position.arch_step, 1), s.arch_sample_num)
                losses = self.arch_loss(self.to_device(batch))
                before = {k: v.detach().clone() for k, v in self.supernet.alphas.items()}
                if self.arch_step(losses):
                    self.supernet.keep_unsampled_probabilities(before)
                self.position.arch_step += 1
                if s.target is not None:
                    self._update_lambda()
                bar.update(1)
                bar.set_postfix(loss=f"{losses['loss'].detach().item():.3f}", cost=f"{float(losses['cost']):.4g}",
                                lam=f"{self.lam:.3f}")
        bar.close()

    def arch_loss(self, batch: PairBatch) -> dict[str, torch.Tensor]:
        """Task losses of `batch` plus the cost penalty lambda * log(expected cost) / log(base) in `loss`; the cost
        is the searched part's (`penalty_scope` rfm) or the whole network's (network)."""
        s = self.cfg.search
        losses = self.forward_loss(batch)
        cost = self.cost_model.expected(self.supernet, scope=s.penalty_scope)
        losses["cost"] = cost.detach()
        losses["loss"] = losses["loss"] + self.lam * torch.log(cost) / math.log(s.log_base)
        return losses

    def _no_weight_sync(self) -> contextlib.AbstractContextManager:
        """Under DDP, forwards that prepare no all-reduce of weight gradients (architecture steps compute none)."""
        model = self.model()
        return model.no_sync() if isinstance(model, DistributedDataParallel) else contextlib.nullcontext()

    def arch_gradients(self, loss: torch.Tensor) -> list[torch.Tensor | None]:
        """d loss / d(alpha, beta) alone, averaged over ranks: no weight gradient is computed or all-reduced."""
        params = self.supernet.arch_parameters()
        grads = list(torch.autograd.grad(loss, params, allow_unused=True))
        if self.info.enabled:
            used = [g for g in grads if g is not None]
            flat = all_sum(torch.cat([g.reshape(-1) for g in used]), self.info) / self.info.world_size
            for g, avg in zip(used, torch.split(flat, [g.numel() for g in used])):
                g.copy_(avg.view_as(g))
        return grads

    def arch_step(self, losses: dict[str, torch.Tensor]) -> bool:
        """Adam step on alpha and beta from their gradients alone; the weights' .grad is left as it was.

        As the weight step (`Trainer.optimizer_step`): a non-finite or huge loss on any rank skips the step
        everywhere and undoes the forward's BatchNorm statistics.
        """
        loss = losses["loss"]
        ok = bool(torch.isfinite(loss.detach())) and float(loss.detach()) < self.cfg.optim.max_loss
        self.arch_optimizer.zero_grad(set_to_none=True)
        if not all_true(ok, self.info):
            with torch.no_grad():
                for buffer, before in self._bn_before:
                    buffer.copy_(before)
            self.position.skipped += 1
            return False
        params = self.supernet.arch_parameters()
        for p, g in zip(params, self.arch_gradients(self.scaler.scale(loss))):
            p.grad = g
        if self.cfg.optim.clip_grad > 0:
            self.scaler.unscale_(self.arch_optimizer)
            torch.nn.utils.clip_grad_norm_([p for p in params if p.grad is not None], self.cfg.optim.clip_grad)
        self.scaler.step(self.arch_optimizer)
        self.scaler.update()
        return True

    def derive(self) -> tuple[Arch, str]:
        """The current derived Arch and how it was derived (`search.derivation`, or the budget DP in target mode)."""
        s = self.cfg.search
        return derive_search(self.supernet, self.cost_model, s.target, s.target_scope, s.derivation)

    def _update_lambda(self) -> None:
        """The target-cost controller: lambda += gain * log(cost of the plain derivation's Arch / target)."""
        s = self.cfg.search
        current = scoped_cost(self.cost_model, derive_from_supernet(self.supernet, s.derivation), s.target_scope)
        self.lam += s.target_gain * math.log(max(current, 1e-12) / s.target)

    # ------------------------------------------------------------------------------------------ epochs
    def end_epoch(self, epoch: int) -> None:
        arch, method = self.derive()
        report = {**self.describe(arch), "derivation": method}
        if self.info.is_main:
            print(f"epoch {epoch} derived arch ({method}): {report['arch']} | params {report['params'] / 1e6:.3f} M | "
                  f"MACs {report['macs'] / 1e9:.4f} G | predicted {self.cfg.search.metric} "
                  f"{report['predicted']:.4g} {self.cost_model.table.unit} | lambda {self.lam:.4f}\n  "
                  + describe_report(report["diagnostics"]))
            write_json_atomic(self.out_dir / "search_log.json", self._append_log("search_log.json", epoch, report))
            write_json_atomic(self.out_dir / "arch_history.json", self._append_log("arch_history.json", epoch, {
                "alphas": {k: v.detach().cpu().tolist() for k, v in self.supernet.alphas.items()},
                "betas": {k: v.detach().cpu().tolist() for k, v in self.supernet.betas.items()}}))
            self.logger.scalar("search/macs", report["macs"], self.position.global_step)
            self.logger.scalar("search/lambda", self.lam, self.position.global_step)
        self.position.arch_step = 0
        self._derived = arch
        super().end_epoch(epoch)

    def save_epoch_output(self, epoch: int) -> None:
        self._derived.save(self.out_dir / f"arch_epoch_{epoch + 1:03d}.json")

    def finalize(self) -> Path:
        final = self.out_dir / "arch.json"
        if self.info.is_main:
            arch, method = self.derive()
            arch.save(final)
            report = {**self.describe(arch), "derivation": method}
            write_json_atomic(self.out_dir / "derivation.json", report)
            print(f"searched {self.cfg.epochs} epochs ({self.position.global_step} weight steps, "
                  f"{self.position.skipped} skipped); derived Arch ({method}): {final}; "
                  f"log: {self.out_dir / 'search_log.json'}, {self.out_dir / 'derivation.json'}\n"
                  f"{describe_report(report['diagnostics'])}"
                  f"\nretrain it: seattrack train RECIPE model.arch={final}")
        return final

    def describe(self, arch: Arch) -> dict[str, Any]:
        """Derived arch with its params, MACs and predicted cost (spec §5.2 logs this every epoch)."""
        fixed_params = count_params(self.net) - count_params(self.supernet)
        return {
            "arch": arch.describe(), "arch_json": arch.to_dict(),
            "params": fixed_params + count_params(RFM(arch, self.supernet.c0)),
            "macs": self.macs_model.arch_cost(arch), "predicted": self.cost_model.arch_cost(arch),
            "lambda": self.lam, "diagnostics": derivation_report(
                self.supernet.space, dict(self.supernet.alphas.items()), dict(self.supernet.betas.items()), arch,
                self.cfg.seed, self.cfg.search.min_movement),
        }

    def _append_log(self, name: str, epoch: int, entry: dict[str, Any]) -> list[dict[str, Any]]:
        """The run folder's per-epoch list `name` up to `epoch` (a resumed run rewrites its repeated epochs)."""
        path = self.out_dir / name
        log = json.loads(path.read_text()) if path.is_file() else []
        return [r for r in log if r["epoch"] < epoch] + [{"epoch": epoch, **entry}]


def arch_steps(cfg: SearchConfig, world_size: int = 1) -> int:
    """Architecture steps of the whole search: search epochs x batches of each rank's share of the arch split."""
    s, d = cfg.search, cfg.data
    samples = max(int(d.samples_per_epoch * s.arch_fraction), d.batch_size * world_size)
    return max(cfg.epochs - s.warmup_epochs, 0) * ((samples // world_size) // d.batch_size)


def movement_warnings(cfg: SearchConfig, world_size: int = 1) -> list[str]:
    """One message per logit group (alpha, beta) whose possible movement, lr x architecture steps (Adam moves a
    logit by about lr per step), is below MIN_LOGIT_MOVEMENT: such a search derives its initialisation noise."""
    steps = arch_steps(cfg, world_size)
    return [f"search.{name}_lr {lr:g} x {steps} architecture steps can move a logit by at most {lr * steps:.3g} "
            f"(< {MIN_LOGIT_MOVEMENT}): the derived Arch will reflect initialisation, not learning; raise the lr, "
            "epochs or search.arch_fraction"
            for name, lr in (("alpha", cfg.search.alpha_lr), ("beta", cfg.search.beta_lr))
            if lr * steps < MIN_LOGIT_MOVEMENT]


def load_search_config(path: str | None, overrides: list[str]) -> SearchConfig:
    """SearchConfig from a YAML recipe (optional) and dotted overrides."""
    return load_config(SearchConfig, path, overrides)
