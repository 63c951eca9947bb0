"""Submission archives: unzip them and check the exact structure; refusals name the sequence and leave no zip."""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import pytest

from seattrack.data.sequence import Sequence
from seattrack.errors import SeatError
from seattrack.evaluation.pack import pack_got10k, pack_trackingnet
from seattrack.evaluation.results import GOT10K_FILES, OPE_FILES


def seq(name: str, n: int) -> Sequence:
    boxes = np.full((n, 4), np.nan)
    boxes[0] = [10, 20, 30, 40]  # test splits reveal only the first box
    return Sequence(name, [f"{i}.jpg" for i in range(n)], boxes)


def boxes(n: int) -> np.ndarray:
    return np.column_stack([np.arange(n), np.arange(n) * 0.5, np.full(n, 30.0), np.full(n, 40.25)])


def test_got10k_archive_structure(tmp_path: Path) -> None:
    sequences = [seq("GOT-10k_Test_000001", 5), seq("GOT-10k_Test_000002", 3)]
    results = tmp_path / "results"
    GOT10K_FILES.write(results, "GOT-10k_Test_000001", boxes(5), times=np.full(5, 0.02))
    for run in (1, 2, 3):
        GOT10K_FILES.write(results, "GOT-10k_Test_000002", boxes(3) + run, times=np.full(3, 0.01), run=run)
    out = pack_got10k(results, sequences, tmp_path / "seat_got10k.zip")
    with zipfile.ZipFile(out) as archive:
        assert sorted(archive.namelist()) == [
            "GOT-10k_Test_000001/GOT-10k_Test_000001_001.txt", "GOT-10k_Test_000001/GOT-10k_Test_000001_time.txt",
            "GOT-10k_Test_000002/GOT-10k_Test_000002_001.txt", "GOT-10k_Test_000002/GOT-10k_Test_000002_002.txt",
            "GOT-10k_Test_000002/GOT-10k_Test_000002_003.txt", "GOT-10k_Test_000002/GOT-10k_Test_000002_time.txt"]
        lines = archive.read("GOT-10k_Test_000001/GOT-10k_Test_000001_001.txt").decode().splitlines()
        assert lines[1] == "1.0000,0.5000,30.0000,40.2500" and len(lines) == 5
        times = archive.read("GOT-10k_Test_000002/GOT-10k_Test_000002_time.txt").decode().splitlines()
        assert times[0] == "0.01000000,0.01000000,0.01000000"
        extracted = tmp_path / "unzipped"
        archive.extractall(extracted)
    np.testing.assert_allclose(
        np.loadtxt(extracted / "GOT-10k_Test_000002" / "GOT-10k_Test_000002_003.txt", delimiter=","), boxes(3) + 3)


def test_got10k_refuses_missing_incomplete_or_untimed_sequences(tmp_path: Path) -> None:
    results, out = tmp_path / "results", tmp_path / "sub.zip"
    GOT10K_FILES.write(results, "a", boxes(4), times=np.ones(4))
    with pytest.raises(SeatError, match="sequence b has no results"):
        pack_got10k(results, [seq("a", 4), seq("b", 4)], out)
    with pytest.raises(SeatError, match=r"sequence a is incomplete \(4 of 6 frames"):
        pack_got10k(results, [seq("a", 6)], out)
    GOT10K_FILES.write(results, "c", boxes(2), run=2)  # a later run without run 1
    with pytest.raises(SeatError, match="sequence c has no results"):
        pack_got10k(results, [seq("c", 2)], out)
    GOT10K_FILES.write(results, "c", boxes(2), run=1)
    with pytest.raises(SeatError, match="sequence c has no time file"):
        pack_got10k(results, [seq("c", 2)], out)
    assert not out.exists() and not list(tmp_path.glob(".*.tmp"))


def test_trackingnet_archive_structure(tmp_path: Path) -> None:
    sequences = [seq("-0Bl1c5pbyI_0", 4), seq("0AkZCdZwHfc_1", 2)]
    results = tmp_path / "results"
    for s in sequences:
        OPE_FILES.write(results, s.name, boxes(len(s)), times=np.full(len(s), 0.02))
    out = pack_trackingnet(results, sequences, tmp_path / "tn.zip")
    with zipfile.ZipFile(out) as archive:
        assert sorted(archive.namelist()) == ["-0Bl1c5pbyI_0.txt", "0AkZCdZwHfc_1.txt"]
        lines = archive.read("-0Bl1c5pbyI_0.txt").decode().splitlines()
    assert len(lines) == 4 and [len(line.split(",")) for line in lines] == [4] * 4


def test_trackingnet_refuses_incomplete_results(tmp_path: Path) -> None:
    results = tmp_path / "results"
    OPE_FILES.write(results, "a", boxes(3))
    with pytest.raises(SeatError, match=r"TrackingNet submission: sequence a is incomplete \(3 of 5 frames"):
        pack_trackingnet(results, [seq("a", 5)], tmp_path / "tn.zip")
    with pytest.raises(SeatError, match="nothing to pack"):
        pack_trackingnet(results, [], tmp_path / "tn.zip")
    assert not (tmp_path / "tn.zip").exists()
