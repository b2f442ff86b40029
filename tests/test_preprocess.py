"""to_mnist: drawing -> MNIST-style 28x28 (crop, 20x20 fit, centre of mass; optional skeleton stroke redraw)."""

import hypothesis.strategies as st
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis.extra.numpy import arrays

from mlp_core.preprocess import CENTRE, FIT_BOX, to_mnist


def stroke_canvas(side, path, pen, soft=False):
    """A canvas with a round-pen polyline through `path` (fractions of the side), pen width in px."""
    yy, xx = np.mgrid[0:side, 0:side].astype(np.float64)
    distance = np.full((side, side), np.inf)
    points = np.asarray(path, dtype=np.float64) * side
    for start, end in zip(points[:-1], points[1:]):
        direction = end - start
        t = np.clip(((yy - start[0]) * direction[0] + (xx - start[1]) * direction[1]) / (direction @ direction), 0, 1)
        distance = np.minimum(distance, np.hypot(yy - start[0] - t * direction[0], xx - start[1] - t * direction[1]))
    if soft:
        return np.clip((pen / 2 - distance) / 2.0 + 0.5, 0, 1).astype(np.float32)
    return (distance <= pen / 2).astype(np.float32)


# A "7": bar, then a long diagonal; and a "4"-like open shape (three strokes as one polyline).
SEVEN = [(0.2, 0.25), (0.2, 0.7), (0.8, 0.4)]
FOUR = [(0.15, 0.3), (0.6, 0.2), (0.6, 0.75), (0.6, 0.6), (0.2, 0.6), (0.85, 0.6)]


def centre_of_mass(image):
    rows, cols = np.mgrid[0:28, 0:28]
    return (image * rows).sum() / image.sum(), (image * cols).sum() / image.sum()


def ink_box(image, level=0.1):
    rows = np.flatnonzero((image >= level).any(axis=1))
    cols = np.flatnonzero((image >= level).any(axis=0))
    return rows[-1] - rows[0] + 1, cols[-1] - cols[0] + 1


def similarity(a, b):
    """Correlation of two images: 1 = identical up to brightness."""
    return float(np.corrcoef(a.ravel(), b.ravel())[0, 1])


def test_empty_and_near_empty_canvases_give_none():
    assert to_mnist(np.zeros((280, 280))) is None
    speck = np.zeros((280, 280))
    speck[100, 100] = 1.0
    assert to_mnist(speck) is None
    assert to_mnist(np.full((280, 280), 0.05)) is None  # faint noise everywhere is not ink
    assert to_mnist(np.zeros((0, 0))) is None


@pytest.mark.parametrize("path", [SEVEN, FOUR])
@pytest.mark.parametrize("pen", [3, 12, 30])
def test_output_is_mnist_shaped_centred_and_fitted(path, pen):
    image = to_mnist(stroke_canvas(280, path, pen))
    assert image.shape == (28, 28) and image.dtype == np.float32
    assert image.min() >= 0.0 and image.max() <= 1.0 and image.max() > 0.9
    com_row, com_col = centre_of_mass(image)
    assert abs(com_row - CENTRE) <= 0.5 and abs(com_col - CENTRE) <= 0.5
    height, width = ink_box(image)
    # Anti-aliasing may spill a faint pixel past the 20x20 box; the digit fills it on its long side.
    assert max(height, width) <= FIT_BOX + 1
    assert max(height, width) >= FIT_BOX - 1


def test_aspect_ratio_is_kept():
    tall = stroke_canvas(400, [(0.1, 0.4), (0.9, 0.4), (0.9, 0.6), (0.1, 0.6), (0.1, 0.4)], 4)
    wide = tall.T.copy()
    tall_h, tall_w = ink_box(to_mnist(tall))
    wide_h, wide_w = ink_box(to_mnist(wide))
    # The ink box of a 4:1 rectangle outline, up to the redrawn pen's width on both sides.
    assert 3.0 <= tall_h / tall_w <= 4.5
    assert 3.0 <= wide_w / wide_h <= 4.5


def test_the_stroke_normalisation_option_makes_thin_and_thick_pens_alike():
    thin = to_mnist(stroke_canvas(280, FOUR, 3), normalise_stroke=True)
    thick = to_mnist(stroke_canvas(280, FOUR, 30, soft=True), normalise_stroke=True)
    raw_thin = to_mnist(stroke_canvas(280, FOUR, 3))
    raw_thick = to_mnist(stroke_canvas(280, FOUR, 30, soft=True))
    assert similarity(thin, thick) > 0.85
    assert abs(thin.sum() - thick.sum()) / thin.sum() < 0.2
    assert similarity(thin, thick) > similarity(raw_thin, raw_thick) + 0.1
    assert abs(raw_thin.sum() - raw_thick.sum()) / raw_thin.sum() > 0.5


@pytest.mark.parametrize("path", [SEVEN, FOUR])
def test_by_default_the_stroke_is_kept_as_drawn(path):
    """MNIST's own way: no redraw, so a pen twice as wide (relative to the digit) leaves clearly more ink
    in the 28x28 image, and the default is exactly crop, fit and centre."""
    canvas = stroke_canvas(280, path, 8)
    np.testing.assert_array_equal(to_mnist(canvas), to_mnist(canvas, normalise_stroke=False))
    thin, thick = to_mnist(canvas).sum(), to_mnist(stroke_canvas(280, path, 16)).sum()
    assert 1.25 < thick / thin < 2.3


