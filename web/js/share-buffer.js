// The shared memory between the training worker and its helper (helper.js): one SharedArrayBuffer
// per run, laid out here and nowhere else. Each step the training worker writes the weights and the
// helper's rows, bumps SEQ and wakes the helper; the helper writes its gradients and loss, sets DONE
// to that SEQ and wakes the worker (mlp_core's two-worker split has the arithmetic).

// Int32 control words.
export const SEQ = 0;      // share number, bumped by the training worker for each share (and to quit)
export const DONE = 1;     // the last share number the helper finished
export const STATUS = 2;   // 0: the finished share is good; 1: the helper failed on it
export const ROWS = 3;     // rows in this share
export const BATCH = 4;    // rows of the whole minibatch (the loss is a mean over them)
export const ACTIVE = 5;   // active input columns (0: the values hold every column)
export const QUIT = 6;     // 1: leave the share loop (the run is over)
const CONTROL_WORDS = 8;
// Float64 words.
export const FILL = 0;     // the value of every blank input column
export const LOSS = 1;     // the share's part of the minibatch's mean loss
const NUMBER_WORDS = 2;

const ELEMENT = { float32: Float32Array, float64: Float64Array };

// Typed-array views of `buffer` (a new one of the right size when null); `shape` is the run's
// {sizes, dtype, parameters, max_rows} (worker_api.start_run's `share`), the same on both sides.
export function shareViews(buffer, { sizes, dtype, parameters, max_rows: maxRows }) {
  const type = ELEMENT[dtype];
  if (!type) throw new Error(`no shared layout for dtype ${dtype}`);
  const parts = [["control", Int32Array, CONTROL_WORDS], ["numbers", Float64Array, NUMBER_WORDS],
    ["weights", type, parameters], ["gradients", type, parameters], ["values", type, maxRows * sizes[0]],
    ["active", Int32Array, sizes[0]], ["labels", Int32Array, maxRows]];
  const offsets = [];
  let bytes = 0;
  for (const [, kind, length] of parts) {
    offsets.push(bytes);
    bytes += Math.ceil((length * kind.BYTES_PER_ELEMENT) / 8) * 8;  // every part 8-byte aligned
  }
  buffer = buffer || new SharedArrayBuffer(bytes);
  const views = { buffer };
  parts.forEach(([name, kind, length], i) => { views[name] = new kind(buffer, offsets[i], length); });
  return views;
}
