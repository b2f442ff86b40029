"""Splitting minibatch steps with a helper (the page's second worker) trains like one worker."""
import numpy as np
import pytest

from mlp_core.fast import PYODIDE, BlankColumns, FastGradients, HelperError, HelperGradients, Share, SplitChooser, SplitGradients
from mlp_core.fast.split import add_flat_gradients, flat_gradients, flat_parameters, part_of_batch
from mlp_core.model import Model
from mlp_core.nn import Sequential
from mlp_core.recipes import RECIPES
from mlp_core.trainer import PlainGradients, Trainer

SMALL = RECIPES["fast"].replace(sizes=(784, 32, 16, 10), epochs=2, batch_size=50, train_eval_size=200)


class FakeClock:
    """Time passes only when a test says so, so the split's balancing and the chooser's timing are
    decided by the test, not by a busy machine."""

    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


class InProcessHelper:
    """A helper in this process: HelperGradients behind the start/finish interface of the page's helper."""

    def __init__(self, sizes, dtype, fail_at=None, delay=0.0, clock=None, inked_first_layer=False):
        self.computer = HelperGradients(sizes, dtype, PYODIDE, inked_first_layer)
        self.delay = delay  # seconds finish() takes beyond this side's rows, passed on ``clock`` (a FakeClock)
        self.clock = clock
        self.calls = 0
        self.rows = []  # rows of each share, to see the split
        self.fail_at = fail_at  # the call (1-based) whose result never comes
        self._result = None

    def start(self, weights, share):
        self.calls += 1
        self.rows.append(len(share.labels))
        loss, gradients = self.computer.gradients(weights.copy(), share)  # computed now, as a worker would start now
        self._result = (loss, gradients.copy())

    def finish(self):
        if self.delay:
            self.clock.now += self.delay
        if self.calls == self.fail_at:
            raise HelperError("the helper worker stopped answering")
        return self._result


def split_trainer(recipe, images, labels, helper, skip_blank=True, clock=None, inked=False, **kwargs):
    """A Trainer whose steps SplitGradients shares with ``helper``, as the page's are."""
    clock = clock or FakeClock()
    gradients = lambda model: SplitGradients(FastGradients(model, PYODIDE, skip_blank, inked), helper, clock=clock)  # noqa: E731
    return Trainer(recipe, images, labels, gradients=gradients, clock=clock, **kwargs)


def bordered(images):
    """MNIST's blank border on the synthetic digits, so the first layer skips columns."""
    images = images.reshape(-1, 28, 28).copy()
    images[:, :4] = images[:, -4:] = images[:, :, :4] = images[:, :, -4:] = 0
    return images.reshape(-1, 784)


def test_the_parts_of_a_minibatch_add_up_to_its_gradient():
    rng = np.random.default_rng(1)
    network = Sequential.mlp((784, 32, 10), "he", rng, np.float64)
    plain = PlainGradients(Model(network))
    x, y = rng.random((20, 784)), rng.integers(0, 10, 20)
    whole_loss = plain(x, y)
    whole = flat_gradients(network)
    first = part_of_batch(plain, plain.inputs(x)[:12], y[:12], 20)
    part = flat_gradients(network)
    helper = HelperGradients((784, 32, 10), np.float64)
    second, second_grads = helper.gradients(flat_parameters(network), Share.rows_of(x, y, 12, 20, 20))
    assert first + second == pytest.approx(whole_loss, rel=1e-12)
    add_flat_gradients(network, second_grads)
    np.testing.assert_allclose(flat_gradients(network), whole, rtol=1e-10, atol=1e-14)
    assert not np.array_equal(part, whole)  # the first rows alone are not the whole gradient


@pytest.mark.parametrize("skip_blank, inked", [(False, False), (True, False), (True, True)])
@pytest.mark.parametrize("optimizer", ["sgd", "adamw"])
def test_shared_steps_train_like_one_worker(always_split, synthetic_digits, skip_blank, inked, optimizer):
    images, labels = synthetic_digits
    images = bordered(images)
    recipe = SMALL.replace(optimizer=optimizer, augment=skip_blank and not inked)  # augmentation happens before the split
    alone = Trainer(recipe, images[:500], labels[:500], images[500:], labels[500:])
    alone.run()
    helper = InProcessHelper(recipe.sizes, recipe.dtype, inked_first_layer=inked)
    shared = split_trainer(recipe, images[:500], labels[:500], helper, skip_blank, inked=inked,
                           val_x=images[500:], val_y=labels[500:])
    results = []
    while not shared.done:
        results += shared.run(max_seconds=0)["epoch_results"]
    assert isinstance(shared.gradients.local.inputs(bordered(images[:50])), BlankColumns) == skip_blank
    assert shared.step == alone.step == 20 and shared.gradients.shared_steps == helper.calls == 20
    for (mine, _), (theirs, _) in zip(shared.parameters, alone.parameters):
        np.testing.assert_allclose(mine, theirs, rtol=1e-4, atol=1e-5)  # float32 rounding only
    strip = lambda rs: [(r["epoch"], round(r["loss"], 4)) for r in rs]  # noqa: E731
    assert strip(results) == strip(alone.epoch_results)
    assert results[-1]["val_acc"] == pytest.approx(alone.epoch_results[-1]["val_acc"], abs=0.01)


