"""Choosing the fine-tuning settings (mlp_core/finetune.py) without looking at what bench/teach.py reports.

For each simulated writer of bench/teach.py, in CPython (bench/pen.py's canvas-like pen, to_mnist, the
model), with the writer's hand applied to the style catalogue's TUNE split only:
- teaching digits: the first CORRECTIONS drawings of each style the model misreads (as the page benchmark
  teaches), of which mlp_core.finetune.hold_out keeps every 5th of a label out, as the page does;
- tuning held-out: the style's other TUNE drawings, as drawn and through an unsteady hand;
- forgetting: accuracy on the shipped recipe's held-out MNIST tail (the training images the shipped model
  never trained on and fine-tuning never replays), before and after.
Every setting of a small grid is run for every writer; the rule in `choose` picks one. No MNIST test image
and no REPORT drawing is read here.

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
from mlp_core.finetune import FINETUNE, REPLAY_IMAGES, finetune, hold_out  # noqa: E402
from mlp_core.recipes import RECIPES  # noqa: E402

SEED = 20261201
UNSTEADY_COPIES = 4  # unsteady-hand copies of each tuning held-out drawing
# The grid. Cost in the page is about steps x batch (samples); the page's budget is a few seconds.
GRID = {"optimizer": ("momentum",), "batch_size": (32, 64), "steps": (40, 80, 160), "lr": (0.002, 0.005), "own_share": (0.05, 0.1)}
# ... and AdamW (the Trainer's other optimizer) at learning rates that suit it, at the grid's middle setting.
EXTRA = [{"optimizer": "adamw", "batch_size": 64, "steps": 80, "lr": lr, "own_share": 0.05} for lr in (1e-4, 3e-4)]
MAX_VALIDATION_DROP = TARGET_MNIST_DROP  # no setting met a margin under the target (bench/reports/teach_tuning.md)
# A writer whose misread styles are drawn like another MNIST class: its 1s (flagged, squat and turned) are MNIST's
# 7s, so learning them costs MNIST 7s at every setting of the grid (0.3-1.1 validation points). Kept in both
# benchmarks, shown plainly, and left out of the rule: no setting can serve it without failing everyone else.
CONFLICTING = ("squat, tilted",)


def render(strokes_list) -> np.ndarray:
    """Drawings -> uint8 (N, 784) images, as the page keeps a corrected digit (round(255 * to_mnist))."""
    side, width = pen.page_pen()
    return np.round(255 * prepare([pen.render(s, side, width) for s in strokes_list])).astype(np.uint8)


def writer_sets(model, name, rng):
    """(teach images, labels, held images, labels, misread styles) of one writer, TUNE split only."""
    hand, styles = WRITERS[name]
    tune = drawings("tune", styles, hand)
    misread = []
    for style in styles:
        items = tune[style][:CORRECTIONS]
        x = render([s for _, s in items])
        if (model.predict(x / np.float32(255)) != [label for label, _ in items]).any():
            misread.append(style)
    teach = [item for s in misread for item in tune[s][:CORRECTIONS]]
    rest = [item for s in misread for item in tune[s][CORRECTIONS:]]
    # The rest again as an unsteady hand draws them: the writer's hand, then wobble, then the same placement
    # (drawings() orders a style's drawings placement by placement, variant by variant).
    authored = {s: [(d, p) for p in PLACEMENTS for d in load("tune") if d.style == s][CORRECTIONS:] for s in misread}
    wobbly = [(d.label, place(unsteady(hand(d.strokes), rng), p)) for s in misread for d, p in authored[s]
              for _ in range(UNSTEADY_COPIES)]
    held = rest + wobbly
    labels = lambda items: np.array([label for label, _ in items], np.uint8)
    return render([s for _, s in teach]), labels(teach), render([s for _, s in held]), labels(held), misread


def run_grid(model, writers, replay, validation, log):
    rows = []
    val_before = model.accuracy(*validation)
    for setting in [dict(zip(GRID, values)) for values in itertools.product(*GRID.values())] + EXTRA:
        recipe = FINETUNE.replace(optimizer=setting["optimizer"], batch_size=setting["batch_size"], lr=setting["lr"])
        results = []
        for name, (tx, ty, hx, hy, misread) in writers.items():
            teach, _ = hold_out(ty)  # the page trains on 4 of each 5 of a label
            tuned = finetune(model, tx[teach], ty[teach], *replay, np.random.default_rng(SEED), steps=setting["steps"],
                             own_share=setting["own_share"], recipe=recipe)
            results.append({"writer": name, "held": tuned.accuracy(hx, hy), "drop": val_before - tuned.accuracy(*validation)})
        ruled = [r for r in results if r["writer"] not in CONFLICTING]
        row = {**setting, "samples": setting["steps"] * setting["batch_size"], "results": results,
               "min_held": min(r["held"] for r in ruled), "max_drop": max(r["drop"] for r in ruled)}
        log(f"{setting}: min held {row['min_held']:.3f}, max validation drop {100 * row['max_drop']:.2f} points")
        rows.append(row)
    return rows, val_before


def choose(rows):
    """The cheapest setting (fewest samples) that reads every writer's held-out drawings >= the target and costs
    every writer <= MAX_VALIDATION_DROP on validation (CONFLICTING writers aside); ties: the higher worst held-out,
    then the smaller worst drop."""
    good = [r for r in rows if r["min_held"] >= TARGET_HELD_OUT and r["max_drop"] <= MAX_VALIDATION_DROP]
    pool = good or rows
    return min(pool, key=lambda r: (r["samples"], -r["min_held"], r["max_drop"]) if good else (-r["min_held"], r["max_drop"]))


def report(rows, chosen, val_before, writers, model_note) -> str:
    names = list(writers)
    lines = ["# Choosing the fine-tuning settings (validation and the catalogue's TUNE split only)", "",
             f"Generated by `python bench/teach_tune.py` on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {model_note}. "
             "No MNIST test image and no REPORT drawing is read by this script.", "",
             f"- Forgetting: accuracy on the shipped recipe's held-out MNIST tail "
             f"(before: {100 * val_before:.2f}%), never trained on by the shipped model, never replayed by fine-tuning.",
             f"- Writers (bench/teach.py WRITERS) in their hands, TUNE drawings: {CORRECTIONS} teaching drawings per misread style "
             f"(every 5th of a label held out, as the page does); tuning held-out: the style's other TUNE drawings plus "
             f"{UNSTEADY_COPIES} unsteady-hand copies of each.",
             f"- Rule: the fewest samples (steps x batch, what the page pays for) with every writer's held-out >= "
             f"{TARGET_HELD_OUT:.0%} and every validation drop <= {100 * MAX_VALIDATION_DROP:.1f} points; 'worst' columns leave out "
             f"{', '.join(CONFLICTING)} (its styles are drawn like another MNIST class: see bench/teach_tune.py CONFLICTING).", "",
             "| writer | misread styles (taught) | teaching digits | tuning held-out |", "|---|---|---|---|"]
    lines += [f"| {n} | {', '.join(w[4]) or 'none'} | {len(w[1])} | {len(w[3])} |" for n, w in writers.items()]
    lines += ["", "| optimizer | batch | steps | lr | own share | samples | " + " | ".join(f"{n}: held / drop" for n in names) + " | worst held | worst drop |",
              "|" + "---|" * (8 + len(names))]
    for r in rows:
        mark = " **(chosen)**" if r is chosen else ""
        cells = [f"{100 * x['held']:.0f}% / {100 * x['drop']:+.2f}" for x in r["results"]]
        lines.append(f"| {r['optimizer']} | {r['batch_size']} | {r['steps']} | {r['lr']} | {r['own_share']} | {r['samples']}{mark} | " + " | ".join(cells)
                     + f" | {100 * r['min_held']:.0f}% | {100 * r['max_drop']:.2f} |")
    lines += ["", f"Chosen: {chosen['optimizer']}, batch {chosen['batch_size']}, {chosen['steps']} steps, lr {chosen['lr']}, own share {chosen['own_share']} "
              f"(mlp_core/finetune.py FINETUNE, STEPS, OWN_SHARE)."]
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
    writers = {name: writer_sets(model, name, rng) for name in args.writers}
    taught = {name: w for name, w in writers.items() if w[4]}
    for name, w in writers.items():
        print(f"{name}: misread {w[4]}, {len(w[1])} teaching, {len(w[3])} held-out "
              f"(read before: {model.accuracy(w[2], w[3]) if len(w[3]) else float('nan'):.3f})", flush=True)
    rows, val_before = run_grid(model, taught, replay, validation, lambda line: print(line, flush=True))
    chosen = choose(rows)
    note = f"model {model_path.name} ({'-'.join(map(str, model.sizes))}, recipe {model.metadata.get('recipe', {}).get('name')})"
    args.out.write_text(report(rows, chosen, val_before, writers, note))
    print(f"chosen {chosen}; wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
