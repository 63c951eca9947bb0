"""The web app: upload a video, draw the target on its first frame, watch it track live, download the results.

FastAPI on uvicorn: the standard small ASGI pair, with async request streaming (an upload is counted and cut off
at the size limit while it arrives, never buffered whole), async streaming responses for server-sent events, and
static files, in two small pure-Python packages. An upload is also cut off when no byte arrives for a while or
when it takes too long as a whole (`UploadTimeouts`), so stalled clients cannot hold every session slot.
Server-sent events rather than a WebSocket: the live stream only flows server -> browser, SSE is plain HTTP that
the browser's EventSource reads natively, and every request the page makes (upload, start, stop, end) is an
ordinary POST/DELETE with a status code and a message.

    POST   /api/sessions?name=clip.mp4      raw video bytes -> a session (frame size, frame count); its frames are
                                            extracted as JPEGs in the background for the timeline
    POST   /api/sessions/clip/{name}        a bundled sample clip -> a session
    GET    /api/sessions/{id}               the session: frames extracted so far, run state, keyframes
    GET    /api/sessions/{id}/frames/{k}.jpg  frame k (from 0), longest side at most 1280, for the timeline
    POST   /api/sessions/{id}/track         {"box": [x, y, w, h], "frame": k} -> a run from frame k (default 0) in the
                                            worker pool, keeping the current track before k (a correction);
                                            {"boxes": [[x, y, w, h], ...]} tracks several targets together
    GET    /api/sessions/{id}/events        SSE: `progress` (the track's new boxes + scores), then `done`, `failed` or
                                            `cancelled`; when its last viewer leaves mid-run, the run stops
    POST   /api/sessions/{id}/stop          stop the run; the frames tracked so far stay downloadable
    GET    /api/sessions/{id}/track.csv     the track (also track.json, track.mot.txt, boxes.txt, boxes-N.txt for
                                            target N); video.mp4 the annotated video (?text=0: the boxes only)
    DELETE /api/sessions/{id}               end the session: its files are deleted
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import re
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, JSONResponse, Response, StreamingResponse
from fastapi.staticfiles import StaticFiles
from starlette.requests import ClientDisconnect

from ..errors import SeatError
from ..track.tracker import SeatTracker
from .exports import Track, render_video, to_box_file, to_csv, to_json, to_mot
from .sessions import Busy, Conflict, Run, Session, SessionManager, SessionNotFound, TrackerFactory, list_clips

STATIC = Path(__file__).resolve().parent / "static"
POLL_S = 0.04  # how often an event stream looks for progress: caps the live preview at 25 frames/s


class UploadTooLarge(SeatError):
    """The upload exceeds the server's size limit."""


class NotAVideo(SeatError):
    """The upload is empty, not a video container, or does not decode to at least two frames."""


class UploadTimeout(SeatError):
    """The upload stalled (no byte for the idle limit) or took longer than the total limit."""


_STATUS = {SessionNotFound: 404, Conflict: 409, UploadTimeout: 408, UploadTooLarge: 413, NotAVideo: 415, Busy: 503}


@dataclass(frozen=True)
class UploadTimeouts:
    """How long an upload may take: `idle_s` seconds without a byte arriving, `total_s` seconds for its whole body.

    An upload holds a session slot while it arrives; without these limits a client that stops sending (or sends a
    byte now and then) would hold it for good, and a few such clients would fill every slot.
    """

    idle_s: float = 30.0
    total_s: float = 900.0

    def __post_init__(self) -> None:
        if not 0 < self.idle_s <= self.total_s < math.inf:  # NaN fails every comparison
            raise SeatError(f"upload time limits (--upload-idle-timeout {self.idle_s:g}, --upload-timeout "
                            f"{self.total_s:g}): expected finite seconds, 0 < idle <= total")


def shared_tracker_factory(tracker: SeatTracker) -> TrackerFactory:
    """New trackers that share `tracker`'s network and presence calibration: per-session tracking state, one copy
    of the weights."""
    return lambda: SeatTracker(tracker.backend, tracker.hypers, tracker.presence)


MAX_TRACK_BODY = 4096
"""Largest body of a track request (a few boxes and a frame number)."""
TRACK_BODY = ('track request: expected JSON {"box": [x, y, w, h], "frame": k} or {"boxes": [[x, y, w, h], ...], '
              '"frame": k} (frame optional, default 0)')
MAX_TARGETS = 8
"""Most targets one run tracks together."""
FRAME_WAIT_S = 10.0
"""How long a request for a frame not yet extracted waits for it."""
LOCAL_HOSTS: tuple[str, ...] = ("127.0.0.1", "localhost", "::1")
SIMPLE_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data", "text/plain")
"""The content types a cross-site page may POST without asking (a "simple" request): never accepted here."""


