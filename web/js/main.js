// The page's boot code: one state store (store.js), the views of the five cards (views/), and the
// training worker (worker-client.js) whose events go to them. Python never runs on this thread.

import { WorkerClient } from "./worker-client.js";
import { NO_HELPERS, createStore } from "./store.js";
import * as saved from "./saved-model.js";
import { reloadIsolated } from "./isolation.js";
import { describeModel } from "./views/format.js";
import { modelName } from "./model-name.js";
import { mountPage } from "./views/page.js";
import { mountLoading } from "./views/loading.js";
import { mountDraw } from "./views/draw.js";
import { mountTrain } from "./views/train.js";
import { mountInspect } from "./views/inspect.js";
import { mountFiles } from "./views/files.js";
import { mountOffline } from "./views/offline.js";
import { mountModels } from "./views/models.js";
import { keepFocus } from "./views/focus.js";
import { busy as teachBusy, mountTeach } from "./views/teach.js";
import { mountToast } from "./views/toast.js";

const store = createStore();
const interruptedRun = saved.interruptedRun();  // read before anything marks this visit's own runs
const client = new WorkerClient({ onEvent, onDead: workerDied });

// ---- what every card may do ------------------------------------------------------------------

// `notice`: shown where the user is too while the bar is out of sight (views/toast.js); errors are.
function say(text, kind = "info", notice = kind === "error") {
  store.update({ message: { text, kind, notice } });  // a new object: the same text said twice is shown twice
}

// Another model answers the pad: said like an error is, where the user is too, since the click may be far from the bar.
const sayAnswering = (text) => say(text, "info", true);

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

// Keep the model that answers now in IndexedDB, under its run's id (a new one for an upload), for the next
// visit and the "Your models" list (named from its info: model-name.js), or under `id` when given (a record kept
// again); resolves with the record's id, or undefined once a failure is said (the model still answers).
// `fileSha256`: an upload's file, by which a later upload of the same file is known (saved-model.js findCopy).
function saveInBrowser(bytes, failed = "Could not save the model in this browser", id = store.state.run ? store.state.run.id : saved.newId(), fileSha256 = null) {
  return saved.saveModel(id, bytes, store.state.model, fileSha256).then(() => { models.refresh(); return id; })
    .catch((error) => { say(`${failed}: ${error.message}`, "error"); });
}

// The pretrained model answers (`model`: a `reset` reply's) and a reload restores it: after Reset, its entry in "Your
// models" or deleting the model in use; the saved models stay in the list.
function pretrainedAnswers(model) {
  saved.choose("pretrained");
  setModel(model, modelName(model), null);
}

const page = { store, client, say, sayAnswering, guarded, setModel, saveInBrowser, pretrainedAnswers, restartPython };
mountPage(store);
mountToast(store);
const loading = mountLoading();
const draw = mountDraw(page);
const train = mountTrain(page);
mountInspect(page);
const offline = mountOffline(page);
const models = mountModels(page);
mountFiles({ ...page, useKept: models.useKept });  // an upload of a kept model's file uses that entry
store.subscribe((state, previous) => {  // the run in progress, so that a reload can say it interrupted it
  if (!previous || previous.run !== state.run) saved.markRun(state.run);
});
keepFocus(store);
const teach = mountTeach({ ...page, clearPad: draw.clear });

function onEvent(message) {
  if (message.event === "stage") return loading.onStage(message);
  // Fine-tuning's events, and a failure while it runs, belong to the teach view.
  const tuning = teachBusy(store.state.teach.state);
  if (message.event.startsWith("tune_") || (message.event === "error" && tuning)) return teach.onEvent(message);
  return train.onEvent(message);
}

// ---- starting Python -------------------------------------------------------------------------

async function startPython() {
  store.update({ ready: false, worker: "ok", phase: "loading", helpers: NO_HELPERS });  // a new worker starts without helpers
  const started = performance.now();
  // ?cores=N allows N workers whatever the machine's core count; ?fixed=1 makes a run use all it asks for (tests, benchmarks).
  const query = new URLSearchParams(location.search);
  const cores = Number.parseInt(query.get("cores"), 10);
  const reply = await client.request("init", { base: new URL(".", location.href).href,
    cores: cores >= 1 ? cores : null, fixed: query.get("fixed") === "1" });
  if (!store.state.form) {
    const { presets, limits, train_sizes: trainSizes, default: recipe } = reply.recipes;
    store.update({ form: { presets, limits, trainSizes, workers: reply.workers }, recipe });
  }
  setModel(reply.model, modelName(reply.model));
  store.update({ pretrained: reply.model });  // the first entry of "Your models"
  loading.finish((performance.now() - started) / 1000);
}

// Ready is announced only once the model that should answer (pretrained or restored) is in place.
const markReady = () => store.update({ ready: true, phase: "idle" });

async function boot() {
  try {
    if (await reloadIsolated(draw.keepForReload)) return;  // the page comes back isolated (two cores possible), the ink with it
    client.start();
    await startPython();
    say("Python is ready. Draw a digit, or train your own network.");
    await restoreSavedModel();
    markReady();
    offline.start();
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
  // A reload in the middle of a run: say what became of it (a run keeps its model from its first epoch on).
  const before = !interruptedRun ? "" : interruptedRun.savedEpoch > 0
    ? `The page was reloaded during a training run: the run stopped, its model after epoch ${interruptedRun.savedEpoch} was kept. `
    : "The page was reloaded during a training run, before its first epoch ended: that run was lost (nothing of it had been saved). ";
  let model = null;
  try {
    model = await saved.loadChosen();
    await models.refresh();
  } catch (error) {
    return say(`${before}Saved models are not available in this browser (${error.message}).`, "info");
  }
  if (!model) return before && say(`${before}The pretrained model answers.`);
  const name = models.nameOf(model);  // as "Your models" lists it
  try {
    const reply = await client.request("import_model", { bytes: model.bytes.slice(0), source: { kind: "restored" } });
    setModel(reply.model, name, model.bytes);
    say(`${before}Restored “${name}” from this browser (saved ${new Date(model.savedAt).toLocaleString()}).`);
  } catch (error) {
    // Kept, not deleted: it stays in "Your models" until deleted there.
    say(`${before}Your saved model “${name}” could not be loaded, so the pretrained model answers: ${error.message}. `
      + "It stays in “Your models” below until you delete it.", "error");
  }
}

// ---- a dead or hung worker -------------------------------------------------------------------

function workerDied(reason) {
  store.update({ worker: "dead", ready: false, run: null, phase: "error" });
  say(`${/[.!?]$/.test(reason) ? reason : `${reason}.`} Press “Restart Python” to start it again; your model is kept.`, "error");
}

async function restartPython() {
  const { modelBytes: bytes, modelLabel: label, run } = store.state;
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
      setModel(reply.model, label, bytes);  // named as it was ("… 2 of 5 epochs": a run's last epoch kept)
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
