"""mlp_core.strokes: the synthetic handwriting the shipped model adds to MNIST."""

import numpy as np
import pytest

from mlp_core.preprocess import CENTRE, FIT_BOX
from mlp_core.strokes import NOT_DIGITS, TEMPLATES, render, synthesise, synthesise_not_digits


def test_every_digit_has_the_styles_mnist_lacks():
    assert sorted(TEMPLATES) == list(range(10))
    wanted = {1: {"flag", "flag and base", "slanted"}, 2: {"looped base"}, 3: {"flat top"}, 4: {"open", "closed"},
              5: {"one stroke", "two strokes"}, 6: {"hooked top", "straight stem"}, 7: {"crossed", "hooked head"},
              8: {"one stroke", "two loops"}, 9: {"straight tail", "curved tail"}}
    for digit, styles in wanted.items():
        assert styles <= set(TEMPLATES[digit]), digit
    for styles in TEMPLATES.values():
        for strokes in styles.values():
            every = np.concatenate([np.asarray(s) for s in strokes])
            assert every.min() >= 0.0 and every.max() <= 1.0


@pytest.mark.parametrize("pen", [2.0, 6.0, 15.0])
def test_render_draws_a_round_pen_of_the_given_width(pen):
    ink = render([[(0.1, 0.5), (0.9, 0.5)]], 100, pen)
    column = ink[:, 50]
    assert column.sum() == pytest.approx(pen, abs=0.6)  # anti-aliased edges add up to the width
    assert ink.max() == 1.0 and ink.min() == 0.0
    # Round caps: the ink reaches pen/2 past each end, no further.
    row = ink[50]
    assert row[: int(10 - pen / 2) - 1].sum() == 0 and row[int(10 - pen / 2) + 1] > 0


def test_synthesise_gives_mnist_laid_out_labelled_images():
    images, labels = synthesise(60, np.random.default_rng(0))
    assert images.shape == (60, 784) and images.dtype == np.uint8
    assert labels.shape == (60,) and labels.dtype == np.uint8 and set(labels) <= set(range(10))
    square = images.reshape(-1, 28, 28) / 255.0
    rows, cols = np.mgrid[0:28, 0:28]
    for image in square:
        mass = image.sum()
        assert mass > 0
        assert abs((image * rows).sum() / mass - CENTRE) < 1.0 and abs((image * cols).sum() / mass - CENTRE) < 1.0
        inked = image >= 0.1
        height = np.ptp(np.flatnonzero(inked.any(1))) + 1
        width = np.ptp(np.flatnonzero(inked.any(0))) + 1
        assert FIT_BOX - 2 <= max(height, width) <= FIT_BOX + 1


def test_a_larger_pen_max_draws_thicker_strokes_and_changes_nothing_else():
    thin, labels = synthesise(40, np.random.default_rng(2))
    thick, thick_labels = synthesise(40, np.random.default_rng(2), pen_max=0.6)
    np.testing.assert_array_equal(labels, thick_labels)  # the same digits, styles and hands: only the pen differs
    ink = lambda images: (images >= 128).sum(axis=1)  # noqa: E731
    assert (ink(thick) >= ink(thin)).mean() > 0.9 and ink(thick).mean() > 1.3 * ink(thin).mean()


def test_synthesise_is_seeded_and_varied():
    a, la = synthesise(30, np.random.default_rng(5))
    b, lb = synthesise(30, np.random.default_rng(5))
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(la, lb)
    c, _ = synthesise(30, np.random.default_rng(6))
    assert not np.array_equal(a, c)
    # No two images alike, even of the same digit and style: each gets its own hand and pen.
    flat = a.astype(np.float32)
    distances = ((flat[:, None] - flat[None]) ** 2).sum(-1) + np.eye(30) * 1e12
    assert distances.min() > 0


def test_not_digits_are_laid_out_like_digits_and_of_every_kind():
    images = synthesise_not_digits(70, np.random.default_rng(0))
    assert images.shape == (70, 784) and images.dtype == np.uint8
    assert (images.reshape(70, -1).max(axis=1) > 200).all()  # every one has ink
    # Every kind draws: each alone, through the same hand and pen as the digits.
    for name, kind in NOT_DIGITS.items():
        strokes = kind(np.random.default_rng(1))
        every = np.concatenate([np.asarray(s, np.float64) for s in strokes])
        assert every.shape[1] == 2 and np.isfinite(every).all(), name
    again = synthesise_not_digits(70, np.random.default_rng(0))
    np.testing.assert_array_equal(images, again)

