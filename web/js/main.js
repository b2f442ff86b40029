// The page's boot code: one state store (store.js), the views of the five cards (views/), and the
// training worker (worker-client.js) whose events go to them. Python never runs on this thread.

import { WorkerClient } from "./worker-client.js";
import { createStore } from "./store.js";
import * as saved from "./saved-model.js";
import { reloadIsolated } from "./isolation.js";
import { describeModel } from "./views/format.js";
import { mountPage } from "./views/page.js";
import { mountLoading } from "./views/loading.js";
import { mountDraw } from "./views/draw.js";
import { mountTrain } from "./views/train.js";
import { mountInspect } from "./views/inspect.js";
import { mountFiles } from "./views/files.js";
import { mountTeach } from "./views/teach.js";

const store = createStore();
const client = new WorkerClient({ onEvent, onDead: workerDied });

// ---- what every card may do ------------------------------------------------------------------

function say(text, kind = "info") {
  store.update({ message: { text, kind } });  // a new object: the same text said twice is shown twice
}

// Run a control request with the controls locked, so double clicks cannot overlap.
async function guarded(action) {
  if (store.state.busy) return;
  store.update({ busy: true });
  try {
    await action();
  } catch (error) {
    if (store.state.worker !== "dead") say(error.message, "error");  // else keep "press Restart Python"
  } finally {
    store.update({ busy: false });
  }
}

// The model that answers the pad; `bytes` (its .npz) is kept to restore it after a restart, null forgets it.
function setModel(model, label, bytes = undefined) {
  store.update({ model, modelLabel: label, ...(bytes !== undefined ? { modelBytes: bytes } : {}) });
}

// Keep a model in IndexedDB for the next visit; a failure is said, the model still answers.
function saveInBrowser(bytes, label, failed = "Could not save the model in this browser") {
  return saved.saveModel(bytes, label).catch((error) => say(`${failed}: ${error.message}`, "error"));
}

const forgetSavedModel = () => saved.forgetModel().catch(() => {});

const page = { store, client, say, guarded, setModel, saveInBrowser, forgetSavedModel, restartPython };
mountPage(store);
const loading = mountLoading();
const draw = mountDraw(page);
const train = mountTrain(page);
mountInspect(page);
mountFiles(page);
const teach = mountTeach({ ...page, clearPad: draw.clear });

function onEvent(message) {
  if (message.event === "stage") return loading.onStage(message);
  // Fine-tuning's events, and a failure while it runs, belong to the teach view.
  if (message.event.startsWith("tune_") || (message.event === "error" && store.state.teach.state === "learning")) return teach.onEvent(message);
  return train.onEvent(message);
}

// ---- starting Python -------------------------------------------------------------------------

async function startPython() {
  store.update({ ready: false, worker: "ok", phase: "loading", helper: "off" });  // a new worker starts without its helper
  const started = performance.now();
  const reply = await client.request("init", { base: new URL(".", location.href).href });
  if (!store.state.form) {
    const { presets, limits, train_sizes: trainSizes, default: recipe } = reply.recipes;
    store.update({ form: { presets, limits, trainSizes, twoCores: reply.two_cores }, recipe });
  }
  setModel(reply.model, "pretrained");
  loading.finish((performance.now() - started) / 1000);
}

// Ready is announced only once the model that should answer (pretrained or restored) is in place.
const markReady = () => store.update({ ready: true, phase: "idle" });

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
  if (store.state.worker === "dead") return;  // the watchdog has already said why
  client.die(error.message);
}

async function restoreSavedModel() {
  let model = null;
  try {
    model = await saved.loadModel();
  } catch (error) {
    return say(`Saved models are not available in this browser (${error.message}).`, "info");
  }
  if (!model) return;
  try {
    const reply = await client.request("import_model", { bytes: model.bytes.slice(0), source: { kind: "restored" } });
    setModel(reply.model, `your saved model, ${model.label}`, model.bytes);
    say(`Restored your last model from this browser (${model.label}, saved ${new Date(model.savedAt).toLocaleString()}).`);
  } catch (error) {
    // Kept, not deleted: the next trained or uploaded model replaces it, and Reset removes it.
    say(`Your saved model (${model.label}) could not be loaded, so the pretrained model answers: ${error.message}. `
      + "It stays in this browser until you train or upload another model, or press Reset.", "error");
  }
}

// ---- a dead or hung worker -------------------------------------------------------------------

function workerDied(reason) {
  store.update({ worker: "dead", ready: false, run: null, phase: "error" });
  say(`${/[.!?]$/.test(reason) ? reason : `${reason}.`} Press “Restart Python” to start it again; your model is kept.`, "error");
}

async function restartPython() {
  const { modelBytes: bytes, modelLabel: label, run } = store.state;
  const savedEpoch = run ? run.savedEpoch : 0;  // the run's last model is the one kept in modelBytes
  store.update({ run: null, busy: false });
  loading.reset();
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
      setModel(reply.model, savedEpoch ? `trained here, epoch ${savedEpoch} of an unfinished run` : label, bytes);
    }
    say(`Python restarted${run ? "; the unfinished run was lost" : ""}. Answering: ${describeModel(store.state.model, store.state.modelLabel)}.`);
  } catch (error) {
    if (store.state.worker !== "ok") return;
    store.update({ modelBytes: null });
    say(`Python restarted, but your model could not be restored (${error.message}); the pretrained model answers.`, "error");
  }
  markReady();
}

boot();
