// The training worker: the module Web Worker that hosts the page's Pyodide (helper.js hosts the others).
// It speaks protocol.js: commands {id, cmd, ...} get {id, ok, ...}; unasked events carry `event`.
// Python work is cut into short chunks so messages are answered mid-run.

import { HelperPool, maxWorkers } from "./helper-link.js";
import { COMMANDS, DOWNLOAD_FAILED, EVENTS, FAILURE, WorkerError, checked, failure } from "./protocol.js";
import { installBundle, loadNumpy, loadRuntime } from "./python-runtime.js";

const CHUNK_SECONDS = 0.05;          // one Python training chunk; the event loop runs between chunks
const FETCH_ATTEMPTS = 3;            // a flaky data download is retried, a wrong hash too (it may be a truncated file)
const FETCH_PARALLEL = 4;            // shards downloaded at once: one's waits on the network overlap the others'
const HELPER_AFTER_READY_MS = 3000;  // when the helper that loads ahead of any run starts, after ready

let pyodide = null;                  // the Pyodide instance once `init` has finished
let api = null;                      // the web/py/worker_api.py module (a PyProxy)
let base = null;                     // the site URL every fetch is resolved against
let manifest = null;                 // the promise of data/manifest.json, fetched on first need
let run = null;                      // the training run in progress, or null (see newRun)
let dataLoading = null;              // the promise of the shard download in progress, shared by callers
let helpers = null;                  // the helper workers as seen from here (helper-link.js), made at init
let askedCores = null;               // init's `cores`: the most workers to allow instead of the machine's cores
let fixedCount = false;              // init's `fixed`: every worker asked for takes part, unmeasured (benchmarks)

// Every message leaves through one of these three, its fields checked against protocol.js.
const reply = (id, cmd, fields = {}, transfer = []) => self.postMessage({ id, ok: true, ...checked(cmd, fields, COMMANDS[cmd].reply) }, transfer);
const fail = (id, error) => self.postMessage({ id, ok: false, ...checked("failure", failure(error), FAILURE) });
const emit = (event, fields = {}, transfer = []) => self.postMessage({ event, ...checked(event, fields, EVENTS[event]) }, transfer);

// Call worker_api.py's `name` with named fields; its dict of named fields back (1-D NumPy arrays as typed
// arrays), or a WorkerError with Python's own message and exception name.
function call(name, fields = {}) {
  const proxy = api.call(name, fields);
  let result;
  try { result = proxy.toJs({ dict_converter: Object.fromEntries }); } finally { proxy.destroy(); }
  if (result.failure) throw new WorkerError(result.failure);
  return result;
}

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

