"""ONNX export of a SeatNet's two branches, verified against PyTorch, written atomically with a `model.json`.

    template.onnx   z (1,3,T,T) float32 raw BGR 0-255, box (1,4) x1,y1,x2,y2 in template-crop pixels
                    -> state_0 .. state_{n-1} (the fusion's template state, computed once per target)
    track.onnx      x (B,3,S,S) float32 raw BGR 0-255 (S dynamic, S >= T) + state_0 .. state_{n-1} (B, ...)
                    -> cls (B,1,M,M) probabilities (sigmoid inside the graph), ltrb (B,4,M,M) search-crop pixels

Normalisation (channel order, mean/std) is inside the graphs, as in SeatNet. Exporter: the TorchScript-based
`torch.onnx.export(..., dynamo=False)` (torch 2.14 calls it deprecated; it is still the one that fits best here).
Both exporters give standard graphs for every SEAT op, but the TorchScript one traces the variadic state tuple
as is (dynamo needs named arguments and Dim constraints), maps torchvision's `roi_align(aligned=True)` to ONNX
RoiAlign with `coordinate_transformation_mode="half_pixel"` (its exact equivalent; `output_half_pixel` is
`aligned=False`), exports 2-4x faster (the tracker exports on first use), and stayed closer to PyTorch: on a
random-init seat_r50 it differed by 6e-6 (cls) / 1e-4 px (ltrb) where dynamo's graph differed by 6e-3 / 7e-2.
The search size is a dynamic axis, so the instance-size switch (e.g. 287) runs the same graph; every export is
checked at the model's search size and at one stride-aligned larger size. The batch B is a dynamic axis too (one
call for several targets, `track/multi.py`), checked at B = 2 against PyTorch sample by sample; a fusion whose
graph bakes the batch in (the depth-wise `xcorr` ablation: its grouped convolution's `groups` is B * C) still
exports, with `track.batch_dynamic: false` in model.json, and is then run one target per call.
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import importlib.metadata
import json
import os
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import onnx
import torch
from torch import nn

from ..config import to_dict
from ..errors import SeatError
from ..models.complexity import example_inputs
from ..models.seat import SearchBranch, SeatNet, TemplateBranch
from ..track.hypers import resolve_hypers
from .folder import atomic_folder
from .layout import (
    DEFAULT_OPSET,
    FORMAT,
    FORMAT_VERSION,
    MAX_OPSET,
    MIN_OPSET,
    TEMPLATE_FILE,
    TRACK_FILE,
    previous_export_problem,
    template_feeds,
    write_metadata,
)
from .runtime import ORT_ERRORS, create_session

VERIFY_TOLERANCE = 1e-4  # export check: error allowed relative to a tensor's scale (observed: < 1e-6) ...
VERIFY_FLOAT32_FACTOR = 10.0  # ... plus this many times PyTorch's own float32 error (see verify_export)
STANDARD_DOMAINS = ("", "ai.onnx")


def state_names(count: int) -> list[str]:
    return [f"state_{i}" for i in range(count)]


def model_digest(net: SeatNet) -> str:
    """SHA-256 of the model config and every weight/buffer (names, dtypes, shapes, bytes)."""
    h = hashlib.sha256(json.dumps(to_dict(net.config), sort_keys=True).encode())
    for name, value in net.state_dict().items():
        tensor = value.detach().cpu().contiguous()
        h.update(f"{name}:{tensor.dtype}:{tuple(tensor.shape)}".encode())
        h.update(tensor.reshape(-1).view(torch.uint8).numpy().tobytes())
    return h.hexdigest()


def check_opset(opset: int) -> None:
    if not MIN_OPSET <= opset <= MAX_OPSET:
        raise SeatError(f"opset {opset}: expected {MIN_OPSET}..{MAX_OPSET} (RoiAlign half_pixel needs 16)")


def check_standard(path: Path) -> None:
    """onnx.checker (full check, with shape inference) and only default-domain operators."""
    model = onnx.load(str(path))
    try:
        onnx.checker.check_model(model, full_check=True)
    except onnx.checker.ValidationError as exc:
        raise SeatError(f"exported graph {path.name} is not valid ONNX: {_first_line(exc)}") from None
    custom = sorted({f"{n.domain}::{n.op_type}" for n in model.graph.node if n.domain not in STANDARD_DOMAINS})
    if custom:
        raise SeatError(f"exported graph {path.name} uses non-standard operators: {', '.join(custom)}")


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}"


@contextlib.contextmanager
def _native_output_silenced() -> Iterator[None]:
    """On failure the TorchScript exporter dumps its whole IR graph (to C++ stdout); our SeatError says what failed."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved = {fd: os.dup(fd) for fd in (1, 2)}
    try:
        with open(os.devnull, "w") as null:
            for fd in saved:
                os.dup2(null.fileno(), fd)
            yield
    finally:
        for fd, copy_fd in saved.items():
            os.dup2(copy_fd, fd)
            os.close(copy_fd)


