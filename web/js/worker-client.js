// Talks to the training worker (worker.js): request ids, replies as promises, events to a callback, and a
// watchdog that declares the worker dead when it stops answering, so the page can offer a restart.

import { COMMANDS, WorkerError, checked } from "./protocol.js";

// Generous limits: a slow, shared machine must not make a loading Pyodide or a long epoch look dead.
// `init` counts from its last loading event (a slow network keeps sending byte counts); a `predict` is
// answered between 50 ms training chunks, so 20 s of silence means the worker is gone.
// `prepare_finetune` downloads ~4 MB nobody waits on: a slow network must not look like a dead worker.
const TIMEOUTS_MS = { init: 100_000, inspect: 90_000, reset: 60_000, predict: 20_000, prepare_finetune: 600_000, default: 30_000 };
const TRAINING_SILENCE_MS = 60_000;  // no event at all while training for this long = the worker hangs

export class WorkerClient {
  constructor({ onEvent, onDead }) {
    this.onEvent = onEvent;
    this.onDead = onDead;
    this.nextId = 1;
    this.pending = new Map();      // id -> {resolve, reject, timer, cmd}
    this.worker = null;
    this.dead = false;
    this.expectEvents = false;     // true while a run is going: silence then means a hang
    this.silenceTimer = null;
  }

  start() {
    this.dead = false;
    this.worker = new Worker(new URL("./worker.js", import.meta.url), { type: "module", name: "python" });
    this.worker.onmessage = (event) => this.receive(event.data);
    this.worker.onerror = (event) => {
      event.preventDefault();
      this.die(`The Python worker crashed: ${event.message || "script error"}.`);
    };
    this.worker.onmessageerror = () => this.die("The Python worker sent a message that could not be read.");
  }

  // Send a command of protocol.js; resolves with the reply fields, rejects with a WorkerError (message, kind).
  request(cmd, fields = {}, transfer = []) {
    if (this.dead || !this.worker) return Promise.reject(new Error("Python is not running. Press “Restart Python”."));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const limit = TIMEOUTS_MS[cmd] || TIMEOUTS_MS.default;
      const onTimeout = () => this.die(`Python did not answer “${cmd}” within ${Math.round(limit / 1000)} s.`);
      const timer = setTimeout(onTimeout, limit);
      this.pending.set(id, { resolve, reject, timer, cmd, onTimeout });
      this.worker.postMessage({ id, cmd, ...checked(cmd, fields, COMMANDS[cmd].ask) }, transfer);
    });
  }

  receive(message) {
    if (this.dead) return;
    this.feedWatchdog();
    if (message.event) {
      if (message.event === "stage") this.extend("init");
      return this.onEvent(message);
    }
    const entry = this.pending.get(message.id);
    if (!entry) return;
    this.pending.delete(message.id);
    clearTimeout(entry.timer);
    if (message.ok) entry.resolve(message);
    else entry.reject(new WorkerError(message));
  }

  // Restart the clock of pending requests of this kind (used while loading reports progress).
  extend(cmd) {
    for (const entry of this.pending.values()) {
      if (entry.cmd !== cmd) continue;
      clearTimeout(entry.timer);
      entry.timer = setTimeout(entry.onTimeout, TIMEOUTS_MS[cmd]);
    }
  }

  // While training, the worker reports progress every ~50 ms; a long silence means it hangs.
  watchTraining(on) {
    this.expectEvents = on;
    this.feedWatchdog();
  }

  feedWatchdog() {
    clearTimeout(this.silenceTimer);
    if (this.expectEvents && !this.dead) {
      this.silenceTimer = setTimeout(() => this.die(`Python sent no training progress for ${TRAINING_SILENCE_MS / 1000} s.`), TRAINING_SILENCE_MS);
    }
  }

  // Terminate the worker and fail every request still waiting for it with `reason`.
  shutDown(reason) {
    this.dead = true;
    this.expectEvents = false;
    clearTimeout(this.silenceTimer);
    for (const entry of this.pending.values()) {
      clearTimeout(entry.timer);
      entry.reject(new Error(reason));
    }
    this.pending.clear();
    if (this.worker) this.worker.terminate();
    this.worker = null;
  }

  die(reason) {
    if (this.dead) return;
    this.shutDown(reason);
    this.onDead(reason);
  }

  // A fresh worker without reloading the page (and without onDead); the caller re-runs init and restores the model.
  restart() {
    this.shutDown("Python was restarted.");
    this.start();
  }
}
