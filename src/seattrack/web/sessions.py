"""Per-user tracking sessions for the web app: one video, one tracker per run, private files, a bounded pool.

A session is created per upload (or sample clip) and owns a private temporary folder (the upload and the
outputs), deleted when the session ends: explicitly, after an idle timeout, or at server shutdown. The folders of a
server that died without shutting down (SIGKILL) are swept when the next server starts. Tracking runs
in a worker thread from a bounded pool, never on the event loop. The worker publishes progress by appending to
plain lists; readers only take lengths and slices. The frames the page shows come from the session's FrameStore.
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import shutil
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import SeatError
from ..fileio import process_gone
from ..track.multi import MultiTracker
from ..track.run import frame_rate, iter_track
from ..track.tracker import SeatTracker, check_init_box
from ..track.video import FrameSource
from .exports import Track
from .frames import FrameStore
from .media import probe_video

log = logging.getLogger(__name__)

TrackerFactory = Callable[[], SeatTracker]
CLIP_EXTENSIONS = (".mp4", ".avi", ".mov", ".mkv", ".webm", ".m4v")
FINISHED = ("done", "failed", "cancelled")
ROOT_PREFIX = "seattrack-web-"  # each server's folder of session folders, in the system's temp folder
OWNER_FILE = "server.pid"  # in that folder: the server's pid, so that a later server can tell it is dead


class SessionNotFound(SeatError):
    """The session id is unknown (never created, ended or expired)."""


class Busy(SeatError):
    """The server cannot open another session now (too many are open)."""


class Conflict(SeatError):
    """The session's state does not allow this request (a run in progress, nothing to watch yet)."""


class Cancelled(Exception):
    """Raised inside the tracking loop to stop a run (stop button, viewer gone, session ended)."""


def clips_folder() -> Path:
    """The package's bundled sample clips (`seattrack/assets/clips/`), which may not exist."""
    return Path(__file__).resolve().parent.parent / "assets" / "clips"


def list_clips(folder: Path | None = None) -> list[Path]:
    """Sample video clips in `folder` (default: the bundled ones), sorted by name; empty when there are none."""
    folder = clips_folder() if folder is None else folder
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in CLIP_EXTENSIONS)


@dataclass
class Lane:
    """Another target's boxes and scores per frame from frame 0 (None before the run's start frame)."""

    boxes: list[list[float] | None] = field(default_factory=list)
    scores: list[float | None] = field(default_factory=list)


@dataclass
class Run:
    """One tracking pass from a box drawn on frame `start`; it carries the whole track, read while it runs.

    `boxes` and `scores` hold one entry per frame from frame 0: the previous run's entries before `start` (None
    where no box exists: before the first box drawn), then this run's. A correction is a run from a later frame,
    so a corrected track is one track whose `keyframes` are every frame where the user drew the box.
    A run of several targets (`more`: the boxes of targets 2..N drawn with `box`) keeps target 1 in `boxes` and the
    others in `others`, one `Lane` each; corrections are single-target (`_continue` refuses the others).
    """

    box: tuple[float, float, float, float]
    start: int = 0
    more: list[tuple[float, float, float, float]] = field(default_factory=list)
    others: list[Lane] = field(default_factory=list)
    boxes: list[list[float] | None] = field(default_factory=list)
    scores: list[float | None] = field(default_factory=list)
    presence: list[float | None] = field(default_factory=list)  # calibrated probability the target is in the box
    lost: list[bool] = field(default_factory=list)  # the presence calibration's lost flag (with hysteresis)
    keyframes: list[int] = field(default_factory=list)
    state: str = "queued"  # queued -> running -> done | failed | cancelled
    message: str = ""
    fps: float = 0.0  # wall-clock frames per second over the last 30 frames (decode + track)
    summary: dict | None = None
    cancel: threading.Event = field(default_factory=threading.Event)
    viewers: int = 0  # open event streams; the run is stopped when the last one closes early
    serial: int = 0  # which of the session's runs this is: names its rendered video
    _stamps: deque = field(default_factory=lambda: deque(maxlen=30))
    _times: list[float] = field(default_factory=list)  # tracker seconds per frame after the first (init)

    @property
    def finished(self) -> bool:
        return self.state in FINISHED

    @property
    def track(self) -> Track:
        """The track as it stands (a snapshot, safe to export while the run goes on)."""
        count = len(self.boxes)
        return Track(self.boxes[:count], self.scores[:count], list(self.keyframes), self.presence[:count],
                     self.lost[:count])

    @property
    def tracks(self) -> list[Track]:
        """Every target's track as it stands, target 1 first (presence and `lost` are recorded for target 1
        only)."""
        count = len(self.boxes)
        return [self.track] + [Track(lane.boxes[:count], lane.scores[:count], list(self.keyframes),
                                     [None] * count, [False] * count) for lane in self.others]

    def publish(self, box, score: float, seconds: float | None, present: float | None = None,
                lost: bool = False, others: Sequence[tuple] = ()) -> None:
        """Append a frame's result (boxes last: a reader takes the box count first); stop when cancelled.
        `seconds`: the tracker's time on the frame, None for the keyframe (init) and unreadable frames;
        `present`, `lost`: the presence calibration's (None, False without one); `others`: (box, score) of
        targets 2..N."""
        if self.cancel.is_set():
            raise Cancelled
        for lane, (other_box, other_score) in zip(self.others, others, strict=True):
            lane.scores.append(float(other_score))
            lane.boxes.append([float(v) for v in other_box])
        self.scores.append(float(score))
        self.presence.append(None if present is None else float(present))
        self.lost.append(bool(lost))
        self.boxes.append([float(v) for v in box])
        if seconds is not None:
            self._times.append(seconds)
        self._stamps.append(time.perf_counter())
        if len(self._stamps) > 1:
            self.fps = (len(self._stamps) - 1) / max(self._stamps[-1] - self._stamps[0], 1e-9)

    def summarize(self, wall_s: float, skipped: int, ended_early: tuple[int, int] | None) -> dict:
        """The end screen's figures: frames this run tracked, the tracker's own speed (network and crop per frame,
        the keyframe's init excluded), the whole run's speed (decoding included), the mean score."""
        tracked = len(self.boxes) - self.start
        mean = float(np.mean(self.scores[self.start + 1:])) if tracked > 1 else 1.0
        return {"frames": tracked, "first": self.start, "tracker_fps": frame_rate(self._times),
                "run_fps": tracked / max(wall_s, 1e-9), "mean_score": mean, "skipped_frames": skipped,
                "ended_early": list(ended_early) if ended_early else None}


