"""Every fast variant (mlp_core/fast/) equals its textbook twin in mlp_core/nn.py and trainer.PlainGradients."""
import numpy as np
import pytest

from mlp_core.fast import BLAS, PRODUCTS, PYODIDE, BlankColumns, FastGradients, FusedAdamW, SplitGradients
from mlp_core.fast.ink import InkedPixels, PaddedLists, inked_forward, inked_weight_grad
from mlp_core.model import Model
from mlp_core.nn import AdamW, Dense, Sequential
from mlp_core.recipes import RECIPES
from mlp_core.trainer import PlainGradients, Trainer

SMALL = RECIPES["fast"].replace(sizes=(784, 32, 10), epochs=1, batch_size=50, train_eval_size=200)


def bordered(images):
    """MNIST's blank border on the synthetic digits, so the first layer has columns to skip."""
    images = images.reshape(-1, 28, 28).copy()
    images[:, :4] = images[:, -4:] = images[:, :, :4] = images[:, :, -4:] = 0
    return images.reshape(-1, 784)


def grads_after_one_step(strategy, pixels, labels):
    loss = strategy(pixels, labels)
    return loss, [grad.copy() for _, grad in strategy.network.parameters()]


@pytest.mark.parametrize("name", sorted(PRODUCTS))
@pytest.mark.parametrize("shape", [(784, 100), (100, 200), (200, 10)])
def test_every_product_layout_computes_the_same_products(name, shape):
    # The Pyodide layouts run in CPython too, so CI checks the code the browser uses.
    forward, weight_grad, input_grad = PRODUCTS[name]
    rng = np.random.default_rng(5)
    x, w, g = rng.normal(size=(64, shape[0])), rng.normal(size=shape), rng.normal(size=(64, shape[1]))
    out = np.empty(shape)
    np.testing.assert_allclose(forward(x, w), x @ w, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(weight_grad(x, g), x.T @ g, rtol=1e-10, atol=1e-10)
    assert weight_grad(x, g, out=out) is out
    np.testing.assert_allclose(out, x.T @ g, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(input_grad(g, w), g @ w.T, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("products", ["blas", "pyodide"])
def test_dense_with_blank_columns_equals_the_full_product(products):
    # The browser's first layer skips the columns that hold one value ("fill") in the whole batch.
    rng = np.random.default_rng(7)
    x = rng.normal(size=(16, 30))
    blank = np.array([0, 1, 2, 9, 28, 29])
    active = np.setdiff1d(np.arange(30), blank)
    x[:, blank] = -0.4
    weights, biases, upstream = rng.normal(size=(30, 20)), rng.normal(size=20), rng.normal(size=(16, 20))
    full, skipping = Dense(weights.copy(), biases.copy()), Dense(weights.copy(), biases.copy())
    fast = FastGradients(Model(Sequential([skipping])), PRODUCTS[products])
    np.testing.assert_allclose(fast.forward(BlankColumns(x[:, active], active, blank, -0.4)), full.forward(x), rtol=1e-12)
    np.testing.assert_allclose(fast.dense_backward(skipping, BlankColumns(x[:, active], active, blank, -0.4), upstream, True),
                               full.backward(upstream), rtol=1e-12)
    for key in ("weights", "biases"):
        np.testing.assert_allclose(skipping.grads[key], full.grads[key], rtol=1e-12, atol=1e-12)


def inked_batch(rows=24, columns=40, fill=-0.4):
    """A BlankColumns batch, mostly ``fill``, with an image that has no ink and an active column no row inks."""
    rng = np.random.default_rng(11)
    x = np.where(rng.random((rows, columns)) < 0.25, rng.normal(size=(rows, columns)), fill)
    x[3] = fill  # no ink at all
    blank = np.array([0, 1, 7, 38, 39])
    x[:, blank] = fill
    x[:, 20] = fill  # active (another share of the batch inks it) but blank in these rows
    active = np.setdiff1d(np.arange(columns), blank)
    return x, BlankColumns(x[:, active], active, blank, fill)


@pytest.mark.parametrize("parts", [1, 3, 8, 50])
def test_padded_lists_sum_each_owners_list(parts):
    rng = np.random.default_rng(12)
    owners = np.sort(rng.integers(0, 9, 60))
    owners[owners == 4] = 5  # owner 4 has an empty list
    members, values, rows = rng.integers(0, 7, 60), rng.normal(size=60), rng.normal(size=(7, 5))
    expected = np.zeros((9, 5))
    for owner, member, value in zip(owners, members, values):
        expected[owner] += value * rows[member]
    out = np.full((9, 5), np.nan)
    np.testing.assert_allclose(PaddedLists.of(owners, members, values, 9, parts).sums(rows, out), expected, rtol=1e-12)


def test_inked_pixels_give_the_first_layers_full_products():
    # The first layer's products summed from each image's inked pixels only: x = fill + (x - fill).
    full, x = inked_batch()
    rng = np.random.default_rng(13)
    weights, grad = rng.normal(size=(40, 20)), rng.normal(size=(24, 20))
    inked = InkedPixels.of(x)
    np.testing.assert_allclose(inked_forward(inked, weights), full @ weights, rtol=1e-10, atol=1e-12)
    out = np.full((40, 20), np.nan)
    assert inked_weight_grad(inked, grad, grad.sum(axis=0), out) is out
    np.testing.assert_allclose(out, full.T @ grad, rtol=1e-10, atol=1e-12)
    # No ink anywhere, and no active column at all: only the fill's share.
    for blank in (np.full((4, 40), -0.4), np.full((4, 0), -0.4)):
        active = np.arange(blank.shape[1])
        empty = InkedPixels.of(BlankColumns(blank, active, np.setdiff1d(np.arange(40), active), -0.4))
        np.testing.assert_allclose(inked_forward(empty, weights), np.full((4, 40), -0.4) @ weights, rtol=1e-10)
        np.testing.assert_allclose(inked_weight_grad(empty, grad[:4], grad[:4].sum(axis=0), out),
                                   np.full((4, 40), -0.4).T @ grad[:4], rtol=1e-10)


@pytest.mark.parametrize("products", sorted(PRODUCTS))
@pytest.mark.parametrize("skip_blank, inked", [(False, False), (True, False), (True, True), (False, True)])
def test_fast_gradients_equal_the_tutorials_step(synthetic_digits, products, skip_blank, inked):
    images, labels = synthetic_digits
    pixels, labels = bordered(images)[:64], labels[:64]
    network = Sequential.mlp([784, 100, 200, 10], "he", np.random.default_rng(6), "float64")
    model = Model(network, input_mean=0.13, input_std=0.31)
    fast = FastGradients(model, PRODUCTS[products], skip_blank, inked_first_layer=inked)
    assert isinstance(fast.inputs(pixels), BlankColumns) == (skip_blank or inked)
    plain_loss, plain = grads_after_one_step(PlainGradients(model), pixels, labels)
    fast_loss, fast_grads = grads_after_one_step(fast, pixels, labels)
    assert fast_loss == pytest.approx(plain_loss, rel=1e-12)
    for a, b in zip(plain, fast_grads):
        np.testing.assert_allclose(b, a, rtol=1e-9, atol=1e-12)  # float64: the same sums in another order


@pytest.mark.parametrize("products", sorted(PRODUCTS))
def test_fast_inference_equals_the_networks(synthetic_digits, products):
    images, _ = synthetic_digits
    model = Model(Sequential.mlp([784, 100, 200, 10], "he", np.random.default_rng(7), "float64"), 0.13, 0.31)
    inputs = model.network_input(images[:64])
    fast = FastGradients(model, PRODUCTS[products], skip_blank_columns=False).infer(inputs)
    np.testing.assert_allclose(fast, model.network.infer(inputs), rtol=1e-10, atol=1e-12)
    np.testing.assert_array_equal(SplitGradients(FastGradients(model, PRODUCTS[products], False)).infer(inputs), fast)


@pytest.mark.parametrize("skip_blank, inked", [(True, False), (True, True), (False, True)])
def test_fast_inference_of_blank_columns_and_inked_pixels_equals_the_networks(synthetic_digits, skip_blank, inked):
    images, _ = synthetic_digits
    pixels = bordered(images)[:64]
    model = Model(Sequential.mlp([784, 100, 200, 10], "he", np.random.default_rng(8), "float64"), 0.13, 0.31)
    fast = FastGradients(model, PRODUCTS["pyodide"], skip_blank, inked_first_layer=inked)
    inputs = fast.inputs(pixels)
    assert isinstance(inputs, BlankColumns)
    np.testing.assert_allclose(fast.infer(inputs), model.network.infer(model.network_input(pixels)), rtol=1e-10, atol=1e-12)


def test_fast_gradients_with_blas_and_all_columns_are_the_tutorials_bit_for_bit(synthetic_digits):
    images, labels = synthetic_digits
    model = Model(Sequential.mlp([784, 32, 10], "tutorial", np.random.RandomState(42), "float64"))
    plain = grads_after_one_step(PlainGradients(model), images[:32], labels[:32])
    fast = grads_after_one_step(FastGradients(model, BLAS, skip_blank_columns=False), images[:32], labels[:32])
    assert plain[0] == fast[0] and all(np.array_equal(a, b) for a, b in zip(plain[1], fast[1]))


@pytest.mark.parametrize("dtype, tolerance", [("float64", 1e-12), ("float32", 2e-5)])
def test_fused_adamw_equals_the_textbook_adamw(dtype, tolerance):
    rng = np.random.default_rng(8)
    shapes = [(20, 8), (8,)]
    params = {name: [rng.normal(size=s).astype(dtype) for s in shapes] for name in ("textbook", "fused")}
    params["fused"] = [p.copy() for p in params["textbook"]]
    grads = [np.zeros(s, dtype) for s in shapes]
    textbook = AdamW(list(zip(params["textbook"], grads)), weight_decay=0.05)
    fused = FusedAdamW(list(zip(params["fused"], grads)), weight_decay=0.05)
    for step in range(50):
        for grad in grads:
            grad[...] = rng.normal(size=grad.shape) * (1 + step % 3)
        textbook.step(3e-3)
        fused.step(3e-3)
    for a, b in zip(params["textbook"], params["fused"]):
        np.testing.assert_allclose(b, a, rtol=tolerance, atol=tolerance)


@pytest.mark.parametrize("augment", [False, True])
@pytest.mark.parametrize("inked", [False, True])
def test_a_run_with_the_pages_variants_trains_like_the_tutorials_path(synthetic_digits, augment, inked):
    # float32: the browser's path may differ from the plain one by rounding only.
    images, labels = synthetic_digits
    images = bordered(images)
    recipe = SMALL.replace(augment=augment)
    plain = Trainer(recipe, images, labels)
    fast = Trainer(recipe, images, labels, gradients=lambda m: FastGradients(m, inked_first_layer=inked), adamw=FusedAdamW)
    plain.run(max_steps=8)
    fast.run(max_steps=8)
    assert fast.gradients.products is PYODIDE and isinstance(fast.optimizer, FusedAdamW)
    for (a, _), (b, _) in zip(plain.parameters, fast.parameters):
        np.testing.assert_allclose(b, a, rtol=1e-4, atol=1e-5)


def test_a_run_validated_through_inked_inference_counts_what_its_own_products_count(synthetic_digits):
    images, labels = synthetic_digits
    images = bordered(images)
    recipe = SMALL.replace(epochs=2, train_size=len(images) // 2, validate_every=len(images) // 4)
    measured = []  # the batches the inked inference measured

    class Inked(FastGradients):
        def infer(self, x):
            measured.append(len(x.values))
            return super().infer(x)

    runs = [Trainer(recipe, images[:len(images) // 2], labels[:len(images) // 2], images[len(images) // 2:],
                    labels[len(images) // 2:], gradients=FastGradients, evaluation=evaluation)
            for evaluation in (None, lambda model: Inked(model, inked_first_layer=True))]
    for run in runs:
        run.run()
    assert sum(measured) == len(runs[1].checkpoint_results) * len(images) // 2 + 2 * (len(images) // 2 + 200)
    assert [r["val_acc"] for r in runs[1].epoch_results] == [r["val_acc"] for r in runs[0].epoch_results]
    assert [r["val_acc"] for r in runs[1].checkpoint_results] == [r["val_acc"] for r in runs[0].checkpoint_results]
    assert runs[0].checkpoint_results and len(runs[0].epoch_results) == 2
