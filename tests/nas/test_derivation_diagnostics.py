"""Path log-probability against the uniform-beta prior, the joint-probability derivation, entropy, margins and the
movement verdict, on hand-set alpha and beta; and the files a real search writes beside its derivations."""

import json
import math

import numpy as np
import torch

from seattrack.nas.derive import derive_arch, joint_path, viterbi_path
from seattrack.nas.diagnostics import (
    arch_path,
    derivation_report,
    normalised_entropy,
    path_log_probability,
    top1_margin,
)
from seattrack.nas.space import SearchSpace, layer_name
from seattrack.nas.supernet import Supernet, initial_logits
from tests.nas.conftest import all_archs
from tests.nas.test_search_run import free_run  # noqa: F401 - fixture
from tests.train.conftest import folder_dataset  # noqa: F401 - fixture

SMALL = SearchSpace(widths=[16, 32], layers=[1, 1], connect=2, ops=["wavemlp_k3_t4", "wavemlp_k7_t8_dw"])


def logits(*probs: float) -> torch.Tensor:
    return torch.log(torch.tensor(probs))


def test_path_log_probability_against_the_uniform_prior():
    space = SearchSpace(widths=[16, 32, 64, 96], layers=[0, 0, 0, 0], connect=2)
    betas = {"0": logits(0.1, 0.9), "1": logits(0.5, 0.4, 0.1), "2": logits(0.8, 0.1, 0.1), "3": logits(0.3, 0.7),
             "4": logits(1.0)}
    assert math.isclose(path_log_probability(space, betas, [0, 2, 3]), math.log(0.9 * 0.8 * 0.7), rel_tol=1e-6)
    uniform = {k: torch.zeros_like(v) for k, v in betas.items()}
    assert math.isclose(path_log_probability(space, uniform, [0, 2, 3]), math.log(1 / 2 * 1 / 3 * 1 / 2),
                        rel_tol=1e-6)


def joint_log_probability(space: SearchSpace, alphas, betas, path: list[int], choice: list[tuple]) -> float:
    total = path_log_probability(space, betas, path)
    for prev, block, (ch, ph) in zip(path, path[1:], choice):
        total += float(torch.log_softmax(alphas[layer_name(("ch", prev, block))], 0)[space.ch_ops.index(ch)])
        total += sum(float(torch.log_softmax(alphas[layer_name(("ph", block, ell))], 0)[space.ph_ops.index(op)])
                     for ell, op in enumerate(ph))
    return total


def test_joint_derivation_is_the_most_probable_architecture():
    """Brute force over every architecture of a tiny space, for random alpha and beta."""
    for seed in range(5):
        torch.manual_seed(seed)
        alphas, betas = initial_logits(SMALL, seed)
        alphas = {k: torch.randn_like(v) for k, v in alphas.items()}
        betas = {k: torch.randn_like(v) for k, v in betas.items()}
        best = max(all_archs(SMALL, 64, 64), key=lambda a: joint_log_probability(SMALL, alphas, betas, a[0], a[1]))
        assert derive_arch(SMALL, alphas, betas, 64, 64, mode="joint") == best[2]


def test_joint_derivation_prices_the_uncertain_ops_viterbi_ignores():
    """beta prefers block 2 (0.4 against 0.6 x 0.5 for either path through block 1), but block 2's ops are a coin
    toss while block 1's are certain: joint probability 0.3 through block 1 alone, 0.4 x 1/2 x 1/3 via block 2."""
    alphas, _ = initial_logits(SMALL, 0)
    alphas = {k: torch.zeros_like(v) for k, v in alphas.items()}
    alphas[layer_name(("ch", 0, 1))] = torch.tensor([20.0, 0.0])
    alphas[layer_name(("ph", 1, 0))] = torch.tensor([20.0, 0.0, 0.0])
    betas = {"0": logits(0.6, 0.4), "1": logits(0.5, 0.5), "2": logits(1.0)}
    probs = {int(k): torch.softmax(v, 0) for k, v in betas.items()}
    assert viterbi_path(SMALL, probs) == [0, 2]
    assert joint_path(SMALL, alphas, betas) == [0, 1]
    arch = derive_arch(SMALL, alphas, betas, 64, 64, mode="joint")
    assert arch_path(SMALL, arch) == [0, 1] and arch.blocks[0].ch_op == "wavemlp_k3_t4"


def test_entropy_and_margin():
    assert math.isclose(normalised_entropy(torch.zeros(12), 1.0), 1.0)
    assert normalised_entropy(torch.tensor([30.0, 0, 0]), 1.0) < 1e-10
    assert top1_margin(torch.zeros(5), 1.0) == 0.0
    assert math.isclose(top1_margin(logits(0.6, 0.3, 0.1), 1.0), 0.3, rel_tol=1e-6)


def test_an_arch_from_unmoved_logits_is_not_called_searched():
    net = Supernet(SMALL, 64, 64, seed=3)
    alphas, betas = dict(net.alphas.items()), dict(net.betas.items())
    report = derivation_report(SMALL, alphas, betas, derive_arch(SMALL, alphas, betas, 64, 64), 3, 0.5)
    assert not report["searched"] and report["alpha"]["movement"] == 0 and report["beta"]["entropy"] > 0.999
    shifted = {k: v + 5.0 for k, v in alphas.items()}  # a common shift: the same distribution, no movement
    assert derivation_report(SMALL, shifted, betas, derive_arch(SMALL, shifted, betas, 64, 64), 3,
                             0.5)["alpha"]["movement"] < 1e-6
    moved_a = {k: v + torch.eye(len(v))[0] for k, v in alphas.items()}  # one logit up by 1 in every layer
    moved_b = {k: v + torch.eye(len(v))[0] for k, v in betas.items()}
    report = derivation_report(SMALL, moved_a, moved_b, derive_arch(SMALL, moved_a, moved_b, 64, 64), 3, 0.5)
    assert report["searched"] and np.isclose(report["alpha"]["movement"], 1.0)
    assert not derivation_report(SMALL, moved_a, betas, derive_arch(SMALL, moved_a, betas, 64, 64), 3,
                                 0.5)["searched"]  # beta did not move


def test_a_search_logs_diagnostics_and_keeps_an_alpha_beta_history(free_run):  # noqa: F811
    out, epochs = free_run.out_dir, free_run.cfg.epochs
    history = json.loads((out / "arch_history.json").read_text())
    assert [h["epoch"] for h in history] == list(range(epochs))
    assert history[-1]["alphas"] == {k: v.detach().tolist() for k, v in free_run.supernet.alphas.items()}
    log = json.loads((out / "search_log.json").read_text())
    for entry in log:
        d = entry["diagnostics"]
        assert d["path_logp"] <= 0 and d["path_logp_uniform"] <= 0 and isinstance(d["searched"], bool)
        assert {"entropy", "margin_mean", "margin_min", "movement"} <= set(d["alpha"]) == set(d["beta"])
    final = json.loads((out / "derivation.json").read_text())
    assert final["arch_json"] == json.loads((out / "arch.json").read_text())
    assert final["diagnostics"] == log[-1]["diagnostics"]
