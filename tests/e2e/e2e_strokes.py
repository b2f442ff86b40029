"""Handwritten-looking digits as pen strokes, in pad-relative coordinates (0..1, y downwards).

Each digit is a list of strokes (pen down ... pen up), each stroke a polyline drawn the way people
usually write the digit: a slightly tilted loop for 0, a slanted bar for 1, a 4 in two strokes, and so on.
They fill roughly the middle 60% of the pad, as a user's digit would, and are not tuned to any model.
"""

from __future__ import annotations

import math

Point = tuple[float, float]
Stroke = list[Point]


def _loop(cx: float, cy: float, rx: float, ry: float, tilt_deg: float, start_deg: float, sweep_deg: float) -> Stroke:
    """An elliptic arc, counter-clockwise on screen, as a pen would trace it."""
    tilt = math.radians(tilt_deg)
    points = []
    steps = 36
    for i in range(steps + 1):
        a = math.radians(start_deg - sweep_deg * i / steps)
        x, y = rx * math.cos(a), -ry * math.sin(a)
        points.append((cx + x * math.cos(tilt) - y * math.sin(tilt), cy + x * math.sin(tilt) + y * math.cos(tilt)))
    return points


DIGITS: dict[int, list[Stroke]] = {
    # Started at the top, round counter-clockwise, closing with a small overlap.
    0: [_loop(0.5, 0.5, 0.19, 0.3, tilt_deg=12, start_deg=95, sweep_deg=-375)],
    # One slightly slanted downstroke.
    1: [[(0.54, 0.2), (0.52, 0.4), (0.49, 0.62), (0.47, 0.8)]],
    # Hook over the top, diagonal down to the left, flat base.
    2: [[(0.32, 0.32), (0.37, 0.23), (0.47, 0.19), (0.58, 0.21), (0.65, 0.29), (0.64, 0.4),
         (0.55, 0.52), (0.44, 0.64), (0.33, 0.77), (0.45, 0.77), (0.58, 0.77), (0.7, 0.78)]],
    # Two bumps to the right, one stroke.
    3: [[(0.33, 0.25), (0.43, 0.19), (0.55, 0.19), (0.64, 0.26), (0.63, 0.37), (0.53, 0.45), (0.45, 0.48),
         (0.56, 0.51), (0.66, 0.59), (0.67, 0.7), (0.58, 0.79), (0.45, 0.81), (0.33, 0.76)]],
    # Down and across, then the long vertical.
    4: [[(0.42, 0.2), (0.37, 0.36), (0.31, 0.56), (0.48, 0.57), (0.7, 0.56)],
        [(0.6, 0.3), (0.6, 0.55), (0.59, 0.82)]],
    # Top bar, then a long diagonal down to the left.
    7: [[(0.3, 0.22), (0.5, 0.22), (0.7, 0.21), (0.6, 0.42), (0.52, 0.6), (0.46, 0.8)]],
}

# No digit: a plain horizontal dash across the middle (the page must show it as unsure).
DASH = [[(0.25, 0.52), (0.5, 0.51), (0.75, 0.5)]]


def densify(stroke: Stroke, width: float, height: float, step_px: float = 4.0) -> list[Point]:
    """The stroke scaled to a pad of width x height pixels, with a point every few pixels (one pointermove each)."""
    scaled = [(x * width, y * height) for x, y in stroke]
    points = [scaled[0]]
    for (x0, y0), (x1, y1) in zip(scaled, scaled[1:]):
        n = max(1, int(math.hypot(x1 - x0, y1 - y0) / step_px))
        points.extend((x0 + (x1 - x0) * i / n, y0 + (y1 - y0) * i / n) for i in range(1, n + 1))
    return points
