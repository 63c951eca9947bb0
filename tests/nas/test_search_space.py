import numpy as np
import pytest
import torch

from seattrack.errors import SeatError
from seattrack.models import create_model, model_config
from seattrack.models.complexity import model_cost
from seattrack.nas.cost import CostModel, build_cost_table
from seattrack.nas.derive import derive_arch, viterbi_path
from seattrack.nas.search import SearchTrainer
from seattrack.nas.space import SearchSpace, layer_name
from seattrack.nas.supernet import Supernet

SPACE = SearchSpace(widths=[16, 32, 64], layers=[1, 1, 1], connect=2)


def test_space_connectivity():
    assert SPACE.out_edges(0) == [1, 2]
    assert SPACE.out_edges(1) == [2, 3, 4] and SPACE.out_edges(3) == [4]  # 4 is the tail
    assert SPACE.in_edges(3) == [1, 2]
    with pytest.raises(SeatError, match="increasing"):
        SearchSpace(widths=[32, 16], layers=[1, 1])


def test_viterbi_picks_the_known_best_path():
    space = SearchSpace(widths=[16, 32, 64, 96], layers=[0, 0, 0, 0], connect=2)
    # hand-set transition probabilities: best path 0 -> 2 -> 3 -> tail (0.9 * 0.8 * 0.7)
    probs = {0: torch.tensor([0.1, 0.9]), 1: torch.tensor([0.5, 0.4, 0.1]), 2: torch.tensor([0.8, 0.1, 0.1]),
             3: torch.tensor([0.3, 0.7]), 4: torch.tensor([1.0])}
    assert viterbi_path(space, probs) == [0, 2, 3]
    probs[0] = torch.tensor([0.9, 0.1])  # now 0 -> 1 -> tail wins: 0.9 * 0.1 ... vs 0.9*0.5*... compute
    path = viterbi_path(space, probs)
    # exhaustive check of the most probable path
    best, best_path = 0.0, None
    for route in ([0, 1], [0, 1, 2], [0, 1, 3], [0, 1, 2, 3], [0, 1, 2, 4], [0, 1, 3, 4], [0, 2], [0, 2, 3],
                  [0, 2, 4], [0, 2, 3, 4], [0, 1, 2, 3, 4], [0, 2, 3, 4]):
        p = 1.0
        for a, b in zip(route, route[1:] + [5]):
            edges = space.out_edges(a)
            if b not in edges:
                p = 0.0
                break
            p *= float(probs[a][edges.index(b)])
        if p > best:
            best, best_path = p, route
    assert path == best_path


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


def test_rescaling_leaves_unsampled_probabilities_unchanged():
    space = SearchSpace(widths=[16], layers=[1], connect=1)
    sn = Supernet(space, 16, 16)
    trainer = SearchTrainer.__new__(SearchTrainer)
    trainer.supernet = sn
    name = layer_name(("ph", 1, 0))
    with torch.no_grad():
        sn.alphas[name].copy_(torch.linspace(-1, 1, len(space.ph_ops)))
    sn.choice = {k: [0, 1] for k in sn.choice}
    before = {k: v.detach().clone() for k, v in sn.alphas.items()}
    p_before = torch.softmax(before[name], 0)
    with torch.no_grad():
        sn.alphas[name] += torch.randn(len(space.ph_ops))  # an optimizer step touched every logit
    trainer._keep_unsampled_probabilities(before)
    p_after = torch.softmax(sn.alphas[name].detach(), 0)
    torch.testing.assert_close(p_after[2:], p_before[2:])  # unsampled ops keep their probability
    torch.testing.assert_close(p_after[:2].sum(), p_before[:2].sum())  # the sampled pair keeps its total mass
    assert not torch.allclose(p_after[:2], p_before[:2])  # but moved within the pair


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
    measured = {r.part: r.macs for r in model_cost(net)}["per frame (search branch)"]
    assert measured == model.arch_cost(arch)


def test_budget_derivation_is_the_most_probable_arch_in_the_window(tmp_path):
    """Brute force over every architecture of a tiny space: the DP must find the best one within the budget."""
    import itertools

    from seattrack.models.arch import Arch, ArchBlock
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
    edge = {int(k): torch.log_softmax(v.detach(), 0) for k, v in sn.betas.items()}
    candidates = []
    for path in ([1], [2], [1, 2]):
        nodes = [0] + path
        score = sum(float(edge[a][space.out_edges(a).index(b)]) for a, b in zip(nodes, nodes[1:] + [space.tail]))
        per_block = []
        for prev, block in zip(nodes, path):
            ch = [(op, float(logp[layer_name(("ch", prev, block))][k])) for k, op in enumerate(space.ch_ops)]
            ph = [(op, float(logp[layer_name(("ph", block, 0))][k])) for k, op in enumerate(space.ph_ops)]
            per_block.append([(ArchBlock(space.widths[block - 1], c, [] if p == "skip_connect" else [p]), lc + lp)
                              for (c, lc), (p, lp) in itertools.product(ch, ph)])
        for combo in itertools.product(*per_block):
            arch = Arch([b for b, _ in combo], 64)
            candidates.append((score + sum(s for _, s in combo), model.arch_cost(arch) - model.table.fixed, arch))
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
