// "Your models": the page's own pretrained model first (#saved-pretrained: Use only, it is not kept here), then every
// model kept in this browser (one per run or upload), newest first, each under its name (model-name.js: from how it
// was made, or yours) with its date, architecture and accuracy. Use makes it answer the pad (and the one a reload
// restores; the pretrained one's does what Reset does); Rename edits its name in place (Enter keeps it, Escape
// cancels); Delete removes it at once and offers Undo beside the list for a while, which puts back the very record
// and, if it was in use, makes it answer again. The one this tab uses (the pretrained model, else saved-model.js
// chosen) is marked "In use" and has no Use (the button is disabled; pressed, it hands the keyboard to Rename);
// deleting it hands the pad to the pretrained model, what a reload would restore. Another tab's changes show up here too.
import * as saved from "../saved-model.js";
import { listedNames, modelName, ownName } from "../model-name.js";
import { percent } from "./format.js";
import { busy as teachBusy } from "./teach.js";

const KIND = { test: "test", validation: "validation", claimed: "file's claim" };
const UNDO_MS = 10_000;  // how long Undo stays offered once neither the pointer nor the focus is on it
const NAME_MAX = 60;     // characters in a name you give: enough to say what it is, short enough to fit a row

const PRETRAINED = "pretrained";  // its entry's id, and what saved-model.js chosen() says after Reset

