"""A canvas-like pen in NumPy, written for the benchmark independently of mlp_core: strokes -> ink.

Like a 2-D canvas stroking a path with round caps and joins: each pixel's ink is the share of it the
pen covers, approximated by a one-pixel linear ramp across the pen's edge (distance from the pixel
centre to the stroke). Within one stroke the pen's coverage is a union; strokes are laid over each other
the way canvas composites ("source-over": a + b (1 - a)). The pen width and ink grid default to the
page's own (web/js/pad.js), so this path and the page draw the same strokes with the same pen.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

import numpy as np

PAD_JS = Path(__file__).resolve().parent.parent / "web" / "js" / "pad.js"


@functools.cache  # read once: the CPython path asks for every drawing
def _pad_constant(name: str) -> float:
    found = re.search(rf"{name}\s*=\s*([0-9.]+)", PAD_JS.read_text())
    if not found:
        raise RuntimeError(f"{PAD_JS} no longer defines {name}: update bench/pen.py")
    return float(found.group(1))


def page_pen() -> tuple[int, float]:
    """(ink grid side, pen width in ink pixels) read from the page's pad.js: one source of truth."""
    side = int(_pad_constant("INK_SIZE"))
    return side, _pad_constant("STROKE_FRACTION") * side


def ink_pen_share() -> float:
    """The largest pen of the ink the page sends Python, as a share of the drawing's longest side (pad.js)."""
    return _pad_constant("INK_PEN_SHARE")


def ink_pen(strokes) -> tuple[int, float]:
    """(ink grid side, pen width in ink pixels) of the ink the page sends Python for these strokes (pad.js inkPen):
    the pad's pen, thinner for a small drawing."""
    side, width = page_pen()
    points = np.array([point for stroke in strokes for point in stroke], np.float64).reshape(-1, 2)
    longest = float(np.ptp(points, axis=0).max()) if len(points) else 0.0
    share = max(_pad_constant("MIN_INK_FRACTION"), ink_pen_share() * longest)
    return side, min(width, share * side)


def _segment_distance(ys, xs, start, end):
    """Distance from pixel centres (ys, xs grids) to the segment start-end (points as (x, y))."""
    (x0, y0), (x1, y1) = start, end
    dx, dy = x1 - x0, y1 - y0
    length2 = dx * dx + dy * dy
    if length2 == 0:
        return np.hypot(xs - x0, ys - y0)
    t = np.clip(((xs - x0) * dx + (ys - y0) * dy) / length2, 0.0, 1.0)
    return np.hypot(xs - x0 - t * dx, ys - y0 - t * dy)


def render(strokes, side: int, width: float) -> np.ndarray:
    """Strokes (lists of (x, y) in [0, 1] of the pad, y down) -> (side, side) float32 ink in [0, 1]."""
    canvas = np.zeros((side, side), np.float32)
    radius = width / 2.0
    reach = radius + 1.0
    centres = np.arange(side, dtype=np.float64) + 0.5
    for stroke in strokes:
        points = [(x * side, y * side) for x, y in stroke]
        pairs = list(zip(points, points[1:])) or [(points[0], points[0])]
        distance = np.full((side, side), np.inf)
        for start, end in pairs:
            x0 = max(0, int(np.floor(min(start[0], end[0]) - reach)))
            x1 = min(side, int(np.ceil(max(start[0], end[0]) + reach)) + 1)
            y0 = max(0, int(np.floor(min(start[1], end[1]) - reach)))
            y1 = min(side, int(np.ceil(max(start[1], end[1]) + reach)) + 1)
            if x0 >= x1 or y0 >= y1:
                continue
            near = _segment_distance(centres[y0:y1, None], centres[None, x0:x1], start, end)
            np.minimum(distance[y0:y1, x0:x1], near, out=distance[y0:y1, x0:x1])
        cover = np.clip(radius - distance + 0.5, 0.0, 1.0).astype(np.float32)
        canvas += cover * (1.0 - canvas)
    return canvas
