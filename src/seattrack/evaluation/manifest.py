"""What a results folder holds, recorded beside it, so a number is never computed from stale or foreign results.

`<results>/.seattrack/run.json` names the run: the model file's SHA-256, the resolved tracking hyper-parameters,
the backend, the device kind and the protocol. Each finished sequence adds
`<results>/.seattrack/sequences/<name>.json`, written after its result files: the run's digest, the digest of the
ground truth it was tracked against (boxes, visibility, frame count) and its frame count. A sequence is finished
only when its record matches both the run and today's ground truth, so a second `model.pt` is refused instead of
being reported with the first one's boxes, and a dataset regenerated in place is re-tracked. Shards on several
machines write one record per sequence, so their folders merge by copying; `check_for_report` refuses a folder
whose records name more than one run.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..data.sequence import Sequence
from ..errors import SeatError
from ..fileio import write_json_atomic

FORMAT = "seattrack-results"
VERSION = 1
FOLDER = ".seattrack"


def ground_truth_digest(sequence: Sequence) -> str:
    """SHA-256 over the sequence's frame count, boxes (float64) and visibility flags."""
    digest = hashlib.sha256(str(len(sequence)).encode())
    digest.update(np.ascontiguousarray(sequence.boxes, dtype=np.float64).tobytes())
    digest.update(np.ascontiguousarray(sequence.visible, dtype=np.uint8).tobytes())
    return digest.hexdigest()


@dataclass(frozen=True)
class RunIdentity:
    """The model, hyper-parameters, backend and protocol that produced a results folder."""

    model: str
    model_sha256: str
    hypers: dict[str, Any]
    backend: str
    layout: str
    device: str = "cpu"  # the kind (cpu or cuda): the arithmetic differs between them, not between two GPUs

    @property
    def digest(self) -> str:
        """A short digest of everything but the model's display name (two paths to one file are one run)."""
        body = json.dumps([self.model_sha256, self.hypers, self.backend, self.layout, self.device], sort_keys=True)
        return hashlib.sha256(body.encode()).hexdigest()[:16]

    def to_json(self) -> dict[str, Any]:
        return {"format": FORMAT, "version": VERSION, "run": self.digest, "model": self.model,
                "model_sha256": self.model_sha256, "hypers": self.hypers, "backend": self.backend,
                "layout": self.layout, "device": self.device}

    def describe(self) -> str:
        return (f"model {self.model} (sha256 {self.model_sha256[:12]}), backend {self.backend} on {self.device}, "
                f"run {self.digest}")


def _record_path(result_dir: Path, name: str) -> Path:
    if not name or "/" in name or name in (".", ".."):
        raise SeatError(f"sequence name {name!r} cannot name a record file")
    return result_dir / FOLDER / "sequences" / f"{name}.json"


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise SeatError(f"{path}: unreadable results record ({type(exc).__name__}); delete it to re-track") from None
    if not isinstance(data, dict):
        raise SeatError(f"{path}: a results record must be a JSON object; delete it to re-track")
    return data


def read_run(result_dir: str | Path) -> dict[str, Any] | None:
    """The folder's run record, or None when it has none (results of another tool, or an older seattrack)."""
    path = Path(result_dir) / FOLDER / "run.json"
    if not path.is_file():
        return None
    data = _read_json(path)
    if data.get("format") != FORMAT or not isinstance(data.get("run"), str):
        raise SeatError(f"{path}: not a seattrack results record")
    return data


def claim(result_dir: str | Path, identity: RunIdentity, has_results: bool) -> None:
    """Make `result_dir` this run's folder, or refuse one that holds another run's results (or results without a
    record, which nothing can vouch for). Shards of one run claim the same folder and agree."""
    result_dir = Path(result_dir)
    existing = read_run(result_dir)
    if existing is None and has_results:
        raise SeatError(f"{result_dir}: holds result files without a seattrack record, so they cannot be checked "
                        "against this model; move them away or choose another --results/--name")
    if existing is None:
        write_json_atomic(result_dir / FOLDER / "run.json", identity.to_json())
        existing = read_run(result_dir)  # another shard may have claimed it at the same moment
    if existing is not None and existing["run"] != identity.digest:
        raise SeatError(f"{result_dir}: holds results of another run (model {existing.get('model')}, sha256 "
                        f"{str(existing.get('model_sha256'))[:12]}, run {existing['run']}) than this one "
                        f"({identity.describe()}); choose another --results or --name")


def is_recorded(result_dir: str | Path, identity: RunIdentity, sequence: Sequence) -> bool:
    """Whether `sequence` was tracked by this run against today's ground truth."""
    path = _record_path(Path(result_dir), sequence.name)
    if not path.is_file():
        return False
    record = _read_json(path)
    return (record.get("run") == identity.digest and record.get("ground_truth") == ground_truth_digest(sequence)
            and record.get("frames") == len(sequence))


def record(result_dir: str | Path, identity: RunIdentity, sequence: Sequence) -> None:
    """Mark `sequence` finished by this run (called after its result files are written)."""
    write_json_atomic(_record_path(Path(result_dir), sequence.name),
                      {"run": identity.digest, "ground_truth": ground_truth_digest(sequence),
                       "frames": len(sequence)})


def check_for_report(result_dir: str | Path, sequences: list[Sequence]) -> None:
    """Refuse to score a seattrack results folder whose records disagree with the sequences being scored (the
    dataset changed since) or name more than one run (merged shards of different models or hypers). Folders
    without a record (another tool's results) are scored as they are."""
    result_dir = Path(result_dir)
    run = read_run(result_dir)
    if run is None:
        return
    runs = {run["run"]}
    for sequence in sequences:
        path = _record_path(result_dir, sequence.name)
        if not path.is_file():
            raise SeatError(f"{result_dir}: no record that {sequence.name} was finished (unfinished, or tracked "
                            "before records were kept); run `seattrack eval` on the folder again")
        entry = _read_json(path)
        runs.add(entry.get("run"))
        if entry.get("ground_truth") != ground_truth_digest(sequence) or entry.get("frames") != len(sequence):
            raise SeatError(f"{result_dir}: {sequence.name} was tracked against other ground truth than the dataset "
                            "holds now (changed or regenerated since); run `seattrack eval` again to re-track it")
    if len(runs) > 1:
        raise SeatError(f"{result_dir}: mixes results of {len(runs)} runs (other models, hypers or backends: "
                        f"{', '.join(sorted(map(str, runs)))}); report each run's folder on its own")
