"""Where a training step's time goes, and the page's kernels against bench/reference_kernel.py, in one process.

Runs in Pyodide under Node (bench/kernel.py starts it: node bench/pyodide_run.js dist/pyodide
bench/kernel_probe.py MODE...) and in CPython. Prints one JSON object per measurement. Modes (ARGS):
- "profile": CPU ms per step spent in each part of a training step (784-100-200-10, float32, batch 128,
  SGD, MNIST), for each gradient strategy in STRATEGIES, timed in interleaved rounds;
- "layer1": the first layer's two products alone, for each way of computing them that was tried;
- "ratio": rounds of the reference kernel's own loop and each strategy's Trainer, alternating, same seconds each;
- "paired": the page's strategy and the inked one, in many short paired rounds (their step-time ratio per round).
"""
import json
import sys
import time
from collections import defaultdict
from types import SimpleNamespace

import numpy as np

if sys.platform == "emscripten":
    sys.path.insert(0, "/repo/bench")  # bench/pyodide_run.js copies bench/ there
else:
    from pathlib import Path

    sys.path[:0] = [str(Path(__file__).resolve().parent.parent), str(Path(__file__).resolve().parent)]

import reference_kernel  # noqa: E402
import mlp_core.trainer as trainer_module  # noqa: E402
from mlp_core.data import load_mnist  # noqa: E402
from mlp_core.fast import PYODIDE, FastGradients, SplitGradients  # noqa: E402
from mlp_core.fast.ink import InkedPixels, inked_forward, inked_weight_grad  # noqa: E402
from mlp_core.nn import Dense, ReLU  # noqa: E402
from mlp_core.recipes import RECIPES  # noqa: E402
from mlp_core.trainer import Trainer  # noqa: E402

SIZES, BATCH = reference_kernel.SIZES, reference_kernel.BATCH
# The reference kernel's setting: plain SGD; the rest is the page's default recipe (standardised inputs, He init).
RECIPE = RECIPES["fast"].replace(sizes=SIZES, batch_size=BATCH, optimizer="sgd", lr=0.05, schedule="constant",
                                 epochs=1000, train_eval_size=100)
# name: the page's gradient strategy with these FastGradients arguments (a SplitGradients without a helper, as on one core)
STRATEGIES = {
    "all 784 columns": dict(skip_blank_columns=False),
    "blank columns skipped (the page's)": dict(skip_blank_columns=True),
    "inked pixels (mlp_core/fast/ink.py)": dict(skip_blank_columns=True, inked_first_layer=True),
}


def cpu_seconds():
    """CPU time of this process (others share the machine)."""
    if sys.platform == "emscripten":
        from js import process

        usage = process.cpuUsage()
        return (usage.user + usage.system) / 1e6
    return time.process_time()


def strategy(arguments):
    return lambda model: SplitGradients(FastGradients(model, PYODIDE, **arguments))


def trainer(images, labels, arguments):
    run = Trainer(RECIPE, images, labels, gradients=strategy(arguments), clock=cpu_seconds)
    run.run(max_steps=3)  # first-call costs
    return run


class Profiler:
    """While entered, a Trainer's parts run inside CPU timers: ``totals`` maps part -> seconds."""

    def __init__(self, run):
        self.run = run
        self.totals = defaultdict(float)
        self.calls = defaultdict(int)
        self._wrapped = []  # (object, attribute name): instance attributes shadowing the class's methods

    def __enter__(self):
        run, local = self.run, self.run.gradients.local
        dense = run.network.dense_layers()
        self.wrap(run, "_pixels", "minibatch rows (X[rows])")
        self.wrap(local, "inputs", "input conversion (blank columns + normalise)")
        self.wrap(local, "dense_forward", lambda layer, *_: f"layer {dense.index(layer) + 1} forward")
        self.wrap(local, "dense_backward", lambda layer, *_: f"layer {dense.index(layer) + 1} backward")
        for layer in run.network.layers:
            if isinstance(layer, ReLU):
                self.wrap(layer, "forward", "ReLU forward")
                self.wrap(layer, "backward", "ReLU backward")
        self.wrap(run.optimizer, "step", "SGD step")
        self.wrap(run, "_keep_good_weights", "divergence guard (copy + finite check)")
        self.wrap(run, "_weights_finite", "divergence guard (copy + finite check)")
        self._softmax = trainer_module.softmax_cross_entropy
        trainer_module.softmax_cross_entropy = self.timed(self._softmax, "softmax cross-entropy")
        self._inked = InkedPixels.__dict__["of"]
        InkedPixels.of = self.timed(InkedPixels.of, "inked pixel lists (index building)")
        return self

    def __exit__(self, *exc):
        trainer_module.softmax_cross_entropy = self._softmax
        InkedPixels.of = self._inked
        for owner, name in self._wrapped:
            delattr(owner, name)
        self._wrapped = []

    def timed(self, function, part):
        """``function`` timed under ``part`` (a name, or a function of the call's arguments giving one)."""
        def timed_call(*args, **kwargs):
            start = cpu_seconds()
            try:
                return function(*args, **kwargs)
            finally:
                name = part(*args) if callable(part) else part
                self.totals[name] += cpu_seconds() - start
                self.calls[name] += 1
        return timed_call

    def wrap(self, owner, name, part):
        setattr(owner, name, self.timed(getattr(owner, name), part))
        self._wrapped.append((owner, name))


