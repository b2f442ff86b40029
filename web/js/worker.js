// The module Web Worker that hosts Pyodide: the only place Python runs.
// It speaks the worker protocol of docs/ARCHITECTURE.md: requests {id, cmd, ...} get {id, ok, ...};
// unsolicited events carry `event`. Python work is cut into short chunks so messages are answered mid-run.

import { Helper } from "./helper-link.js";
import { installBundle, loadNumpy, loadRuntime, readable, typed } from "./python-runtime.js";

const CHUNK_SECONDS = 0.05;          // one Python training chunk; the event loop runs between chunks
const FETCH_ATTEMPTS = 3;            // a flaky data download is retried, a wrong hash too (it may be a truncated file)

let pyodide = null;                  // the Pyodide instance once `init` has finished
let api = null;                      // the web/py/worker_api.py module (a PyProxy)
let base = null;                     // the site URL every fetch is resolved against
let manifest = null;                 // the promise of data/manifest.json, fetched on first need
let run = null;                      // the training run in progress, or null (see newRun)
let dataLoading = null;              // the promise of the shard download in progress, shared by callers
let helper = null;                   // the second core's worker (helper-link.js), made at init

const post = (message, transfer = []) => self.postMessage(message, transfer);
const reply = (id, fields = {}, transfer = []) => post({ id, ok: true, ...fields }, transfer);
const fail = (id, error) => post({ id, ok: false, error: readable(error) });
const emit = (event, fields = {}, transfer = []) => post({ event, ...fields }, transfer);

// Yield to the worker's event loop (a MessageChannel hop is not clamped like nested setTimeout).
function yieldToEventLoop() {
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => { channel.port1.close(); resolve(); };
    channel.port2.postMessage(null);
  });
}

// Fetch a URL as bytes, reporting progress with `onBytes(loaded, total)`; fails on HTTP errors.
async function fetchBytes(url, onBytes = () => {}) {
  const response = await fetch(url, { cache: "no-cache" });
  if (!response.ok) throw new Error(`${url.pathname.split("/").pop()}: HTTP ${response.status}`);
  const total = Number(response.headers.get("Content-Length")) || 0;
  const reader = response.body.getReader();
  const parts = [];
  let loaded = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    parts.push(value);
    loaded += value.byteLength;
    onBytes(loaded, total);
  }
  const bytes = new Uint8Array(loaded);
  let offset = 0;
  for (const part of parts) { bytes.set(part, offset); offset += part.byteLength; }
  return bytes;
}