export function mountModels({ store, client, say, sayAnswering, guarded, setModel, pretrainedAnswers }) {
  const $ = (selector) => document.querySelector(selector);
  const list = $("#saved-models");
  const pretrainedList = $("#saved-pretrained");
  const ui = { undo: $("#saved-undo"), undoText: $("#saved-undo-text"), undoButton: $("#undo-delete") };
  let names = new Map();  // id -> the name the list shows (listedNames)
  let deleted = null;     // the last deletion Undo takes back: {record (bytes and all), name, inUse, label}
  let editing = null;     // the id of the entry whose name is being edited
  let undoTimer = null;

  const nameOf = (record) => names.get(record.id) ?? ownName(record);
  // Nowhere, or on a control just disabled under it (browsers differ on whether a disabled button keeps the focus).
  const focusLost = () => !document.activeElement || document.activeElement === document.body || document.activeElement.matches(":disabled");
  const control = (id, action) => document.querySelector(`.saved-models li[data-id="${CSS.escape(id)}"] [data-action="${action}"]`);
  const rows = () => [...pretrainedList.children, ...list.children];

  async function refresh() {
    try {
      store.update({ savedModels: await saved.listModels() });
    } catch (error) {
      store.update({ savedModels: [] });
      say(`Saved models are not available in this browser (${error.message}).`);
    }
  }

  // A kept model answers the pad (unguarded: for Use and for an upload of its file); its name, or null once it is gone.
  async function useKept(id) {
    const record = await saved.loadModel(id);
    if (!record) return null;
    const reply = await client.request("import_model", { bytes: record.bytes.slice(0), source: { kind: "restored" } });
    saved.choose(id);  // first: the new model's subscribers mark the chosen one as in use
    setModel(reply.model, nameOf(record), record.bytes);
    return nameOf(record);
  }

  async function usePretrained() {
    pretrainedAnswers((await client.request("reset")).model);
    return store.state.modelLabel;
  }

  async function use(id) {
    await guarded(async () => {
      const name = await (id === PRETRAINED ? usePretrained() : useKept(id));
      if (name === null) return refresh();  // deleted in another tab meanwhile
      sayAnswering(`“${name}” now answers the drawing pad.`);
    });
    // Its Use button is disabled now: the keyboard goes on to its Rename, or (the pretrained one has none) the next Use.
    if (focusLost()) (control(id, "rename") || list.querySelector("[data-action=use]:enabled"))?.focus();
  }

  // The record goes at once (other tabs see it go); Undo keeps it, bytes and all, in this page until the offer ends.
  async function remove(id) {
    await guarded(async () => {
      const record = await saved.loadModel(id);
      if (!record) return refresh();  // deleted in another tab meanwhile
      const entry = { record, name: nameOf(record), inUse: saved.chosen() === id, label: store.state.modelLabel };
      await saved.deleteModel(id);  // the chosen one: a reload now restores the pretrained model
      offerUndo(entry);
      await refresh();
      if (!entry.inUse) return say(`Deleted “${entry.name}” from this browser.`);
      // What answers is what a reload restores: a deleted model no longer answers as if it were kept.
      store.update({ modelBytes: null });  // a restart from here on brings back the pretrained model
      await usePretrained();
      sayAnswering(`Deleted “${entry.name}” from this browser: the pretrained model answers the drawing pad now.`);
    });
    if (deleted && focusLost()) ui.undoButton.focus();  // its Delete button is gone: the keyboard goes on to Undo
  }

  function offerUndo(entry) {
    deleted = entry;
    ui.undoText.textContent = `Deleted “${entry.name}”.`;
    ui.undo.hidden = false;
    holdUndo(false);
  }

  function endUndo() {
    deleted = null;
    ui.undo.hidden = true;
    clearTimeout(undoTimer);
  }

  // The offer waits while the pointer or the focus is on it (read, reached, about to be pressed), then runs again.
  function holdUndo(held) {
    clearTimeout(undoTimer);
    if (deleted && !held) undoTimer = setTimeout(endUndo, UNDO_MS);
  }

  async function undo() {
    const entry = deleted;
    if (!entry) return;
    await guarded(async () => {
      await saved.restoreModel(entry.record);
      endUndo();
      await refresh();
      // In use again, unless another model was chosen since (its deletion left the pretrained one chosen).
      if (!entry.inUse || saved.chosen() !== PRETRAINED) return say(`Restored “${entry.name}” in “Your models”.`);
      try {
        const reply = await client.request("import_model", { bytes: entry.record.bytes.slice(0), source: { kind: "restored" } });
        saved.choose(entry.record.id);
        setModel(reply.model, entry.label, entry.record.bytes);
      } catch (error) {
        throw new Error(`Restored “${entry.name}” in “Your models”, but it could not answer the pad: ${error.message}`);
      }
      sayAnswering(`Restored “${entry.name}”: it answers the drawing pad again.`);
    });
    const again = control(entry.record.id, "delete");
    if (again && focusLost()) again.focus();  // back where the keyboard was before Delete
  }

  // The name turns into a field in place; Enter or leaving it keeps the name, Escape keeps the old one. Meanwhile the
  // list is not drawn anew (another tab's run saves every epoch): the field and what is typed in it stay.
  function rename(row, record) {
    const shown = row.querySelector(".saved-name");
    if (!shown || editing) return;  // a name is being edited already
    const field = Object.assign(document.createElement("input"), { type: "text", className: "saved-rename",
      value: ownName(record), maxLength: NAME_MAX, autocomplete: "off" });
    field.setAttribute("aria-label", `New name for ${nameOf(record)}`);
    field.setAttribute("aria-describedby", "saved-rename-help");
    editing = record.id;
    shown.replaceWith(field);
    field.focus();
    field.select();
    async function finish(keep, refocus) {
      if (editing !== record.id) return;  // finished already: Enter, then the blur of the field leaving the page
      editing = null;
      field.replaceWith(shown);
      const name = field.value.replace(/\s+/g, " ").trim();
      const changed = keep && (name ? name !== ownName(record) : Boolean(record.name));
      await (changed ? keepName(record, name) : refresh());  // refresh: what changed meanwhile is drawn now
      if (refocus) control(record.id, "rename")?.focus();
    }
    field.addEventListener("keydown", (event) => {
      if (event.key !== "Enter" && event.key !== "Escape") return;
      event.preventDefault();
      finish(event.key === "Enter", true);
    });
    field.addEventListener("blur", () => finish(true, false));
  }

  async function keepName(record, name) {
    const before = nameOf(record);
    try {
      await saved.renameModel(record.id, name || null);  // empty: back to the name from how it was made
    } catch (error) {
      return say(`Could not rename “${before}”: ${error.message}`, "error");
    } finally {
      await refresh();
    }
    const after = nameOf(record);
    if (saved.chosen() === record.id) setModel(store.state.model, after);  // the header names it as the list does
    say(name ? `Renamed “${before}” to “${after}”.` : `“${before}” is named from how it was made again: “${after}”.`);
  }

  function button(text, action, label, onClick, quiet = false) {
    const element = Object.assign(document.createElement("button"), { type: "button", className: `btn btn-small${quiet ? " btn-quiet" : ""}`, textContent: text });
    element.dataset.action = action;
    element.setAttribute("aria-label", label);
    element.addEventListener("click", onClick);
    return element;
  }

  // An entry; a kept one (with its date) can be renamed and deleted, the pretrained one only used.
  function item(record, kept = true) {
    const row = document.createElement("li");
    const name = Object.assign(document.createElement("span"), { className: "saved-name", textContent: nameOf(record) });
    const details = document.createElement("span");
    details.className = "saved-details";
    const accuracy = record.accuracy ? `${percent(record.accuracy.value)} ${KIND[record.accuracy.kind]}` : "accuracy not known";
    const when = kept ? new Date(record.savedAt).toLocaleString() : "Comes with this page";
    details.textContent = [when, record.sizes ? record.sizes.join("-") : "size not recorded", accuracy].join(" · ");
    const inUse = Object.assign(document.createElement("span"), { className: "saved-in-use", textContent: "In use" });
    row.dataset.id = record.id;
    row.append(name, inUse, details,
      button("Use", "use", `Use ${nameOf(record)}, ${kept ? "saved " : ""}${details.textContent}`, () => use(record.id)));
    if (kept) {
      row.append(button("Rename", "rename", `Rename ${nameOf(record)}`, () => rename(row, record), true),
        button("Delete", "delete", `Delete ${nameOf(record)}`, () => remove(record.id), true));
    }
    return row;
  }

  // The pretrained model's entry, named as the header names it (model-name.js), from the worker's info on it.
  function drawPretrained(info) {
    const record = { id: PRETRAINED, label: modelName(info), sizes: info.sizes, accuracy: saved.accuracyOf(info) };
    pretrainedList.replaceChildren(item(record, false));
  }

  // After the list is drawn and whenever the answering model changes (trained, tuned, uploaded, used, Reset): the
  // pretrained entry while the pretrained model itself answers, else the kept one chosen last.
  function markInUse() {
    const { model } = store.state;
    const id = model && model.source && model.source.kind === PRETRAINED && !model.training ? PRETRAINED : saved.chosen();
    for (const row of rows()) {
      if (row.dataset.id === id) row.setAttribute("aria-current", "true");
      else row.removeAttribute("aria-current");
    }
  }

  // Every control waits while the list is locked; the entry in use has nothing to Use.
  function enable(locked) {
    for (const element of [...pretrainedList.querySelectorAll("button"), ...list.querySelectorAll("button")]) {
      element.disabled = locked || (element.dataset.action === "use" && element.closest("li").hasAttribute("aria-current"));
    }
    ui.undoButton.disabled = locked;
  }

  // Drawn anew, the list keeps the keyboard on the same control of the same entry.
  function draw(records) {
    const active = list.contains(document.activeElement) ? document.activeElement : null;
    const at = active && [active.closest("li").dataset.id, active.dataset.action];
    names = listedNames(records);
    list.replaceChildren(...records.map((record) => item(record)));
    list.dataset.count = String(records.length);
    if (at) control(...at)?.focus();
  }

  ui.undoButton.addEventListener("click", undo);
  for (const [event, held] of [["pointerenter", true], ["pointerleave", false], ["focusin", true], ["focusout", false]]) {
    ui.undo.addEventListener(event, () => holdUndo(held));
  }

  store.subscribe((state, previous) => {
    if ((!previous || previous.savedModels !== state.savedModels) && !editing) draw(state.savedModels || []);
    if (state.pretrained && (!previous || previous.pretrained !== state.pretrained)) drawPretrained(state.pretrained);
    const drawn = !previous || previous.savedModels !== state.savedModels || previous.pretrained !== state.pretrained;
    if (drawn || previous.model !== state.model) markInUse();
    // Learning your digits uses the answering model too: nothing may swap or drop it meanwhile.
    enable(!state.ready || state.worker !== "ok" || state.busy || state.phase !== "idle" || teachBusy(state.teach.state));
  });
  saved.onChange(refresh);
  return { refresh, nameOf, useKept };
}
