"""Result-file layouts, read and written (atomically), for the three protocols.

- "ope" (OTB-style / pysot): `<dir>/<seq>.txt` (x,y,w,h per line, comma separated) and `<dir>/<seq>_time.txt`
  (seconds per frame).
- "got10k": `<dir>/<seq>/<seq>_001.txt` (runs _001, _002, _003) and `<dir>/<seq>/<seq>_time.txt` (one row per
  frame, one comma-separated column per run), as the GOT-10k toolkit writes them.
- "vot" (baseline): `<dir>/baseline/<seq>/<seq>_001.txt` with a line `1` at each (re)initialisation, `2` at a
  failure, `0` for skipped frames and the box otherwise; times as for GOT-10k.

Boxes are checked when written: NaN, infinite or negative-size boxes are refused (pytracking's rule), because
the toolkits disagree on how to score them. Each write is atomic and a run's box file is written after its times,
so an interrupted run never leaves a result that looks finished without its times.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

from ..data.sequence import Sequence, read_box_file
from ..errors import SeatError
from ..fileio import write_text_atomic
from .vot import VOTOutput, is_marker

LAYOUTS = ("ope", "got10k", "vot")


def result_path(layout: str, result_dir: str | Path, name: str, run: int = 1) -> Path:
    """Where run `run` of sequence `name` lives in `layout` (OPE has a single run)."""
    root = Path(result_dir)
    if layout == "ope":
        return root / f"{name}.txt"
    if layout == "got10k":
        return root / name / f"{name}_{run:03d}.txt"
    if layout == "vot":
        return root / "baseline" / name / f"{name}_{run:03d}.txt"
    raise SeatError(f"unknown result layout {layout!r}, expected one of {', '.join(LAYOUTS)}")


def time_path(layout: str, result_dir: str | Path, name: str) -> Path:
    """The per-frame time file of sequence `name`."""
    return result_path(layout, result_dir, name).with_name(f"{name}_time.txt")


def format_boxes(boxes: Any, where: str) -> str:
    """`x,y,w,h` lines (4 decimals); refuses NaN, infinite or negative-size boxes, naming `where` and the frame."""
    boxes = np.asarray(boxes, dtype=np.float64)
    if boxes.ndim != 2 or boxes.shape[1] != 4:
        raise SeatError(f"{where}: expected (N, 4) x,y,w,h boxes, got shape {boxes.shape}")
    bad = ~np.isfinite(boxes).all(1) | (boxes[:, 2] < 0) | (boxes[:, 3] < 0)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise SeatError(f"{where}: frame {i} box {boxes[i].tolist()} is not finite or has a negative size")
    return "".join(f"{x:.4f},{y:.4f},{w:.4f},{h:.4f}\n" for x, y, w, h in boxes)


def _write_times(path: Path, times: Any, run: int, frames: int) -> None:
    """Write run `run`'s times as column `run` of the time file (earlier runs' columns are kept)."""
    times = np.asarray(times, dtype=np.float64).reshape(-1)
    if len(times) != frames:
        raise SeatError(f"{path}: {len(times)} times for {frames} frames")
    columns = []
    if run > 1 and path.is_file():
        existing = np.loadtxt(path, delimiter=",", ndmin=2)
        columns = [existing[:, k] for k in range(min(existing.shape[1], run - 1))]
    if len(columns) != run - 1 or any(len(c) != frames for c in columns):
        raise SeatError(f"{path}: times of runs 1..{run - 1} are missing or of another length; write runs in order")
    table = np.column_stack(columns + [times])
    write_text_atomic(path, "".join(",".join(f"{t:.8f}" for t in row) + "\n" for row in table))


def write_boxes(layout: str, result_dir: str | Path, name: str, boxes: Any, times: Any = None,
                run: int = 1) -> Path:
    """Write one OPE or GOT-10k result (and its times); returns the box file's path."""
    if layout not in ("ope", "got10k"):
        raise SeatError(f"write_boxes writes the ope and got10k layouts, not {layout!r}")
    if layout == "ope" and run != 1:
        raise SeatError("the ope layout holds a single run per sequence")
    path = result_path(layout, result_dir, name, run)
    text = format_boxes(boxes, f"results for {name}")
    if times is not None:
        _write_times(time_path(layout, result_dir, name), times, run, text.count("\n"))
    write_text_atomic(path, text)  # last: the box file marks the run complete (`is_complete`)
    return path


def write_vot(result_dir: str | Path, name: str, outputs: list[VOTOutput], times: Any = None, run: int = 1) -> Path:
    """Write one VOT baseline run (markers and boxes) and its times; returns the run file's path."""
    lines = []
    for i, output in enumerate(outputs):
        if is_marker(output):
            if int(output) not in (0, 1, 2):
                raise SeatError(f"VOT results for {name}: frame {i} marker {output!r}, expected 0, 1 or 2")
            lines.append(f"{int(output)}\n")
        else:
            lines.append(format_boxes(np.reshape(output, (1, 4)), f"VOT results for {name}, frame {i}"))
    path = result_path("vot", result_dir, name, run)
    if times is not None:
        _write_times(time_path("vot", result_dir, name), times, run, len(outputs))
    write_text_atomic(path, "".join(lines))  # last: the run file marks the run complete (`is_complete`)
    return path


