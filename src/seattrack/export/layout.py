"""An export folder's layout: its file names, the choices model.json records (opset, INT8 mode), its format marker,
reading and writing model.json, and telling a previous export from a user's folder (which is never replaced).

Kept apart from the exporter and the runtime, and free of heavy imports, so that the exporter, the runtime and the
command line's parser use it without importing each other.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..errors import SeatError

DEFAULT_OPSET = 17
MIN_OPSET = 16  # RoiAlign's coordinate_transformation_mode (needed for aligned=True) arrived in opset 16
MAX_OPSET = 20  # the TorchScript exporter's newest opset
INT8_MODES = ("static", "dynamic")
FORMAT = "seattrack-onnx"
FORMAT_VERSION = 2  # 2: track.onnx has a dynamic batch axis (part of the export cache key)
META_FILE = "model.json"
TEMPLATE_FILE = "template.onnx"
TRACK_FILE = "track.onnx"
EXPORT_FILES = frozenset({META_FILE, TEMPLATE_FILE, TRACK_FILE, "template_int8.onnx", "track_int8.onnx"})
"""Every file an export folder may hold."""


def template_feeds(inputs: Iterable[str], z: Any, box: Any) -> dict[str, Any]:
    """template.onnx's feeds, by its input names: `z`, and `box` where the graph takes it (a fusion that ignores
    the target box, such as the depth-wise correlation, exports without that input)."""
    feeds = {"z": z, "box": box}
    return {name: feeds[name] for name in inputs}


def read_metadata(folder: str | Path) -> dict[str, Any]:
    """The model.json of an export folder, with one-line errors for a missing or foreign folder."""
    path = Path(folder) / META_FILE
    try:
        meta = json.loads(path.read_text())
    except FileNotFoundError:
        raise SeatError(f"{folder}: no {META_FILE} (not a `seattrack export` folder)") from None
    except (OSError, ValueError) as exc:
        raise SeatError(f"{path}: cannot be read ({type(exc).__name__})") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise SeatError(f"{path}: not a seattrack ONNX export (no '{FORMAT}' marker)")
    return meta


def write_metadata(folder: Path, meta: dict[str, Any]) -> None:
    """model.json into a staging folder: a plain write, the folder is private until it is renamed into place."""
    (folder / META_FILE).write_text(json.dumps(meta, indent=2) + "\n")


def previous_export_problem(folder: Path) -> str | None:
    """None when `folder` is provably a previous export (its model.json parses with this format, and it holds
    export files only); otherwise why it is not, so that a user's folder is never deleted."""
    try:
        meta = json.loads((folder / META_FILE).read_text())
    except (OSError, ValueError):
        return f"it holds no readable {META_FILE} of a seattrack export"
    if not isinstance(meta, dict) or meta.get("format") != FORMAT or "geometry" not in meta or "model" not in meta:
        return f"its {META_FILE} is not a seattrack export's"
    others = sorted(p.name for p in folder.iterdir() if p.name not in EXPORT_FILES or not p.is_file())
    if others:
        return f"it holds files an export never writes ({', '.join(others[:3])}{', ...' if len(others) > 3 else ''})"
    return None
