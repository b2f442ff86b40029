"""A helper worker's memory: Pyodide's WebAssembly memory once numpy is loaded, and once a helper of the
page's default network (784-100-200-10, float32) has computed a few shares of a 128-row minibatch.

  node bench/pyodide_run.js dist/pyodide bench/helper_memory.py     (prints one JSON line; bench/browser.py --workers runs it)

WebAssembly memory only grows, so the second figure is the most a helper's Python holds at that size;
the JS glue and the compiled module come on top."""
import json

import numpy as np
import pyodide_js

from mlp_core.fast import HelperGradients, Share


def wasm_bytes():
    return pyodide_js._module.HEAP8.length


after_numpy = wasm_bytes()
helper = HelperGradients((784, 100, 200, 10), np.float32)
rng = np.random.default_rng(0)
share = Share(rng.random((128, 784), dtype=np.float32), rng.integers(0, 10, 128), 128)
for _ in range(5):
    helper.gradients(helper.weights, share)
print(json.dumps({"wasm_bytes_numpy": after_numpy, "wasm_bytes_helper": wasm_bytes()}))
