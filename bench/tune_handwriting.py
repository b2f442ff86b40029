"""The tuning set for the shipped model's handwriting choices (preprocessing, augmentation, network size,
temperature, the "unsure" rule) -- never the numbers to report.

Its strokes are written here, by hand, apart from mlp_core.strokes (the templates the shipped model is
trained on), and drawn the way the page's pad draws: a Catmull-Rom curve through the samples,
a round pen 7% of a 280-pixel pad, anti-aliased, at several sizes and places on the pad. It also holds
things that are not digits (dashes, crosses, scribbles) for the unsure rule, and scores a model on the last
5,000 MNIST training images when the model was trained without them (recipe validation_size=5000).

    .venv/bin/python bench/tune_handwriting.py MODEL.npz [--normalise-stroke]
    .venv/bin/python bench/tune_handwriting.py OUT.npz --train [--set sizes=784,100,200,10 --set epochs=8 ...]
      (trains recipe `shipped` with the overrides the way the build does, calibrates it, saves OUT.npz)
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from mlp_core import load_model, save_model  # noqa: E402
from mlp_core.confidence import expected_calibration_error, verdicts  # noqa: E402
from buildlib.paths import mnist_dir  # noqa: E402
from mlp_core.data import load_mnist  # noqa: E402
from mlp_core.preprocess import to_mnist  # noqa: E402

PAD = 280
PEN = 0.07 * PAD


def arc(cx, cy, rx, ry, a0, a1, n=20):
    return [(cx + rx * math.cos(math.radians(a)), cy - ry * math.sin(math.radians(a)))
            for a in np.linspace(a0, a1, n)]


# digit -> list of variants, strokes in a unit box (x right, y down), written independently of mlp_core.strokes.
TUNE = {
    0: [[arc(0.52, 0.5, 0.3, 0.42, 100, 470)], [arc(0.5, 0.5, 0.22, 0.45, 60, 420)],
        [arc(0.5, 0.52, 0.34, 0.4, 120, 500)]],
    1: [[[(0.55, 0.05), (0.5, 0.95)]], [[(0.3, 0.3), (0.6, 0.05), (0.6, 0.95)]],
        [[(0.38, 0.22), (0.58, 0.05), (0.54, 0.95)], [(0.35, 0.95), (0.75, 0.95)]],
        [[(0.2, 0.35), (0.45, 0.2), (0.62, 0.05), (0.55, 0.5), (0.48, 0.95)]]],
    2: [[arc(0.48, 0.32, 0.28, 0.26, 150, -30) + [(0.2, 0.93), (0.85, 0.93)]],
        [arc(0.5, 0.3, 0.3, 0.25, 170, -40) + [(0.3, 0.82), (0.18, 0.9), (0.3, 0.96), (0.4, 0.86), (0.6, 0.92),
                                                 (0.85, 0.92)]],
        [[(0.2, 0.2), (0.4, 0.07), (0.7, 0.1), (0.75, 0.3), (0.5, 0.6), (0.2, 0.92), (0.85, 0.9)]]],
    3: [[arc(0.5, 0.28, 0.27, 0.22, 160, -95) + arc(0.5, 0.72, 0.3, 0.23, 95, -160)],
        [[(0.2, 0.06), (0.8, 0.06), (0.45, 0.4)] + arc(0.5, 0.67, 0.3, 0.27, 100, -160)],
        [arc(0.45, 0.28, 0.25, 0.22, 150, -80), arc(0.45, 0.72, 0.3, 0.24, 80, -150)]],
    4: [[[(0.5, 0.05), (0.15, 0.65), (0.85, 0.65)], [(0.65, 0.35), (0.65, 0.95)]],
        [[(0.68, 0.95), (0.68, 0.05), (0.12, 0.66), (0.88, 0.66)]],
        [[(0.2, 0.05), (0.18, 0.5), (0.85, 0.5)], [(0.72, 0.05), (0.7, 0.95)]]],
    5: [[[(0.78, 0.06), (0.3, 0.06), (0.25, 0.45)] + arc(0.48, 0.68, 0.3, 0.26, 140, -160)],
        [[(0.3, 0.06), (0.26, 0.46)] + arc(0.48, 0.68, 0.3, 0.25, 135, -155), [(0.3, 0.06), (0.8, 0.08)]],
        [[(0.8, 0.05), (0.35, 0.08), (0.3, 0.42), (0.7, 0.45), (0.8, 0.7), (0.6, 0.93), (0.2, 0.85)]]],
    6: [[arc(0.55, 0.4, 0.3, 0.35, 40, 185) + arc(0.5, 0.7, 0.27, 0.24, 185, -175)],
        [[(0.7, 0.05), (0.28, 0.6)] + arc(0.5, 0.7, 0.25, 0.24, 200, -160)],
        [arc(0.5, 0.34, 0.26, 0.3, 20, 175) + arc(0.5, 0.7, 0.25, 0.22, 175, -185)]],
    7: [[[(0.15, 0.08), (0.85, 0.08), (0.4, 0.95)]],
        [[(0.15, 0.08), (0.85, 0.08), (0.4, 0.95)], [(0.3, 0.52), (0.8, 0.5)]],
        [[(0.15, 0.22), (0.18, 0.06), (0.85, 0.08), (0.6, 0.5), (0.45, 0.95)]]],
    8: [[arc(0.5, 0.27, 0.23, 0.22, 0, 360), arc(0.5, 0.72, 0.28, 0.23, 90, 450)],
        [[(0.72, 0.12)] + arc(0.5, 0.25, 0.22, 0.2, 30, 250) + [(0.7, 0.62)] + arc(0.5, 0.73, 0.25, 0.22, 60, -250)
         + [(0.7, 0.2)]],
        [arc(0.5, 0.3, 0.2, 0.24, 90, 450), arc(0.5, 0.74, 0.3, 0.2, 90, 450)]],
    9: [[arc(0.47, 0.3, 0.26, 0.24, 10, 370), [(0.73, 0.3), (0.7, 0.95)]],
        [arc(0.47, 0.3, 0.26, 0.24, 0, 370) + [(0.72, 0.7), (0.55, 0.93), (0.3, 0.9)]],
        [arc(0.5, 0.28, 0.28, 0.22, 20, 380) + [(0.65, 0.6), (0.5, 0.95)]]],
}

# Things that are not digits: the page should say it is unsure about every one.
NOT_DIGITS = {
    "dash": [[(0.1, 0.5), (0.9, 0.5)]],
    "short dash": [[(0.3, 0.5), (0.7, 0.52)]],
    "tilted dash": [[(0.1, 0.56), (0.9, 0.44)]],
    "equals": [[(0.15, 0.4), (0.85, 0.4)], [(0.15, 0.6), (0.85, 0.6)]],
    "cross": [[(0.15, 0.15), (0.85, 0.85)], [(0.85, 0.15), (0.15, 0.85)]],
    "plus": [[(0.5, 0.1), (0.5, 0.9)], [(0.1, 0.5), (0.9, 0.5)]],
    "scribble": [[(0.1, 0.3), (0.9, 0.35), (0.15, 0.45), (0.85, 0.5), (0.1, 0.6), (0.9, 0.65), (0.2, 0.75)]],
    "zigzag": [[(0.05, 0.6), (0.2, 0.4), (0.35, 0.6), (0.5, 0.4), (0.65, 0.6), (0.8, 0.4), (0.95, 0.6)]],
    "hash": [[(0.35, 0.1), (0.3, 0.9)], [(0.65, 0.1), (0.6, 0.9)], [(0.1, 0.35), (0.9, 0.35)],
             [(0.1, 0.65), (0.9, 0.65)]],
}

# (height of the glyph as a fraction of the pad, centre x, centre y, width squeeze)
PLACES = [(0.6, 0.5, 0.5, 1.0), (0.35, 0.3, 0.3, 1.0), (0.85, 0.5, 0.5, 0.8), (0.45, 0.7, 0.65, 1.1),
          (0.25, 0.5, 0.45, 1.0), (0.7, 0.45, 0.55, 0.7)]


def densify(points, step=4.0):
    """A sample every few pixels along the stroke, as pointer events arrive from a mouse."""
    p = np.asarray(points, np.float64)
    out = [p[0]]
    for a, b in zip(p[:-1], p[1:]):
        n = max(1, int(np.hypot(*(b - a)) / step))
        out.extend(a + (b - a) * i / n for i in range(1, n + 1))
    return np.asarray(out)


def smooth(points, pieces=8):
    """The pad's path (pad.js drawStrokes): a curve through every sample, Catmull-Rom drawn as cubic Beziers, as a
    dense polyline."""
    p = np.asarray(points, np.float64)
    if len(p) < 3:
        return p
    q = np.concatenate([p[:1], p, p[-1:]])  # the ends repeat, as pad.js clamps its neighbours
    t = np.linspace(0.0, 1.0, pieces + 1)[1:, None]
    out = [p[:1]]
    for a, b, c, d in zip(q, q[1:], q[2:], q[3:]):
        first, second = b + (c - a) / 6, c - (d - b) / 6
        out.append((1 - t) ** 3 * b + 3 * (1 - t) ** 2 * t * first + 3 * (1 - t) * t ** 2 * second + t ** 3 * c)
    return np.concatenate(out)


def pad_ink(strokes, place):
    """Strokes (unit box) placed on the pad and drawn with the pad's round pen; (280, 280) in [0, 1]."""
    height, cx, cy, squeeze = place
    ink = np.zeros((PAD, PAD), np.float32)
    for stroke in strokes:
        p = np.asarray(stroke, np.float64) - 0.5
        p = np.stack([cx + p[:, 0] * height * squeeze, cy + p[:, 1] * height], axis=1) * PAD
        path = smooth(densify(p))
        if len(path) == 1:
            path = np.concatenate([path, path])
        for a, b in zip(path[:-1], path[1:]):
            lo = np.floor(np.minimum(a, b) - PEN).astype(int).clip(0, PAD)
            hi = np.ceil(np.maximum(a, b) + PEN).astype(int).clip(0, PAD)
            ys, xs = np.mgrid[lo[1]:hi[1], lo[0]:hi[0]] + 0.5
            d = b - a
            t = np.clip(((xs - a[0]) * d[0] + (ys - a[1]) * d[1]) / max(d @ d, 1e-9), 0, 1)
            dist = np.hypot(xs - a[0] - t * d[0], ys - a[1] - t * d[1])
            cover = np.clip(PEN / 2 - dist + 0.5, 0, 1)
            window = ink[lo[1]:hi[1], lo[0]:hi[0]]
            np.maximum(window, cover, out=window)
    return ink


