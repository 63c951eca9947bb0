"""The tracking pool's failure paths: a worker process that dies is an error, not a hang; the frame reader thread
ends when its consumer stops early."""

from __future__ import annotations

import os
import threading

import pytest

from seattrack.errors import SeatError
from seattrack.evaluation.datasets import load_sequences
from seattrack.evaluation.one_pass import read_ahead
from seattrack.evaluation.pool import TrackerPool
from seattrack.evaluation.runner import TrackerSpec


def _exit_abruptly(loaded, code: int) -> None:
    """A task that kills its worker process the way the OOM killer or a crash in native code would."""
    os._exit(code)


def test_a_worker_process_that_dies_is_a_one_line_error_and_leaves_no_process(checkpoint):
    pool = TrackerPool(TrackerSpec(str(checkpoint)), workers=2, processes=2)
    processes = list(pool._procs)
    with pytest.raises(SeatError, match=r"a tracking worker process died \(exit code 3\)"):
        list(pool.map(_exit_abruptly, [(3,), (3,)]))
    pool.close()
    for proc in processes:
        proc.join(timeout=10)
    assert not any(proc.is_alive() for proc in processes)


def test_the_reader_thread_stops_when_the_consumer_stops_early(otb_root):
    sequence = load_sequences("otb", str(otb_root))[3]  # 14 frames, more than the 2 read ahead
    def readers() -> list[threading.Thread]:  # by name: other tests' threads may come and go meanwhile
        return [t for t in threading.enumerate() if t.name == f"read-{sequence.name}"]

    frames = read_ahead(sequence, depth=2)
    first = next(frames)
    assert first.shape[2] == 3 and len(readers()) == 1
    frames.close()  # the consumer gives up after one frame: the reader must not stay blocked on a full queue
    assert readers() == []
