// The models kept in this browser (IndexedDB, through the idb library), one record per run or upload, so
// that tabs never overwrite or delete each other's work: {id, bytes (.npz), label (its name from how it was made:
// model-name.js), name (yours, once renamed; absent before), savedAt (ISO time), sizes, accuracy: {value, kind:
// test|validation|claimed} or null, fileSha256 (an upload's: the file it came from, whose bytes the page rewrites)}. Which one a reload restores is the tab's last choice (see choose); tabs hear
// of each other's changes on a BroadcastChannel.

import { openDB } from "./vendor/idb.js";
import { modelName } from "./model-name.js";

const DB_NAME = "mnist-mlp";
const STORE = "runs";
const OLD_STORE = "models";            // version 1: one record, key "last-trained", that every tab overwrote
const ACTIVE = "mnist-mlp-active";     // localStorage: the id a reload restores, or "pretrained"
const channel = "BroadcastChannel" in self ? new BroadcastChannel("mnist-mlp-models") : null;

const db = () => openDB(DB_NAME, 2, {
  async upgrade(database, oldVersion, newVersion, transaction) {
    const runs = database.createObjectStore(STORE, { keyPath: "id" });
    if (oldVersion < 1) return;
    const old = await transaction.objectStore(OLD_STORE).get("last-trained");  // kept, as one of the list
    if (old) await runs.put({ ...old, id: `kept-${old.savedAt}`, sizes: null, accuracy: null });
    database.deleteObjectStore(OLD_STORE);
  },
});

const changed = () => channel && channel.postMessage("changed");
export const onChange = (listener) => channel && channel.addEventListener("message", listener);

export const newId = () => `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;

// The record's accuracy from the model's info: measured on test, else its last epoch's validation, else a file's claim.
export function accuracyOf(info) {
  const meta = (info && info.metadata) || {};
  if (typeof meta.test_accuracy === "number") return { value: meta.test_accuracy, kind: "test" };
  const last = (meta.epoch_results || []).at(-1);
  if (last && typeof last.val_acc === "number") return { value: last.val_acc, kind: "validation" };
  if (typeof meta.claimed_test_accuracy === "number") return { value: meta.claimed_test_accuracy, kind: "claimed" };
  return null;
}

// Kept under `id`, named from `info` (the model's info); a name you gave the record stays (a run saves each epoch).
export async function saveModel(id, bytes, info, fileSha256 = null) {
  const record = { id, bytes, label: modelName(info), savedAt: new Date().toISOString(), sizes: info.sizes, accuracy: accuracyOf(info),
    ...(fileSha256 ? { fileSha256 } : {}) };
  const transaction = (await db()).transaction(STORE, "readwrite");
  const old = await transaction.store.get(id);
  await transaction.store.put(old && old.name ? { ...record, name: old.name } : record);
  await transaction.done;
  choose(id);
  changed();
}

// Your name for a record, or null for the one it was given from how it was made.
export async function renameModel(id, name) {
  const transaction = (await db()).transaction(STORE, "readwrite");
  const record = await transaction.store.get(id);
  if (!record) throw new Error("it is no longer in this browser (deleted in another tab?)");
  const { name: _yours, ...unnamed } = record;  // without `name`, the list shows the name from how it was made
  await transaction.store.put(name ? { ...unnamed, name } : unnamed);
  await transaction.done;
  changed();
}

// A deleted record put back exactly as it was (Undo): same id, name, date and bytes.
export async function restoreModel(record) {
  await (await db()).put(STORE, record);
  changed();
}

// Newest first, without their bytes.
export async function listModels() {
  const records = await (await db()).getAll(STORE);
  return records.map(({ bytes, ...rest }) => rest).sort((a, b) => b.savedAt.localeCompare(a.savedAt));
}

export const loadModel = async (id) => (await db()).get(STORE, id);

// The hex sha256 of some bytes: a file's identity, as an upload of digits already kept is known by its pixels; null
// where the page is not a secure context (no crypto.subtle): each upload is then kept anew.
export async function sha256(bytes) {
  if (!self.crypto || !crypto.subtle) return null;
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

// The kept record a file of this sha256 holds already: one downloaded from it (its very bytes), or uploaded from it.
export async function findCopy(fileSha256) {
  if (!fileSha256) return null;
  for (const record of await (await db()).getAll(STORE)) {
    if (record.fileSha256 === fileSha256 || await sha256(record.bytes) === fileSha256) return record;
  }
  return null;
}

export async function deleteModel(id) {
  await (await db()).delete(STORE, id);
  if (chosen() === id) choose("pretrained");  // the model still answers this tab until it is replaced
  changed();
}

// The model a reload should restore: the last one chosen (trained, uploaded or picked), or none after Reset;
// this tab's own choice first (sessionStorage), so a Reset in another tab does not change what this one restores.
export function choose(id) {
  try {
    sessionStorage.setItem(ACTIVE, id);
    localStorage.setItem(ACTIVE, id);  // what a new tab restores
  } catch { /* no storage: a reload restores the newest */ }
}

export function chosen() {
  try { return sessionStorage.getItem(ACTIVE) || localStorage.getItem(ACTIVE); } catch { return null; }
}

export async function loadChosen() {
  const id = chosen();
  if (id === "pretrained") return null;
  if (id) {
    const record = await loadModel(id);
    if (record) return record;
  }
  const [newest] = await listModels();
  return newest ? loadModel(newest.id) : null;
}

// The run in progress in this tab (sessionStorage survives a reload, not a closed tab), so a reload that
// interrupts it can say so: {id, savedEpoch} (0: no epoch had ended, nothing of it was kept).
const RUNNING = "mnist-mlp-running";

export function markRun(run) {
  try {
    if (run) sessionStorage.setItem(RUNNING, JSON.stringify({ id: run.id, savedEpoch: run.savedEpoch }));
    else sessionStorage.removeItem(RUNNING);
  } catch { /* no storage: nothing to say after a reload */ }
}

export function interruptedRun() {
  try {
    const text = sessionStorage.getItem(RUNNING);
    sessionStorage.removeItem(RUNNING);
    return text ? JSON.parse(text) : null;
  } catch {
    return null;
  }
}
