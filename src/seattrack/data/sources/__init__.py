"""Dataset readers: each turns one on-disk benchmark layout into lazily loaded `Sequence`s.

`build_source("got10k", "/data/GOT-10k", split="train")` returns a `DatasetSource`: `len(source)`,
`source.sequence_names()`, `source[i]` / `source["name"]` (annotations read on access), iteration over the
non-empty sequences, and `source.warnings` (Counter of bad-data reasons). `SOURCES` maps registry names to
classes; `uav123` and `uav20l` are shortcuts for `uav` with that variant.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ...errors import SeatError
from .base import DatasetSource, SeatDataWarning
from .coco import COCOSource
from .folder import FolderSource
from .got10k import GOT10kSource
from .lasot import LaSOTSource
from .otb import OTB_QUIRKS, OTBSource
from .trackingnet import TrackingNetSource
from .uav import UAV123_SUBRANGES, UAVSource
from .vid import VIDSource
from .vot import VOTSource

SOURCES: dict[str, type[DatasetSource]] = {
    cls.name: cls
    for cls in (GOT10kSource, LaSOTSource, TrackingNetSource, COCOSource, VIDSource, OTBSource, UAVSource,
                VOTSource, FolderSource)
}

# name -> (registry name, fixed keyword arguments)
ALIASES: dict[str, tuple[str, dict[str, Any]]] = {
    "uav123": ("uav", {"variant": "uav123"}),
    "uav20l": ("uav", {"variant": "uav20l"}),
}


def list_sources() -> list[str]:
    """Names accepted by `build_source` (registry names and aliases)."""
    return sorted([*SOURCES, *ALIASES])


def build_source(name: str, root: str | Path, split: str | None = None, **kwargs: Any) -> DatasetSource:
    """The dataset reader `name` over `root` (split None: the source's default); extra options by keyword.

    Raises `SeatError` for an unknown name or option and for a root that does not have the expected layout.
    """
    key = str(name).strip().lower()
    if key in ALIASES:
        key, fixed = ALIASES[key]
        kwargs = {**kwargs, **fixed}
    if key not in SOURCES:
        raise SeatError(f"unknown dataset source {name!r}; expected one of {', '.join(list_sources())}")
    try:
        return SOURCES[key](root, split, **kwargs)
    except TypeError as exc:
        if "argument" not in str(exc):
            raise
        raise SeatError(f"dataset source {name!r}: bad option(s) {sorted(kwargs)} ({exc})") from None


__all__ = [
    "ALIASES", "COCOSource", "DatasetSource", "FolderSource", "GOT10kSource", "LaSOTSource", "OTBSource",
    "OTB_QUIRKS", "SOURCES", "SeatDataWarning", "TrackingNetSource", "UAV123_SUBRANGES", "UAVSource", "VIDSource",
    "VOTSource", "build_source", "list_sources",
]
