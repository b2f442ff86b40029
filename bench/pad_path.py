"""How the pad should rebuild a stroke from its pointer samples, chosen on TUNE drawings only.

A quick hand sends few pointer events: a mouse at 60 events/s moving 1,000 px/s leaves ~16 px between samples, and a
corner falls between two of them. Each TUNE and TUNE_MORE digit (bench/strokes) is placed on a 280 px pad, sampled at a
constant spacing along its length (two phases, so corners are not sampled on purpose), rebuilt each way below, drawn
with the page's ink pen (bench/pen.py) and read by the model; "as authored" is the stroke itself.

    .venv/bin/python bench/pad_path.py [--model dist/model/pretrained.npz] [--out bench/reports/pad_path.md]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench import drawn  # noqa: E402
from bench.strokes import PLACEMENTS, SMALL_PLACEMENTS, load, place  # noqa: E402
from bench.tune_handwriting import smooth  # noqa: E402  (the pad's path today)
from mlp_core import load_model  # noqa: E402
from mlp_core.confidence import verdicts  # noqa: E402

PAD = 280.0
SPACINGS = (20.0, 14.0, 8.0, 3.0)  # pixels between samples
PHASES = (0.0, 0.5)  # where along the stroke the first sample after its start falls, in spacings


def samples(stroke, spacing, phase):
    """Points at a constant spacing along a stroke (pad pixels), its two ends included."""
    p = np.asarray(stroke, np.float64) * PAD
    along = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(p, axis=0).T))])
    at = np.concatenate([[0.0], np.arange((phase or 1.0) * spacing, along[-1], spacing), [along[-1]]])
    return np.stack([np.interp(at, along, p[:, 0]), np.interp(at, along, p[:, 1])], axis=1)


def midpoint_quadratics(points, pieces=8):
    """The pad's path before: quadratic curves through the samples' midpoints, each sample a control point."""
    p = np.asarray(points, np.float64)
    if len(p) < 3:
        return p
    t = np.linspace(0.0, 1.0, pieces + 1)[1:, None]
    out, start = [p[:1]], p[0]
    for control, after in zip(p[1:-1], p[2:]):
        end = (control + after) / 2
        out.append((1 - t) ** 2 * start + 2 * (1 - t) * t * control + t ** 2 * end)
        start = end
    return np.concatenate(out + [p[-1:]])


WAYS = {"as authored": None, "midpoint quadratics (before)": midpoint_quadratics,
        "straight lines between samples": lambda p: p, "Catmull-Rom through the samples (the pad now)": smooth}


def read(model, drawings, spacing):
    """For each way: (digits read, confidence shown, unsure verdicts) of every drawing at every placement and phase."""
    out = {}
    for name, rebuild in WAYS.items():
        items = [{"label": d.label, "strokes": strokes if rebuild is None else
                  [(rebuild(samples(s, spacing, phase)) / PAD).tolist() for s in strokes]}
                 for d in drawings for p in PLACEMENTS + SMALL_PLACEMENTS for strokes in [place(d.strokes, p)]
                 for phase in PHASES]
        records = drawn.cpython_drawings(items, model)
        x = np.array([r["image"] for r in records])
        unsure = [v["unsure"] for v in verdicts(model.predict_proba(x), x, model.logits(x), model.metadata.get("min_energy"))]
        out[name] = (np.array([r["digit"] for r in records]), np.array([r["shown_confidence"] for r in records]),
                     np.array(unsure))
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=REPO / "dist" / "model" / "pretrained.npz")
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "reports" / "pad_path.md")
    args = parser.parse_args(argv)
    model = load_model(args.model)
    drawings = [d for split in ("tune", "tune_more") for d in load(split)]
    digits = [d for d in drawings if d.label is not None]
    labels = np.repeat([d.label for d in digits], (len(PLACEMENTS) + len(SMALL_PLACEMENTS)) * len(PHASES))
    others = [d for d in drawings if d.label is None]
    lines = ["# Rebuilding a stroke from its pointer samples (TUNE only)", "", __doc__.split("\n\n")[1].replace("\n", " "),
             "", f"Model: `{args.model.name}`. {len(labels)} digit drawings (TUNE and TUNE_MORE, "
             f"{len(PLACEMENTS) + len(SMALL_PLACEMENTS)} placements, {len(PHASES)} phases); the {len(others) * len(labels) // len(digits)} "
             "non-digit drawings are TUNE's. Command: `.venv/bin/python bench/pad_path.py`.", "",
             "| spacing | way | digits read right | smallest placement (15%) | wrong at >= 90% | non-digits shown sure |",
             "|---|---|---|---|---|---|"]
    small = np.tile(np.repeat([p.size == SMALL_PLACEMENTS[0].size for p in PLACEMENTS + SMALL_PLACEMENTS], len(PHASES)),
                    len(digits))
    for spacing in SPACINGS:
        digit_reads, other_reads = read(model, digits, spacing), read(model, others, spacing)
        for name, (digit, confidence, _) in digit_reads.items():
            right = digit == labels
            sure = int((~other_reads[name][2]).sum())
            lines.append(f"| {spacing:.0f} px | {name} | {100 * right.mean():.1f}% | {100 * right[small].mean():.1f}% | "
                         f"{int((~right & (confidence >= drawn.CONFIDENT)).sum())} | {sure}/{len(other_reads[name][2])} |")
        print(f"spacing {spacing} done", flush=True)
    lines += ["", "The pad draws the Catmull-Rom curve: at every spacing it reads as many digits as straight lines or more, "
              "with as few confident mistakes, and it stays smooth where straight lines show their corners. Midpoint "
              "quadratics, the pad's path before, cut the corners sparse samples fall beside (a 1's flag, a 7's head)."]
    args.out.write_text("\n".join(lines) + "\n")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
