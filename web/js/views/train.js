// The train card: the form and its presets, Train/Pause/Stop/Reset, and the run as it goes (progress,
// samples/s, cores, charts, epoch log, test accuracy). The worker's run events arrive in `onEvent`.

import { LineChart, Smoother } from "../charts.js";
import { count, formatBytes, formatDuration, percent } from "./format.js";
import { newId } from "../saved-model.js";
import { modelName } from "../model-name.js";
import { DOWNLOAD_FAILED } from "../protocol.js";
import { busy as teachBusy } from "./teach.js";

const RATE_WINDOW_S = 3;                     // samples/s is measured over the last few seconds
// The run's charts and numbers are drawn at most a few times a second, though progress arrives 20
// times a second: every frame the main thread draws is taken from the worker that trains when the
// machine has two cores (measured in headless Chromium: main-thread busy 15% -> 6% of a core while training).
const RENDER_INTERVAL_MS = 250;
// Why Train waits while your handwriting is learned: said by the button, where the click was.
const WAIT_FOR_TEACH = "Train waits while “Learn my handwriting” runs.";
// What the rate and time-left show when nothing runs (stopped, finished, failed, reset): the placeholder.
const NOT_RUNNING = { throughput: undefined, eta: undefined };

// Text is written only when it changes: no needless work for the main thread while training.
function setText(element, text) {
  if (element.textContent !== text) element.textContent = text;
}

