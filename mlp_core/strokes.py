"""Synthetic handwriting: digit styles MNIST under-represents, drawn from stroke templates with a round pen.

MNIST was written mostly by American writers: few 1s with a flag, 7s with a bar, 6s with a hooked top.
The shipped model adds images rendered from the templates below, each one randomly slanted, stretched,
warped and drawn with a pen of random width, then laid out by `preprocess.to_mnist` exactly as a drawing
on the page is. The templates are for training only; anything that measures the model must use strokes
of its own.
"""

from __future__ import annotations

import numpy as np

from .preprocess import to_mnist
from .recipes import PEN_MAX, PEN_MIN

CANVAS = 96  # side of the canvas a synthetic digit is drawn on before to_mnist


def _arc(cx, cy, rx, ry, start_deg, end_deg, steps=24):
    """Elliptic arc in unit coordinates (y down), angles counter-clockwise as seen on screen."""
    angles = np.deg2rad(np.linspace(start_deg, end_deg, steps))
    return [(cx + rx * np.cos(a), cy - ry * np.sin(a)) for a in angles]


def _eight(steps=48):
    """One-stroke figure eight: top loop, cross in the middle, bottom loop, back up."""
    t = np.linspace(0.0, 2.0 * np.pi, steps)
    return list(zip(0.5 + 0.2 * np.sin(2.0 * t), 0.5 - 0.4 * np.cos(t)))


# digit -> {style name: [stroke, ...]}, each stroke a list of (x, y) in [0, 1], y downwards.
TEMPLATES = {
    0: {"oval": [_arc(0.5, 0.5, 0.25, 0.4, 95, 460)],
        "narrow": [_arc(0.5, 0.5, 0.15, 0.4, 80, 430)]},
    1: {"stem": [[(0.5, 0.1), (0.5, 0.9)]],
        "flag": [[(0.33, 0.3), (0.56, 0.1), (0.56, 0.9)]],
        "flag and base": [[(0.35, 0.28), (0.55, 0.1), (0.55, 0.9)], [(0.33, 0.9), (0.77, 0.9)]],
        "slanted": [[(0.64, 0.1), (0.4, 0.9)]],
        "long flag": [[(0.25, 0.4), (0.6, 0.1), (0.52, 0.9)]]},
    2: {"plain": [_arc(0.5, 0.3, 0.24, 0.2, 160, -20) + [(0.24, 0.9), (0.78, 0.9)]],
        "looped base": [_arc(0.5, 0.3, 0.24, 0.2, 160, -20)
                        + [(0.3, 0.8), (0.22, 0.86), (0.27, 0.93), (0.36, 0.84), (0.5, 0.88), (0.78, 0.9)]],
        "flat top": [[(0.25, 0.12), (0.72, 0.12), (0.74, 0.35), (0.25, 0.9), (0.78, 0.9)]]},
    3: {"round": [_arc(0.48, 0.29, 0.22, 0.19, 150, -90), _arc(0.48, 0.7, 0.26, 0.2, 90, -150)],
        "one stroke": [_arc(0.48, 0.29, 0.22, 0.19, 150, -90) + _arc(0.48, 0.7, 0.26, 0.2, 90, -150)],
        "flat top": [[(0.25, 0.1), (0.75, 0.1), (0.45, 0.44)] + _arc(0.48, 0.68, 0.26, 0.22, 110, -150)]},
    4: {"open": [[(0.45, 0.1), (0.2, 0.62), (0.82, 0.62)], [(0.64, 0.3), (0.64, 0.9)]],
        "closed": [[(0.64, 0.9), (0.64, 0.1), (0.2, 0.64), (0.84, 0.64)]],
        "square": [[(0.26, 0.1), (0.26, 0.55), (0.8, 0.55)], [(0.7, 0.1), (0.7, 0.9)]]},
    5: {"two strokes": [[(0.3, 0.12), (0.28, 0.46)] + _arc(0.47, 0.66, 0.26, 0.23, 130, -150),
                        [(0.3, 0.12), (0.76, 0.1)]],
        "one stroke": [[(0.76, 0.1), (0.3, 0.12), (0.28, 0.46)] + _arc(0.47, 0.66, 0.26, 0.23, 130, -150)],
        "angular": [[(0.74, 0.1), (0.3, 0.1), (0.27, 0.45), (0.62, 0.45), (0.75, 0.62), (0.68, 0.86),
                     (0.45, 0.92), (0.25, 0.82)]]},
    6: {"straight stem": [[(0.64, 0.1), (0.3, 0.62)] + _arc(0.5, 0.68, 0.22, 0.22, 190, -170)],
        "hooked top": [_arc(0.52, 0.38, 0.23, 0.28, 30, 180) + _arc(0.5, 0.68, 0.22, 0.22, 180, -180)],
        "curved": [_arc(0.75, 0.62, 0.45, 0.52, 100, 180) + _arc(0.52, 0.7, 0.22, 0.2, 180, -170)],
        # a short stem into a loop most of the digit's height: without it such 6s read as 0 (bench/strokes/tune_more.py)
        "big loop": [[(0.62, 0.1), (0.45, 0.2)] + _arc(0.5, 0.62, 0.3, 0.28, 165, -195)]},
    7: {"plain": [[(0.22, 0.1), (0.8, 0.1), (0.42, 0.9)]],
        "crossed": [[(0.22, 0.1), (0.8, 0.1), (0.42, 0.9)], [(0.38, 0.5), (0.78, 0.5)]],
        "hooked head": [[(0.2, 0.24), (0.23, 0.1), (0.8, 0.1), (0.45, 0.9)]],
        "curved stem": [[(0.22, 0.1), (0.8, 0.1), (0.62, 0.4), (0.52, 0.65), (0.5, 0.9)]]},
    8: {"one stroke": [_eight()],
        "two loops": [_arc(0.5, 0.28, 0.19, 0.18, 0, 360), _arc(0.5, 0.7, 0.24, 0.2, 90, 450)],
        "snowman": [_arc(0.5, 0.3, 0.16, 0.2, 270, 630) + _arc(0.5, 0.72, 0.25, 0.18, 90, 450)],
        # a small top loop on a big bottom one, in one stroke: without it small such 8s read as 0 (tune_more.py)
        "small top": [_arc(0.5, 0.2, 0.12, 0.12, 270, 630) + _arc(0.5, 0.64, 0.26, 0.26, 90, 450)]},
    9: {"straight tail": [_arc(0.5, 0.3, 0.22, 0.2, 0, 360), [(0.72, 0.3), (0.7, 0.9)]],
        "curved tail": [_arc(0.5, 0.3, 0.22, 0.2, 10, 370) + [(0.7, 0.6), (0.62, 0.84), (0.45, 0.9)]],
        "one stroke": [_arc(0.5, 0.3, 0.22, 0.2, 0, 370) + [(0.7, 0.6), (0.64, 0.9)]]},
}


