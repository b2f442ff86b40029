"""Style catalogue, FRESH split: held-out shapes for bench/teach.py's writers, authored after the fine-tuning
settings were chosen; never choose a design on them.

Hand-authored in a unit box (x right, y down; bench/strokes/shapes.py): only the styles bench/teach.py
teaches, each drawn with shapes neither tune.py nor report.py holds (other proportions, flag and hook
shapes, curvature, loop sizes, slant, stroke order), not jittered copies of theirs.
"""

from bench.strokes.shapes import arc, join, slant

VARIANTS = {
    "1 flag": {
        # a short, shallow flag (about 30 degrees), a rounded top and a stem bowed a little right
        "e": [join((0.34, 0.13), (0.5, 0.03), (0.56, 0.0), (0.59, 0.04), (0.6, 0.3), (0.59, 0.65), (0.55, 1.0))],
        # a short, steep flag that curves up into the stem
        "f": [join((0.4, 0.3), (0.44, 0.17), (0.49, 0.07), (0.54, 0.0), (0.55, 0.5), (0.53, 1.0))],
    },
    "1 slanted": {
        # one straight stroke, leaning hard (over half a unit across the height)
        "e": [[(0.77, 0.0), (0.23, 1.0)]],
        # leaning at the top, bending to steeper at the foot, like a bow
        "f": [join((0.78, 0.0), (0.62, 0.28), (0.5, 0.55), (0.43, 0.8), (0.4, 1.0))],
    },
    "6 plain": {
        # tall: a long sweeping stem into a small loop at the foot
        "e": [join(arc(0.88, 0.8, 0.64, 0.8, 100, 180), arc(0.45, 0.8, 0.21, 0.19, 180, 515))],
        # short stem into a wide loop that fills two thirds of the height and closes high on the stem
        "f": slant([join((0.66, 0.0), (0.44, 0.1), (0.27, 0.3), (0.19, 0.55), arc(0.52, 0.66, 0.34, 0.33, 195, 505))], 0.08),
    },
    "6 hooked top": {
        # a tight crook: the hook's tip hangs well down on the right, then a small loop
        "e": [join(arc(0.46, 0.22, 0.22, 0.22, -20, 180), (0.22, 0.48), arc(0.47, 0.78, 0.25, 0.21, 185, 515))],
        # a small round hook at the top of a straight diagonal stem, over a big loop
        "f": [join(arc(0.64, 0.14, 0.14, 0.14, 0, 160), (0.17, 0.64), arc(0.5, 0.68, 0.33, 0.3, 188, 515))],
    },
    "7 plain": {
        # a short head rising to the right and a stem bowed out to the right
        "e": [join((0.28, 0.1), (0.74, 0.0), (0.72, 0.25), (0.63, 0.55), (0.5, 1.0))],
        # a wide head sloping down, a rounded corner and a long straight stem to the far left
        "f": [join((0.06, 0.0), (0.72, 0.04), (0.84, 0.07), (0.86, 0.12), (0.28, 1.0))],
    },
    "7 hooked head": {
        # a short tick angled up to the right
        "e": [join((0.1, 0.2), (0.2, 0.02), (0.84, 0.0), (0.5, 1.0))],
        # a long, gently rounded hook that turns into the bar, and a curved stem
        "f": [join(arc(0.36, 0.34, 0.24, 0.34, 180, 90), (0.86, 0.02), (0.66, 0.4), (0.5, 0.75), (0.44, 1.0))],
    },
    "8 one-stroke": {
        # begun at the top: a small top loop over a big bottom loop (the usual way round)
        "e": [join(arc(0.5, 0.18, 0.15, 0.18, 90, 270), arc(0.5, 0.68, 0.32, 0.32, 90, -270), arc(0.5, 0.18, 0.15, 0.18, -90, 90))],
        # the other way round: over to the right first, a wide top loop and a narrower bottom one, both tilted
        "f": [join(arc(0.52, 0.24, 0.28, 0.24, 90, -90, tilt=-12), arc(0.5, 0.74, 0.22, 0.26, 90, 450, tilt=-12),
                   arc(0.52, 0.24, 0.28, 0.24, 270, 90, tilt=-12))],
    },
    "8 two-loop": {
        # a snowman: a small top circle begun at its left, anticlockwise; a big bottom one begun at its upper right, clockwise
        "e": [arc(0.5, 0.2, 0.17, 0.2, 200, 560), arc(0.5, 0.7, 0.33, 0.3, 45, -315)],
        # two narrow ovals leaning right, the top one from its foot
        "f": slant([arc(0.5, 0.25, 0.16, 0.25, 270, -90), arc(0.5, 0.75, 0.2, 0.25, 120, 480)], 0.22),
    },
}
