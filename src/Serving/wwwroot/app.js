// The page: uploads an image or a volume, draws it with the mask laid over it, and thresholds or slices it in the
// browser. Plain JavaScript, no build step and nothing fetched from elsewhere, so that it works offline.
"use strict";

// The overlay colour, also read back by the browser test: magenta at 60% opacity.
const OVERLAY = [255, 0, 160, 153];

const $ = id => document.getElementById(id);
const ui = {
  status: $("status"), model: $("model"), file: $("file"), drop: $("drop"), summary: $("summary"),
  threshold: $("threshold"), thresholdValue: $("threshold-value"), thresholdHint: $("threshold-hint"),
  sliceControl: $("slice-control"), slice: $("slice"), sliceValue: $("slice-value"),
  image: $("image"), overlay: $("overlay"),
};

let models = [];
// What is on screen: an image with its probabilities (0..255 per pixel), or a volume with its mask.
let shown = null;

function setState(state, message) {
  document.body.dataset.state = state;
  ui.status.textContent = message;
}

async function waitUntilReady() {
  for (;;) {
    try {
      const health = await (await fetch("/health")).json();
      if (health.ready) return;
      if (health.failure) throw new Error(health.failure);
      setState("loading", "The service is loading its models…");
    } catch (error) {
      if (!(error instanceof TypeError)) throw error;
      setState("loading", "Waiting for the service…");
    }
    await new Promise(resolve => setTimeout(resolve, 1000));
  }
}

async function loadModels() {
  models = await (await fetch("/models")).json();
  ui.model.replaceChildren(...models.map(m => {
    const option = document.createElement("option");
    option.value = m.name;
    const input = `${m.input.channels} x ${m.input.height} x ${m.input.width}`;
    option.textContent = `${m.name} (${m.kind === "image-files" ? "images" : "volumes"}, ${input})`;
    return option;
  }));
}

// The selected model when it takes this kind of upload, else the first that does (then shown as selected).
function modelFor(kind) {
  const selected = models.find(m => m.name === ui.model.value);
  const model = selected && selected.kind === kind ? selected : models.find(m => m.kind === kind);
  if (model) ui.model.value = model.name;
  return model;
}

async function post(url, form) {
  const started = performance.now();
  const response = await fetch(url, { method: "POST", body: form, headers: { Accept: "application/json" } });
  const body = await response.json();
  if (!response.ok) throw new Error(body.detail || body.title || `HTTP ${response.status}`);
  const timing = /dur=([\d.]+)/.exec(response.headers.get("Server-Timing") || "");
  body.serverMs = timing ? Number(timing[1]) : null;
  body.roundTripMs = performance.now() - started;
  return body;
}

