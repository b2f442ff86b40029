"""The page's one-worker training speed, before and after, in one Pyodide process, alternating every second.

    python3 bench/ab_steps.py [--before da8e8b0] [--pairs 60] [--chunk 1.0]

Wall-clock rates of whole page runs on this shared 2-core machine swing 10-20% from one minute to the next, so
bench/ab_pages.py cannot tell 3% apart. Here both trees' page worker code (web/py/worker_api.py and the mlp_core
it imports, the commit --before and this checkout) is imported into one Pyodide under Node, each starts the
throughput run of bench/browser.py (784-100-200-10, SGD, batch 128, 50,000 images) through its own
`start_run`, and their `train_chunk` calls alternate (the order flipping every pair) after both finished a
first epoch: neighbouring chunks share the machine's mood, so per-pair ratios are tight. The page's JavaScript
around `train_chunk` and the helper workers are not in the loop. Writes bench/reports/ab_steps.md.
"""
import argparse
import importlib
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

OWN_MODULES = ("worker_api", "helper_share")  # web/py's modules; mlp_core's are the package's
CONFIG = {"recipe": "fast", "hidden": [100, 200], "batch": 128, "epochs": 60, "optimizer": "sgd", "train_size": 50_000}
SHARD = 5_000


# ---- inside Pyodide --------------------------------------------------------------------------

def _tree_modules():
    return {name: module for name, module in sys.modules.items()
            if name in OWN_MODULES or name.split(".")[0] == "mlp_core"}


def load_tree(root):
    """``root``'s worker_api with its own mlp_core, and the sys.modules entries to restore before calling it."""
    for name in _tree_modules():
        del sys.modules[name]
    importlib.invalidate_caches()
    sys.path[:0] = [f"{root}/web/py", root]
    try:
        api = importlib.import_module("worker_api")
    finally:
        del sys.path[:2]
    return api, _tree_modules()


def call(api, name, *args):
    """Older trees take and return JSON text where newer ones take and return dicts."""
    function = getattr(api, name)
    parameters = list(function.__code__.co_varnames[:function.__code__.co_argcount])
    args = [json.dumps(a) if p.endswith("_json") else a for p, a in zip(parameters, args)]
    result = function(*args)
    return json.loads(result) if isinstance(result, str) else result


def load_shards(api, split, x, y):
    """A split as the tree's page gets it, through its own add_shard: trees that read the build's deskewed training
    shards (those with _pixel_counts) get those, older ones the images as drawn."""
    from mlp_core.data import encode_shard  # the tree's own modules: load_tree left them in sys.modules
    upright = split == "train" and hasattr(api, "_pixel_counts")
    for start in range(0, len(x), SHARD):
        images, labels = x[start:start + SHARD], y[start:start + SHARD]
        shard = {"file": f"{split}-{start}", "split": split, "start": start, "count": len(images), "upright": upright}
        if upright:
            from mlp_core.deskew import deskew
            from mlp_core.trainer import pixel_counts
            images = deskew(images)
            shard["pixel_counts"] = pixel_counts(images).tolist()
        call(api, "add_shard", shard, encode_shard(images, labels))


def samples_seen(chunk):
    return (chunk["progress"] if "progress" in chunk else chunk)["samples_seen"]


def measure(pairs, chunk_seconds):
    from mlp_core.data import load_mnist  # the harness's own loader: both trees get the same uint8 arrays
    mnist = load_mnist("/mnist")
    train_x, train_y, test_x, test_y = (mnist[key] for key in ("train_x", "train_y", "test_x", "test_y"))
    trees = {}
    for site, root in (("before", "/extra/before"), ("after", "/repo")):
        api, modules = load_tree(root)
        call(api, "set_manifest", {"train_count": len(train_x), "test_count": len(test_x)})
        load_shards(api, "train", train_x, train_y)
        load_shards(api, "test", test_x, test_y)
        form = call(api, "recipes_json" if hasattr(api, "recipes_json") else "recipes")["presets"][CONFIG["recipe"]]
        call(api, "start_run", dict(form, **CONFIG))
        trees[site] = (api, modules)
        print(f"{site}: {api.__file__} with {modules['mlp_core'].__file__}", file=sys.stderr)

    def chunk(site):
        """(samples per second of minibatch steps, samples seen, the share of the call spent in steps)."""
        api, modules = trees[site]
        sys.modules.update(modules)  # a lazy import inside the tree finds its own modules
        trainer = api._session.trainer
        if trainer is None or trainer.done:
            raise RuntimeError(f"the {site} run ended before the pairs did: use fewer --pairs or a shorter --chunk")
        seen, stepping, started = trainer.samples_seen, trainer.train_seconds, time.perf_counter()
        call(api, "train_chunk", chunk_seconds)
        stepped = trainer.train_seconds - stepping
        share = stepped / (time.perf_counter() - started)
        return (trainer.samples_seen - seen) / stepped if stepped else 0.0, trainer.samples_seen, share

    for site in trees:  # past the first epoch, where only the newer page also validates between epoch ends
        while chunk(site)[1] <= 1.1 * CONFIG["train_size"]:
            pass
    rates, dropped = {site: [] for site in trees}, 0
    while len(rates["after"]) < pairs:
        order = ("before", "after") if (len(rates["after"]) + dropped) % 2 == 0 else ("after", "before")
        results = {site: chunk(site) for site in order}
        if min(share for _, _, share in results.values()) < 0.5:  # mostly an epoch-end evaluation: too few steps
            dropped += 1
            continue
        for site, (rate, _, _) in results.items():
            rates[site].append(rate)
    rates["dropped"] = dropped
    print(json.dumps(rates))


