"""One-pass tracking of a sequence (OPE and GOT-10k): init on frame 0 with its ground truth, update on every other
frame; alone (`track_ope`) or several sequences in lockstep on one backend (`track_ope_together`, `eval --batch`).
A reader thread decodes frames ahead of the network."""

from __future__ import annotations

import queue
import threading
import time
import warnings
from collections.abc import Iterator
from typing import NamedTuple

import numpy as np

from ..data.sequence import Sequence
from ..errors import SeatError
from ..track.backends import track_together
from ..track.run import iter_track


def read_ahead(sequence: Sequence, depth: int = 8) -> Iterator[np.ndarray | SeatError]:
    """The sequence's frames in order, decoded by a reader thread up to `depth` frames ahead of the consumer (image
    decoding releases the GIL, so it overlaps the network); an unreadable frame is yielded as its SeatError."""
    frames: queue.Queue = queue.Queue(depth)
    stop = threading.Event()

    def reader() -> None:
        for i in range(len(sequence)):
            try:
                item = sequence.frame(i)
            except Exception as exc:  # handed to the consumer, which re-raises anything but a SeatError
                item = exc
            while not stop.is_set():
                try:
                    frames.put(item, timeout=0.1)
                    break
                except queue.Full:
                    continue
            if stop.is_set():
                return

    thread = threading.Thread(target=reader, name=f"read-{sequence.name}", daemon=True)
    thread.start()
    try:
        for _ in range(len(sequence)):
            item = frames.get()
            if isinstance(item, Exception) and not isinstance(item, SeatError):
                raise item
            yield item
    finally:
        stop.set()
        thread.join()


class OPERun(NamedTuple):
    """A one-pass run: per-frame boxes (N, 4), seconds (N,), and confidences (N,): the calibrated presence when the
    tracker has one, else the classifier's score (frame 0, the initialisation, NaN; an unreadable frame 0)."""

    boxes: np.ndarray
    times: np.ndarray
    confidences: np.ndarray


def confidence(result) -> float:
    """What a result file records as a frame's confidence: the calibrated presence when there is one."""
    return float(result.present if result.present is not None else result.score)


def track_ope(tracker, sequence: Sequence) -> OPERun:
    """One-pass evaluation: init on frame 0 with its ground truth, update on every other frame (`iter_track`).

    An unreadable frame keeps the previous box (counted in a warning), as the field's runners do; its time and
    confidence are recorded as 0.
    """
    n = len(sequence)
    boxes, times, confidences = np.zeros((n, 4)), np.zeros(n), np.zeros(n)
    boxes[0], confidences[0] = sequence.boxes[0], np.nan
    unreadable = 0
    for i, box, _, seconds, result, frame in iter_track(tracker, read_ahead(sequence), sequence.boxes[0]):
        if frame is None:
            unreadable += 1
            boxes[i] = boxes[i - 1]
            continue
        times[i] = seconds
        if result is not None:
            boxes[i], confidences[i] = box, confidence(result)
    if unreadable:
        warnings.warn(f"{sequence.name}: {unreadable} unreadable frame(s) kept the previous box", stacklevel=2)
    return OPERun(boxes, times, confidences)


def track_ope_together(trackers: list, sequences: list[Sequence]) -> list[OPERun | SeatError]:
    """`track_ope` for several sequences in lockstep, each with its own tracker on one shared backend: at every frame
    the search crops of the sequences still running go through one batched network call per crop size (what a GPU
    wants; `eval --batch`). Each sequence gets `track_ope`'s boxes (bit for bit with ONNX Runtime) or the SeatError
    of its first frame; a step's time is shared equally among the sequences in it."""
    boxes = [np.zeros((len(s), 4)) for s in sequences]
    times = [np.zeros(len(s)) for s in sequences]
    confidences = [np.full(len(s), np.nan) for s in sequences]
    readers = [read_ahead(s) for s in sequences]
    outcome: list = [None] * len(sequences)
    unreadable = [0] * len(sequences)
    for k, (tracker, seq) in enumerate(zip(trackers, sequences)):
        boxes[k][0] = seq.boxes[0]
        first = next(readers[k])
        if isinstance(first, SeatError):
            outcome[k] = first
            readers[k].close()
            continue
        start = time.perf_counter()
        tracker.init(first, seq.boxes[0])
        times[k][0] = time.perf_counter() - start
    running = [k for k in range(len(sequences)) if outcome[k] is None]
    for i in range(1, max(map(len, sequences))):
        step = [k for k in running if i < len(sequences[k])]
        frames = {k: next(readers[k]) for k in step}
        for k in [k for k in step if isinstance(frames[k], SeatError)]:
            boxes[k][i], confidences[k][i] = boxes[k][i - 1], 0.0
            unreadable[k] += 1
        live = [k for k in step if not isinstance(frames[k], SeatError)]
        if not live:
            continue
        start = time.perf_counter()
        prepared = [trackers[k].search_crop(frames[k]) for k in live]
        outputs = iter(track_together(trackers[live[0]].backend, [c for p in prepared for c in p[2]],
                                      [trackers[k].state for k, p in zip(live, prepared) for _ in p[2]]))
        for k, (image, windows, crops) in zip(live, prepared):
            result = trackers[k].finish(image, windows, [next(outputs) for _ in crops])
            boxes[k][i], confidences[k][i] = result.box_xywh, confidence(result)
        share = (time.perf_counter() - start) / len(live)
        for k in live:
            times[k][i] = share
    for k in running:
        if unreadable[k]:
            warnings.warn(f"{sequences[k].name}: {unreadable[k]} unreadable frame(s) kept the previous box",
                          stacklevel=2)
        outcome[k] = OPERun(boxes[k], times[k], confidences[k])
    return outcome
