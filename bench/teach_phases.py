"""Where "Learn my handwriting" spends its time in Pyodide, phase by phase, through the page's own worker_api.

Run inside Pyodide under Node (no browser), on a built site:

    node bench/pyodide_run.js dist/pyodide bench/teach_phases.py "$PWD/dist" [ROUNDS]

It mounts the site's py/ folder, loads its model/pretrained.npz and the data shards the fine-tuning needs
(gunzip here is Python's; the page uses the browser's DecompressionStream), then times, ROUNDS times each:
add_shard (decoding), start_finetune, the minibatch steps, and finish_finetune's parts (recalibration, MNIST
test after). It also checks that the MNIST test measure comes out the same through every product the page could
use. Wall time (Pyodide has no CPU clock): on a shared machine it measures the other jobs too, so compare the
phases of one run and note the load.
"""
import gzip
import json
import time

import numpy as np
import pyodide_js
from js import Object
from pyodide.ffi import to_js

SITE = ARGS[0]  # noqa: F821 -- ARGS is set by bench/pyodide_run.js
ROUNDS = int(ARGS[1]) if len(ARGS) > 1 else 2  # noqa: F821


def mount(folder, at):
    pyodide_js.FS.mkdirTree(at)
    pyodide_js.FS.mount(pyodide_js.FS.filesystems.NODEFS, to_js({"root": folder}, dict_converter=Object.fromEntries), at)


import os  # noqa: E402

mount(SITE, "/site")
import sys  # noqa: E402

sys.path.insert(0, "/site/py/bundle.zip")  # the page's own Python: worker_api and mlp_core as built
import worker_api  # noqa: E402

from mlp_core.fast import PYODIDE, FastGradients  # noqa: E402

clock = time.perf_counter  # Pyodide has no CPU clock (process_time reads 0): wall time, so read it with the load


def timed(fn, *args, **kwargs):
    start = clock()
    result = fn(*args, **kwargs)
    return result, clock() - start


manifest = json.loads(open("/site/data/manifest.json").read())
worker_api.set_manifest(manifest)
worker_api.load_pretrained(open("/site/model/pretrained.npz", "rb").read())
files = worker_api.shards_needed(manifest, {"purpose": "finetune"})["files"]
raw = {f: open(f"/site/data/{f}", "rb").read() for f in files}
gunzipped, gunzip_s = timed(lambda: {f: gzip.decompress(b) for f, b in raw.items()})
decode_s = 0.0
for f in files:
    shard = next(s for s in manifest["shards"] if s["file"] == f)
    decode_s += timed(worker_api.add_shard, shard, gunzipped[f])[1]
print(f"shards {files}: gunzip (Python's) {gunzip_s:.3f} s, add_shard (decode) {decode_s:.3f} s")

# Some "writer's digits": calibration-tail images would be cheating nothing here (only time and equality are read).
test_x, test_y = worker_api._images("test", 0, 10_000)
digits_x, digits_y = test_x[:15].copy(), ((test_y[:15] + 1) % 10).astype(np.uint8)  # relabelled: there is something to learn

for round_ in range(ROUNDS):
    _, start_s = timed(worker_api.start_finetune, digits_x.reshape(-1), digits_y)
    run = worker_api._session.tuning["run"]
    steps_s = 0.0
    while not run.done:
        steps_s += timed(run.run, max_seconds=0.05)[1]
    # finish_finetune's parts, one by one, on the same run.
    _, calibrate_s = timed(run.calibrate, *worker_api._images(*worker_api._calibration_range()))
    accuracy, mnist_s = timed(run.accuracy, test_x, test_y)
    _, export_s = timed(worker_api.model_to_bytes, run.model)
    print(f"round {round_ + 1}: start {start_s:.3f} s, {run.trainer.step} steps {steps_s:.3f} s, calibrate {calibrate_s:.3f} s, "
          f"MNIST test {mnist_s:.3f} s ({accuracy:.4f}), model to bytes {export_s:.3f} s; "
          f"temperature {run.model.metadata['temperature']:.6f}")
    worker_api._session.tuning = None

# The same MNIST test measure through other products (must give the same accuracy).
model = run.model
for name, infer in [
    ("page's einsum products, all columns (Finetune.logits)", None),
    ("blank columns skipped", FastGradients(model, PYODIDE, skip_blank_columns=True)),
    ("inked first layer (forward: both pixel lists built)", FastGradients(model, PYODIDE, inked_first_layer=True)),
]:
    if infer is None:
        acc, s = timed(run.accuracy, test_x, test_y)
    else:
        def measure():
            right = 0
            for i in range(0, len(test_x), 500):
                go = infer.forward if infer.inked_first_layer else infer.infer
                right += int(np.count_nonzero(go(infer.inputs(test_x[i:i + 500])).argmax(axis=1) == test_y[i:i + 500]))
            return right / len(test_x)
        acc, s = timed(measure)
    print(f"MNIST test via {name}: {s:.3f} s, accuracy {acc:.4f}")
acc, s = timed(model.accuracy, test_x, test_y)
print(f"MNIST test via Model.accuracy (numpy @): {s:.3f} s, accuracy {acc:.4f}")
