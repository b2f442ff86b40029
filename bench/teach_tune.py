"""Choosing the fine-tuning settings (mlp_core/finetune.py) without looking at what bench/teach.py reports.

For each simulated writer of bench/teach.py, in CPython (bench/pen.py's canvas-like pen, to_mnist, the
model), with the writer's hand applied to the style catalogue's TUNE split only. The catalogue authors each
style twice; each writer is tuned twice, once per authored shape (a fold):
- teaching digits: CORRECTIONS drawings of one authored shape of each style the model misreads (its placements,
  then an unsteady copy), of which mlp_core.finetune.hold_out keeps every 5th of a label out, as the page does;
- tuning held-out: the style's other authored shape, at every placement, as drawn and through an unsteady hand.
  Held-out drawings of the taught shape itself would flatter a setting: the page's writers are measured on
  REPORT shapes they never taught (an earlier version of this script did so: its 96-100% became 75-88% there);
- forgetting: accuracy on the shipped recipe's held-out MNIST tail (the training images the shipped model
  never trained on and fine-tuning never replays), before and after.
Every setting of a small grid is run for every writer, fold and seed; the rule in `choose` picks one. No MNIST
test image and no REPORT drawing is read here.

    OPENBLAS_NUM_THREADS=1 python bench/teach_tune.py [--model dist/model/pretrained.npz] [--out bench/reports/teach_tuning.md]
"""

from __future__ import annotations

import argparse
import itertools
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench import pen  # noqa: E402
from bench.drawn import prepare  # noqa: E402
from bench.strokes import PLACEMENTS, load, place  # noqa: E402
from bench.strokes.shapes import unsteady  # noqa: E402
from bench.teach import CORRECTIONS, TARGET_HELD_OUT, TARGET_MNIST_DROP, WRITERS, drawings  # noqa: E402
from mlp_core import load_model  # noqa: E402
from mlp_core.data import load_mnist  # noqa: E402
from mlp_core.finetune import DISTIL_TEMPERATURE, FINETUNE, REPLAY_IMAGES, finetune, hold_out  # noqa: E402
from mlp_core.recipes import RECIPES  # noqa: E402

SEED = 20261201
SEEDS = 2  # fine-tuning runs per writer, fold and setting (their rng), averaged: one run's held-out moves by a drawing
UNSTEADY_COPIES = 2  # unsteady-hand copies of each tuning held-out drawing
# The grid. Momentum SGD at lr 0.005 and batch 64 won the first grid (AdamW cost more MNIST for the same reading);
# this one weighs the writer's share of each batch against distillation's pull on the replayed images, with the first
# layer kept (mlp_core.finetune.KEPT_LAYERS) ...
GRID = {"steps": (60, 80), "own_share": (0.05, 0.1, 0.2, 0.3), "distil": (0.0, 3.0, 10.0), "kept": (2,)}
# ... and with every layer learning, at the first grid's choice and at this one's likely region.
EXTRA = [{"steps": 80, "own_share": share, "distil": distil, "kept": 0} for share, distil in ((0.05, 0.0), (0.2, 0.0), (0.2, 3.0))]
# The validation drop allowed. The tail is a rough gauge of the page's MNIST test drop: at the settings the first grid
# chose, the page's drops (bench/reports/teach.md) ran from 0.03 under to 0.26 over the tail's, so a margin under 0.3.
MAX_VALIDATION_DROP = TARGET_MNIST_DROP - 0.001
# A writer whose misread styles are drawn like another MNIST class: its 1s (flagged, squat and turned) are MNIST's
# 7s, so learning them costs MNIST 7s at every setting of the grid. Kept in both benchmarks, shown plainly, and left
# out of the rule: no setting can serve it without failing everyone else.
CONFLICTING = ("squat, tilted",)


