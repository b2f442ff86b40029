// What belongs to the whole page: the status pill, the active model, the message line, and every
// data-* attribute tests and the browser benchmark wait on, all written here from the store.

import { describeModel } from "./format.js";
import { modelName } from "../model-name.js";

const $ = (selector) => document.querySelector(selector);
const PILL = { loading: "Loading Python…", idle: "Ready", training: "Training…", paused: "Paused", stopping: "Stopping…", error: "Problem" };

// Set an attribute only when it changes: observers (tests, the benchmark) see real changes only.
function setData(element, name, value) {
  if (element.dataset[name] !== value) element.dataset[name] = value;
}

export function mountPage(store) {
  const ui = { pill: $("#status-pill"), activeModel: $("#active-model"), message: $("#message"), coresUsed: $("#cores-used"),
    pad: $("#pad"), prediction: $("#prediction"), testAcc: $("#test-acc"), teach: $("#teach"), teachReport: $("#teach-report") };
  store.subscribe((state, previous) => {
    const body = document.body;
    setData(body, "state", state.phase);
    setData(body, "ready", String(state.ready));
    setData(body, "worker", state.worker);
    setData(ui.pill, "kind", state.phase);
    const pill = state.worker === "dead" ? "Python stopped" : PILL[state.phase];
    if (ui.pill.textContent !== pill) ui.pill.textContent = pill;
    // A run's weights answer from its first step: until its first epoch is kept (and named), the header names them, not
    // the model from before the run; in modelName's words, as the list and a download will ("…, 0 of 20 epochs").
    const { run } = state;
    const answering = run?.plan && !run.savedEpoch
      ? modelName({ sizes: run.plan.sizes, training: true, metadata: { epochs_completed: 0, recipe: { epochs: run.plan.epochs } } })
      : describeModel(state.model, state.modelLabel);
    if (previous && ui.activeModel.textContent !== answering) ui.activeModel.textContent = ui.activeModel.title = answering;
    if (previous && previous.message !== state.message) {  // a new message object: said again even if the same text
      ui.message.dataset.kind = state.message.kind;
      ui.message.textContent = state.message.text;
    }
    setData(ui.coresUsed, "helper", state.helpers.state);  // off, starting, ready or failed: see store.NO_HELPERS
    for (const count of ["ready", "starting", "failed"]) setData(ui.coresUsed, `helpers${count[0].toUpperCase()}${count.slice(1)}`, String(state.helpers[count]));
    setData(ui.coresUsed, "cores", state.shown?.cores ?? "");    // workers computing each step now
    setData(ui.coresUsed, "trying", state.shown?.trying ?? "");  // the worker count a trial times against it
    setData(ui.coresUsed, "sharedSteps", String(state.shown?.sharedSteps ?? 0));  // steps helpers took part in
    setData(ui.pad, "predictions", String(state.predictions));
    const digit = state.prediction ? state.prediction.digit : null;
    setData(ui.prediction, "digit", digit === null ? "" : String(digit));
    setData(ui.prediction, "unsure", String(Boolean(state.prediction && state.prediction.unsure)));
    setData(ui.prediction, "runnerUp", state.prediction && state.prediction.unsure ? String(state.prediction.runnerUp) : "");
    setData(ui.testAcc, "value", typeof state.testAcc === "number" ? state.testAcc.toFixed(4) : "");
    setData(ui.teach, "state", state.teach.state);
    setData(ui.teach, "count", String(state.teach.digits.length));
    setData(ui.teach, "prepared", state.teach.prepared);
    const report = state.teach.report || {};  // the last fine-tuning's numbers, for the benchmark
    for (const name of ["own_before", "own_after", "mnist_before", "mnist_after", "seconds"]) {
      setData(ui.teachReport, name.replace(/_(\w)/, (_, c) => c.toUpperCase()), typeof report[name] === "number" ? String(report[name]) : "");
    }
    setData(ui.teachReport, "phases", report.phases ? JSON.stringify(report.phases) : "");  // seconds per part of the work
    setData(ui.teachReport, "mnistLost", report.mnist_lost ? JSON.stringify(report.mnist_lost) : "");  // [[digit, now read as, images]]
    setData(ui.teachReport, "strength", report.strength ?? "");  // how firmly it learned (mlp_core.finetune.STRENGTHS)
  });
}
