// The page's wiring: state, controls and the conversation with the Python worker.
// Python never runs here; this thread only draws and moves data.

import { WorkerClient } from "./worker-client.js";
import { Pad, INK_SIZE } from "./pad.js";
import { LineChart, Smoother } from "./charts.js";
import * as views from "./views.js";
import * as store from "./store.js";
import { reloadIsolated } from "./isolation.js";

const INSPECT_COUNT = 48;
const RATE_WINDOW_S = 3;                     // samples/s is measured over the last few seconds

const $ = (selector) => document.querySelector(selector);
const body = document.body;

const ui = {
  message: $("#message"), pill: $("#status-pill"), activeModel: $("#active-model"), loading: $("#loading"),
  pad: $("#pad"), clear: $("#clear"), prediction: $("#prediction"), confidence: $("#confidence"), bars: $("#bars"), seen: $("#seen"),
  form: $("#train-form"), settings: $("#settings"), hidden: $("#hidden"), optimizer: $("#optimizer"), lr: $("#lr"),
  batch: $("#batch"), epochs: $("#epochs"), trainSize: $("#train-size"), cores: $("#cores"), coresHelp: $("#cores-help"), coresUsed: $("#cores-used"),
  presetFast: $("#preset-fast"), presetTutorial: $("#preset-tutorial"),
  train: $("#train"), pause: $("#pause"), stop: $("#stop"), reset: $("#reset"),
  progress: $("#progress"), progressText: $("#progress-text"), throughput: $("#throughput"), eta: $("#eta"),
  testAcc: $("#test-acc"), epochLog: $("#epoch-log tbody"),
  inspect: $("#inspect-run"), testGrid: $("#test-grid"), confusion: $("#confusion"), weights: $("#weights"),
  download: $("#download-model"), upload: $("#upload-model"), restart: $("#restart-worker"),
};

const state = {
  presets: null,          // form settings per recipe, sent by the worker (from mlp_core.recipes)
  limits: null,           // the form's limits and the largest model file, sent by the worker (worker_api.py)
  recipe: null,           // the preset the form is based on
  model: null,            // info about the active model
  activeBytes: null,      // .npz of the active model when it is not the pretrained one (restored after a restart)
  activeLabel: "",
  run: null,              // the run in progress: plan, timings, smoother
  helper: "off",          // the training worker's helper (the second core): off, starting, ready or failed
  busy: false,            // a control request (pause, stop, reset, upload...) is in flight
  restarting: false,      // "Restart Python" is at work: further clicks are ignored
  predicting: false,
  predictAgain: false,
  predictions: 0,
};

const client = new WorkerClient({ onEvent, onDead: workerDied });
const pad = new Pad(ui.pad, { onChange: schedulePrediction });
const lossChart = new LineChart($("#loss-chart"), {
  series: [{ key: "loss", className: "line-loss" }], yMin: 0, xLabel: "epoch", yFormat: (v) => String(+v.toFixed(2)), xFormat: (v) => String(+v.toFixed(1)),
});
const accChart = new LineChart($("#acc-chart"), {
  series: [{ key: "train", className: "line-train" }, { key: "val", className: "line-val" }],
  yMax: 1, minSpan: 0.1, xLabel: "epoch", yFormat: (v) => `${+(v * 100).toFixed(1)}%`, xFormat: (v) => (Number.isInteger(v) ? String(v) : ""), markers: true,
});
views.buildBars(ui.bars);

// ---- messages and state ----------------------------------------------------------------------

function say(text, kind = "info") {
  ui.message.dataset.kind = kind;
  ui.message.textContent = text;
}

const PILL = { loading: "Loading Python…", idle: "Ready", training: "Training…", paused: "Paused", stopping: "Stopping…", error: "Problem" };

function setState(next) {
  body.dataset.state = next;
  ui.pill.dataset.kind = next;
  ui.pill.textContent = body.dataset.worker === "dead" ? "Python stopped" : PILL[next];
  refreshControls();
}

