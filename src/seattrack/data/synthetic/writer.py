"""Synthetic clips on disk in the plain folder format, written atomically and resumably.

Layout: `<root>/list.txt` (one sequence name per line) and, per sequence, `<root>/<name>/00000001.jpg ...`,
`groundtruth.txt` (x,y,w,h per line, 4 decimals), `absence.label` (1 where the target is hidden, GOT-10k
style), `cover.txt` (visible fraction per frame) and `meta.json` (seed, split, index and config). A sequence
is written into a hidden temporary folder renamed into place when complete, so an interrupted run leaves no
half sequence; the next run removes leftovers and redoes anything missing, partial or made with other settings.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np

from ...errors import SeatError
from ...fileio import write_text_atomic
from ..sequence import Sequence, read_box_file, write_box_file
from .bank import SPLITS, image_bank
from .config import SceneConfig
from .families import FAMILIES, check_family, render_sequence

JPEG_QUALITY = 92
_FRAME = re.compile(r"\d{8}\.jpg")


def sequence_name(split: str, index: int, family: str = "composite") -> str:
    return f"synth_{split}_{index:05d}" if family == "composite" else f"{family}_{split}_{index:05d}"


def _sequence_rng(seed: int, split: str, index: int, family: str) -> np.random.Generator:
    """An independent generator per (seed, split, index, family), so any one sequence can be (re)made alone."""
    key = [seed, list(SPLITS).index(split), index]
    return np.random.default_rng(key if family == "composite" else [*key, FAMILIES.index(family)])


def _render_indexed(index: int, split: str, seed: int, config: SceneConfig, images: list[np.ndarray], family: str
                    ) -> Sequence:
    return render_sequence(_sequence_rng(seed, split, index, family), config, images, family,
                           sequence_name(split, index, family))


def synthetic_sequences(n: int, split: str = "train", seed: int = 0, config: SceneConfig | None = None,
                        family: str = "composite") -> Iterator[tuple[str, Sequence]]:
    """Yield `n` (name, clip) pairs in memory: the same clips `write_sequences` writes for these arguments."""
    config = config or SceneConfig()
    images = image_bank(split)
    for index in range(n):
        clip = _render_indexed(index, split, seed, config, images, family)
        yield clip.name, clip


def _meta(index: int, split: str, seed: int, config: SceneConfig, family: str) -> dict:
    return {"index": index, "split": split, "seed": seed, "family": family,
            "config": json.loads(json.dumps(dataclasses.asdict(config)))}


def _frame_name(t: int) -> str:
    return f"{t + 1:08d}.jpg"


def _load(folder: Path, meta: dict) -> Sequence | None:
    """The sequence in `folder` if it is complete and was made with `meta`; None otherwise."""
    try:
        if json.loads((folder / "meta.json").read_text()) != meta:
            return None
        boxes = read_box_file(folder / "groundtruth.txt")
        absent = np.loadtxt(folder / "absence.label", ndmin=1)
        cover = np.loadtxt(folder / "cover.txt", ndmin=1)
    except (OSError, ValueError):
        return None
    frames = [folder / _frame_name(t) for t in range(meta["config"]["length"])]
    if not all(len(values) == len(frames) for values in (boxes, absent, cover)) or not all(map(Path.is_file, frames)):
        return None
    return Sequence(folder.name, frames, boxes, absent == 0, {"cover": cover}, dataset="synthetic")


def _write(folder: Path, clip: Sequence, meta: dict) -> None:
    """Write `clip` into the (new, empty) `folder`."""
    for t, frame in enumerate(clip.frames):
        ok, data = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
        if not ok:
            raise SeatError(f"synthetic frame {folder / _frame_name(t)}: JPEG encoding failed")
        data.tofile(folder / _frame_name(t))
    write_box_file(folder / "groundtruth.txt", clip.boxes)
    (folder / "absence.label").write_text("".join(f"{int(not v)}\n" for v in clip.visible))
    (folder / "cover.txt").write_text("".join(f"{v:.4f}\n" for v in clip.attributes["cover"]))
    (folder / "meta.json").write_text(json.dumps(meta, indent=2) + "\n")


def _remove_leftovers(root: Path, name: str) -> None:
    for leftover in root.glob(f".{name}.tmp-*"):
        shutil.rmtree(leftover, ignore_errors=True)


def _replaceable(folder: Path, meta: dict, force: bool) -> None:
    """A folder in the way of a sequence is replaced only when it is provably a partial write of these settings
    (the writer's files only, no other settings recorded), or with `force`; otherwise a one-line error."""
    if not folder.exists() or force:
        return
    ours = {"groundtruth.txt", "absence.label", "cover.txt", "meta.json"}
    foreign = sorted(p.name for p in folder.iterdir() if not (p.name in ours or _FRAME.fullmatch(p.name)))
    if foreign:
        raise SeatError(f"synthetic sequence folder {folder}: holds files the writer never writes "
                        f"({', '.join(foreign[:3])}); not replaced without --force")
    try:
        recorded = json.loads((folder / "meta.json").read_text())
    except (OSError, ValueError):
        return  # an interrupted write of ours
    if recorded != meta:
        raise SeatError(f"synthetic sequence folder {folder}: was made with other settings (seed "
                        f"{recorded.get('seed') if isinstance(recorded, dict) else '?'}); not replaced without --force")


def _make(folder: Path, meta: dict, clip: Sequence) -> None:
    """Write `clip` into a staging folder beside `folder`, then swap it in (replacing a partial or already allowed
    stale folder there)."""
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}.tmp-", dir=folder.parent))
    try:
        _write(staging, clip, meta)
        if folder.exists():
            shutil.rmtree(folder)
        os.rename(staging, folder)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def write_sequences(root: str | os.PathLike, n: int, split: str = "train", seed: int = 0,
                    config: SceneConfig | None = None, family: str = "composite", force: bool = False
                    ) -> list[Sequence]:
    """Write (or complete) `n` synthetic sequences of `split` and `family` under `root` and return them.

    Deterministic in (`seed`, `split`, index, `config`, `family`); sequences already complete are kept, not redrawn;
    a folder made with other settings or holding other files is replaced only with `force`. Every folder in the way
    is checked before anything is written.
    """
    if n < 0:
        raise SeatError(f"synthetic sequence count {n}: expected 0 or more")
    check_family(family)
    config = config or SceneConfig()
    images = image_bank(split)
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    metas = [_meta(index, split, seed, config, family) for index in range(n)]
    folders = [root / sequence_name(split, index, family) for index in range(n)]
    for folder in folders:
        _remove_leftovers(root, folder.name)
    done = [_load(folder, meta) for folder, meta in zip(folders, metas, strict=True)]
    for folder, meta, sequence in zip(folders, metas, done, strict=True):  # refuse before writing anything
        if sequence is None:
            _replaceable(folder, meta, force)
    sequences = []
    for index, (folder, meta, sequence) in enumerate(zip(folders, metas, done, strict=True)):
        if sequence is None:
            _make(folder, meta, _render_indexed(index, split, seed, config, images, family))
            sequence = _load(folder, meta)
        sequences.append(sequence)
    write_text_atomic(root / "list.txt", "".join(f"{sequence.name}\n" for sequence in sequences))
    return sequences
