// The helper worker (helper.js) as the training worker sees it: a second Python that computes part of
// every minibatch, so training uses two cores. It is started by the first run that asks for two
// cores, talks through shared memory (share-buffer.js) with no message per step, and is given up on
// for good (training goes on alone) if it fails to start, fails a share or stops answering.
// Shared memory needs a cross-origin isolated page (COOP + COEP headers): see `available`.

import { HELPER_COMMANDS, checked } from "./protocol.js";
import { ACTIVE, BATCH, DONE, FILL, LOSS, QUIT, ROWS, SEQ, STATUS, shareViews } from "./share-buffer.js";

const MIN_WAIT_MS = 2000;  // a share is ~10 ms: a helper silent for this long (and WAIT_FACTOR
const WAIT_FACTOR = 50;    // times this side's rows) is stuck or gone

export class Helper {
  constructor(base, onChange) {
    this.base = base;
    this.onChange = onChange;  // (state, detail) on every change of state
    this.state = "off";        // off -> starting -> ready, or failed (then it stays off for this worker)
    this.detail = null;
    this.worker = null;
    this.link = null;          // the run's shared memory while a run uses the helper
  }

  // Two cores are only worth it with two cores, and shared memory needs cross-origin isolation.
  static get available() {
    return typeof SharedArrayBuffer === "function" && self.crossOriginIsolated === true && (navigator.hardwareConcurrency || 1) >= 2;
  }

  get ready() { return this.state === "ready"; }

  // Start loading the helper's Python unless it is running, loading, or failed before (callers check `available`).
  start() {
    if (this.state !== "off") return;
    this.setState("starting");
    try {
      this.worker = new Worker(new URL("./helper.js", import.meta.url), { type: "module", name: "python-helper" });
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