// Every control's enabled state follows from the page state: no click can reach a wrong state.
function refreshControls() {
  const s = body.dataset.state;
  const ready = body.dataset.ready === "true" && body.dataset.worker === "ok";
  const running = s === "training" || s === "paused" || s === "stopping";
  ui.settings.disabled = running || !state.presets;
  ui.presetFast.disabled = ui.presetTutorial.disabled = running || !state.presets;
  ui.train.disabled = !ready || running || state.busy;
  ui.pause.disabled = !(s === "training" || s === "paused") || state.busy;
  ui.pause.textContent = s === "paused" ? "Resume" : "Pause";
  ui.pause.setAttribute("aria-pressed", String(s === "paused"));
  ui.stop.disabled = !(s === "training" || s === "paused") || state.busy;
  ui.reset.disabled = !ready || s === "stopping" || state.busy;
  ui.inspect.disabled = !ready || state.busy;
  ui.download.disabled = !ready || state.busy;
  ui.upload.disabled = !ready || running || state.busy;
  ui.upload.nextElementSibling.classList.toggle("disabled", ui.upload.disabled);
  // A keyboard user whose button just got disabled (Train -> Pause, Stop -> Train) keeps a sensible focus.
  const focused = document.activeElement;
  if (focused && focused.disabled && [ui.train, ui.pause, ui.stop].includes(focused)) {
    const next = [ui.pause, ui.train, ui.stop].find((button) => !button.disabled);
    if (next) next.focus();
  }
}

// Run a control request with the controls locked, so double clicks cannot overlap.
async function guarded(action) {
  if (state.busy) return;
  state.busy = true;
  refreshControls();
  try {
    await action();
  } catch (error) {
    if (body.dataset.worker !== "dead") say(error.message, "error");  // else keep "press Restart Python"
  } finally {
    state.busy = false;
    refreshControls();
  }
}

function describeModel(info, label) {
  if (!info) return "no model";
  const shape = info.sizes.join("-");
  const acc = info.metadata && typeof info.metadata.test_accuracy === "number" ? `, ${(100 * info.metadata.test_accuracy).toFixed(1)}% test` : "";
  return `${label} (${shape}${acc})`;
}

function setActiveModel(info, label, bytes = null) {
  state.model = info;
  state.activeLabel = label;
  if (bytes !== null) state.activeBytes = bytes;
  ui.activeModel.textContent = describeModel(info, label);
  schedulePrediction();
}

// ---- loading -----------------------------------------------------------------------------------

const stageStarted = {};

function formatBytes(n) {
  return n >= 1e6 ? `${(n / 1e6).toFixed(1)} MB` : `${Math.max(1, Math.round(n / 1e3))} kB`;
}

function onStage({ stage, state: stageState, bytes, total }) {
  const item = ui.loading.querySelector(`[data-stage="${stage}"]`);
  if (!item) return;
  const detail = item.querySelector(".stage-detail");
  if (stageState === "start") {
    stageStarted[stage] ??= performance.now();
    item.dataset.state = "active";
    detail.textContent = bytes ? (total ? `${formatBytes(bytes)} of ${formatBytes(total)}` : formatBytes(bytes)) : "";
  } else if (stageState === "done") {
    item.dataset.state = "done";
    const seconds = ((performance.now() - (stageStarted[stage] ?? performance.now())) / 1000).toFixed(1);
    detail.textContent = bytes ? `${formatBytes(bytes)} · ${seconds} s` : `${seconds} s`;
  } else {
    item.dataset.state = "error";
    detail.textContent = "failed";
  }
}

// Seconds tick on the active stage, so a slow runtime download still shows life.
setInterval(() => {
  const item = ui.loading.querySelector('[data-state="active"]');
  if (!item || item.dataset.stage === "code" || item.dataset.stage === "model") return;
  const started = stageStarted[item.dataset.stage];
  if (started) item.querySelector(".stage-detail").textContent = `${((performance.now() - started) / 1000).toFixed(0)} s`;
}, 500);

