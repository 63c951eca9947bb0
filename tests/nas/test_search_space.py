import numpy as np
import pytest
import torch

from seattrack.errors import SeatError
from seattrack.models import create_model, model_config
from seattrack.models.complexity import model_cost
from seattrack.nas.cost import CostModel, build_cost_table
from seattrack.nas.derive import derive_arch, viterbi_path
from seattrack.nas.space import SearchSpace, layer_name
from seattrack.nas.supernet import Supernet
from tests.nas.conftest import all_archs, all_paths

SPACE = SearchSpace(widths=[16, 32, 64], layers=[1, 1, 1], connect=2)


def test_space_connectivity():
    assert SPACE.out_edges(0) == [1, 2]
    assert SPACE.out_edges(1) == [2, 3, 4] and SPACE.out_edges(3) == [4]  # 4 is the tail
    assert SPACE.in_edges(3) == [1, 2]
    with pytest.raises(SeatError, match="increasing"):
        SearchSpace(widths=[32, 16], layers=[1, 1])


def path_probability(space: SearchSpace, probs: dict[int, torch.Tensor], path: list[int]) -> float:
    p = 1.0
    for a, b in zip(path, path[1:] + [space.tail]):
        p *= float(probs[a][space.out_edges(a).index(b)])
    return p


def test_viterbi_picks_the_known_best_path():
    space = SearchSpace(widths=[16, 32, 64, 96], layers=[0, 0, 0, 0], connect=2)
    # hand-set transition probabilities: best path 0 -> 2 -> 3 -> tail (0.9 * 0.8 * 0.7)
    probs = {0: torch.tensor([0.1, 0.9]), 1: torch.tensor([0.5, 0.4, 0.1]), 2: torch.tensor([0.8, 0.1, 0.1]),
             3: torch.tensor([0.3, 0.7]), 4: torch.tensor([1.0])}
    assert viterbi_path(space, probs) == [0, 2, 3]
    probs[0] = torch.tensor([0.9, 0.1])  # node 0 now prefers block 1: the best path is found by exhaustive search
    best = max(all_paths(space), key=lambda path: path_probability(space, probs, path))
    assert viterbi_path(space, probs) == best and best[:2] == [0, 1]


def test_derivation_takes_argmax_ops_and_drops_skips():
    space = SearchSpace(widths=[16, 32], layers=[2, 1], connect=2)
    sn = Supernet(space, 24, 40)
    with torch.no_grad():
        for p in sn.alphas.values():
            p.zero_()
        sn.betas["0"].copy_(torch.tensor([5.0, 0.0]))  # 0 -> 1
        sn.betas["1"].copy_(torch.tensor([0.0, 5.0]))  # 1 -> tail
        sn.alphas[layer_name(("ch", 0, 1))][space.ch_ops.index("wavemlp_k7_t8_dw")] = 3
        sn.alphas[layer_name(("ph", 1, 0))][space.ph_ops.index("skip_connect")] = 3
        sn.alphas[layer_name(("ph", 1, 1))][space.ph_ops.index("wavemlp_k3_t4")] = 3
    arch = derive_arch(space, dict(sn.alphas.items()), dict(sn.betas.items()), 24, 40)
    assert arch.to_dict() == {"blocks": [{"width": 16, "ch_op": "wavemlp_k7_t8_dw", "ph_ops": ["wavemlp_k3_t4"]}],
                              "last_dim": 40}


def test_supernet_runs_only_sampled_ops_and_matches_shapes():
    sn = Supernet(SPACE, 24, 40).train()
    sn.sample_by_alpha(np.random.default_rng(0), 2)
    assert all(len(v) == 2 for v in sn.choice.values())
    y = sn(torch.randn(2, 24, 8, 8))
    assert y.shape == (2, 40, 8, 8)
    y.mean().backward()
    for name, mixed in sn.mixed.items():
        used = set(sn.choice[name])
        for k, op in enumerate(mixed.candidates):
            grads = [p.grad for p in op.parameters()]
            if not grads:  # identity skip: nothing to train
                continue
            if k in used:
                assert any(g is not None and g.abs().sum() > 0 for g in grads), (name, k)
            else:
                assert all(g is None for g in grads), (name, k)


