// Keeps the last trained model in IndexedDB so it survives a reload.
// One record: {bytes: ArrayBuffer (.npz), label: string, savedAt: ISO time}.

const DB_NAME = "mnist-mlp";
const STORE = "models";
const KEY = "last-trained";

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

export const saveModel = (bytes, label) =>
  withStore("readwrite", (store) => store.put({ bytes, label, savedAt: new Date().toISOString() }, KEY));

export const loadModel = () => withStore("readonly", (store) => store.get(KEY));

export const forgetModel = () => withStore("readwrite", (store) => store.delete(KEY));
