// Run a Python file inside Pyodide under Node, with this repo's mlp_core importable.
// Usage: node bench/pyodide_run.js PYODIDE_DIR SCRIPT.py [ARGS...]
// PYODIDE_DIR holds pyodide.mjs, pyodide.asm.{js,wasm}, python_stdlib.zip, pyodide-lock.json and the
// numpy wheel named in the lock (as dist/pyodide/ does). The script sees its arguments as ARGS, and the
// repo's .cache/ (MNIST once build.py has fetched it) at /repo/.cache.
const fs = require("fs");
const path = require("path");
const { pathToFileURL } = require("url");

async function main() {
  const [pyodideDir, script, ...args] = process.argv.slice(2);
  const repo = path.resolve(__dirname, "..");
  const { loadPyodide } = await import(pathToFileURL(path.resolve(pyodideDir, "pyodide.mjs")).href);
  const pyodide = await loadPyodide({ indexURL: path.resolve(pyodideDir) + path.sep });
  await pyodide.loadPackage("numpy");
  pyodide.FS.mkdirTree("/repo/mlp_core");
  for (const name of fs.readdirSync(path.join(repo, "mlp_core"))) {
    if (name.endsWith(".py")) {
      pyodide.FS.writeFile(`/repo/mlp_core/${name}`, fs.readFileSync(path.join(repo, "mlp_core", name)));
    }
  }
  // The repo's download cache (real MNIST, as build.py fetches it), where mlp_core.data looks for it.
  const cache = path.join(repo, ".cache");
  if (fs.existsSync(cache)) {
    pyodide.FS.mkdirTree("/repo/.cache");
    pyodide.FS.mount(pyodide.FS.filesystems.NODEFS, { root: cache }, "/repo/.cache");
  }
  pyodide.runPython("import sys; sys.path.insert(0, '/repo')");
  pyodide.globals.set("ARGS", pyodide.toPy(args));
  await pyodide.runPythonAsync(fs.readFileSync(script, "utf8"));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
