"""augment_batch: random shifts, rotations, scale, slant, thickness, aspect and bends, vectorised over the batch."""

import dataclasses

import numpy as np
import pytest

from mlp_core.augment import DEFAULT_STRENGTHS, NO_AUGMENTATION, Strengths, augment_batch


def digit_batch(count=16, seed=0):
    """Blurry strokes in the middle of 28x28 frames, like MNIST digits, values in [0, 1]."""
    rng = np.random.default_rng(seed)
    rows, cols = np.mgrid[0:28, 0:28]
    images = np.zeros((count, 28, 28), np.float32)
    for image in images:
        column = rng.uniform(11, 17)
        images_bar = np.exp(-((cols - column - 0.3 * (rows - 14)) ** 2) / 2.0) * ((rows > 5) & (rows < 23))
        image[:] = np.clip(1.5 * images_bar, 0, 1)
    return images.reshape(count, 784)


def centre_of_mass(images):
    images = images.reshape(-1, 28, 28)
    rows, cols = np.mgrid[0:28, 0:28]
    mass = images.sum(axis=(1, 2))
    return (images * rows).sum(axis=(1, 2)) / mass, (images * cols).sum(axis=(1, 2)) / mass


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_keeps_shape_dtype_and_range(dtype):
    x = digit_batch().astype(dtype)
    out = augment_batch(x, np.random.default_rng(1))
    assert out.shape == x.shape and out.dtype == dtype
    assert out.min() >= 0.0 and out.max() <= 1.0
    assert not np.array_equal(out, x)
    np.testing.assert_array_equal(x, digit_batch().astype(dtype))  # the input is left alone


def test_seeded_and_deterministic():
    x = digit_batch()
    first = augment_batch(x, np.random.default_rng(7))
    again = augment_batch(x, np.random.default_rng(7))
    other = augment_batch(x, np.random.default_rng(8))
    np.testing.assert_array_equal(first, again)
    assert not np.allclose(first, other)


def test_each_image_gets_its_own_change():
    x = np.repeat(digit_batch(1), 8, axis=0)
    out = augment_batch(x, np.random.default_rng(2))
    assert len({row.tobytes() for row in out}) == 8


def test_zero_strengths_are_the_identity():
    x = digit_batch()
    np.testing.assert_array_equal(augment_batch(x, np.random.default_rng(3), NO_AUGMENTATION), x)


def test_shift_moves_the_centre_of_mass_within_its_range():
    x = digit_batch(64)
    shift_only = dataclasses.replace(NO_AUGMENTATION, shift=2.0)
    out = augment_batch(x, np.random.default_rng(4), shift_only)
    (r0, c0), (r1, c1) = centre_of_mass(x), centre_of_mass(out)
    moves = np.concatenate([r1 - r0, c1 - c0])
    assert np.abs(moves).max() <= 2.0 + 0.05
    assert np.abs(moves).max() > 1.0  # the shifts do use their range
    np.testing.assert_allclose(out.sum(axis=1), x.sum(axis=1), rtol=0.02)  # ink is kept


def test_rotation_and_scale_keep_the_digit_in_place():
    x = digit_batch(64)
    turn = dataclasses.replace(NO_AUGMENTATION, rotation=12.0, scale=0.12, shear=0.2)
    out = augment_batch(x, np.random.default_rng(5), turn)
    (r0, c0), (r1, c1) = centre_of_mass(x), centre_of_mass(out)
    assert np.abs(r1 - r0).max() < 1.5 and np.abs(c1 - c0).max() < 1.5
    ratio = out.sum(axis=1) / x.sum(axis=1)
    assert 0.7 < ratio.min() and ratio.max() < 1.35  # area changes with scale squared, at most ~25%
    assert np.abs(out - x).sum(axis=1).min() > 1.0  # every image changed


def test_thickness_adds_or_removes_ink():
    x = digit_batch(64)
    out = augment_batch(x, np.random.default_rng(6), dataclasses.replace(NO_AUGMENTATION, thickness=1.0))
    change = out.sum(axis=1) / x.sum(axis=1)
    assert change.max() > 1.3 and change.min() < 0.9


