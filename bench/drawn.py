"""Drawn-digit benchmark: how well does a model read digits it was not made for, and how honest is its confidence?

Every set here comes from a source the preprocessing did not generate (nothing is drawn by thinning,
which `mlp_core.preprocess.to_mnist` uses):
- page: real mouse strokes on the real pad in headless Chromium (bench/drawn_page.py; `--page`);
- style catalogue, REPORT split (bench/strokes/report.py): hand-authored strokes of the ways people
  write digits that MNIST under-represents, rendered by a canvas-like NumPy pen (bench/pen.py, written
  apart from mlp_core) at the page's pen width, then to_mnist + the model in CPython: the same drawings
  the page run draws, so the two paths can be compared drawing by drawing; its held-out FRESH and BLIND splits
  (bench/strokes/fresh.py, blind.py) the same way, BLIND also on the page;
- MNIST test digits re-rendered with soft pens of many widths (no thinning: upsampled, thresholded,
  grown by an octagonal pen, edges blurred, placed at random sizes and positions on a 280 px canvas);
- digits in handwriting typefaces (bench/fonts.py: designers' hands and many countries' school hands), written by
  Chromium's canvas; REPORT half of the faces (the TUNE half is for choosing designs);
- the UCI optical digits (13 writers MNIST never saw; evaluation only, never trained or tuned on), and MNIST test
  digits counted the way UCI's were, to tell the writers' part of UCI's misreadings from the counting's;
- MNIST test itself.
The catalogue's TUNE split is the only one a design may be chosen on (`--split tune --out FILE` measures
it alone, with no test data, and never into bench/reports/); this report gives REPORT's.

    OPENBLAS_NUM_THREADS=1 python bench/drawn.py [--model dist/model/pretrained.npz] [--page] [--site dist]

Writes bench/reports/drawn.md and drawn.json. `--page-json FILE` reuses a page run instead of drawing again.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench import pen  # noqa: E402
from bench.fonts import font_drawings  # noqa: E402
from bench.strokes import HELD_OUT_SPLITS, PLACEMENTS, SMALL_PLACEMENTS, load, place  # noqa: E402
from bench.strokes.shapes import unsteady  # noqa: E402
from mlp_core import preprocess  # noqa: E402
from mlp_core.confidence import calibration_error as ece  # noqa: E402  (nan for an empty set, as a report wants)

SEED = 20261201
CONFIDENT = 0.9  # "shown at >= 90%"
UNSTEADY_COPIES = 2  # unsteady-hand copies of each catalogue drawing at each placement (CPython path)
CANVAS = pen.page_pen()[0]  # the page's ink grid side, read from pad.js
# MNIST test digits re-rendered with soft pens (count, and ranges: shares of the canvas, threshold, px).
SOFT_PEN_COUNT = 2000
SOFT_PEN = {"size": (0.3, 0.85), "threshold": (0.3, 0.75), "grow": (0.0, 0.05), "blur": (3, 9)}
# The held-out catalogue splits' names in the report (FRESH holds only the styles bench/teach.py teaches).
HELD_OUT_NAMES = {"fresh": "catalogue FRESH (8 styles)", "blind": "catalogue BLIND"}


# ---- measures ---------------------------------------------------------------------------------

def summarise(predicted, confidence, labels) -> dict:
    """Accuracy overall and per class, ECE, and the wrong answers given with >= CONFIDENT confidence."""
    predicted = np.array([-1 if p is None else p for p in predicted])
    confidence = np.array([0.0 if c is None else c for c in confidence], dtype=np.float64)
    labels = np.asarray(labels)
    right = predicted == labels
    classes = {d: (int(right[labels == d].sum()), int((labels == d).sum())) for d in range(10) if (labels == d).any()}
    return {"n": int(labels.size), "accuracy": float(right.mean()), "per_class": classes,
            "ece": ece(confidence, right), "wrong_confident": int((~right & (confidence >= CONFIDENT)).sum())}


def model_answers(model, inputs: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(predicted digit, its probability, all probabilities) for model inputs (N, 784) in [0, 1]."""
    probs = model.predict_proba(np.asarray(inputs, dtype=np.float32))
    return probs.argmax(axis=1), probs.max(axis=1), probs


def prepare(inks) -> np.ndarray:
    """Drawings -> model inputs through today's to_mnist (an empty drawing becomes a blank image)."""
    rows = []
    for ink in inks:
        image = preprocess.to_mnist(ink)
        rows.append(np.zeros(784, np.float32) if image is None else image.ravel())
    return np.array(rows, dtype=np.float32)


# ---- MNIST test digits re-rendered with soft pens (no thinning) ----------------------------------

def _placing_matrix(out_n: int, in_n: int, scale: float, offset: float) -> np.ndarray:
    """(out_n, in_n) bilinear weights: canvas pixel o samples the image at (o + 0.5 - offset) / scale - 0.5."""
    source = (np.arange(out_n) + 0.5 - offset) / scale - 0.5
    low = np.floor(source).astype(int)
    frac = source - low
    matrix = np.zeros((out_n, in_n))
    for index, weight in ((low, 1 - frac), (low + 1, frac)):
        ok = (index >= 0) & (index < in_n)
        matrix[np.flatnonzero(ok), index[ok]] += weight[ok]
    return matrix