def _host_name(host_header: str) -> str:
    """The name part of a Host header (`[::1]:8000` -> `::1`, `localhost:8000` -> `localhost`)."""
    if host_header.startswith("["):
        return host_header[1:].split("]", 1)[0]
    return host_header.rsplit(":", 1)[0] if host_header.count(":") == 1 else host_header


def request_problem(method: str, path: str, headers, allowed_hosts: tuple[str, ...] | None) -> tuple[int, str] | None:
    """Why a request must be refused as possibly forged by another web page, or None.

    - Host must name this server (`allowed_hosts`; None when bound to every interface), against DNS rebinding;
    - a state-changing request (POST, DELETE) must not come from another origin (`Origin` must match the Host),
      and must not carry a content type that a cross-site form can send without a preflight;
    - starting a run takes JSON only.
    """
    host = headers.get("host", "")
    if allowed_hosts is not None and _host_name(host).lower() not in allowed_hosts:
        return 421, f"host {host!r}: this server answers only to {', '.join(allowed_hosts)}"
    if method in ("POST", "DELETE", "PUT", "PATCH"):
        origin = headers.get("origin")
        if origin is not None and origin.split("://", 1)[-1].rstrip("/").lower() != host.lower():
            return 403, f"cross-origin request from {origin!r} refused"
        content_type = headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type in SIMPLE_FORM_TYPES:
            return 415, f"content type {content_type!r} refused (a form post from another page)"
        if path.endswith("/track") and content_type != "application/json":
            return 415, 'track request: expected Content-Type application/json and {"box": [x, y, w, h]}'
    return None


