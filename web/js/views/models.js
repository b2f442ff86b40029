// "Your models": every model kept in this browser (one per run or upload), newest first, with its date,
// architecture and accuracy; Use makes it answer the pad (and the one a reload restores), Delete removes it.
// The one this tab uses (saved-model.js chosen) is marked "In use".
// Another tab's saves and deletions show up here too.

import * as saved from "../saved-model.js";
import { percent } from "./format.js";

const KIND = { test: "test", validation: "validation", claimed: "file's claim" };

export function mountModels({ store, client, say, guarded, setModel }) {
  const list = document.querySelector("#saved-models");

  async function refresh() {
    try {
      store.update({ savedModels: await saved.listModels() });
    } catch (error) {
      store.update({ savedModels: [] });
      say(`Saved models are not available in this browser (${error.message}).`);
    }
  }

  const use = (id) => guarded(async () => {
    const record = await saved.loadModel(id);
    if (!record) return refresh();  // deleted in another tab meanwhile
    const reply = await client.request("import_model", { bytes: record.bytes.slice(0), source: { kind: "restored" } });
    saved.choose(id);  // first: the new model's subscribers mark the chosen one as in use
    setModel(reply.model, `your saved model, ${record.label}`, record.bytes);
    say(`Your saved model (${record.label}) now answers the drawing pad.`);
  });

  const remove = (id, label) => guarded(async () => {
    await saved.deleteModel(id);
    await refresh();
    say(`Deleted ${label} from this browser.`);
  });

  function item(record) {
    const row = document.createElement("li");
    const name = document.createElement("span");
    name.className = "saved-name";
    name.textContent = record.label;
    const details = document.createElement("span");
    details.className = "saved-details";
    const accuracy = record.accuracy ? `${percent(record.accuracy.value)} ${KIND[record.accuracy.kind]}` : "accuracy not known";
    details.textContent = [new Date(record.savedAt).toLocaleString(), record.sizes ? record.sizes.join("-") : "size not recorded", accuracy].join(" · ");
    const useButton = Object.assign(document.createElement("button"), { type: "button", className: "btn btn-small", textContent: "Use" });
    useButton.dataset.action = "use";
    useButton.setAttribute("aria-label", `Use ${record.label}, saved ${details.textContent}`);
    useButton.addEventListener("click", () => use(record.id));
    const deleteButton = Object.assign(document.createElement("button"), { type: "button", className: "btn btn-small btn-quiet", textContent: "Delete" });
    deleteButton.dataset.action = "delete";
    deleteButton.setAttribute("aria-label", `Delete ${record.label}`);
    deleteButton.addEventListener("click", () => remove(record.id, record.label));
    const inUse = Object.assign(document.createElement("span"), { className: "saved-in-use", textContent: "In use" });
    row.dataset.id = record.id;
    row.append(name, inUse, details, useButton, deleteButton);
    return row;
  }

  // After the list is drawn and whenever the answering model changes (trained, tuned, uploaded, used, Reset).
  function markInUse() {
    const id = saved.chosen();
    for (const row of list.children) {
      if (row.dataset.id === id) row.setAttribute("aria-current", "true");
      else row.removeAttribute("aria-current");
    }
  }

  store.subscribe((state, previous) => {
    if (!previous || previous.savedModels !== state.savedModels) {
      const records = state.savedModels || [];
      list.replaceChildren(...records.map(item));
      list.dataset.count = String(records.length);
    }
    if (!previous || previous.savedModels !== state.savedModels || previous.model !== state.model) markInUse();
    const locked = !state.ready || state.worker !== "ok" || state.busy || state.phase !== "idle";
    for (const button of list.querySelectorAll("button")) button.disabled = locked;
  });
  saved.onChange(refresh);
  return { refresh };
}