function resetStages() {
  for (const item of ui.loading.querySelectorAll("[data-stage]")) {
    item.dataset.state = "pending";
    item.querySelector(".stage-detail").textContent = "";
    delete stageStarted[item.dataset.stage];
  }
  ui.loading.classList.remove("finished");
}

async function startPython() {
  body.dataset.ready = "false";
  body.dataset.worker = "ok";
  setState("loading");
  const started = performance.now();
  const reply = await client.request("init", { base: new URL(".", location.href).href });
  if (!state.presets) {
    state.presets = reply.recipes.presets;
    state.limits = reply.recipes.limits;
    applyLimits(state.limits);
    fillTrainSizes(reply.recipes.train_sizes);
    applyPreset(reply.recipes.default);
    offerCores(reply.two_cores);
  }
  setHelperState("off");  // a new worker starts without its helper
  setActiveModel(reply.model, "pretrained");
  ui.loading.classList.add("finished");
  ui.loading.dataset.seconds = ((performance.now() - started) / 1000).toFixed(1);
}

// Ready is announced only once the model that should answer (pretrained or restored) is in place.
function markReady() {
  body.dataset.ready = "true";
  setState("idle");
  schedulePrediction();
}

async function boot() {
  try {
    if (await reloadIsolated()) return;  // the page comes back isolated (two cores possible)
    client.start();
    await startPython();
    say("Python is ready. Draw a digit, or train your own network.");
    await restoreSavedModel();
    markReady();
  } catch (error) {
    failedToStart(error);
  }
}

// A worker that cannot load is reported like a crashed one: #restart-worker tries again.
function failedToStart(error) {
  if (body.dataset.worker === "dead") return;  // the watchdog has already said why
  client.die(error.message);
}

async function restoreSavedModel() {
  let saved = null;
  try {
    saved = await store.loadModel();
  } catch (error) {
    return say(`Saved models are not available in this browser (${error.message}).`, "info");
  }
  if (!saved) return;
  try {
    const reply = await client.request("import_model", { bytes: saved.bytes.slice(0), source: { kind: "restored" } });
    setActiveModel(reply.model, `your saved model, ${saved.label}`, saved.bytes);
    say(`Restored your last model from this browser (${saved.label}, saved ${new Date(saved.savedAt).toLocaleString()}).`);
  } catch (error) {
    // Kept, not deleted: the next trained or uploaded model replaces it, and Reset removes it.
    say(`Your saved model (${saved.label}) could not be loaded, so the pretrained model answers: ${error.message}. `
      + "It stays in this browser until you train or upload another model, or press Reset.", "error");
  }
}

// ---- the Train form ----------------------------------------------------------------------------

function fillTrainSizes(sizes) {
  $("#train-size-choices").replaceChildren(...sizes.map((n) => new Option(n.toLocaleString("en-US"), String(n))));
}

// The inputs' bounds come from the worker, so the form and Python cannot disagree.
function applyLimits(limits) {
  ui.batch.min = "1";
  ui.batch.max = String(limits.batch);
  ui.epochs.min = "1";
  ui.epochs.max = String(limits.epochs);
  ui.trainSize.min = String(limits.min_train_size);
}

function applyPreset(name) {
  const preset = state.presets[name];
  state.recipe = name;
  ui.hidden.value = preset.hidden.join(",");
  ui.optimizer.value = preset.optimizer;
  ui.lr.value = String(preset.lr);
  ui.batch.value = String(preset.batch);
  ui.epochs.value = String(preset.epochs);
  ui.trainSize.value = String(preset.train_size);
  ui.trainSize.max = String(preset.max_train_size);
  ui.presetFast.setAttribute("aria-pressed", String(name === "fast"));
  ui.presetTutorial.setAttribute("aria-pressed", String(name === "tutorial"));
}