def _grow(mask: np.ndarray, steps: int) -> np.ndarray:
    """Dilate by an octagon of radius `steps`: square and cross 3x3 dilations in turn."""
    for step in range(steps):
        padded = np.pad(mask, 1)
        grown = mask | padded[:-2, 1:-1] | padded[2:, 1:-1] | padded[1:-1, :-2] | padded[1:-1, 2:]
        if step % 2 == 0:
            grown |= padded[:-2, :-2] | padded[:-2, 2:] | padded[2:, :-2] | padded[2:, 2:]
        mask = grown
    return mask


def _box_blur(image: np.ndarray, width: int) -> np.ndarray:
    """Separable box blur of odd `width` (soft pen edges); the output has the input's shape."""
    if width <= 1:
        return image
    half = width // 2
    for axis in (0, 1):
        padding = [(0, 0), (0, 0)]
        padding[axis] = (half + 1, half)
        summed = np.cumsum(np.pad(image, padding), axis=axis)
        n = summed.shape[axis]
        image = (np.take(summed, np.arange(width, n), axis=axis) - np.take(summed, np.arange(n - width), axis=axis)) / width
    return image


def soft_pen_canvas(image28: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One MNIST digit (28, 28) in [0, 1] redrawn on a CANVAS x CANVAS canvas with a random soft pen."""
    rows, cols = np.nonzero(image28 > 0.1)
    span = max(rows.max() - rows.min(), cols.max() - cols.min()) + 1
    size = rng.uniform(*SOFT_PEN["size"]) * CANVAS
    scale = size / span
    grow = int(round(rng.uniform(*SOFT_PEN["grow"]) * size))
    blur = int(rng.integers(SOFT_PEN["blur"][0] // 2, SOFT_PEN["blur"][1] // 2 + 1)) * 2 + 1
    margin = grow + blur
    top = rng.uniform(margin, max(margin, CANVAS - margin - size)) - rows.min() * scale
    left = rng.uniform(margin, max(margin, CANVAS - margin - size)) - cols.min() * scale
    gray = _placing_matrix(CANVAS, 28, scale, top) @ image28 @ _placing_matrix(CANVAS, 28, scale, left).T
    mask = _grow(gray >= rng.uniform(*SOFT_PEN["threshold"]), grow)
    return np.clip(_box_blur(mask.astype(np.float64), blur), 0, 1).astype(np.float32)


def soft_pen_set(test_x, test_y, count: int = SOFT_PEN_COUNT, seed: int = SEED):
    rng = np.random.default_rng(seed)
    indices = rng.permutation(len(test_x))[:count]
    inks = (soft_pen_canvas(test_x[i].reshape(28, 28) / 255.0, rng) for i in indices)
    return prepare(inks), test_y[indices].astype(int)


# ---- handwriting from another source: the UCI optical digits --------------------------------------
UCI_BLOCK = 8  # each 8x8 count is spread over a block this wide: a 64x64 drawing for to_mnist
UCI_INK = 4 / 16  # a block is ink, for measuring widths, from a quarter of its pixels on
UCI_WIDTH_COUNT = 2000  # MNIST test digits in the width check


def uci_digits() -> tuple[np.ndarray, np.ndarray]:
    """(counts (N, 8, 8) in [0, 1], labels): each 4x4-block count (0..16) of a writer's 32x32 bitmap over 16 (spread()
    makes them drawings). Pinned and hash-checked (buildlib/pins.UCI_DIGITS)."""
    from buildlib.fetch import pip_file
    from buildlib.paths import cache_dir
    from buildlib.pins import UCI_DIGITS

    with gzip.open(pip_file(UCI_DIGITS, cache_dir())) as table_file:
        table = np.loadtxt(table_file, delimiter=",")
    return table[:, :64].reshape(-1, 8, 8) / 16, table[:, 64].astype(int)


def ink_widths(counts8: np.ndarray) -> np.ndarray:
    """Width of each 8x8 count grid's ink, in blocks (a block counts from UCI_INK of its 16 pixels)."""
    inked = counts8 >= UCI_INK
    return np.array([np.ptp(np.flatnonzero(grid.any(axis=0))) + 1 for grid in inked])


def counted_like_uci(image28: np.ndarray, width_px: float | None) -> np.ndarray:
    """An MNIST digit as UCI's bitmaps are made: its ink box scaled to 32 pixels high and `width_px` wide (None: the
    width its own proportions give), thresholded to a 32x32 bitmap, counted in 4x4 blocks; (8, 8) in [0, 1]."""
    rows, cols = np.nonzero(image28 > 0.1)
    crop = image28[rows.min():rows.max() + 1, cols.min():cols.max() + 1]
    height, width = crop.shape
    new_width = min(32.0, width * 32.0 / height if width_px is None else width_px)
    left = (32 - new_width) / 2
    bitmap = _placing_matrix(32, height, 32 / height, 0) @ crop @ _placing_matrix(32, width, new_width / width, left).T
    return (bitmap >= 0.5).reshape(8, 4, 8, 4).sum(axis=(1, 3)) / 16


def uci_width_check(test_x, test_y, uci_counts, uci_labels, count: int, seed: int = SEED) -> dict:
    """Are UCI's misread digits a matter of writers, or of how UCI's bitmaps were made? MNIST test digits counted the
    UCI way twice: with their own width, and widened to the mean width UCI's bitmaps give their class."""
    uci_width = [float(ink_widths(uci_counts[uci_labels == d]).mean()) for d in range(10)]
    rng = np.random.default_rng(seed)
    indices = rng.permutation(len(test_x))[:count]
    images = [test_x[i].reshape(28, 28) / 255.0 for i in indices]
    labels = test_y[indices].astype(int)
    kept = np.array([counted_like_uci(image, None) for image in images])
    widened = np.array([counted_like_uci(image, 4 * uci_width[d]) for image, d in zip(images, labels)])
    return {"labels": labels, "kept": kept, "widened": widened, "uci_width": uci_width,
            "mnist_width": [float(ink_widths(kept[labels == d]).mean()) for d in range(10)]}