async function sha256Hex(bytes) {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

async function gunzip(bytes) {
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

// Python returns small results as JSON text: one conversion, no proxies to leak.
const callJson = (fn, ...args) => JSON.parse(fn(...args));

// init's answer: the model that answers, the recipes and limits for the form, and whether two cores can train.
const readyAnswer = (model) => ({ model, recipes: callJson(api.recipes_json), two_cores: Helper.available });

// The active model as .npz bytes (a Uint8Array of its own, ready to transfer).
const exportedModel = () => typed(api.export_model(), "u8");

// ---- init -------------------------------------------------------------------------------------

// Start downloading `url` now; `reportAs(stage)` later returns its bytes, emitting the stage's
// download progress from then on (the bytes that arrived before at once).
function prefetch(url) {
  let progress = null;
  let report = () => {};
  const bytes = fetchBytes(url, (loaded, total) => { progress = { bytes: loaded, total }; report(); });
  bytes.catch(() => {});  // a failure is reported by reportAs, at its own stage
  return {
    reportAs(stage) {
      report = () => emit("stage", { stage, state: "start", ...progress });
      if (progress) report();
      return bytes;
    },
  };
}

async function init(id, message) {
  if (pyodide) return reply(id, readyAnswer(callJson(api.model_info)));
  base = new URL(message.base);
  helper = new Helper(base, (state, detail) => emit("helper", { state, detail }));
  // The small files Python needs after numpy are downloaded while the runtime loads, not after it.
  const bundleDownload = prefetch(new URL("py/bundle.zip", base));
  const modelDownload = prefetch(new URL("model/pretrained.npz", base));
  getManifest().catch(() => {});  // a failure is reported where the manifest is needed
  let stage = "runtime";
  try {
    emit("stage", { stage, state: "start" });
    pyodide = await loadRuntime(base);
    emit("stage", { stage, state: "done" });

    stage = "numpy";
    emit("stage", { stage, state: "start" });
    await loadNumpy(pyodide);  // its first import counts in this stage
    emit("stage", { stage, state: "done" });

    stage = "code";
    emit("stage", { stage, state: "start" });
    const bundle = await bundleDownload.reportAs(stage);
    installBundle(pyodide, bundle);
    api = pyodide.pyimport("worker_api");
    // The form's limits (training images per split) come from the data manifest.
    api.set_manifest(JSON.stringify(await getManifest()));
    emit("stage", { stage, state: "done", bytes: bundle.byteLength });

    stage = "model";
    emit("stage", { stage, state: "start" });
    const model = await modelDownload.reportAs(stage);
    const info = callJson(api.load_pretrained, model);
    emit("stage", { stage, state: "done", bytes: model.byteLength });
    reply(id, readyAnswer(info));
  } catch (error) {
    emit("stage", { stage, state: "error" });
    pyodide = null;
    fail(id, `Could not load the ${stage === "runtime" ? "Python runtime" : stage}: ${readable(error)}`);
  }
}

// ---- data -------------------------------------------------------------------------------------

// Run `attempt` up to FETCH_ATTEMPTS times, waiting a little longer after each failure.
async function withRetries(attempt, what = "training data") {
  let lastError = null;
  for (let i = 1; i <= FETCH_ATTEMPTS; i++) {
    try {
      return await attempt();
    } catch (error) {
      lastError = error;
      if (i < FETCH_ATTEMPTS) await new Promise((r) => setTimeout(r, 500 * i));
    }
  }
  throw new Error(`Could not download ${what}: ${readable(lastError)}. Check the connection and try again.`);
}

// One download shared by every caller; after a failure the next caller tries again.
function getManifest() {
  if (!manifest) {
    const attempt = withRetries(async () => JSON.parse(new TextDecoder().decode(await fetchBytes(new URL("data/manifest.json", base)))), "the data index");
    attempt.catch(() => { if (manifest === attempt) manifest = null; });
    manifest = attempt;
  }
  return manifest;
}

// Download, verify and unpack one shard; retries on network errors, truncation and hash mismatch.
function fetchShard(shard, onBytes) {
  return withRetries(async () => {
    const bytes = await fetchBytes(new URL(`data/${shard.file}`, base), onBytes);
    if (shard.bytes && bytes.byteLength !== shard.bytes) throw new Error(`${shard.file} is ${bytes.byteLength} bytes, expected ${shard.bytes} (truncated download?)`);
    const hash = await sha256Hex(bytes);
    if (hash !== shard.sha256) throw new Error(`${shard.file} failed its sha256 check`);
    return gunzip(bytes);
  });
}

// Thrown when Stop is pressed while the training data is still downloading.
class StopRequested extends Error {}

// Make sure Python holds every shard the request needs. Shards are all downloaded and verified
// before any is handed to Python, so a failure never leaves a half-loaded training set.
async function ensureData(request, shouldStop = () => false) {
  while (dataLoading) await dataLoading.catch(() => {});
  const job = (async () => {
    const index = await getManifest();
    const files = callJson(api.shards_needed, JSON.stringify(index), JSON.stringify(request));
    if (files.length === 0) return;
    const shards = files.map((file) => index.shards.find((s) => s.file === file));
    const total = shards.reduce((sum, s) => sum + (s.bytes || 0), 0);
    let done = 0;
    const unpacked = [];
    for (const shard of shards) {
      if (shouldStop()) throw new StopRequested("stopped while downloading");
      const raw = await fetchShard(shard, (loaded) => emit("data", { loaded: done + loaded, total, files: shards.length }));
      done += shard.bytes || 0;
      unpacked.push(raw);
    }
    if (shouldStop()) throw new StopRequested("stopped while downloading");
    for (let i = 0; i < shards.length; i++) api.add_shard(JSON.stringify(shards[i]), unpacked[i]);
    emit("data", { loaded: total, total, files: shards.length, done: true });
  })();
  dataLoading = job;
  try { await job; } finally { dataLoading = null; }
}

// ---- training ---------------------------------------------------------------------------------

// A run's flags; `ended` resolves when endRun clears it, so reset can wait without spinning.
function newRun() {
  let markEnded;
  const ended = new Promise((resolve) => { markEnded = resolve; });
  return { paused: false, stopping: false, wake: null, ended, markEnded, helperLink: null };
}

function endRun() {
  if (helper) helper.detach();
  if (run) run.markEnded();
  run = null;
}

// A paused run waits on `wake`: let it go on (to resume, or to see `stopping`).
function wakeRun() {
  if (run.wake) { run.wake(); run.wake = null; }
}

// The run failed with an exception: Python forgets it, the page is told why.
function runFailed(error) {
  api.abandon_run();
  endRun();
  emit("error", { error: readable(error) });
}

async function startTraining(id, config) {
  if (run) return fail(id, "A training run is already going: stop it first.");
  // A bad form (unknown recipe, a network too big to save...) is refused before anything downloads.
  api.check_config(JSON.stringify(config));
  run = newRun();
  reply(id, { state: "training" });
  try {
    await ensureData({ purpose: "train", ...config }, () => run.stopping);
    if (run.stopping) return finishRun({ stopped: true, started: false });
    const plan = callJson(api.start_run, JSON.stringify(config));
    // Two cores: the helper loads while this worker trains alone, and joins when it is ready.
    plan.cores = config.cores === 2 && Helper.available ? 2 : 1;
    if (plan.cores === 2) helper.start();
    emit("started", { ...plan, helper: helper.state });
    await trainingLoop(plan);
  } catch (error) {
    if (error instanceof StopRequested) return finishRun({ stopped: true, started: false });
    runFailed(error);
  }
}

async function trainingLoop(plan) {
  const started = performance.now();
  for (;;) {
    if (run.stopping) return finishRun({ stopped: true, started: true });
    if (run.paused) { await new Promise((resolve) => { run.wake = resolve; }); continue; }
    if (plan.cores === 2 && helper.ready && !helper.link) {
      run.helperLink = helper.attach({ sizes: plan.sizes, dtype: plan.dtype, parameters: plan.parameters, maxRows: plan.batch_size });
      api.use_helper(run.helperLink);
    } else if (run.helperLink && helper.link !== run.helperLink) {
      run.helperLink = null;  // the helper failed between chunks (it crashed): train alone without waiting for it
      api.use_helper(null);
    }
    const progress = callJson(api.train_chunk, CHUNK_SECONDS);
    if (progress.partner_error) helper.fail(progress.partner_error);  // the trainer went on alone
    emit("progress", { ...progress, elapsed: (performance.now() - started) / 1000, total_samples: plan.total_samples });
    for (const result of progress.epoch_results) {
      // The model of every finished epoch goes to the page, which keeps it in IndexedDB.
      const bytes = exportedModel();
      emit("epoch", { result, model: bytes.buffer, info: callJson(api.model_info) }, [bytes.buffer]);
    }
    if (progress.diverged) {
      // worker_api made the last good weights the active model; the page stores them like a finished run's.
      const bytes = exportedModel();
      endRun();
      return emit("diverged", { reason: progress.diverged, model: callJson(api.model_info), model_bytes: bytes.buffer }, [bytes.buffer]);
    }
    if (progress.done) return finishRun({ stopped: false, started: true });
    await yieldToEventLoop();
  }
}

async function finishRun({ stopped, started }) {
  try {
    if (!started) { endRun(); return emit("done", { stopped: true, test_acc: null, model: callJson(api.model_info) }); }
    const summary = callJson(api.finish_run, stopped);
    const bytes = exportedModel();
    endRun();
    emit("done", { stopped, ...summary, model_bytes: bytes.buffer }, [bytes.buffer]);
  } catch (error) {
    runFailed(error);
  }
}

function pause(id) {
  if (!run) return fail(id, "Nothing is training.");
  run.paused = true;
  reply(id, { state: "paused" });
}

function resume(id) {
  if (!run) return fail(id, "Nothing is training.");
  run.paused = false;
  wakeRun();
  reply(id, { state: "training" });
}

function stop(id) {
  if (!run) return reply(id, { state: "idle" });
  run.stopping = true;
  run.paused = false;
  wakeRun();
  reply(id, { state: "stopping" });
}

// Back to the pretrained model; a run in progress is abandoned first.
async function reset(id) {
  if (run) {
    run.stopping = true;
    wakeRun();
    await run.ended;
  }
  reply(id, { state: "idle", model: callJson(api.reset_model) });
}

// ---- predictions, models, inspection ----------------------------------------------------------

function predict(id, message) {
  const result = api.predict(message.ink, message.width, message.height);
  try {
    if (result.get("digit") === undefined || result.get("digit") === null) return reply(id, { probs: null, digit: null, image: null });
    const probs = typed(result.get("probs"), "f32");
    const image = typed(result.get("image"), "f32");
    const verdict = { runner_up: result.get("runner_up"), unsure: result.get("unsure"), reason: result.get("reason") };
    reply(id, { probs, digit: result.get("digit"), image, ...verdict }, [probs.buffer, image.buffer]);
  } finally {
    result.destroy();
  }
}

function exportModel(id) {
  const bytes = exportedModel();
  reply(id, { bytes: bytes.buffer, model: callJson(api.model_info) }, [bytes.buffer]);
}

function importModel(id, message) {
  if (run) return fail(id, "Training is running: stop it before loading another model.");
  // worker_api validates with mlp_core.modelio; on failure the active model is untouched.
  const info = callJson(api.import_model, new Uint8Array(message.bytes), JSON.stringify(message.source || {}));
  reply(id, { model: info });
}

async function inspect(id, message) {
  await ensureData({ purpose: "inspect" });
  const result = api.inspect(message.count || 48);
  try {
    const fields = {
      images: typed(result.get("images"), "u8"),
      labels: typed(result.get("labels"), "u8"),
      preds: typed(result.get("preds"), "u8"),
      confusion: typed(result.get("confusion"), "i32"),
      weights: typed(result.get("weights"), "f32"),
      units: result.get("units"),
      accuracy: result.get("accuracy"),
      count: result.get("count"),
      test_images: result.get("test_images"),
    };
    reply(id, fields, [fields.images.buffer, fields.labels.buffer, fields.preds.buffer, fields.confusion.buffer, fields.weights.buffer]);
  } finally {
    result.destroy();
  }
}

// ---- dispatch ---------------------------------------------------------------------------------

const handlers = {
  init, predict, inspect,
  train: (id, m) => startTraining(id, m.config),
  pause, resume, stop, reset,
  export_model: exportModel,
  import_model: importModel,
  ping: (id) => reply(id, { state: run ? (run.paused ? "paused" : "training") : "idle" }),
};

self.onmessage = async (event) => {
  const message = event.data || {};
  const handler = handlers[message.cmd];
  if (!handler) return fail(message.id, `Unknown command ${message.cmd}`);
  if (message.cmd !== "init" && message.cmd !== "ping" && !api) return fail(message.id, "Python is still loading.");
  try {
    await handler(message.id, message);
  } catch (error) {
    fail(message.id, error);
  }
};
