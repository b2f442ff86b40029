"""Both Python ends of a minibatch share (web/py/helper_share.py), joined by a stand-in for the shared buffer.

In the page the two ends run in two workers and meet in a SharedArrayBuffer through JS typed arrays;
here a typed array is a NumPy view with the same four members Pyodide gives a JsProxy of one
(`length`, `subarray`, `assign`, `assign_to`), and helper-link.js's begin/finish call the helper's end at once.
"""
import json

import numpy as np
import pytest

from helper_share import HelperSide, SharedBufferHelper
from mlp_core.fast import PYODIDE, FastGradients, HelperError, SplitGradients
from mlp_core.fast.split import parameter_count
from mlp_core.nn import Sequential
from mlp_core.recipes import RECIPES
from mlp_core.trainer import Trainer

SIZES = (784, 32, 16, 10)


class TypedArray:
    """What helper_share.py uses of a JS typed array: a fixed-length view whose copies must match in length."""

    def __init__(self, array):
        self.array = array
        self.length = len(array)

    def subarray(self, start, stop):
        return TypedArray(self.array[start:stop])

    def assign(self, source):
        source = np.asarray(source)
        assert source.shape == (self.length,) and source.dtype == self.array.dtype, "assign copies like for like"
        self.array[:] = source

    def assign_to(self, target):
        assert target.shape == (self.length,) and target.dtype == self.array.dtype
        target[:] = self.array


class Link:
    """helper-link.js's link: the shared views, begin (wakes the helper) and finish (waits for it)."""

    def __init__(self, sizes, dtype, max_rows, fail=False, index=0):
        dtype = np.dtype(dtype)
        self.index = index
        params = parameter_count(Sequential.mlp(sizes, "he", np.random.default_rng(0), dtype))
        self.weights = TypedArray(np.zeros(params, dtype))
        self.gradients = TypedArray(np.zeros(params, dtype))
        self.values = TypedArray(np.zeros(max_rows * sizes[0], dtype))
        self.active = TypedArray(np.zeros(sizes[0], np.int32))
        self.labels = TypedArray(np.zeros(max_rows, np.int32))
        self.helper = HelperSide(json.dumps(list(sizes)), dtype.name, self)
        self.error = None
        self.fail = fail
        self.loss = None
        self.shares = []

    def begin(self, *, rows, batch_size, active, fill):
        self.shares.append((rows, active))
        self.loss = self.helper.compute(rows=rows, batch_size=batch_size, active=active, fill=fill)

    def finish(self, *, own_ms):
        if self.fail:
            self.error = "the helper worker did not answer in 2.0 s"
            return None
        return self.loss


def tiny_data(count, seed=0):
    rng = np.random.default_rng(seed)
    images = np.zeros((count, 28, 28), np.uint8)
    images[:, 6:22, 6:22] = rng.integers(0, 256, (count, 16, 16))  # a blank border, like MNIST
    return images.reshape(count, 784), rng.integers(0, 10, count)


def split_with(helpers, skip_blank=True, choose=True):
    """A Trainer's gradients argument: the page's, with ``helpers`` from the first step."""
    return lambda model: SplitGradients(FastGradients(model, PYODIDE, skip_blank), helpers, choose=choose)


@pytest.mark.parametrize("helpers", [1, 2])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("skip_blank", [False, True])
def test_a_share_through_the_buffer_trains_like_one_worker(dtype, skip_blank, helpers):
    # Not deskewed: the images' inked 16x16 middle is what the shares below are checked against.
    recipe = RECIPES["fast"].replace(sizes=SIZES, dtype=dtype, epochs=1, batch_size=40, train_eval_size=100, deskew=False)
    x, y = tiny_data(400)
    alone = Trainer(recipe, x, y)
    alone.run()
    links = [Link(SIZES, dtype, recipe.batch_size, index=i) for i in range(helpers)]
    ends = [SharedBufferHelper(link, dtype) for link in links]
    shared = Trainer(recipe, x, y, gradients=split_with(ends, skip_blank, choose=False))
    shared.run()
    assert shared.gradients.shared_steps == alone.step == 10 and all(len(link.shares) == 10 for link in links)
    # With blank columns skipped only the 16x16 inked middle travels; otherwise every column (0: all of them).
    assert {active for link in links for _, active in link.shares} == {256 if skip_blank else 0}
    tolerance = 1e-4 if dtype == "float32" else 1e-10
    for (mine, _), (theirs, _) in zip(shared.parameters, alone.parameters):
        np.testing.assert_allclose(mine, theirs, rtol=tolerance, atol=tolerance)


def test_a_silent_helper_raises_the_helper_error_with_its_reason():
    link = Link(SIZES, "float32", 40, fail=True)
    helper = SharedBufferHelper(link, "float32")
    trainer = Trainer(RECIPES["fast"].replace(sizes=SIZES, batch_size=40), *tiny_data(400), gradients=split_with([helper]))
    trainer.run(max_steps=3)
    assert trainer.gradients.helpers == [] and trainer.step == 3
    assert trainer.gradients.error == "the helper worker did not answer in 2.0 s"
    with pytest.raises(HelperError, match="did not answer"):
        helper.finish()
