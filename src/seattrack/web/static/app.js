"use strict";
// SEAT tracker page: open a video (upload or sample clip), draw the target box on any frame, stream the run from
// the server (server-sent events: boxes and scores), review it on a timeline (frame k from the server as a JPEG,
// box k drawn here over it), correct drift by redrawing the box on frame k and tracking on from there, download.
(() => {
  const $ = (id) => document.getElementById(id);
  const view = $("view");
  const ctx = view.getContext("2d");
  const plot = $("plot");
  const HANDLE_PX = matchMedia("(pointer: coarse)").matches ? 14 : 6; // half a handle, in screen pixels: a finger's
  // reach on a touch screen
  const MIN_BOX = 4; // smallest box side, in image pixels
  const CACHE_FRAMES = 400; // decoded timeline frames kept in the page
  const TRACKED_COLOR = "#3dff8f";
  const KEYFRAME_COLOR = "#ffa500";
  const LOST_COLOR = "#ff3b30";
  const PRESENCE_COLOR = "#2e6bd9";
  // Target k's colour (from 0), as the annotated video draws it: target 1 green, then blue, orange, magenta...
  const TARGET_COLORS = [TRACKED_COLOR, "#00a0ff", "#ffa000", "#ff00ff", "#ffff00", "#ff50a0"];
  const targetColor = (k) => TARGET_COLORS[k % TARGET_COLORS.length];
  const MAX_TARGETS = 8; // the server's limit per run

  // The page's whole state; exposed for the browser test and the console.
  const app = {
    session: null, // the server's description of the open video
    frame: 0, // the timeline's frame, shown in the view
    frameCount: 0, // frames the timeline can show (grows while the server extracts them)
    box: null, // the box being drawn {x, y, w, h} in image pixels, on frame `frame`
    state: "idle", // idle | editing | tracking | finished
    boxes: [], // the track: [x, y, w, h] per frame from frame 0, null where there is none
    scores: [],
    presence: [], // the calibrated probability that the target is in the box, per frame (null without a calibration)
    lost: [], // per frame: the calibration says the target is lost
    keyframes: [], // frames whose box was drawn by the user (the first box and each correction)
    pending: [], // boxes {x, y, w, h} added as targets 1..n before the box being drawn (tracked together with it)
    others: [], // targets 2..N of the track: {boxes, scores} per target, per frame as `boxes`
    follow: true, // while tracking, the view follows the newest tracked frame
    events: null, // the EventSource of the current run
    maxUpload: 0,
    busy: false, // a video is being uploaded or opened: the sources are disabled
    uploadLog: [], // {percent, disabled} per upload progress event (for the browser test)
    drawn: 0, // frames drawn in the view (the test reads the page's own frame rate from it)
    shown: -1, // the frame drawn in the view now
    showFrame: null, // showFrame(k) -> Promise<bool>, set below: for the test's latency figures
    handlePx: HANDLE_PX,
  };
  window.seatApp = app;
  let drag = null; // {mode, anchor, orig} while the mouse edits the box
  let image = null; // the decoded image of the frame on show
  const cache = new Map(); // frame index -> Promise<Image>, oldest first

  // --------------------------------------------------------------------------------------------- messages
  function showMessage(text, kind = "error") {
    const box = $("message");
    box.textContent = text;
    box.className = kind;
    box.hidden = false;
  }

  function clearMessage() {
    $("message").hidden = true;
  }

  function setStatus(text) {
    $("status").textContent = text;
  }

  const mb = (bytes) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

  async function api(method, url, body, contentType) {
    let response;
    try {
      response = await fetch(url, { method, body, headers: contentType ? { "Content-Type": contentType } : {} });
    } catch (err) {
      throw new Error(`cannot reach the server (${err.message})`);
    }
    if (!response.ok) {
      let detail = `${response.status} ${response.statusText}`;
      try {
        detail = (await response.json()).detail || detail;
      } catch (_) {
        // not JSON: keep the status line
      }
      throw new Error(detail);
    }
    return response.status === 204 ? null : response.json();
  }

  // --------------------------------------------------------------------------------------------- sessions
  function closeEvents() {
    if (app.events) app.events.close();
    app.events = null;
  }

  function endSession(session) {
    if (session) fetch(`/api/sessions/${session.id}`, { method: "DELETE", keepalive: true }).catch(() => {});
  }

  // A new video replaces the open one only once the server has accepted it: a refused upload keeps the open
  // session, its track and its downloads.
  async function openSession(label, create) {
    clearMessage();
    const previous = app.session;
    setStatus(`Opening ${label}…`);
    let session;
    setSourcesEnabled(false);
    try {
      session = await create();
    } catch (err) {
      setStatus(previous ? `${previous.name}: kept` : "Choose a video");
      showMessage(err.message);
      return;
    } finally {
      setSourcesEnabled(true);
      $("upload-progress").hidden = true;
    }
    stopPlaying();
    closeEvents();
    endSession(previous);
    cache.clear();
    image = null;
    app.shown = -1;
    Object.assign(app, { session, box: null, boxes: [], scores: [], presence: [], lost: [], keyframes: [], frame: 0, follow: true,
      pending: [], others: [] });
    listTargets();
    setFrameCount(session);
    view.width = session.width;
    view.height = session.height;
    $("stage").hidden = false;
    hideResults();
    $("progress").value = 0;
    setState("editing");
    const frames = session.frames ? `${session.frames} frames, ` : "";
    setStatus(`${session.name}: ${session.width}×${session.height}, ${frames}${session.fps.toFixed(0)} fps`);
    await showFrame(0);
    drawPlot();
    pollExtraction(session.id);
  }

  // The server extracts the frames in the background: the timeline grows with them.
  function setFrameCount(info) {
    const declared = info.extracting ? info.frames || 0 : 0;
    app.frameCount = Math.max(info.extracted, declared, 1);
    $("timeline").max = app.frameCount - 1;
    showTimeline();
  }

  async function pollExtraction(id) {
    let info = app.session;
    while (info.extracting && app.session && app.session.id === id) {
      await new Promise((resolve) => setTimeout(resolve, 300));
      try {
        info = await api("GET", `/api/sessions/${id}`);
      } catch (_) {
        return; // the session ended
      }
      if (app.session && app.session.id === id) setFrameCount(info);
    }
  }

  function uploadVideo(name, blob) {
    if (app.maxUpload && blob.size > app.maxUpload) { // the server checks too; this saves a long upload
      showMessage(`${name}: ${mb(blob.size)} exceeds the ${mb(app.maxUpload)} upload limit`);
      return;
    }
    const url = `/api/sessions?name=${encodeURIComponent(name)}`;
    openSession(name, () => postWithProgress(url, name, blob));
  }

  // While a video is being sent or opened, no second one can be started (file, clip, webcam or a drop).
  function setSourcesEnabled(enabled) {
    app.busy = !enabled;
    for (const id of ["file", "clips", "open-clip", "webcam"]) $(id).disabled = !enabled;
    $("file-label").classList.toggle("disabled", !enabled);
  }

  // An upload through XMLHttpRequest, the one browser API that reports how much of a request body has been sent.
  function postWithProgress(url, name, blob) {
    return new Promise((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      xhr.open("POST", url);
      xhr.setRequestHeader("Content-Type", "application/octet-stream");
      xhr.responseType = "json";
      xhr.upload.addEventListener("progress", (event) => {
        if (!event.lengthComputable) return;
        const percent = Math.floor((100 * event.loaded) / event.total);
        $("upload-progress").hidden = false;
        $("upload-progress").textContent = percent < 100 ? `Uploading ${name}: ${percent}%` : `Checking ${name}…`;
        app.uploadLog.push({ percent, disabled: $("file").disabled });
      });
      xhr.addEventListener("load", () => {
        if (xhr.status >= 200 && xhr.status < 300) resolve(xhr.response);
        else reject(new Error((xhr.response && xhr.response.detail) || `${xhr.status} ${xhr.statusText}`));
      });
      xhr.addEventListener("error", () => reject(new Error(`${name}: the upload failed (cannot reach the server)`)));
      xhr.send(blob);
    });
  }

  // The whole page is a drop target: a video dropped anywhere is uploaded, and the browser never opens a dropped
  // file in place of the app.
  document.addEventListener("dragover", (event) => {
    event.preventDefault();
    document.body.classList.add("dropping");
  });
  document.addEventListener("dragleave", (event) => {
    if (!event.relatedTarget) document.body.classList.remove("dropping");
  });
  document.addEventListener("drop", (event) => {
    event.preventDefault();
    document.body.classList.remove("dropping");
    const file = event.dataTransfer && event.dataTransfer.files[0];
    if (!file) return;
    if (app.busy) showMessage(`${file.name}: another video is still being opened; drop it again once it is`);
    else uploadVideo(file.name, file);
  });

  $("file").addEventListener("change", () => {
    const file = $("file").files[0];
    $("file").value = ""; // choosing the same file again still fires `change`
    if (file) uploadVideo(file.name, file);
  });

  // The webcam is recorded in the browser (MediaRecorder) and uploaded like a file when the recording stops, so
  // it gets the same checks, session and tracking as any video. Browsers offer the camera only to a secure
  // context (https, or this machine's 127.0.0.1/localhost), so elsewhere the button stays hidden.
  const MAX_RECORDING_S = 30;
  let recorder = null;

  async function startRecording() {
    let stream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({ video: true, audio: false });
    } catch (err) {
      showMessage(`webcam: ${err.message}`);
      return;
    }
    clearMessage();
    const chunks = [];
    let size = 0;
    const rec = new MediaRecorder(stream);
    recorder = rec;
    rec.addEventListener("dataavailable", (event) => {
      chunks.push(event.data);
      size += event.data.size;
      if (app.maxUpload && size > 0.9 * app.maxUpload) stopRecording(); // keep it under the upload limit
    });
    rec.addEventListener("stop", () => {
      for (const track of stream.getTracks()) track.stop();
      const type = rec.mimeType || "video/webm";
      recorder = null;
      $("camera").srcObject = null;
      $("camera").hidden = true;
      $("webcam").textContent = "Record from webcam";
      uploadVideo(type.includes("mp4") ? "webcam.mp4" : "webcam.webm", new Blob(chunks, { type }));
    });
    $("camera").srcObject = stream;
    $("camera").hidden = false;
    $("camera").play().catch(() => {});
    rec.start(500); // a chunk every 0.5 s, to watch the size
    $("webcam").textContent = "Stop recording and use it";
    setTimeout(() => recorder === rec && stopRecording(), MAX_RECORDING_S * 1000);
  }

  function stopRecording() {
    if (recorder && recorder.state === "recording") recorder.stop();
  }

  $("webcam").addEventListener("click", () => (recorder ? stopRecording() : startRecording()));
  $("webcam").hidden = !(window.isSecureContext && navigator.mediaDevices && window.MediaRecorder);

  $("open-clip").addEventListener("click", () => {
    const name = $("clips").value;
    openSession(name, () => api("POST", `/api/sessions/clip/${encodeURIComponent(name)}`));
  });

  window.addEventListener("pagehide", () => endSession(app.session));

  // ------------------------------------------------------------------------------------------ box editor
  const HINTS = {
    editing: "Drag on the frame to draw the target box (on any frame: choose it with the timeline); drag inside it to move it, or its handles to resize. Add target keeps it and lets you draw another, to track several together.",
    tracking: "Tracking… the view follows the newest frame; step back with ← or the slider to review while it runs.",
    finished: "Review: ←/→ step, Space plays. To fix drift, go to the frame, drag a new box and track on from there.",
  };

  function setState(state) {
    app.state = state;
    const tracking = state === "tracking";
    $("start").disabled = tracking || !startBoxes().length;
    $("add-target").disabled = state !== "editing" || !app.box || app.pending.length + 1 >= MAX_TARGETS;
    $("stop").disabled = !tracking;
    const from = app.frame > 0 ? ` from frame ${app.frame}` : "";
    $("start").textContent = `Track${from}`;
    for (const input of $("box-fields").querySelectorAll("input")) input.disabled = tracking;
    $("hint").textContent = HINTS[state] || HINTS.editing;
    render();
  }

  function toImage(event) {
    const rect = view.getBoundingClientRect();
    const scale = view.width / rect.width; // image pixels per screen pixel
    return { x: (event.clientX - rect.left) * scale, y: (event.clientY - rect.top) * scale, scale };
  }

  function handles(b) {
    const [x1, y1, x2, y2, cx, cy] = [b.x, b.y, b.x + b.w, b.y + b.h, b.x + b.w / 2, b.y + b.h / 2];
    return { nw: [x1, y1], n: [cx, y1], ne: [x2, y1], e: [x2, cy], se: [x2, y2], s: [cx, y2], sw: [x1, y2], w: [x1, cy] };
  }

  function hitTest(p) {
    const b = app.box;
    if (!b) return null;
    const reach = HANDLE_PX * 1.6 * p.scale;
    for (const [name, [hx, hy]] of Object.entries(handles(b))) {
      if (Math.abs(p.x - hx) <= reach && Math.abs(p.y - hy) <= reach) return name;
    }
    return p.x > b.x && p.x < b.x + b.w && p.y > b.y && p.y < b.y + b.h ? "move" : null;
  }

  const CURSORS = { move: "move", n: "ns-resize", s: "ns-resize", e: "ew-resize", w: "ew-resize",
    nw: "nwse-resize", se: "nwse-resize", ne: "nesw-resize", sw: "nesw-resize" };
  const clamp = (v, lo, hi) => Math.min(Math.max(v, lo), hi);

  function boxFromCorners(x1, y1, x2, y2) {
    const [W, H] = [view.width, view.height];
    [x1, x2] = [clamp(Math.min(x1, x2), 0, W), clamp(Math.max(x1, x2), 0, W)];
    [y1, y2] = [clamp(Math.min(y1, y2), 0, H), clamp(Math.max(y1, y2), 0, H)];
    return { x: x1, y: y1, w: x2 - x1, h: y2 - y1 };
  }

  function dragTo(p) {
    const o = drag.orig;
    if (drag.mode === "new") {
      app.box = boxFromCorners(drag.anchor.x, drag.anchor.y, p.x, p.y);
    } else if (drag.mode === "move") {
      const x = clamp(o.x + p.x - drag.anchor.x, 0, view.width - o.w);
      const y = clamp(o.y + p.y - drag.anchor.y, 0, view.height - o.h);
      app.box = { x, y, w: o.w, h: o.h };
    } else {
      let [x1, y1, x2, y2] = [o.x, o.y, o.x + o.w, o.y + o.h];
      if (drag.mode.includes("w")) x1 = p.x;
      if (drag.mode.includes("e")) x2 = p.x;
      if (drag.mode.includes("n")) y1 = p.y;
      if (drag.mode.includes("s")) y2 = p.y;
      app.box = boxFromCorners(x1, y1, x2, y2);
    }
    showBox();
  }

  // On a finished track, a drag on the frame starts a correction there: the box starts as that frame's box.
  view.addEventListener("pointerdown", (event) => {
    if (!app.session || app.state === "tracking" || event.button !== 0) return;
    if (app.state === "finished") startEditing();
    const p = toImage(event);
    const mode = hitTest(p) || "new";
    drag = { mode, anchor: p, orig: app.box && { ...app.box } };
    view.setPointerCapture(event.pointerId);
    event.preventDefault();
  });

  function startEditing() {
    const b = app.boxes[app.frame];
    app.box = b ? { x: b[0], y: b[1], w: b[2], h: b[3] } : null;
    stopPlaying();
    setState("editing");
    showBox();
  }

  view.addEventListener("pointermove", (event) => {
    if (app.state !== "editing") return;
    const p = toImage(event);
    if (drag) dragTo(p);
    else view.style.cursor = CURSORS[hitTest(p)] || "crosshair";
  });

  function endDrag() {
    if (!drag) return;
    drag = null;
    if (app.box && (app.box.w < MIN_BOX || app.box.h < MIN_BOX)) app.box = null; // a click, not a box
    showBox();
  }
  view.addEventListener("pointerup", endDrag);
  view.addEventListener("pointercancel", endDrag);

  const FIELDS = ["x", "y", "w", "h"];
  function fillFields(box) {
    for (const k of FIELDS) $(`box-${k}`).value = box ? Math.round(box[k]) : "";
  }

  function showBox() {
    fillFields(app.box);
    $("start").disabled = app.state === "tracking" || !startBoxes().length;
    $("add-target").disabled = app.state !== "editing" || !app.box || app.pending.length + 1 >= MAX_TARGETS;
    render();
  }

  // Several targets: "Add target" keeps the box drawn as the next target and clears the editor for another one;
  // Track then tracks them all (and the box being drawn, if any) together, one network call per frame.
  $("add-target").addEventListener("click", () => {
    if (app.state !== "editing" || !app.box) return;
    app.pending.push(app.box);
    app.box = null;
    listTargets();
    showBox();
  });

  // The added targets, each with its colour and a remove control.
  function listTargets() {
    const items = app.pending.map((b, i) => {
      const item = document.createElement("li");
      const swatch = document.createElement("span");
      swatch.className = "swatch";
      swatch.style.background = targetColor(i);
      const remove = document.createElement("button");
      remove.type = "button";
      remove.className = "secondary remove";
      remove.textContent = "×";
      remove.title = `Remove target ${i + 1}`;
      remove.addEventListener("click", () => {
        app.pending.splice(i, 1);
        listTargets();
        showBox();
      });
      item.append(swatch, `target ${i + 1}: ${[b.x, b.y, b.w, b.h].map(Math.round).join(", ")}`, remove);
      return item;
    });
    $("targets").replaceChildren(...items);
    $("targets").hidden = items.length === 0;
  }

  function readFields() {
    const values = FIELDS.map((f) => parseFloat($(`box-${f}`).value));
    if (values.some(Number.isNaN)) return;
    app.box = { x: values[0], y: values[1], w: values[2], h: values[3] }; // the server checks it is in the frame
    if (app.state === "finished") setState("editing");
    showBox();
  }

  for (const k of FIELDS) $(`box-${k}`).addEventListener("change", readFields);

  // The view: the timeline's frame, then either the box being drawn (dimmed outside, handles) or the track's box
  // on this frame with its score (orange on a keyframe: a box the user drew).
  function render() {
    if (!image) return;
    const [W, H] = [view.width, view.height];
    ctx.drawImage(image, 0, 0, W, H);
    const scale = W / view.getBoundingClientRect().width || 1;
    if (app.state === "editing") drawEditBox(scale);
    else drawTrackedBox(scale);
  }

  function drawEditBox(scale) {
    ctx.lineWidth = Math.max(2 * scale, 1.5);
    app.pending.forEach((p, i) => {
      ctx.strokeStyle = targetColor(i);
      ctx.strokeRect(p.x, p.y, p.w, p.h);
    });
    const b = app.box;
    if (!b) return;
    ctx.fillStyle = "rgba(0, 0, 0, 0.4)";
    ctx.beginPath();
    ctx.rect(0, 0, view.width, view.height);
    ctx.rect(b.x, b.y, b.w, b.h);
    ctx.fill("evenodd");
    ctx.lineWidth = 2 * scale;
    ctx.strokeStyle = targetColor(app.pending.length);
    ctx.strokeRect(b.x, b.y, b.w, b.h);
    ctx.fillStyle = "#ffffff";
    const r = HANDLE_PX * scale * 0.7;
    for (const [hx, hy] of Object.values(handles(b))) {
      ctx.fillRect(hx - r, hy - r, 2 * r, 2 * r);
      ctx.strokeRect(hx - r, hy - r, 2 * r, 2 * r);
    }
  }

  // Target 1's box (orange on a keyframe, red when lost), then every other target's in its colour.
  function drawTrackedBox(scale) {
    const b = app.boxes[app.frame];
    if (!b) return;
    const key = app.keyframes.includes(app.frame);
    const lost = app.lost[app.frame];
    drawLabelledBox(b, key ? KEYFRAME_COLOR : lost ? LOST_COLOR : TRACKED_COLOR, key ? "drawn" : frameReadout(app.frame), scale);
    app.others.forEach((other, i) => {
      const box = other.boxes[app.frame];
      if (box) drawLabelledBox(box, targetColor(i + 1), `#${i + 2} ${key ? "drawn" : `score ${other.scores[app.frame].toFixed(3)}`}`, scale);
    });
  }

  function drawLabelledBox(b, color, label, scale) {
    ctx.lineWidth = Math.max(2 * scale, 1.5); // at least 1.5 image pixels: visible on a small video shown large
    ctx.strokeStyle = color;
    ctx.strokeRect(b[0], b[1], b[2], b[3]);
    ctx.font = `${Math.round(13 * scale)}px system-ui, sans-serif`;
    const [tw, th] = [ctx.measureText(label).width + 8 * scale, 18 * scale];
    const gap = ctx.lineWidth; // clear of the box's edge
    const ty = b[1] >= th + gap ? b[1] - th - gap : b[1] + b[3] + gap;
    ctx.fillStyle = "rgba(0, 0, 0, 0.65)";
    ctx.fillRect(b[0], ty, tw, th);
    ctx.fillStyle = "#ffffff";
    ctx.fillText(label, b[0] + 4 * scale, ty + 13 * scale);
  }

  // ------------------------------------------------------------------------------------------- timeline
  function frameUrl(k) {
    return `/api/sessions/${app.session.id}/frames/${k}.jpg`;
  }

  function loadFrame(k) {
    let entry = cache.get(k);
    if (entry) {
      cache.delete(k); // most recently used last
    } else {
      const img = new Image();
      img.src = frameUrl(k);
      entry = img.decode().then(() => img);
      entry.catch(() => cache.delete(k));
      if (cache.size >= CACHE_FRAMES) cache.delete(cache.keys().next().value);
    }
    cache.set(k, entry);
    return entry;
  }

  // Show frame k: resolves true once it is drawn, false when another frame was asked for meanwhile.
  async function showFrame(k) {
    k = clamp(Math.round(k), 0, app.frameCount - 1);
    app.frame = k;
    showTimeline();
    const session = app.session;
    let img;
    try {
      img = await loadFrame(k);
    } catch (_) {
      return false;
    }
    if (app.frame !== k || app.session !== session) return false;
    image = img;
    app.shown = k;
    render();
    app.drawn += 1;
    return true;
  }
  app.showFrame = showFrame;

  function showTimeline() {
    $("timeline").value = app.frame;
    const b = app.boxes[app.frame];
    const score = b ? (app.keyframes.includes(app.frame) ? ", box drawn" : `, ${frameReadout(app.frame)}`) : "";
    $("frame-label").textContent = `frame ${app.frame} / ${app.frameCount - 1}${score}`;
    if (app.state !== "tracking") {
      $("start").textContent = app.frame > 0 ? `Track from frame ${app.frame}` : "Track";
      $("start").disabled = !startBoxes().length;
      if (app.state === "finished") fillFields(startBox());
    }
    drawPlot();
  }

  // "score 0.998, present 0.93" (presence only with a calibration), "LOST" when the calibration says so.
  function frameReadout(k) {
    const present = app.presence[k];
    const presence = present === null || present === undefined ? "" : `, present ${present.toFixed(2)}`;
    return `score ${app.scores[k].toFixed(3)}${presence}${app.lost[k] ? ", LOST" : ""}`;
  }

  // A step by the user (keys, slider, plot): while tracking, the view stops following the newest frame until the
  // user comes back to it.
  function goTo(k) {
    app.follow = k >= app.boxes.length - 1;
    return showFrame(k);
  }

  $("timeline").addEventListener("input", () => goTo(Number($("timeline").value)));

  let player = null;
  function stopPlaying() {
    if (player) clearTimeout(player);
    player = null;
    $("play").textContent = "Play";
  }

  // Play at the video's rate (at most 30 frames/s), each frame drawn before the next is asked for.
  function play() {
    if (player) return stopPlaying();
    if (app.frame >= lastPlayable()) goTo(0);
    $("play").textContent = "Pause";
    const step = 1000 / Math.min(app.session.fps || 25, 30);
    const tick = async () => {
      const t0 = performance.now();
      if (app.frame >= lastPlayable()) return stopPlaying();
      await goTo(app.frame + 1);
      for (let i = 2; i <= 4; i++) if (app.frame + i < app.frameCount) loadFrame(app.frame + i); // read ahead
      if (player) player = setTimeout(tick, Math.max(0, step - (performance.now() - t0)));
    };
    player = setTimeout(tick, 0);
  }

  function lastPlayable() {
    return app.state === "tracking" ? app.boxes.length - 1 : app.frameCount - 1;
  }

  $("play").addEventListener("click", play);

  // Keys: Enter tracks, Esc stops a run or clears the box being drawn, Space plays; ←/→ step frames (Shift: 10),
  // or, while a box is being drawn, the arrows nudge it by a pixel (Shift: 10).
  const NUDGE = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };

  document.addEventListener("keydown", (event) => {
    if (!app.session || event.ctrlKey || event.metaKey || event.altKey) return;
    const inField = event.target.matches("input[type=number], select");
    if (event.key === "Enter" && !event.target.matches("button, a, select, label, input[type=file]")) {
      if (inField) readFields();
      if (app.state === "tracking" || !startBoxes().length) return;
      $("start").click();
    } else if (event.key === "Escape") {
      escape();
    } else if (inField) {
      return;
    } else if (event.key === " ") {
      play();
    } else if (NUDGE[event.key] && app.state === "editing" && app.box) {
      nudge(NUDGE[event.key], event.shiftKey ? 10 : 1);
    } else if (event.key === "ArrowLeft" || event.key === "ArrowRight") {
      stopPlaying();
      goTo(app.frame + NUDGE[event.key][0] * (event.shiftKey ? 10 : 1));
    } else {
      return;
    }
    event.preventDefault();
  });

  function escape() {
    if (app.state === "tracking") {
      $("stop").click();
    } else if (app.state === "editing" && app.box) {
      app.box = null;
      showBox();
    } else if (app.state === "editing" && app.boxes.some((b) => b)) {
      setState("finished"); // a correction given up: back to reviewing the track
      showTimeline();
    }
  }

  function nudge([dx, dy], px) {
    const b = app.box;
    app.box = { ...b, x: clamp(b.x + dx * px, 0, view.width - b.w), y: clamp(b.y + dy * px, 0, view.height - b.h) };
    showBox();
  }

  // -------------------------------------------------------------------------------------------- tracking
  // Track from the box drawn on the frame on show: from frame 0 it is a new track; from a later frame the server
  // keeps the track's boxes before it, so a drifted track is corrected by redrawing the box where it went wrong.
  // The box to track from: the one being drawn, else (reviewing) the track's box on this frame, to resume there.
  function startBox() {
    if (app.state === "editing") return app.box;
    const b = app.boxes[app.frame];
    return b && { x: b[0], y: b[1], w: b[2], h: b[3] };
  }

  // Every box to track from: the added targets first, then `startBox()`.
  function startBoxes() {
    const from = startBox();
    return app.state === "editing" ? [...app.pending, ...(from ? [from] : [])] : from ? [from] : [];
  }

  $("start").addEventListener("click", async () => {
    const from = startBoxes();
    if (!app.session || !from.length || app.state === "tracking") return;
    clearMessage();
    stopPlaying();
    const boxes = from.map((b) => FIELDS.map((k) => Math.round(b[k] * 100) / 100));
    const body = JSON.stringify(boxes.length > 1 ? { boxes, frame: app.frame } : { box: boxes[0], frame: app.frame });
    let info;
    try {
      info = await api("POST", `/api/sessions/${app.session.id}/track`, body, "application/json");
    } catch (err) {
      showMessage(err.message);
      return;
    }
    for (const list of [app.boxes, app.scores, app.presence, app.lost]) list.length = info.start;
    const others = Array.from({ length: info.targets - 1 }, () => ({ boxes: [], scores: [] }));
    Object.assign(app, { keyframes: info.keyframes, follow: true, box: null, pending: [], others });
    listTargets();
    hideResults();
    $("progress").value = 0;
    setState("tracking");
    watch(app.session.id);
  });

  $("stop").addEventListener("click", () => {
    if (app.session) api("POST", `/api/sessions/${app.session.id}/stop`).catch((err) => showMessage(err.message));
  });

  function watch(id) {
    const events = new EventSource(`/api/sessions/${id}/events`);
    app.events = events;
    events.addEventListener("progress", (event) => onProgress(JSON.parse(event.data)));
    events.addEventListener("done", (event) => finish(JSON.parse(event.data)));
    events.addEventListener("failed", (event) => {
      const data = JSON.parse(event.data);
      finish(data);
      showMessage(`Tracking failed: ${data.message}`);
    });
    events.addEventListener("cancelled", (event) => {
      finish(JSON.parse(event.data));
      const kept = app.boxes.length ? ` The track up to frame ${app.boxes.length - 1} is kept: review it, correct it or download it.` : "";
      showMessage(`Tracking stopped.${kept}`, "info");
    });
    events.onerror = () => {
      if (app.events !== events) return;
      closeEvents();
      setState("finished");
      setStatus("Connection lost");
      showMessage("The connection to the server was lost mid-run, so tracking stopped. Draw the box and track again.");
    };
  }

  function onProgress(data) {
    for (const key of ["boxes", "scores", "presence", "lost"]) {
      app[key].length = data.start; // a reconnect resends from the point the server last confirmed
      app[key].push(...data[key]);
    }
    data.others.forEach((other, i) => {
      for (const key of ["boxes", "scores"]) {
        app.others[i][key].length = data.start;
        app.others[i][key].push(...other[key]);
      }
    });
    const n = app.boxes.length;
    const total = data.total || n;
    if (total > app.frameCount) setFrameCount({ extracted: total, frames: total, extracting: false });
    $("progress").max = Math.max(total, 1);
    $("progress").value = n;
    $("counter").textContent = `tracked ${n} / ${data.total || "?"}`;
    $("fps").textContent = `run ${data.fps.toFixed(1)} frames/s`;
    if (n) $("score").textContent = `score ${app.scores[n - 1].toFixed(3)}`;
    setStatus(`Tracking ${app.session.name}: ${Math.round((100 * n) / total)}%`);
    if (app.follow && n) showFrame(n - 1);
    else showTimeline();
  }

  function hideResults() {
    $("results").hidden = true;
  }

  const DOWNLOADS = { csv: "track.csv", json: "track.json", mot: "track.mot.txt", boxes: "boxes.txt",
    video: "video.mp4", plain: "video.mp4?text=0" };

  // The end of a run, finished or stopped: whatever was tracked can be reviewed, corrected and downloaded.
  function finish(data) {
    closeEvents();
    setState("finished");
    showTimeline();
    const tracked = app.boxes.some((b) => b);
    setStatus(`${app.session.name}: ${data.message ? "stopped" : "done"}`);
    if (!tracked) return;
    const id = app.session.id;
    for (const [key, file] of Object.entries(DOWNLOADS)) $(`download-${key}`).href = `/api/sessions/${id}/${file}`;
    $("target-boxes").replaceChildren(...app.others.map((_, i) => {
      const link = document.createElement("a");
      link.className = "button secondary";
      link.download = link.textContent = `boxes-${i + 2}.txt`;
      link.href = `/api/sessions/${id}/boxes-${i + 2}.txt`;
      return link;
    }));
    $("summary").textContent = data.frames === undefined ? "" : summaryText(data);
    $("results").hidden = false;
  }

  function summaryText(data) {
    const last = data.first + data.frames - 1;
    const corrections = app.keyframes.length > 1 ? `; ${app.keyframes.length - 1} correction(s), keyframes ${app.keyframes.join(", ")}` : "";
    return `${data.frames} frames tracked (frames ${data.first}–${last})${corrections}. ` +
      `Tracker speed ${data.tracker_fps.toFixed(1)} frames/s (crop and network, per frame); ` +
      `whole run ${data.run_fps.toFixed(1)} frames/s (video decoding included). ` +
      `Mean score ${data.mean_score.toFixed(3)}.` + lostText();
  }

  function lostText() {
    if (!app.presence.some((p) => p !== null && p !== undefined)) return "";
    const lost = app.lost.filter(Boolean).length;
    return lost ? ` Target lost on ${lost} frame(s) (red on the plot and in the view).` : " Never lost.";
  }

  // ---------------------------------------------------------------------------------------------- plot
  // The score on a "nines" scale, -log10(1 - score): 0.9, 0.99 and 0.999 are evenly spaced, so a drop from 0.999
  // to 0.9 (the tracker losing the target, on this model) is two thirds of the height instead of a hair.
  const NINES = 3;
  const nines = (s) => Math.min(-Math.log10(Math.max(1 - s, 10 ** -NINES)), NINES) / NINES;
  const PLOT_PAD = { left: 36, right: 8, top: 16, bottom: 18 };

  function drawPlot() {
    const ratio = window.devicePixelRatio || 1;
    const cssWidth = plot.clientWidth || 360;
    const cssHeight = Math.round(cssWidth / 3);
    if (plot.width !== Math.round(cssWidth * ratio)) {
      plot.width = Math.round(cssWidth * ratio);
      plot.height = Math.round(cssHeight * ratio);
    }
    const g = plot.getContext("2d");
    g.setTransform(ratio, 0, 0, ratio, 0, 0);
    g.clearRect(0, 0, cssWidth, cssHeight);
    const pad = PLOT_PAD;
    const [w, h] = [cssWidth - pad.left - pad.right, cssHeight - pad.top - pad.bottom];
    const total = Math.max(app.frameCount, app.scores.length, 2);
    const px = (i) => pad.left + (w * i) / (total - 1);
    const py = (s) => pad.top + h * (1 - nines(s));
    g.font = "11px system-ui, sans-serif";
    g.fillStyle = "#667085";
    g.strokeStyle = "#e4e7ec";
    g.lineWidth = 1;
    for (const s of [0, 0.9, 0.99, 0.999]) {
      g.beginPath();
      g.moveTo(pad.left, py(s));
      g.lineTo(pad.left + w, py(s));
      g.stroke();
      g.fillText(String(s), 2, py(s) + 4);
    }
    g.fillText("score (green; 0.9, 0.99, 0.999) · presence (blue, 0-1)", pad.left, 11);
    g.fillText(`${total - 1}`, pad.left + w - 20, cssHeight - 4);
    g.fillText("0", pad.left, cssHeight - 4);
    g.fillStyle = KEYFRAME_COLOR;
    for (const k of app.keyframes) g.fillRect(px(k) - 1.5, pad.top, 3, h);
    g.strokeStyle = "#1f7a4d";
    g.lineWidth = 1.5;
    g.beginPath();
    app.scores.forEach((s, i) => {
      if (s === null || s === undefined) return;
      if (i && app.scores[i - 1] !== null && !app.keyframes.includes(i)) g.lineTo(px(i), py(s));
      else g.moveTo(px(i), py(s));
    });
    g.stroke();
    drawPresence(g, px, pad, w, h);
    g.strokeStyle = "#1d2330";
    g.lineWidth = 1;
    g.beginPath();
    g.moveTo(px(app.frame), pad.top);
    g.lineTo(px(app.frame), pad.top + h);
    g.stroke();
  }

  // The calibrated presence, a probability, on its own linear 0-1 axis (right), and the frames flagged lost in red.
  function drawPresence(g, px, pad, w, h) {
    if (!app.presence.some((p) => p !== null && p !== undefined)) return;
    g.fillStyle = LOST_COLOR;
    app.lost.forEach((lost, i) => lost && g.fillRect(px(i) - 1, pad.top + h - 4, 2, 4));
    g.fillStyle = PRESENCE_COLOR;
    g.fillText("1", pad.left + w + 1, pad.top + 4);
    g.fillText("present", pad.left + w - 40, pad.top + h - 6);
    g.strokeStyle = PRESENCE_COLOR;
    g.lineWidth = 1;
    g.beginPath();
    app.presence.forEach((p, i) => {
      if (p === null || p === undefined) return;
      const y = pad.top + h * (1 - p);
      if (i && app.presence[i - 1] !== null && app.presence[i - 1] !== undefined) g.lineTo(px(i), y);
      else g.moveTo(px(i), y);
    });
    g.stroke();
  }

  plot.addEventListener("click", (event) => {
    if (!app.session || app.state === "editing") return;
    const rect = plot.getBoundingClientRect();
    const w = rect.width - PLOT_PAD.left - PLOT_PAD.right;
    const total = Math.max(app.frameCount, app.scores.length, 2);
    goTo(((event.clientX - rect.left - PLOT_PAD.left) / w) * (total - 1));
  });

  // ---------------------------------------------------------------------------------------------- start
  async function loadConfig() {
    try {
      const config = await api("GET", "/api/config");
      app.maxUpload = config.max_upload_bytes;
      $("limit").textContent = `up to ${mb(config.max_upload_bytes)}, or drop a video anywhere on the page`;
      $("clips").replaceChildren(...config.clips.map((name) => new Option(name, name)));
      $("clip-picker").hidden = config.clips.length === 0;
    } catch (err) {
      showMessage(err.message);
    }
  }

  loadConfig();
})();