export function mountTrain({ store, client, say, sayAnswering, guarded, setModel, saveInBrowser, pretrainedAnswers }) {
  const $ = (selector) => document.querySelector(selector);
  const ui = {
    form: $("#train-form"), settings: $("#settings"), hidden: $("#hidden"), optimizer: $("#optimizer"), lr: $("#lr"),
    batch: $("#batch"), epochs: $("#epochs"), trainSize: $("#train-size"), trainSizes: $("#train-size-choices"),
    cores: $("#cores"), coresHelp: $("#cores-help"), coresUsed: $("#cores-used"),
    presetFast: $("#preset-fast"), presetTutorial: $("#preset-tutorial"),
    train: $("#train"), trainWait: $("#train-wait"), pause: $("#pause"), stop: $("#stop"), reset: $("#reset"),
    progress: $("#progress"), progressText: $("#progress-text"), throughput: $("#throughput"), eta: $("#eta"),
    testAcc: $("#test-acc"), epochLog: $("#epoch-log tbody"),
  };
  ui.trainWait.textContent = WAIT_FOR_TEACH;
  const lossChart = new LineChart($("#loss-chart"), {
    series: [{ key: "loss", className: "line-loss" }], yMin: 0, tailFrom: 0.05, xLabel: "epoch", yFormat: (v) => String(+v.toFixed(2)), xFormat: (v) => String(+v.toFixed(1)),
  });
  const accChart = new LineChart($("#acc-chart"), {
    series: [{ key: "train", className: "line-train" }, { key: "val", className: "line-val" }],
    yMax: 1, minSpan: 0.1, xLabel: "epoch", yFormat: (v) => `${+(v * 100).toFixed(1)}%`, xFormat: (v) => (Number.isInteger(v) ? String(v) : ""), markers: true,
  });
  // Drawing aids of the run in progress (not page state): loss smoothing, batches so far, the rate window.
  let trace = null;
  let pending = null;       // numbers to draw at the next render tick (a `shown` value)
  let renderTimer = 0;

  // ---- the form --------------------------------------------------------------------------------

  function fillForm({ presets, limits, trainSizes, workers }, recipe) {
    // The inputs' bounds come from the worker, so the form and Python cannot disagree.
    ui.batch.min = "1";
    ui.batch.max = String(limits.batch);
    ui.epochs.min = "1";
    ui.epochs.max = String(limits.epochs);
    ui.trainSize.min = String(limits.min_train_size);
    ui.trainSizes.replaceChildren(...trainSizes.map((n) => new Option(count(n), String(n))));
    applyPreset(presets, recipe);
    // One choice per worker count the page can use, all of them by default. More than one needs shared memory
    // between workers, which browsers allow only in cross-origin isolated pages (web/coi-sw.js makes a page
    // isolated where the host cannot), and more than one core; without them 2 is shown disabled, with why.
    const most = Math.max(workers, 2);
    ui.cores.replaceChildren(...Array.from({ length: most }, (_, i) => {
      const option = new Option(String(most - i), String(most - i));
      option.disabled = most - i > workers;
      return option;
    }));
    ui.cores.value = String(workers);
    if (workers > 1) return;
    ui.coresHelp.textContent = self.crossOriginIsolated
      ? "This device has one core"
      : "One here: this host does not allow shared memory between workers";
  }

  function applyPreset(presets, name) {
    const preset = presets[name];
    ui.hidden.value = preset.hidden.join(",");
    ui.optimizer.value = preset.optimizer;
    ui.lr.value = String(preset.lr);
    ui.batch.value = String(preset.batch);
    ui.epochs.value = String(preset.epochs);
    ui.trainSize.value = String(preset.train_size);
    ui.trainSize.max = String(preset.max_train_size);
    for (const field of checks.keys()) if (field.getAttribute("aria-invalid") === "true") markField(field, "");  // the preset's values are right
    ui.presetFast.setAttribute("aria-pressed", String(name === "fast"));
    ui.presetTutorial.setAttribute("aria-pressed", String(name === "tutorial"));
  }

  function choosePreset(name, text) {
    applyPreset(store.state.form.presets, name);
    store.update({ recipe: name });
    say(text);
  }

  // What is wrong with each checked field's value, or "": the one source of the form's messages.
  // The worker checks again (and refuses networks too big to save); these give the quick, specific message.
  const checks = new Map([
    [ui.hidden, () => {
      const { limits } = store.state.form;
      const hidden = hiddenSizes();
      return hidden.length === 0 || hidden.length > limits.layers || hidden.some((h) => !Number.isInteger(h) || h < 1 || h > limits.units)
        ? `Hidden layers: give 1 to ${limits.layers} whole numbers between 1 and ${limits.units}, e.g. 100,200.` : "";
    }],
    [ui.lr, () => {
      const lr = Number(ui.lr.value);
      return !(lr > 0) || !Number.isFinite(lr) ? "Learning rate: a positive number, e.g. 0.002." : "";
    }],
    [ui.batch, () => {
      const { batch: most } = store.state.form.limits;
      const batch = Number(ui.batch.value);
      return !Number.isInteger(batch) || batch < 1 || batch > most ? `Batch size: a whole number from 1 to ${most}.` : "";
    }],
    [ui.epochs, () => {
      const { epochs: most } = store.state.form.limits;
      const epochs = Number(ui.epochs.value);
      return !Number.isInteger(epochs) || epochs < 1 || epochs > most ? `Epochs: a whole number from 1 to ${most}.` : "";
    }],
    [ui.trainSize, () => {
      const { form: { limits, presets }, recipe } = store.state;
      const { max_train_size: maxTrain, validation_size: heldOut } = presets[recipe];
      const minTrain = limits.min_train_size;
      const trainSize = Number(ui.trainSize.value);
      return !Number.isInteger(trainSize) || trainSize < minTrain || trainSize > maxTrain
        ? `Training images: a whole number from ${count(minTrain)} to ${count(maxTrain)} (${count(heldOut)} more are kept apart for validation).` : "";
    }],
  ]);

  const hiddenSizes = () => ui.hidden.value.split(/[\s,]+/).filter(Boolean).map(Number);

  // A field's error is written right under it and tied to it (aria-invalid, aria-describedby), where the eye and focus are.
  function errorOf(field) {
    let error = document.getElementById(`${field.id}-error`);
    if (!error) {
      error = document.createElement("small");
      error.id = `${field.id}-error`;
      error.className = "field-error";
      field.parentElement.append(error);
    }
    return error;
  }

  function markField(field, text) {
    const error = errorOf(field);
    error.textContent = text;
    error.hidden = !text;
    const described = (field.getAttribute("aria-describedby") || "").split(" ").filter((id) => id && id !== error.id);
    if (text) described.push(error.id);
    if (described.length) field.setAttribute("aria-describedby", described.join(" "));
    else field.removeAttribute("aria-describedby");
    if (text) field.setAttribute("aria-invalid", "true");
    else field.removeAttribute("aria-invalid");
  }

  // Read and check the form; returns a config, or marks the first wrong field, focuses it and returns null.
  function readForm() {
    for (const [field, check] of checks) {
      const problem = check();
      markField(field, problem);
      if (problem) {
        field.focus();
        say(problem, "error");
        return null;
      }
    }
    return { recipe: store.state.recipe, hidden: hiddenSizes(), optimizer: ui.optimizer.value, lr: Number(ui.lr.value), batch: Number(ui.batch.value),
      epochs: Number(ui.epochs.value), train_size: Number(ui.trainSize.value), cores: Number(ui.cores.value) };
  }

  // A marked field is checked again as it is typed in: its error goes once the value is right.
  for (const [field, check] of checks) {
    field.addEventListener("input", () => { if (field.getAttribute("aria-invalid") === "true") markField(field, check()); });
  }

  // ---- a run -----------------------------------------------------------------------------------

  // The last run's charts and epoch log go (its numbers in the store are the caller's to clear).
  function clearDrawing() {
    lossChart.clear();
    accChart.clear();
    ui.epochLog.replaceChildren();
    trace = null;
    pending = null;
  }

  function clearRun() {
    clearDrawing();
    store.update({ shown: null, testAcc: null });
  }

  async function startTraining() {
    if (store.state.phase !== "idle" || store.state.busy || teachBusy(store.state.teach.state)) return;
    const config = readForm();
    if (!config || !(await downloadedIfOffline(config)) || store.state.phase !== "idle") return;
    // A start the worker refuses leaves the last run's line, charts and test accuracy as they were.
    const before = { shown: store.state.shown, testAcc: store.state.testAcc };
    store.update({ run: { config, plan: null, savedEpoch: 0, id: newId() }, phase: "training", shown: { text: "Preparing data…" }, testAcc: null });
    client.watchTraining(true);
    say("Downloading the training images you chose…");
    try {
      await client.request("train", { config });
    } catch (error) {
      endRun(before);
      if (store.state.worker !== "dead") say(`Could not start training: ${error.message}`, "error");
      return;
    }
    // Accepted: the run's events come after this reply, onto empty charts.
    clearDrawing();
    trace = { smoother: new Smoother(0.9), steps: 0, samples: [], trying: null, timed: false };
  }

  // What trains with no network when `config`'s own size cannot (the sizes whose images are cached or loaded), or "".
  async function withoutNetwork(config) {
    const sizes = await client.request("offline_sizes", { config }).then((reply) => reply.train_sizes, () => null);
    if (!sizes || sizes.includes(config.train_size)) return "";
    if (sizes.length) return `the images to train on ${count(config.train_size)} were never downloaded: choose ${sizes.map(count).join(" or ")} images (downloaded already), or go online.`;
    return navigator.onLine ? "" : "no training images were downloaded yet: train once while online.";
  }

  // Offline, a size whose images were never downloaded is refused before the run, not when its download fails.
  async function downloadedIfOffline(config) {
    const missing = navigator.onLine ? "" : await withoutNetwork(config);
    if (missing) say(`You are offline, and ${missing}`, "error");
    return !missing;
  }

  // A run that stopped on an error; a failed download says which sizes need no network (a browser may think it is
  // online with no way out).
  async function onFailed({ message: text, kind }, config) {
    pending = null;
    endRun({ shown: { ...store.state.shown, ...NOT_RUNNING, text: "Stopped by an error" } });
    const missing = kind === DOWNLOAD_FAILED && config ? await withoutNetwork(config) : "";
    say(`Training stopped: ${text}${missing ? ` Without a connection, ${missing}` : ""}`, "error");
  }

  function endRun(changes = {}) {
    client.watchTraining(false);
    if (changes.shown) changes = { ...changes, shown: { ...changes.shown, coresText: settled(changes.shown.coresText) } };
    store.update({ run: null, ...(store.state.worker === "ok" ? { phase: "idle" } : {}), ...changes });
  }

  // Once a run has ended its line says how many cores it used, not a first timing or a helper start the end cut short.
  function settled(text) {
    return text && / \((checking whether \d+ are faster|\d+ more starting)\)$/.test(text) ? text.split(" (")[0] : text;
  }

  // How many cores (workers) train now, and why not as many as asked for: more measured slower, helpers still
  // starting, or stopped. It follows the decision (`workers`), not each trial timing the other count every few
  // seconds (mlp_core/fast/split.py SplitChooser), so it changes only when the decision does.
  function coresText(workers) {
    const cores = (n) => (n === 1 ? "1 core" : `${n} cores`);
    const { run, helpers } = store.state;
    const asked = run && run.plan ? run.plan.cores : 1;
    if (asked <= 1) return cores(workers);
    let why = "";
    if (workers < Math.min(asked, helpers.ready + 1)) {  // fewer than could: a trial kept them, or the first one still times more
      why = trace.timed ? ` (${workers + 1} were slower here)` : ` (checking whether ${workers + 1} are faster)`;
    } else if (helpers.starting) why = ` (${helpers.starting} more starting)`;
    else if (helpers.failed) why = helpers.failed === 1 ? " (a helper stopped)" : ` (${helpers.failed} helpers stopped)`;
    return cores(workers) + why;
  }

  // What a run asking for more cores is told when a helper has stopped.
  function helperStopped({ ready, starting, detail }) {
    return ready || starting ? `A helper worker stopped (${detail}); training goes on with the others.` : `Training goes on with one core: ${detail}.`;
  }

  // Numbers to draw at the next tick, on top of those drawn last.
  function show(changes) {
    pending = { ...(pending || store.state.shown), ...changes };
    scheduleRender();
  }

  function scheduleRender() {
    if (renderTimer) return;
    renderTimer = setTimeout(() => requestAnimationFrame(() => { renderTimer = 0; renderRun(); }), RENDER_INTERVAL_MS);
  }

  function renderRun() {
    lossChart.render();
    accChart.render();
    if (!pending) return;  // nothing new, or the run ended (its end wrote the final numbers)
    const shown = pending;
    pending = null;
    store.update({ shown });
  }

  function onProgress(p) {
    const { run } = store.state;
    if (!run || !run.plan) return;
    for (const loss of p.losses) {
      trace.steps += 1;
      lossChart.add("loss", trace.steps / run.plan.steps_per_epoch, trace.smoother.push(loss));
    }
    const total = run.plan.total_samples;
    const workers = p.workers || 1;
    if (trace.trying && !p.trying) trace.timed = true;  // a trial ended: the count in use is a measured decision
    trace.trying = p.trying;
    const numbers = { value: Math.min(1, p.samples_seen / total), coresText: coresText(workers), cores: String(workers),
      trying: p.trying ? String(p.trying) : "", sharedSteps: p.shared_steps };
    if (p.measuring) {
      trace.samples = [];  // the rate counts training time only, so the evaluation pause does not skew it
      const text = p.checking ? `Epoch ${p.epoch} of ${p.epochs} · measuring validation accuracy…`  // the log's row gives the samples
        : `Epoch ${p.epoch} of ${p.epochs} done · measuring accuracy…`;
      return show({ ...numbers, text });
    }
    const now = performance.now() / 1000;
    trace.samples.push([now, p.samples_seen]);
    while (trace.samples.length > 2 && now - trace.samples[0][0] > RATE_WINDOW_S) trace.samples.shift();
    const [t0, s0] = trace.samples[0];
    const rate = now > t0 ? (p.samples_seen - s0) / (now - t0) : 0;
    const text = p.done ? "Measuring test accuracy…" : `Epoch ${p.epoch} of ${p.epochs} · ${Math.round(100 * p.samples_seen / total)}%`;
    const measured = rate > 0 && now - t0 > 0.5 ? { throughput: count(Math.round(rate)), eta: formatDuration((total - p.samples_seen) / rate) } : {};
    show({ ...numbers, text, ...measured });
  }

  // One row of the epoch log: epochs seen (fractional at a checkpoint), samples seen, then the numbers.
  function logRow(epochText, samples, loss, trainAcc, valAcc, seconds, kind) {
    const row = ui.epochLog.insertRow();
    row.dataset.kind = kind;
    row.dataset.samples = String(samples);
    for (const text of [epochText, count(samples), loss, percent(trainAcc), percent(valAcc), seconds.toFixed(1)]) {
      row.insertCell().textContent = text;
    }
  }

  // Validation inside an epoch (the recipe's validate_every): a point on the validation line, a row without train numbers.
  function onCheckpoint({ epoch, samples_seen: samples, val_acc: valAcc, seconds }) {
    accChart.add("val", epoch, valAcc);
    scheduleRender();
    logRow(epoch.toFixed(2), samples, "–", null, valAcc, seconds, "checkpoint");
  }

  function onEpoch({ epoch, samples_seen: samples, loss, train_acc: trainAcc, val_acc: valAcc, seconds, model, model_bytes: bytes }) {
    accChart.add("train", epoch, trainAcc);
    if (typeof valAcc === "number") accChart.add("val", epoch, valAcc);
    scheduleRender();
    logRow(String(epoch), samples, loss.toFixed(4), trainAcc, valAcc, seconds, "epoch");
    if (store.state.run) store.update({ run: { ...store.state.run, savedEpoch: epoch } });
    setModel(model, modelName(model), bytes);
    saveInBrowser(bytes);
  }

  function onDone({ stopped, test_acc: testAcc, test_images: testImages, model, model_bytes: bytes }) {
    pending = null;
    const shown = store.state.shown || {};
    if (bytes) {
      setModel(model, modelName(model), bytes);
      saveInBrowser(bytes);
      // A stopped run's bar shows where its model stopped, not the last progress drawn (a chunk or a pause earlier).
      const end = { ...NOT_RUNNING, value: stopped ? Math.min(1, model.metadata.samples_seen / store.state.run.plan.total_samples) : 1 };
      say(`${stopped ? "Stopped" : "Done"}: test accuracy ${percent(testAcc)} on ${count(testImages)} images it never saw. Your model now answers the drawing pad.`);
      endRun({ shown: { ...shown, ...end, text: stopped ? "Stopped" : "Finished" }, testAcc });
    } else {
      setModel(model, store.state.modelLabel);
      say("Stopped before training began; the previous model still answers.");
      endRun({ shown: { ...shown, ...NOT_RUNNING, text: "Stopped before training began" } });
    }
    scheduleRender();
  }

  function onDiverged({ reason, model, model_bytes: bytes }) {
    const lr = store.state.run ? store.state.run.config.lr : Number(ui.lr.value);
    if (model.source.diverged) {
      // The run's last finished epoch, stored like a finished run's model: a reload or a restart brings it back.
      setModel(model, modelName(model), bytes);
      saveInBrowser(bytes);
    } else {
      setModel(model, store.state.modelLabel);  // no epoch had finished: the model from before the run, as it was
    }
    pending = null;
    say(`${reason} Suggested next try: ${+(lr / 10).toPrecision(2)}.`, "error");
    endRun({ shown: { ...store.state.shown, ...NOT_RUNNING, text: "Stopped: training diverged" } });
  }

  function onEvent(message) {
    const { run } = store.state;
    switch (message.event) {
      case "data":
        if (!run) return undefined;  // an inspect download reports here too; its button shows the wait
        return show({ text: message.done ? "Data ready" : `Downloading data: ${formatBytes(message.loaded)} of ${formatBytes(message.total)}` });
      case "started": {
        if (!run) return undefined;
        store.update({ run: { ...run, plan: message } });
        accChart.xMaxHint = message.epochs;
        lossChart.xMaxHint = message.epochs;
        const when = message.validate_every ? `every ${count(message.validate_every)} samples in the first epoch, then after each epoch` : "after each epoch";
        // A helper that failed before the run (the one loaded while the page was idle) is not started again: say so.
        const helpers = store.state.helpers;
        const stopped = message.cores > 1 && helpers.failed ? ` ${helperStopped(helpers)}` : "";
        return say(`Training on ${count(message.train_size)} images, checking on ${count(message.validation_size)} held-out images ${when}. The drawing pad uses the weights of the moment.${stopped}`);
      }
      case "progress": return onProgress(message);
      case "helper": {
        const { ready, starting, failed } = message;
        const state = starting ? "starting" : ready ? "ready" : failed ? "failed" : "off";
        const detail = message.state === "failed" ? message.detail : store.state.helpers.detail;
        store.update({ helpers: { state, ready, starting, failed, detail } });
        if (message.state === "failed" && run && run.plan && run.plan.cores > 1) say(helperStopped(store.state.helpers));
        return undefined;
      }
      case "checkpoint": return onCheckpoint(message);
      case "epoch": return onEpoch(message);
      case "done": return onDone(message);
      case "diverged": return onDiverged(message);
      case "error": return onFailed(message, run && run.config);
      default: return undefined;
    }
  }

  // ---- controls --------------------------------------------------------------------------------

  ui.form.addEventListener("submit", (event) => { event.preventDefault(); startTraining(); });
  ui.presetFast.addEventListener("click", () => choosePreset("fast", "Fast preset: AdamW on a subset of MNIST, for a good model in seconds."));
  ui.presetTutorial.addEventListener("click", () => choosePreset("tutorial", "Tutorial preset: the NumPy tutorial's exact settings. It is slow in a browser; watch the validation curve."));

  ui.pause.addEventListener("click", () => guarded(async () => {
    if (store.state.phase === "training") {
      await client.request("pause");
      client.watchTraining(false);
      pending = null;
      trace.samples = [];  // the rate starts afresh on resume
      store.update({ phase: "paused", shown: { ...store.state.shown, ...NOT_RUNNING } });
      say("Paused. The drawing pad uses the weights of the moment.");
    } else if (store.state.phase === "paused") {
      await client.request("resume");
      client.watchTraining(true);
      store.update({ phase: "training" });
      say("Training resumed.");
    }
  }));

  ui.stop.addEventListener("click", () => guarded(async () => {
    if (store.state.phase !== "training" && store.state.phase !== "paused") return;
    client.watchTraining(true);  // the final test evaluation still reports back
    store.update({ phase: "stopping" });
    await client.request("stop");
  }));

  ui.reset.addEventListener("click", () => guarded(async () => {
    const reply = await client.request("reset");
    client.watchTraining(false);
    clearRun();
    store.update({ run: null, phase: "idle" });
    pretrainedAnswers(reply.model);
    sayAnswering("Back to the pretrained model. Your saved models stay in “Your models” below.");
  }));

  // ---- drawing from the store ------------------------------------------------------------------

  store.subscribe((state, previous) => {
    if (state.form && (!previous || !previous.form)) fillForm(state.form, state.recipe);
    if (!previous || previous.shown !== state.shown) {
      const shown = state.shown || {};
      if (ui.progress.value !== (shown.value ?? 0)) ui.progress.value = shown.value ?? 0;
      setText(ui.progressText, shown.text ?? "Not started");
      setText(ui.throughput, shown.throughput ?? "–");
      setText(ui.eta, shown.eta ?? "–");
      setText(ui.coresUsed, shown.coresText ?? "–");
    }
    setText(ui.testAcc, percent(state.testAcc));
    // Every control's enabled state follows from the page state: no click can reach a wrong state.
    const s = state.phase;
    const ready = state.ready && state.worker === "ok";
    const running = s === "training" || s === "paused" || s === "stopping";
    ui.settings.disabled = running || !state.form;
    ui.presetFast.disabled = ui.presetTutorial.disabled = running || !state.form;
    const teaching = teachBusy(state.teach.state);
    ui.train.disabled = !ready || running || state.busy || teaching;
    ui.trainWait.hidden = !teaching;
    ui.pause.disabled = !(s === "training" || s === "paused") || state.busy;
    setText(ui.pause, s === "paused" ? "Resume" : "Pause");
    ui.pause.setAttribute("aria-pressed", String(s === "paused"));
    ui.stop.disabled = !(s === "training" || s === "paused") || state.busy;
    ui.reset.disabled = !ready || s === "stopping" || state.busy;
  });

  return { onEvent };
}