def test_a_full_batch_of_mnist_size_runs():
    x = np.random.default_rng(0).random((128, 784)).astype(np.float32)
    out = augment_batch(x, np.random.default_rng(0), DEFAULT_STRENGTHS)
    assert out.shape == (128, 784) and np.isfinite(out).all()


def test_empty_batch():
    assert augment_batch(np.zeros((0, 784), np.float32), np.random.default_rng(0)).shape == (0, 784)


@pytest.mark.parametrize(
    "x, rng, message",
    [
        (np.zeros((4, 28, 28), np.float32), np.random.default_rng(0), "shape"),
        (np.zeros((4, 100), np.float32), np.random.default_rng(0), "shape"),
        (np.zeros((4, 784), np.uint8), np.random.default_rng(0), "float"),
        (np.zeros((4, 784), np.float32), np.random.RandomState(0), "Generator"),
    ],
)
def test_bad_input_raises_value_error(x, rng, message):
    with pytest.raises(ValueError, match=message):
        augment_batch(x, rng)


@pytest.mark.parametrize(
    "field, value",
    [("shift", -1.0), ("rotation", float("nan")), ("scale", 1.0), ("thickness", 1.5), ("aspect", -0.1), ("bend", -1.0)],
)
def test_strengths_are_validated(field, value):
    with pytest.raises(ValueError, match=field):
        Strengths(**{field: value})


def ink_box(images, level=0.3):
    """(height, width) of each image's ink."""
    boxes = []
    for image in images.reshape(-1, 28, 28) >= level:
        rows, cols = np.flatnonzero(image.any(1)), np.flatnonzero(image.any(0))
        boxes.append((np.ptp(rows) + 1, np.ptp(cols) + 1))
    return np.array(boxes)


def test_aspect_narrows_one_side_and_never_grows_either():
    square = np.zeros((64, 28, 28), np.float32)
    square[:, 4:24, 4:24] = 1.0  # a digit filling its 20x20 box, as to_mnist lays it out
    only_aspect = dataclasses.replace(NO_AUGMENTATION, aspect=0.5)
    boxes = ink_box(augment_batch(square.reshape(64, 784), np.random.default_rng(4), only_aspect))
    assert (boxes <= 20).all()
    narrowed = boxes < 19
    assert narrowed.any(axis=0).all()  # some lose height, some width
    assert not narrowed.all(axis=1).any()  # never both
    assert boxes.min() >= np.floor(20 * np.exp(-0.5))


def test_aspect_and_bend_off_draw_no_randomness():
    # Recipes without them (the shipped model's bend, the Train form's both) train on exactly the augmentations they
    # did before they existed: the stream holds one uniform per image for each of the other six changes, nothing more.
    x = digit_batch()
    used = np.random.default_rng(9)
    augment_batch(x, used, dataclasses.replace(DEFAULT_STRENGTHS, aspect=0.0, bend=0.0))
    skipped = np.random.default_rng(9)
    for _ in range(6):
        skipped.uniform(-1, 1, len(x))
    assert used.random() == skipped.random()


def test_bend_moves_parts_of_a_stroke_a_little_and_keeps_it_whole():
    line = np.zeros((32, 28, 28), np.float32)
    line[:, 4:24, 13:15] = 1.0  # a straight upright stroke
    bent = augment_batch(line.reshape(32, 784), np.random.default_rng(5), dataclasses.replace(NO_AUGMENTATION, bend=2.0))
    bent = bent.reshape(32, 28, 28)
    cols = np.arange(28)
    for image in bent:
        ink = image.sum(axis=1)
        rows = ink > 0.5  # rows the stroke crosses
        assert rows[8:20].all()  # the middle of the stroke stays unbroken
        centres = (image * cols).sum(axis=1)[rows] / ink[rows]
        assert np.abs(centres - 13.5).max() <= 2.0 + 0.5  # no sample point moves further than the bend
    moved = np.abs(bent - line).max(axis=(1, 2)) > 0.5
    assert moved.mean() > 0.9  # nearly every image bends
    assert abs(bent.sum() / line.sum() - 1) < 0.15  # bending moves ink, it neither makes nor removes much