class Session:
    """One user's video, its timeline frames (`store`) and its latest run, which holds the track; files live in
    `folder`. `width` and `height` are the video's own: boxes are always in the video's pixels, and the page scales
    the timeline frames to them."""

    def __init__(self, folder: Path, source: Path, name: str):
        self.id = folder.name
        self.folder = folder
        self.source = source
        self.name = name
        video = probe_video(source, name)
        self.height, self.width = video.first_frame.shape[:2]
        self.total = video.total
        self.fps = video.fps
        self.store = FrameStore(source, folder / "frames")
        self.run: Run | None = None
        self.runs = 0
        self.ended = False
        self.last_seen = time.monotonic()
        self.lock = threading.Lock()

    def video_path(self, text: bool) -> Path:
        """The annotated video of the current run (H.264 mp4), with or without the burned-in score."""
        return self.folder / f"tracked-{self.runs}-{'text' if text else 'plain'}.mp4"

    @property
    def running(self) -> bool:
        return self.run is not None and not self.run.finished

    def touch(self) -> None:
        self.last_seen = time.monotonic()

    def describe(self) -> dict:
        """What the page needs to know about the session and its run."""
        run = self.run
        return {"id": self.id, "name": self.name, "width": self.width, "height": self.height, "frames": self.total,
                "fps": self.fps, "extracted": self.store.count, "extracting": not self.store.done,
                "state": run.state if run else "ready", "message": run.message if run else "",
                "tracked": len(run.boxes) if run else 0, "start": run.start if run else 0,
                "keyframes": list(run.keyframes) if run else [], "targets": 1 + len(run.others) if run else 0}

    def frame_limit(self) -> int | None:
        """Frames the video holds, once known (all extracted), else its declared count (None when unknown)."""
        return self.store.count if self.store.done else self.total


