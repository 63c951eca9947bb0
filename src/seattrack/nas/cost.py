"""Cost lookup tables for the search (spec §5.1): per-op cost at the real tensor shapes, cached, and the
differentiable expected cost of the supernet.

Metrics:
- `macs`: multiply-accumulates, device-free; Wave-MLP/skip/tail entries use the analytic count of spec §2.2
  (equal to fvcore's count, checked by the test suite); fixed parts (backbone, adjust, CFM search part, head) are
  counted with fvcore (models/complexity.py).
- `latency`: median milliseconds measured with PyTorch on this machine (CPU with `threads`, or CUDA, synchronised).
- `latency_ort`: median milliseconds of each op exported to ONNX and run by ONNX Runtime with `threads` threads.

Tables are cached as JSON under `cache_dir` keyed by metric, device, threads, library versions and shapes, and
only missing entries are measured.
"""

from __future__ import annotations

import hashlib
import json
import os
import statistics
import tempfile
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import torch
from torch import nn

from ..errors import SeatError
from ..fileio import write_json_atomic
from ..hardware import cache_dir as user_cache_dir
from ..hardware import device_name
from ..models.arch import Arch
from ..models.complexity import model_cost
from ..models.rfm import conv1x1_tail
from ..models.seat import ModelConfig, SeatNet
from ..models.wavemlp import analytic_wavemlp_cost, build_op, parse_op
from .space import SearchSpace, layer_name

METRICS = ("macs", "latency", "latency_ort")
UNITS = {"macs": "MACs", "latency": "ms", "latency_ort": "ms"}
SCOPES = ("network", "rfm")  # the whole per-frame network, or the searched part alone (RFM ops + tail)


@dataclass
class CostTable:
    """Cost of every candidate at the search's shapes, plus the fixed (non-searched) per-frame cost."""

    metric: str
    key: str
    fixed: float = 0.0
    entries: dict[str, float] = field(default_factory=dict)

    @property
    def unit(self) -> str:
        return UNITS[self.metric]

    @staticmethod
    def entry(op: str, c_in: int, c_out: int) -> str:
        return f"{op}|{c_in}|{c_out}"

    def op(self, op: str, c_in: int, c_out: int) -> float:
        return self.entries[self.entry(op, c_in, c_out)]

    def tail(self, c_in: int, c_out: int) -> float:
        return self.entries[self.entry("tail", c_in, c_out)]


# ------------------------------------------------------------------------------------------------ measuring
def _analytic_macs(op: str, c_in: int, c_out: int, hw: int) -> float:
    if op == "tail" or (parse_op(op).get("skip") and c_in != c_out):
        return float(c_in * c_out * hw)
    if parse_op(op).get("skip"):
        return 0.0
    spec = parse_op(op)
    return float(analytic_wavemlp_cost(c_in, c_out, spec["k"], spec["t"], spec["dw"], hw)[1])


def _build(op: str, c_in: int, c_out: int) -> nn.Module:
    return (conv1x1_tail(c_in, c_out) if op == "tail" else build_op(op, c_in, c_out)).eval()