@pytest.mark.parametrize("tau", [0.5, 1.0])
def test_rescaling_leaves_unsampled_probabilities_unchanged(tau):
    space = SearchSpace(widths=[16], layers=[1], connect=1, temperature=tau)
    sn = Supernet(space, 16, 16)
    name = layer_name(("ph", 1, 0))
    with torch.no_grad():
        sn.alphas[name].copy_(torch.linspace(-1, 1, len(space.ph_ops)))
    sn.choice = {k: [0, 1] for k in sn.choice}
    before = {k: v.detach().clone() for k, v in sn.alphas.items()}
    with torch.no_grad():
        sn.alphas[name] += torch.randn(len(space.ph_ops), generator=torch.Generator().manual_seed(0))  # a step
    sn.keep_unsampled_probabilities(before)
    p_before, p_after = (torch.softmax(a / tau, 0) for a in (before[name], sn.alphas[name].detach()))
    torch.testing.assert_close(p_after[2:], p_before[2:])  # unsampled ops keep their probability
    torch.testing.assert_close(p_after[:2].sum(), p_before[:2].sum())  # the sampled pair keeps its total mass
    assert not torch.allclose(p_after[:2], p_before[:2])  # but moved within the pair


def test_alpha_and_beta_do_not_depend_on_the_global_rng():
    """The trainer seeds the global RNG with seed + rank: alpha and beta must be the same on every rank."""
    nets = []
    for global_seed in (0, 1):
        torch.manual_seed(global_seed)
        nets.append(Supernet(SPACE, 24, 40, seed=7))
    for a, b in zip(nets[0].arch_parameters(), nets[1].arch_parameters()):
        assert torch.equal(a, b) and a.abs().max() > 0
    other = Supernet(SPACE, 24, 40, seed=8)
    assert not torch.equal(nets[0].arch_parameters()[0], other.arch_parameters()[0])


def test_gradients_reach_alpha_and_beta_through_the_cost(tmp_path):
    cfg = model_config("seat_lite", template_size=63, search_size=127)
    table = build_cost_table(cfg, SPACE, "macs", cache_dir=tmp_path)
    sn = Supernet(SPACE, cfg.fusion_dim, cfg.arch.last_dim)
    sn.sample_by_alpha(np.random.default_rng(1), 2)
    cost = CostModel(table, SPACE, cfg.fusion_dim, cfg.arch.last_dim).expected(sn)
    torch.log(cost).backward()
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in sn.betas.values() if len(p) > 1)
    assert all(sn.alphas[k].grad[sn.choice[k]].abs().sum() > 0 for k in sn.alphas)


def test_cost_table_is_cached_and_reused(tmp_path, monkeypatch):
    import seattrack.nas.cost as cost

    cfg = model_config("seat_lite", template_size=63, search_size=127)
    space = SearchSpace(widths=[16, 32], layers=[1, 1], connect=1, ops=["wavemlp_k3_t4", "wavemlp_k5_t4_dw"])
    calls = []
    real = cost._measure
    monkeypatch.setattr(cost, "_measure", lambda *a: calls.append(a) or real(*a))
    first = build_cost_table(cfg, space, "latency", threads=1, cache_dir=tmp_path, runs=3)
    measured = len(calls)
    assert measured == len(first.entries) > 0 and first.path.is_file()
    second = build_cost_table(cfg, space, "latency", threads=1, cache_dir=tmp_path, runs=3)
    assert len(calls) == measured  # nothing measured again
    assert second.entries == first.entries and second.fixed == first.fixed
    assert all(v > 0 for k, v in second.entries.items() if not k.startswith("skip_connect|16|16"))


def test_derived_arch_macs_equal_the_table_prediction(tmp_path):
    cfg = model_config("seat_lite", template_size=63, search_size=127)
    table = build_cost_table(cfg, SPACE, "macs", cache_dir=tmp_path)
    model = CostModel(table, SPACE, cfg.fusion_dim, cfg.arch.last_dim)
    sn = Supernet(SPACE, cfg.fusion_dim, cfg.arch.last_dim)
    with torch.no_grad():
        for p in list(sn.alphas.values()) + list(sn.betas.values()):
            p.normal_()
    arch = derive_arch(SPACE, dict(sn.alphas.items()), dict(sn.betas.items()), cfg.fusion_dim, cfg.arch.last_dim)
    net = create_model("seat_lite", arch=arch, pretrained_backbone=False, template_size=63, search_size=127)
    measured = model_cost(net).frame_macs
    assert measured == model.arch_cost(arch)