def timer_cost(calls=2000):
    """CPU seconds one timed call of a function that does nothing costs (reading the CPU clock is a system call)."""
    profiler = Profiler(None)
    nothing = profiler.timed(lambda: None, "nothing")
    start = cpu_seconds()
    for _ in range(calls):
        nothing()
    return (cpu_seconds() - start) / calls


def profile(images, labels, rounds=4, steps=40):
    """Per strategy: CPU ms per step, plain and instrumented, and per part of the instrumented step, each less the
    timers' own cost (timer_cost per call, a part of its own); 'Python and the rest' is the instrumented step minus
    the parts: the Trainer's and the strategy's own Python and the small operations between the timed parts."""
    overhead = timer_cost()
    runs = {name: trainer(images, labels, arguments) for name, arguments in STRATEGIES.items()}
    profilers = {name: Profiler(run) for name, run in runs.items()}
    plain, timed = defaultdict(float), defaultdict(float)
    for _ in range(rounds):  # interleaved, so that load from other processes hits every strategy alike
        for name, run in runs.items():
            start = cpu_seconds()
            run.run(max_steps=steps)
            plain[name] += cpu_seconds() - start
            with profilers[name]:
                start = cpu_seconds()
                run.run(max_steps=steps)
                timed[name] += cpu_seconds() - start
    rows = []
    count = rounds * steps
    for name, run in runs.items():  # how many hidden units ReLU lets through, on the last trained weights
        x = run.model.network_input(images[:1000])
        network = run.network
        hidden = []
        for layer in network.layers[:-1]:
            x = layer.infer(x)
            if isinstance(layer, ReLU):
                hidden.append(float(np.mean(x > 0)))
        rows.append({"what": "hidden", "strategy": name, "steps": run.step, "nonzero": hidden})
    for name, profiler in profilers.items():
        parts = {part: 1e3 * (seconds - profiler.calls[part] * overhead) / count for part, seconds in profiler.totals.items()}
        parts["the timers themselves"] = 1e3 * sum(profiler.calls.values()) * overhead / count
        parts["Python and the rest"] = 1e3 * timed[name] / count - sum(parts.values())
        rows.append({"what": "profile", "strategy": name, "step_ms": 1e3 * plain[name] / count,
                     "instrumented_step_ms": 1e3 * timed[name] / count, "timer_us": 1e6 * overhead, "parts_ms": parts})
    return rows


