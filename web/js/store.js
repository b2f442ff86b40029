// The page's state, in one place. Views read it and draw; only `update` changes it, and every change is
// handed to the subscribers (the views, and page.js, which writes the data-* attributes tests wait on).

// No helper worker started yet. `state` sums them up: starting while any starts, else ready if any is, else failed if any did;
// `detail`: why the last one that failed did.
export const NO_HELPERS = { state: "off", ready: 0, starting: 0, failed: 0, detail: null };

export const initialState = {
  phase: "loading",      // loading, idle, training, paused, stopping or error (body[data-state])
  worker: "ok",          // ok, or dead: it crashed or hangs, "Restart Python" brings it back (body[data-worker])
  ready: false,          // the model that should answer is in place (body[data-ready])
  busy: false,           // a control request (pause, stop, reset, upload...) is in flight: controls are locked
  restarting: false,     // "Restart Python" is at work: further clicks are ignored
  message: { text: "Starting Python in the background. You can read while it loads.", kind: "info" },
  form: null,            // what the worker sent for the Train form: {presets, limits, trainSizes, workers}
  recipe: null,          // the preset the form is based on
  model: null,           // info about the model that answers the pad (worker_api's model info)
  modelLabel: "",        // where it came from, as the header says it
  modelBytes: null,      // its .npz when it is not the pretrained one (restored after a restart)
  helpers: NO_HELPERS,   // the helper workers (the other cores): how many are in each state (#cores-used[data-helper...])
  run: null,             // the run in progress: {config, plan, savedEpoch}; plan is the `started` event
  shown: null,           // the run's numbers as last drawn (at most 4 times a second): see views/train.js
  testAcc: null,         // the last run's test accuracy (#test-acc[data-value])
  prediction: null,      // what the pad's ink reads as: {digit, probs, image}, or null (#prediction[data-digit])
  predictions: 0,        // predictions shown so far (#pad[data-predictions])
  offline: "off",        // the service worker: off, saving, saved (this build works offline), unavailable or updated
  offlineSizes: null,    // training-set sizes whose data is cached (#offline-status[data-sizes])
  savedModels: null,     // the models kept in this browser, newest first, without bytes (#saved-models)
  pretrained: null,      // info about the page's own model, listed first in "Your models" (#saved-pretrained)
  // Your digits and their fine-tuning (views/teach.js): state idle|learning|done|error (#teach[data-state]),
  // digits [{id, image: Uint8Array(784), label}] (#teach[data-count]), step/steps of the phase it is in (tune_progress's: steps
  // or calibrate), the last fine-tuning's report
  // (tune_done's fields, then tune_measured's), prepared: none | loading | ready | failed (its data loaded in the worker ahead of the click).
  teach: { state: "idle", digits: [], phase: "steps", step: 0, steps: 0, report: null, prepared: "none" },
};

export function createStore(initial = initialState) {
  let state = { ...initial };
  const subscribers = [];
  const queue = [];
  let notifying = false;
  return {
    get state() { return state; },
    // Merge `changes` into the state and tell every subscriber (state, previous state). An update made
    // by a subscriber waits until all have seen the current one, so none draws an older state last.
    update(changes) {
      queue.push(changes);
      if (notifying) return;
      notifying = true;
      try {
        while (queue.length) {
          const previous = state;
          state = { ...state, ...queue.shift() };
          for (const subscriber of subscribers) subscriber(state, previous);
        }
      } finally {
        notifying = false;
      }
    },
    subscribe(subscriber) {
      subscribers.push(subscriber);
      subscriber(state, null);
    },
  };
}
