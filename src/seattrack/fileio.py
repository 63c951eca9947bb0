"""Atomic writes: a file is either the old version or the complete new one, never half-written."""

from __future__ import annotations

import contextlib
import io
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any


def default_file_mode() -> int:
    """0o666 minus the process umask: what `open()` would have given (mkstemp files are 0o600)."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def process_gone(pid: int) -> bool:
    """Whether no process has id `pid` (POSIX: signal 0 only asks). A live process of another user, or a pid no
    process can have, counts as not gone, so callers never delete what might still be in use."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except (OSError, OverflowError):
        return False
    return False


def file_sha256(path: str | os.PathLike) -> str:
    """SHA-256 of a file's bytes, read in blocks."""
    import hashlib

    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def check_writable(path: str | os.PathLike, what: str, folder: bool = False) -> None:
    """Refuse, before any long work, an output that cannot be written: a file where a folder goes (or the other way
    round), or a nearest existing folder that is not writable. `what` names the output in the one-line error."""
    from .errors import SeatError

    path = Path(path)
    if path.exists() and path.is_dir() != folder:
        raise SeatError(f"{what} {path}: is {'a file' if folder else 'a folder'}; expected "
                        f"{'a folder' if folder else 'a file name'}")
    candidates = [path.absolute()] if folder else []
    parent = next((p for p in [*candidates, *path.absolute().parents] if p.exists()), Path("/"))
    if not parent.is_dir():
        raise SeatError(f"{what} {path}: {parent} is a file, not a folder")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise SeatError(f"{what} {path}: {parent} is not writable")


def remove_stale_temporaries(path: Path) -> None:
    """Delete temporary files of `path` left by a writer that was killed (their pid, in the name, is gone)."""
    for leftover in path.parent.glob(f".{path.name}.*.tmp"):
        pid = leftover.name[len(path.name) + 2:].split(".", 1)[0]
        if pid.isdigit() and process_gone(int(pid)):
            leftover.unlink(missing_ok=True)


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside `path` (named after this process, so a killed writer's leftovers are found
    and removed by the next write); on success it replaces `path` in one rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.{os.getpid()}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        with open(tmp_path, "rb+") as handle:
            os.fsync(handle.fileno())
        os.chmod(tmp_path, default_file_mode())
        os.replace(tmp_path, path)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def write_bytes_atomic(path: str | os.PathLike, data: bytes) -> None:
    """Write bytes to `path` atomically."""
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)


def write_text_atomic(path: str | os.PathLike, text: str) -> None:
    """Write text (UTF-8) to `path` atomically."""
    write_bytes_atomic(path, text.encode("utf-8"))


def write_json_atomic(path: str | os.PathLike, obj: Any) -> None:
    """Write `obj` as indented JSON atomically."""
    write_text_atomic(path, json.dumps(obj, indent=2, sort_keys=False) + "\n")


def torch_save_atomic(obj: Any, path: str | os.PathLike) -> None:
    """torch.save to `path` atomically (temp file + rename)."""
    import torch

    buffer = io.BytesIO()
    torch.save(obj, buffer)
    write_bytes_atomic(path, buffer.getvalue())
