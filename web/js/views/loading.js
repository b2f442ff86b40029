// The loading card: one line per stage of starting Python (worker.js's `stage` events), with sizes and seconds.

import { formatBytes } from "./format.js";

export function mountLoading() {
  const card = document.querySelector("#loading");
  const started = {};  // stage -> performance.now() when it began

  // Seconds tick on the active stage, so a slow runtime download still shows life.
  setInterval(() => {
    const item = card.querySelector('[data-state="active"]');
    if (!item || item.dataset.stage === "code" || item.dataset.stage === "model") return;
    const since = started[item.dataset.stage];
    if (since) item.querySelector(".stage-detail").textContent = `${((performance.now() - since) / 1000).toFixed(0)} s`;
  }, 500);

  return {
    onStage({ stage, state, bytes, total }) {
      const item = card.querySelector(`[data-stage="${stage}"]`);
      if (!item) return;
      const detail = item.querySelector(".stage-detail");
      if (state === "start") {
        started[stage] ??= performance.now();
        item.dataset.state = "active";
        detail.textContent = bytes ? (total ? `${formatBytes(bytes)} of ${formatBytes(total)}` : formatBytes(bytes)) : "";
      } else if (state === "done") {
        item.dataset.state = "done";
        const seconds = ((performance.now() - (started[stage] ?? performance.now())) / 1000).toFixed(1);
        detail.textContent = bytes ? `${formatBytes(bytes)} · ${seconds} s` : `${seconds} s`;
      } else {
        item.dataset.state = "error";
        detail.textContent = "failed";
      }
    },
    finish(seconds) {
      card.classList.add("finished");
      card.dataset.seconds = seconds.toFixed(1);
    },
    reset() {
      for (const item of card.querySelectorAll("[data-stage]")) {
        item.dataset.state = "pending";
        item.querySelector(".stage-detail").textContent = "";
        delete started[item.dataset.stage];
      }
      card.classList.remove("finished");
    },
  };
}
