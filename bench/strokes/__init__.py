"""The style catalogue: hand-authored pen strokes of digits written the ways MNIST under-represents, and non-digits.

Two splits of different authored shapes (not jittered copies of each other), and a held-out third:
- TUNE (tune.py): the only strokes a design may be chosen on (preprocessing, augmentation, thresholds);
- REPORT (report.py): the strokes bench/reports/drawn.md reports on; never look at them to choose a design;
- TUNE_MORE (tune_more.py): more TUNE shapes of the styles bench/teach.py teaches, for bench/teach_tune.py;
- FRESH (fresh.py): held-out shapes for bench/teach.py's writers, only the styles it teaches, authored after
  its fine-tuning settings were chosen; never choose a design on them;
- BLIND (blind.py): held-out shapes of every digit style by two more authors, who ran no model and opened no
  other split nor the training templates; never choose a design on them.
Each drawing is placed on the pad at several sizes and positions (PLACEMENTS) before it is drawn.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

SPLITS = ("tune", "report")
# Loadable, but not in SPLITS: TUNE_MORE and FRESH hold only the styles bench/teach.py teaches, BLIND every digit
# style but no non-digits.
TUNE_MORE_SPLITS = ("tune_more",)
HELD_OUT_SPLITS = ("fresh", "blind")
# Every style each split must hold (tests check this): plain digits and the variants MNIST under-represents.
DIGIT_STYLES = (
    "0 plain", "1 plain", "1 flag", "1 flag and base", "1 slanted", "2 plain", "2 looped base",
    "3 plain", "3 flat top", "4 open", "4 closed", "5 two-stroke", "5 one-stroke",
    "6 plain", "6 hooked top", "6 straight stem", "7 plain", "7 crossed", "7 hooked head",
    "8 one-stroke", "8 two-loop", "9 straight tail", "9 curved tail",
)
NON_DIGIT_STYLES = ("not a digit: dash", "not a digit: X", "not a digit: scribble", "not a digit: circle with cross",
                    # kinds mlp_core.strokes.NOT_DIGITS (what the shipped model learns to doubt) draws nothing like
                    "not a digit: spiral", "not a digit: heart", "not a digit: smiley", "not a digit: check mark",
                    "not a digit: arrow", "not a digit: letter R")


@dataclass(frozen=True)
class Placement:
    name: str
    size: float  # the drawing's longest side, as a share of the pad's side
    centre: tuple[float, float]  # where its box's centre goes, pad-relative (x, y)


PLACEMENTS = (
    Placement("large, centred", 0.7, (0.5, 0.5)),
    Placement("small, centred", 0.3, (0.5, 0.5)),
    Placement("small, off-centre", 0.3, (0.27, 0.3)),
    Placement("large, off-centre", 0.6, (0.6, 0.62)),
)
# Digits drawn small on the pad, measured apart: the pad's pen (7% of its side) is then 35-47% of the digit's height.
SMALL_PLACEMENTS = (
    Placement("tiny, centred", 0.15, (0.5, 0.5)),
    Placement("tiny, off-centre", 0.2, (0.7, 0.3)),
)


@dataclass(frozen=True)
class Drawing:
    split: str
    style: str
    variant: str
    label: int | None  # None: not a digit
    strokes: tuple  # strokes of (x, y) points in the unit box


def label_of(style: str) -> int | None:
    return None if style.startswith("not a digit") else int(style[0])


def load(split: str) -> list[Drawing]:
    """Every drawing of one split, in a fixed order."""
    known = SPLITS + TUNE_MORE_SPLITS + HELD_OUT_SPLITS
    if split not in known:
        raise ValueError(f"unknown split {split!r}: choose one of {known}")
    variants = importlib.import_module(f"bench.strokes.{split}").VARIANTS
    return [Drawing(split, style, name, label_of(style), tuple(tuple(map(tuple, s)) for s in strokes))
            for style, named in variants.items() for name, strokes in named.items()]


def place(strokes, placement: Placement) -> list[list[tuple[float, float]]]:
    """Strokes moved onto the pad (pad-relative, y down): the longest side of their box becomes placement.size."""
    xs = [x for stroke in strokes for x, _ in stroke]
    ys = [y for stroke in strokes for _, y in stroke]
    span = max(max(xs) - min(xs), max(ys) - min(ys), 1e-6)
    scale = placement.size / span
    mid_x, mid_y = (max(xs) + min(xs)) / 2, (max(ys) + min(ys)) / 2
    cx, cy = placement.centre
    return [[(cx + (x - mid_x) * scale, cy + (y - mid_y) * scale) for x, y in stroke] for stroke in strokes]
