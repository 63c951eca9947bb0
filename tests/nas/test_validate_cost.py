"""`seattrack validate-cost`: a cost table against whole-network measurements of random architectures (tiny crops,
few architectures and repeats; timings are never asserted, only the report's structure and finiteness)."""

import json
import math
import subprocess
import sys

import numpy as np

from seattrack.models import model_config
from seattrack.nas.space import SearchSpace
from seattrack.nas.validate import random_arch, validate_cost_table

SPACE = SearchSpace(widths=[16, 32], layers=[1, 1], connect=2, ops=["wavemlp_k3_t4_dw", "wavemlp_k7_t8"])
TINY = {"template_size": 63, "search_size": 127}


def test_random_architectures_belong_to_the_space():
    rng = np.random.default_rng(0)
    archs = [random_arch(SPACE, 64, 64, rng) for _ in range(20)]
    assert {tuple(b.width for b in a.blocks) for a in archs} == {(16,), (32,), (16, 32)}  # every path of the space
    assert all(b.ch_op in SPACE.ch_ops and set(b.ph_ops) <= set(SPACE.ops) for a in archs for b in a.blocks)


def test_an_onnxruntime_table_against_whole_networks(tmp_path):
    report = validate_cost_table(model_config("seat_lite", **TINY), SPACE, "latency_ort", archs=3, runs=3,
                                 cache_dir=str(tmp_path))
    assert report["unit"] == "ms" and report["threads"] == 1 and len(report["rows"]) == 3
    assert all(r["predicted"] > 0 and r["measured"] > 0 for r in report["rows"])
    assert math.isfinite(report["mean_relative_error"]) and -1 <= report["spearman"] <= 1


def test_validate_cost_command_on_a_macs_table_is_exact(tmp_path):
    """MACs are counted, not timed: the table's sum equals the whole network's count, so the error is 0."""
    recipe = tmp_path / "recipe.yaml"
    recipe.write_text("model: {name: seat_lite, options: {template_size: 63, search_size: 127}}\n"
                      f"search: {{metric: macs, cost_cache: {tmp_path / 'c'}, space: {{widths: [16, 32], "
                      "layers: [1, 1], connect: 2, ops: [wavemlp_k3_t4_dw, wavemlp_k7_t8]}}\n")
    out = tmp_path / "report.json"
    result = subprocess.run([sys.executable, "-m", "seattrack", "validate-cost", str(recipe), "--archs", "4",
                             "--json", str(out)], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads(out.read_text())
    assert report["metric"] == "macs" and len(report["rows"]) == 4 and report["mean_relative_error"] == 0
    assert "Spearman" in result.stdout