def drawn_set(templates, normalise_stroke=False):
    images, labels, names = [], [], []
    for label, variants in templates.items():
        for v, strokes in enumerate(variants if isinstance(variants, list) else [variants]):
            for place in PLACES:
                image = to_mnist(pad_ink(strokes, place), normalise_stroke=normalise_stroke)
                images.append(image.reshape(-1))
                labels.append(label)
                names.append(f"{label}/{v}")
    return np.asarray(images, np.float32), labels, names


def report(model, x, y, title):
    probs = model.predict_proba(x)
    pred = probs.argmax(1)
    y = np.asarray(y)
    right = pred == y
    per_class = {c: float(right[y == c].mean()) for c in range(10) if (y == c).any()}
    print(f"{title}: {right.mean():.4f} ({right.sum()}/{len(y)}), ECE {expected_calibration_error(probs, y):.4f}, "
          f"wrong at >=90%: {int(((probs.max(1) >= 0.9) & ~right).sum())}")
    print("  per class " + " ".join(f"{c}:{a:.2f}" for c, a in per_class.items()))
    return probs, pred


def train(out, settings):
    import ast
    import time

    from buildlib.model import calibrate, training_sets
    from mlp_core.recipes import RECIPES
    from mlp_core.trainer import Trainer

    overrides = {}
    for item in settings:
        name, _, text = item.partition("=")
        overrides[name] = tuple(int(v) for v in text.split(",")) if name == "sizes" else ast.literal_eval(text)
    recipe = RECIPES["shipped"].replace(**overrides)
    mnist = load_mnist(mnist_dir())
    train_x, train_y, held_x, held_y = training_sets(recipe, mnist)
    trainer = Trainer(recipe, train_x, train_y)
    started = time.process_time()
    while not trainer.run(max_seconds=30)["done"]:
        print(f"  epoch {trainer.epoch}/{recipe.epochs} ({time.process_time() - started:.0f} s CPU)", flush=True)
    model = trainer.model
    model.metadata.update({"test_accuracy": model.accuracy(mnist["test_x"], mnist["test_y"]),
                           "train_cpu_seconds": time.process_time() - started, "validation_size": recipe.validation_size})
    model.metadata.update(calibrate(model, recipe, held_x, held_y, mnist["test_x"], mnist["test_y"]))
    save_model(model, out)
    print({k: model.metadata[k] for k in ("test_accuracy", "train_cpu_seconds", "temperature", "test_ece_before",
                                          "test_ece_after")})


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model")
    parser.add_argument("--normalise-stroke", action="store_true", help="to_mnist with the skeleton stroke normalisation")
    parser.add_argument("--train", action="store_true", help="train recipe shipped (with --set overrides) into MODEL")
    parser.add_argument("--set", action="append", default=[], metavar="FIELD=VALUE")
    args = parser.parse_args(argv)
    if args.train:
        train(args.model, args.set)
    model = load_model(args.model)
    print(f"model {args.model}: sizes {model.sizes}, temperature {model.metadata.get('temperature')}")
    x, y, names = drawn_set(TUNE, args.normalise_stroke)
    probs, pred = report(model, x, y, "tune strokes")
    misses = sorted({f"{n}->{p}" for n, p, t in zip(names, pred, y) if p != t})
    print("  misses: " + ", ".join(misses))
    min_energy = model.metadata.get("min_energy")
    found = verdicts(probs, x, model.logits(x), min_energy)
    unsure = np.array([v["unsure"] for v in found])
    print(f"  unsure on digits: {unsure.mean():.3f}; of the wrong ones: {unsure[pred != np.asarray(y)].mean() if (pred != np.asarray(y)).any() else 1:.3f}")
    ox, _, onames = drawn_set({k: [v] for k, v in enumerate(NOT_DIGITS.values())}, args.normalise_stroke)
    oprobs = model.predict_proba(ox)
    overdicts = verdicts(oprobs, ox, model.logits(ox), min_energy)
    caught = np.array([v["unsure"] for v in overdicts])
    kinds = list(NOT_DIGITS)
    print(f"not digits: unsure on {caught.mean():.3f}; missed: "
          + ", ".join(sorted({f"{kinds[int(n.split('/')[0])]}->{v['digit']} {v['p']:.2f}"
                              for n, v, c in zip(onames, overdicts, caught) if not c})))
    if model.metadata.get("validation_size", 0) or model.metadata.get("recipe", {}).get("validation_size"):
        mnist = load_mnist(mnist_dir())
        vx = mnist["train_x"][-5000:] / np.float32(255)
        vprobs, vpred = report(model, vx, mnist["train_y"][-5000:], "MNIST validation (last 5,000, held out)")
        v_unsure = np.array([v["unsure"] for v in verdicts(vprobs, vx, model.logits(vx), min_energy)])
        print(f"  unsure on MNIST validation: {v_unsure.mean():.4f}")


if __name__ == "__main__":
    main()