def spread(counts8: np.ndarray) -> np.ndarray:
    """8x8 counts (N, 8, 8) in [0, 1] -> (N, 64, 64) drawings, each count spread over its block."""
    return np.kron(counts8, np.ones((1, UCI_BLOCK, UCI_BLOCK)))


# ---- the catalogue and page drawings through the NumPy pen (CPython path) -------------------------

def rendered(items: list[dict]) -> np.ndarray:
    """Each item's strokes drawn by the NumPy pen with the pen of the ink the page sends Python (thinner for a small
    drawing), through to_mnist: model inputs (N, 784)."""
    return prepare([pen.render(item["strokes"], *pen.ink_pen(item["strokes"])) for item in items])


def cpython_drawings(items: list[dict], model) -> list[dict]:
    """Each page item rendered (rendered()) and read by the model."""
    inputs = rendered(items)
    predicted, confidence, _ = model_answers(model, inputs)
    return [{k: v for k, v in item.items() if k != "strokes"} | {"digit": int(p), "shown_confidence": float(c), "image": x}
            for item, p, c, x in zip(items, predicted, confidence, inputs)]


def catalogue_items(split: str, placements=PLACEMENTS, source: str = "", hand=lambda strokes: strokes) -> list[dict]:
    """Every drawing of a catalogue split at every placement, drawn by `hand` (as authored by default)."""
    return [{"source": source or f"catalogue {split.upper()}", "style": d.style, "variant": d.variant, "label": d.label,
             "placement": p.name, "strokes": place(hand(d.strokes), p)} for d in load(split) for p in placements]


def unsteady_items(split: str, copies: int = UNSTEADY_COPIES, seed: int = SEED) -> list[dict]:
    """The split's drawings as an unsteady hand makes them (bench/strokes/shapes.unsteady), at every placement."""
    rng = np.random.default_rng(seed)
    return [{"source": f"catalogue {split.upper()}, unsteady hand", "style": d.style, "variant": f"{d.variant}{copy}",
             "label": d.label, "placement": p.name, "strokes": place(unsteady(d.strokes, rng), p)}
            for d in load(split) for p in PLACEMENTS for copy in range(copies)]


def catalogue_split(split: str, model, placements=PLACEMENTS, source: str = "") -> list[dict]:
    """Every drawing of a catalogue split at every placement, through the CPython path."""
    return cpython_drawings(catalogue_items(split, placements, source), model)


def catalogue_unsteady(split: str, model, copies: int = UNSTEADY_COPIES, seed: int = SEED) -> list[dict]:
    """The split's drawings in an unsteady hand (unsteady_items), through the CPython path."""
    return cpython_drawings(unsteady_items(split, copies, seed), model)


def digit_records(records):
    return [r for r in records if r["label"] is not None]


def records_summary(records) -> dict:
    digits = digit_records(records)
    summary = summarise([r["digit"] for r in digits], [r["shown_confidence"] for r in digits], [r["label"] for r in digits])
    if digits and "unsure" in digits[0]:  # page records: an "unsure" answer counts as right only if its digit is
        summary["unsure"] = sum(bool(r["unsure"]) for r in digits)
    return summary


def per_style(records) -> dict:
    styles = defaultdict(list)
    for r in digit_records(records):
        styles[r["style"]].append(r["digit"] == r["label"])
    return {style: (int(sum(v)), len(v)) for style, v in styles.items()}


def key(record) -> tuple:
    return (record["source"], record["style"], record["variant"], record["placement"], record.get("speed"))


def compare_paths(page: list[dict], cpython: list[dict], model) -> dict:
    """Where the page and the CPython path disagree, and why: the page's own pad ink through CPython's to_mnist
    + model tells a rendering difference (the two pens' pixels) from a pipeline one (worker vs CPython)."""
    by_key = {key(r): r for r in cpython}
    pairs = [(p, by_key[key(p)]) for p in page if key(p) in by_key]
    differences = []
    image_gap = []
    for p, c in pairs:
        if p.get("seen") is not None:
            image_gap.append(float(np.abs(np.asarray(p["seen"], np.float32) - c["image"]).mean()))
        if p["digit"] == c["digit"]:
            continue
        row = {"style": p["style"], "variant": p["variant"], "placement": p["placement"], "speed": p["speed"],
               "label": p["label"], "page": p["digit"], "page_conf": p["shown_confidence"],
               "cpython": c["digit"], "cpython_conf": c["shown_confidence"], "page_ink_in_cpython": None}
        ink = p.get("pad_ink")
        if ink:
            alpha = np.asarray(ink["alpha"], np.float32).reshape(ink["height"], ink["width"]) / 255
            digit, conf, _ = model_answers(model, prepare([alpha]))
            row["page_ink_in_cpython"] = int(digit[0])
            row["page_ink_conf"] = float(conf[0])
            row["page_ink_from"] = ink.get("from", "visible pad")
        differences.append(row)
    return {"pairs": len(pairs), "agree": len(pairs) - len(differences), "differences": differences,
            "image_gap_median": float(np.median(image_gap)) if image_gap else None,
            "image_gap_max": float(np.max(image_gap)) if image_gap else None}


