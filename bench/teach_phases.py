"""Where "Learn my handwriting" spends its time in Pyodide, phase by phase, through the page's own worker_api.

Run inside Pyodide under Node (no browser), on a built site:

    node bench/pyodide_run.js dist/pyodide bench/teach_phases.py "$PWD/dist" [ROUNDS]

It mounts the site's py/ folder, loads its model/pretrained.npz and the data shards the fine-tuning needs
(gunzip here is Python's; the page uses the browser's DecompressionStream), then times add_shard (decoding) and
prepare_calibration (before the click), and ROUNDS times each: start_finetune, the minibatch steps, finish_finetune
(recalibration), the chunked MNIST test measure after (measure_tuned_chunk) and export_model, each as the page's
worker calls it. It also checks that the MNIST test measure comes out the same through every product the page could
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

# Stand-in "writer's digits" (only times and equalities are read here): 15 test images with wrong labels to learn.
test_x, test_y = worker_api._images("test", 0, 10_000)
digits_x, digits_y = test_x[:15].copy(), ((test_y[:15] + 1) % 10).astype(np.uint8)  # relabelled: there is something to learn

# The calibration images deformed as the page does once your first digit is kept, before the click.
prepare_s, chunks = 0.0, 0
while True:
    prepared, seconds = timed(worker_api.prepare_calibration, 0.05)
    prepare_s, chunks = prepare_s + seconds, chunks + 1
    if prepared["done"]:
        break
print(f"prepare_calibration (before the click): {prepare_s:.3f} s in {chunks} calls")

for round_ in range(ROUNDS):
    worker_api._session.model = worker_api._session.pretrained  # each round tunes the shipped model
    _, start_s = timed(worker_api.start_finetune, digits_x.reshape(-1), digits_y)
    run = worker_api._session.tuning["run"]
    while not timed(worker_api.finetune_chunk, 0.05)[0]["done"]:
        pass
    steps_s = run.trainer.train_seconds
    calibrate_s = 0.0
    while not (chunk := timed(worker_api.calibrate_tuned_chunk, 0.05))[0]["done"]:  # the recalibration, as the worker runs it
        calibrate_s += chunk[1]
    calibrate_s += chunk[1]
    done, finish_s = timed(worker_api.finish_finetune, False)  # the tuned model answers from here
    measure_s, measured = 0.0, {"done": False}
    while not measured["done"]:
        measured, seconds = timed(worker_api.measure_tuned_chunk, 0.05)
        measure_s += seconds
    _, export_s = timed(worker_api.export_model)
    print(f"round {round_ + 1}: start_finetune {start_s:.3f} s, {run.trainer.step} steps {steps_s:.3f} s (the Trainer's own clock), "
          f"calibrate_tuned_chunk {calibrate_s:.3f} s (deform {done['phases']['deform']:.3f} s), finish_finetune {finish_s:.3f} s, MNIST test {measure_s:.3f} s "
          f"({measured['mnist_after']:.4f}), export_model {export_s:.3f} s; temperature {worker_api._session.model.metadata['temperature']!r}")

# The same MNIST test measure through other products (must give the same accuracy).
model = worker_api._session.model
for name, infer in [
    ("page's einsum products, all columns (Finetune.logits)", None),
    ("blank columns skipped", FastGradients(model, PYODIDE, skip_blank_columns=True)),
    ("inked first layer (the page's measure)", FastGradients(model, PYODIDE, inked_first_layer=True)),
]:
    if infer is None:
        acc, s = timed(run.accuracy, test_x, test_y)
    else:
        def measure():
            right = 0
            for i in range(0, len(test_x), 500):
                right += int(np.count_nonzero(infer.infer(infer.inputs(test_x[i:i + 500])).argmax(axis=1) == test_y[i:i + 500]))
            return right / len(test_x)
        acc, s = timed(measure)
    print(f"MNIST test via {name}: {s:.3f} s, accuracy {acc:.4f}")
acc, s = timed(model.accuracy, test_x, test_y)
print(f"MNIST test via Model.accuracy (numpy @): {s:.3f} s, accuracy {acc:.4f}")
