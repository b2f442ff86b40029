"""Style catalogue, more TUNE shapes: only the styles bench/teach.py's writers teach, so that
bench/teach_tune.py can teach one shape and measure on several others.

Hand-authored in a unit box (x right, y down; bench/strokes/shapes.py), without looking at REPORT
(report.py) or FRESH (fresh.py). Four variants per style ("m1".."m4"), each a different way people
write it from the others and from tune.py's "a" and "b": other proportions, flag or hook size, lean,
loop sizes, where a loop closes, stem curvature, stroke order and direction. Like TUNE, designs
(fine-tuning settings) may be chosen on them.
"""

from bench.strokes.shapes import arc, join, slant

VARIANTS = {
    "1 flag": {
        # short, steep flag flicked just below the top
        "m1": [join((0.45, 0.18), (0.49, 0.07), (0.54, 0.0), (0.52, 1.0))],
        # long flag from far left at a shallower angle than usual
        "m2": [join((0.14, 0.34), (0.38, 0.17), (0.62, 0.0), (0.62, 1.0))],
        # curved (bulging) flag rising into a rounded top, then the stem
        "m3": [join(arc(0.62, 0.42, 0.34, 0.42, 165, 95), (0.61, 0.03), (0.6, 0.15), (0.59, 1.0))],
        # two strokes: a slightly bowed stem first, then the flag drawn down-left from its top
        "m4": [[(0.56, 0.0), (0.58, 0.35), (0.56, 0.7), (0.5, 1.0)], [(0.56, 0.0), (0.42, 0.15), (0.24, 0.26)]],
    },
    "1 slanted": {
        # a slight lean, straight, drawn bottom-up
        "m1": [[(0.41, 1.0), (0.5, 0.5), (0.59, 0.0)]],
        # leaning at the top, the stem curving round to nearly upright at the foot
        "m2": [join((0.76, 0.0), (0.62, 0.3), (0.5, 0.62), (0.45, 1.0))],
        # leaning, with a small rounded top (a short flag curling over)
        "m3": [join((0.52, 0.16), (0.6, 0.05), (0.67, 0.0), (0.72, 0.03), (0.71, 0.12), (0.34, 1.0))],
        # a very strong lean, straight, drawn bottom-up
        "m4": [[(0.22, 1.0), (0.78, 0.0)]],
    },
    "6 plain": {
        # narrow: long stem from the top right, small loop low down closing on the stem
        "m1": [join((0.7, 0.0), (0.5, 0.12), (0.36, 0.32), (0.3, 0.55), arc(0.47, 0.8, 0.18, 0.2, 185, 525))],
        # short stem, big loop filling most of the height
        "m2": [join((0.62, 0.0), (0.42, 0.12), (0.24, 0.34), arc(0.52, 0.65, 0.32, 0.35, 170, 505))],
        # stem bowing far to the left, loop left open (ends short of the stem)
        "m3": [join((0.66, 0.0), (0.42, 0.08), (0.24, 0.25), (0.15, 0.48), arc(0.46, 0.74, 0.3, 0.26, 190, 470))],
        # right-leaning, loop overshooting across the stem
        "m4": slant([join((0.66, 0.0), (0.44, 0.2), (0.31, 0.5), arc(0.51, 0.76, 0.21, 0.24, 185, 580))], 0.25),
    },
    "6 hooked top": {
        # big, wide hook whose tip hangs well down on the right
        "m1": [join(arc(0.52, 0.36, 0.32, 0.36, 5, 180), arc(0.45, 0.78, 0.25, 0.22, 180, 525))],
        # small tight hook high up, long straight run down to a wide loop
        "m2": [join(arc(0.44, 0.17, 0.14, 0.16, 30, 180), (0.26, 0.5), arc(0.5, 0.72, 0.26, 0.28, 170, 505))],
        # hook whose tip first comes up vertically, then over, loop closing high on the stem
        "m3": [join((0.78, 0.32), (0.79, 0.18), arc(0.52, 0.26, 0.27, 0.26, 15, 180), (0.26, 0.6),
                    arc(0.5, 0.73, 0.24, 0.25, 190, 480), (0.27, 0.6))],
        # backhand (leaning left), hook as tall as it is wide, small loop
        "m4": slant([join(arc(0.5, 0.3, 0.25, 0.3, 35, 180), (0.27, 0.62), arc(0.47, 0.79, 0.2, 0.21, 180, 520))], -0.2),
    },
    "7 plain": {
        # short head, long nearly vertical stem
        "m1": [join((0.36, 0.0), (0.76, 0.0), (0.64, 1.0))],
        # long head rising to the right, stem bowed (steep at the foot)
        "m2": [join((0.05, 0.1), (0.5, 0.05), (0.92, 0.0), (0.72, 0.33), (0.58, 0.66), (0.53, 1.0))],
        # two strokes: a head sloping down to the right, then a long diagonal stem ending far left
        "m3": [[(0.15, 0.0), (0.85, 0.08)], [(0.85, 0.08), (0.55, 0.5), (0.22, 1.0)]],
        # a rounded corner at the top right, then a gently curving stem
        "m4": [join((0.22, 0.06), (0.5, 0.02), (0.74, 0.01), arc(0.74, 0.09, 0.08, 0.08, 90, -20),
                    (0.72, 0.3), (0.62, 0.6), (0.52, 1.0))],
    },
    "7 hooked head": {
        # tiny vertical tick at the left end of the head, straight stem
        "m1": [join((0.22, 0.12), (0.23, 0.0), (0.8, 0.0), (0.5, 1.0))],
        # long serif hanging to mid-height, slanting in, with a wide head
        "m2": [join((0.1, 0.45), (0.15, 0.2), (0.2, 0.02), (0.88, 0.02), (0.56, 1.0))],
        # curled start and a wavy head, stem curving
        "m3": [join(arc(0.24, 0.14, 0.1, 0.1, 270, 110), (0.35, 0.02), (0.5, 0.06), (0.65, 0.07), (0.85, 0.0),
                    (0.7, 0.4), (0.6, 0.7), (0.55, 1.0))],
        # right-leaning, small hook down-left, head and stem as two strokes
        "m4": slant([join((0.16, 0.22), (0.18, 0.1), (0.25, 0.0), (0.78, 0.0)), [(0.78, 0.0), (0.44, 1.0)]], 0.2),
    },
    "8 one-stroke": {
        # started on the left: top loop clockwise, bottom loop counter-clockwise
        "m1": [join(arc(0.5, 0.24, 0.22, 0.24, 150, -90), arc(0.5, 0.74, 0.25, 0.26, 90, 450),
                    arc(0.5, 0.24, 0.22, 0.24, 270, 145))],
        # small top loop on a big bottom loop
        "m2": [join(arc(0.5, 0.17, 0.15, 0.17, 30, 270), arc(0.5, 0.67, 0.33, 0.33, 90, -270),
                    arc(0.5, 0.17, 0.15, 0.17, -90, 35))],
        # an S and a straight line back up to the start
        "m3": [join(arc(0.5, 0.24, 0.25, 0.24, 20, 250), arc(0.5, 0.73, 0.27, 0.27, 100, -150), (0.74, 0.16))],
        # started at the waist, top loop first; leaning backhand
        "m4": slant([join(arc(0.5, 0.25, 0.2, 0.24, 270, 630), arc(0.5, 0.74, 0.24, 0.25, 90, -270))], -0.15),
    },
    "8 two-loop": {
        # bottom loop first (big), then a small top loop sitting on it
        "m1": [arc(0.5, 0.68, 0.3, 0.32, 90, 450), arc(0.5, 0.19, 0.17, 0.19, 270, -90)],
        # loops stacked off-axis: top loop to the right, bottom loop to the left, each drawn clockwise
        "m2": [arc(0.6, 0.24, 0.22, 0.24, 180, -180), arc(0.42, 0.74, 0.26, 0.26, 0, -360)],
        # tilted ellipses overlapping at the waist
        "m3": [arc(0.54, 0.26, 0.17, 0.27, 90, 450, tilt=25), arc(0.48, 0.72, 0.2, 0.28, 90, 450, tilt=25)],
        # top loop from the left overshooting its start, wide flat bottom loop left slightly open under it
        "m4": [arc(0.5, 0.24, 0.2, 0.24, 180, 530), arc(0.5, 0.73, 0.36, 0.25, 70, 410)],
    },
}
