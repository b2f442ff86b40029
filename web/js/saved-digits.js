// Keeps your digits in IndexedDB so they survive a reload: one record, [{image: Uint8Array(784), label}].
// A database of its own, so the model store (saved-model.js) can change its layout freely.

const DB_NAME = "mnist-mlp-digits";
const STORE = "digits";
const KEY = "yours";

function openDb() {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DB_NAME, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

async function withStore(mode, action) {
  const db = await openDb();
  try {
    return await new Promise((resolve, reject) => {
      const tx = db.transaction(STORE, mode);
      const request = action(tx.objectStore(STORE));
      tx.oncomplete = () => resolve(request.result);
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error || new Error("IndexedDB transaction aborted"));
    });
  } finally {
    db.close();
  }
}

export const saveDigits = (digits) => withStore("readwrite", (store) => store.put(digits.map(({ image, label }) => ({ image, label })), KEY));

export const loadDigits = async () => (await withStore("readonly", (store) => store.get(KEY))) || [];