def test_budget_derivation_is_the_most_probable_arch_in_the_window(tmp_path):
    """Brute force over every architecture of a tiny space: the DP must find the best one within the budget."""
    from seattrack.nas.derive import derive_arch_within_budget

    space = SearchSpace(widths=[16, 32], layers=[1, 1], connect=2, ops=["wavemlp_k3_t4", "wavemlp_k7_t8_dw"])
    cfg = model_config("seat_lite", template_size=63, search_size=127)
    model = CostModel(build_cost_table(cfg, space, "macs", cache_dir=tmp_path), space, 64, 64)
    torch.manual_seed(3)
    sn = Supernet(space, 64, 64)
    with torch.no_grad():
        for p in list(sn.alphas.values()) + list(sn.betas.values()):
            p.normal_()
    logp = {k: torch.log_softmax(v.detach(), 0) for k, v in list(sn.alphas.items())}
    edge = {int(k): torch.softmax(v.detach(), 0) for k, v in sn.betas.items()}

    def score(path: list[int], choice: list[tuple]) -> float:
        total = np.log(path_probability(space, edge, path))
        for prev, block, (ch, ph) in zip(path, path[1:], choice):
            total += float(logp[layer_name(("ch", prev, block))][space.ch_ops.index(ch)])
            total += sum(float(logp[layer_name(("ph", block, ell))][space.ph_ops.index(op)])
                         for ell, op in enumerate(ph))
        return total

    candidates = [(score(path, choice), model.arch_cost(arch) - model.table.fixed, arch)
                  for path, choice, arch in all_archs(space, 64, 64)]
    assert len(candidates) == 6 + 6 + 6 * 6  # paths [0,1], [0,2], [0,1,2]; 2 CH x 3 PH candidates per block
    costs = sorted(c for _, c, _ in candidates)
    for budget in (costs[len(costs) // 4], costs[len(costs) // 2], costs[-3]):
        low, high = 0.9 * budget, 1.1 * budget
        best = max((s, a.to_json()) for s, c, a in candidates if low <= c <= high)
        found = derive_arch_within_budget(space, dict(sn.alphas.items()), dict(sn.betas.items()), 64, 64, model,
                                          low, high)
        assert found.to_json() == best[1]


def test_cost_tables_default_to_the_user_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("SEATTRACK_CACHE", str(tmp_path))
    cfg = model_config("seat_lite", template_size=63, search_size=127)
    table = build_cost_table(cfg, SearchSpace(widths=[16], layers=[1], connect=1), "macs")
    assert table.path.parent == tmp_path / "costs" and table.path.is_file()


def test_onnxruntime_latency_table(tmp_path):
    cfg = model_config("seat_lite", template_size=63, search_size=127)
    space = SearchSpace(widths=[16], layers=[1], connect=1, ops=["wavemlp_k3_t4_dw"])
    table = build_cost_table(cfg, space, "latency_ort", threads=1, cache_dir=tmp_path, runs=3)
    assert table.unit == "ms" and table.fixed > 0
    assert table.op("wavemlp_k3_t4_dw", 64, 16) > 0 and table.tail(16, 64) > 0
    assert "latency_ort" in table.path.name


@pytest.mark.parametrize("scope", ["rfm", "network"])
def test_target_derivation_keeps_viterbi_when_it_lands_and_otherwise_takes_the_dp(tmp_path, scope):
    from seattrack.nas.derive import BUDGET_DP, VITERBI, derive_for_target, derive_from_supernet, scoped_cost

    space = SearchSpace(widths=[16, 32, 64], layers=[1, 1, 1], connect=2, ops=["wavemlp_k3_t4_dw", "wavemlp_k7_t8"])
    cfg = model_config("seat_lite", template_size=63, search_size=127)
    model = CostModel(build_cost_table(cfg, space, "macs", cache_dir=tmp_path), space, 64, 64)
    sn = Supernet(space, 64, 64)
    with torch.no_grad():  # Viterbi + argmax = the longest path with the costliest ops: far from a cheap target
        for name, alpha in sn.alphas.items():
            alpha[int(torch.argmax(model.layer_costs[name]))] = 3.0
        for beta in sn.betas.values():
            beta[0] = 3.0  # edge i -> i + 1
    viterbi = derive_from_supernet(sn)
    costs = sorted(scoped_cost(model, arch, scope) for _, _, arch in all_archs(space, 64, 64))
    assert scoped_cost(model, viterbi, scope) == costs[-1]
    for target, expected in ((costs[-1], VITERBI), (0.97 * costs[-1], VITERBI), (costs[0], BUDGET_DP)):
        arch, method = derive_for_target(sn, model, target, scope)
        assert method == expected and abs(scoped_cost(model, arch, scope) - target) <= 0.1 * target
        assert (arch == viterbi) == (method == VITERBI)
