"""Tracking hyper-parameters (spec §8): a typed config per benchmark, loaded from `configs/hypers/<name>.yaml`.

Each file holds a `default` set plus optional named sets: `load_hypers("otb")` reads `otb.yaml`'s `default`,
`load_hypers("otb:fast")` its `fast` set. A bare name is one of the package's shipped files; a user's file (such as
the one `seattrack tune --out` writes) is named by its path (`runs/hypers/otb.yaml:tuned`), never found by looking
in the working directory, so running from the repository root reads exactly what an installed package reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from ..config import apply_overrides, from_dict, load_yaml, to_dict
from ..errors import SeatError

if TYPE_CHECKING:
    from ..models.seat import SeatNet


@dataclass
class TrackerHypers:
    """SiamFC/Ocean-style post-processing: window, scale/ratio penalty, size smoothing, instance-size switch."""

    penalty_k: float = 0.034
    window_influence: float = 0.284
    lr: float = 0.313
    context: float = 0.5
    small_sz: int = 255
    big_sz: int = 255
    small_target_ratio: float = 0.004  # target area / image area below which big_sz is used
    min_size: float = 10.0
    aspect_damping: float = 0.0  # 0..1: share of each frame's aspect-ratio change that is held back (area kept)
    max_scale_step: float = 0.0  # > 0: the size changes by at most this factor - 1 per frame (e.g. 0.1 = 10 %)
    recover_score: float = 0.0  # > 0: below this classifier score the next frame searches `recover_sz`
    recover_sz: int = 383  # the wider search size used after a low score (a multiple of 16 above 255)
    redetect_ms: float = 0.0  # > 0 (with a presence calibration): while lost, search the whole frame in tiles for
    # about this many milliseconds per frame, on top of the local search (0: off, no cost)
    scale_step: float = 0.0  # > 0: SiamFC-style scale search, two more crops of side x 1/(1+step) and x (1+step) in
    # the same network call; the best of the three (non-unit scales' scores x scale_penalty) wins (0: off, 1 crop)
    scale_penalty: float = 0.97
    scale_lr: float = 0.5  # share of the winning scale's factor applied to the size, on top of the regression

    def __post_init__(self) -> None:
        checks = {
            "penalty_k": self.penalty_k >= 0, "window_influence": 0 <= self.window_influence <= 1,
            "lr": 0 <= self.lr <= 1, "context": self.context >= 0, "small_sz": self.small_sz > 0,
            "big_sz": self.big_sz > 0, "small_target_ratio": 0 <= self.small_target_ratio <= 1,
            "min_size": self.min_size > 0, "aspect_damping": 0 <= self.aspect_damping <= 1,
            "max_scale_step": self.max_scale_step >= 0, "recover_score": 0 <= self.recover_score <= 1,
            "recover_sz": self.recover_sz > 0, "redetect_ms": 0 <= self.redetect_ms <= 10_000,
            "scale_step": 0 <= self.scale_step < 1, "scale_penalty": 0 < self.scale_penalty <= 1,
            "scale_lr": 0 <= self.scale_lr <= 1,
        }
        for name, ok in checks.items():
            value = getattr(self, name)
            if not ok or value != value:  # NaN fails every comparison but the last one
                raise SeatError(f"tracking hyper-parameter {name} = {value!r}: out of range")


def package_hypers_dir() -> Path:
    return Path(str(resources.files("seattrack") / "configs" / "hypers"))


def hypers_file(name: str) -> Path:
    """Locate a hypers file: a path (a YAML suffix or a folder in it) is that file; a bare name is `<name>.yaml` among
    the package's shipped configs/hypers."""
    direct = Path(name)
    if direct.suffix in (".yaml", ".yml") or len(direct.parts) > 1:
        if not direct.is_file():
            raise SeatError(f"hypers file not found: {direct}")
        return direct
    candidate = package_hypers_dir() / f"{name}.yaml"
    if candidate.is_file():
        return candidate
    known = sorted(p.stem for p in package_hypers_dir().glob("*.yaml"))
    raise SeatError(f"hypers {name!r}: no shipped {name}.yaml (known: {', '.join(known)}; a file of your own: "
                    "pass its path)")


def load_hypers(spec: str | TrackerHypers | None = "default", overrides: list[str] | None = None) -> TrackerHypers:
    """Load a hyper-parameter set: `name`, `name:set`, a YAML path (optionally `path:set`), or an instance."""
    if isinstance(spec, TrackerHypers):
        hypers = spec
        return from_dict(TrackerHypers, apply_overrides(to_dict(hypers), overrides or []), "hypers")
    name, _, set_name = (spec or "default").partition(":")
    path = hypers_file(name)
    data = load_yaml(path)
    set_name = set_name or "default"
    if set_name not in data:
        raise SeatError(f"{path}: no hyper-parameter set {set_name!r} (has {', '.join(data) or 'none'})")
    return from_dict(TrackerHypers, apply_overrides(data[set_name] or {}, overrides or []), f"{path}:{set_name}")


def choose_hypers(hypers: str | TrackerHypers | None, carried: dict | None, where: str) -> TrackerHypers:
    """`hypers` if given, else the set a model file carries (`carried`, read from `where`), else the default set."""
    if hypers is None and carried:
        return from_dict(TrackerHypers, carried, where=where)
    return load_hypers(hypers or "default")


def resolve_hypers(net: SeatNet, hypers: str | TrackerHypers | None) -> TrackerHypers:
    """`hypers` if given, else the set the model file carries, else `configs/hypers/default.yaml`."""
    return choose_hypers(hypers, net.tracking_hypers, f"{net.config.name} checkpoint hypers")
