// Every message between the page, the training worker (worker.js) and its helper workers (helper.js),
// with its named fields, listed here once. worker_api.py holds the same table for the Python side;
// tests/test_protocol.py checks that the two agree. Senders check their fields against it (checked()).

// Page -> training worker: {id, cmd, ...ask}; the answer is {id, ok: true, ...reply} or {id, ok: false, ...FAILURE}.
export const COMMANDS = {
  // `cores`: the most workers to allow instead of the machine's core count (the page's ?cores=N, for tests),
  // `fixed`: every worker a run asks for takes part, unmeasured (?fixed=1, for benchmarks),
  // `workers`: how many the page can train with (1 without shared memory).
  init: { ask: ["base", "cores", "fixed"], reply: ["model", "recipes", "workers"] },
  predict: { ask: ["ink", "width", "height"], reply: ["digit", "probs", "image", "runner_up", "unsure", "reason"] },
  inspect: { ask: ["count"], reply: ["images", "labels", "preds", "confusion", "weights", "units", "count", "test_images", "accuracy"] },
  train: { ask: ["config"], reply: ["state"] },
  pause: { ask: [], reply: ["state"] },
  resume: { ask: [], reply: ["state"] },
  stop: { ask: [], reply: ["state"] },
  reset: { ask: [], reply: ["state", "model"] },
  export_model: { ask: [], reply: ["bytes", "model"] },
  import_model: { ask: ["bytes", "source"], reply: ["model"] },
  measure: { ask: [], reply: ["model"] },
  offline_sizes: { ask: ["config"], reply: ["train_sizes"] },
  ping: { ask: [], reply: ["state"] },
  // Your digits: `images` Uint8Array(N*784) (0..255, as the network saw them), `labels` Uint8Array(N).
  finetune: { ask: ["images", "labels", "strength"], reply: ["state"] },
  // The fine-tuning's data (replay, calibration and test shards) loaded and its calibration images deformed ahead of
  // the click; `ready` false while training.
  prepare_finetune: { ask: [], reply: ["ready"] },
  export_digits: { ask: ["images", "labels"], reply: ["bytes"] },
  import_digits: { ask: ["bytes", "name"], reply: ["images", "labels"] },
};

// Training worker -> page, unasked: {event, ...fields}. `model` is always the model's info, `model_bytes` its .npz.
export const EVENTS = {
  stage: ["stage", "state", "bytes", "total"],
  data: ["loaded", "total", "done"],
  started: ["sizes", "train_size", "validation_size", "validate_every", "epochs", "steps_per_epoch", "total_samples", "cores"],
  // `workers`: workers computing each step now (null without helpers); `trying`: the count a trial times against it.
  progress: ["losses", "samples_seen", "epoch", "epochs", "measuring", "checking", "done", "workers", "trying", "shared_steps"],
  // Helper `index` changed `state` (starting, ready, failed: `detail` says why); how many are in each state now.
  helper: ["index", "state", "detail", "ready", "starting", "failed"],
  epoch: ["epoch", "samples_seen", "loss", "train_acc", "val_acc", "seconds", "model", "model_bytes"],
  // Validation accuracy measured inside an epoch (the recipe's validate_every); `epoch` is fractional: samples / train_size.
  checkpoint: ["epoch", "samples_seen", "val_acc", "seconds"],
  done: ["stopped", "test_acc", "test_images", "model", "model_bytes"],
  diverged: ["reason", "model", "model_bytes"],
  error: ["message", "kind"],
  // Fine-tuning on your digits (finetune): accuracies are on the digits it learns from (taught_read), your held-out
  // digits (own) and the MNIST test set.
  // `phase`: "steps" (`step` of `steps` minibatch steps, `loss`), then "calibrate" (`step` of `steps` chunks of the
  // tuned model's recalibration, the calibration images not made ahead included; `loss` null).
  tune_progress: ["phase", "step", "steps", "loss"],
  // The tuned model answers from tune_done on (or, `stopped`, the model is unchanged: also after a tune_done when a Stop
  // sent before it arrived during the measure); tune_measured follows with its
  // MNIST test accuracy, what its drop is made of (mnist_lost: [[digit, now read as, images], ...], most first) and the
  // model to keep. `seconds`: wall seconds from the command until the tuned model answers. `phases`: wall seconds of each
  // part of the click's work, for the benchmark's breakdown: {data, start, steps, calibrate, deform (of calibrate: the
  // calibration images not made ahead)} in tune_done, {mnist, export} in tune_measured.
  tune_done: ["stopped", "strength", "taught", "held_out", "steps", "seconds", "taught_read_before", "taught_read_after", "own_before", "own_after", "mnist_before", "phases", "model"],
  tune_measured: ["mnist_after", "mnist_lost", "phases", "model", "model_bytes"],
};

// A failed command or call: a readable message and the kind of failure (the Python exception's name).
export const FAILURE = ["message", "kind"];
// The kind of a download that failed after its retries: the page can then say what trains with no network.
export const DOWNLOAD_FAILED = "DownloadError";

// Training worker -> each helper worker: {cmd, ...fields}; helper -> training worker: {event, ...fields}.
export const HELPER_COMMANDS = { init: ["base"], attach: ["buffer", "shape"] };
export const HELPER_EVENTS = { ready: [], error: FAILURE };

// One share of a minibatch, as the training worker's Python hands it to the helper (share-buffer.js
// carries the numbers), and what it passes when it waits for the helper's gradients.
export const SHARE = ["rows", "batch_size", "active", "fill"];
export const SHARE_WAIT = ["own_ms"];

// `fields` with a name in `allowed` only: a typo or a field missing from the table fails at the sender.
export function checked(what, fields, allowed) {
  for (const name of Object.keys(fields)) {
    if (!allowed.includes(name)) throw new Error(`${what} has no field “${name}” (web/js/protocol.js)`);
  }
  return fields;
}

// A failure as FAILURE fields: Python's own message and kind, or a JS error's.
export function failure(error) {
  if (error && typeof error.kind === "string") return { message: error.message, kind: error.kind };
  if (error && error.name === "PythonError") {  // raised by a Python call outside worker_api.call: its traceback's last line
    const lines = error.message.trim().split("\n");
    return { message: lines[lines.length - 1], kind: error.type || "PythonError" };
  }
  return { message: String(error && error.message ? error.message : error), kind: (error && error.name) || "Error" };
}

// An Error that keeps its kind across postMessage (FAILURE fields back into an Error).
export class WorkerError extends Error {
  constructor({ message, kind }) {
    super(message);
    this.kind = kind;
  }
}