# ---- report -------------------------------------------------------------------------------------

def percent(value) -> str:
    return "–" if value is None or value != value else f"{100 * value:.1f}%"


def class_cells(summary) -> list[str]:
    cells = []
    for d in range(10):
        right, n = summary["per_class"].get(d, (0, 0))
        cells.append(f"{100 * right / n:.0f}% ({right}/{n})" if n else "–")
    return cells


def wrong_answers(records, style: str) -> str:
    return "; ".join(f"{w['variant']} {w['placement']}{' ' + w['speed'] if w.get('speed') else ''}: "
                     f"{'none' if w['digit'] is None else w['digit']} {percent(w['shown_confidence'])}"
                     for w in records if w["style"] == style and w["digit"] != w["label"])


def write_report(path: Path, r: dict) -> None:
    sets = r["sets"]
    lines = [
        "# Drawn-digit benchmark",
        "",
        f"Model: `{r['model']}` (sha256 {r['model_sha256'][:12]}…, {r['model_sizes']}). Command: `{r['command']}` "
        f"({r['date']}, code at commit {r['commit']}, CPython, numpy {np.__version__}). The machine was shared with other "
        "jobs; no timings are reported.",
        "",
        "Every set below comes from a source the preprocessing did not generate; nothing is drawn with the thinning "
        "`to_mnist` uses. The style catalogue's numbers are on its REPORT split only (bench/strokes/report.py); "
        "its TUNE split (bench/strokes/tune.py, other authored shapes of the same styles) is the only one a design "
        "may be chosen on. Its FRESH split (bench/strokes/fresh.py) holds further shapes of the eight styles "
        "bench/teach.py's writers teach, authored later by a helper that ran no model on them. REPORT's figures were "
        "read in many rounds of design; FRESH's in four (its mistakes were of the kinds bench/strokes/tune_more.py "
        "showed when two templates were added to mlp_core/strokes.py). Its BLIND split (bench/strokes/blind.py) holds "
        "two more shapes of every digit style by each of two more authors, helpers who ran no model and opened no other "
        "split nor the training templates (mlp_core/strokes.py); no model had read it before this report. The drawn-small rows were first read on the "
        "TUNE split, where the shipped model's pens were chosen; the pad's thinner ink for small drawings (a quarter "
        "of the drawing's size) was set before any measurement and checked on TUNE.",
        "",
        "## Accuracy, calibration and confident mistakes",
        "",
        "Accuracy counts the digit shown (#prediction's data-digit on the page); ECE and \"wrong at >= 90%\" use the "
        "confidence shown (#confidence's text on the page, the top probability in CPython). A wrong answer shown as "
        "unsure still counts in \"wrong at >= 90%\" when its shown confidence is that high.",
        "",
        "| set | drawings | accuracy | lowest class | ECE (15 bins) | wrong at >= 90% | shown as unsure |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, s in sets.items():
        lowest = min(((right / n, d) for d, (right, n) in s["per_class"].items()), default=(None, None))
        lines.append(f"| {name} | {s['n']} | {percent(s['accuracy'])} | "
                     f"{percent(lowest[0])} (digit {lowest[1]}) | {percent(s['ece'])} | {s['wrong_confident']} | {s.get('unsure', '–')} |")
    lines += ["", "## Per class", "", "| set | " + " | ".join(str(d) for d in range(10)) + " |", "|---|" + "---|" * 10]
    for name, s in sets.items():
        lines.append(f"| {name} | " + " | ".join(class_cells(s)) + " |")
    lines += ["", f"## Style catalogue ({r['split'].upper()} split), per style", "",
              f"Each style: 2 authored variants x {len(PLACEMENTS)} placements ({'; '.join(p.name for p in PLACEMENTS)}).",
              f"Drawn small: the same drawings at {len(SMALL_PLACEMENTS)} more placements "
              f"({'; '.join(f'{p.name}, {p.size:.0%} of the pad' for p in SMALL_PLACEMENTS)}), where the pad's pen is "
              f"a third to a half of the digit's height (the ink Python reads is drawn again with a pen {pen.ink_pen_share():.0%} "
              "of it).",
              "", "| style | CPython path | its wrong answers (shown, confidence) | page | its wrong answers | unsteady hand, CPython "
              "| drawn small, CPython | page, drawn small | their wrong answers (page) |", "|---|---|---|---|---|---|---|---|---|"]
    catalogue_page = [x for x in r["page"] or [] if x["source"] == r["catalogue"][0]["source"]]
    small_page = [x for x in r["page"] or [] if x["source"] == r["small"][0]["source"]]
    page_styles, small_page_styles = per_style(catalogue_page), per_style(small_page)
    unsteady_styles, small_styles = per_style(r["unsteady"]), per_style(r["small"])
    def page_cells(styles, records, style):  # right/n and its wrong answers, or a dash when the page did not draw it
        return ("{}/{}".format(*styles[style]), wrong_answers(records, style)) if style in styles else ("–", "")

    for style, (right, n) in per_style(r["catalogue"]).items():
        page_cell, page_wrong = page_cells(page_styles, catalogue_page, style)
        small_cell, small_wrong = page_cells(small_page_styles, small_page, style)
        lines.append(f"| {style} | {right}/{n} | {wrong_answers(r['catalogue'], style)} | {page_cell} | {page_wrong} | "
                     + "{}/{} | {}/{} | ".format(*unsteady_styles[style], *small_styles[style]) + f"{small_cell} | {small_wrong} |")
    for split, held in r["held_out"].items():
        variants = len({d.variant for d in load(split)})
        held_page = [x for x in r["page"] or [] if x["source"] == f"catalogue {split.upper()}"]
        held_page_styles = per_style(held_page)
        on_page = f"; on the page, at {len({x['placement'] for x in held_page})} of them" if held_page else ""
        lines += ["", f"## Style catalogue ({split.upper()} split), per style", "",
                  f"Each style: {variants} authored variants x {len(PLACEMENTS)} placements{on_page}.", "",
                  "| style | CPython path | its wrong answers (shown, confidence) | unsteady hand, CPython |"
                  + (" page | its wrong answers (page) |" if held_page else ""), "|---|---|---|---|" + ("---|---|" if held_page else "")]
        unsteady_styles = per_style(held["unsteady"])
        for style, (right, n) in per_style(held["drawn"]).items():
            page_columns = " {} | {} |".format(*page_cells(held_page_styles, held_page, style)) if held_page else ""
            lines.append(f"| {style} | {right}/{n} | {wrong_answers(held['drawn'], style)} | "
                         + "{}/{} |".format(*unsteady_styles[style]) + page_columns)
    lines += ["", "## Not digits: the answer shown", "",
              "A drawing that is no digit should be shown as unsure, not as a confident digit.", "",
              "| drawing | placement | CPython path | page | page shows unsure |", "|---|---|---|---|---|"]
    page_by_key = {(x["style"], x["variant"], x["placement"]): x for x in r["page"] or [] if x["label"] is None}
    for x in (c for c in r["catalogue"] if c["label"] is None):
        shown = page_by_key.get((x["style"], x["variant"], x["placement"]))
        page_cell = f"{shown['digit']} {percent(shown['shown_confidence'])}" if shown else "–"
        unsure_cell = ("yes" if shown["unsure"] else "no") if shown else "–"
        lines.append(f"| {x['style'][len('not a digit: '):]} ({x['variant']}) | {x['placement']} | "
                     f"{x['digit']} {percent(x['shown_confidence'])} | {page_cell} | {unsure_cell} |")
    if r["page"]:
        unsure = sum(x["unsure"] for x in r["page"])
        lines += ["", f"The page showed an \"unsure\" state on {unsure} of {len(r['page'])} drawings "
                  "(read from a data attribute on #prediction/#confidence containing \"unsure\", or the words "
                  "\"unsure\"/\"not sure\" in their text)."]
    if r["page"]:
        errors = r["page"][0].get("page_errors")
        if errors is not None:
            lines += ["", f"Errors the page logged during the run: {len(errors)}" + (": " + "; ".join(errors[:5]) if errors else ".")]
    if r.get("uci_widths"):
        widths = r["uci_widths"]
        lines += ["", "## Why UCI's 1s are misread: how its bitmaps were made", "",
                  "UCI's bitmaps were size-normalised before counting: every digit fills the height, and each class gets "
                  "nearly the same width, however its writer wrote it. Mean ink width in blocks of 8 (a block counts as "
                  f"ink from {UCI_INK * 16:.0f} of its 16 pixels), and MNIST test digits counted the same way with their own "
                  "proportions:", "",
                  "| | " + " | ".join(str(d) for d in range(10)) + " |", "|---|" + "---|" * 10]
        for name, by_digit in widths.items():
            lines.append(f"| {name} | " + " | ".join(f"{width:.1f}" for width in by_digit) + " |")
        lines += ["", "The two rows \"MNIST test counted like UCI\" above read the same MNIST digits both ways: with their "
                  "own width, and widened to the width UCI gives their class. What the widening alone costs a class is what "
                  "UCI's normalisation costs it, apart from any writer's style. A page drawing is never widened: to_mnist "
                  "keeps each drawing's proportions."]
    comparison = r["comparison"]
    if comparison:
        lines += ["", "## Page vs CPython path", "",
                  f"The same {comparison['pairs']} drawings: the page (mouse events, pad.js's curve through the samples and canvas "
                  f"rasteriser, the worker's Pyodide numpy) and the CPython path (the polyline rendered by bench/pen.py) give the same "
                  f"digit on {comparison['agree']}. Mean absolute difference between the 28x28 image the page shows (#seen) and "
                  f"CPython's: median {comparison['image_gap_median']:.3f}, max {comparison['image_gap_max']:.3f} (pixel values 0..1).",
                  "", "| drawing | placement, speed | label | page | CPython | the ink the page sent, through CPython |",
                  "|---|---|---|---|---|---|"]
        for d in comparison["differences"]:
            own = "–" if d["page_ink_in_cpython"] is None else \
                f"{d['page_ink_in_cpython']} {percent(d['page_ink_conf'])} ({d['page_ink_from']})"
            lines.append(f"| {d['style']} ({d['variant']}) | {d['placement']}, {d['speed']} | {d['label']} | "
                         f"{d['page']} {percent(d['page_conf'])} | {d['cpython']} {percent(d['cpython_conf'])} | {own} |")
        lines += ["", r.get("comparison_note", "")]
    lines += ["", "## Caveats", "",
              "- TUNE, REPORT and FRESH are one author's idea of each style, BLIND two more authors': smooth lines and elliptic "
              "arcs in a unit box, 2 variants per style and author, so a style's figure moves by 12.5 points per drawing on "
              "the page. The unsteady-hand set adds wobble, slant and turn, but none is a crowd of real writers; the UCI "
              "digits are, at 8x8.",
              "- The page run draws each stroke with a mouse at a fixed spacing of pointer events; a finger or pen on a phone "
              "sends its own events (the pad and the pipeline are the same).",
              "- The soft-pen MNIST set keeps MNIST's shapes; it measures pens, sizes and positions, not styles.",
              "- Not digits: the shipped model is trained to doubt drawings of some kinds (mlp_core.strokes.NOT_DIGITS: "
              "crossings, hashes, stars, crossed rings, scribbles, triangles, six capital letters, drawn by random generators). "
              "The catalogue's dash, X, scribble and circle with cross are other hands' drawings of kinds it was shown, so "
              "they measure how far that training carries, not doubt in general; its spiral, heart, smiley, check mark, "
              "arrow and letter R are kinds it never saw.",
              "- The typefaces are digital: each face writes a digit the same way every time, so a face is one writer with "
              "a perfectly steady hand, and the two sizes and pens of one face are not independent drawings.",
              "- Per-class rows with few drawings (the page's e2e strokes: 4 per digit) say little about a class."]
    lines += ["", "## How the sets were made", ""] + [f"- **{name}**: {text}" for name, text in r["how"].items()]
    lines += ["", "## Commands", "", "```sh"] + r["commands"] + ["```", ""]
    path.write_text("\n".join(lines) + "\n")


def main(argv=None) -> int:
    from mlp_core import load_model
    from buildlib.paths import mnist_dir
    from mlp_core.data import load_mnist

    from bench import drawn_page

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default=str(REPO / "dist" / "model" / "pretrained.npz"), help="the model to measure")
    parser.add_argument("--page", action="store_true", help="also draw on the page in headless Chromium (a few minutes)")
    parser.add_argument("--site", default=str(REPO / "dist"), help="the built site the page run serves")
    parser.add_argument("--page-json", help="reuse the records of an earlier page run (--page-out, or bench/drawn_page.py --out)")
    parser.add_argument("--page-limit", type=int, help="draw only the first N page drawings (a quick check, not a report)")
    parser.add_argument("--page-out", help="keep the page run's records here (a few MB, with the images it showed)")
    parser.add_argument("--split", default="report", choices=("report", "tune"),
                        help="catalogue split: `tune` is for choosing designs: it measures the TUNE catalogue only "
                             "(no test data) and never writes bench/reports/")
    parser.add_argument("--soft-pen-count", type=int, default=SOFT_PEN_COUNT)
    parser.add_argument("--out", help="report path (default bench/reports/drawn.md; with --split tune, /tmp/drawn-tune.md)")
    args = parser.parse_args(argv)
    out = Path(args.out or (REPO / "bench" / "reports" / "drawn.md" if args.split == "report" else "/tmp/drawn-tune.md"))
    if args.split == "tune" and out.resolve().parent == (REPO / "bench" / "reports").resolve():
        parser.error("TUNE numbers are for choosing a design, not for the committed report: pick another --out")

    model_path = Path(args.model)
    model = load_model(model_path)
    evaluation = args.split == "report"  # a TUNE run sees no test data: not MNIST test, not UCI
    sets = {}
    if evaluation:
        data = load_mnist(mnist_dir())
        test_x, test_y = data["test_x"], data["test_y"].astype(int)
        predicted, confidence, _ = model_answers(model, test_x / np.float32(255))
        sets["MNIST test"] = summarise(predicted, confidence, test_y)

    items = (drawn_page.drawings() if args.split == "report" else [])[:args.page_limit]
    catalogue = catalogue_split(args.split, model)
    cpython_page_items = cpython_drawings(items, model) if items else []
    page = None
    if args.page_json:
        page = json.loads(Path(args.page_json).read_text())
    elif args.page:
        expected = {key(c): c["digit"] for c in cpython_page_items}
        for item in items:
            item["capture_ink"] = expected[key(item)]
        page = drawn_page.run(model_path, Path(args.site), items)
        if args.page_out:
            Path(args.page_out).write_text(json.dumps(page))
    if page:
        for name, records in (("page: catalogue REPORT", [p for p in page if p["source"] == "catalogue REPORT"]),
                              ("page: catalogue REPORT, drawn small", [p for p in page if p["source"] == "catalogue REPORT, small"]),
                              ("page: catalogue BLIND", [p for p in page if p["source"] == "catalogue BLIND"]),
                              ("page: e2e tests' strokes", [p for p in page if p["source"] == "e2e tests' strokes"]),
                              ("page: all digits", page)):
            if digit_records(records):
                sets[name] = records_summary(records)
    sets[f"catalogue {args.split.upper()}, CPython path"] = records_summary(catalogue)
    shaky = catalogue_unsteady(args.split, model)
    sets[f"catalogue {args.split.upper()}, unsteady hand, CPython path"] = records_summary(shaky)
    small = catalogue_split(args.split, model, SMALL_PLACEMENTS, f"catalogue {args.split.upper()}, small")
    sets[f"catalogue {args.split.upper()}, drawn small, CPython path"] = records_summary(small)
    font_ink, font_labels, _ = font_drawings(args.split)
    predicted, confidence, _ = model_answers(model, prepare(font_ink))
    sets[f"handwriting fonts {args.split.upper()}"] = summarise(predicted, confidence, font_labels)
    uci_count, uci_widths, held_out = 0, None, {}
    if evaluation:
        for split in HELD_OUT_SPLITS:
            held_out[split] = {"drawn": catalogue_split(split, model), "unsteady": catalogue_unsteady(split, model)}
            sets[f"{HELD_OUT_NAMES[split]}, CPython path"] = records_summary(held_out[split]["drawn"])
            sets[f"{HELD_OUT_NAMES[split]}, unsteady hand, CPython path"] = records_summary(held_out[split]["unsteady"])
        inputs, labels = soft_pen_set(test_x, test_y, args.soft_pen_count)
        predicted, confidence, _ = model_answers(model, inputs)
        sets["MNIST test, soft pens (no thinning)"] = summarise(predicted, confidence, labels)
        uci_counts, uci_labels = uci_digits()
        uci_count = len(uci_labels)
        predicted, confidence, _ = model_answers(model, prepare(spread(uci_counts)))
        sets["UCI digits"] = summarise(predicted, confidence, uci_labels)
        widths = uci_width_check(test_x, test_y, uci_counts, uci_labels, UCI_WIDTH_COUNT)
        for form, name in (("kept", "MNIST test counted like UCI, own width"),
                           ("widened", "MNIST test counted like UCI, widened as UCI's")):
            predicted, confidence, _ = model_answers(model, prepare(spread(widths[form])))
            sets[name] = summarise(predicted, confidence, widths["labels"])
        uci_widths = {"UCI digits": widths["uci_width"], "MNIST test, own width": widths["mnist_width"]}
    for name, s in sets.items():
        print(f"{name}: {percent(s['accuracy'])} of {s['n']}, ECE {percent(s['ece'])}, wrong at >= 90%: {s['wrong_confident']}")

    comparison = compare_paths(page, cpython_page_items, model) if page else None
    command = "OPENBLAS_NUM_THREADS=1 .venv/bin/python bench/drawn.py" + "".join(f" {a}" for a in (argv if argv is not None else sys.argv[1:]))
    report = {
        "model": shown_path(model_path), "model_sha256": hashlib.sha256(model_path.read_bytes()).hexdigest(),
        "model_sizes": "-".join(str(s) for s in model.sizes), "command": command, "split": args.split,
        "commit": checkout_commit(),
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "sets": sets,
        "catalogue": catalogue, "unsteady": shaky, "small": small, "held_out": held_out, "page": page, "comparison": comparison, "uci_widths": uci_widths,
        "how": how_made(args.soft_pen_count, uci_count),
        "commands": ["export MLP_CACHE_DIR=/path/to/cache OPENBLAS_NUM_THREADS=1", "python3 build.py",
                     command + ("" if args.page or args.page_json else "  # add --page to draw on the page too"),
                     *([f"# {args.page_json} holds the records of a page run by this command with --page --page-out "
                        f"{args.page_json} instead of --page-json (the same drawings, drawn again: the page's answers are deterministic)"]
                       if args.page_json else []),
                     ".venv/bin/python -m bench.strokes.preview report /tmp/report.png  # look at the REPORT strokes"],
    }
    if comparison:
        report["comparison_note"] = comparison_note(comparison)
    write_report(out, report)
    slim = {k: v for k, v in report.items() if k not in ("catalogue", "unsteady", "held_out", "page")}
    without_images = lambda records: [{k: v for k, v in c.items() if k != "image"} for c in records]
    slim["catalogue"], slim["unsteady"] = without_images(catalogue), without_images(shaky)
    slim["held_out"] = {split: {form: without_images(records) for form, records in held.items()} for split, held in held_out.items()}
    slim["page"] = [{k: v for k, v in p.items() if k not in ("seen", "pad_ink")} for p in page or []]
    out.with_suffix(".json").write_text(json_lines(slim))
    print(f"wrote {out} and {out.with_suffix('.json')}")
    return 0


