// Keeps your digits in IndexedDB (through the idb library, like saved-model.js) so they survive a reload:
// one record, [{image: Uint8Array(784), label}]. A database of its own, so the model store can change its layout freely.

import { openDB } from "./vendor/idb.js";

const DB_NAME = "mnist-mlp-digits";
const STORE = "digits";
const KEY = "yours";

const db = () => openDB(DB_NAME, 1, { upgrade: (database) => database.createObjectStore(STORE) });

export async function saveDigits(digits) {
  const database = await db();
  try {
    await database.put(STORE, digits.map(({ image, label }) => ({ image, label })), KEY);
  } finally {
    database.close();
  }
}

export async function loadDigits() {
  const database = await db();
  try {
    return (await database.get(STORE, KEY)) || [];
  } finally {
    database.close();
  }
}
