"""Splitting minibatch steps with a partner (the page's second worker) trains like one worker."""
import numpy as np
import pytest

from mlp_core import kernels
from mlp_core.layers import BlankColumns
from mlp_core.partner import (BatchShare, GradientWorker, PartnerError, SplitChooser, add_flat_gradients,
                              flat_gradients, flat_parameters, minibatch_gradients)
from mlp_core.network import Sequential
from mlp_core.recipes import RECIPES
from mlp_core.trainer import Trainer

SMALL = RECIPES["fast"].replace(sizes=(784, 32, 16, 10), epochs=2, batch_size=50, train_eval_size=200)


class FakeClock:
    """Stands in for the trainer's ``time`` module: time passes only when a test says so, so the
    split's balancing and the chooser's timing are decided by the test, not by a busy machine."""

    def __init__(self):
        self.now = 0.0

    def perf_counter(self):
        return self.now


@pytest.fixture
def clock(monkeypatch):
    fake = FakeClock()
    monkeypatch.setattr("mlp_core.trainer.time", fake)
    return fake


class InProcessPartner:
    """A partner in this process: GradientWorker behind the start/finish interface of the page's helper."""

    def __init__(self, sizes, dtype, fail_at=None, delay=0.0, clock=None):
        self.worker = GradientWorker(sizes, dtype)
        self.delay = delay  # seconds finish() takes beyond this side's rows, passed on ``clock`` (a FakeClock)
        self.clock = clock
        self.calls = 0
        self.rows = []  # rows of each share, to see the split
        self.fail_at = fail_at  # the call (1-based) whose result never comes
        self._result = None

    def start(self, weights, share):
        self.calls += 1
        self.rows.append(len(share.labels))
        loss, gradients = self.worker.gradients(weights.copy(), share)  # computed now, as a worker would start now
        self._result = (loss, gradients.copy())

    def finish(self):
        if self.delay:
            self.clock.now += self.delay
        if self.calls == self.fail_at:
            raise PartnerError("the helper worker stopped answering")
        return self._result


def run_shared(trainer, partner, **budget):
    if trainer.partner is not partner:
        trainer.partner = partner
    return trainer.run(**budget)


def bordered(images):
    """MNIST's blank border on the synthetic digits, so the first layer skips columns."""
    images = images.reshape(-1, 28, 28).copy()
    images[:, :4] = images[:, -4:] = images[:, :, :4] = images[:, :, -4:] = 0
    return images.reshape(-1, 784)


def test_the_halves_of_a_minibatch_add_up_to_its_gradient():
    rng = np.random.default_rng(1)
    network = Sequential.mlp((784, 32, 10), "he", rng, np.float64)
    x, y = rng.random((20, 784)), rng.integers(0, 10, 20)
    whole_loss = minibatch_gradients(network, x, y, 20)
    whole = flat_gradients(network)
    first = minibatch_gradients(network, x[:12], y[:12], 20)
    halves = flat_gradients(network)
    worker = GradientWorker((784, 32, 10), np.float64)
    second, second_grads = worker.gradients(flat_parameters(network), BatchShare.rows_of(x, y, 12, 20, 20))
    assert first + second == pytest.approx(whole_loss, rel=1e-12)
    add_flat_gradients(network, second_grads)
    np.testing.assert_allclose(flat_gradients(network), whole, rtol=1e-10, atol=1e-14)
    assert not np.array_equal(halves, whole)  # the first rows alone are not the whole gradient


@pytest.mark.parametrize("skip_blank", [False, True])
@pytest.mark.parametrize("optimizer", ["sgd", "adamw"])
def test_shared_steps_train_like_one_worker(always_split, synthetic_digits, monkeypatch, skip_blank, optimizer):
    monkeypatch.setattr(kernels, "SKIP_BLANK_COLUMNS", skip_blank)
    images, labels = synthetic_digits
    images = bordered(images)
    recipe = SMALL.replace(optimizer=optimizer, augment=skip_blank)  # augmentation happens before the split
    alone = Trainer(recipe, images[:500], labels[:500], images[500:], labels[500:])
    alone.run()
    shared = Trainer(recipe, images[:500], labels[:500], images[500:], labels[500:])
    partner = InProcessPartner(recipe.sizes, recipe.dtype)
    results = []
    while not shared.done:
        progress = run_shared(shared, partner, max_seconds=0)
        results += progress["epoch_results"]
    assert isinstance(shared._batch_inputs(np.arange(50)), BlankColumns) == skip_blank
    assert shared.step == alone.step == 20 and shared.shared_steps == partner.calls == 20
    for (mine, _), (theirs, _) in zip(shared.parameters, alone.parameters):
        np.testing.assert_allclose(mine, theirs, rtol=1e-4, atol=1e-5)  # float32 rounding only
    strip = lambda rs: [(r["epoch"], round(r["loss"], 4)) for r in rs]
    assert strip(results) == strip(alone.epoch_results)
    assert results[-1]["val_acc"] == pytest.approx(alone.epoch_results[-1]["val_acc"], abs=0.01)


