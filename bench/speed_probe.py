"""Training throughput of mlp_core, runnable in CPython and in Pyodide (via bench/pyodide_run.js).

Prints one JSON object per measurement. Images: the first 6,400 MNIST training images from $MNIST_DIR
(bench/core.py sets it), else synthetic noise. Pixel values matter little, but MNIST's blank
border does: the browser's first layer skips the columns blank in a whole minibatch
(mlp_core.fast.BlankColumns), which noise never has. Each configuration is timed several times,
interleaved with the others so that load from other processes hits all of them alike; the best
(least disturbed) time is kept, in CPU time of this process.
Arguments (ARGS in Pyodide, sys.argv otherwise): "products" times each candidate layout of each
matrix product per layer; "kernels" compares whole training steps with candidate layout sets;
"recipes" measures each recipe as each platform trains it: in Pyodide with the page's fast variants
(FastGradients with the PYODIDE layouts, blank columns skipped, FusedAdamW), in CPython on nn.py's path.
"""
import json
import sys
import time

import numpy as np

if sys.platform != "emscripten":  # run as a script from a checkout: make the repo importable
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from mlp_core.data import load_mnist  # noqa: E402
from mlp_core.fast import BLAS, EINSUM, PYODIDE, FastGradients, FusedAdamW, Products  # noqa: E402
from mlp_core.fast import products as layouts  # noqa: E402
from mlp_core.recipes import RECIPES  # noqa: E402
from mlp_core.trainer import Trainer  # noqa: E402

IN_PYODIDE = sys.platform == "emscripten"

# name: (products (forward, weight grad, input grad), skip the minibatch's blank input columns?)
CANDIDATES = {
    "@ for all three (BLAS layout)": (BLAS, True),
    "einsum for all three": (EINSUM, True),
    "per-shape choice, all 784 input columns": (PYODIDE, False),
    "per-shape choice, blank columns skipped [the page's]": (PYODIDE, True),
    "einsum forward + weight grad, @ input grad": (Products(layouts.einsum_forward, layouts.einsum_weight_grad, layouts.blas_input_grad), True),
    "@ forward, einsum backward": (Products(layouts.blas_forward, layouts.einsum_weight_grad, layouts.einsum_input_grad), True),
}


def fast_variants(products=PYODIDE, skip_blank=True):
    """Trainer arguments for the page's fast variants with these products."""
    return {"gradients": lambda model: FastGradients(model, products, skip_blank), "adamw": FusedAdamW}


# What each platform trains with: the page's variants in Pyodide, nn.py's textbook path in CPython.
PLATFORM_TRAINING = fast_variants() if IN_PYODIDE else {}
PLATFORM_TRAINING_NAME = "page's fast variants" if IN_PYODIDE else "textbook (nn.py)"


# Candidates for each product of a dense layer, as functions of (x, weights, grad_out).
PRODUCT_CANDIDATES = {
    "forward x@W": {
        "x @ W": lambda x, w, g: x @ w,
        "einsum bi,io->bo": lambda x, w, g: np.einsum("bi,io->bo", x, w),
        "(W.T @ x.T).T": lambda x, w, g: (w.T @ x.T).T,
        "einsum bi,oi->bo, transposed copy of W": lambda x, w, g: np.einsum("bi,oi->bo", x, np.ascontiguousarray(w.T)),
    },
    "weight grad x.T@g": {
        "x.T @ g": lambda x, w, g: x.T @ g,
        "einsum bi,bo->io": lambda x, w, g: np.einsum("bi,bo->io", x, g),
        "einsum bo,bi->oi, transposed copy": lambda x, w, g: np.einsum("bo,bi->oi", g, x).T.copy(),
        "(g.T @ x).T, transposed copy": lambda x, w, g: (g.T @ x).T.copy(),
    },
    "input grad g@W.T": {
        "g @ W.T": lambda x, w, g: g @ w.T,
        "einsum bo,io->bi": lambda x, w, g: np.einsum("bo,io->bi", g, w),
        "(W @ g.T).T": lambda x, w, g: (w @ g.T).T,
        "einsum bo,oi->bi, transposed copy of W": lambda x, w, g: np.einsum("bo,oi->bi", g, np.ascontiguousarray(w.T)),
    },
}
# 520x100: the first layer once an MNIST minibatch's blank columns are skipped (~260 of 784 at batch 128).
LAYERS = ((784, 100), (520, 100), (100, 200), (200, 10))