function decodeBase64(text) {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

async function pngPixels(base64, width, height) {
  const image = new Image();
  image.src = "data:image/png;base64," + base64;
  await image.decode();
  const canvas = document.createElement("canvas");
  canvas.width = width;
  canvas.height = height;
  const context = canvas.getContext("2d");
  context.drawImage(image, 0, 0);
  const rgba = context.getImageData(0, 0, width, height).data;
  const gray = new Uint8Array(width * height);
  for (let i = 0; i < gray.length; i++) gray[i] = rgba[4 * i];
  return gray;
}

function resizeCanvases(width, height) {
  for (const canvas of [ui.image, ui.overlay]) {
    canvas.width = width;
    canvas.height = height;
  }
}

// Paints the overlay canvas: colourOf(i) (an RGBA array) where it gives one, transparent elsewhere.
function paintOverlay(width, height, colourOf) {
  const context = ui.overlay.getContext("2d");
  const pixels = context.createImageData(width, height);
  let count = 0;
  for (let i = 0; i < width * height; i++) {
    const colour = colourOf(i);
    if (!colour) continue;
    pixels.data.set(colour, 4 * i);
    count++;
  }
  context.putImageData(pixels, 0, 0);
  return count;
}

function showSummary(rows) {
  ui.summary.replaceChildren(...rows.flatMap(([name, value]) => {
    const dt = document.createElement("dt");
    dt.textContent = name;
    const dd = document.createElement("dd");
    dd.textContent = value;
    return [dt, dd];
  }));
}

const hexColour = text => [1, 3, 5].map(i => parseInt(text.slice(i, i + 2), 16));

const ms = value => value == null ? "n/a" : `${value.toFixed(1)} ms`;

async function segmentImage(file) {
  const model = modelFor("image-files");
  if (!model) throw new Error("No loaded model takes images; start the service with an image model.");
  const form = new FormData();
  form.append("image", file);
  form.append("model", model.name);
  const result = await post("/segment", form);
  const bitmap = await createImageBitmap(file);
  resizeCanvases(result.width, result.height);
  ui.image.getContext("2d").drawImage(bitmap, 0, 0, result.width, result.height);
  shown = { kind: "image", result, model: model.name, probability: await pngPixels(result.probabilityPng, result.width, result.height) };
  ui.threshold.disabled = false;
  ui.threshold.value = result.threshold;
  ui.thresholdHint.hidden = false;
  ui.sliceControl.hidden = true;
  drawImageOverlay();
}

function drawImageOverlay() {
  const { result, probability, model } = shown;
  const threshold = Number(ui.threshold.value);
  ui.thresholdValue.textContent = threshold.toFixed(2);
  // The probabilities are 0..255; a pixel is foreground above the threshold, as the service decides it.
  const cut = threshold * 255;
  const count = paintOverlay(result.width, result.height, i => probability[i] > cut ? OVERLAY : null);
  showSummary([
    ["model", model],
    ["size", `${result.width} x ${result.height}`],
    ["foreground", `${(100 * count / (result.width * result.height)).toFixed(1)} %`],
    ["probability", `min ${result.probability.min.toFixed(3)}, mean ${result.probability.mean.toFixed(3)}, max ${result.probability.max.toFixed(3)}`],
    ["server time", ms(result.serverMs)],
    ["round trip", ms(result.roundTripMs)],
  ]);
}

async function segmentVolume(file) {
  const model = modelFor("volume-slices");
  if (!model) throw new Error("No loaded model takes volumes; start the service with a volume-slice model.");
  const form = new FormData();
  form.append("volume", file);
  form.append("model", model.name);
  const result = await post("/segment-volume", form);
  const image = decodeBase64(result.image), mask = decodeBase64(result.mask);
  const plane = result.sizeX * result.sizeY;
  // Start on the slice with the most mask, or the middle one.
  let best = Math.floor(result.sizeZ / 2), bestCount = 0;
  for (let z = 0; z < result.sizeZ; z++) {
    let count = 0;
    for (let i = z * plane; i < (z + 1) * plane; i++) count += mask[i] > 0;
    if (count > bestCount) [best, bestCount] = [z, count];
  }
  // One organ is drawn in the overlay colour; several, each in the colour the service gives it (class k at colours[k]).
  const colours = [null, ...(result.organs || [{ colour: null }]).map(o => o.colour ? [...hexColour(o.colour), OVERLAY[3]] : OVERLAY)];
  shown = { kind: "volume", result, model: model.name, image, mask, colours };
  resizeCanvases(result.sizeX, result.sizeY);
  ui.threshold.disabled = true;
  ui.thresholdHint.hidden = true;
  ui.sliceControl.hidden = false;
  ui.slice.max = result.sizeZ - 1;
  ui.slice.value = best;
  drawSlice();
}

function drawSlice() {
  const { result, image, mask, model, colours } = shown;
  const z = Number(ui.slice.value), plane = result.sizeX * result.sizeY, offset = z * plane;
  ui.sliceValue.textContent = `${z + 1} / ${result.sizeZ}`;
  const context = ui.image.getContext("2d");
  const pixels = context.createImageData(result.sizeX, result.sizeY);
  for (let i = 0; i < plane; i++) {
    const gray = image[offset + i];
    pixels.data.set([gray, gray, gray, 255], 4 * i);
  }
  context.putImageData(pixels, 0, 0);
  const count = paintOverlay(result.sizeX, result.sizeY, i => colours[mask[offset + i]]);
  const organs = (result.organs || []).map(o => [`${o.name} (${o.colour})`, `${o.volumeMl.toFixed(1)} ml, ${o.voxels} voxels`]);
  showSummary([
    ["model", model],
    ["volume", `${result.sizeX} x ${result.sizeY} x ${result.sizeZ}`],
    ["mask", `${result.volumeMl.toFixed(1)} ml, ${result.foregroundVoxels} voxels`],
    ...organs,
    ["this slice", `${count} voxels`],
    ["warnings", result.warnings.length ? result.warnings.join("; ") : "none"],
    ["server time", ms(result.serverMs)],
  ]);
}

async function upload(file) {
  if (!file) return;
  setState("busy", `Segmenting ${file.name}…`);
  try {
    if (/\.nii(\.gz)?$/i.test(file.name)) await segmentVolume(file);
    else await segmentImage(file);
    setState("done", `${file.name}: done.`);
  } catch (error) {
    setState("error", `${file.name}: ${error.message}`);
  }
}

ui.file.addEventListener("change", () => upload(ui.file.files[0]));
ui.threshold.addEventListener("input", () => shown && shown.kind === "image" && drawImageOverlay());
ui.slice.addEventListener("input", () => shown && shown.kind === "volume" && drawSlice());
for (const name of ["dragenter", "dragover"])
  ui.drop.addEventListener(name, event => { event.preventDefault(); ui.drop.classList.add("over"); });
for (const name of ["dragleave", "drop"])
  ui.drop.addEventListener(name, event => { event.preventDefault(); ui.drop.classList.remove("over"); });
ui.drop.addEventListener("drop", event => upload(event.dataTransfer.files[0]));

(async () => {
  try {
    await waitUntilReady();
    await loadModels();
    setState("ready", `Ready: ${models.length} model(s). Choose a file.`);
  } catch (error) {
    setState("error", `The service cannot segment: ${error.message}`);
  }
})();
