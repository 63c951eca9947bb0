"""Every command that writes an output checks, before it loads a model or starts its work, that the output can be
written: a read-only folder, or a file where a folder goes, is a one-line error naming the output, exit code 2.

Each command here is also given a model file that does not exist: the error naming the output, not the model, shows
the check came first (and nothing was written)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from seattrack.cli import main

MISSING = "no_such_model.pt"

# command -> (how the output is named in the error, argv writing to `out`, whether the output is a folder)
Argv = Callable[[Path, Path], list[str]]
COMMANDS: dict[str, tuple[str, Argv, bool]] = {
    "train": ("out_dir", lambda out, tmp: ["train", str(recipe(tmp, out))], True),
    "export": ("--out", lambda out, tmp: ["export", MISSING, "--out", str(out)], True),
    "synth": ("output folder", lambda out, tmp: ["synth", str(out), "--sequences", "1", "--length", "2"], True),
    "demo": ("--out", lambda out, tmp: ["demo", "--out", str(out), "--model", MISSING], True),
    "bench": ("--json", lambda out, tmp: ["bench", MISSING, "--json", str(out)], False),
    "eval": ("--results", lambda out, tmp: ["eval", "--dataset", "otb", "--root", str(tmp), "--tracker", MISSING,
                                            "--results", str(out)], True),
    "tune": ("--out", lambda out, tmp: ["tune", "--dataset", "otb", "--root", str(tmp), "--tracker", MISSING,
                                        "--out", str(out)], True),
    "report": ("--out", lambda out, tmp: ["report", str(tmp / "results"), "--dataset", "otb", "--root", str(tmp),
                                          "--out", str(out)], True),
}


def recipe(tmp: Path, out: Path) -> Path:
    """A training recipe writing to `out` and starting from a model file that does not exist."""
    path = tmp / "recipe.yaml"
    path.write_text(f"out_dir: {out}\nmodel: {{init_from: {tmp / MISSING}}}\n")
    return path


@pytest.fixture
def read_only(tmp_path: Path) -> Iterator[Path]:
    """A folder nobody may write into (skipped where chmod binds nobody: root)."""
    folder = tmp_path / "read_only"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        if os.access(folder, os.W_OK):
            pytest.skip("chmod 0o500 does not stop this user writing (root)")
        yield folder
    finally:
        folder.chmod(0o700)


def refused(capsys: pytest.CaptureFixture[str], command: str, out: Path, tmp: Path) -> str:
    """Run `command` writing to `out`: exit 2, one line on stderr naming the output; returns what follows."""
    what, argv, _ = COMMANDS[command]
    assert main(argv(out, tmp)) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    prefix = f"seattrack {command}: error: {what} {out}: "
    assert err[0].startswith(prefix), err[0]
    return err[0][len(prefix):]


def written(tmp: Path) -> list[str]:
    return sorted(str(p.relative_to(tmp)) for p in tmp.rglob("*") if p.name != "recipe.yaml")


@pytest.mark.parametrize("command", list(COMMANDS))
def test_a_read_only_folder_is_refused_before_the_work(command, read_only, tmp_path, capsys):
    name = "out.json" if not COMMANDS[command][2] else "out"
    assert refused(capsys, command, read_only / name, tmp_path) == f"{read_only} is not writable"
    if COMMANDS[command][2]:  # an existing folder that is read-only itself
        assert refused(capsys, command, read_only, tmp_path) == f"{read_only} is not writable"
    assert written(tmp_path) == ["read_only"]


@pytest.mark.parametrize("command", list(COMMANDS))
def test_a_file_where_a_folder_goes_is_refused_before_the_work(command, tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("")
    assert refused(capsys, command, blocker / "out", tmp_path) == f"{blocker} is a file, not a folder"
    if COMMANDS[command][2]:
        assert refused(capsys, command, blocker, tmp_path) == "is a file; expected a folder"
    else:  # a file output where a folder is
        assert refused(capsys, command, tmp_path, tmp_path) == "is a folder; expected a file name"
    assert written(tmp_path) == ["file"] and blocker.read_text() == ""