@pytest.mark.parametrize("pen", [6, 20])
def test_an_image_already_in_mnist_layout_comes_back_nearly_unchanged(pen):
    """The layout is (nearly) a fixed point: a to_mnist image, drawn bigger on a canvas, gives itself again."""
    first = to_mnist(stroke_canvas(280, SEVEN, pen, soft=True))
    again = to_mnist(np.kron(first, np.ones((10, 10), np.float32)))
    assert similarity(first, again) > 0.95
    assert abs(first.sum() - again.sum()) / first.sum() < 0.1


def test_translation_does_not_change_the_output():
    drawing = stroke_canvas(280, SEVEN, 10)
    moved = np.zeros((400, 500), np.float32)
    moved[57:337, 133:413] = drawing
    np.testing.assert_allclose(to_mnist(drawing), to_mnist(moved), atol=1e-6)


def test_scale_barely_changes_the_output():
    small = to_mnist(stroke_canvas(140, SEVEN, 6))
    large = to_mnist(stroke_canvas(560, SEVEN, 24))
    assert similarity(small, large) > 0.9


def test_stroke_path_matters():
    seven = to_mnist(stroke_canvas(280, SEVEN, 10))
    four = to_mnist(stroke_canvas(280, FOUR, 10))
    assert similarity(seven, four) < 0.5


def test_single_dot_gives_a_centred_blob():
    canvas = np.zeros((280, 280))
    canvas[100:110, 200:210] = 1.0
    image = to_mnist(canvas)
    assert image.shape == (28, 28) and 0 < image.sum()
    com_row, com_col = centre_of_mass(image)
    assert abs(com_row - CENTRE) <= 0.5 and abs(com_col - CENTRE) <= 0.5


@pytest.mark.parametrize(
    "canvas",
    [np.ones((280, 280)), np.ones((1, 500)), np.ones((3, 3)), np.eye(50), np.random.default_rng(0).random((280, 280))],
    ids=["full canvas", "one row", "tiny", "diagonal", "noise"],
)
def test_odd_drawings_give_valid_images(canvas):
    image = to_mnist(canvas)
    assert image.shape == (28, 28) and image.dtype == np.float32
    assert np.isfinite(image).all() and image.min() >= 0 and image.max() <= 1 and image.sum() > 0


def test_huge_canvas():
    canvas = np.zeros((4000, 4000), np.float32)
    canvas[500:3500, 1900:2100] = 1.0
    image = to_mnist(canvas)
    height, width = ink_box(image)
    assert height >= FIT_BOX - 1 and width <= 6


def test_nan_and_out_of_range_values():
    drawing = stroke_canvas(280, SEVEN, 10)
    assert to_mnist(np.full((280, 280), np.nan)) is None
    noisy = drawing.copy()
    noisy[:5, :5] = np.nan
    np.testing.assert_allclose(to_mnist(noisy), to_mnist(drawing), atol=1e-6)
    # Values beyond [0, 1] are clipped: 5 is full ink, -3 is none.
    np.testing.assert_allclose(to_mnist(drawing * 5 - 0.0), to_mnist(drawing), atol=1e-6)
    np.testing.assert_allclose(to_mnist(np.where(drawing > 0, drawing, -3.0)), to_mnist(drawing), atol=1e-6)


def test_accepts_lists_ints_and_bools():
    drawing = stroke_canvas(100, SEVEN, 6)
    expected = to_mnist(drawing)
    np.testing.assert_allclose(to_mnist(drawing.astype(bool)), expected, atol=1e-6)
    np.testing.assert_allclose(to_mnist(drawing.astype(np.uint8)), expected, atol=1e-6)
    np.testing.assert_allclose(to_mnist(drawing.tolist()), expected, atol=1e-6)


@pytest.mark.parametrize(
    "bad, message",
    [
        (np.zeros(784), "2-D"),
        (np.zeros((2, 28, 28)), "2-D"),
        (np.float32(1.0), "2-D"),
        ("ink", "2-D array"),
        (None, "2-D array"),
        (np.array([["a", "b"], ["c", "d"]]), "numeric"),
        (np.array([[1, 2], [3]], dtype=object), "numeric"),
        (np.zeros((3, 3), complex), "real"),
    ],
)
def test_wrong_input_raises_a_clear_value_error(bad, message):
    with pytest.raises(ValueError, match=message):
        to_mnist(bad)


@settings(max_examples=60, deadline=None)
@given(
    arrays(
        np.float64,
        st.tuples(st.integers(1, 60), st.integers(1, 60)),
        elements=st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.sampled_from([0.0, 1.0])),
    )
)
def test_any_numeric_2d_input_gives_none_or_a_valid_image(canvas):
    image = to_mnist(canvas)
    if image is not None:
        assert image.shape == (28, 28) and image.dtype == np.float32
        assert np.isfinite(image).all() and image.min() >= 0 and image.max() <= 1
