import math

import numpy as np
import pytest

from mlp_core.nn import SGD, AdamW, Momentum, Sequential, softmax_cross_entropy
from mlp_core.trainer import learning_rate, make_optimizer
from mlp_core.recipes import RECIPES


def pair(values, grads, dtype=np.float64):
    return np.array(values, dtype=dtype), np.array(grads, dtype=dtype)


def test_sgd_is_the_tutorials_update():
    param, grad = pair([1.0, -2.0], [0.5, 0.25])
    SGD([(param, grad)]).step(0.1)
    np.testing.assert_allclose(param, [1.0 - 0.05, -2.0 - 0.025])


def test_momentum_accumulates_velocity():
    param, grad = pair([1.0], [1.0])
    optimizer = Momentum([(param, grad)], momentum=0.9)
    optimizer.step(0.1)  # v = 1
    optimizer.step(0.1)  # v = 0.9 + 1
    np.testing.assert_allclose(param, [1.0 - 0.1 - 0.19])


def test_adamw_matches_reference_formula():
    param, grad = pair([[1.0, -1.0]], [[0.3, -0.2]])
    bias, bias_grad = pair([0.5], [0.1])
    optimizer = AdamW([(param, grad), (bias, bias_grad)], weight_decay=0.1)
    lr, b1, b2, eps = 0.01, 0.9, 0.999, 1e-8
    expected_param, expected_bias = param.copy(), bias.copy()
    m = np.zeros_like(param); v = np.zeros_like(param); mb = np.zeros_like(bias); vb = np.zeros_like(bias)
    for t in (1, 2, 3):
        optimizer.step(lr)
        expected_param *= 1 - lr * 0.1  # decoupled decay on the weight matrix only
        m = b1 * m + (1 - b1) * grad; v = b2 * v + (1 - b2) * grad**2
        expected_param -= lr * (m / (1 - b1**t)) / (np.sqrt(v / (1 - b2**t)) + eps)
        mb = b1 * mb + (1 - b1) * bias_grad; vb = b2 * vb + (1 - b2) * bias_grad**2
        expected_bias -= lr * (mb / (1 - b1**t)) / (np.sqrt(vb / (1 - b2**t)) + eps)
    np.testing.assert_allclose(param, expected_param, rtol=1e-12)
    np.testing.assert_allclose(bias, expected_bias, rtol=1e-12)


@pytest.mark.parametrize("name", ["sgd", "momentum", "adamw"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_every_optimizer_trains_the_same_kind_of_network(name, dtype):
    rng = np.random.default_rng(0)
    network = Sequential.mlp([20, 16, 3], "he", rng, dtype)
    x = rng.normal(size=(64, 20)).astype(dtype)
    y = (x[:, 0] > 0).astype(int) + (x[:, 1] > 0)
    recipe = RECIPES["fast"].replace(optimizer=name)
    optimizer = make_optimizer(recipe, network.parameters())
    first = softmax_cross_entropy(network.forward(x), y)[0]
    for _ in range(100):
        loss, grad = softmax_cross_entropy(network.forward(x), y)
        network.backward(grad)
        optimizer.step(0.01 if name == "adamw" else 0.1)
    assert loss < 0.5 * first
    assert all(p.dtype == np.dtype(dtype) for p, _ in network.parameters())


def test_learning_rate_schedules():
    assert learning_rate("constant", 0.1, 50, 100) == 0.1
    assert learning_rate("cosine", 0.1, 0, 100) == pytest.approx(0.1)
    assert learning_rate("cosine", 0.1, 50, 100) == pytest.approx(0.05)
    assert learning_rate("cosine", 0.1, 100, 100) == pytest.approx(0.0)
    assert learning_rate("cosine", 0.1, 100, 100, final_fraction=0.1) == pytest.approx(0.01)
    rates = [learning_rate("cosine", 1.0, s, 10) for s in range(11)]
    assert all(a > b for a, b in zip(rates, rates[1:]))
    with pytest.raises(ValueError, match="schedule"):
        learning_rate("linear", 0.1, 0, 10)
    assert math.isclose(learning_rate("cosine", 2.0, 25, 100), 1.0 + math.cos(math.pi / 4))


def test_cosine_restart_ends_its_first_cycle_then_decays_again_from_the_restart():
    rates = [learning_rate("cosine_restart", 1.0, s, 100, cycle_steps=40, restart_fraction=0.5) for s in range(101)]
    assert rates[0] == pytest.approx(1.0) and rates[20] == pytest.approx(0.5)  # a whole cosine over steps 0-40
    assert rates[39] < 0.01 and rates[40] == pytest.approx(0.5) and rates[70] == pytest.approx(0.25)
    assert rates[100] == pytest.approx(0.0)
    assert all(a > b for a, b in zip(rates[:40], rates[1:40])) and all(a > b for a, b in zip(rates[40:], rates[41:]))
    # a run no longer than the cycle is the plain cosine
    short = [learning_rate("cosine_restart", 1.0, s, 30, cycle_steps=40) for s in range(31)]
    assert short == [learning_rate("cosine", 1.0, s, 30) for s in range(31)]
    ends = learning_rate("cosine_restart", 1.0, 100, 100, final_fraction=0.1, cycle_steps=40)
    assert ends == pytest.approx(0.1) and learning_rate("cosine_restart", 1.0, 40, 100, 0.1, 40) == pytest.approx(0.5)