def create_app(tracker_factory: TrackerFactory, *, max_upload_mb: float = 200.0, max_sessions: int = 16,
               max_runs: int = 2, idle_timeout_s: float = 900.0, upload_timeouts: UploadTimeouts = UploadTimeouts(),
               clips_dir: Path | None = None, allowed_hosts: tuple[str, ...] | None = LOCAL_HOSTS) -> FastAPI:
    """The app; `tracker_factory` makes a fresh SeatTracker per run (see `shared_tracker_factory`).

    `allowed_hosts`: the names the Host header may carry (None: any, for a server bound to every interface).
    """
    if max_upload_mb <= 0 or max_sessions < 1 or max_runs < 1 or idle_timeout_s <= 0:
        raise SeatError("web app limits: expected a positive upload size, session count, run count and timeout")
    manager = SessionManager(tracker_factory, max_sessions, max_runs, idle_timeout_s)
    max_bytes = int(max_upload_mb * 1024 * 1024)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        sweeper = asyncio.create_task(_sweep_forever(manager))
        try:
            yield
        finally:
            sweeper.cancel()
            await asyncio.to_thread(manager.close)

    app = FastAPI(title="seattrack", lifespan=lifespan, docs_url=None, redoc_url=None)
    app.state.manager = manager
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    hosts = tuple(h.lower() for h in allowed_hosts) if allowed_hosts is not None else None

    @app.middleware("http")
    async def refuse_forged_requests(request: Request, call_next):
        problem = request_problem(request.method, request.url.path, request.headers, hosts)
        if problem is not None:
            return JSONResponse({"detail": problem[1]}, status_code=problem[0])
        return await call_next(request)

    @app.exception_handler(SeatError)
    async def seat_error(request: Request, exc: SeatError) -> JSONResponse:
        # a timed-out upload's body is still (maybe) on its way: close the connection rather than read the rest
        headers = {"Connection": "close"} if isinstance(exc, UploadTimeout) else None
        return JSONResponse({"detail": str(exc)}, status_code=_STATUS.get(type(exc), 400), headers=headers)

    @app.get("/", include_in_schema=False)
    async def index() -> FileResponse:
        return FileResponse(STATIC / "index.html")

    @app.get("/api/config")
    async def config() -> dict:
        return {"max_upload_bytes": max_bytes, "clips": [p.name for p in list_clips(clips_dir)]}

    @app.post("/api/sessions", status_code=201)
    async def upload(request: Request, name: str = "upload") -> dict:
        name = safe_name(name)
        declared = request.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > max_bytes:
            raise UploadTooLarge(f"{name}: {_mb(int(declared))} exceeds the {_mb(max_bytes)} upload limit")
        with manager.new_folder() as folder:
            path = folder / "upload"
            size = await _receive(request, path, name, max_bytes, upload_timeouts)
            if size == 0:
                raise NotAVideo(f"{name}: the upload is empty (0 bytes)")
            try:
                session = await asyncio.to_thread(manager.create, folder, path, name)
            except SeatError as exc:
                raise NotAVideo(str(exc)) from None
        return session.describe()

    @app.post("/api/sessions/clip/{clip}", status_code=201)
    async def open_clip(clip: str) -> dict:
        clips = {p.name: p for p in list_clips(clips_dir)}
        if clip not in clips:
            raise SessionNotFound(f"sample clip {clip!r}: not found ({', '.join(clips) or 'none bundled'})")
        with manager.new_folder() as folder:
            session = await asyncio.to_thread(manager.create, folder, clips[clip], clip)
        return session.describe()

    @app.get("/api/sessions/{session_id}")
    async def describe(session_id: str) -> dict:
        return manager.get(session_id).describe()

    @app.get("/api/sessions/{session_id}/frames/{index}.jpg")
    async def frame(session_id: str, index: int) -> Response:
        session = manager.get(session_id)
        path = await _stored_frame(session, index)
        data = await asyncio.to_thread(path.read_bytes)
        return Response(data, media_type="image/jpeg", headers={"Cache-Control": "private, max-age=86400, immutable"})

    @app.post("/api/sessions/{session_id}/track", status_code=202)
    async def track(session_id: str, request: Request) -> dict:
        session = manager.get(session_id)
        declared = request.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > MAX_TRACK_BODY:
            raise UploadTooLarge(f"track request: over {MAX_TRACK_BODY} bytes; {TRACK_BODY}")
        body = b""
        async for chunk in request.stream():  # a box is a few dozen bytes: stop reading long before memory matters
            body += chunk
            if len(body) > MAX_TRACK_BODY:
                raise UploadTooLarge(f"track request: over {MAX_TRACK_BODY} bytes; {TRACK_BODY}")
        try:
            request_body = json.loads(body)
            boxes = request_body["boxes"] if "boxes" in request_body else [request_body["box"]]
            frame = request_body.get("frame", 0)
        except (ValueError, KeyError, TypeError, AttributeError, RecursionError):  # RecursionError: absurd nesting
            raise SeatError(TRACK_BODY) from None
        if not isinstance(boxes, list) or not boxes:
            raise SeatError(TRACK_BODY)
        if len(boxes) > MAX_TARGETS:
            raise SeatError(f"track request: {len(boxes)} boxes, at most {MAX_TARGETS} targets are tracked together")
        manager.start(session, boxes[0], frame, boxes[1:])
        return session.describe()

    @app.post("/api/sessions/{session_id}/stop")
    async def stop(session_id: str) -> dict:
        session = manager.get(session_id)
        if session.run is not None:
            session.run.cancel.set()
        return session.describe()

    @app.get("/api/sessions/{session_id}/events")
    async def events(session_id: str) -> StreamingResponse:
        session = manager.get(session_id)
        if session.run is None:
            raise Conflict(f"session {session_id}: nothing to watch, start tracking first")
        headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
        return StreamingResponse(_event_stream(session, session.run), media_type="text/event-stream", headers=headers)

    @app.get("/api/sessions/{session_id}/video.mp4")
    async def video(session_id: str, text: bool = True) -> FileResponse:
        session = manager.get(session_id)
        tracks, path = _finished_tracks(session), session.video_path(text)
        if not path.is_file():
            await asyncio.to_thread(render_video, session.source, path, tracks, session.fps, text)
        return FileResponse(path, media_type="video/mp4", filename="tracked.mp4" if text else "tracked-plain.mp4")

    @app.get("/api/sessions/{session_id}/{export}")
    async def export(session_id: str, export: str) -> Response:
        session = manager.get(session_id)
        target = re.fullmatch(r"boxes-([1-9][0-9]?)\.txt", export)
        if export not in EXPORTS and target is None:
            raise SessionNotFound(f"{export!r}: no such download (one of video.mp4, {', '.join(EXPORTS)}, "
                                  "boxes-N.txt for target N)")
        headers = {"Content-Disposition": f'attachment; filename="{export}"'}
        tracks = _finished_tracks(session)
        if target is not None:
            return Response(to_box_file(_target(tracks, int(target[1]), export)), media_type="text/plain",
                            headers=headers)
        media_type, write = EXPORTS[export]
        return Response(write(tracks, session), media_type=media_type, headers=headers)

    @app.delete("/api/sessions/{session_id}", status_code=204)
    async def end(session_id: str) -> Response:
        await asyncio.to_thread(manager.end, session_id)
        return Response(status_code=204)

    return app


