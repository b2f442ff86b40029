// The "Look inside" card: the active model on test digits, its confusion matrix and first-layer weights.

import { count, describeModel, percent } from "./format.js";
import { showConfusion, showTestGrid, showWeights } from "./pictures.js";

const INSPECT_COUNT = 48;  // test digits in the grid

export function mountInspect({ store, client, say, guarded }) {
  const $ = (selector) => document.querySelector(selector);
  const ui = { inspect: $("#inspect-run"), testGrid: $("#test-grid"), confusion: $("#confusion"), weights: $("#weights"),
    card: $("#inside-card") };
  // The model whose results are drawn: once another answers, they are marked as an earlier model's (and stay, dimmed, in place).
  let measured = null;

  ui.inspect.addEventListener("click", () => guarded(async () => {
    const label = ui.inspect.textContent;
    ui.inspect.textContent = "Working…";
    try {
      const { model, modelLabel } = store.state;  // the model measured, though another may answer by the reply
      const reply = await client.request("inspect", { count: INSPECT_COUNT });
      showTestGrid(ui.testGrid, reply);
      showConfusion(ui.confusion, reply.confusion);
      showWeights(ui.weights, reply.weights, reply.units);
      measured = model;
      markResults(store.state);
      say(`The active model, “${describeModel(model, modelLabel)}”, reads ${percent(reply.accuracy)} of the ${count(reply.test_images)} test digits correctly.`);
    } finally {
      ui.inspect.textContent = label;
    }
  }));

  function markResults(state) {
    const results = measured === null ? "none" : measured === state.model ? "active" : "earlier";
    if (ui.card.dataset.results !== results) ui.card.dataset.results = results;
  }

  store.subscribe((state) => {
    markResults(state);
    ui.inspect.disabled = !(state.ready && state.worker === "ok") || state.busy;
  });
}