def render(strokes, side: int, pen: float) -> np.ndarray:
    """Strokes in unit coordinates -> (side, side) ink in [0, 1]: a round pen `pen` pixels wide,
    anti-aliased over one pixel."""
    rows, cols = np.mgrid[0:side, 0:side].astype(np.float32) + np.float32(0.5)
    distance = np.full((side, side), np.inf, np.float32)
    for stroke in strokes:
        points = np.asarray(stroke, np.float32) * side
        if len(points) == 1:
            points = np.concatenate([points, points])
        for (x0, y0), (x1, y1) in zip(points[:-1], points[1:]):
            dx, dy = x1 - x0, y1 - y0
            length2 = dx * dx + dy * dy
            t = ((cols - x0) * dx + (rows - y0) * dy) / length2 if length2 > 0 else np.zeros_like(rows)
            np.clip(t, 0.0, 1.0, out=t)
            np.minimum(distance, np.hypot(cols - x0 - t * dx, rows - y0 - t * dy), out=distance)
    return np.clip(pen / 2.0 - distance + 0.5, 0.0, 1.0)


def _jitter(strokes, rng):
    """A random hand: slant, rotation, aspect, a smooth warp and a little wobble, fitted back to 0.1..0.9."""
    angle = np.deg2rad(rng.uniform(-12, 12))
    shear = rng.uniform(-0.35, 0.25)  # negative: the top leans right, as most writers slant
    aspect = np.exp(rng.uniform(-0.3, 0.2))
    cos, sin = np.cos(angle), np.sin(angle)
    matrix = np.array([[cos, -sin], [sin, cos]]) @ np.array([[1.0, shear], [0.0, 1.0]]) @ np.diag([aspect, 1.0])
    amplitude = rng.uniform(0.0, 0.04, 2)
    frequency = rng.uniform(1.0, 3.0, 2)
    phase = rng.uniform(0, 2 * np.pi, 2)
    out = []
    for stroke in strokes:
        p = np.asarray(stroke, np.float64) - 0.5
        p = p @ matrix.T
        p[:, 0] += amplitude[0] * np.sin(frequency[0] * 2 * np.pi * p[:, 1] + phase[0])
        p[:, 1] += amplitude[1] * np.sin(frequency[1] * 2 * np.pi * p[:, 0] + phase[1])
        p += rng.normal(0.0, 0.006, p.shape)
        out.append(p)
    every = np.concatenate(out)
    low, high = every.min(axis=0), every.max(axis=0)
    scale = 0.8 / max(high - low)
    return [(p - (low + high) / 2) * scale + 0.5 for p in out]


def _line(rng, angle, centre=(0.5, 0.5), length=0.8):
    """A straight stroke through `centre` at `angle` degrees, its ends each moved a little at random."""
    direction = np.array([np.cos(np.deg2rad(angle)), -np.sin(np.deg2rad(angle))]) * length / 2
    ends = np.array([np.asarray(centre) - direction, np.asarray(centre) + direction])
    return list(map(tuple, ends + rng.normal(0.0, 0.03, ends.shape)))