// init's answer: the model that answers, the recipes and limits for the form, and how many workers can train.
const readyAnswer = (id, model) => reply(id, "init", { model, recipes: call("recipes"), workers: maxWorkers(askedCores) });

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
  if (pyodide) return readyAnswer(id, call("model_info").model);
  base = new URL(message.base);
  askedCores = Number.isInteger(message.cores) ? message.cores : null;
  fixedCount = message.fixed === true;
  helpers = new HelperPool(base, (index, state, detail, counts) => emit("helper", { index, state, detail, ...counts }));
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
    call("set_manifest", { manifest: await getManifest() });
    emit("stage", { stage, state: "done", bytes: bundle.byteLength });

    stage = "model";
    emit("stage", { stage, state: "start" });
    const model = await modelDownload.reportAs(stage);
    const { model: info } = call("load_pretrained", { data: model });
    emit("stage", { stage, state: "done", bytes: model.byteLength });
    readyAnswer(id, info);
    // One helper loads while the visitor looks at the page, so a run shares its steps from its start: a helper loading
    // beside a run took CPU from its first seconds (on two cores, about 1 s of the default run's 8 to 97%). Not in the
    // page's first seconds, which belong to its first answers, and not where memory is small: each helper is a whole
    // Python (~42 MiB of WebAssembly memory, bench/reports/browser.md). A run that starts sooner starts it itself.
    if (maxWorkers(askedCores) > 1 && !(navigator.deviceMemory < 4)) setTimeout(() => helpers.start(1), HELPER_AFTER_READY_MS);
  } catch (error) {
    emit("stage", { stage, state: "error" });
    pyodide = null;
    const { message, kind } = failure(error);
    fail(id, new WorkerError({ message: `Could not load the ${stage === "runtime" ? "Python runtime" : stage}: ${message}`, kind }));
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
  throw new WorkerError({ message: `Could not download ${what}: ${failure(lastError).message}. Check the connection and try again.`, kind: DOWNLOAD_FAILED });
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

// A bad copy must not stay in the service worker's cache (coi-sw.js), where every retry would find it again.
async function forgetCached(url) {
  if (!self.caches) return;
  for (const name of await caches.keys()) await (await caches.open(name)).delete(url.href);
}

// Download, verify and unpack one shard; retries on network errors, truncation and hash mismatch.
function fetchShard(shard, onBytes) {
  return withRetries(async () => {
    const url = new URL(`data/${shard.file}`, base);
    const bytes = await fetchBytes(url, onBytes);
    let problem = null;
    if (shard.bytes && bytes.byteLength !== shard.bytes) problem = `${shard.file} is ${bytes.byteLength} bytes, expected ${shard.bytes} (truncated download?)`;
    else if (await sha256Hex(bytes) !== shard.sha256) problem = `${shard.file} failed its sha256 check`;
    if (problem) {
      await forgetCached(url);
      throw new Error(problem);
    }
    return gunzip(bytes);
  }, shard.split === "test" ? "the MNIST test images" : "training data");
}

// `await work(item, index)` for every item, at most `limit` at a time. After a failure no new item is
// started (the failure is what the caller gets).
async function inParallel(items, limit, work) {
  let next = 0;
  let failed = false;
  const lane = async () => {
    while (!failed && next < items.length) {
      const index = next++;
      try {
        await work(items[index], index);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
}

// Thrown when Stop is pressed while the training data is still downloading.
class StopRequested extends Error {}

// Make sure Python holds every shard the request needs. Each verified shard is handed to Python as it
// arrives, while the others download; after a failure the verified ones stay loaded and a retry fetches the rest.
// `report`: emit `data` progress events (not for a download ahead of need, which nobody waits on).
async function ensureData(request, shouldStop = () => false, report = true) {
  while (dataLoading) await dataLoading.catch(() => {});
  const job = (async () => {
    const index = await getManifest();
    const { files } = call("shards_needed", { manifest: index, request });
    if (files.length === 0) return;
    const shards = files.map((file) => index.shards.find((s) => s.file === file));
    const total = shards.reduce((sum, s) => sum + (s.bytes || 0), 0);
    const loaded = shards.map(() => 0);  // bytes of each shard so far
    await inParallel(shards, FETCH_PARALLEL, async (shard, i) => {
      if (shouldStop()) throw new StopRequested("stopped while downloading");
      const data = await fetchShard(shard, (bytes) => {
        loaded[i] = bytes;
        if (report) emit("data", { loaded: loaded.reduce((sum, n) => sum + n, 0), total });
      });
      call("add_shard", { shard, data });
    });
    if (shouldStop()) throw new StopRequested("stopped while downloading");
    if (report) emit("data", { loaded: total, total, done: true });
  })();
  dataLoading = job;
  try { await job; } finally { dataLoading = null; }
}

// ---- training ---------------------------------------------------------------------------------

// Why a start is refused while a run goes, by the kind of run: the page shows it as it is.
const RUN_GOING = {
  train: "A training run is already going: stop it first.",
  finetune: "Learning your handwriting is running: wait for it or stop it first.",
};

// A run's flags; `kind` is "train" or "finetune"; `ended` resolves when endRun clears it, so reset can wait without spinning.
function newRun(kind) {
  let markEnded;
  const ended = new Promise((resolve) => { markEnded = resolve; });
  return { kind, paused: false, stopping: false, wake: null, ended, markEnded, helperLinks: [] };
}

function endRun() {
  if (helpers) helpers.detach();
  if (run) run.markEnded();
  run = null;
}

// A paused run waits on `wake`: let it go on (to resume, or to see `stopping`).
function wakeRun() {
  if (run.wake) { run.wake(); run.wake = null; }
}

// The run failed with an exception: Python forgets it, the page is told why.
function runFailed(error) {
  call("abandon_run");
  endRun();
  emit("error", failure(error));
}

async function startTraining(id, config) {
  if (run) return fail(id, new Error(RUN_GOING[run.kind]));
  // A bad form (unknown recipe, a network too big to save...) is refused before anything downloads.
  call("check_config", { config });
  run = newRun("train");
  reply(id, "train", { state: "training" });
  try {
    await ensureData({ purpose: "train", ...config }, () => run.stopping);
    if (run.stopping) return finishRun({ stopped: true, started: false });
    const { started, share } = call("start_run", { config });
    // More workers: the helpers load while this worker trains alone, and each joins when it is ready.
    const cores = Math.max(1, Math.min(Number(config.cores) || 1, maxWorkers(askedCores)));
    helpers.start(cores - 1);
    emit("started", { ...started, cores });
    await trainingLoop(cores, share);
  } catch (error) {
    if (error instanceof StopRequested) return finishRun({ stopped: true, started: false });
    runFailed(error);
  }
}

async function trainingLoop(cores, share) {
  for (;;) {
    if (run.stopping) return finishRun({ stopped: true, started: true });
    if (run.paused) { await new Promise((resolve) => { run.wake = resolve; }); continue; }
    // Helpers that became ready join; one that failed between chunks (it crashed) is not waited for.
    const links = cores > 1 ? helpers.links(cores - 1, share) : [];
    if (links.length !== run.helperLinks.length || links.some((link, i) => link !== run.helperLinks[i])) {
      run.helperLinks = links;
      api.use_helpers(links, !fixedCount);
    }
    const chunk = call("train_chunk", { seconds: CHUNK_SECONDS });
    for (const { index, message } of chunk.helper_errors) helpers.fail(index, message);  // the trainer went on without it
    emit("progress", chunk.progress);
    for (const result of chunk.checkpoints) emit("checkpoint", result);
    for (const result of chunk.diverged ? [] : chunk.epochs) {
      // The model of every finished epoch goes to the page, which keeps it in IndexedDB (a run that diverged in the
      // same chunk has only its diverged event: the weights of that epoch's end are gone).
      const { bytes, model } = call("export_model");
      emit("epoch", { ...result, model, model_bytes: bytes.buffer }, [bytes.buffer]);
    }
    if (chunk.diverged) {
      // worker_api made the run's last finished epoch the active model (the page stores it like a finished run's), or
      // kept the model that answered before the run.
      const { bytes, model } = call("export_model");
      endRun();
      return emit("diverged", { reason: chunk.diverged, model, model_bytes: bytes.buffer }, [bytes.buffer]);
    }
    if (chunk.progress.done) return finishRun({ stopped: false, started: true });
    await yieldToEventLoop();
  }
}

async function finishRun({ stopped, started }) {
  try {
    if (!started) { endRun(); return emit("done", { stopped: true, test_acc: null, model: call("model_info").model }); }
    const summary = call("finish_run", { stopped });
    const { bytes } = call("export_model");
    endRun();
    emit("done", { ...summary, model_bytes: bytes.buffer }, [bytes.buffer]);
  } catch (error) {
    runFailed(error);
  }
}

function pause(id) {
  if (!run) return fail(id, new Error("Nothing is training."));
  run.paused = true;
  reply(id, "pause", { state: "paused" });
}

function resume(id) {
  if (!run) return fail(id, new Error("Nothing is training."));
  run.paused = false;
  wakeRun();
  reply(id, "resume", { state: "training" });
}

function stop(id) {
  if (!run) return reply(id, "stop", { state: "idle" });
  run.stopping = true;
  run.paused = false;
  wakeRun();
  reply(id, "stop", { state: "stopping" });
}

// Back to the pretrained model; a run in progress is abandoned first.
async function reset(id) {
  if (run) {
    run.stopping = true;
    wakeRun();
    await run.ended;
  }
  reply(id, "reset", { state: "idle", model: call("reset_model").model });
}

// ---- your digits: fine-tuning ----------------------------------------------------------------

// Fine-tune the active model on your digits; shares `run` with training, so Stop ends it and Train waits. Stop is
// honoured until the tuned model is kept: during the steps, the recalibration after them, and the MNIST test measure.
async function startFinetune(id, { images, labels, strength }) {
  if (run) return fail(id, new Error(RUN_GOING[run.kind]));
  run = newRun("finetune");
  reply(id, "finetune", { state: "learning" });
  const clicked = performance.now();
  const phases = {};  // wall seconds of each part, for the benchmark's breakdown
  let since = clicked;
  const lap = (name) => { const now = performance.now(); phases[name] = (now - since) / 1000; since = now; };
  try {
    await ensureData({ purpose: "finetune" }, () => run.stopping);
    lap("data");
    if (run.stopping) { endRun(); return emit("tune_done", { stopped: true, model: call("model_info").model }); }
    const { steps } = call("start_finetune", { images, labels, strength });
    lap("start");
    emit("tune_progress", { phase: "steps", step: 0, steps, loss: null });
    const learned = await tuneInChunks("finetune_chunk");
    lap("steps");
    if (!learned || learned.diverged) return await finishFinetune(true, phases, clicked);
    const calibrated = await tuneInChunks("calibrate_tuned_chunk");
    lap("calibrate");
    if (!calibrated) return await finishFinetune(true, phases, clicked);
    return await finishFinetune(false, phases, clicked);
  } catch (error) {
    if (error instanceof StopRequested) { endRun(); return emit("tune_done", { stopped: true, model: call("model_info").model }); }
    runFailed(error);
  }
}

// Call Python's `name` a chunk at a time, emitting its `tune_progress`, until it is done (or diverged): its last chunk,
// or null once Stop was pressed. Paused, it waits.
async function tuneInChunks(name) {
  for (;;) {
    if (run.stopping) return null;
    if (run.paused) { await new Promise((resolve) => { run.wake = resolve; }); continue; }
    const chunk = call(name, { seconds: CHUNK_SECONDS });
    emit("tune_progress", chunk.progress);
    if (chunk.done || chunk.diverged) return chunk;
    await yieldToEventLoop();
  }
}

// The tuned model answers the pad from `tune_done` on (its `seconds`: the wait since the command came, `clicked`); its
// MNIST test measure follows in chunks, so drawings are answered meanwhile, and `tune_measured` completes the report (and
// carries the model to keep, test accuracy included). A Stop that arrives during the measure was sent while the page
// still said it was learning: the model before answers again and nothing is kept.
async function finishFinetune(stopped, phases, clicked) {
  const summary = call("finish_finetune", { stopped, seconds: (performance.now() - clicked) / 1000 });
  if (summary.stopped) { endRun(); return emit("tune_done", summary); }
  emit("tune_done", { ...summary, phases: { ...phases, ...summary.phases } });
  try {
    let measured;
    while (!(measured = call("measure_tuned_chunk", { seconds: CHUNK_SECONDS })).done) {
      await yieldToEventLoop();
      if (run.stopping) { const undone = call("abandon_tuned"); endRun(); return emit("tune_done", undone); }
    }
    const started = performance.now();
    const { bytes, model } = call("export_model");
    endRun();
    emit("tune_measured", { mnist_after: measured.mnist_after, mnist_lost: measured.mnist_lost, phases: { ...measured.phases, export: (performance.now() - started) / 1000 },
      model, model_bytes: bytes.buffer }, [bytes.buffer]);
  } catch (error) {
    runFailed(error);
  }
}

// Download and decode what fine-tuning needs before "Learn my handwriting" is pressed (the page asks once your
// first digit is kept), and deform its calibration images a chunk at a time, the pad answered in between: the
// click then starts learning at once, and works offline. Not while training runs.
async function prepareFinetune(id) {
  if (run) return reply(id, "prepare_finetune", { ready: false });
  await ensureData({ purpose: "finetune" }, () => false, false);
  while (!run && !call("prepare_calibration", { seconds: CHUNK_SECONDS }).done) await yieldToEventLoop();
  reply(id, "prepare_finetune", { ready: !run });
}

function exportDigits(id, { images, labels }) {
  const { bytes } = call("export_digits", { images, labels });
  reply(id, "export_digits", { bytes: bytes.buffer }, [bytes.buffer]);
}

function importDigits(id, { bytes, name }) {
  const result = call("import_digits", { data: new Uint8Array(bytes), name: name || "the digits file" });
  reply(id, "import_digits", result, buffersOf(result));
}

// ---- predictions, models, inspection ----------------------------------------------------------

// The typed arrays among a reply's fields, moved to the page rather than copied.
const buffersOf = (fields) => Object.values(fields).filter(ArrayBuffer.isView).map((array) => array.buffer);

function predict(id, { ink, width, height }) {
  const result = call("predict", { ink, width, height });
  const fields = Object.fromEntries(COMMANDS.predict.reply.map((name) => [name, result[name] ?? null]));
  reply(id, "predict", fields, buffersOf(result));
}

function exportModel(id) {
  const { bytes, model } = call("export_model");
  reply(id, "export_model", { bytes: bytes.buffer, model }, [bytes.buffer]);
}

function importModel(id, { bytes, source }) {
  if (run) return fail(id, new Error("Training is running: stop it before loading another model."));
  // worker_api validates with mlp_core.modelio; on failure the active model is untouched.
  reply(id, "import_model", call("import_model", { data: new Uint8Array(bytes), source: source || {} }));
}

// An uploaded model's accuracy, measured here on MNIST test rather than taken from its file.
async function measure(id) {
  await ensureData({ purpose: "inspect" });
  reply(id, "measure", call("measure"));
}

// Which training-set sizes a run of `config` could use offline: its shards are in the service worker's cache.
async function offlineSizes(id, { config }) {
  const index = await getManifest();
  const cached = [];
  for (const shard of index.shards) {
    if (self.caches && await caches.match(new URL(`data/${shard.file}`, base).href)) cached.push(shard.file);
  }
  reply(id, "offline_sizes", call("offline_sizes", { manifest: index, config, cached }));
}

async function inspect(id, { count }) {
  await ensureData({ purpose: "inspect" });
  const result = call("inspect", { count: count || 48 });
  reply(id, "inspect", result, buffersOf(result));
}

// ---- dispatch ---------------------------------------------------------------------------------

// One handler per command of protocol.js, called with the command's named fields.
const handlers = {
  init, predict, inspect,
  train: (id, { config }) => startTraining(id, config),
  pause, resume, stop, reset,
  export_model: exportModel,
  import_model: importModel,
  measure,
  offline_sizes: offlineSizes,
  finetune: startFinetune,
  prepare_finetune: prepareFinetune,
  export_digits: exportDigits,
  import_digits: importDigits,
  ping: (id) => reply(id, "ping", { state: run ? (run.paused ? "paused" : "training") : "idle" }),
};

self.onmessage = async (event) => {
  const message = event.data || {};
  const handler = handlers[message.cmd];
  if (!handler) return fail(message.id, new Error(`Unknown command ${message.cmd}`));
  if (message.cmd !== "init" && message.cmd !== "ping" && !api) return fail(message.id, new Error("Python is still loading."));
  try {
    await handler(message.id, message);
  } catch (error) {
    fail(message.id, error);
  }
};
