// Starting Pyodide with numpy and the site's Python bundle: shared by the training worker (worker.js)
// and the helper worker (helper.js).

// The first unhandled rejection in this worker, as a rejected promise (used while Pyodide loads).
function escapedRejection(signal) {
  return new Promise((_, reject) => {
    self.addEventListener("unhandledrejection", (event) => {
      event.preventDefault();
      reject(event.reason instanceof Error ? event.reason : new Error(String(event.reason)));
    }, { once: true, signal });
  });
}

// The first download that fails (an HTTP error or no answer), as a rejected promise; fetch is watched until `stop()`.
function failedDownloads() {
  const realFetch = self.fetch;
  let fail;
  const failed = new Promise((_, reject) => { fail = reject; });
  const name = (input) => String(input && input.url ? input.url : input).split("/").pop();
  self.fetch = (input, init) => realFetch(input, init).then((response) => {
    if (!response.ok) fail(new Error(`${name(input)}: HTTP ${response.status}`));
    return response;
  }, (error) => {
    fail(new Error(`${name(input)}: ${error.message}`));
    throw error;
  });
  return { failed, stop: () => { self.fetch = realFetch; } };
}

// Pyodide from the site's own pyodide/ folder.
export async function loadRuntime(base) {
  const { loadPyodide } = await import(new URL("pyodide/pyodide.mjs", base).href);
  // loadPyodide never settles when pyodide.asm.wasm cannot be downloaded: pyodide.mjs catches the
  // error, logs a warning and waits. The failure also escapes as an unhandled rejection, but only
  // through a promise pyodide.mjs happens to leave unawaited, so the downloads are watched as well.
  // Racing against both turns a hang into a readable error that names the file.
  const loaded = new AbortController();
  const downloads = failedDownloads();
  try {
    return await Promise.race([
      loadPyodide({ indexURL: new URL("pyodide/", base).href, stdout: () => {}, stderr: (t) => console.warn(t) }),
      escapedRejection(loaded.signal),
      downloads.failed,
    ]);
  } finally {
    downloads.stop();
    loaded.abort();  // later rejections are not Pyodide's loading failures
  }
}

export async function loadNumpy(pyodide) {
  // loadPackage checks the wheel's sha256 against pyodide-lock.json and fetches from indexURL only.
  await pyodide.loadPackage("numpy", { messageCallback: () => {}, errorCallback: (t) => console.warn(t) });
  pyodide.runPython("import numpy");  // its first import is most of numpy's start-up
}

// Unpack py/bundle.zip (mlp_core and web/py) where Python imports from.
export function installBundle(pyodide, bundle) {
  pyodide.unpackArchive(bundle, "zip", { extractDir: "/home/pyodide/app" });
  pyodide.runPython("import sys; sys.path.insert(0, '/home/pyodide/app')");
}
