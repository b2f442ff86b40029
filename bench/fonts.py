"""Digits in handwriting typefaces: the hands of other people, drawn by the browser's own canvas.

Each typeface of buildlib/pins.HANDWRITING_FONTS writes 0-9 on a 280x280 canvas in headless Chromium (the
canvas the page's pad draws on): large and small, as the face draws it and with its outline stroked 5% of
the digit's size thicker (a broader pen). to_mnist then lays each one out as it does a drawing. No step of
the preprocessing or of the training data made these shapes.

The faces are split in two by their place in the pinned list: TUNE (even places) is the only half a design
may be chosen on; REPORT (odd places) is the half bench/drawn.py reports.

    .venv/bin/python bench/fonts.py MODEL.npz [--split tune|report]   accuracy, per class and per face
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "e2e"))

from buildlib.pins import HANDWRITING_FONTS  # noqa: E402

SIDE = 280
SIZES = {"large": 0.6, "small": 0.25}  # the digit's height (or 80% of its width, if wider) over the canvas side
PENS = {"as drawn": 0.0, "broad pen": 0.05}  # outline stroke over the digit's size

# Writes each digit of one face at every size and pen; returns the canvases' alpha, base64, in that order.
RENDER = """async ({family, data, sizes, pens, side}) => {
  const face = new FontFace(family, Uint8Array.from(atob(data), c => c.charCodeAt(0)).buffer);
  document.fonts.add(await face.load());
  const canvas = document.createElement("canvas");
  canvas.width = canvas.height = side;
  const ctx = canvas.getContext("2d", {willReadFrequently: true});
  const out = [];
  for (const digit of "0123456789") for (const size of sizes) for (const pen of pens) {
    ctx.clearRect(0, 0, side, side);
    ctx.font = `${side / 2}px "${family}"`;
    const probe = ctx.measureText(digit);
    const height = probe.actualBoundingBoxAscent + probe.actualBoundingBoxDescent;
    const width = probe.actualBoundingBoxLeft + probe.actualBoundingBoxRight;
    const scale = side * size / Math.max(height, 0.8 * width);
    ctx.font = `${side / 2 * scale}px "${family}"`;
    const box = ctx.measureText(digit);
    const x = side / 2 - (box.actualBoundingBoxRight - box.actualBoundingBoxLeft) / 2;
    const y = side / 2 + (box.actualBoundingBoxAscent - box.actualBoundingBoxDescent) / 2;
    ctx.fillStyle = ctx.strokeStyle = "#000";
    ctx.lineJoin = ctx.lineCap = "round";
    ctx.fillText(digit, x, y);
    if (pen > 0) {
      ctx.lineWidth = pen * side * size;
      ctx.strokeText(digit, x, y);
    }
    const rgba = ctx.getImageData(0, 0, side, side).data;
    const alpha = new Uint8Array(side * side);
    for (let i = 0; i < alpha.length; i++) alpha[i] = rgba[4 * i + 3];
    let text = "";
    for (let i = 0; i < alpha.length; i += 8192) text += String.fromCharCode(...alpha.subarray(i, i + 8192));
    out.push(btoa(text));
  }
  return out;
}"""


def split_fonts(split: str) -> list:
    if split not in ("tune", "report"):
        raise ValueError(f"split must be 'tune' or 'report', not {split!r}")
    return HANDWRITING_FONTS[0 if split == "tune" else 1::2]


def face_name(pin: dict) -> str:
    return pin["name"].split("/", 1)[1]


def _render(pins: list) -> dict:
    from browser_launch import chromium_executable, launch_chromium
    from playwright.sync_api import sync_playwright

    from buildlib.fetch import npm_files
    from buildlib.paths import cache_dir

    inks, labels, names = [], [], []
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright, chromium_executable())
        page = browser.new_page()
        page.set_content("<title>fonts</title>")
        for pin in pins:
            (woff,) = npm_files(pin, cache_dir()).values()
            canvases = page.evaluate(RENDER, {"family": face_name(pin), "data": base64.b64encode(woff.read_bytes()).decode(),
                                              "sizes": list(SIZES.values()), "pens": list(PENS.values()), "side": SIDE})
            variants = [(digit, size, pen) for digit in range(10) for size in SIZES for pen in PENS]
            for (digit, size, pen), canvas in zip(variants, canvases):
                inks.append(np.frombuffer(base64.b64decode(canvas), np.uint8).reshape(SIDE, SIDE))
                labels.append(digit)
                names.append(f"{face_name(pin)}|{size}|{pen}")
        browser.close()
    return {"inks": np.array(inks), "labels": np.array(labels), "names": np.array(names)}


def font_drawings(split: str):
    """(inks (N, 280, 280) in [0, 1], labels, names "face|size|pen") of one split, rendered once and kept in
    the cache (keyed by the pins and the rendering)."""
    from buildlib.paths import cache_dir

    pins = split_fonts(split)
    key = hashlib.sha256(json.dumps([pins, RENDER, SIZES, PENS, SIDE], sort_keys=True).encode()).hexdigest()[:16]
    path = cache_dir() / "fonts" / f"{split}-{key}.npz"
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp.npz")
        np.savez_compressed(tmp, **_render(pins))
        tmp.replace(path)
    with np.load(path, allow_pickle=False) as saved:
        return saved["inks"] / np.float32(255), saved["labels"], saved["names"]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model")
    parser.add_argument("--split", default="tune", choices=("tune", "report"))
    args = parser.parse_args(argv)
    from bench.drawn import prepare
    from bench.tune_handwriting import report

    from mlp_core import load_model
    from mlp_core.confidence import verdicts

    model = load_model(args.model)
    inks, labels, names = font_drawings(args.split)
    x = prepare(inks)
    probs, predicted = report(model, x, labels, f"typefaces, {args.split} half")
    right = predicted == labels
    unsure = np.array([v["unsure"] for v in verdicts(probs, x, model.logits(x), model.metadata.get("min_energy"))])
    print(f"  shown unsure: {unsure.mean():.3f} (of the wrong: {unsure[~right].mean() if (~right).any() else 1:.2f})")
    faces = np.array([n.split("|")[0] for n in names])
    worst = sorted((right[faces == f].mean(), f) for f in dict.fromkeys(faces))[:8]
    print("  weakest faces " + ", ".join(f"{f} {a:.2f}" for a, f in worst))
    print("  misses " + ", ".join(f"{n}:{t}->{p}" for n, t, p, r in zip(names, labels, predicted, right) if not r))
    return 0


if __name__ == "__main__":
    sys.exit(main())
