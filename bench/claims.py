"""The figures README states as what a user will get, measured over several seeds: bench/reports/claims.md + .json.

A claim is the worst of the seeds, never the best or the mean: `fast` recipe test accuracy at its last
epoch and the CPU seconds its steps take to first reach 98% test; the `shipped` recipe's test accuracy
(with --shipped: it trains the page's model once per seed, minutes each). tests/test_claims.py checks
README against the .json, so a claim cannot drift from its measurement.

    python3 bench/claims.py [--seeds 5] [--shipped]
"""
import argparse
import importlib.util
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

os.environ["OPENBLAS_NUM_THREADS"] = "1"  # before numpy: the build trains on one BLAS thread too

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402

from buildlib.paths import mnist_dir  # noqa: E402
from mlp_core.data import load_mnist  # noqa: E402
from mlp_core.recipes import RECIPES  # noqa: E402

REPORT = REPO / "bench" / "reports" / "claims.md"
TARGET = 0.98  # the accuracy whose time README quotes for `fast`


def _bench_core():
    """bench/core.py as a module: its train_with_test_curve is the one per-epoch test-accuracy loop."""
    spec = importlib.util.spec_from_file_location("bench_core", REPO / "bench" / "core.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def spread(values):
    """min / median / max of a list of numbers (None where a seed never got there)."""
    got = [v for v in values if v is not None]
    return {"min": min(got) if got else None, "median": statistics.median(got) if got else None,
            "max": max(got) if got else None, "missing": len(values) - len(got), "values": values}


def measure_fast(mnist, seeds, log):
    curve = _bench_core().train_with_test_curve
    runs = []
    for seed in seeds:
        rows, _ = curve(RECIPES["fast"].replace(seed=seed), mnist, log)
        hit = next((r for r in rows if r["test_acc"] >= TARGET), None)
        runs.append({"seed": seed, "test_acc": rows[-1]["test_acc"], "val_acc": rows[-1]["val_acc"],
                     "epochs": len(rows), "cpu_seconds": rows[-1]["seconds"],
                     "cpu_seconds_to_target": None if hit is None else hit["seconds"],
                     "epoch_to_target": None if hit is None else hit["epoch"]})
    return {"recipe": repr(RECIPES["fast"]), "target": TARGET, "runs": runs,
            "test_acc": spread([r["test_acc"] for r in runs]),
            "val_acc": spread([r["val_acc"] for r in runs]),
            "cpu_seconds_to_target": spread([r["cpu_seconds_to_target"] for r in runs])}


def measure_shipped(mnist, seeds, log, keep):
    """The shipped recipe once per seed, trained and calibrated exactly as the build does (buildlib.model);
    each model is kept in ``keep`` so the drawn benchmark can measure it too."""
    from buildlib.model import fingerprint, train_shipped
    from mlp_core.modelio import save_model

    keep.mkdir(parents=True, exist_ok=True)
    runs = []
    for seed in seeds:
        model = train_shipped(RECIPES["shipped"].replace(seed=seed), mnist, f"'shipped' seed {seed}")
        save_model(model, keep / f"shipped-seed{seed}.npz")
        runs.append({"seed": seed, "test_acc": model.metadata["test_accuracy"], "fingerprint": fingerprint(model),
                     "cpu_seconds": model.metadata["train_seconds"]})
        log(f"  shipped seed {seed}: test {runs[-1]['test_acc']:.4f}")
    return {"recipe": repr(RECIPES["shipped"]), "runs": runs, "test_acc": spread([r["test_acc"] for r in runs])}


def fold_drawn(paths):
    """bench/drawn.py's CPython sets for each seed's shipped model: accuracy per set over the seeds."""
    reports = [json.loads(Path(path).read_text()) for path in paths]
    names = [name for name in reports[0]["sets"] if not name.startswith("page")]  # the page run is the build's model only
    return {"models": [r["model_sha256"] for r in reports],
            "sets": {name: spread([r["sets"][name]["accuracy"] for r in reports]) for name in names}}


def _row(name, s, fmt):
    cell = lambda v: "–" if v is None else fmt.format(v)  # noqa: E731
    missing = f" ({s['missing']} never)" if s["missing"] else ""
    return f"| {name} | {cell(s['min'])} | {cell(s['median'])} | {cell(s['max'])}{missing} | {', '.join(cell(v) for v in s['values'])} |"


def write_report(result):
    lines = ["# Claims, measured over seeds", "",
             f"Run {result['date']} on {result['machine']}, Python {result['python']}, numpy {result['numpy']}, "
             f"OPENBLAS_NUM_THREADS=1. Command: `{result['command']}`.",
             "A claim in README is the worst seed (the min column); tests/test_claims.py holds README to this file's .json.",
             "CPU s = CPU time of the minibatch steps (evaluation excluded); CPU time moves ~25% between runs on a shared machine.",
             "", "| what | min | median | max | per seed |", "|---|---|---|---|---|"]
    fast = result["fast"]
    lines.append(_row(f"`fast` test accuracy, epoch {fast['runs'][0]['epochs']}", fast["test_acc"], "{:.4f}"))
    lines.append(_row("`fast` validation accuracy", fast["val_acc"], "{:.4f}"))
    lines.append(_row(f"`fast` CPU s to {TARGET:.0%} test", fast["cpu_seconds_to_target"], "{:.1f}"))
    if "shipped" in result:
        lines.append(_row("`shipped` test accuracy", result["shipped"]["test_acc"], "{:.4f}"))
    for name, values in result.get("drawn", {}).get("sets", {}).items():
        lines.append(_row(f"`shipped`, drawn: {name}", values, "{:.4f}"))
    lines += ["", f"Seeds: {', '.join(str(r['seed']) for r in fast['runs'])}. Recipe: `{fast['recipe']}`."]
    if "shipped" in result:
        lines.append(f"Shipped recipe: `{result['shipped']['recipe']}`, trained and calibrated by buildlib.model.train_shipped "
                     "as the build does; seed 0 is the build's own model.")
    if "drawn" in result:
        lines.append("Drawn rows: `bench/drawn.py` (CPython sets; the page run is of the build's model only, "
                     "bench/reports/drawn.md) on each seed's shipped model, in seed order.")
    REPORT.write_text("\n".join(lines) + "\n")
    REPORT.with_suffix(".json").write_text(json.dumps(result, indent=1) + "\n")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--shipped", action="store_true", help="also train the shipped recipe once per seed (minutes each)")
    parser.add_argument("--shipped-only", action="store_true",
                        help="measure the shipped recipe only and keep the fast runs of the last report (same code, same seeds)")
    parser.add_argument("--fast-only", action="store_true",
                        help="measure the fast recipe only and keep the shipped and drawn rows of the last report (same code, same seeds)")
    parser.add_argument("--drawn", nargs="+", metavar="JSON",
                        help="bench/drawn.py reports of each seed's shipped model (--keep), folded into the report")
    parser.add_argument("--keep", default="/tmp/claims-models", help="with --shipped: where each seed's model is saved")
    args = parser.parse_args(argv)
    log = lambda text: print(text, flush=True)  # noqa: E731
    mnist = load_mnist(mnist_dir())
    seeds = list(range(args.seeds))
    result = {"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
              "machine": f"{platform.machine()}, {os.cpu_count()} cores", "python": platform.python_version(),
              "numpy": np.__version__, "command": "python3 bench/claims.py " + " ".join(argv or sys.argv[1:])}
    last = json.loads(REPORT.with_suffix(".json").read_text()) if REPORT.with_suffix(".json").is_file() else {}
    if args.drawn and not (args.shipped or args.shipped_only):
        # fold drawn runs into the last report, which keeps its own date and command beside this one's
        result.update({"fast": last["fast"], "shipped": last["shipped"], "date": last["date"],
                       "command": f"{last['command']}`, then `{result['command']}"})
    elif args.shipped_only:
        result["fast"] = last["fast"]
    else:
        result["fast"] = measure_fast(mnist, seeds, log)
        if args.fast_only:
            result.update({key: last[key] for key in ("shipped", "drawn") if key in last})
            result["command"] += f"` (the fast rows); the shipped rows are of {last['date']}: `{last['command']}"
    if args.shipped or args.shipped_only:
        result["shipped"] = measure_shipped(mnist, seeds, log, Path(args.keep))
    if args.drawn:
        result["drawn"] = fold_drawn(args.drawn)
    write_report(result)
    print(REPORT.read_text())


if __name__ == "__main__":
    main()
