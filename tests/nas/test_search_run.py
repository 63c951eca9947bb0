"""Tiny real searches on a real on-disk dataset (seconds each): decoupling, the target-cost controller, the derive
command, SIGKILL resume, torchrun."""

import json
import os
import subprocess
import sys

import pytest
import torch

from seattrack.models import load_model
from seattrack.models.arch import Arch
from seattrack.models.checkpoint import read_checkpoint
from seattrack.nas.derive import BUDGET_DP, VITERBI, derive_checkpoint, derive_from_supernet, scoped_cost
from seattrack.nas.search import SearchTrainer, load_search_config
from seattrack.train.engine import Trainer, load_train_config
from tests.nas.conftest import all_archs
from tests.processes import sigkill_when
from tests.train.conftest import folder_dataset, tiny_overrides  # noqa: F401 - fixture
from tests.train.test_engine import _write_cfg

FOUR_OPS = ("{widths: [16, 32, 64], layers: [1, 1, 1], connect: 2, ops: [wavemlp_k3_t4_dw, wavemlp_k7_t8, "
            "wavemlp_k5_t4, wavemlp_k3_t8_dw]}")
# 5 search epochs x 8 arch steps: enough for lambda to dominate the task loss on this tiny search
DECOUPLING = {"epochs": 6, "data.samples_per_epoch": 32, "search.arch_fraction": 1.0, "search.space": FOUR_OPS}


def search_overrides(root, out_dir, cache, **extra) -> list[str]:
    """tiny_overrides plus a tiny search: 3 widths, 1 PH layer each, 1 warm-up epoch, fast arch learning rates."""
    return tiny_overrides(root, out_dir, **{
        "model.pretrained_backbone": "true", "epochs": 3, "optim.unfreeze_epoch": 99,
        "search.space": "{widths: [16, 32, 64], layers: [1, 1, 1], connect: 2}", "search.warmup_epochs": 1,
        "search.arch_fraction": 0.5, "search.alpha_lr": 0.3, "search.beta_lr": 0.3, "search.cost_cache": str(cache),
        **extra})


def run_search(*args, **kw) -> SearchTrainer:
    trainer = SearchTrainer.from_config(load_search_config(None, search_overrides(*args, **kw)))
    trainer.run()
    return trainer


def viterbi_cost(trainer: SearchTrainer) -> float:
    """RFM MACs of the plain Viterbi + argmax derivation (what the controller steers)."""
    return scoped_cost(trainer.macs_model, derive_from_supernet(trainer.supernet), "rfm")


def expected_cost(trainer: SearchTrainer) -> float:
    """Expected MACs under the full softmax distribution of alpha and beta."""
    return trainer.cost_model.expected(trainer.supernet, subset=False).item()


@pytest.fixture(scope="module")
def free_run(folder_dataset, tmp_path_factory):  # noqa: F811
    """The lambda = 0 search every cost comparison is made against."""
    root = tmp_path_factory.mktemp("free")
    return run_search(folder_dataset, root / "run", root / "c", **DECOUPLING, **{"search.lam": 0.0})


def rfm_cost_range(trainer: SearchTrainer) -> tuple[float, float]:
    """Cheapest and costliest RFM MACs over every architecture of the trainer's search space (brute force)."""
    net = trainer.supernet
    costs = [scoped_cost(trainer.macs_model, arch, "rfm") for _, _, arch in all_archs(net.space, net.c0, net.last_dim)]
    return min(costs), max(costs)


@pytest.fixture(scope="module", params=["below", "above"])
def target_run(request, free_run, folder_dataset, tmp_path_factory):  # noqa: F811
    """A controlled search (lambda starts at 0) with an RFM MACs target near the cheapest or the costliest
    architecture of the space: well below or well above the free run's derivation."""
    cheapest, costliest = rfm_cost_range(free_run)
    target = 1.05 * cheapest if request.param == "below" else 0.95 * costliest
    root = tmp_path_factory.mktemp("target")
    trainer = run_search(folder_dataset, root / "run", root / "c", **DECOUPLING, **{
        "search.target": target, "search.target_scope": "rfm", "search.target_gain": 1.0, "search.lam": 0.0})
    return trainer, target


def test_a_large_lambda_derives_a_cheaper_network(free_run, folder_dataset, tmp_path):  # noqa: F811
    costly = run_search(folder_dataset, tmp_path / "lam", tmp_path / "c", **DECOUPLING, **{"search.lam": 5.0})
    assert viterbi_cost(costly) < viterbi_cost(free_run)
    assert expected_cost(costly) < expected_cost(free_run)  # the whole distribution moved, not only its argmax
    assert (tmp_path / "lam" / "arch.json").is_file() and (tmp_path / "lam" / "search_log.json").is_file()


def test_the_lambda_controller_moves_the_search_toward_the_target(target_run, free_run):
    """Without the budget DP: the controlled distribution and its Viterbi + argmax Arch move toward the target."""
    trainer, target = target_run
    cheapest, costliest = rfm_cost_range(free_run)
    assert 1.2 * cheapest < viterbi_cost(free_run) < 0.8 * costliest  # the premise: the free run lands mid-range
    sign = 1.0 if target < viterbi_cost(free_run) else -1.0  # +1: the network must get cheaper
    assert sign * trainer.lam > 0  # lambda rose above 0 (target below) or fell below 0 (target above)
    assert sign * (expected_cost(free_run) - expected_cost(trainer)) > 0
    assert sign * (viterbi_cost(free_run) - viterbi_cost(trainer)) > 0
    assert abs(viterbi_cost(trainer) - target) < abs(viterbi_cost(free_run) - target)


