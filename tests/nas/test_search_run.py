"""Tiny real searches on a real on-disk dataset (seconds each): decoupling, target cost, resume, torchrun."""

import os
import subprocess
import sys

import pytest
import torch

from seattrack.nas.cost import CostModel, build_cost_table
from seattrack.nas.search import SearchTrainer, load_search_config
from seattrack.train.checkpoint import load_training_state
from tests.train.conftest import folder_dataset  # noqa: F401 - fixture


def search_overrides(root, out_dir, cache, **extra) -> list[str]:
    base = {
        "model.name": "seat_lite", "model.options": "{template_size: 63, search_size: 127}",
        "data.sources": f"[{{name: folder, root: {root}, frame_range: 4}}]", "data.samples_per_epoch": 16,
        "data.batch_size": 4, "epochs": 3, "optim.unfreeze_epoch": 99, "out_dir": str(out_dir), "threads": 1,
        "search.space": "{widths: [16, 32, 64], layers: [1, 1, 1], connect: 2}", "search.warmup_epochs": 1,
        "search.arch_fraction": 0.5, "search.alpha_lr": 0.3, "search.beta_lr": 0.3, "search.cost_cache": str(cache),
        "log_every": 1,
    }
    base.update(extra)
    return [f"{k}={v}" for k, v in base.items()]


def run_search(*args, **kw):
    trainer = SearchTrainer(load_search_config(None, search_overrides(*args, **kw)))
    trainer.run()
    return trainer


def derived_cost(trainer, scope="network"):
    arch = trainer.derive()
    cost = trainer.macs_model.arch_cost(arch)
    return cost - trainer.macs_model.table.fixed if scope == "rfm" else cost


def test_a_large_lambda_derives_a_cheaper_network(folder_dataset, tmp_path):  # noqa: F811
    settings = {"epochs": 4, "search.arch_fraction": 1.0, "search.space": (
        "{widths: [16, 32, 64], layers: [1, 1, 1], connect: 2, ops: [wavemlp_k3_t4_dw, wavemlp_k7_t8, "
        "wavemlp_k5_t4, wavemlp_k3_t8_dw]}")}
    free = run_search(folder_dataset, tmp_path / "free", tmp_path / "c", **settings, **{"search.lam": 0.0})
    costly = run_search(folder_dataset, tmp_path / "lam", tmp_path / "c", **settings, **{"search.lam": 5.0})
    assert derived_cost(costly) < derived_cost(free)
    full = [t.cost_model.expected(t.supernet, subset=False).item() for t in (free, costly)]
    assert full[1] < full[0]  # the whole distribution moved to cheaper networks, not only its argmax
    assert (tmp_path / "lam" / "arch.json").is_file() and (tmp_path / "lam" / "search_log.json").is_file()


def test_target_cost_mode_lands_within_ten_percent(folder_dataset, tmp_path):  # noqa: F811
    from seattrack.models import model_config
    from seattrack.nas.space import SearchSpace

    cfg = model_config("seat_lite", template_size=63, search_size=127)
    space = SearchSpace(widths=[16, 32, 64], layers=[1, 1, 1], connect=2)
    model = CostModel(build_cost_table(cfg, space, "macs", cache_dir=tmp_path / "c"), space, 64, 64)
    from seattrack.models.arch import Arch, ArchBlock

    budget = model.arch_cost(Arch([ArchBlock(32, "wavemlp_k5_t4", ["wavemlp_k3_t4_dw"])], 64)) - model.table.fixed
    trainer = run_search(folder_dataset, tmp_path / "t", tmp_path / "c", epochs=5, **{
        "search.target": budget, "search.target_scope": "rfm", "search.target_gain": 0.5, "search.lam": 0.0})
    landed = derived_cost(trainer, "rfm")
    assert abs(landed - budget) <= 0.1 * budget, (landed, budget)
    from seattrack.models.arch import Arch as ArchFile

    written = ArchFile.load(tmp_path / "t" / "arch.json")
    assert abs(model.arch_cost(written) - model.table.fixed - budget) <= 0.1 * budget
    assert trainer.lam != 0.0  # the controller moved lambda


def test_search_resumes_exactly(folder_dataset, tmp_path, monkeypatch):  # noqa: F811
    straight = run_search(folder_dataset, tmp_path / "a", tmp_path / "c")
    original = SearchTrainer.end_epoch

    def stop_after_first_search_epoch(self, epoch):
        original(self, epoch)
        if epoch == 1:
            raise KeyboardInterrupt

    monkeypatch.setattr(SearchTrainer, "end_epoch", stop_after_first_search_epoch)
    with pytest.raises(KeyboardInterrupt):
        run_search(folder_dataset, tmp_path / "b", tmp_path / "c")
    monkeypatch.setattr(SearchTrainer, "end_epoch", original)
    resumed = SearchTrainer(load_search_config(None, search_overrides(folder_dataset, tmp_path / "b", tmp_path / "c")),
                            resume=True)
    resumed.run()
    for key in straight.supernet.alphas:
        torch.testing.assert_close(straight.supernet.alphas[key], resumed.supernet.alphas[key])
    for key in straight.supernet.betas:
        torch.testing.assert_close(straight.supernet.betas[key], resumed.supernet.betas[key])
    state = load_training_state(tmp_path / "b" / "checkpoint.pt")
    assert state["extra"]["arch_optimizer"]["state"]  # Adam moments travel with the checkpoint


def test_torchrun_search_keeps_alpha_and_beta_identical(folder_dataset, tmp_path):  # noqa: F811
    torchrun = os.path.join(os.path.dirname(sys.executable), "torchrun")
    recipe = tmp_path / "r.yaml"
    recipe.write_text("{}\n")
    args = search_overrides(folder_dataset, tmp_path / "ddp", tmp_path / "c", epochs=2)
    result = subprocess.run([torchrun, "--standalone", "--nproc_per_node", "2", "-m", "seattrack", "search",
                             str(recipe), *args], capture_output=True, text=True, timeout=400)
    assert result.returncode == 0, result.stderr[-3000:]
    # parameters include alpha and beta: the check runs after the architecture pass of epoch 1
    assert "epoch 1: weights on 2 ranks differ by at most 0" in result.stdout, result.stdout[-2000:]
    assert (tmp_path / "ddp" / "arch.json").is_file()
