"""Pen moves to author strokes with: straight runs, elliptic arcs and smooth curves in a unit box (x right, y down).

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


def unsteady(strokes: list[Stroke], rng, wobble: float = 0.03, slant_max: float = 0.15, turn_max: float = 8.0) -> list[Stroke]:
    """The drawing as an unsteady hand makes it: a random slant and turn of the whole, and a smooth wobble
    (two slow waves along each stroke, at most `wobble` of the unit box) instead of perfect lines and arcs."""
    import numpy as np

    turn = math.radians(rng.uniform(-turn_max, turn_max))
    shear = rng.uniform(-slant_max, slant_max)
    matrix = np.array([[math.cos(turn), -math.sin(turn)], [math.sin(turn), math.cos(turn)]]) @ np.array([[1.0, -shear], [0.0, 1.0]])
    moved = []
    for stroke in strokes:
        points = np.asarray(stroke, dtype=np.float64)
        steps = np.hypot(*np.diff(points, axis=0).T) if len(points) > 1 else np.zeros(0)
        along = np.concatenate([[0.0], np.cumsum(steps)])
        fine = np.linspace(0.0, along[-1], max(2, int(along[-1] / 0.01) + 1)) if along[-1] > 0 else along
        if along[-1] > 0:
            points = np.stack([np.interp(fine, along, points[:, 0]), np.interp(fine, along, points[:, 1])], axis=1)
        shift = np.zeros_like(points)
        for axis in (0, 1):
            for _ in range(2):
                wavelength = rng.uniform(0.3, 1.0)
                shift[:, axis] += wobble / 2 * rng.uniform(0.3, 1.0) * np.sin(2 * np.pi * fine / wavelength + rng.uniform(0, 2 * np.pi))
        moved.append([tuple(p) for p in (points + shift - 0.5) @ matrix.T + 0.5])
    return moved


def smooth(*points, steps: int = 6) -> Stroke:
    """A curve through the points the way a hand rounds them (Catmull-Rom, `steps` points per span), a piece for join."""
    points = [(float(x), float(y)) for x, y in points]
    knots = [points[0]] + points + [points[-1]]  # the ends doubled: the curve starts and stops on them
    curve: Stroke = []
    for p0, p1, p2, p3 in zip(knots, knots[1:], knots[2:], knots[3:]):
        for t in (k / steps for k in range(steps)):
            curve.append(tuple(0.5 * (2 * b + (c - a) * t + (2 * a - 5 * b + 4 * c - d) * t * t + (3 * b - a - 3 * c + d) * t ** 3)
                               for a, b, c, d in zip(p0, p1, p2, p3)))
    return curve + [points[-1]]