def product_speeds(batch, rounds=7, reps=5):
    """GFLOP/s of every candidate for every product and layer; best of interleaved rounds."""
    rng = np.random.default_rng(0)
    rows = []
    for fan_in, fan_out in LAYERS:
        x = rng.random((batch, fan_in), dtype=np.float32)
        w = rng.random((fan_in, fan_out), dtype=np.float32)
        g = rng.random((batch, fan_out), dtype=np.float32)
        best = {}
        for _ in range(rounds):
            for product, candidates in PRODUCT_CANDIDATES.items():
                for name, fn in candidates.items():
                    fn(x, w, g)
                    start = cpu_seconds()
                    for _ in range(reps):
                        fn(x, w, g)
                    seconds = (cpu_seconds() - start) / reps
                    best[product, name] = min(best.get((product, name), 1e9), seconds)
        for (product, name), seconds in best.items():
            rows.append({"what": "product", "batch": batch, "layer": f"{fan_in}x{fan_out}", "product": product,
                         "kernel": name, "ms": round(seconds * 1e3, 3),
                         "gflops": round(2 * batch * fan_in * fan_out / max(seconds, 1e-9) / 1e9, 2)})
    return rows


def cpu_seconds():
    """CPU time of this process: on a shared machine it counts only our own work, unlike wall time."""
    if sys.platform == "emscripten":
        from js import process  # Node's process object (this probe runs under Node there)

        usage = process.cpuUsage()
        return (usage.user + usage.system) / 1e6
    return time.process_time()


def samples_per_second(recipe, steps, images, labels, training=None):
    """(CPU-time rate, wall-time rate) of minibatch training steps; ``training``: Trainer arguments."""
    trainer = Trainer(recipe.replace(epochs=1000, train_eval_size=100), images, labels, **(training or {}))
    trainer.run(max_steps=2)  # warm up: first-call costs
    wall, cpu = time.perf_counter(), cpu_seconds()
    trainer.run(max_steps=steps)
    samples = steps * trainer.batch_size
    return samples / (cpu_seconds() - cpu), samples / (time.perf_counter() - wall)


def training_images(count=6400):
    """(images, labels, what): real MNIST if on disk, else uint8 noise (no blank columns)."""
    try:
        mnist = load_mnist()  # $MNIST_DIR
        return mnist["train_x"][:count], mnist["train_y"][:count], "MNIST"
    except FileNotFoundError:
        rng = np.random.default_rng(0)
        return rng.integers(0, 256, (count, 784), dtype=np.uint8), rng.integers(0, 10, count, dtype=np.uint8), "synthetic"


def main(modes):
    images, labels, what = training_images()
    platform = f"{sys.platform} numpy {np.__version__}, {what} images"
    rounds = 5
    if "products" in modes:
        for batch in (128, 64):
            for row in product_speeds(batch):
                print(json.dumps({**row, "platform": platform}), flush=True)
    if "kernels" in modes:
        for batch in (128, 64):
            best = {}
            for _ in range(rounds):
                for name, (products, skip_blank) in CANDIDATES.items():
                    rates = samples_per_second(RECIPES["fast"].replace(batch_size=batch), 3840 // batch, images, labels,
                                               fast_variants(products, skip_blank))
                    best[name] = tuple(map(max, best.get(name, (0, 0)), rates))
            for name, (cpu_rate, wall_rate) in best.items():
                print(json.dumps({"what": "kernels", "platform": platform, "batch": batch, "kernels": name,
                                  "samples_per_cpu_s": round(cpu_rate), "samples_per_wall_s": round(wall_rate)}), flush=True)
    if "recipes" in modes:
        fast, tutorial = RECIPES["fast"], RECIPES["tutorial"]
        variants = [("fast", fast), ("fast batch 128", fast.replace(batch_size=128)),
                    ("fast float64", fast.replace(dtype="float64")), ("fast, plain SGD", fast.replace(optimizer="sgd")),
                    ("tutorial", tutorial), ("tutorial float32", tutorial.replace(dtype="float32"))]
        best = {}
        for _ in range(rounds):
            for name, recipe in variants:
                rates = samples_per_second(recipe, 3840 // recipe.batch_size, images, labels, PLATFORM_TRAINING)
                best[name] = tuple(map(max, best.get(name, (0, 0)), rates))
        for name, recipe in variants:
            print(json.dumps({"what": "recipe", "platform": platform, "recipe": name, "dtype": recipe.dtype,
                              "batch": recipe.batch_size, "kernels": PLATFORM_TRAINING_NAME,
                              "samples_per_cpu_s": round(best[name][0]), "samples_per_wall_s": round(best[name][1])}),
                  flush=True)


def arguments():
    """ARGS when bench/pyodide_run.js runs this in Pyodide, else the command line."""
    return list(globals().get("ARGS", sys.argv[1:]))


if __name__ == "__main__":
    main(arguments())
