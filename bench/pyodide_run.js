// Run a Python file inside Pyodide under Node, with this repo's mlp_core importable (and bench/'s scripts at /repo/bench,
// the page worker's at /repo/web/py).
// Usage: node bench/pyodide_run.js PYODIDE_DIR SCRIPT.py [ARGS...]
// PYODIDE_DIR holds pyodide.mjs, pyodide.asm.{js,wasm}, python_stdlib.zip, pyodide-lock.json and the
// numpy wheel named in the lock (as dist/pyodide/ does). The script sees its arguments as ARGS, and the
// folder $MNIST_DIR names (if any) at /mnist, with MNIST_DIR=/mnist in its environment, and $PYODIDE_EXTRA_DIR's at /extra.
const fs = require("fs");
const path = require("path");
const { pathToFileURL } = require("url");

async function main() {
  const [pyodideDir, script, ...args] = process.argv.slice(2);
  const repo = path.resolve(__dirname, "..");
  const { loadPyodide } = await import(pathToFileURL(path.resolve(pyodideDir, "pyodide.mjs")).href);
  const pyodide = await loadPyodide({ indexURL: path.resolve(pyodideDir) + path.sep });
  await pyodide.loadPackage("numpy");
  const copyPython = (folder) => {  // mlp_core and its subpackages
    pyodide.FS.mkdirTree(`/repo/${folder}`);
    for (const entry of fs.readdirSync(path.join(repo, folder), { withFileTypes: true })) {
      if (entry.isDirectory() && entry.name !== "__pycache__") copyPython(`${folder}/${entry.name}`);
      else if (entry.name.endsWith(".py")) pyodide.FS.writeFile(`/repo/${folder}/${entry.name}`, fs.readFileSync(path.join(repo, folder, entry.name)));
    }
  };
  copyPython("mlp_core");
  copyPython("bench");  // e.g. bench/reference_kernel.py, timed next to the library in one process
  copyPython("web/py");  // the page worker's Python (worker_api), to time what the page runs
  if (process.env.MNIST_DIR && fs.existsSync(process.env.MNIST_DIR)) {
    pyodide.FS.mkdirTree("/mnist");
    pyodide.FS.mount(pyodide.FS.filesystems.NODEFS, { root: process.env.MNIST_DIR }, "/mnist");
    pyodide.runPython("import os; os.environ['MNIST_DIR'] = '/mnist'");
  }
  if (process.env.PYODIDE_EXTRA_DIR) {  // another folder the script reads, e.g. an older tree to compare with
    pyodide.FS.mkdirTree("/extra");
    pyodide.FS.mount(pyodide.FS.filesystems.NODEFS, { root: process.env.PYODIDE_EXTRA_DIR }, "/extra");
  }
  pyodide.runPython("import sys; sys.path.insert(0, '/repo')");
  pyodide.globals.set("ARGS", pyodide.toPy(args));
  await pyodide.runPythonAsync(fs.readFileSync(script, "utf8"));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
