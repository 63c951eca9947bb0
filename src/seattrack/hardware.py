"""The machine a figure belongs to: CPU model and device names, and the per-user cache folder."""

from __future__ import annotations

import os
import platform
from pathlib import Path


def cpu_name() -> str:
    """The CPU model from /proc/cpuinfo (platform's processor string elsewhere)."""
    try:
        with open("/proc/cpuinfo") as handle:
            for line in handle:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def device_name(device: str = "cpu") -> str:
    """A stable description of `device` (`cpu` or `cuda[:N]`)."""
    if device.startswith("cuda"):
        import torch

        return torch.cuda.get_device_name(torch.device(device))
    return cpu_name()


def cache_dir(kind: str) -> Path:
    """`$SEATTRACK_CACHE/<kind>` (default `~/.cache/seattrack/<kind>`): cost tables, ONNX exports."""
    return Path(os.environ.get("SEATTRACK_CACHE", Path.home() / ".cache" / "seattrack")) / kind


def is_device_name(text: str, kinds: tuple[str, ...] = ("cpu", "cuda")) -> bool:
    """Whether `text` names a device: one of `kinds`, or `cuda:N`."""
    kind, _, index = text.partition(":")
    return kind in kinds and (not index or (kind == "cuda" and index.isdigit()))
