import numpy as np

from mlp_core.nn import softmax, softmax_cross_entropy
from test_nn import numerical_gradient


def tutorial_loss(logits, labels):
    # The tutorial's formula, fine for small logits.
    return np.mean(-logits[np.arange(len(logits)), labels] + np.log(np.sum(np.exp(logits), axis=-1)))


def test_loss_matches_the_tutorials_formula_for_small_logits():
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(8, 10))
    labels = rng.integers(0, 10, 8)
    loss, grad = softmax_cross_entropy(logits, labels)
    assert np.isclose(loss, tutorial_loss(logits, labels), rtol=1e-12)
    onehot = np.eye(10)[labels]
    expected_grad = (np.exp(logits) / np.exp(logits).sum(axis=-1, keepdims=True) - onehot) / len(logits)
    np.testing.assert_allclose(grad, expected_grad, rtol=1e-12)


def test_loss_gradient_matches_numerical_float64():
    rng = np.random.default_rng(1)
    logits = rng.normal(size=(5, 10)) * 3
    labels = rng.integers(0, 10, 5)
    _, grad = softmax_cross_entropy(logits.copy(), labels)
    numeric = numerical_gradient(lambda: softmax_cross_entropy(logits, labels)[0], logits)
    np.testing.assert_allclose(grad, numeric, rtol=1e-6, atol=1e-9)


def test_large_logits_do_not_overflow():
    logits = np.array([[1000.0, 0.0, -1000.0], [0.0, 5000.0, 0.0]], dtype=np.float32)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        loss, grad = softmax_cross_entropy(logits, np.array([0, 0]))
    # Row 0 is right with certainty (loss 0); row 1 is wrong by a margin of 5000 (loss 5000).
    assert np.isclose(loss, 2500.0)
    assert np.all(np.isfinite(grad)) and grad.dtype == np.float32
    np.testing.assert_allclose(grad, [[0, 0, 0], [-0.5, 0.5, 0]], atol=1e-6)


def test_softmax_rows_sum_to_one_and_keep_dtype():
    logits = np.array([[1e4, 1e4, -1e4], [0.0, 1.0, 2.0]], dtype=np.float32)
    probs = softmax(logits)
    assert probs.dtype == np.float32
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-6)
    np.testing.assert_allclose(probs[0], [0.5, 0.5, 0.0])