def _mb(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB"


async def _receive(request: Request, path: Path, name: str, max_bytes: int, timeouts: UploadTimeouts) -> int:
    """Stream the request body into `path` and return its size; cut off past `max_bytes` or the time limits. The
    file is opened, written and closed in worker threads, so a slow disk never stalls the event loop (other users'
    streams)."""
    size = 0
    deadline = asyncio.get_running_loop().time() + timeouts.total_s
    chunks = request.stream()
    out = await asyncio.to_thread(open, path, "wb")
    try:
        while (chunk := await _next_chunk(chunks, name, timeouts, deadline)) is not None:
            size += len(chunk)
            if size > max_bytes:
                raise UploadTooLarge(f"{name}: larger than the {_mb(max_bytes)} upload limit")
            await asyncio.to_thread(out.write, chunk)
    except ClientDisconnect:
        raise SeatError(f"{name}: the upload was interrupted") from None
    finally:
        await asyncio.to_thread(out.close)
    return size


async def _next_chunk(chunks: AsyncIterator[bytes], name: str, timeouts: UploadTimeouts,
                      deadline: float) -> bytes | None:
    """The next piece of an upload, or None at its end; UploadTimeout if none arrives within the idle limit or
    before `deadline` (event-loop time), whichever comes first."""
    left = deadline - asyncio.get_running_loop().time()
    try:
        async with asyncio.timeout(min(timeouts.idle_s, left)):
            return await anext(chunks, None)
    except TimeoutError:
        if left < timeouts.idle_s:
            raise UploadTimeout(f"{name}: the upload took longer than the {timeouts.total_s:g} s limit and was "
                                "aborted") from None
        raise UploadTimeout(f"{name}: no data received for {timeouts.idle_s:g} s; the upload was aborted") from None


def _finished_tracks(session: Session) -> list[Track]:
    """Every target's track of the session's run once it has ended (done, or stopped with the frames tracked so
    far), target 1 first."""
    run = session.run
    if run is None or not run.finished or not any(box is not None for box in run.boxes):
        raise SessionNotFound(f"session {session.id}: no tracked frames to download (track the video first)")
    return run.tracks


def _target(tracks: list[Track], number: int, export: str) -> Track:
    """Target `number`'s track (from 1), for `export`."""
    if number > len(tracks):
        raise SessionNotFound(f"{export!r}: no target {number} (the track has {len(tracks)})")
    return tracks[number - 1]


EXPORTS: dict[str, tuple[str, Callable[[list[Track], Session], str]]] = {
    "track.csv": ("text/csv", lambda tracks, _: to_csv(tracks)),
    "track.json": ("application/json", lambda tracks, s: to_json(tracks, s.name, s.width, s.height, s.fps)),
    "track.mot.txt": ("text/plain", lambda tracks, _: to_mot(tracks)),
    "boxes.txt": ("text/plain", lambda tracks, _: to_box_file(tracks[0])),
}
"""The track's downloads by file name: (media type, writer of every target's tracks)."""


async def _stored_frame(session: Session, index: int) -> Path:
    """Frame `index`'s timeline JPEG, waiting up to FRAME_WAIT_S for the extraction to reach it."""
    store = session.store
    deadline = asyncio.get_running_loop().time() + FRAME_WAIT_S
    while index >= store.count and not store.done and asyncio.get_running_loop().time() < deadline:
        await asyncio.sleep(0.02)
    if not 0 <= index < store.count:
        held = f"{store.count} frames" + (" so far" if not store.done else "")
        raise SessionNotFound(f"{session.name}: no frame {index} (the video has {held})")
    return store.path(index)


def _sse(event: str, payload: dict) -> str:
    return f"event: {event}\ndata: {json.dumps(payload, separators=(',', ':'))}\n\n"


async def _event_stream(session: Session, run: Run) -> AsyncIterator[str]:
    """Progress of `run` as server-sent events; if the last of its viewers leaves before the end, it is stopped.

    Viewers are counted on the event loop's thread only, so the count needs no lock."""
    sent = 0
    run.viewers += 1
    try:
        while True:
            finished = run.finished  # read first: every box appended before the end is then sent below
            count = len(run.boxes)
            if count > sent:
                others = [{"boxes": lane.boxes[sent:count], "scores": lane.scores[sent:count]} for lane in run.others]
                yield _sse("progress", {"start": sent, "boxes": run.boxes[sent:count], "scores": run.scores[sent:count],
                                        "presence": run.presence[sent:count], "lost": run.lost[sent:count],
                                        "others": others, "fps": round(run.fps, 1), "total": session.frame_limit()})
                sent = count
            elif finished:
                yield _sse(run.state, {"message": run.message, **(run.summary or {})})
                return
            session.touch()
            await asyncio.sleep(POLL_S)
    finally:
        run.viewers -= 1
        if run.viewers == 0 and not run.finished:
            run.cancel.set()


async def _sweep_forever(manager: SessionManager) -> None:
    """End idle sessions now and then (a quarter of the idle timeout, at most every 30 s)."""
    while True:
        await asyncio.sleep(min(30.0, manager.idle_timeout_s / 4))
        await asyncio.to_thread(manager.sweep)


def safe_name(name: str) -> str:
    """A display name for an uploaded file: its last path part, printable, at most 80 characters."""
    return re.sub(r"[^\w. ()+-]", "_", name.rsplit("/", 1)[-1].rsplit("\\", 1)[-1])[:80] or "upload"