class SessionManager:
    """Creates, finds and ends sessions; runs their tracking in a bounded thread pool."""

    def __init__(self, tracker_factory: TrackerFactory, max_sessions: int = 16, max_runs: int = 2,
                 idle_timeout_s: float = 900.0):
        self.tracker_factory = tracker_factory
        self.max_sessions = max_sessions
        self.idle_timeout_s = idle_timeout_s
        for folder in sweep_stale_roots(Path(tempfile.gettempdir())):
            log.info("removed %s, left behind by a server that is gone", folder)
        self.root = make_root()
        self.sessions: dict[str, Session] = {}
        self.pool = ThreadPoolExecutor(max_workers=max_runs, thread_name_prefix="seattrack-run")
        self._lock = threading.Lock()
        self._reserved: set[str] = set()  # ids of sessions being uploaded: they count against max_sessions

    # ------------------------------------------------------------------------------------------ lifecycle
    @contextlib.contextmanager
    def new_folder(self) -> Iterator[Path]:
        """A fresh private folder for a session being created; removed again if creation fails.

        Its session slot is reserved at once, under the lock, so uploads still in flight count against the limit.
        """
        folder = self.root / secrets.token_urlsafe(16)
        with self._lock:
            if len(self.sessions) + len(self._reserved) >= self.max_sessions:
                raise Busy(f"server busy: {self.max_sessions} sessions are open, try again later")
            self._reserved.add(folder.name)
        try:
            folder.mkdir()
            yield folder
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        finally:
            with self._lock:
                self._reserved.discard(folder.name)

    def create(self, folder: Path, source: Path, name: str) -> Session:
        """Open `source` (decoding its first frames) as a new session stored in `folder` (from `new_folder`)."""
        session = Session(folder, source, name)
        with self._lock:
            self._reserved.discard(session.id)
            self.sessions[session.id] = session
        return session

    def get(self, session_id: str) -> Session:
        session = self.sessions.get(session_id)
        if session is None:
            raise SessionNotFound(f"session {session_id!r}: unknown or ended (upload the video again)")
        session.touch()
        return session

    def end(self, session_id: str) -> None:
        """Forget a session, stop its run and delete its files (by the worker, once it has stopped writing)."""
        with self._lock:
            session = self.sessions.pop(session_id, None)
        if session is None:
            return
        session.store.close()
        with session.lock:
            session.ended = True
            if session.run is not None:
                session.run.cancel.set()
            busy = session.running
        if not busy:
            shutil.rmtree(session.folder, ignore_errors=True)

    def sweep(self) -> list[str]:
        """End sessions idle for longer than the timeout (a run in progress keeps its session alive)."""
        limit = time.monotonic() - self.idle_timeout_s
        stale = [s.id for s in list(self.sessions.values()) if s.last_seen < limit and not s.running]
        for session_id in stale:
            self.end(session_id)
        return stale

    def close(self) -> None:
        """Server shutdown: stop every run, wait for the workers, delete every file."""
        for session_id in list(self.sessions):
            self.end(session_id)
        self.pool.shutdown(wait=True, cancel_futures=True)
        shutil.rmtree(self.root, ignore_errors=True)

    # ------------------------------------------------------------------------------------------- tracking
    def start(self, session: Session, box_xywh, frame: int = 0, more: Sequence = ()) -> Run:
        """Queue a run from `box_xywh` (and `more`: the boxes of targets 2..N, tracked together) drawn on `frame`,
        keeping the current track's boxes before that frame (a correction when there are any); the boxes are
        checked against the video's frame size. One run at a time."""
        box, *extra = (tuple(float(v) for v in check_init_box(b, (session.height, session.width)))
                       for b in [box_xywh, *more])
        limit = session.frame_limit()
        if isinstance(frame, bool) or not isinstance(frame, int) or frame < 0 or (limit and frame >= limit):
            span = f"0..{limit - 1}" if limit else "0 or more"
            raise SeatError(f"start frame {frame!r}: expected a frame number {span}")
        with session.lock:
            if session.running:
                raise Conflict(f"session {session.id}: a run is already in progress (stop it first)")
            run = _continue(session.run, box, frame, extra)
            for stale in session.folder.glob("tracked-*.mp4"):  # the previous track's videos
                stale.unlink(missing_ok=True)
            session.run = run
            session.runs += 1
            run.serial = session.runs
        try:
            self.pool.submit(self._execute, session, run)
        except RuntimeError:  # the pool is shut down: the server is stopping
            run.state, run.message = "cancelled", "the server is shutting down"
        return run

    def _execute(self, session: Session, run: Run) -> None:
        """Worker thread: track from the run's start frame to the end of the video, publishing every frame."""
        state, message = "failed", ""
        try:
            if run.cancel.is_set():
                raise Cancelled
            run.state = "running"
            _track(session, self.tracker_factory(), run)
            state = "done"
        except Cancelled:
            state, message = "cancelled", "tracking stopped"
        except SeatError as exc:
            message = str(exc)
        except Exception as exc:  # a worker must never take the server down; the log keeps the details
            log.exception("tracking failed in session %s", session.id)
            message = f"tracking failed on {session.name} ({type(exc).__name__}); the server log has the details"
        finally:
            with session.lock:
                run.message = message
                run.state = state
                if session.ended:
                    shutil.rmtree(session.folder, ignore_errors=True)


