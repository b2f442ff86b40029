// The "Keep your model" card: download the active model, upload one, and restart Python.

import { describeModel, formatBytes } from "./format.js";
import { modelName } from "../model-name.js";
import { findCopy, sha256 } from "../saved-model.js";

// Why Download and Upload are greyed while an upload is measured: said beside them, where the click was.
const WAIT_FOR_MEASURE = "Download and Upload wait while the uploaded model's accuracy is measured on MNIST test (a few seconds).";

// The file says which model it holds, in the header's words: "Tuned on your 15 digits" -> mnist-mlp-tuned-on-your-15-digits.npz.
function fileName(label, sizes) {
  const words = label.replace(/\.npz$/i, "").normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase().replace(/[^a-z0-9]+/g, "-");
  return `mnist-mlp-${words.slice(0, 60).replace(/^-+|-+$/g, "") || sizes.join("-")}.npz`;
}

export function mountFiles({ store, client, say, sayAnswering, guarded, setModel, saveInBrowser, restartPython, useKept }) {
  const $ = (selector) => document.querySelector(selector);
  const ui = { download: $("#download-model"), upload: $("#upload-model"), restart: $("#restart-worker"), wait: $("#keep-wait") };
  ui.wait.textContent = WAIT_FOR_MEASURE;

  ui.download.addEventListener("click", () => guarded(async () => {
    const reply = await client.request("export_model");
    const blob = new Blob([reply.bytes], { type: "application/octet-stream" });
    const link = document.createElement("a");
    link.href = URL.createObjectURL(blob);
    // During a run the file holds its weights of the moment, named for them, not for the model last named.
    link.download = fileName(reply.model.training ? modelName(reply.model) : store.state.modelLabel, reply.model.sizes);
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
    say(`Downloaded ${link.download} (${formatBytes(blob.size)}).`);
  }));

  // Kept in IndexedDB like a trained model, as this page wrote it (a claim stays a claim): at once, so a reload
  // during the measure brings it back, and again under the same key once measured.
  async function keepAndMeasure(file, label, fileSha256) {
    const keep = async (key) => {
      const kept = (await client.request("export_model")).bytes;
      setModel(store.state.model, label, kept);
      return saveInBrowser(kept, `Loaded ${file.name}, but could not save it in this browser`, key, fileSha256);
    };
    const key = await keep();
    try {
      setModel((await client.request("measure")).model, label);
      sayAnswering(`Loaded ${file.name}: it now answers the drawing pad (${describeModel(store.state.model, label)}).`);
    } catch (error) {
      say(`Loaded ${file.name}, but its accuracy could not be measured (${error.message}): the header shows the file's claim.`, "error");
    }
    if (key !== undefined) await keep(key);
  }

  ui.upload.addEventListener("change", () => {
    const file = ui.upload.files[0];
    ui.upload.value = "";
    if (!file) return;
    if (store.state.phase !== "idle") return say("Training is running: stop it before loading another model.", "error");
    const maxBytes = store.state.form.limits.model_bytes;  // mlp_core.modelio's limit, checked before reading the file
    if (file.size > maxBytes) return say(`${file.name} is ${formatBytes(file.size)}; model files are at most ${formatBytes(maxBytes)}. Nothing changed.`, "error");
    guarded(async () => {
      say(`Reading ${file.name}…`);  // checking a file takes Python a moment: the last message must not stand meanwhile
      const bytes = await file.arrayBuffer();
      // A file "Your models" holds already (downloaded from an entry, or uploaded before) adds no copy: that entry answers.
      const fileSha256 = await sha256(bytes);
      const copy = await findCopy(fileSha256).catch(() => null);  // no saved models here: nothing to find, saving says why
      const name = copy && await useKept(copy.id);  // null if another tab deleted it meanwhile: kept anew below
      if (name) return sayAnswering(`${file.name} is in “Your models” already, as “${name}”: it answers the drawing pad, and no copy was kept.`);
      let reply;
      try {
        reply = await client.request("import_model", { bytes: bytes.slice(0), source: { kind: "uploaded", name: file.name } });
      } catch (error) {
        throw new Error(`${file.name} was not loaded: ${error.message}. The previous model still answers.`);
      }
      const label = modelName(reply.model);  // as "Your models" lists it
      setModel(reply.model, label, bytes);
      ui.wait.hidden = false;  // said with the message, so that both tell why the buttons are greyed
      try {
        sayAnswering(`Loaded ${file.name}: it now answers the drawing pad. Measuring its accuracy on MNIST test…`);
        await keepAndMeasure(file, label, fileSha256);
      } finally {
        ui.wait.hidden = true;
      }
    });
  });

  ui.restart.addEventListener("click", async () => {
    if (store.state.restarting) return;
    store.update({ restarting: true });
    // One try/finally around all of it: a second click waits until the model is back in place.
    try {
      await restartPython();
    } finally {
      store.update({ restarting: false });
    }
  });

  store.subscribe((state) => {
    const ready = state.ready && state.worker === "ok";
    const running = state.phase === "training" || state.phase === "paused" || state.phase === "stopping";
    ui.download.disabled = !ready || state.busy;
    ui.upload.disabled = !ready || running || state.busy;
    ui.upload.nextElementSibling.classList.toggle("disabled", ui.upload.disabled);
    ui.restart.disabled = state.restarting;
  });
}