def _time_torch(module: nn.Module, inputs: tuple, device: str, threads: int, runs: int) -> float:
    previous = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        module = module.to(device)
        inputs = tuple(t.to(device) for t in inputs)
        sync = torch.cuda.synchronize if device.startswith("cuda") else (lambda: None)
        times = []
        with torch.inference_mode():
            for i in range(runs + max(runs // 3, 3)):
                sync()
                start = time.perf_counter()
                module(*inputs)
                sync()
                if i >= max(runs // 3, 3):
                    times.append((time.perf_counter() - start) * 1e3)
        return statistics.median(times)
    finally:
        torch.set_num_threads(previous)


def _time_ort(module: nn.Module, inputs: tuple, threads: int, runs: int) -> float:
    import onnxruntime as ort

    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "op.onnx")
        names = [f"in{i}" for i in range(len(inputs))]
        with warnings.catch_warnings():  # the exporter's deprecation and tracer notices are about its own internals
            warnings.simplefilter("ignore")
            torch.onnx.export(module, inputs, path, input_names=names, opset_version=17, dynamo=False)
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        session = ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])
        feed = {n: t.numpy() for n, t in zip(names, inputs)}
        times = []
        for i in range(runs + max(runs // 3, 3)):
            start = time.perf_counter()
            session.run(None, feed)
            if i >= max(runs // 3, 3):
                times.append((time.perf_counter() - start) * 1e3)
        return statistics.median(times)


def _measure(metric: str, op: str, c_in: int, c_out: int, size: int, device: str, threads: int, runs: int) -> float:
    if metric == "macs":
        return _analytic_macs(op, c_in, c_out, size * size)
    module = _build(op, c_in, c_out)
    x = (torch.randn(1, c_in, size, size),)
    if metric == "latency":
        return _time_torch(module, x, device, threads, runs)
    return _time_ort(module, x, threads, runs)


def _fixed_cost(config: ModelConfig, metric: str, device: str, threads: int, runs: int) -> float:
    """Per-frame cost of everything but the RFM: backbone + adjust + fusion search part + head."""
    net = SeatNet(config, pretrained_backbone=False).eval()
    if metric == "macs":
        cost = model_cost(net)
        return float(cost.frame_macs - cost.rfm.search_macs)
    from ..models.complexity import example_inputs

    z, box, x = example_inputs(net)
    with torch.no_grad():
        state = net.template(z, box)
        xf = net.features(x)
        f0 = net.fusion(xf, *state)
    head_in = torch.randn(1, config.arch.last_dim, f0.shape[2], f0.shape[3])

    class _Front(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.net = net

        def forward(self, x: torch.Tensor, *state: torch.Tensor) -> torch.Tensor:
            return self.net.fusion(self.net.features(x), *state)

    parts: list[tuple[nn.Module, tuple]] = [(_Front().eval(), (x, *state)), (net.head, (head_in,))]
    if metric == "latency":
        return sum(_time_torch(m, inp, device, threads, runs) for m, inp in parts)
    return sum(_time_ort(m, inp, threads, runs) for m, inp in parts)


def table_key(metric: str, config: ModelConfig, space: SearchSpace, map_size: int, device: str, threads: int) -> str:
    """Cache key: metric, device, threads, library versions and every shape that enters the table."""
    import onnxruntime

    parts = {
        "metric": metric, "device": device_name(device) if metric != "macs" else "any",
        "threads": threads if metric != "macs" else 0, "torch": torch.__version__,
        "onnxruntime": onnxruntime.__version__ if metric == "latency_ort" else "",
        "map": map_size, "model": {k: v for k, v in config.__dict__.items() if k != "arch"},
        "last_dim": config.arch.last_dim, "widths": space.widths, "c0": config.fusion_dim,
        "ops": sorted(set(space.ch_ops) | set(space.ph_ops)),
    }
    return hashlib.sha1(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:16]


def required_entries(space: SearchSpace, c0: int, last_dim: int) -> list[tuple[str, int, int]]:
    """(op, c_in, c_out) for every candidate of every mixed layer and every tail."""
    needed: set[tuple[str, int, int]] = set()
    for key in space.layer_keys():
        needed.update((op, *space.layer_widths(key, c0)) for op in space.candidates(key[0]))
    for i in range(1, space.blocks + 1):
        needed.add(("tail", space.node_width(i, c0), last_dim))
    return sorted(needed)


def build_cost_table(config: ModelConfig, space: SearchSpace, metric: str = "macs", device: str = "cpu",
                     threads: int = 1, cache_dir: str | Path | None = None, runs: int = 30,
                     progress: Callable[[str], None] | None = None) -> CostTable:
    """Measure (or read from the cache) the cost table for searching `space` inside `config`'s model."""
    if metric not in METRICS:
        raise SeatError(f"cost metric {metric!r}: expected one of {', '.join(METRICS)}")
    net = SeatNet(config, pretrained_backbone=False)
    map_size = net.geometry().size
    key = table_key(metric, config, space, map_size, device, threads)
    path = Path(cache_dir or user_cache_dir("costs")) / f"{metric}-{key}.json"
    table = CostTable(metric, key)
    if path.is_file():
        data = json.loads(path.read_text())
        table = CostTable(metric, key, data["fixed"], data["entries"])
    changed = False
    if not path.is_file():
        table.fixed = _fixed_cost(config, metric, device, threads, runs)
        changed = True
    for op, c_in, c_out in required_entries(space, config.fusion_dim, config.arch.last_dim):
        name = CostTable.entry(op, c_in, c_out)
        if name not in table.entries:
            if progress:
                progress(name)
            table.entries[name] = _measure(metric, op, c_in, c_out, map_size, device, threads, runs)
            changed = True
    if changed:
        write_json_atomic(path, {"metric": metric, "key": key, "device": device_name(device), "threads": threads,
                                 "map_size": map_size, "fixed": table.fixed, "entries": table.entries})
    table.path = path  # type: ignore[attr-defined]
    return table


# ---------------------------------------------------------------------------------------------- expected cost
class CostModel:
    """Candidate-cost vectors per mixed layer, for the differentiable expected cost of a supernet."""

    def __init__(self, table: CostTable, space: SearchSpace, c0: int, last_dim: int):
        self.table, self.space, self.c0, self.last_dim = table, space, c0, last_dim
        self.layer_costs: dict[str, torch.Tensor] = {}
        for key in space.layer_keys():
            widths = space.layer_widths(key, c0)
            self.layer_costs[layer_name(key)] = torch.tensor([table.op(n, *widths) for n in space.candidates(key[0])])
        self.tail_costs = {i: table.tail(space.node_width(i, c0), last_dim) for i in range(1, space.blocks + 1)}

    def expected(self, supernet, subset: bool = True, scope: str = "network") -> torch.Tensor:
        """fixed + Lat_0, with Lat_i = sum_j p_ij (E[CH_ij] + sum_l E[PH_jl] + Lat_j) (spec §5.1); Lat_0 alone
        with scope `rfm`.

        With `subset`, E[layer] uses the sampled ops and their renormalised weights (the arch step's view);
        otherwise the full softmax over all candidates.
        """
        space, tau = self.space, supernet.space.temperature
        device = next(iter(supernet.alphas.values())).device

        def layer(name: str) -> torch.Tensor:
            costs = self.layer_costs[name].to(device)
            if subset:
                idx = supernet.choice[name]
                return (supernet.op_weights(name) * costs[idx]).sum()
            return (torch.softmax(supernet.alphas[name] / tau, 0) * costs).sum()

        lat: dict[int, torch.Tensor] = {space.tail: torch.zeros((), device=device)}
        for i in range(space.blocks, -1, -1):
            probs = supernet.edge_probs(i)
            total = torch.zeros((), device=device)
            for p, j in zip(probs, space.out_edges(i)):
                if j == space.tail:
                    cost = torch.tensor(self.tail_costs[i], device=device)
                else:
                    cost = layer(layer_name(("ch", i, j))) + lat[j]
                    for ell in range(space.layers[j - 1]):
                        cost = cost + layer(layer_name(("ph", j, ell)))
                total = total + p * cost
            lat[i] = total
        return lat[0] if scope == "rfm" else self.table.fixed + lat[0]

    def arch_cost(self, arch: Arch) -> float:
        """Cost of a derived (discrete) architecture: fixed + chosen ops + tail."""
        total, width = self.table.fixed, self.c0
        for block in arch.blocks:
            total += self.table.op(block.ch_op, width, block.width)
            total += sum(self.table.op(op, block.width, block.width) for op in block.ph_ops)
            width = block.width
        return total + self.table.tail(width, arch.last_dim)