def test_a_failing_helper_loses_no_step(always_split, synthetic_digits):
    images, labels = synthetic_digits
    alone = Trainer(SMALL, images, labels)
    alone.run(max_steps=5)
    helper = InProcessHelper(SMALL.sizes, SMALL.dtype, fail_at=3)
    shared = split_trainer(SMALL, images, labels, helper)
    progress = shared.run(max_steps=5)
    # The third step did the helper's rows itself, and the trainer went on alone.
    split = shared.gradients
    assert progress["step"] == 5 and split.error == "the helper worker stopped answering"
    assert split.shared_steps == 2 and helper.calls == 3 and split.helper is None and split.split is None
    for (mine, _), (theirs, _) in zip(shared.parameters, alone.parameters):
        np.testing.assert_allclose(mine, theirs, rtol=1e-4, atol=1e-5)


def test_a_diverging_shared_run_restores_the_last_good_weights(always_split, synthetic_digits):
    images, labels = synthetic_digits
    recipe = SMALL.replace(optimizer="sgd", lr=1e4)
    trainer = split_trainer(recipe, images, labels, InProcessHelper(recipe.sizes, recipe.dtype))
    for _ in range(20):
        progress = trainer.run(max_seconds=0)
        if progress["diverged"]:
            break
    assert progress["diverged"] and "smaller learning rate" in progress["diverged"]
    assert trainer.gradients.shared_steps > 0
    assert all(np.isfinite(param).all() for param, _ in trainer.parameters)


def test_flat_arrays_follow_the_parameter_order_and_refuse_a_wrong_length():
    network = Sequential.mlp((784, 8, 10), "he", np.random.default_rng(0), np.float32)
    flat = flat_parameters(network)
    assert flat.shape == (784 * 8 + 8 + 8 * 10 + 10,) and flat.dtype == np.float32
    np.testing.assert_array_equal(flat[:784 * 8], network.parameters()[0][0].ravel())
    helper = HelperGradients((784, 8, 10), np.float32)
    helper.weights[:] = flat  # the helper's layers are views of its flat weights
    assert all(np.array_equal(a, b) for (a, _), (b, _) in zip(network.parameters(), helper.network.parameters()))
    before = flat_gradients(network)
    add_flat_gradients(network, flat * 2)
    np.testing.assert_array_equal(flat_gradients(network), before + flat * 2)
    with pytest.raises(ValueError, match="expected 6370 values"):
        add_flat_gradients(network, flat[:-1])


def test_the_split_follows_the_slower_side(always_split, synthetic_digits):
    """The helper gets a row more after every step this side did not wait, a row less after one it did."""
    images, labels = synthetic_digits
    clock = FakeClock()
    helper = InProcessHelper(SMALL.sizes, SMALL.dtype, clock=clock)  # answers at once: never waited for
    split_trainer(SMALL, images, labels, helper, clock=clock).run(max_steps=20)
    assert helper.rows[:3] == [25, 26, 27]
    assert max(helper.rows) == 50 - 50 // 4  # this side always keeps a quarter of the batch
    slow = InProcessHelper(SMALL.sizes, SMALL.dtype, delay=0.002, clock=clock)
    split_trainer(SMALL, images, labels, slow, clock=clock).run(max_steps=20)
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


def test_a_helper_that_slows_training_down_is_left_idle(synthetic_digits):
    images, labels = synthetic_digits
    clock = FakeClock()
    helper = InProcessHelper(SMALL.sizes, SMALL.dtype, delay=0.01, clock=clock)  # slower than this side's step
    trainer = split_trainer(SMALL.replace(epochs=10), images, labels, helper, clock=clock)
    progress = trainer.run(max_steps=2 * SplitChooser.TRIAL_STEPS + 20)
    assert helper.calls == SplitChooser.TRIAL_STEPS  # the trial's split steps, and none after it
    assert trainer.gradients.split is False and progress["step"] == 2 * SplitChooser.TRIAL_STEPS + 20
