"""mlp_core.confidence: temperature scaling, calibration error, and the verdict the page shows."""

import numpy as np
import pytest

from mlp_core.confidence import (FLAT_SURE, MIN_ASPECT, MIN_CONFIDENCE, calibrated, energy, energy_floor, expected_calibration_error,
                                 fit_temperature, ink_aspect, nll, verdict)
from mlp_core.model import Model
from mlp_core.nn import Sequential, softmax
from mlp_core.preprocess import to_mnist
from mlp_core.strokes import render


def sampled(temperature, count=20_000, seed=0):
    """Logits and labels drawn from softmax(logits / temperature): that temperature is the right one."""
    rng = np.random.default_rng(seed)
    logits = rng.normal(0, 4, (count, 10))
    probs = softmax(logits / temperature)
    labels = (probs.cumsum(axis=1) < rng.random((count, 1))).sum(axis=1)
    return logits, labels


@pytest.mark.parametrize("true_temperature", [0.7, 1.0, 2.5])
def test_fit_temperature_recovers_the_temperature_that_made_the_labels(true_temperature):
    logits, labels = sampled(true_temperature)
    fitted = fit_temperature(logits, labels)
    assert fitted == pytest.approx(true_temperature, rel=0.06)
    assert nll(logits, labels, fitted) <= min(nll(logits, labels, fitted * f) for f in (0.9, 1.1))


def test_temperature_scaling_lowers_the_calibration_error_of_an_over_sure_model():
    logits, labels = sampled(3.0)
    before = expected_calibration_error(calibrated(logits, 1.0), labels)
    after = expected_calibration_error(calibrated(logits, fit_temperature(logits, labels)), labels)
    assert before > 0.1 and after < 0.02
    assert (calibrated(logits, 3.0).argmax(1) == logits.argmax(1)).all()


def test_expected_calibration_error_by_hand():
    # Two predictions at 0.9 (one right), two at 0.6 (both right): |0.9 - 0.5| and |0.6 - 1| weigh half each.
    probs = np.array([[0.9, 0.1], [0.9, 0.1], [0.4, 0.6], [0.4, 0.6]] + [[0.0, 0.0]] * 0)
    probs = np.pad(probs, ((0, 0), (0, 8)))
    labels = np.array([0, 1, 1, 1])
    assert expected_calibration_error(probs, labels) == pytest.approx(0.5 * 0.4 + 0.5 * 0.4)
    assert expected_calibration_error(np.zeros((0, 10)), np.zeros(0, int)) == 0.0


def test_fit_temperature_needs_data():
    with pytest.raises(ValueError, match="at least one"):
        fit_temperature(np.zeros((0, 10)), np.zeros(0, int))


def drawn(strokes, pen=8):
    return to_mnist(render(strokes, 96, pen))


DASH = [[(0.1, 0.5), (0.9, 0.5)]]
ONE = [[(0.35, 0.25), (0.55, 0.1), (0.55, 0.9)]]
SEVEN = [[(0.2, 0.1), (0.8, 0.1), (0.4, 0.9)]]


def confident(digit, p=0.97):
    probs = np.full(10, (1 - p) / 9)
    probs[digit] = p
    return probs


def test_a_dash_is_unsure_unless_the_network_is_all_but_certain():
    found = verdict(confident(4, FLAT_SURE - 0.01), drawn(DASH))
    assert found["unsure"] and found["reason"] == "flat" and found["digit"] == 4
    assert ink_aspect(drawn(DASH)) < MIN_ASPECT


def test_a_wide_digit_read_all_but_certainly_is_shown():
    wide_two = [[(0.1, 0.4), (0.5, 0.3), (0.9, 0.4), (0.1, 0.6), (0.9, 0.6)]]
    assert ink_aspect(drawn(wide_two)) < MIN_ASPECT
    found = verdict(confident(2, FLAT_SURE), drawn(wide_two))
    assert not found["unsure"] and found["reason"] is None and found["digit"] == 2


@pytest.mark.parametrize("strokes", [ONE, SEVEN], ids=["flagged 1", "7"])
def test_a_confident_digit_shape_is_a_sure_verdict(strokes):
    found = verdict(confident(7), drawn(strokes))
    assert not found["unsure"] and found["reason"] is None and found["digit"] == 7 and found["p"] == pytest.approx(0.97)


def test_low_confidence_is_unsure_and_names_the_runner_up():
    probs = np.zeros(10)
    probs[[1, 7, 4]] = [MIN_CONFIDENCE - 0.05, 0.3, 1 - MIN_CONFIDENCE - 0.25]
    found = verdict(probs, drawn(ONE))
    assert found["unsure"] and found["reason"] == "low confidence"
    assert (found["digit"], found["runner_up"]) == (1, 7)
    assert found["p_runner_up"] == pytest.approx(0.3)


def test_model_applies_a_valid_temperature_from_its_metadata_and_keeps_its_predictions():
    model = Model(Sequential.mlp([784, 16, 10], "he", np.random.default_rng(0), "float32"))
    x = np.random.default_rng(1).random((50, 784)).astype(np.float32)
    plain = model.predict_proba(x)
    model.metadata["temperature"] = 2.0
    softer = model.predict_proba(x)
    np.testing.assert_allclose(softer, softmax(model.logits(x) / 2.0), rtol=1e-5)
    assert (softer.argmax(1) == plain.argmax(1)).all() and softer.max(1).mean() < plain.max(1).mean()
    for bad in ("hot", -1.0, 0, float("nan"), None):
        model.metadata["temperature"] = bad
        np.testing.assert_allclose(model.predict_proba(x), plain)


def test_energy_is_logsumexp_and_its_floor_a_quantile():
    logits = np.array([[0.0, 0.0], [1000.0, 1000.0], [-3.0, 2.0]])
    np.testing.assert_allclose(energy(logits), [np.log(2), 1000 + np.log(2), np.log(np.exp(-3) + np.exp(2))])
    spread = np.stack([np.arange(100.0), np.zeros(100)], axis=1)  # energies just above 0..99
    assert 1.0 < energy_floor(spread, 0.02) < 3.0


def test_a_weak_answer_is_unsure_when_the_model_has_an_energy_floor():
    weak, strong = np.full(10, -1.0), np.full(10, -1.0)
    weak[3], strong[3] = 4.0, 12.0
    shape = drawn(SEVEN)
    found = verdict(softmax(weak), shape, weak, min_energy=6.0)
    assert found["unsure"] and found["reason"] == "unlike any digit" and found["digit"] == 3
    assert not verdict(softmax(strong), shape, strong, min_energy=6.0)["unsure"]
    # Without a floor (a model trained on the page) or with a broken one, only the other rules apply.
    for floor in (None, "6", [6.0]):
        assert not verdict(softmax(weak), shape, weak, min_energy=floor)["unsure"]
