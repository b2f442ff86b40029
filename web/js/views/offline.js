// The offline line of the "Keep your model" card: whether this build is saved in the browser (the service
// worker, offline.js) and which training-set sizes can be trained on with no network (their data is cached).
// A newer build taking over while the page is open is said in the message bar.

import { keepOffline } from "../offline.js";
import { count } from "./format.js";

const TEXT = {
  off: "Offline use: starts once Python is ready.",
  saving: "Offline use: saving this site in your browser…",
  unavailable: "Offline use is not available here (this browser or address allows no service worker).",
  updated: "A newer version of this site is installed: reload the page to use it.",
};

function sizesText(sizes) {
  if (!sizes) return "";
  if (sizes.length === 0) return " Training offline needs data: train once while online, and that size works offline too.";
  return ` Training offline: ${sizes.map(count).join(", ")} images (the data downloaded so far).`;
}

export function mountOffline({ store, client, say }) {
  const line = document.querySelector("#offline-status");

  // Ask the worker which sizes of the current preset have all their shards in the cache.
  async function refreshSizes() {
    const { form, recipe } = store.state;
    try {
      const { train_sizes: sizes } = await client.request("offline_sizes", { config: form.presets[recipe] });
      store.update({ offlineSizes: sizes });
    } catch {
      store.update({ offlineSizes: null });  // the line then says only that the site is saved
    }
  }

  store.subscribe((state, previous) => {
    const text = state.offline === "saved" ? `Works offline: this version is saved in your browser.${sizesText(state.offlineSizes)}` : TEXT[state.offline];
    if (line.textContent !== text) line.textContent = text;
    line.dataset.offline = state.offline;
    line.dataset.sizes = (state.offlineSizes || []).join(",");
    const canAsk = state.offline === "saved" && state.ready && state.worker === "ok" && state.phase === "idle" && state.form;
    const wasAsking = previous && previous.offline === "saved" && previous.ready && previous.phase === "idle" && previous.recipe === state.recipe;
    if (canAsk && !wasAsking) refreshSizes();  // on saving, after every run, on a preset change
  });

  // Register the service worker (after Python is ready: its precache download must not slow the first visit).
  function start() {
    store.update({ offline: "saving" });
    keepOffline({
      onSaved: () => store.update({ offline: "saved" }),
      onUpdate: () => {
        store.update({ offline: "updated" });
        say("A new version of this site is now active. Reload the page to use it; your saved models are kept.");
      },
    }).then((possible) => possible || store.update({ offline: "unavailable" }),
      (error) => { console.warn(`No offline use: ${error.message}`); store.update({ offline: "unavailable" }); });
  }
  return { start };
}