def test_target_cost_mode_lands_within_ten_percent(target_run):
    trainer, target = target_run
    out = trainer.out_dir
    written = Arch.load(out / "arch.json")
    assert abs(scoped_cost(trainer.macs_model, written, "rfm") - target) <= 0.1 * target
    viterbi_lands = abs(viterbi_cost(trainer) - target) <= 0.1 * target
    log = json.loads((out / "search_log.json").read_text())
    assert log[-1]["derivation"] == (VITERBI if viterbi_lands else BUDGET_DP)  # the log says which one was used
    if viterbi_lands:
        assert written == derive_from_supernet(trainer.supernet)
    arch, note, _ = derive_checkpoint(out / "checkpoint.pt")  # `seattrack derive` honours the checkpoint's target
    assert arch == written and note.startswith(log[-1]["derivation"])


def test_derive_command_writes_an_arch_that_trains(free_run, folder_dataset, tmp_path):  # noqa: F811
    out = tmp_path / "arch.json"
    result = subprocess.run([sys.executable, "-m", "seattrack", "derive", str(free_run.out_dir / "checkpoint.pt"),
                             "--out", str(out)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    arch = Arch.load(out)
    assert arch == Arch.load(free_run.out_dir / "arch.json") and VITERBI in result.stdout
    assert "entropy alpha" in result.stdout and "searched" in result.stdout  # the diagnostics and verdict
    trainer = Trainer.from_config(load_train_config(None, tiny_overrides(folder_dataset, tmp_path / "retrain", **{
        "model.arch": str(out), "epochs": 1, "data.samples_per_epoch": 4})))
    model = load_model(trainer.run())
    assert trainer.position.global_step == 1 and trainer.position.skipped == 0  # one real training step
    assert model.config.arch == arch


def _search_cmd(args: list[str]) -> list[str]:
    return [sys.executable, "-m", "seattrack", "search", *args]


def test_sigkill_mid_epoch_then_resume_matches_an_uninterrupted_search(folder_dataset, tmp_path):  # noqa: F811
    """Killed inside a search epoch's weight pass (after its arch pass); the resumed run's last epoch has another
    arch pass, so the restored Adam moments of alpha and beta are used too."""
    straight, killed, cache = tmp_path / "straight", tmp_path / "killed", tmp_path / "c"
    subprocess.run(_search_cmd(_write_cfg(tmp_path, search_overrides(folder_dataset, straight, cache,
                                                                     checkpoint_every=2))),
                   check=True, capture_output=True)
    args = _write_cfg(tmp_path, search_overrides(folder_dataset, killed, cache, checkpoint_every=2))
    csv = killed / "metrics.csv"  # a header, then one row per weight step; 4 weight steps per epoch
    sigkill_when(_search_cmd(args), lambda: csv.is_file() and len(csv.read_text().splitlines()) >= 1 + 4 + 3)
    assert not (killed / "arch.json").exists(), "the search finished before it could be killed"
    state = read_checkpoint(killed / "checkpoint.pt")
    assert state["position"]["epoch"] == 1 and state["position"]["step"] > 0  # mid search epoch
    assert state["position"]["arch_step"] == 2  # its arch pass was done
    subprocess.run(_search_cmd(args + ["--resume"]), check=True, capture_output=True)
    a, b = (read_checkpoint(d / "checkpoint.pt") for d in (straight, killed))
    tol = {"rtol": 1e-5, "atol": 1e-6}
    torch.testing.assert_close(b["model"], a["model"], **tol)  # every weight, alpha and beta
    for key in ("alphas", "betas"):
        torch.testing.assert_close(b["extra"][key], a["extra"][key], **tol)
    opt_a, opt_b = a["extra"]["arch_optimizer"], b["extra"]["arch_optimizer"]
    assert opt_a["state"] and opt_a["param_groups"] == opt_b["param_groups"]
    torch.testing.assert_close(opt_b["state"], opt_a["state"], **tol)  # Adam moments and step counts
    assert a["position"] == b["position"] and Arch.load(straight / "arch.json") == Arch.load(killed / "arch.json")


@pytest.mark.parametrize("warmup, epochs", [(1, 2), (0, 1)], ids=["warmup_1", "warmup_0"])
def test_torchrun_search_keeps_alpha_and_beta_identical(folder_dataset, tmp_path, warmup, epochs):  # noqa: F811
    """With warm-up 0 the first step is an arch step that samples ops before DDP first broadcasts the weights."""
    torchrun = os.path.join(os.path.dirname(sys.executable), "torchrun")
    args = search_overrides(folder_dataset, tmp_path / "ddp", tmp_path / "c", epochs=epochs,
                            **{"search.warmup_epochs": warmup})
    result = subprocess.run([torchrun, "--standalone", "--nproc_per_node", "2", "-m", "seattrack", "search",
                             *_write_cfg(tmp_path, args)], capture_output=True, text=True, timeout=400)
    assert result.returncode == 0, result.stderr[-3000:]
    # parameters include alpha and beta: the check runs after the last epoch's architecture pass
    assert f"epoch {epochs - 1}: weights on 2 ranks differ by at most 0" in result.stdout, result.stdout[-2000:]
    assert (tmp_path / "ddp" / "arch.json").is_file()