def _export(module: nn.Module, args: tuple, path: Path, inputs: list[str], outputs: list[str],
            dynamic_axes: dict[str, dict[int, str]], opset: int) -> None:
    with warnings.catch_warnings(), _native_output_silenced():
        warnings.simplefilter("ignore")  # the exporter's deprecation notice and tracer warnings on shape checks
        try:
            torch.onnx.export(module, args, str(path), input_names=inputs, output_names=outputs, opset_version=opset,
                              dynamic_axes=dynamic_axes, do_constant_folding=True, dynamo=False)
        except SeatError:
            raise
        except (torch.onnx.errors.OnnxExporterError, RuntimeError, TypeError, ValueError) as exc:
            raise SeatError(f"ONNX export of {path.name} failed: {_first_line(exc)}") from None


def _export_graphs(net: SeatNet, folder: Path, opset: int) -> dict[str, Any]:
    """Write both graphs into `folder`; returns their input/output description for model.json."""
    z, box, x = example_inputs(net)
    with torch.no_grad():
        state = net.template(z, box)
    names = state_names(len(state))
    # wrappers in eval mode: the exporter restores the wrapper's mode afterwards, which would set `net` training
    _export(TemplateBranch(net).eval(), (z, box), folder / TEMPLATE_FILE, ["z", "box"], names, {}, opset)
    map_axes = {0: "batch", 2: "map", 3: "map"}
    search = SearchBranch(net, probabilities=True).eval()
    _export(search, (x, *state), folder / TRACK_FILE, ["x", *names], ["cls", "ltrb"],
            {"x": {0: "batch", 2: "search", 3: "search"}, **{n: {0: "batch"} for n in names}, "cls": map_axes,
             "ltrb": map_axes}, opset)
    for path in (folder / TEMPLATE_FILE, folder / TRACK_FILE):
        check_standard(path)
    t = net.config.template_size
    states = {n: list(s.shape) for n, s in zip(names, state)}
    template_inputs = [i.name for i in onnx.load(str(folder / TEMPLATE_FILE)).graph.input]
    return {
        "template": {"file": TEMPLATE_FILE, "inputs": template_feeds(template_inputs, [1, 3, t, t], [1, 4]),
                     "outputs": states},
        "track": {"file": TRACK_FILE,
                  "inputs": {"x": ["batch", 3, "search", "search"],
                             **{n: ["batch", *shape[1:]] for n, shape in states.items()}},
                  "outputs": {"cls": ["batch", 1, "map", "map"], "ltrb": ["batch", 4, "map", "map"]}},
    }


def verify_sizes(net: SeatNet) -> list[int]:
    """The model's search size and a larger stride-aligned one (the dynamic axis is checked at both)."""
    size = net.config.search_size
    return [size, size + 2 * net.stride]


def reference_outputs(net: SeatNet, z: torch.Tensor, box: torch.Tensor, x: torch.Tensor) -> list[np.ndarray]:
    """The state tensors, cls probabilities and ltrb, as the graphs return them."""
    with torch.no_grad():
        state = net.template(z, box)
        cls, ltrb = net.track(x, state)
    return [t.numpy() for t in (*state, torch.sigmoid(cls), ltrb)]


def _excess(got: np.ndarray, want: np.ndarray, float32_noise: float = 0.0) -> float:
    """|got - want| over what is allowed: VERIFY_TOLERANCE of the tensor's scale (+ a multiple of float32 noise)."""
    if got.shape != want.shape:
        return float("inf")
    allowed = VERIFY_TOLERANCE * (1.0 + float(np.abs(want).max())) + VERIFY_FLOAT32_FACTOR * float32_noise
    return float(np.abs(got - want).max()) / allowed


