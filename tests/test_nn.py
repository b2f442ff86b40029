import numpy as np
import pytest

from mlp_core.model import Model
from mlp_core.nn import Dense, ReLU, Sequential, he_init, softmax_cross_entropy, tutorial_init


def numerical_gradient(f, array, eps=1e-6):
    """Central differences of scalar f() with respect to every entry of ``array`` (changed in place)."""
    grad = np.zeros_like(array)
    for index in np.ndindex(array.shape):
        saved = array[index]
        array[index] = saved + eps
        plus = f()
        array[index] = saved - eps
        minus = f()
        array[index] = saved
        grad[index] = (plus - minus) / (2 * eps)
    return grad


def test_dense_gradients_match_numerical_float64():
    rng = np.random.default_rng(0)
    layer = Dense(rng.normal(size=(5, 3)), rng.normal(size=3))
    x = rng.normal(size=(4, 5))
    upstream = rng.normal(size=(4, 3))  # loss = sum(upstream * output): its gradient is upstream

    def loss():
        return float(np.sum(upstream * layer.forward(x)))

    layer.forward(x)
    grad_x = layer.backward(upstream)
    np.testing.assert_allclose(layer.grads["weights"], numerical_gradient(loss, layer.params["weights"]), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(layer.grads["biases"], numerical_gradient(loss, layer.params["biases"]), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(grad_x, numerical_gradient(loss, x), rtol=1e-6, atol=1e-8)


def test_relu_gradient_matches_numerical_float64():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(6, 7))
    x[np.abs(x) < 1e-3] = 0.5  # keep away from the kink, where the derivative is undefined
    upstream = rng.normal(size=(6, 7))
    relu = ReLU()

    def loss():
        return float(np.sum(upstream * relu.forward(x)))

    relu.forward(x)
    np.testing.assert_allclose(relu.backward(upstream), numerical_gradient(loss, x), rtol=1e-6, atol=1e-8)
    assert np.array_equal(relu.forward(np.array([[-2.0, 0.0, 3.0]])), [[0.0, 0.0, 3.0]])


def test_whole_network_gradient_matches_numerical_float64():
    rng = np.random.default_rng(2)
    network = Sequential.mlp([8, 6, 5, 3], "he", rng, "float64")
    x = rng.normal(size=(4, 8))
    y = np.array([0, 2, 1, 2])

    def loss():
        return softmax_cross_entropy(network.forward(x), y)[0]

    _, grad = softmax_cross_entropy(network.forward(x), y)
    network.backward(grad)
    for param, analytic in network.parameters():
        np.testing.assert_allclose(analytic, numerical_gradient(loss, param), rtol=1e-5, atol=1e-8)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_network_keeps_its_dtype(dtype):
    rng = np.random.default_rng(3)
    network = Sequential.mlp([784, 100, 200, 10], "he", rng, dtype)
    x = rng.random((16, 784)).astype(dtype)
    logits = network.forward(x)
    assert logits.dtype == dtype and logits.shape == (16, 10)
    _, grad = softmax_cross_entropy(logits, np.arange(16) % 10)
    assert network.backward(grad, need_input_grad=True).dtype == dtype
    assert all(g.dtype == dtype for _, g in network.parameters())
    # By default the unused input gradient is skipped; the parameter gradients are the same.
    with_input = [g.copy() for _, g in network.parameters()]
    assert network.backward(grad) is None
    assert all(np.array_equal(a, g) for a, (_, g) in zip(with_input, network.parameters()))
    assert network.sizes == [784, 100, 200, 10]


def test_prediction_matches_training_forward_and_keeps_no_activations():
    rng = np.random.default_rng(5)
    model = Model(Sequential.mlp([784, 30, 10], "he", rng, np.float32))
    x = rng.random((50, 784)).astype(np.float32)
    expected = model.network.forward(x)  # the training pass: layers keep their input / output for backward
    np.testing.assert_array_equal(model.logits(x), expected)
    for layer in model.network.layers:  # a fresh model that only predicts holds nothing afterwards
        layer.x = layer.out = None
    model.predict(x)
    assert all(getattr(layer, "x", None) is None and getattr(layer, "out", None) is None for layer in model.network.layers)


def test_accuracy_scores_uint8_images_as_predict_on_pixels_over_255():
    rng = np.random.default_rng(6)
    model = Model(Sequential.mlp([784, 30, 10], "he", rng, np.float32), input_mean=0.1, input_std=0.3)
    images = rng.integers(0, 256, size=(40, 784), dtype=np.uint8)
    predicted = model.predict(images / np.float32(255))
    labels = predicted.copy()
    labels[:10] = (labels[:10] + 1) % 10  # exactly 10 of 40 wrong
    assert model.accuracy(images, labels) == 0.75
    with pytest.raises(ValueError, match="uint8"):
        model.accuracy(images / 255.0, labels)
    with pytest.raises(ValueError, match="labels"):
        model.accuracy(images, labels[:5])


def test_initialiser_scales():
    rng = np.random.default_rng(4)
    tutorial = tutorial_init(rng, 600, 200, np.float64)
    he = he_init(rng, 600, 200, np.float32)
    assert tutorial.shape == (600, 200) and he.dtype == np.float32
    assert tutorial.std() == pytest.approx(np.sqrt(2 / 800), rel=0.02)
    assert he.std() == pytest.approx(np.sqrt(2 / 600), rel=0.02)


def test_tutorial_init_draws_the_tutorials_weights():
    # The tutorial: np.random.seed(42), then np.random.normal(0, sqrt(2/(in+out)), (in, out)) per layer.
    expected = np.random.RandomState(42).normal(loc=0.0, scale=np.sqrt(2 / (784 + 100)), size=(784, 100))
    network = Sequential.mlp([784, 100, 200, 10], "tutorial", np.random.RandomState(42), "float64")
    assert np.array_equal(network.dense_layers()[0].weights, expected)
    assert not network.dense_layers()[0].biases.any()


def test_dense_refuses_mismatched_shapes():
    with pytest.raises(ValueError, match="biases"):
        Dense(np.zeros((3, 4)), np.zeros(3))