def test_a_failing_partner_loses_no_step(always_split, synthetic_digits):
    images, labels = synthetic_digits
    alone = Trainer(SMALL, images, labels)
    alone.run(max_steps=5)
    shared = Trainer(SMALL, images, labels)
    partner = InProcessPartner(SMALL.sizes, SMALL.dtype, fail_at=3)
    progress = run_shared(shared, partner, max_steps=5)
    # The third step did the partner's rows itself, and the trainer went on alone.
    assert progress["step"] == 5 and progress["partner_error"] == "the helper worker stopped answering"
    assert shared.shared_steps == 2 and partner.calls == 3 and shared.partner is None
    for (mine, _), (theirs, _) in zip(shared.parameters, alone.parameters):
        np.testing.assert_allclose(mine, theirs, rtol=1e-4, atol=1e-5)


def test_a_diverging_shared_run_restores_the_last_good_weights(always_split, synthetic_digits):
    images, labels = synthetic_digits
    recipe = SMALL.replace(optimizer="sgd", lr=1e4)
    trainer = Trainer(recipe, images, labels)
    partner = InProcessPartner(recipe.sizes, recipe.dtype)
    for _ in range(20):
        progress = run_shared(trainer, partner, max_seconds=0)
        if progress["diverged"]:
            break
    assert progress["diverged"] and "smaller learning rate" in progress["diverged"]
    assert all(np.isfinite(param).all() for param, _ in trainer.parameters)


def test_flat_arrays_follow_the_parameter_order_and_refuse_a_wrong_length():
    network = Sequential.mlp((784, 8, 10), "he", np.random.default_rng(0), np.float32)
    flat = flat_parameters(network)
    assert flat.shape == (784 * 8 + 8 + 8 * 10 + 10,) and flat.dtype == np.float32
    np.testing.assert_array_equal(flat[:784 * 8], network.parameters()[0][0].ravel())
    worker = GradientWorker((784, 8, 10), np.float32)
    worker.weights[:] = flat  # the worker's layers are views of its flat weights
    assert all(np.array_equal(a, b) for (a, _), (b, _) in zip(network.parameters(), worker.network.parameters()))
    before = flat_gradients(network)
    add_flat_gradients(network, flat * 2)
    np.testing.assert_array_equal(flat_gradients(network), before + flat * 2)
    with pytest.raises(ValueError, match="expected 6370 values"):
        add_flat_gradients(network, flat[:-1])


def test_the_split_follows_the_slower_side(always_split, synthetic_digits, clock):
    """The partner gets a row more after every step this side did not wait, a row less after one it did."""
    images, labels = synthetic_digits
    trainer = Trainer(SMALL, images, labels)
    partner = InProcessPartner(SMALL.sizes, SMALL.dtype, clock=clock)  # answers at once: never waited for
    run_shared(trainer, partner, max_steps=20)
    assert partner.rows[:3] == [25, 26, 27]
    assert max(partner.rows) == 50 - 50 // 4  # this side always keeps a quarter of the batch
    slow = InProcessPartner(SMALL.sizes, SMALL.dtype, delay=0.002, clock=clock)
    run_shared(Trainer(SMALL, images, labels), slow, max_steps=20)
    assert slow.rows[:3] == [25, 24, 23] and slow.rows[-1] == 50 // 4  # and never fewer than a quarter


def test_the_chooser_keeps_the_faster_mode_and_tries_again_later():
    chooser = SplitChooser()

    def trial(split_seconds, alone_seconds):
        modes = []
        for _ in range(2 * SplitChooser.TRIAL_STEPS):
            split = chooser.next_split()
            modes.append(split)
            chooser.record(split, split_seconds if split else alone_seconds)
        return modes

    def kept_steps():
        modes = set()
        for _ in range(SplitChooser.KEEP_STEPS):
            modes.add(chooser.next_split())
            chooser.record(chooser.next_split(), 0.01)
        return modes

    assert trial(0.010, 0.015)[:4] == [True, False, True, False]  # interleaved: drifting noise hits both
    assert chooser.split is True and kept_steps() == {True}
    assert trial(0.020, 0.015) == [True, False] * SplitChooser.TRIAL_STEPS  # tried both again
    assert chooser.split is False and kept_steps() == {False}
    trial(0.010, 0.015)
    assert chooser.split is True


def test_a_partner_that_slows_training_down_is_left_idle(synthetic_digits, clock):
    images, labels = synthetic_digits
    trainer = Trainer(SMALL.replace(epochs=10), images, labels)
    partner = InProcessPartner(SMALL.sizes, SMALL.dtype, delay=0.01, clock=clock)  # slower than this side's step
    progress = run_shared(trainer, partner, max_steps=2 * SplitChooser.TRIAL_STEPS + 20)
    assert partner.calls == SplitChooser.TRIAL_STEPS  # the trial's split steps, and none after it
    assert progress["split"] is False and progress["step"] == 2 * SplitChooser.TRIAL_STEPS + 20