def verify_export(net: SeatNet, folder: Path) -> bool:
    """Run the exported graphs with ONNX Runtime at two search sizes against PyTorch; a mismatch is an error.

    When ONNX Runtime and PyTorch differ by more than VERIFY_TOLERANCE, both are compared with float64 PyTorch:
    an ill-conditioned network (e.g. random weights with huge activations) where PyTorch's own float32 error is
    as large is accepted, while a wrong op (shifted RoiAlign grid, baked-in shape) still fails. Returns whether
    track.onnx also runs two targets in one call (batch 2) with the same outputs as one call each.
    """
    template = create_session(folder / TEMPLATE_FILE, threads=1)  # two small runs: no thread pool needed
    track = create_session(folder / TRACK_FILE, threads=1)
    inputs = [i.name for i in template.get_inputs()]
    for size in verify_sizes(net):
        z, box, x = example_inputs(net, size)
        want = reference_outputs(net, z, box, x)
        try:
            state = template.run(None, template_feeds(inputs, z.numpy(), box.numpy()))
            got = [*state, *track.run(None, {"x": x.numpy(), **dict(zip(state_names(len(state)), state))})]
        except ORT_ERRORS as exc:
            raise SeatError(f"exported graphs fail at search size {size}: {_first_line(exc)} (a shape baked in as a "
                            "constant where it must follow the input?)") from None
        if max(map(_excess, got, want)) <= 1.0:
            continue
        exact = reference_outputs(copy.deepcopy(net).double(), z.double(), box.double(), x.double())
        excess = max(_excess(g, e, float(np.abs(w - e).max())) for g, w, e in zip(got, want, exact))
        if excess > 1.0:
            raise SeatError(
                f"exported graphs disagree with PyTorch at search size {size} ({excess:.1f}x the float32 "
                f"tolerance): an op exported wrongly or a shape was baked in as a constant"
            )
    return _batch_runs(net, template, track)


def _batch_runs(net: SeatNet, template, track) -> bool:
    """Whether track.onnx on two targets at once (different crops and states) gives each one's single-call output."""
    z, box, x = example_inputs(net)
    z2, x2 = z.flip(-1), x.flip(-2)  # a second, different target
    feeds = []
    for zz, xx in ((z, x), (z2, x2)):
        state = template.run(None, template_feeds([i.name for i in template.get_inputs()], zz.numpy(), box.numpy()))
        feeds.append({"x": xx.numpy(), **dict(zip(state_names(len(state)), state))})
    single = [track.run(None, f) for f in feeds]
    try:
        both = track.run(None, {k: np.concatenate([f[k] for f in feeds]) for k in feeds[0]})
    except ORT_ERRORS:
        return False
    return all(_excess(b[i:i + 1], one[k]) <= 1.0 for i, one in enumerate(single) for k, b in enumerate(both))


def _versions() -> dict[str, str]:
    import onnxruntime
    import torchvision

    return {"seattrack": importlib.metadata.version("seattrack"), "torch": torch.__version__,
            "torchvision": torchvision.__version__, "onnx": onnx.__version__, "onnxruntime": onnxruntime.__version__}


def metadata(net: SeatNet, graphs: dict[str, Any], opset: int) -> dict[str, Any]:
    """model.json content: what a deployment needs to feed the graphs and decode their outputs."""
    cfg = net.config
    geo = net.geometry()
    norm = net.backbone.norm
    return {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "input": {"template_size": cfg.template_size, "search_size": cfg.search_size,
                  "min_search_size": cfg.template_size, "search_size_dynamic": True,
                  "pixels": "float32 NCHW, raw BGR in [0, 255]; normalisation happens inside the graphs"},
        "normalisation": {"rgb": norm.rgb, "mean": list(norm.mean), "std": list(norm.std)},
        "geometry": {"search_size": cfg.search_size, "map_size": geo.size, "stride": geo.stride, "offset": geo.offset,
                     "note": "cell i sits at search-crop x = offset + stride * i (pixel j spans [j, j+1))"},
        "outputs": {"cls": "probabilities (sigmoid applied in the graph)",
                    "ltrb": "distances left, top, right, bottom from each cell, in search-crop pixels"},
        **graphs,
        "model": to_dict(cfg),
        "weights_sha256": model_digest(net),
        "hypers": to_dict(resolve_hypers(net, None)),  # the set tuned for these weights, else the default
        "opset": opset,
        "exporter": "torch.onnx.export(dynamo=False) (TorchScript-based)",
        "versions": _versions(),
        "int8": None,
    }


@contextlib.contextmanager
def staged_export(net: SeatNet, out: str | Path, opset: int = DEFAULT_OPSET) -> Iterator[tuple[Path, dict[str, Any]]]:
    """Export and verify `net` into a staging folder, and yield it with its model.json content, so that a caller
    adds graphs derived from it (INT8: `quantize.export_int8`) and records them in the content; on exit model.json
    is rewritten and the folder replaces `out` atomically (never when the block fails)."""
    check_opset(opset)
    net = copy.deepcopy(net).cpu().eval()  # never touch the caller's module (device, train mode)
    with atomic_folder(Path(out), previous_export_problem) as staging:
        meta = metadata(net, _export_graphs(net, staging, opset), opset)
        meta["track"]["batch_dynamic"] = verify_export(net, staging)
        write_metadata(staging, meta)
        yield staging, meta
        write_metadata(staging, meta)


def export_onnx(net: SeatNet, out: str | Path, opset: int = DEFAULT_OPSET) -> Path:
    """Export `net` into the folder `out` (replaced atomically, only after every check passed); INT8 graphs are
    `quantize.export_int8`'s."""
    with staged_export(net, out, opset):
        pass
    return Path(out)
