"use strict";
// SEAT tracker page: open a video (upload or sample clip), draw the target box on its first frame, stream the
// run from the server (server-sent events: boxes, scores, annotated JPEG frames), then offer the downloads.
(() => {
  const $ = (id) => document.getElementById(id);
  const view = $("view");
  const ctx = view.getContext("2d");
  const plot = $("plot");
  const HANDLE_PX = 6; // half-size of a resize handle, in screen pixels
  const MIN_BOX = 4; // smallest box side, in image pixels

  // The page's whole state; exposed for the browser test and the console.
  const app = {
    session: null, // the server's description of the open video
    firstFrame: null, // Image of frame 0
    box: null, // initial box {x, y, w, h} in image pixels
    state: "idle", // idle | editing | tracking | finished
    boxes: [], // tracked boxes [x, y, w, h] per frame
    scores: [],
    events: null, // the EventSource of the current run
    maxUpload: 0,
  };
  window.seatApp = app;
  let drag = null; // {mode, anchor, orig} while the mouse edits the box
  let shownSeq = 0; // newest streamed frame drawn so far (decoding can finish out of order)

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

  function endSession() {
    closeEvents();
    if (app.session) fetch(`/api/sessions/${app.session.id}`, { method: "DELETE", keepalive: true }).catch(() => {});
    app.session = null;
  }

  async function openSession(label, create) {
    clearMessage();
    endSession();
    setStatus(`Opening ${label}…`);
    try {
      const session = await create();
      const image = new Image();
      image.src = `/api/sessions/${session.id}/frame0.jpg`;
      await image.decode();
      Object.assign(app, { session, firstFrame: image, box: null, boxes: [], scores: [] });
      view.width = session.width;
      view.height = session.height;
      $("stage").hidden = false;
      hideResults();
      $("progress").value = 0;
      setState("editing");
      const frames = session.frames ? `${session.frames} frames, ` : "";
      setStatus(`${session.name}: ${session.width}×${session.height}, ${frames}${session.fps.toFixed(0)} fps`);
      drawPlot();
    } catch (err) {
      app.session = null;
      $("stage").hidden = true;
      setStatus("Choose a video");
      showMessage(err.message);
    }
  }

  function uploadVideo(name, blob) {
    if (app.maxUpload && blob.size > app.maxUpload) { // the server checks too; this saves a long upload
      showMessage(`${name}: ${mb(blob.size)} exceeds the ${mb(app.maxUpload)} upload limit`);
      return;
    }
    const url = `/api/sessions?name=${encodeURIComponent(name)}`;
    openSession(name, () => api("POST", url, blob, "application/octet-stream"));
  }

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

  window.addEventListener("pagehide", endSession);

  // ------------------------------------------------------------------------------------------ box editor
  function setState(state) {
    app.state = state;
    const tracking = state === "tracking";
    $("start").disabled = tracking || !app.box;
    $("stop").disabled = !tracking;
    $("start").textContent = state === "finished" ? "Track again" : "Track";
    for (const input of $("box-fields").querySelectorAll("input")) input.disabled = tracking;
    $("hint").textContent = {
      tracking: "Tracking… the frames stream back with the tracked box and its score.",
      finished: "Click the frame to return to the first frame and adjust the box, or track again.",
    }[state] || "Drag on the frame to draw the target box; drag inside it to move it, or its handles to resize.";
    if (state === "editing") drawEditor();
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

  view.addEventListener("pointerdown", (event) => {
    if (!app.session || app.state === "tracking" || event.button !== 0) return;
    if (app.state === "finished") setState("editing");
    const p = toImage(event);
    const mode = hitTest(p) || "new";
    drag = { mode, anchor: p, orig: app.box && { ...app.box } };
    view.setPointerCapture(event.pointerId);
    event.preventDefault();
  });

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
  function showBox() {
    for (const k of FIELDS) $(`box-${k}`).value = app.box ? Math.round(app.box[k]) : "";
    $("start").disabled = app.state === "tracking" || !app.box;
    drawEditor();
  }

  for (const k of FIELDS) {
    $(`box-${k}`).addEventListener("change", () => {
      const values = FIELDS.map((f) => parseFloat($(`box-${f}`).value));
      if (values.some(Number.isNaN)) return;
      app.box = { x: values[0], y: values[1], w: values[2], h: values[3] }; // the server checks it is in the frame
      if (app.state === "finished") setState("editing");
      showBox();
    });
  }

  function drawEditor() {
    if (!app.firstFrame || app.state !== "editing") return;
    const [W, H] = [view.width, view.height];
    ctx.drawImage(app.firstFrame, 0, 0, W, H);
    const b = app.box;
    if (!b) return;
    const scale = W / view.getBoundingClientRect().width || 1;
    ctx.fillStyle = "rgba(0, 0, 0, 0.4)";
    ctx.beginPath();
    ctx.rect(0, 0, W, H);
    ctx.rect(b.x, b.y, b.w, b.h);
    ctx.fill("evenodd");
    ctx.lineWidth = 2 * scale;
    ctx.strokeStyle = "#3dff8f";
    ctx.strokeRect(b.x, b.y, b.w, b.h);
    ctx.fillStyle = "#ffffff";
    const r = HANDLE_PX * scale * 0.7;
    for (const [hx, hy] of Object.values(handles(b))) {
      ctx.fillRect(hx - r, hy - r, 2 * r, 2 * r);
      ctx.strokeRect(hx - r, hy - r, 2 * r, 2 * r);
    }
  }

  // -------------------------------------------------------------------------------------------- tracking
  $("start").addEventListener("click", async () => {
    if (!app.session || !app.box) return;
    clearMessage();
    const box = FIELDS.map((k) => Math.round(app.box[k] * 100) / 100);
    try {
      await api("POST", `/api/sessions/${app.session.id}/track`, JSON.stringify({ box }), "application/json");
    } catch (err) {
      showMessage(err.message);
      return;
    }
    Object.assign(app, { boxes: [], scores: [] });
    shownSeq = 0;
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
    events.addEventListener("done", (event) => finish(JSON.parse(event.data), true));
    events.addEventListener("failed", (event) => {
      const data = JSON.parse(event.data);
      finish(data, false);
      showMessage(`Tracking failed: ${data.message}`);
    });
    events.addEventListener("cancelled", (event) => {
      finish(JSON.parse(event.data), false);
      showMessage(`Tracking stopped after ${app.boxes.length} frames.`, "info");
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
    app.boxes.length = data.start; // a reconnect resends from the point the server last confirmed
    app.boxes.push(...data.boxes);
    app.scores.length = data.start;
    app.scores.push(...data.scores);
    const n = app.boxes.length;
    const total = data.total || n;
    $("progress").max = Math.max(total, 1);
    $("progress").value = n;
    $("counter").textContent = `frame ${n} / ${data.total || "?"}`;
    $("fps").textContent = `${data.fps.toFixed(1)} fps`;
    if (n) $("score").textContent = `score ${app.scores[n - 1].toFixed(2)}`;
    setStatus(`Tracking ${app.session.name}: ${Math.round((100 * n) / total)}%`);
    if (data.jpeg) showFrame(data.jpeg, data.index + 1);
    drawPlot();
  }

  function showFrame(jpeg, seq) {
    const image = new Image();
    image.src = `data:image/jpeg;base64,${jpeg}`;
    image.decode().then(() => {
      if (seq <= shownSeq || app.state === "editing") return;
      shownSeq = seq;
      ctx.drawImage(image, 0, 0, view.width, view.height);
    }, () => {});
  }

  function hideResults() {
    $("results").hidden = true;
  }

  function finish(data, ok) {
    closeEvents();
    setState("finished");
    drawPlot();
    if (!ok) {
      setStatus(`${app.session.name}: stopped`);
      return;
    }
    const id = app.session.id;
    $("download-video").href = `/api/sessions/${id}/video.mp4`;
    $("download-boxes").href = `/api/sessions/${id}/boxes.txt`;
    $("summary").textContent =
      `${data.frames} frames tracked; tracker ${data.tracker_fps.toFixed(1)} fps; mean score ${data.mean_score.toFixed(2)}`;
    $("results").hidden = false;
    setStatus(`${app.session.name}: done`);
  }

  // ---------------------------------------------------------------------------------------------- plot
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
    const pad = { left: 30, right: 8, top: 16, bottom: 18 };
    const [w, h] = [cssWidth - pad.left - pad.right, cssHeight - pad.top - pad.bottom];
    const total = Math.max(app.session?.frames || 0, app.scores.length, 2);
    const px = (i) => pad.left + (w * i) / (total - 1);
    const py = (s) => pad.top + h * (1 - s);
    g.font = "11px system-ui, sans-serif";
    g.fillStyle = "#667085";
    g.strokeStyle = "#e4e7ec";
    g.lineWidth = 1;
    for (const s of [0, 0.5, 1]) {
      g.beginPath();
      g.moveTo(pad.left, py(s));
      g.lineTo(pad.left + w, py(s));
      g.stroke();
      g.fillText(s.toFixed(1), 4, py(s) + 4);
    }
    g.fillText("score over frames", pad.left, 11);
    g.fillText(`${total}`, pad.left + w - 20, cssHeight - 4);
    g.fillText("0", pad.left, cssHeight - 4);
    if (!app.scores.length) return;
    g.strokeStyle = "#1f7a4d";
    g.lineWidth = 1.5;
    g.beginPath();
    app.scores.forEach((s, i) => (i ? g.lineTo(px(i), py(s)) : g.moveTo(px(i), py(s))));
    g.stroke();
  }

  // ---------------------------------------------------------------------------------------------- start
  async function loadConfig() {
    try {
      const config = await api("GET", "/api/config");
      app.maxUpload = config.max_upload_bytes;
      $("limit").textContent = `up to ${mb(config.max_upload_bytes)}`;
      $("clips").replaceChildren(...config.clips.map((name) => new Option(name, name)));
      $("clip-picker").hidden = config.clips.length === 0;
    } catch (err) {
      showMessage(err.message);
    }
  }

  loadConfig();
})();
