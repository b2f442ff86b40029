// The helper worker: a second Pyodide that computes part of each minibatch's gradient while the
// training worker computes the rest (mlp_core's two-worker split), so training uses two cores. It keeps no
// data and no training state: each share brings the weights and rows it needs through shared memory
// (share-buffer.js). Its messages are protocol.js's HELPER_COMMANDS and HELPER_EVENTS.

import { HELPER_EVENTS, checked, failure } from "./protocol.js";
import { installBundle, loadNumpy, loadRuntime } from "./python-runtime.js";
import { ACTIVE, BATCH, DONE, FILL, LOSS, QUIT, ROWS, SEQ, STATUS, shareViews } from "./share-buffer.js";

const emit = (event, fields = {}) => self.postMessage({ event, ...checked(event, fields, HELPER_EVENTS[event]) });

let api = null;  // web/py/helper_share.py once init has finished

async function init(base) {
  const pyodide = await loadRuntime(base);
  await loadNumpy(pyodide);
  // The training worker's bundle: the browser has it cached by now.
  const response = await fetch(new URL("py/bundle.zip", base));
  if (!response.ok) throw new Error(`py/bundle.zip: HTTP ${response.status}`);
  installBundle(pyodide, new Uint8Array(await response.arrayBuffer()));
  api = pyodide.pyimport("helper_share");
}

// Compute shares until the run is over. Blocking is fine here: nothing else happens in this worker
// during a run, and a blocked worker uses no CPU.
function serve(buffer, shape) {
  const views = shareViews(buffer, shape);
  const { control, numbers } = views;
  const side = api.HelperSide(JSON.stringify(shape.sizes), shape.dtype, views);
  try {
    for (let seen = 0; ; ) {
      Atomics.wait(control, SEQ, seen);  // returns at once if a share came before this loop started
      seen = Atomics.load(control, SEQ);
      if (Atomics.load(control, QUIT)) return;
      try {
        numbers[LOSS] = side.compute.callKwargs({ rows: control[ROWS], batch_size: control[BATCH], active: control[ACTIVE], fill: numbers[FILL] });
        control[STATUS] = 0;
      } catch (error) {
        control[STATUS] = 1;
        emit("error", failure(error));
      }
      Atomics.store(control, DONE, seen);
      Atomics.notify(control, DONE);
      if (control[STATUS] !== 0) return;
    }
  } finally {
    side.destroy();
  }
}

self.onmessage = async ({ data }) => {
  try {
    if (data.cmd === "init") {
      await init(data.base);
      emit("ready");
    } else if (data.cmd === "attach") {
      serve(data.buffer, data.shape);
    }
  } catch (error) {
    emit("error", failure(error));
  }
};
