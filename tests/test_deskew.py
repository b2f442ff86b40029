"""mlp_core.deskew: slanted ink is sheared upright, upright ink is left alone, and a deskewing model does it everywhere."""
import io
import json

import numpy as np
import pytest

from mlp_core.deskew import CHUNK, deskew, slants
from mlp_core.model import Model
from mlp_core.modelio import ModelFileError, model_from_bytes, model_to_bytes
from mlp_core.nn import Sequential
from mlp_core.recipes import RECIPES
from mlp_core.trainer import Trainer


def stroke(slant, column=14, width=2, top=4, bottom=24):
    """A 28x28 uint8 bar from row ``top`` to ``bottom`` whose x moves ``slant`` pixels per row down."""
    image = np.zeros((28, 28), np.uint8)
    for y in range(top, bottom):
        x = int(round(column + slant * (y - (top + bottom - 1) / 2)))
        image[y, x:x + width] = 255
    return image.reshape(784)


def column_spread(image):
    """How widely the ink's columns vary (std of x over inked pixels): small for an upright bar."""
    ys, xs = np.nonzero(image.reshape(28, 28))
    return float(np.std(xs))


def test_a_slanted_bar_stands_upright():
    for slant in (-0.4, 0.3, 0.5):
        bar = stroke(slant)
        assert slants(bar[None])[0][0] == pytest.approx(slant, abs=0.06)
        upright = deskew(bar[None])[0]
        assert column_spread(upright) < 1.0 < column_spread(bar)
        assert abs(slants(upright[None])[0][0]) < 0.05
        assert upright.sum() == pytest.approx(bar.sum(), rel=0.02)  # ink moves sideways; none is lost


def test_upright_and_blank_images_are_left_alone():
    upright, blank = stroke(0.0), np.zeros(784, np.uint8)
    np.testing.assert_array_equal(deskew(np.stack([upright, blank])), np.stack([upright, blank]))


def test_dtypes_scales_and_chunks_agree():
    rng = np.random.default_rng(0)
    images = np.stack([stroke(rng.uniform(-0.6, 0.6), column=int(rng.integers(8, 18))) for _ in range(CHUNK + 37)])
    out = deskew(images)
    assert out.dtype == np.uint8 and out.shape == images.shape
    np.testing.assert_array_equal(out[-37:], deskew(images[-37:]))  # one image's result never depends on its batch
    floats = deskew(images / np.float32(255))
    assert floats.dtype == np.float32 and floats.min() >= 0 and floats.max() <= 1
    assert np.abs(floats * 255 - out).max() <= 0.5 + 1e-3  # uint8 is the float result, rounded


def test_a_deskewing_model_deskews_every_input_and_keeps_it_in_its_file():
    rng = np.random.default_rng(1)
    network = Sequential.mlp((784, 16, 10), "he", rng, "float32")
    model = Model(network, input_mean=0.1, input_std=0.3, deskew=True)
    x = np.stack([stroke(0.4), stroke(-0.3, column=10)]) / np.float32(255)
    expected = network.infer(model.normalise(deskew(x)))
    np.testing.assert_allclose(model.logits(x), expected, rtol=1e-6)
    loaded = model_from_bytes(model_to_bytes(model))
    assert loaded.deskew and not model_from_bytes(model_to_bytes(Model(network))).deskew
    np.testing.assert_allclose(loaded.logits(x), expected, rtol=1e-6)


def rewrite_header(data, **changes):
    """A model file's bytes with its JSON header changed (deleted where a change is None)."""
    with np.load(io.BytesIO(data)) as archive:
        arrays = {name: archive[name] for name in archive.files}
    header = json.loads(arrays["model_json"].tobytes())
    for key, value in changes.items():
        header.pop(key) if value is None else header.__setitem__(key, value)
    arrays["model_json"] = np.frombuffer(json.dumps(header).encode(), np.uint8)
    out = io.BytesIO()
    np.savez(out, **arrays)
    return out.getvalue()


def test_model_files_without_deskew_load_as_before_and_bad_values_are_refused():
    network = Sequential.mlp((784, 8, 10), "he", np.random.default_rng(2), "float32")
    data = model_to_bytes(Model(network, deskew=True))
    assert not model_from_bytes(rewrite_header(data, deskew=None)).deskew  # files written before deskewing existed
    with pytest.raises(ModelFileError, match="deskew must be true or false"):
        model_from_bytes(rewrite_header(data, deskew="yes"))


def test_training_and_predicting_see_the_same_upright_images():
    """The Trainer deskews its images once; the model deskews each prediction: both give one accuracy."""
    rng = np.random.default_rng(3)
    labels = rng.integers(0, 2, 600).astype(np.uint8)
    images = np.stack([stroke(rng.uniform(-0.5, 0.5), column=9 if label else 17) for label in labels])
    recipe = RECIPES["fast"].replace(sizes=(784, 16, 10), epochs=2, batch_size=50, validation_size=0, train_eval_size=None)
    assert recipe.deskew and not RECIPES["tutorial"].deskew and not RECIPES["shipped"].deskew
    trainer = Trainer(recipe, images[:500], labels[:500], images[500:], labels[500:])
    np.testing.assert_array_equal(trainer.train_x, deskew(images[:500]))
    np.testing.assert_array_equal(trainer.val_x, deskew(images[500:]))
    while not trainer.done:
        trainer.run()
    last = trainer.epoch_results[-1]
    assert last["val_acc"] == trainer.model.accuracy(images[500:], labels[500:]) > 0.9
    upright = Trainer(recipe, deskew(images[:500]), labels[:500], deskew(images[500:]), labels[500:], upright=True)
    np.testing.assert_array_equal(upright.train_x, trainer.train_x)  # deskewed ahead (the page's shards): not twice
    np.testing.assert_array_equal(upright.val_x, trainer.val_x)