// Read and check the form; returns a config or throws an Error with a readable message.
// The worker checks again (and refuses networks too big to save); this gives the quick, specific message.
function readForm() {
  const limits = state.limits;
  const hidden = ui.hidden.value.split(/[\s,]+/).filter(Boolean).map(Number);
  if (hidden.length === 0 || hidden.length > limits.layers || hidden.some((h) => !Number.isInteger(h) || h < 1 || h > limits.units)) {
    throw new Error(`Hidden layers: give 1 to ${limits.layers} whole numbers between 1 and ${limits.units}, e.g. 100,200.`);
  }
  const lr = Number(ui.lr.value);
  if (!(lr > 0) || !Number.isFinite(lr)) throw new Error("Learning rate: a positive number, e.g. 0.002.");
  const batch = Number(ui.batch.value);
  if (!Number.isInteger(batch) || batch < 1 || batch > limits.batch) throw new Error(`Batch size: a whole number from 1 to ${limits.batch}.`);
  const epochs = Number(ui.epochs.value);
  if (!Number.isInteger(epochs) || epochs < 1 || epochs > limits.epochs) throw new Error(`Epochs: a whole number from 1 to ${limits.epochs}.`);
  const trainSize = Number(ui.trainSize.value);
  const { max_train_size: maxTrain, validation_size: heldOut } = state.presets[state.recipe];
  const minTrain = limits.min_train_size;
  if (!Number.isInteger(trainSize) || trainSize < minTrain || trainSize > maxTrain) {
    throw new Error(`Training images: a whole number from ${minTrain.toLocaleString("en-US")} to ${maxTrain.toLocaleString("en-US")} (${heldOut.toLocaleString("en-US")} more are kept apart for validation).`);
  }
  return { recipe: state.recipe, hidden, optimizer: ui.optimizer.value, lr, batch, epochs, train_size: trainSize, cores: Number(ui.cores.value) };
}

// Two cores need shared memory between workers, which browsers allow only in cross-origin isolated
// pages (`python3 build.py serve` sends the headers; GitHub Pages cannot), and a second core.
function offerCores(possible) {
  if (possible) return;
  ui.cores.value = "1";
  ui.cores.querySelector('option[value="2"]').disabled = true;
  ui.coresHelp.textContent = (navigator.hardwareConcurrency || 1) < 2
    ? "This device has one core"
    : "One here: this host does not allow shared memory between workers";
}

// How many cores train now, and why not two when two were asked for. `split` is the trainer's:
// null without a helper, else whether splitting batches with it measured faster (mlp_core.partner.SplitChooser).
function coresText(split) {
  if (split === true) return "2 cores";
  const why = split === false ? " · 2 measured slower" : { starting: " · 2nd starting…", failed: " · 2nd stopped" }[state.helper] || "";
  return `1 core${runWantsTwoCores() ? why : ""}`;
}

// The helper's state also goes on the page (`data-helper`), so a test can wait for it rather than race it.
function setHelperState(helperState) {
  state.helper = helperState;
  ui.coresUsed.dataset.helper = helperState;
}

const runWantsTwoCores = () => Boolean(state.run && state.run.plan && state.run.plan.cores === 2);

function clearRunViews() {
  lossChart.clear();
  accChart.clear();
  ui.epochLog.replaceChildren();
  ui.testAcc.textContent = "–";
  ui.testAcc.dataset.value = "";
  ui.progress.value = 0;
  ui.progressText.textContent = "Not started";
  ui.throughput.textContent = "–";
  ui.eta.textContent = "–";
  ui.coresUsed.textContent = "–";
  ui.coresUsed.dataset.cores = "";
  ui.coresUsed.dataset.sharedSteps = "0";
}

async function startTraining() {
  if (body.dataset.state !== "idle" || state.busy) return;
  let config;
  try {
    config = readForm();
  } catch (error) {
    return say(error.message, "error");
  }
  clearRunViews();
  state.run = { config, plan: null, smoother: new Smoother(0.9), steps: 0, samples: [], savedEpoch: 0 };
  setState("training");
  client.watchTraining(true);
  ui.progressText.textContent = "Preparing data…";
  say("Downloading the training images you chose…");
  try {
    await client.request("train", { config });
  } catch (error) {
    endRun();
    if (body.dataset.worker !== "dead") say(`Could not start training: ${error.message}`, "error");
  }
}