def read_boxes(path: str | Path) -> np.ndarray:
    """An (N, 4) box file (commas, tabs or spaces; 'nan' allowed)."""
    boxes = read_box_file(path)
    if boxes.shape[1] != 4:
        raise SeatError(f"{path}: expected 4 values (x,y,w,h) per line")
    return boxes


def read_vot(path: str | Path) -> list[VOTOutput]:
    """A VOT baseline run file: int markers and (4,) boxes."""
    path = Path(path)
    if not path.is_file():
        raise SeatError(f"VOT result file not found: {path}")
    outputs: list[VOTOutput] = []
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise SeatError(f"{path}: not a text VOT result file (byte {exc.start} is not UTF-8 text)") from None
    for number, line in enumerate(text.splitlines(), 1):
        values = line.replace(",", " ").split()
        try:
            numbers = [float(v) for v in values]
        except ValueError:
            raise SeatError(f"{path}: line {number} is not numeric: {line.strip()[:60]!r}") from None
        if len(numbers) == 1 and numbers[0] in (0, 1, 2):
            outputs.append(int(numbers[0]))
        elif len(numbers) == 4:
            outputs.append(np.array(numbers))
        elif numbers:
            raise SeatError(f"{path}: line {number} should be a marker 0/1/2 or x,y,w,h")
    return outputs


def read_times(path: str | Path) -> np.ndarray | None:
    """All values of a time file (every run), flattened; None when the file does not exist."""
    path = Path(path)
    if not path.is_file():
        return None
    try:
        return np.loadtxt(path, delimiter=",", ndmin=2).ravel()
    except ValueError:
        raise SeatError(f"{path}: expected numbers (seconds per frame), comma separated per run") from None


def _line_count(path: Path) -> int:
    """Non-blank lines, counted on bytes (a binary file is just incomplete, never a decoding traceback)."""
    return sum(1 for line in path.read_bytes().splitlines() if line.strip())


def run_paths(layout: str, result_dir: str | Path, name: str) -> list[Path]:
    """The existing run files of a sequence, in run order (_001, _002, ...; OPE: the single file)."""
    first = result_path(layout, result_dir, name)
    if layout == "ope":
        return [first] if first.is_file() else []
    return sorted(first.parent.glob(f"{name}_[0-9][0-9][0-9].txt"))


def is_complete(layout: str, result_dir: str | Path, name: str, length: int, runs: int = 1) -> bool:
    """True when runs 1..`runs` of sequence `name` exist with one line per frame (what a resumed run may skip).

    The writers put a run's times first and its box file last, so a complete box file means its times are written.
    """
    paths = [result_path(layout, result_dir, name, run) for run in range(1, runs + 1)]
    return all(p.is_file() and _line_count(p) == length for p in paths)


def load_results(layout: str, result_dir: str | Path, sequences: Iterable[Sequence]) -> dict[str, Any]:
    """A tracker's results for a dataset: name -> boxes (ope), list of boxes per run (got10k) or list of runs of
    outputs (vot). A missing sequence is an error naming it."""
    results: dict[str, Any] = {}
    for seq in sequences:
        paths = run_paths(layout, result_dir, seq.name)
        if not paths:
            raise SeatError(f"{result_dir}: no results for sequence {seq.name} "
                            f"(expected {result_path(layout, result_dir, seq.name)})")
        if layout == "ope":
            results[seq.name] = read_boxes(paths[0])
        elif layout == "got10k":
            results[seq.name] = [read_boxes(p) for p in paths]
        else:
            results[seq.name] = [read_vot(p) for p in paths]
    return results


def load_times(layout: str, result_dir: str | Path, sequences: Iterable[Sequence]) -> dict[str, np.ndarray]:
    """Per-frame seconds of every sequence that has a time file (all runs, flattened)."""
    times = {}
    for seq in sequences:
        values = read_times(time_path(layout, result_dir, seq.name))
        if values is not None:
            times[seq.name] = values
    return times


def detect_layout(result_dir: str | Path, names: Iterable[str]) -> str:
    """Which layout a result folder uses, judged from the sequences' files."""
    names = list(names)
    root = Path(result_dir)
    if not root.is_dir():
        raise SeatError(f"result folder not found: {root}")
    for layout in ("vot", "got10k", "ope"):
        if any(result_path(layout, root, n).is_file() for n in names):
            return layout
    raise SeatError(f"{root}: no result file for any of the {len(names)} sequences (expected <seq>.txt, "
                    f"<seq>/<seq>_001.txt or baseline/<seq>/<seq>_001.txt)")
