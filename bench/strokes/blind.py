"""Style catalogue, BLIND split: held-out shapes of every digit style, by two authors who ran no model on them and
opened no other split nor the training templates (mlp_core/strokes.py); never choose a design on them.

Hand-authored in a unit box (x right, y down; bench/strokes/shapes.py) by two helpers working apart from each other,
each writing two variants of every style the way people write it quickly by hand ("p1", "p2" and "q1", "q2"); the
only checks they ran were looking at contact sheets of their own strokes (bench/strokes/preview.py). Nine came out the
textbook shape another drawing of their style already had (tests/test_drawn_bench.py refuses such copies): a third
helper, under the same rules and told only which ones, redrew 1 plain q1, 1 flag q1, 1 slanted p1 and q1, 2 plain q1,
4 open q1, 7 plain q1, 7 crossed q1 and 7 hooked head q1. No model had read any of them before they were added here.
"""

from bench.strokes.shapes import arc, join, slant, smooth

AUTHOR_P = {
    "0 plain": {
        # narrow upright oval, started at the top, anticlockwise, closing with a small overlap past the start
        "p1": [join(arc(0.5, 0.5, 0.28, 0.47, 95, 465))],
        # wide, right-leaning oval, started upper right, clockwise, stopping just short of the start (small gap)
        "p2": slant([join(arc(0.5, 0.5, 0.42, 0.44, 55, -280, tilt=-8))], 0.18),
    },
    "1 plain": {
        # a single near-vertical downstroke with a faint bow
        "p1": [join((0.53, 0.0), (0.51, 0.35), (0.49, 0.7), (0.46, 1.0))],
        # a quick downstroke leaning slightly right that flicks a little left at the foot
        "p2": [join((0.6, 0.02), (0.52, 0.5), (0.45, 0.9), (0.41, 0.97))],
    },
    "1 flag": {
        # long straight flag rising from mid-left to the top, then a straight stem down (one stroke)
        "p1": [join((0.22, 0.3), (0.56, 0.0), (0.55, 1.0))],
        # short, slightly curved flag, stem leaning right
        "p2": slant([join((0.36, 0.2), (0.45, 0.1), (0.57, 0.01), (0.56, 0.5), (0.55, 1.0))], 0.12),
    },
    "1 flag and base": {
        # flag and stem in one stroke, then a wide foot drawn left to right
        "p1": [join((0.25, 0.27), (0.55, 0.0), (0.55, 0.97)), join((0.2, 0.98), (0.9, 0.99))],
        # short flag on a right-leaning stem, narrow foot drawn right to left, slightly tilted
        "p2": slant([join((0.38, 0.16), (0.56, 0.02), (0.54, 0.96)), join((0.78, 0.95), (0.3, 0.99))], 0.15),
    },
    "1 slanted": {
        # a quick stroke leaning strongly right, bowed a little outwards (belly up-right), tail easing toward vertical
        "p1": [smooth((0.92, 0.0), (0.66, 0.34), (0.42, 0.7), (0.3, 1.0))],
        # moderate right lean, slightly bowed
        "p2": [join((0.66, 0.02), (0.56, 0.35), (0.45, 0.7), (0.36, 0.99))],
    },
    "2 plain": {
        # round hump started at the left, straight diagonal to the lower left, flat base to the right
        "p1": [join(arc(0.5, 0.3, 0.34, 0.27, 160, -25), (0.1, 0.99), (0.92, 0.98))],
        # narrow, right-leaning: small hook start, swan neck curving into the base, base rising slightly
        "p2": slant([join(arc(0.5, 0.28, 0.3, 0.25, 185, -20),
                          arc(0.08, 0.37, 0.7, 0.58, -1, -85),
                          (0.5, 0.95), (0.85, 0.9))], 0.15),
    },
    "2 looped base": {
        # wide: hump, diagonal down-left, small clockwise loop at the corner, then a flat base
        "p1": [join(arc(0.5, 0.28, 0.35, 0.26, 165, -25),
                    (0.3, 0.8), arc(0.19, 0.84, 0.13, 0.07, -60, -360, tilt=-35),
                    (0.3, 0.95), (0.92, 0.96))],
        # narrow and right-leaning: hump, slightly curved descent, larger loop, base rising a touch
        "p2": slant([join(arc(0.5, 0.27, 0.28, 0.24, 170, -20),
                          (0.56, 0.6), (0.4, 0.76),
                          arc(0.31, 0.8, 0.11, 0.08, -40, -340, tilt=-30),
                          (0.39, 0.94), (0.62, 0.95), (0.82, 0.91))], 0.16),
    },
    "3 plain": {
        # two round bowls of similar size, the middle cusp pointing left
        "p1": [join(arc(0.5, 0.26, 0.3, 0.23, 155, -90), (0.38, 0.5),
                    arc(0.5, 0.74, 0.34, 0.25, 115, -150))],
        # small top bowl, big lower bowl, leaning right, bottom tail curling up slightly
        "p2": slant([join(arc(0.48, 0.22, 0.24, 0.18, 170, -80), (0.42, 0.41),
                          arc(0.48, 0.68, 0.38, 0.3, 110, -170))], 0.14),
    },
    "3 flat top": {
        # straight top bar, diagonal down to the middle, round lower bowl
        "p1": [join((0.12, 0.04), (0.82, 0.04), (0.4, 0.42), arc(0.47, 0.7, 0.36, 0.28, 105, -155))],
        # bar rising a little, short diagonal, deeper bowl ending in a curl, leaning right
        "p2": slant([join((0.2, 0.06), (0.78, 0.02), (0.48, 0.33), arc(0.5, 0.64, 0.37, 0.33, 95, -165))], 0.15),
    },
    "4 open": {
        # slanted left arm down into the crossbar, separate tall stem starting lower than the arm's top
        "p1": [join((0.36, 0.0), (0.1, 0.62), (0.9, 0.62)), join((0.68, 0.22), (0.68, 1.0))],
        # upright left arm, short crossbar, stem from near the top, leaning right
        "p2": slant([join((0.22, 0.02), (0.19, 0.55), (0.82, 0.55)), join((0.62, 0.08), (0.6, 1.0))], 0.14),
    },
    "4 closed": {
        # diagonal from the stem's top down-left, crossbar, then the stem as a second stroke
        "p1": [join((0.66, 0.0), (0.06, 0.66), (0.92, 0.66)), join((0.66, 0.0), (0.66, 1.0))],
        # one stroke: up the stem, down the diagonal, across the bar overshooting the stem
        "p2": slant([join((0.6, 1.0), (0.6, 0.0), (0.12, 0.68), (0.95, 0.68))], 0.1),
    },
    "5 two-stroke": {
        # short stem, round bowl open to the left, then a straight top bar
        "p1": [join((0.26, 0.05), (0.22, 0.47), arc(0.48, 0.7, 0.33, 0.26, 145, -150)),
               join((0.26, 0.05), (0.84, 0.04))],
        # slanted stem, bigger bowl, bar drawn afterwards not quite touching the stem
        "p2": slant([join((0.3, 0.06), (0.2, 0.4), arc(0.47, 0.65, 0.36, 0.32, 140, -160)),
                     join((0.34, 0.03), (0.6, 0.02), (0.8, 0.0))], 0.13),
    },
    "5 one-stroke": {
        # bar from right to left, sharp turn down the stem, round bowl
        "p1": [join((0.86, 0.04), (0.24, 0.04), (0.21, 0.46), arc(0.48, 0.7, 0.33, 0.26, 145, -150))],
        # narrow, right-leaning, rounded corners, bowl ending a little open
        "p2": slant([join((0.78, 0.02), (0.4, 0.03), (0.3, 0.07), (0.27, 0.2), (0.25, 0.42),
                          arc(0.5, 0.68, 0.3, 0.29, 150, -140))], 0.18),
    },
    "6 plain": {
        # curved stem from the top right, round loop closing at its upper left
        "p1": [join(arc(0.63, 0.63, 0.5, 0.6, 80, 180), arc(0.45, 0.73, 0.32, 0.25, 180, 505))],
        # narrow, leaning right, small loop that does not quite close
        "p2": slant([join(arc(0.6, 0.6, 0.35, 0.58, 75, 182), arc(0.45, 0.78, 0.2, 0.2, 195, 500))], 0.16),
    },
    "6 hooked top": {
        # starts low on the right, rises and curls over the top like a cane, then down into the loop
        "p1": slant([join(arc(0.52, 0.2, 0.2, 0.18, -35, 180), (0.29, 0.4), (0.25, 0.68),
                          arc(0.52, 0.72, 0.27, 0.25, 190, 515))], 0.08),
        # small tight hook, long leaning stem, wide loop
        "p2": slant([join(arc(0.58, 0.14, 0.13, 0.12, -50, 170), (0.42, 0.3), (0.22, 0.6),
                          arc(0.48, 0.74, 0.28, 0.23, 175, 500))], 0.1),
    },
    "6 straight stem": {
        # straight diagonal stem from the top right into a round loop
        "p1": [join((0.74, 0.0), (0.2, 0.66), arc(0.47, 0.74, 0.3, 0.24, 175, 505))],
        # near-vertical straight stem, wide flat loop, leaning right
        "p2": slant([join((0.33, 0.0), (0.17, 0.7), arc(0.5, 0.78, 0.34, 0.2, 170, 500))], 0.12),
    },
    "7 plain": {
        # straight bar, sharp corner, straight diagonal
        "p1": [join((0.1, 0.04), (0.9, 0.04), (0.4, 1.0))],
        # short rising bar, diagonal bowing slightly, leaning right
        "p2": slant([join((0.2, 0.08), (0.5, 0.05), (0.82, 0.0), (0.64, 0.4), (0.55, 0.7), (0.52, 1.0))], 0.1),
    },
    "7 crossed": {
        # bar and diagonal in one stroke, then a short bar across the middle of the stem
        "p1": [join((0.1, 0.04), (0.9, 0.04), (0.4, 1.0)), join((0.42, 0.53), (0.88, 0.51))],
        # near-vertical stem, bar crossing it low and drawn slightly rising
        "p2": slant([join((0.15, 0.05), (0.85, 0.02), (0.6, 0.5), (0.52, 1.0)),
                     join((0.36, 0.6), (0.62, 0.56), (0.82, 0.54))], 0.12),
    },
    "7 hooked head": {
        # a short straight downward tick at the left end of the bar, drawn upward into it
        "p1": [join((0.1, 0.22), (0.12, 0.04), (0.9, 0.04), (0.42, 1.0))],
        # a curled hook starting the bar, leaning right
        "p2": slant([join(arc(0.25, 0.18, 0.12, 0.14, 185, 110), (0.5, 0.03), (0.85, 0.04), (0.55, 0.55),
                          (0.46, 1.0))], 0.12),
    },
    "8 one-stroke": {
        # started top right, anticlockwise over the top, crossing the waist into a clockwise bottom loop, back up
        "p1": [join(arc(0.5, 0.25, 0.26, 0.22, 25, 215), arc(0.5, 0.73, 0.32, 0.26, 60, -215), (0.73, 0.14))],
        # narrow and leaning: small top loop, large bottom loop, the return stroke ending short of the start
        "p2": slant([join(arc(0.5, 0.22, 0.2, 0.2, 35, 225), arc(0.5, 0.7, 0.3, 0.29, 70, -210), (0.62, 0.17))], 0.16),
    },
    "8 two-loop": {
        # small top loop then larger bottom loop, two separate closed strokes touching at the waist
        "p1": [join(arc(0.5, 0.25, 0.22, 0.22, 90, 450)), join(arc(0.5, 0.72, 0.3, 0.26, 90, -270))],
        # top loop clockwise, bottom loop anticlockwise with a small overlap, leaning right
        "p2": slant([join(arc(0.48, 0.24, 0.25, 0.23, 270, -80)),
                     join(arc(0.52, 0.71, 0.3, 0.27, 100, 470))], 0.14),
    },
    "9 straight tail": {
        # round anticlockwise head from upper right, straight vertical tail
        "p1": [join(arc(0.45, 0.28, 0.3, 0.26, 15, 375), (0.74, 1.0))],
        # flat head slightly open at the top, tail leaning steeply right to left
        "p2": slant([join(arc(0.48, 0.24, 0.32, 0.2, 40, 365), (0.74, 0.5), (0.68, 1.0))], 0.2),
    },
    "9 curved tail": {
        # round head, tail going down then curving to the left at the bottom
        "p1": [join(arc(0.45, 0.27, 0.3, 0.25, 15, 375), (0.75, 0.62), arc(0.45, 0.66, 0.3, 0.32, 0, -125))],
        # small head, one long sweeping tail bowing out to the right, leaning right
        "p2": slant([join(arc(0.45, 0.22, 0.22, 0.2, 25, 385), arc(0.15, 0.3, 0.52, 0.66, 15, -80))], 0.12),
    },
}