def layer1_candidates(images):
    """The first layer's forward (x @ W) and weight gradient (x.T @ g) computed the ways that were tried."""
    rng = np.random.default_rng(0)
    run = trainer(images, np.zeros(len(images), dtype=np.uint8), STRATEGIES["blank columns skipped (the page's)"])
    local = run.gradients.local
    weights = run.network.dense_layers()[0].weights
    grad = rng.standard_normal((BATCH, weights.shape[1])).astype(weights.dtype) * weights.dtype.type(0.01)
    out = np.empty_like(weights)
    batches = [images[rng.choice(len(images), BATCH, replace=False)] for _ in range(8)]
    blank = [local.inputs(pixels) for pixels in batches]
    dense = [local.model.network_input(pixels) for pixels in batches]
    inked = [InkedPixels.of(x) for x in blank]
    layer = Dense(weights, np.zeros(weights.shape[1], weights.dtype))

    def row_blocks(x, rows=16):  # dense products over the columns inked in each block of 16 images
        d = x.values - x.fill
        result = np.empty((len(d), weights.shape[1]), weights.dtype)
        for start in range(0, len(d), rows):
            used = np.flatnonzero((d[start:start + rows] != 0).any(axis=0))
            result[start:start + rows] = np.einsum("bi,io->bo", d[start:start + rows, used], weights[x.active[used]])
        return result

    def per_image_reduceat(x):  # gather every inked pixel's row, scale it, sum each image's rows (np.add.reduceat)
        d = x.values - x.fill
        image, column = np.nonzero(d)
        rows = weights[x.active[column]] * d[image, column][:, None]
        return np.add.reduceat(rows, np.searchsorted(image, np.arange(len(d))), axis=0)

    def per_pixel_reduceat(x):  # weight gradient: pairs sorted by pixel, rows of grad scaled, summed per pixel
        d = x.values - x.fill
        column, image = np.nonzero(d.T)
        rows = grad[image] * d[image, column][:, None]
        starts = np.flatnonzero(np.r_[True, column[1:] != column[:-1]])
        return np.add.reduceat(rows, starts, axis=0)

    candidates = {
        ("forward", "all 784 columns (einsum)"): lambda i: PYODIDE.forward(dense[i], weights),
        ("forward", "blank columns skipped"): lambda i: local.dense_forward(layer, blank[i]),
        ("forward", "dense over each 16-image block's inked columns"): lambda i: row_blocks(blank[i]),
        ("forward", "per inked pixel: gather, scale, np.add.reduceat"): lambda i: per_image_reduceat(blank[i]),
        ("forward", "inked pixel lists: build (shared with the gradient)"): lambda i: InkedPixels.of(blank[i]),
        ("forward", "inked pixel lists: product"): lambda i: inked_forward(inked[i], weights),
        ("weight gradient", "all 784 columns (einsum)"): lambda i: PYODIDE.weight_grad(dense[i], grad, out=out),
        ("weight gradient", "blank columns skipped"): lambda i: local.dense_backward(layer, blank[i], grad, False),
        ("weight gradient", "per inked pixel: gather, scale, np.add.reduceat"): lambda i: per_pixel_reduceat(blank[i]),
        ("weight gradient", "inked pixel lists: product"): lambda i: inked_weight_grad(inked[i], grad, grad.sum(axis=0), out),
    }
    best = {}
    for _ in range(5):
        for key, function in candidates.items():
            function(0)
            start = cpu_seconds()
            for i in range(len(batches)):
                function(i)
            best[key] = min(best.get(key, 1e9), (cpu_seconds() - start) / len(batches))
    ink = [np.count_nonzero(pixels, axis=1).mean() for pixels in batches]
    union = [np.count_nonzero(np.bitwise_or.reduce(pixels, axis=0)) for pixels in batches]
    blocks = [np.count_nonzero(np.bitwise_or.reduce(pixels[start:start + 16], axis=0))
              for pixels in batches for start in range(0, BATCH, 16)]
    return [{"what": "layer1", "product": product, "candidate": name, "ms": 1e3 * seconds}
            for (product, name), seconds in best.items()] + [
        {"what": "ink", "pixels_per_image": float(np.mean(ink)), "columns_per_batch": float(np.mean(union)),
         "columns_per_16_images": float(np.mean(blocks))}]


def reference_rate(seconds):
    """bench/reference_kernel.py's own loop and count, run on this process's CPU clock instead of the wall clock."""
    wall = reference_kernel.time
    reference_kernel.time = SimpleNamespace(perf_counter=cpu_seconds)
    try:
        return reference_kernel.samples_per_second(seconds)
    finally:
        reference_kernel.time = wall


def ratios(images, labels, rounds=4, seconds=3.0):
    """Samples per CPU second of the reference kernel and of each strategy's Trainer steps, alternating."""
    runs = {name: trainer(images, labels, arguments) for name, arguments in STRATEGIES.items()}
    reference_rate(1.0)  # warm-up: the engine compiles hot WebAssembly code again, faster, after a first run
    rows = []
    for round_ in range(rounds):
        rows.append({"what": "ratio", "round": round_, "name": "reference kernel", "samples_per_s": reference_rate(seconds)})
        for name, run in runs.items():
            samples, spent = run.samples_seen, run.train_seconds
            run.run(max_seconds=seconds)
            rows.append({"what": "ratio", "round": round_, "name": name,
                         "samples_per_s": (run.samples_seen - samples) / (run.train_seconds - spent)})
    rows.append({"what": "ratio", "round": rounds, "name": "reference kernel", "samples_per_s": reference_rate(seconds)})
    return rows


def paired(images, labels, rounds=40, steps=15):
    """The page's strategy against the inked one in paired rounds of ``steps`` steps: per round, the ratio of their CPU times."""
    page = trainer(images, labels, STRATEGIES["blank columns skipped (the page's)"])
    inked = trainer(images, labels, STRATEGIES["inked pixels (mlp_core/fast/ink.py)"])
    ratios = []
    for _ in range(rounds):
        start = cpu_seconds()
        page.run(max_steps=steps)
        middle = cpu_seconds()
        inked.run(max_steps=steps)
        ratios.append((middle - start) / (cpu_seconds() - middle))
    return [{"what": "paired", "rounds": rounds, "steps": steps, "page_over_inked": ratios}]


def main(modes):
    mnist = load_mnist()  # $MNIST_DIR
    images, labels = mnist["train_x"][:50_000], mnist["train_y"][:50_000]
    platform = f"{sys.platform}, numpy {np.__version__}"
    for mode, function in (("profile", lambda: profile(images, labels)), ("layer1", lambda: layer1_candidates(images)),
                           ("ratio", lambda: ratios(images, labels)), ("paired", lambda: paired(images, labels))):
        if mode in modes:
            for row in function():
                print(json.dumps({**row, "platform": platform}), flush=True)


def arguments():
    """ARGS when bench/pyodide_run.js runs this in Pyodide, else the command line."""
    return list(globals().get("ARGS", sys.argv[1:]))


if __name__ == "__main__":
    main(arguments())