def shown_path(path: Path) -> str:
    """A path as the report shows it: relative to the checkout when inside it."""
    try:
        return str(path.resolve().relative_to(REPO))
    except ValueError:
        return str(path)


def checkout_commit() -> str:
    """The commit the benchmark ran at, with "+changes" when the checkout differs from it."""
    import subprocess

    def git(*args):
        return subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True).stdout.strip()

    commit = git("rev-parse", "--short", "HEAD") or "unknown"
    changed = git("status", "--porcelain", "--untracked-files=no", "--", "mlp_core", "web", "bench", ":(exclude)bench/reports")
    return commit + ("+changes" if changed else "")


def json_lines(report: dict) -> str:
    """The report as JSON with one top-level key, and one drawing record, per line (readable diffs, small file)."""
    parts = []
    for name, value in report.items():
        if isinstance(value, list) and value and isinstance(value[0], dict):
            body = "[\n" + ",\n".join("  " + json.dumps(v, default=str) for v in value) + "\n ]"
        else:
            body = json.dumps(value, default=str)
        parts.append(f" {json.dumps(name)}: {body}")
    return "{\n" + ",\n".join(parts) + "\n}\n"


def comparison_note(comparison: dict) -> str:
    """What the disagreements say, counted from the rows (the captured ink decides, not a hunch)."""
    rows = comparison["differences"]
    if not rows:
        return "The two paths never disagree on these drawings."
    sent = [d for d in rows if d.get("page_ink_from") == "sent to the worker"]
    rendering = [d for d in sent if d["page_ink_in_cpython"] == d["page"]]
    pipeline = [d for d in sent if d["page_ink_in_cpython"] != d["page"]]
    close = sum(max(d["page_conf"] or 0, d["cpython_conf"]) < 0.7 for d in rows)
    text = (f"Why they disagree: the ink the page sent to its worker was captured for {len(sent)} of the {len(rows)} "
            f"disagreements. On {len(rendering)} of them CPython's to_mnist + model read that ink exactly as the page did: "
            "the difference lies in the pixels the two pens draw (pad.js draws a Catmull-Rom curve through the pointer "
            "samples and the canvas rasterises it; bench/pen.py draws the authored polyline), not in "
            "the worker's preprocessing or model.")
    if pipeline:
        text += (f" On {len(pipeline)} CPython read the page's own ink differently from the worker: there the page's "
                 "Python (Pyodide's numpy) and CPython's give different answers on the same input.")
    if len(sent) < len(rows):
        text += f" For {len(rows) - len(sent)} only the visible pad (screen resolution) could be read."
    return text + f" {close} of the {len(rows)} are near ties (neither path above 70% sure)."