AUTHOR_Q = {
    "0 plain": {
        # narrow upright-ish oval, starts top slightly right, runs anticlockwise, overshoots past the start, light lean
        "q1": slant([arc(0.5, 0.5, 0.27, 0.47, 95, 468)], 0.12),
        # wide round 0 started at the top, runs clockwise, stops a little short leaving a small gap top-left
        "q2": [arc(0.5, 0.52, 0.42, 0.44, 80, -258, tilt=-8)],
    },
    "1 plain": {
        # a slightly bowed down-stroke: lands a touch right, bellies left, and the end flicks right as the pen lifts
        "q1": [smooth((0.56, 0.0), (0.51, 0.3), (0.47, 0.66), (0.48, 0.9), (0.53, 0.99))],
        # slightly bowed down-stroke, a touch more lean, ends with a tiny drift left
        "q2": [join((0.6, 0.0), (0.58, 0.25), (0.54, 0.55), (0.49, 0.85), (0.45, 1.0))],
    },
    "1 flag": {
        # a long, shallow, concave flag from low on the left up to the top, then a stem that drifts left as it falls
        "q1": [join(smooth((0.12, 0.36), (0.34, 0.2), (0.62, 0.0)), smooth((0.62, 0.0), (0.6, 0.5), (0.54, 1.0)))],
        # long, shallow, slightly curved flag from far left, stem leaning a little
        "q2": [join((0.12, 0.36), (0.3, 0.22), (0.48, 0.1), (0.66, 0.0), (0.6, 0.5), (0.53, 1.0))],
    },
    "1 flag and base": {
        # flag and stem in one stroke, then a centred wide foot drawn left to right
        "q1": [join((0.3, 0.22), (0.55, 0.0), (0.55, 0.96)), [(0.2, 0.97), (0.88, 0.97)]],
        # steep short flag, leaning stem, narrow foot drawn right to left, slightly off-centre and tilted
        "q2": slant([join((0.38, 0.18), (0.55, 0.0), (0.52, 0.97)), [(0.8, 0.95), (0.62, 0.96), (0.3, 0.99)]], 0.18),
    },
    "1 slanted": {
        # a straight stroke at a steeper lean than p1, with a tiny curl to the left at the bottom as the pen lifts
        # (the description's "straight" bent only at the very end, to differ from the plain line)
        "q1": [join((0.7, 0.0), (0.48, 0.56), (0.33, 0.93), smooth((0.33, 0.93), (0.3, 0.99), (0.25, 1.0)))],
        # leaning stroke with a faint bow, drawn quickly, steeper than q1
        "q2": [join((0.68, 0.0), (0.6, 0.28), (0.5, 0.6), (0.38, 1.0))],
    },
    "2 plain": {
        # a tall, narrow 2: the hook starts low on the left, a big round top, an S-ish diagonal, a long base rising a little
        "q1": [join(arc(0.46, 0.28, 0.3, 0.26, 165, -25), smooth((0.73, 0.39), (0.45, 0.7), (0.1, 0.96)),
                    smooth((0.1, 0.96), (0.5, 0.95), (0.9, 0.89)))],
        # wide flatter top, S-curved neck sweeping down, base rising slightly at the end, leaning
        "q2": slant([join(arc(0.48, 0.27, 0.4, 0.24, 175, 5),
                          smooth((0.88, 0.3), (0.8, 0.48), (0.55, 0.68), (0.25, 0.85), (0.08, 0.96)),
                          (0.5, 0.95), (0.96, 0.9))], 0.1),
    },
    "2 looped base": {
        # round top, diagonal down, clockwise loop at bottom-left crossing itself, then the base
        "q1": [join(arc(0.5, 0.3, 0.34, 0.27, 160, -30),
                    smooth((0.79, 0.43), (0.5, 0.66), (0.28, 0.82), (0.12, 0.86), (0.06, 0.77), (0.13, 0.68),
                           (0.24, 0.72), (0.26, 0.85), (0.32, 0.95), (0.55, 0.96), (0.92, 0.94)))],
        # narrower 2 with a rounder loop a bit above the base, base slightly sagging then rising, leaning
        "q2": slant([join(arc(0.5, 0.25, 0.3, 0.23, 150, -35),
                          smooth((0.75, 0.38), (0.45, 0.66), (0.28, 0.8), (0.18, 0.82), (0.14, 0.72), (0.2, 0.64),
                                 (0.3, 0.68), (0.3, 0.82), (0.36, 0.97), (0.6, 0.99), (0.88, 0.94)))], 0.15),
    },
    "3 plain": {
        # two stacked bowls, upper smaller, meeting at a small cusp in the middle
        "q1": [join(arc(0.47, 0.26, 0.3, 0.23, 155, -85), (0.4, 0.5), arc(0.47, 0.74, 0.35, 0.25, 95, -160))],
        # wider, top starts lower-left and the middle cusp pokes far left, bottom tail curls up; leaning
        "q2": slant([join(arc(0.5, 0.25, 0.34, 0.22, 190, -80), (0.3, 0.5),
                          arc(0.5, 0.73, 0.4, 0.26, 100, -175))], 0.12),
    },
    "3 flat top": {
        # flat top bar, diagonal down-left, then a round lower bowl ending bottom-left (one stroke)
        "q1": [join((0.15, 0.05), (0.82, 0.05), (0.42, 0.42), arc(0.47, 0.68, 0.33, 0.27, 100, -155))],
        # slightly rising bar, long steep diagonal, wide flatter bowl with an open tail curling up; leaning
        "q2": slant([join((0.12, 0.08), (0.5, 0.05), (0.9, 0.02), (0.5, 0.48),
                          arc(0.5, 0.72, 0.42, 0.25, 85, -170))], 0.1),
    },
    "4 open": {
        # a curved down-left lead-in into a long, slightly rising crossbar; the vertical starts well below the L's top
        # and leans a little, running far below the crossbar
        "q1": [join(smooth((0.44, 0.0), (0.26, 0.3), (0.08, 0.6)), smooth((0.08, 0.6), (0.5, 0.61), (0.98, 0.55))),
               smooth((0.74, 0.16), (0.71, 0.55), (0.66, 1.0))],
        # nearly upright short left stroke, long crossbar overshooting right, tall leaning vertical
        "q2": slant([join((0.22, 0.05), (0.19, 0.55), (0.96, 0.53)), [(0.7, 0.0), (0.68, 1.0)]], 0.12),
    },
    "4 closed": {
        # triangle top: diagonal from the top down-left, across, then a separate full vertical through the apex
        "q1": [join((0.6, 0.0), (0.1, 0.65), (0.9, 0.65)), [(0.62, 0.0), (0.62, 1.0)]],
        # wider, flatter triangle with a crossbar overshooting right, vertical poking above the apex; leaning
        "q2": slant([join((0.55, 0.06), (0.05, 0.62), (0.98, 0.6)), [(0.57, -0.02), (0.56, 1.0)]], 0.15),
    },
    "5 two-stroke": {
        # short neck down, round bowl opening left, then the top bar as a second stroke from the neck
        "q1": [join((0.25, 0.05), (0.21, 0.46), arc(0.47, 0.69, 0.32, 0.27, 140, -150)),
               [(0.25, 0.05), (0.8, 0.05)]],
        # leaning neck, big wide bowl, bar detached from the neck with a small gap and tilted up; leaning
        "q2": slant([join((0.3, 0.08), (0.2, 0.42), arc(0.5, 0.67, 0.38, 0.3, 130, -160)),
                     [(0.35, 0.05), (0.62, 0.03), (0.88, 0.0)]], 0.12),
    },
    "5 one-stroke": {
        # from the top right: bar leftwards, neck down, bowl, without lifting
        "q1": [join((0.82, 0.05), (0.24, 0.05), (0.21, 0.45), arc(0.48, 0.69, 0.32, 0.27, 140, -150))],
        # short bar, long neck, wide low bowl with the tail curling back up slightly; leaning
        "q2": slant([join((0.7, 0.02), (0.3, 0.04), (0.25, 0.5), arc(0.52, 0.72, 0.35, 0.25, 150, -175))], 0.14),
    },
    "6 plain": {
        # curved stem from the top right sweeping down the left, closing into a round loop at the bottom
        "q1": [join(arc(0.65, 0.65, 0.5, 0.64, 82, 180), arc(0.45, 0.72, 0.3, 0.26, 180, 525))],
        # narrower, leaning 6 with a smaller loop that stops short of the stem (not quite closed)
        "q2": slant([join(arc(0.62, 0.7, 0.42, 0.7, 85, 185), arc(0.43, 0.78, 0.24, 0.2, 190, 500))], 0.15),
    },
    "6 hooked top": {
        # starts just below the top on the right, curls up and over to the left, down into the loop
        "q1": [join(arc(0.5, 0.4, 0.28, 0.37, 15, 180), arc(0.48, 0.72, 0.27, 0.26, 180, 530))],
        # wide overhanging hook: tip curls down at the far right, arches over, long left side into a flat loop; leaning
        "q2": slant([join(smooth((0.9, 0.3), (0.86, 0.12), (0.7, 0.02), (0.5, 0.03), (0.32, 0.14), (0.22, 0.35),
                                 (0.17, 0.62), (0.2, 0.78)),
                          arc(0.46, 0.78, 0.28, 0.19, 200, 520))], 0.1),
    },
    "6 straight stem": {
        # straight diagonal stem from top right into a round loop at the bottom
        "q1": [join((0.72, 0.0), (0.18, 0.68), arc(0.45, 0.74, 0.27, 0.25, 195, 520))],
        # steeper straight stem, small loop, slight gap at the close
        "q2": [join((0.6, 0.0), (0.28, 0.74), arc(0.46, 0.8, 0.19, 0.19, 205, 500))],
    },
    "7 plain": {
        # a bar rising to the right with a sag, a sharp corner, and a stem that bows and turns nearly vertical at the foot
        "q1": [join(smooth((0.04, 0.12), (0.42, 0.08), (0.92, 0.0)), smooth((0.92, 0.0), (0.72, 0.33), (0.52, 0.7), (0.45, 1.0)))],
        # bar rising to the right, stem bowed slightly and steepening toward the bottom
        "q2": [join((0.15, 0.1), (0.92, 0.02), (0.72, 0.35), (0.55, 0.68), (0.48, 1.0))],
    },
    "7 crossed": {
        # a short bar, a long, nearly upright curving stem; the cross-bar is tilted up and sits below the middle
        "q1": [join(smooth((0.18, 0.1), (0.5, 0.09), (0.84, 0.04)), smooth((0.84, 0.04), (0.66, 0.45), (0.56, 1.0))),
               smooth((0.42, 0.6), (0.62, 0.56), (0.86, 0.5))],
        # steeper stem, cross bar drawn right to left a bit lower; leaning
        "q2": slant([join((0.12, 0.04), (0.88, 0.06), (0.55, 1.0)), [(0.88, 0.56), (0.5, 0.58)]], 0.1),
    },
    "7 hooked head": {
        # a long slanted tick drawn up from its foot, a bar arching slightly, and a stem curving in toward the bottom
        "q1": [join(smooth((0.02, 0.3), (0.04, 0.14), (0.1, 0.04)),
                    smooth((0.1, 0.04), (0.5, 0.0), (0.94, 0.06)),
                    smooth((0.94, 0.06), (0.72, 0.4), (0.58, 0.72), (0.54, 1.0)))],
        # rounded hook curling up into a rising bar, slightly bowed stem; leaning
        "q2": slant([join(smooth((0.14, 0.3), (0.08, 0.17), (0.14, 0.07), (0.3, 0.05)), (0.9, 0.0),
                          smooth((0.9, 0.0), (0.7, 0.4), (0.58, 0.75), (0.55, 1.0)))], 0.08),
    },
    "8 one-stroke": {
        # starts top right, anticlockwise over the top, crosses in the middle, clockwise round the bottom, back up
        "q1": [join(smooth((0.72, 0.16), (0.6, 0.03), (0.45, 0.02), (0.3, 0.08), (0.27, 0.22), (0.36, 0.36),
                           (0.52, 0.47), (0.7, 0.58), (0.77, 0.75), (0.7, 0.92), (0.5, 0.98), (0.3, 0.92),
                           (0.24, 0.76), (0.33, 0.6), (0.5, 0.49), (0.66, 0.37), (0.74, 0.24), (0.7, 0.12)))],
        # starts at the top middle going left, narrow small top loop, wide bottom loop, ends short of the start; leaning
        "q2": slant([join(smooth((0.55, 0.02), (0.4, 0.04), (0.32, 0.16), (0.38, 0.3), (0.5, 0.4), (0.7, 0.53),
                                 (0.82, 0.7), (0.78, 0.9), (0.55, 0.99), (0.28, 0.95), (0.17, 0.8), (0.25, 0.6),
                                 (0.45, 0.44), (0.6, 0.32), (0.66, 0.17), (0.61, 0.07)))], 0.15),
    },
    "8 two-loop": {
        # small upper circle then larger lower circle, each a separate stroke, touching in the middle
        "q1": [arc(0.5, 0.23, 0.2, 0.22, 80, 450), arc(0.5, 0.7, 0.28, 0.28, 90, -280)],
        # upper loop drawn clockwise and shifted right, lower loop anticlockwise, slight overlap; leaning
        "q2": slant([arc(0.56, 0.25, 0.24, 0.24, 20, -350, tilt=10), arc(0.47, 0.7, 0.3, 0.27, 100, 470)], 0.1),
    },
    "9 straight tail": {
        # round head drawn anticlockwise from its right side, then a straight vertical tail down from the right
        "q1": [join(arc(0.48, 0.28, 0.28, 0.26, 20, 370), (0.76, 0.3), (0.74, 1.0))],
        # small tilted head, not quite closed, long straight tail leaning left-down
        "q2": [join(arc(0.55, 0.22, 0.25, 0.2, 30, 355, tilt=-15), (0.78, 0.28), (0.55, 1.0))],
    },
    "9 curved tail": {
        # round head, tail sweeping down and curling left at the bottom
        "q1": [join(arc(0.48, 0.27, 0.28, 0.25, 20, 370), arc(0.42, 0.45, 0.34, 0.5, 10, -110))],
        # narrow, leaning 9 with a gently bowed tail ending in a small hook
        "q2": slant([join(arc(0.5, 0.22, 0.22, 0.2, 10, 365), (0.72, 0.4), arc(0.5, 0.7, 0.2, 0.28, 15, -120))], 0.15),
    },
}

VARIANTS = {style: {**AUTHOR_P[style], **AUTHOR_Q[style]} for style in AUTHOR_P}
