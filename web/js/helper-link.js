// The helper workers (helper.js) as the training worker sees them: more Pythons, each computing part of
// every minibatch, so training uses more cores. They are started by the first run that asks for more
// than one worker, talk through shared memory (share-buffer.js, one buffer each) with no message per
// step, and each is given up on for good (training goes on with the others) if it fails to start,
// fails a share or stops answering. Shared memory needs a cross-origin isolated page (COOP + COEP
// headers): see `maxWorkers`.

import { HELPER_COMMANDS, checked } from "./protocol.js";
import { ACTIVE, BATCH, DONE, FILL, LOSS, QUIT, ROWS, SEQ, STATUS, shareViews } from "./share-buffer.js";

const MIN_WAIT_MS = 2000;  // a share is ~10 ms: a helper silent for this long (and WAIT_FACTOR
const WAIT_FACTOR = 50;    // times this side's rows) is stuck or gone
// At most 7 helpers (8 workers): each is a whole Pyodide + numpy with its own copy of the weights (~42 MiB of
// WebAssembly memory at the default network: bench/reports/browser.md), and at batch 128 eight workers get
// 16 rows each, where a share's fixed cost (waking it, the trainer copying the weights to each helper)
// weighs as much as its arithmetic. The chooser (mlp_core.fast.SplitChooser) uses fewer where fewer pay.
export const MAX_HELPERS = 7;

// How many workers (the training worker and its helpers) can train here: the machine's cores (or `asked`,
// the page's ?cores=N), at most MAX_HELPERS + 1; one without shared memory, which needs cross-origin isolation.
export function maxWorkers(asked = null) {
  if (typeof SharedArrayBuffer !== "function" || self.crossOriginIsolated !== true) return 1;
  const cores = Number.isInteger(asked) && asked >= 1 ? asked : navigator.hardwareConcurrency || 1;
  return Math.min(cores, MAX_HELPERS + 1);
}

// Every helper of the training worker, numbered from 0 in the order they were started.
export class HelperPool {
  constructor(base, onChange) {
    this.base = base;
    this.onChange = onChange;  // (index, state, detail, counts) on every change of a helper's state
    this.helpers = [];
  }

  // Have `count` helpers (a failed one counts: it is not started again in this worker).
  start(count) {
    while (this.helpers.length < Math.min(count, MAX_HELPERS)) {
      const index = this.helpers.length;
      const helper = new Helper(this.base, index, (state, detail) => this.onChange(index, state, detail, this.counts()));
      this.helpers.push(helper);
      helper.start();
    }
  }

  // How many helpers are in each state.
  counts() {
    const counts = { ready: 0, starting: 0, failed: 0 };
    for (const helper of this.helpers) if (helper.state in counts) counts[helper.state] += 1;
    return counts;
  }

  // The links of up to `count` ready helpers for a run of this shape, attaching those not attached yet.
  links(count, shape) {
    const links = [];
    for (const helper of this.helpers.slice(0, count)) {
      if (!helper.ready) continue;
      links.push(helper.link || helper.attach(shape));
    }
    return links;
  }

  fail(index, reason) { this.helpers[index].fail(reason); }

  // The run is over: every helper leaves its share loop and waits for the next run.
  detach() { for (const helper of this.helpers) helper.detach(); }
}

export class Helper {
  constructor(base, index, onChange) {
    this.base = base;
    this.index = index;
    this.onChange = onChange;  // (state, detail) on every change of state
    this.state = "off";        // off -> starting -> ready, or failed (then it stays off for this worker)
    this.detail = null;
    this.worker = null;
    this.link = null;          // the run's shared memory while a run uses the helper
  }

  get ready() { return this.state === "ready"; }

  // Start loading the helper's Python unless it is running, loading, or failed before (callers check `maxWorkers`).
  start() {
    if (this.state !== "off") return;
    this.setState("starting");
    try {
      this.worker = new Worker(new URL("./helper.js", import.meta.url), { type: "module", name: `python-helper-${this.index}` });
    } catch (error) {
      return this.fail(`could not start: ${error.message}`);
    }
    this.worker.onmessage = ({ data }) => {
      if (data.event === "ready" && this.state === "starting") this.setState("ready");
      if (data.event === "error") this.fail(data.message);
    };
    this.worker.onerror = (event) => { event.preventDefault(); this.fail(event.message || "it crashed"); };
    this.send("init", { base: this.base.href });
  }

  send(cmd, fields, transfer = []) {
    this.worker.postMessage({ cmd, ...checked(cmd, fields, HELPER_COMMANDS[cmd]) }, transfer);
  }

  // Shared memory for a run of this shape (worker_api.start_run's `share`); the helper waits on it for shares.
  // Returns the link Python's SharedBufferHelper (web/py/helper_share.py) writes to and reads from.
  attach(shape) {
    this.detach();
    const views = shareViews(null, shape);
    this.send("attach", { buffer: views.buffer, shape });
    const { control, numbers } = views;
    const link = {
      ...views,
      index: this.index,  // SharedBufferHelper's name for it (web/py/helper_share.py)
      error: null,
      // The helper's share is in place (protocol.js SHARE): wake it.
      begin({ rows, batch_size, active, fill }) {
        control[ROWS] = rows;
        control[BATCH] = batch_size;
        control[ACTIVE] = active;
        numbers[FILL] = fill;
        Atomics.add(control, SEQ, 1);
        Atomics.notify(control, SEQ);
      },
      // Wait for the helper's share; its loss, or null (and `error`) if it failed or stayed silent.
      finish({ own_ms }) {
        const seq = Atomics.load(control, SEQ);
        const limit = Math.max(MIN_WAIT_MS, WAIT_FACTOR * own_ms);
        const deadline = performance.now() + limit;
        for (let done = Atomics.load(control, DONE); done !== seq; done = Atomics.load(control, DONE)) {
          const left = deadline - performance.now();
          if (left <= 0) { link.error = `the helper worker did not answer in ${(limit / 1000).toFixed(1)} s`; return null; }
          Atomics.wait(control, DONE, done, left);
        }
        if (Atomics.load(control, STATUS) !== 0) { link.error = "the helper worker failed on its share"; return null; }
        return numbers[LOSS];
      },
    };
    this.link = link;
    return link;
  }

  // The run is over: the helper leaves its share loop and waits for the next run.
  detach() {
    if (!this.link) return;
    Atomics.store(this.link.control, QUIT, 1);
    Atomics.add(this.link.control, SEQ, 1);
    Atomics.notify(this.link.control, SEQ);
    this.link = null;
  }

  // Stop the helper for good.
  fail(reason) {
    if (this.state === "failed") return;
    if (this.worker) this.worker.terminate();
    this.worker = null;
    this.link = null;
    this.setState("failed", reason);
  }

  setState(state, detail = null) {
    this.state = state;
    this.detail = detail;
    this.onChange(state, detail);
  }
}