def how_made(soft_pen_count: int, uci_count: int) -> dict:
    from bench.drawn_page import BLIND_PLACEMENTS
    side, width = pen.page_pen()
    return {
        "page": "headless Chromium, the built site served by build.py's server with the model under test served as "
                "model/pretrained.npz; Playwright mouse events (down, moves, up) along each stroke, "
                f"{drawn_page_spacings()} between pointer events; answer read from #prediction[data-digit], "
                "#confidence's text and #bars after the prediction count stopped changing; the pad is cleared between drawings.",
        "catalogue REPORT, CPython path": f"the same placed strokes rendered by bench/pen.py (round caps and joins, one-pixel "
                                          f"anti-aliased edge, source-over between strokes) on a {side}x{side} grid with the "
                                          f"pen of the ink the page sends Python ({width:.1f} px, its pad's own; for a "
                                          f"drawing under {width / side / pen.ink_pen_share():.0%} of the pad high, "
                                          f"{pen.ink_pen_share():.0%} of its longest side), then to_mnist and the model "
                                          "in CPython.",
        "catalogue REPORT, unsteady hand, CPython path": f"each REPORT drawing {UNSTEADY_COPIES} more times at every "
                                                         "placement as an unsteady hand would make it (seed "
                                                         f"{SEED}): turned up to 8 degrees, slanted up to 0.15, and "
                                                         "each stroke wobbling smoothly by up to 3% of the drawing's "
                                                         "size (bench/strokes/shapes.unsteady); then as above.",
        "catalogue REPORT, drawn small": "the REPORT digits placed " + " and ".join(
            f"{p.size:.0%} of the pad high ({p.name})" for p in SMALL_PLACEMENTS) + ": on the page with the mouse as "
            f"above (the pad shows its own pen; the ink it sends Python is drawn again with a pen {pen.ink_pen_share():.0%} "
            "of the drawing's longest side), and through the CPython path.",
        "catalogue FRESH and BLIND": "each drawing at every placement through the CPython path, as drawn and through an "
                                     f"unsteady hand (as REPORT's); BLIND also on the page, at {len(BLIND_PLACEMENTS)} "
                                     f"placements ({'; '.join(p.name for p in BLIND_PLACEMENTS)}), each drawing at both speeds.",
        "MNIST test, soft pens (no thinning)": f"{soft_pen_count} MNIST test digits (seed {SEED}): each bilinearly scaled "
                                               f"so its ink spans {SOFT_PEN['size'][0]:.0%}-{SOFT_PEN['size'][1]:.0%} of a "
                                               f"{CANVAS} px canvas at a random position, thresholded at "
                                               f"{SOFT_PEN['threshold'][0]}-{SOFT_PEN['threshold'][1]}, grown by an octagonal "
                                               f"pen of 0-{SOFT_PEN['grow'][1]:.0%} of its size, edges softened by a box blur "
                                               f"of {SOFT_PEN['blur'][0]}-{SOFT_PEN['blur'][1]} px; then to_mnist.",
        "UCI digits": f"{uci_count} digits of the UCI optical digits (the copy scikit-learn ships; 13 writers, 8x8 counts "
                      f"of 4x4 blocks of a 32x32 bitmap), each count spread over a {UCI_BLOCK}x{UCI_BLOCK} block (a 64x64 "
                      "drawing), then to_mnist. Evaluation only: never trained or tuned on.",
        "MNIST test counted like UCI": f"{UCI_WIDTH_COUNT} MNIST test digits (seed {SEED}): each digit's ink box "
                                       "bilinearly scaled to 32 pixels high and either its own proportional width or the "
                                       "mean width UCI's bitmaps give its class, thresholded at 0.5, counted in 4x4 "
                                       "blocks; then as the UCI digits. An explanation, not a target: no design is chosen on it.",
        "handwriting fonts REPORT": "the 0-9 of the REPORT half of bench/fonts.py's typefaces (Fontsource packages of "
                                    "Google Fonts' handwriting faces: designers' casual hands and many countries' school "
                                    "hands), written by headless Chromium's canvas at two sizes, as drawn and with a broader "
                                    "pen; then to_mnist. Its TUNE half is the one designs may be chosen on.",
        "MNIST test": "the 10,000 test images as they are (pixels / 255), no preprocessing.",
    }


def drawn_page_spacings() -> str:
    from bench.drawn_page import SPACINGS
    return " or ".join(f"{v:g} px ({k})" for k, v in SPACINGS.items())


if __name__ == "__main__":
    sys.exit(main())
