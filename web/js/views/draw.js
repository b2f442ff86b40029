// The draw card: the pad, the digit it reads, the probability bars and the 28x28 image the network sees.

import { Pad, INK_SIZE } from "../pad.js";
import { padKeys } from "./focus.js";
import { probability } from "./format.js";
import { buildBars, showBars, showSeen } from "./pictures.js";

const KEPT_STROKES = "pad-strokes";  // sessionStorage: the strokes across the first visit's reload

export function mountDraw({ store, client, say }) {
  const $ = (selector) => document.querySelector(selector);
  const ui = { pad: $("#pad"), undo: $("#undo"), clear: $("#clear"), prediction: $("#prediction"), confidence: $("#confidence"), bars: $("#bars"), seen: $("#seen") };
  // One request in flight at a time; strokes drawn meanwhile are sent as soon as it returns.
  let predicting = false;
  let predictAgain = false;
  const pad = new Pad(ui.pad, { onChange: () => { ui.undo.disabled = pad.isEmpty; schedulePrediction(); } });
  buildBars(ui.bars);

  function schedulePrediction() {
    const { ready, worker } = store.state;
    if (!ready || worker !== "ok") return showWaiting();
    if (predicting) { predictAgain = true; return; }
    predictNow();
  }

  // Ink drawn before Python can read it is read once it can: say so rather than leave a bare "–".
  function showWaiting() {
    if (!store.state.prediction) ui.confidence.textContent = pad.isEmpty ? "" : "Read as soon as Python is ready";
  }

  async function predictNow() {
    if (pad.isEmpty) return store.update({ prediction: null });
    predicting = true;
    try {
      const ink = pad.ink();
      const reply = await client.request("predict", { ink, width: INK_SIZE, height: INK_SIZE }, [ink.buffer]);
      const prediction = pad.isEmpty || reply.digit === null ? null
        : { digit: reply.digit, probs: reply.probs, image: reply.image, runnerUp: reply.runner_up, unsure: reply.unsure, reason: reply.reason };
      store.update({ prediction, predictions: store.state.predictions + 1 });
    } catch (error) {
      if (store.state.worker === "ok") say(`Could not read the drawing: ${error.message}`, "error");
    } finally {
      predicting = false;
      if (predictAgain) { predictAgain = false; requestAnimationFrame(schedulePrediction); }
    }
  }

  function clearPad() {
    pad.clear();
    showWaiting();
    ui.undo.disabled = true;
    predictAgain = false;
    store.update({ prediction: null });
  }

  // The last stroke taken back is a Clear; any other, and the rest is read again (the Pad's onChange).
  function undoStroke() {
    if (pad.strokes.length <= 1) return clearPad();
    pad.undo();
  }

  ui.undo.addEventListener("click", undoStroke);
  ui.clear.addEventListener("click", clearPad);
  document.addEventListener("keydown", (event) => {
    if (!padKeys(event)) return;
    if ((event.ctrlKey || event.metaKey) && !event.shiftKey && !event.altKey && event.key.toLowerCase() === "z") {
      event.preventDefault();
      return undoStroke();
    }
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.key === "Escape" || event.key === "Delete" || (event.key === "Backspace" && event.target === ui.pad)) {
      event.preventDefault();
      clearPad();
    }
  });

  store.subscribe((state, previous) => {
    if (!previous || previous.prediction !== state.prediction) {
      const p = state.prediction;
      ui.prediction.textContent = !p ? "–" : p.unsure ? "?" : String(p.digit);
      ui.confidence.textContent = confidenceText(p);
      showBars(ui.bars, p ? p.probs : null, p ? p.digit : null);
      showSeen(ui.seen, p ? p.image : null);
    }
    // A new model, or Python ready again: the ink on the pad is read anew.
    if (previous && (previous.model !== state.model || (state.ready && !previous.ready))) schedulePrediction();
  });

  // The page reloads once on a first visit (isolation.js): the ink drawn meanwhile comes back with it.
  function keepForReload() {
    try { if (!pad.isEmpty) sessionStorage.setItem(KEPT_STROKES, JSON.stringify(pad.strokes)); } catch { /* no storage: lost */ }
  }
  try {
    const kept = sessionStorage.getItem(KEPT_STROKES);
    sessionStorage.removeItem(KEPT_STROKES);
    if (kept) pad.restore(JSON.parse(kept));
  } catch { /* no storage, or not ours: an empty pad */ }

  return { clear: clearPad, keepForReload };
}

// An unsure verdict names the two closest digits instead of claiming one (mlp_core.confidence.verdict).
function confidenceText(p) {
  if (!p) return "";
  if (!p.unsure) return `${probability(p.probs[p.digit])} sure`;
  const option = (d) => `${d} (${probability(p.probs[d])})`;
  if (p.reason === "low confidence") return `Unsure: ${option(p.digit)} or ${option(p.runnerUp)}?`;
  return `Not like a digit; closest ${option(p.digit)} or ${option(p.runnerUp)}`;
}
