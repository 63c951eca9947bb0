"""The tracker's network behind a small interface, so the same SeatTracker runs PyTorch or exported graphs.

A backend takes uint8 BGR crops (H, W, 3) and returns numpy arrays:
    state = backend.template(z_crop, box_xyxy_in_crop)
    cls, ltrb = backend.track(x_crop, state)       # cls: (S, S) probabilities, ltrb: (4, S, S) pixels
    outputs = backend.track_batch([x1, x2], [state1, state2])   # several targets, one network call
and exposes `geometry(search_size)` and `template_size`. Backends are built by name in `seattrack.loading`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any, Protocol

import numpy as np
import torch

from ..errors import SeatError
from ..models.seat import MapGeometry, SeatNet


class Backend(Protocol):
    name: str
    template_size: int

    def geometry(self, search_size: int) -> MapGeometry: ...

    def template(self, z_crop: np.ndarray, box_xyxy: np.ndarray) -> Any: ...

    def track(self, x_crop: np.ndarray, state: Any) -> tuple[np.ndarray, np.ndarray]: ...

    def track_batch(self, x_crops: list[np.ndarray], states: list[Any]) -> list[tuple[np.ndarray, np.ndarray]]: ...


def _to_tensor(crop: np.ndarray, device: torch.device) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(crop.transpose(2, 0, 1))).to(device).unsqueeze(0).float()


@contextlib.contextmanager
def torch_threads(threads: int | None) -> Iterator[None]:
    """Run the block with `threads` CPU threads in PyTorch (None: as they are), then restore the process's count:
    torch's thread count is process-wide, and a backend must not change it for the rest of the program."""
    previous = torch.get_num_threads()
    if not threads or threads == previous:
        yield
        return
    torch.set_num_threads(threads)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


class TorchBackend:
    """Eager PyTorch on CPU or CUDA: one host->device copy in, one out per frame; `threads` applies to its own
    calls only (set around each, then restored)."""

    name = "torch"

    def __init__(self, net: SeatNet, device: str = "cpu", threads: int | None = None):
        if device.startswith("cuda") and not torch.cuda.is_available():
            raise SeatError(f"device {device!r}: CUDA is not available on this machine")
        self.threads = threads
        self.device = torch.device(device)
        self.net = net.to(self.device).eval()
        self.template_size = net.config.template_size
        self._geometry: dict[int, MapGeometry] = {}

    def geometry(self, search_size: int) -> MapGeometry:
        if search_size not in self._geometry:
            self._geometry[search_size] = self.net.geometry(search_size)
        return self._geometry[search_size]

    def template(self, z_crop: np.ndarray, box_xyxy: np.ndarray) -> tuple[torch.Tensor, ...]:
        with torch_threads(self.threads), torch.inference_mode():
            box = torch.as_tensor(np.asarray(box_xyxy, dtype=np.float32)[None], device=self.device)
            return self.net.template(_to_tensor(z_crop, self.device), box)

    def track(self, x_crop: np.ndarray, state: tuple[torch.Tensor, ...]) -> tuple[np.ndarray, np.ndarray]:
        with torch_threads(self.threads), torch.inference_mode():
            cls, ltrb = self.net.track(_to_tensor(x_crop, self.device), state)
            out = torch.cat([torch.sigmoid(cls[0]), ltrb[0]]).cpu().numpy()
        return out[0], out[1:]

    def track_batch(self, x_crops: list[np.ndarray], states: list[tuple[torch.Tensor, ...]]
                    ) -> list[tuple[np.ndarray, np.ndarray]]:
        """`track` for several targets (same-sized crops) in one forward pass."""
        with torch_threads(self.threads), torch.inference_mode():
            x = torch.cat([_to_tensor(c, self.device) for c in x_crops])
            cls, ltrb = self.net.track(x, tuple(torch.cat(parts) for parts in zip(*states)))
            out = torch.cat([torch.sigmoid(cls), ltrb], dim=1).cpu().numpy()
        return [(o[0], o[1:]) for o in out]


def track_together(backend: Backend, crops: list[np.ndarray], states: list) -> list[tuple[np.ndarray, np.ndarray]]:
    """`backend.track` for several targets: one `track_batch` call per distinct crop size, outputs in input order
    (`MultiTracker` per frame, re-detection's tiles, `eval --batch` across sequences)."""
    outputs: list = [None] * len(crops)
    for size in sorted({c.shape[0] for c in crops}):
        group = [i for i, c in enumerate(crops) if c.shape[0] == size]
        for i, out in zip(group, backend.track_batch([crops[i] for i in group], [states[i] for i in group])):
            outputs[i] = out
    return outputs