def cost(setting, sizes) -> int:
    """A setting's multiply-adds per run for a network of ``sizes``: per sample, the forward pass, the weight
    gradients of the layers that learn and the input gradients between them, and, distilling, the original model's
    answer (its top layers alone when the first ones are kept: both networks share them)."""
    products = [a * b for a, b in zip(sizes[:-1], sizes[1:])]
    top = products[setting["kept"] // 2:]
    per_sample = sum(products) + sum(top) + sum(top[1:]) + (sum(top) if setting["distil"] else 0)
    return setting["steps"] * FINETUNE.batch_size * per_sample


def render(strokes_list) -> np.ndarray:
    """Drawings -> uint8 (N, 784) images, as the page keeps a corrected digit (round(255 * to_mnist))."""
    side, width = pen.page_pen()
    return np.round(255 * prepare([pen.render(s, side, width) for s in strokes_list])).astype(np.uint8)


def writer_folds(model, name, rng):
    """(misread styles, [(teach images, labels, held images, labels) per fold]) of one writer, TUNE split only."""
    hand, styles = WRITERS[name]
    tune = drawings("tune", styles, hand)
    misread = []
    for style in styles:
        items = tune[style][:CORRECTIONS]
        x = render([s for _, s in items])
        if (model.predict(x / np.float32(255)) != [label for label, _ in items]).any():
            misread.append(style)
    shapes = {s: [d for d in load("tune") if d.style == s] for s in misread}
    labels = lambda items: np.array([label for label, _ in items], np.uint8)
    folds = []
    for fold in range(2):
        teach, held = [], []
        for style in misread:
            taught, other = shapes[style][fold], shapes[style][1 - fold]
            mine = [(taught.label, place(hand(taught.strokes), p)) for p in PLACEMENTS]
            mine += [(taught.label, place(unsteady(hand(taught.strokes), rng), p)) for p in PLACEMENTS]
            teach += mine[:CORRECTIONS]
            held += [(other.label, place(hand(other.strokes), p)) for p in PLACEMENTS]
            held += [(other.label, place(unsteady(hand(other.strokes), rng), p)) for p in PLACEMENTS for _ in range(UNSTEADY_COPIES)]
        folds.append((render([s for _, s in teach]), labels(teach), render([s for _, s in held]), labels(held)))
    return misread, folds


def run_grid(model, writers, replay, validation, log):
    rows = []
    val_before = model.accuracy(*validation)
    for setting in [dict(zip(GRID, values)) for values in itertools.product(*GRID.values())] + EXTRA:
        results = []
        for name, (misread, folds) in writers.items():
            held, drops = [], []
            for teach_x, teach_y, held_x, held_y in folds:
                teach, _ = hold_out(teach_y)  # the page trains on 4 of each 5 of a label
                for seed in range(SEED, SEED + SEEDS):
                    tuned = finetune(model, teach_x[teach], teach_y[teach], *replay, np.random.default_rng(seed), **setting)
                    held.append(tuned.accuracy(held_x, held_y))
                    drops.append(val_before - tuned.accuracy(*validation))
            results.append({"writer": name, "held": float(np.mean(held)), "drop": float(np.mean(drops))})
        ruled = [r for r in results if r["writer"] not in CONFLICTING]
        row = {**setting, "cost": cost(setting, model.sizes), "results": results,
               "min_held": min(r["held"] for r in ruled), "max_drop": max(r["drop"] for r in ruled)}
        log(f"{setting}: min held {row['min_held']:.3f}, max validation drop {100 * row['max_drop']:.2f} points")
        rows.append(row)
    return rows, val_before


def choose(rows):
    """The cheapest setting (cost()) that reads every writer's held-out drawings >= the target and costs every
    writer <= MAX_VALIDATION_DROP on validation (CONFLICTING writers aside); ties: the higher worst held-out, then
    the smaller worst drop. With none, the best worst held-out among those within the drop."""
    good = [r for r in rows if r["min_held"] >= TARGET_HELD_OUT and r["max_drop"] <= MAX_VALIDATION_DROP]
    if good:
        return min(good, key=lambda r: (r["cost"], -r["min_held"], r["max_drop"]))
    pool = [r for r in rows if r["max_drop"] <= MAX_VALIDATION_DROP] or rows
    return min(pool, key=lambda r: (-r["min_held"], r["max_drop"]))


def report(rows, chosen, val_before, writers, read_before, model_note) -> str:
    """``read_before``: writer -> the model's reading of each fold's held-out drawings before tuning."""
    names = list(writers)
    lines = ["# Choosing the fine-tuning settings (validation and the catalogue's TUNE split only)", "",
             f"Generated by `python bench/teach_tune.py` on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {model_note}. "
             "No MNIST test image and no REPORT drawing is read by this script.", "",
             f"- Forgetting: accuracy on the shipped recipe's held-out MNIST tail "
             f"(before: {100 * val_before:.2f}%), never trained on by the shipped model, never replayed by fine-tuning.",
             f"- Writers (bench/teach.py WRITERS) in their hands, TUNE drawings, two folds: {CORRECTIONS} teaching drawings of one "
             f"authored shape per misread style (every 5th of a label held out, as the page does); tuning held-out: the "
             f"style's other authored shape at every placement, plus {UNSTEADY_COPIES} unsteady-hand copies of each. "
             f"Each cell is the mean of 2 folds x {SEEDS} seeds.",
             f"- Fixed: {FINETUNE.optimizer} SGD, lr {FINETUNE.lr} {FINETUNE.schedule}, batch {FINETUNE.batch_size}, augmentation on, "
             f"distillation temperature {DISTIL_TEMPERATURE}.",
             f"- Rule: the lowest cost (multiply-adds of a run: bench/teach_tune.py cost) with every "
             f"writer's held-out >= {TARGET_HELD_OUT:.0%} and every validation drop <= {100 * MAX_VALIDATION_DROP:.1f} points; "
             f"'worst' columns leave out {', '.join(CONFLICTING)} (its styles are drawn like another MNIST class: see "
             "bench/teach_tune.py CONFLICTING).", "",
             "| writer | misread styles (taught) | teaching digits per fold | tuning held-out per fold | read before |",
             "|---|---|---|---|---|"]
    for n, (misread, folds) in writers.items():
        before = f"{100 * np.mean(read_before[n]):.0f}%" if n in read_before else "–"
        lines.append(f"| {n} | {', '.join(misread) or 'none'} | {len(folds[0][1]) if folds else 0} | "
                     f"{len(folds[0][3]) if folds else 0} | {before} |")
    lines += ["", "| steps | own share | distil | kept layers | cost (G multiply-adds) | " + " | ".join(f"{n}: held / drop" for n in names)
              + " | worst held | worst drop |", "|" + "---|" * (7 + len(names))]
    for r in rows:
        mark = " **(chosen)**" if r is chosen else ""
        cells = [f"{100 * x['held']:.0f}% / {100 * x['drop']:+.2f}" for x in r["results"]]
        lines.append(f"| {r['steps']} | {r['own_share']} | {r['distil']} | {r['kept']} | {r['cost'] / 1e9:.1f}{mark} | " + " | ".join(cells)
                     + f" | {100 * r['min_held']:.1f}% | {100 * r['max_drop']:.2f} |")
    lines += ["", f"Chosen: {chosen['steps']} steps, own share {chosen['own_share']}, distil {chosen['distil']}, {chosen['kept']} layers kept "
              "(mlp_core/finetune.py STEPS, OWN_SHARE, DISTIL, KEPT_LAYERS)."]
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=None, help="default: build.py's dist/model/pretrained.npz")
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "reports" / "teach_tuning.md")
    parser.add_argument("--writers", nargs="*", choices=sorted(WRITERS), default=list(WRITERS))
    args = parser.parse_args(argv)
    from buildlib.paths import dist_dir
    model_path = args.model or dist_dir() / "model" / "pretrained.npz"
    model = load_model(model_path)
    mnist = load_mnist()
    tail = RECIPES["shipped"].validation_size
    validation = (mnist["train_x"][-tail:], mnist["train_y"][-tail:])
    replay = (mnist["train_x"][:REPLAY_IMAGES], mnist["train_y"][:REPLAY_IMAGES])
    rng = np.random.default_rng(SEED)
    writers = {name: writer_folds(model, name, rng) for name in args.writers}
    taught = {name: w for name, w in writers.items() if w[0]}
    read_before = {name: [model.accuracy(f[2], f[3]) for f in folds] for name, (_, folds) in taught.items()}
    for name, (misread, folds) in writers.items():
        print(f"{name}: misread {misread}, read before per fold {read_before.get(name)}", flush=True)
    rows, val_before = run_grid(model, taught, replay, validation, lambda line: print(line, flush=True))
    chosen = choose(rows)
    note = f"model {model_path.name} ({'-'.join(map(str, model.sizes))}, recipe {model.metadata.get('recipe', {}).get('name')})"
    args.out.write_text(report(rows, chosen, val_before, writers, read_before, note))
    print(f"chosen {chosen}; wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