function endRun() {
  state.run = null;
  client.watchTraining(false);
  if (body.dataset.worker === "ok") setState("idle");
}

function formatDuration(seconds) {
  if (!Number.isFinite(seconds)) return "–";
  if (seconds < 60) return `${Math.ceil(seconds)} s`;
  return `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
}

function onProgress(p) {
  const run = state.run;
  if (!run || !run.plan) return;
  for (const loss of p.losses) {
    run.steps += 1;
    lossChart.add("loss", run.steps / run.plan.steps_per_epoch, run.smoother.push(loss));
  }
  const total = run.plan.total_samples;
  const view = { value: Math.min(1, p.samples_seen / total), split: p.split, sharedSteps: p.shared_steps };
  run.view = view;
  scheduleRender();
  if (p.losses.length === 0 && !p.done) {
    // No new batches: the Trainer is measuring train/validation accuracy at the end of an epoch.
    view.text = `Epoch ${Math.round(p.step / p.steps_per_epoch)} of ${p.epochs} done · measuring accuracy…`;
    run.samples = [];  // the rate below counts training time only, so the evaluation pause does not skew it
    return;
  }
  const now = performance.now() / 1000;
  run.samples.push([now, p.samples_seen]);
  while (run.samples.length > 2 && now - run.samples[0][0] > RATE_WINDOW_S) run.samples.shift();
  const [t0, s0] = run.samples[0];
  const rate = now > t0 ? (p.samples_seen - s0) / (now - t0) : 0;
  view.text = p.done ? "Measuring test accuracy…" : `Epoch ${Math.min(p.epoch + 1, p.epochs)} of ${p.epochs} · ${Math.round(100 * p.samples_seen / total)}%`;
  if (rate > 0 && now - t0 > 0.5) {
    view.throughput = Math.round(rate).toLocaleString("en-US");
    view.eta = formatDuration((total - p.samples_seen) / rate);
  }
}

// The run's charts and numbers are drawn at most a few times a second, though progress arrives 20
// times a second: every frame the main thread draws is taken from the worker that trains when the
// machine has two cores (measured in headless Chromium: main-thread busy 15% -> 6% of a core while training).
const RENDER_INTERVAL_MS = 250;
let renderTimer = 0;
function scheduleRender() {
  if (renderTimer) return;
  renderTimer = setTimeout(() => requestAnimationFrame(() => { renderTimer = 0; renderRun(); }), RENDER_INTERVAL_MS);
}

function renderRun() {
  lossChart.render();
  accChart.render();
  const view = state.run && state.run.view;
  if (!view) return;  // nothing new, or the run ended (its end wrote the final numbers)
  state.run.view = null;
  ui.progress.value = view.value;
  ui.progressText.textContent = view.text;
  ui.coresUsed.textContent = coresText(view.split);
  ui.coresUsed.dataset.cores = view.split ? "2" : "1";
  ui.coresUsed.dataset.sharedSteps = String(view.sharedSteps);  // steps the helper took part in
  if (view.throughput) { ui.throughput.textContent = view.throughput; ui.eta.textContent = view.eta; }
}

function percent(x) { return typeof x === "number" ? `${(100 * x).toFixed(2)}%` : "–"; }

function onEpoch({ result, model, info }) {
  accChart.add("train", result.epoch, result.train_acc);
  if (typeof result.val_acc === "number") accChart.add("val", result.epoch, result.val_acc);
  scheduleRender();
  const row = ui.epochLog.insertRow();
  for (const text of [String(result.epoch), result.loss.toFixed(4), percent(result.train_acc), percent(result.val_acc), result.seconds.toFixed(1)]) {
    row.insertCell().textContent = text;
  }
  state.activeBytes = model;
  if (state.run) state.run.savedEpoch = result.epoch;
  setActiveModel(info, `training, live weights (epoch ${result.epoch} done)`);
  saveInBrowser(model, `after epoch ${result.epoch} of a run`);
}

// Keep a model in IndexedDB for the next visit; a failure is said, the model still answers.
function saveInBrowser(bytes, label) {
  store.saveModel(bytes, label).catch((error) => say(`Could not save the model in this browser: ${error.message}`, "error"));
}

function onDone({ stopped, test_acc, test_images, model, model_bytes }) {
  if (typeof test_acc === "number") {
    ui.testAcc.textContent = percent(test_acc);
    ui.testAcc.dataset.value = test_acc.toFixed(4);
  }
  if (model_bytes) {
    setActiveModel(model, stopped ? "trained here, stopped early" : "trained here", model_bytes);
    saveInBrowser(model_bytes, stopped ? "a stopped run" : "a finished run");
    ui.progressText.textContent = stopped ? "Stopped" : "Finished";
    if (!stopped) { ui.eta.textContent = "0 s"; ui.progress.value = ui.progress.max; }
    say(`${stopped ? "Stopped" : "Done"}: test accuracy ${percent(test_acc)} on ${test_images.toLocaleString("en-US")} images it never saw. Your model now answers the drawing pad.`);
  } else {
    setActiveModel(model, state.activeLabel || "pretrained");
    ui.progressText.textContent = "Stopped before training began";
    say("Stopped before training began; the previous model still answers.");
  }
  scheduleRender();
  endRun();
}

function onDiverged({ reason, model, model_bytes }) {
  const lr = state.run ? state.run.config.lr : Number(ui.lr.value);
  // Stored like a finished run's model, so a reload or a restart brings back the model that answers.
  setActiveModel(model, "last good weights of a diverged run", model_bytes);
  saveInBrowser(model_bytes, "last good weights of a diverged run");
  ui.progressText.textContent = "Stopped: training diverged";
  say(`${reason} Suggested next try: ${+(lr / 10).toPrecision(2)}.`, "error");
  endRun();
}

function onEvent(message) {
  switch (message.event) {
    case "stage": return onStage(message);
    case "data": {
      if (!state.run) return;  // an inspect download reports here too; its button shows the wait
      ui.progressText.textContent = message.done ? "Data ready" : `Downloading data: ${formatBytes(message.loaded)} of ${formatBytes(message.total)}`;
      return;
    }
    case "started": {
      if (!state.run) return;
      state.run.plan = message;
      accChart.xMaxHint = message.epochs;
      lossChart.xMaxHint = message.epochs;
      say(`Training on ${message.train_size.toLocaleString("en-US")} images, checking on ${message.validation_size.toLocaleString("en-US")} held-out images after each epoch. The drawing pad uses the weights of the moment.`);
      return;
    }
    case "progress": return onProgress(message);
    case "helper": {
      setHelperState(message.state);
      if (message.state === "failed" && runWantsTwoCores()) {
        say(`Training goes on with one core: ${message.detail}.`);
      }
      return undefined;
    }
    case "epoch": return onEpoch(message);
    case "done": return onDone(message);
    case "diverged": return onDiverged(message);
    case "error": {
      say(`Training stopped: ${message.error}`, "error");
      ui.progressText.textContent = "Stopped by an error";
      return endRun();
    }
    default: return undefined;
  }
}

// ---- run controls ------------------------------------------------------------------------------

ui.form.addEventListener("submit", (event) => { event.preventDefault(); startTraining(); });
ui.presetFast.addEventListener("click", () => { applyPreset("fast"); say("Fast preset: AdamW on a subset of MNIST, for a good model in seconds."); });
ui.presetTutorial.addEventListener("click", () => { applyPreset("tutorial"); say("Tutorial preset: the NumPy tutorial's exact settings. It is slow in a browser; watch the validation curve."); });

ui.pause.addEventListener("click", () => guarded(async () => {
  if (body.dataset.state === "training") {
    await client.request("pause");
    client.watchTraining(false);
    setState("paused");
    say("Paused. The drawing pad uses the weights of the moment.");
  } else if (body.dataset.state === "paused") {
    await client.request("resume");
    client.watchTraining(true);
    setState("training");
    say("Training resumed.");
  }
}));

ui.stop.addEventListener("click", () => guarded(async () => {
  if (body.dataset.state !== "training" && body.dataset.state !== "paused") return;
  client.watchTraining(true);  // the final test evaluation still reports back
  setState("stopping");
  await client.request("stop");
}));

ui.reset.addEventListener("click", () => guarded(async () => {
  const reply = await client.request("reset");
  state.run = null;
  client.watchTraining(false);
  state.activeBytes = null;
  await store.forgetModel().catch(() => {});
  clearRunViews();
  setActiveModel(reply.model, "pretrained");
  setState("idle");
  say("Back to the pretrained model. Your trained model was removed from this browser.");
}));

// ---- drawing and predictions -----------------------------------------------------------------

function showPrediction(reply) {
  const digit = reply && reply.digit !== null && reply.digit !== undefined ? reply.digit : null;
  const unsure = digit !== null && reply.unsure === true;
  const sure = (d) => `${d} (${(100 * reply.probs[d]).toFixed(0)}%)`;
  ui.prediction.dataset.digit = digit === null ? "" : String(digit);
  ui.prediction.dataset.unsure = String(unsure);
  ui.prediction.dataset.runnerUp = unsure ? String(reply.runner_up) : "";
  ui.prediction.textContent = digit === null ? "–" : unsure ? "?" : String(digit);
  ui.confidence.textContent = digit === null ? ""
    : !unsure ? `${(100 * reply.probs[digit]).toFixed(1)}% sure`
    : reply.reason === "low confidence" ? `Unsure: ${sure(digit)} or ${sure(reply.runner_up)}?`
    : `Not like a digit; closest ${sure(digit)} or ${sure(reply.runner_up)}`;
  views.showBars(ui.bars, digit === null ? null : reply.probs, digit);
  views.showSeen(ui.seen, digit === null ? null : reply.image);
}

// One request in flight at a time; strokes drawn meanwhile are sent as soon as it returns.
function schedulePrediction() {
  if (body.dataset.ready !== "true" || body.dataset.worker !== "ok") return;
  if (state.predicting) { state.predictAgain = true; return; }
  predictNow();
}

async function predictNow() {
  if (pad.isEmpty) return showPrediction(null);
  state.predicting = true;
  try {
    const ink = pad.ink();
    const reply = await client.request("predict", { ink, width: INK_SIZE, height: INK_SIZE }, [ink.buffer]);
    if (pad.isEmpty) showPrediction(null);
    else showPrediction(reply);
    state.predictions += 1;
    ui.pad.dataset.predictions = String(state.predictions);
  } catch (error) {
    if (body.dataset.worker === "ok") say(`Could not read the drawing: ${error.message}`, "error");
  } finally {
    state.predicting = false;
    if (state.predictAgain) { state.predictAgain = false; requestAnimationFrame(schedulePrediction); }
  }
}

function clearPad() {
  pad.clear();
  state.predictAgain = false;
  showPrediction(null);
}

ui.clear.addEventListener("click", clearPad);
document.addEventListener("keydown", (event) => {
  const typing = event.target.closest && event.target.closest("input, select, textarea, [contenteditable]");
  if (typing || event.ctrlKey || event.metaKey || event.altKey) return;
  if (event.key === "Escape" || event.key === "Delete" || (event.key === "Backspace" && event.target === ui.pad)) {
    event.preventDefault();
    clearPad();
  }
});

// ---- inside the model --------------------------------------------------------------------------

ui.inspect.addEventListener("click", () => guarded(async () => {
  const label = ui.inspect.textContent;
  ui.inspect.textContent = "Working…";
  try {
    const reply = await client.request("inspect", { count: INSPECT_COUNT });
    views.showTestGrid(ui.testGrid, reply);
    views.showConfusion(ui.confusion, reply.confusion);
    views.showWeights(ui.weights, reply.weights, reply.units);
    say(`The active model, ${describeModel(state.model, state.activeLabel)}, reads ${percent(reply.accuracy)} of the ${reply.test_images.toLocaleString("en-US")} test digits correctly.`);
  } finally {
    ui.inspect.textContent = label;
  }
}));

// ---- keeping work ------------------------------------------------------------------------------

ui.download.addEventListener("click", () => guarded(async () => {
  const reply = await client.request("export_model");
  const blob = new Blob([reply.bytes], { type: "application/octet-stream" });
  const link = document.createElement("a");
  link.href = URL.createObjectURL(blob);
  link.download = `mnist-mlp-${reply.model.sizes.join("-")}.npz`;
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
  say(`Downloaded ${link.download} (${formatBytes(blob.size)}).`);
}));

ui.upload.addEventListener("change", () => {
  const file = ui.upload.files[0];
  ui.upload.value = "";
  if (!file) return;
  if (body.dataset.state !== "idle") return say("Training is running: stop it before loading another model.", "error");
  const maxBytes = state.limits.model_bytes;  // mlp_core.modelio's limit, checked before reading the file
  if (file.size > maxBytes) return say(`${file.name} is ${formatBytes(file.size)}; model files are at most ${formatBytes(maxBytes)}. Nothing changed.`, "error");
  guarded(async () => {
    const bytes = await file.arrayBuffer();
    try {
      const reply = await client.request("import_model", { bytes: bytes.slice(0), source: { kind: "uploaded", name: file.name } });
      setActiveModel(reply.model, `uploaded ${file.name}`, bytes);
      say(`Loaded ${file.name}: it now answers the drawing pad.`);
    } catch (error) {
      throw new Error(`${file.name} was not loaded: ${error.message}. The previous model still answers.`);
    }
    // Kept in IndexedDB like a trained model, so a reload brings it back.
    await store.saveModel(bytes, `uploaded ${file.name}`)
      .catch((error) => say(`Loaded ${file.name}, but could not save it in this browser: ${error.message}`, "error"));
  });
});

// ---- a dead or hung worker ---------------------------------------------------------------------

function workerDied(reason) {
  body.dataset.worker = "dead";
  body.dataset.ready = "false";
  state.run = null;
  state.predicting = false;
  setState("error");
  say(`${/[.!?]$/.test(reason) ? reason : `${reason}.`} Press “Restart Python” to start it again; your model is kept.`, "error");
}

ui.restart.addEventListener("click", async () => {
  if (state.restarting) return;
  state.restarting = true;
  ui.restart.disabled = true;
  // One try/finally around all of it: a second click waits until the model is back in place.
  try {
    await restartPython();
  } finally {
    state.restarting = false;
    ui.restart.disabled = false;
  }
});

async function restartPython() {
  const bytes = state.activeBytes;
  const label = state.activeLabel;
  const wasRunning = state.run !== null;
  const savedEpoch = wasRunning ? state.run.savedEpoch : 0;  // the run's last model kept in activeBytes
  state.run = null;
  state.busy = false;
  resetStages();
  say("Restarting Python…");
  try {
    client.restart();
    await startPython();
  } catch (error) {
    failedToStart(error);
    return;
  }
  try {
    if (bytes) {
      const reply = await client.request("import_model", { bytes: bytes.slice(0), source: { kind: "restored" } });
      setActiveModel(reply.model, savedEpoch ? `trained here, epoch ${savedEpoch} of an unfinished run` : label, bytes);
    }
    say(`Python restarted${wasRunning ? "; the unfinished run was lost" : ""}. Answering: ${describeModel(state.model, state.activeLabel)}.`);
  } catch (error) {
    if (body.dataset.worker !== "ok") return;
    state.activeBytes = null;
    say(`Python restarted, but your model could not be restored (${error.message}); the pretrained model answers.`, "error");
  }
  markReady();
}

refreshControls();
showPrediction(null);
boot();