def _crossing(rng):
    """Two lines crossing near the middle: an X, a plus, or anything between."""
    first = rng.uniform(0, 180)
    return [_line(rng, first), _line(rng, first + rng.uniform(50, 130))]


def _hash(rng):
    """Two near-parallel lines crossed by two more."""
    a, b = rng.uniform(60, 120), rng.uniform(-30, 30)
    return [_line(rng, a, (0.35, 0.5)), _line(rng, a, (0.65, 0.5)), _line(rng, b, (0.5, 0.35)),
            _line(rng, b, (0.5, 0.65))]


def _star(rng):
    """Three or four lines through one point."""
    count = int(rng.integers(3, 5))
    start = rng.uniform(0, 180)
    return [_line(rng, start + 180 * k / count) for k in range(count)]


def _ring_crossed(rng):
    """A ring with two lines crossing inside or through it."""
    first = rng.uniform(0, 180)
    reach = rng.uniform(0.55, 0.95)
    return [_arc(0.5, 0.5, 0.35, 0.35 * rng.uniform(0.8, 1.2), 0, 360),
            _line(rng, first, length=reach), _line(rng, first + rng.uniform(60, 120), length=reach)]


def _scribble(rng):
    """A tangle: ten to sixteen points thrown at random into the box, joined in order."""
    return [list(map(tuple, rng.uniform(0.1, 0.9, (int(rng.integers(10, 17)), 2))))]


def _triangle(rng):
    """A closed triangle, each corner moved a little at random."""
    corners = rng.uniform(-0.08, 0.08, (3, 2)) + [(0.5, 0.12), (0.12, 0.85), (0.88, 0.85)]
    return [list(map(tuple, np.concatenate([corners, corners[:1]])))]


# Capital letters that no digit resembles, drawn the plain way.
LETTERS = {
    "A": [[(0.15, 0.9), (0.5, 0.1), (0.85, 0.9)], [(0.3, 0.6), (0.7, 0.6)]],
    "H": [[(0.2, 0.1), (0.2, 0.9)], [(0.8, 0.1), (0.8, 0.9)], [(0.2, 0.5), (0.8, 0.5)]],
    "K": [[(0.25, 0.1), (0.25, 0.9)], [(0.8, 0.1), (0.25, 0.55)], [(0.4, 0.45), (0.8, 0.9)]],
    "M": [[(0.12, 0.9), (0.2, 0.1), (0.5, 0.6), (0.8, 0.1), (0.88, 0.9)]],
    "W": [[(0.1, 0.1), (0.3, 0.9), (0.5, 0.4), (0.7, 0.9), (0.9, 0.1)]],
    "E": [[(0.78, 0.1), (0.25, 0.1), (0.25, 0.9), (0.78, 0.9)], [(0.25, 0.5), (0.65, 0.5)]],
}

# name -> a function of the random generator giving the strokes of one drawing that is no digit.
NOT_DIGITS = {"crossing": _crossing, "hash": _hash, "star": _star, "ring crossed": _ring_crossed,
              "scribble": _scribble, "triangle": _triangle,
              "letter": lambda rng: list(LETTERS.values())[rng.integers(len(LETTERS))]}


def _draw(strokes, rng, pen_max) -> np.ndarray:
    """One template through a random hand and pen (see synthesise), laid out by to_mnist: (784,) uint8."""
    strokes = _jitter(strokes, rng)
    pen = CANVAS * 0.8 * rng.uniform(PEN_MIN, pen_max)
    image = to_mnist(render(strokes, CANVAS, pen))
    return np.rint(image.reshape(-1) * 255).astype(np.uint8)


def synthesise_not_digits(count: int, rng: np.random.Generator, pen_max: float = PEN_MAX) -> np.ndarray:
    """`count` drawings that are no digit (NOT_DIGITS, kinds drawn uniformly) through the same random hand and
    pens as synthesise: (count, 784) uint8. Training shows each one with every label alike (buildlib.model), so
    the network learns to spread its answer over all ten: outlier exposure (Hendrycks et al., 2019)."""
    kinds = list(NOT_DIGITS.values())
    return np.array([_draw(kinds[rng.integers(len(kinds))](rng), rng, pen_max) for _ in range(count)],
                    np.uint8).reshape(count, 784)


def synthesise(count: int, rng: np.random.Generator, pen_max: float = PEN_MAX):
    """`count` synthetic digits: (count, 784) uint8 images laid out by to_mnist, and (count,) uint8 labels.

    Digits and styles are drawn uniformly. The pen is 4-25% of the digit's height by default: on the page's pad
    (pen 7% of the pad) that is a digit between a quarter of the pad and all of it, and other pens. A larger
    `pen_max` covers smaller digits on the pad (at 15% of the pad its pen is 47% of the digit's height).
    """
    images = np.zeros((count, 784), np.uint8)
    labels = rng.integers(0, 10, count).astype(np.uint8)
    for i, digit in enumerate(labels):
        styles = list(TEMPLATES[int(digit)].values())
        images[i] = _draw(styles[rng.integers(len(styles))], rng, pen_max)
    return images, labels