# ---- on the host -----------------------------------------------------------------------------

def ratio_summary(ratios):
    """(geometric mean, low, high) of paired ratios: the interval is 2 standard errors of the mean log ratio."""
    logs = [math.log(r) for r in ratios]
    mean, error = statistics.fmean(logs), statistics.stdev(logs) / math.sqrt(len(logs))
    return math.exp(mean), math.exp(mean - 2 * error), math.exp(mean + 2 * error)


def write_report(rates, before, after, command, chunk):
    ratios = [new / old for old, new in zip(rates["before"], rates["after"])]
    geomean, low, high = ratio_summary(ratios)
    return "\n".join([
        "# The page's one-worker training speed, before and after, alternating in one process",
        "",
        f"`{command}` on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}: Pyodide under Node, "
        f"{os.cpu_count()} shared cores, load average {os.getloadavg()[0]:.1f} when the run ended.",
        f"Before: commit {before}. After: {after} (this checkout). Each tree's web/py/worker_api.py starts "
        f"784-100-200-10, SGD, batch {CONFIG['batch']}, {CONFIG['train_size']:,} images through its own `start_run` "
        f"(each page's own gradient code); after both pass 1.1 epochs, `train_chunk` calls of {chunk:g} s alternate, "
        "the order flipping every pair. Each rate: samples over the seconds the Trainer spent in minibatch steps "
        "(its `train_seconds`, the page's own throughput reading), evaluation excluded; a pair where either call "
        f"spent under half its time in steps (an epoch-end evaluation) is dropped: {rates['dropped']} of "
        f"{len(ratios) + rates['dropped']} were.",
        "",
        f"- samples/s, median: before {statistics.median(rates['before']):,.0f}, after {statistics.median(rates['after']):,.0f}.",
        f"- after/before per pair: median **{statistics.median(ratios):.3f}**; geometric mean {geomean:.3f}, "
        f"95% interval {low:.3f}-{high:.3f} (2 standard errors of the mean log ratio); pairs from "
        f"{min(ratios):.3f} to {max(ratios):.3f}.",
        "",
        "Per pair (after/before): " + ", ".join(f"{r:.3f}" for r in ratios) + ".",
        "",
    ])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", default="da8e8b0")
    parser.add_argument("--pairs", type=int, default=60)
    parser.add_argument("--chunk", type=float, default=1.0, help="seconds per train_chunk call")
    args = parser.parse_args(argv)
    root = Path(__file__).resolve().parents[1]
    sys.path.insert(0, str(root))
    from buildlib.paths import mnist_dir  # noqa: E402  (the build's MNIST copy)
    pyodide_dir = root / "dist" / "pyodide"
    if not (pyodide_dir / "pyodide.mjs").exists():
        sys.exit("error: no built site in dist/: run `python3 build.py` first.")
    after = subprocess.run(["git", "-C", str(root), "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                           check=True).stdout.strip()
    with tempfile.TemporaryDirectory(prefix="ab-steps-") as folder:
        (Path(folder) / "before").mkdir()
        archive = subprocess.run(["git", "-C", str(root), "archive", args.before, "mlp_core", "web/py"],
                                 capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", str(Path(folder) / "before")], input=archive, check=True)
        env = dict(os.environ, MNIST_DIR=str(mnist_dir()), PYODIDE_EXTRA_DIR=folder)
        output = subprocess.run(["node", str(root / "bench" / "pyodide_run.js"), str(pyodide_dir), __file__,
                                 str(args.pairs), str(args.chunk)], env=env, capture_output=True, text=True)
    if output.returncode:
        sys.exit(output.stderr[-3000:])
    rates = json.loads(output.stdout.strip().splitlines()[-1])
    command = "python3 bench/ab_steps.py" + (f" --before {args.before}" if args.before != "da8e8b0" else "") + \
        (f" --pairs {args.pairs}" if args.pairs != 60 else "") + (f" --chunk {args.chunk:g}" if args.chunk != 1.0 else "")
    report = root / "bench" / "reports" / "ab_steps.md"
    report.write_text(write_report(rates, args.before, after, command, args.chunk))
    print(report.read_text())
    return 0


if __name__ == "__main__":
    if sys.platform == "emscripten":
        measure(int(ARGS[0]), float(ARGS[1]))  # noqa: F821  (ARGS: set by bench/pyodide_run.js)
    else:
        sys.exit(main())