def _continue(previous: Run | None, box: tuple[float, float, float, float], frame: int,
              more: list[tuple[float, float, float, float]]) -> Run:
    """A new run from `box` (and `more`) on `frame` that keeps `previous`'s track before `frame` (padded with None).
    Corrections are single-target: keeping a track of several targets, or adding targets to a kept one, is refused."""
    kept = previous.track if previous is not None else Track([], [], [], [], [])
    targets = max(1 + len(more), 1 + len(previous.others) if previous is not None else 1)
    if targets > 1 and any(b is not None for b in kept.boxes[:frame]):
        raise Conflict(f"correction at frame {frame}: corrections are single-target and this would keep a track of "
                       f"{targets} targets; draw every box again and track from frame 0")
    gap = [None] * max(0, frame - len(kept.boxes))
    keyframes = [k for k in kept.keyframes if k < frame] + [frame]
    return Run(box=box, start=frame, boxes=list(kept.boxes[:frame]) + gap, scores=list(kept.scores[:frame]) + gap,
               presence=list(kept.presence[:frame]) + gap, lost=list(kept.lost[:frame]) + [False] * len(gap),
               keyframes=keyframes, more=list(more),
               others=[Lane([None] * frame, [None] * frame) for _ in more])


def targets_tracker(tracker: SeatTracker, count: int) -> SeatTracker | MultiTracker:
    """`tracker` itself for one target, else a `MultiTracker` on its network and hypers (one network call per
    frame for all `count` targets, with the same presence calibration)."""
    return tracker if count == 1 else MultiTracker(tracker.backend, tracker.hypers, tracker.presence)


def _track(session: Session, tracker: SeatTracker, run: Run) -> None:
    """Track `session`'s video from the run's keyframe to its end, every target of the run together. Frames before
    it are decoded and passed over (containers cannot be trusted to seek to an exact frame); an unreadable frame
    keeps the previous boxes, score 0."""
    targets = targets_tracker(tracker, 1 + len(run.more))
    began = time.perf_counter()
    source = FrameSource(str(session.source))

    def from_keyframe() -> Iterator[np.ndarray | None]:
        for index, frame in enumerate(source):
            if index < run.start:
                continue
            if run.cancel.is_set():
                raise Cancelled
            if index == run.start and frame is None:
                raise SeatError(f"{session.name}: frame {index} cannot be decoded; draw the box on another frame")
            yield frame

    init_box = [run.box, *run.more] if run.more else run.box
    try:
        for step in iter_track(targets, from_keyframe(), init_box):
            boxes, scores = np.reshape(step.box, (-1, 4)), np.reshape(step.score, -1)
            first = step.result[0] if isinstance(step.result, list) else step.result
            others = list(zip(boxes[1:], scores[1:]))
            if first is None:  # the keyframe (init) or an unreadable frame
                run.publish(boxes[0], scores[0], None, others=others)
            else:
                run.publish(boxes[0], scores[0], step.seconds, first.present, first.lost, others)
    finally:
        if source.capture is not None:
            source.capture.release()
        if len(run.boxes) > run.start:  # also when stopped: the end screen describes the frames tracked
            run.summary = run.summarize(time.perf_counter() - began, source.skipped, source.ended_early)
    if len(run.boxes) <= run.start:
        raise SeatError(f"{session.name}: frame {run.start} does not exist (the video ends before it)")


def make_root() -> Path:
    """A new private temp folder for this server's sessions, marked with its pid for `sweep_stale_roots`."""
    root = Path(tempfile.mkdtemp(prefix=ROOT_PREFIX))
    (root / OWNER_FILE).write_text(str(os.getpid()))
    return root


def sweep_stale_roots(parent: Path) -> list[Path]:
    """Delete the folders in `parent` of servers that died without cleaning up (SIGKILL, power loss).

    Only folders this app made are touched: named seattrack-web-*, owned by this user, holding a pid marker whose
    process is gone. A live, unknown or unreadable owner keeps the folder. POSIX only (os.kill(pid, 0) probes there).
    """
    if os.name != "posix":
        return []
    stale = [folder for folder in parent.glob(ROOT_PREFIX + "*") if _owner_is_gone(folder)]
    for folder in stale:
        shutil.rmtree(folder, ignore_errors=True)
    return stale


def _owner_is_gone(folder: Path) -> bool:
    try:
        if folder.is_symlink() or not folder.is_dir() or folder.stat().st_uid != os.getuid():
            return False
        pid = int((folder / OWNER_FILE).read_text())
    except (OSError, ValueError):
        return False
    return process_gone(pid)
