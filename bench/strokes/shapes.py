"""Pen moves to author strokes with: straight runs and elliptic arcs in a unit box (x right, y down).

A stroke is a list of (x, y) points, one pen-down; a drawing is a list of strokes. Angles are in
degrees as on a clock face turned the mathematical way: 0 is right, 90 is top, 180 left, 270 bottom;
an arc from a larger to a smaller angle is drawn clockwise on screen.
"""

from __future__ import annotations

import math

Point = tuple[float, float]
Stroke = list[Point]


def arc(cx: float, cy: float, rx: float, ry: float, start: float, end: float, tilt: float = 0.0) -> Stroke:
    """Points along an ellipse from angle `start` to `end` (degrees), the ellipse turned by `tilt` (clockwise on screen)."""
    steps = max(4, int(abs(end - start) / 10))
    turn = math.radians(tilt)
    points = []
    for i in range(steps + 1):
        a = math.radians(start + (end - start) * i / steps)
        x, y = rx * math.cos(a), -ry * math.sin(a)
        points.append((cx + x * math.cos(turn) - y * math.sin(turn), cy + x * math.sin(turn) + y * math.cos(turn)))
    return points


def join(*pieces) -> Stroke:
    """One stroke through several pieces (lists of points, or single points), without repeating a shared point."""
    stroke: Stroke = []
    for piece in pieces:
        for point in ([piece] if isinstance(piece[0], (int, float)) else piece):
            point = (float(point[0]), float(point[1]))
            if not stroke or math.dist(stroke[-1], point) > 1e-9:
                stroke.append(point)
    return stroke


def slant(strokes: list[Stroke], amount: float, pivot_y: float = 0.5) -> list[Stroke]:
    """The drawing sheared the way a right-leaning hand writes: the top moves right by `amount` per unit of height."""
    return [[(x + amount * (pivot_y - y), y) for x, y in stroke] for stroke in strokes]
