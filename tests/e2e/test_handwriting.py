"""Handwriting the shipped model once misread (issue 15), drawn on the pad with real mouse events:
a 1 with a flag (read as 7), a 6 with a hooked top (read as 5), a dash (shown as "4, 84% sure"), an X drawn
small in a corner (read as "4, 95%" in CPython), and digits drawn a sixth of the pad high, where the pad's pen is
nearly half their height (that model, in CPython, with the pad's pen: the flagged 1 read as 9, the 4 unsure, the 5 as 8).

The strokes are written here for this test, apart from the templates the model is trained on."""

import math

import numpy as np
import pytest

from bench import pen
from mlp_core.confidence import MIN_ASPECT, ink_aspect
from mlp_core.preprocess import to_mnist

from e2e_page import clear_pad, draw_strokes_with_mouse, open_ready
from e2e_strokes import DASH

pytestmark = pytest.mark.browser


def arc(cx, cy, rx, ry, start_deg, end_deg, steps=28):
    """Elliptic arc in pad fractions (y down), angles counter-clockwise on screen."""
    return [(cx + rx * math.cos(math.radians(start_deg + (end_deg - start_deg) * i / steps)),
             cy - ry * math.sin(math.radians(start_deg + (end_deg - start_deg) * i / steps))) for i in range(steps + 1)]


FLAGGED_ONE = [[(0.38, 0.34), (0.47, 0.26), (0.56, 0.18), (0.555, 0.45), (0.55, 0.82)]]
# Started top right, curving over and down the left side, then round the bottom loop and back up into it.
HOOKED_SIX = [arc(0.52, 0.42, 0.2, 0.24, 35, 180) + arc(0.5, 0.64, 0.17, 0.16, 180, -175)]
SMALL_X = [[(0.62, 0.18), (0.78, 0.4)], [(0.79, 0.17), (0.61, 0.41)]]  # top right, about a fifth of the pad
SMALL_ONE = [[(0.63, 0.7), (0.665, 0.66), (0.69, 0.63), (0.687, 0.71), (0.685, 0.79)]]  # flagged, low right
SMALL_FOUR = [[(0.2, 0.2), (0.14, 0.3), (0.24, 0.3)], [(0.22, 0.24), (0.22, 0.36)]]  # open top, top left
SMALL_FIVE = [[(0.6, 0.4), (0.52, 0.4), (0.51, 0.47)] + arc(0.55, 0.51, 0.045, 0.045, 140, -140)]  # mid-pad
# Flatter than the verdict's MIN_ASPECT, which once showed them as "Not like a digit; closest 2 (99.9%)".
WIDE_TWO = [[(0.12, 0.42), (0.3, 0.32), (0.65, 0.31), (0.85, 0.4), (0.5, 0.56), (0.12, 0.66), (0.88, 0.66)]]
WIDE_SEVEN = [[(0.12, 0.35), (0.88, 0.35), (0.7, 0.55), (0.6, 0.68)]]


@pytest.fixture(scope="module")
def page(module_pages):
    page, _ = module_pages.open()
    open_ready(page, module_pages.site)
    return page


def draw(page, strokes):
    """Each stroke with real pointer events; returns the prediction and what #prediction shows."""
    clear_pad(page)
    prediction = draw_strokes_with_mouse(page, strokes)
    shown = page.eval_on_selector("#prediction", "el => ({text: el.textContent, unsure: el.dataset.unsure, "
                                                 "runnerUp: el.dataset.runnerUp})")
    return prediction, shown, page.inner_text("#confidence")


@pytest.mark.parametrize("strokes, digit", [(FLAGGED_ONE, 1), (HOOKED_SIX, 6), (SMALL_ONE, 1), (SMALL_FOUR, 4),
                                            (SMALL_FIVE, 5)],
                         ids=["flagged 1", "hooked 6", "small flagged 1", "small 4", "small 5"])
def test_styles_mnist_lacks_are_read(page, strokes, digit):
    prediction, shown, confidence = draw(page, strokes)
    assert prediction.digit == digit, f"bars {prediction.probs}"
    assert shown == {"text": str(digit), "unsure": "false", "runnerUp": ""}, shown
    assert confidence.endswith("% sure")


@pytest.mark.parametrize("strokes, digit", [(WIDE_TWO, 2), (WIDE_SEVEN, 7)], ids=["wide 2", "wide 7"])
def test_a_wide_digit_the_network_is_all_but_certain_of_is_shown(page, strokes, digit):
    prediction, shown, confidence = draw(page, strokes)
    assert ink_aspect(np.array(page.evaluate(SEEN))) < MIN_ASPECT  # flat enough for the flat rule to apply
    assert prediction.digit == digit and shown == {"text": str(digit), "unsure": "false", "runnerUp": ""}, (shown, confidence)


@pytest.mark.parametrize("strokes", [DASH, SMALL_X], ids=["dash", "small X"])
def test_no_digit_is_shown_as_unsure_with_the_two_closest_digits(page, strokes):
    prediction, shown, confidence = draw(page, strokes)
    assert shown["unsure"] == "true" and shown["text"] == "?", shown
    top, runner_up = prediction.digit, int(shown["runnerUp"])
    assert top != runner_up and prediction.probs[top] >= prediction.probs[runner_up]
    assert str(top) in confidence and str(runner_up) in confidence and "sure" not in confidence.split("(")[0]


# What the network saw, from #seen (web/js/views/pictures.js paints value v as red = 255 - 226 v).
SEEN = """() => Array.from(document.querySelector('#seen').getContext('2d').getImageData(0, 0, 28, 28).data
                     .filter((_, i) => i % 4 === 0), (red) => (255 - red) / 226)"""


def test_a_small_drawing_reaches_python_drawn_with_a_pen_to_its_size(page):
    """The pad shows its own pen; the ink Python reads is drawn again thinner (pad.js inkPen), as bench/pen.py's twin
    of it draws the same strokes for the benchmark's CPython path."""
    draw(page, SMALL_FIVE)
    seen = np.array(page.evaluate(SEEN), np.float32).reshape(28, 28)
    thin_gap = np.abs(seen - to_mnist(pen.render(SMALL_FIVE, *pen.ink_pen(SMALL_FIVE)))).mean()
    thick_gap = np.abs(seen - to_mnist(pen.render(SMALL_FIVE, *pen.page_pen()))).mean()
    assert thin_gap < 0.03 < thick_gap, (thin_gap, thick_gap)
