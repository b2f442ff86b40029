"""Sharing minibatch steps out among helpers (the page's other workers) trains like one worker."""
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
        self.waited = 0.0

    def start(self, weights, share):
        self.calls += 1
        self.rows.append(len(share.labels))
        loss, gradients = self.computer.gradients(weights.copy(), share)  # computed now, as a worker would start now
        self._result = (loss, gradients.copy())

    def finish(self):
        if self.delay:
            self.clock.now += self.delay
        self.waited = self.delay
        if self.calls == self.fail_at:
            raise HelperError("the helper worker stopped answering")
        return self._result


def split_trainer(recipe, images, labels, helpers, skip_blank=True, clock=None, choose=True, inked=False, **kwargs):
    """A Trainer whose steps SplitGradients shares out among ``helpers`` (one or a list), as the page's are."""
    clock = clock or FakeClock()
    helpers = helpers if isinstance(helpers, list) else [helpers]
    gradients = lambda model: SplitGradients(FastGradients(model, PYODIDE, skip_blank, inked), helpers, clock=clock, choose=choose)  # noqa: E731
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


@pytest.mark.parametrize("helpers", [1, 3])
@pytest.mark.parametrize("skip_blank, inked", [(False, False), (True, False), (True, True)])
@pytest.mark.parametrize("optimizer", ["sgd", "adamw"])
def test_shared_steps_train_like_one_worker(synthetic_digits, skip_blank, inked, optimizer, helpers):
    images, labels = synthetic_digits
    images = bordered(images)
    recipe = SMALL.replace(optimizer=optimizer, augment=skip_blank and not inked)  # augmentation happens before the split
    alone = Trainer(recipe, images[:500], labels[:500], images[500:], labels[500:])  # PlainGradients, the textbook's
    alone.run()
    workers = [InProcessHelper(recipe.sizes, recipe.dtype, inked_first_layer=inked) for _ in range(helpers)]
    shared = split_trainer(recipe, images[:500], labels[:500], workers, skip_blank, choose=False, inked=inked,
                           val_x=images[500:], val_y=labels[500:])
    results = []
    while not shared.done:
        results += shared.run(max_seconds=0)["epoch_results"]
    assert isinstance(shared.gradients.local.inputs(bordered(images[:50])), BlankColumns) == skip_blank
    assert shared.step == alone.step == 20 and shared.gradients.shared_steps == 20
    assert all(helper.calls == 20 for helper in workers) and shared.gradients.used == helpers
    for (mine, _), (theirs, _) in zip(shared.parameters, alone.parameters):
        np.testing.assert_allclose(mine, theirs, rtol=1e-4, atol=1e-5)  # float32 rounding only
    strip = lambda rs: [(r["epoch"], round(r["loss"], 4)) for r in rs]  # noqa: E731
    assert strip(results) == strip(alone.epoch_results)
    assert results[-1]["val_acc"] == pytest.approx(alone.epoch_results[-1]["val_acc"], abs=0.01)


def test_every_row_of_a_minibatch_is_computed_once(synthetic_digits):
    """Three helpers and this side share out a batch of 50: an even share each, this side the rest."""
    images, labels = synthetic_digits
    workers = [InProcessHelper(SMALL.sizes, SMALL.dtype) for _ in range(3)]
    trainer = split_trainer(SMALL, images, labels, workers, choose=False)
    trainer.run(max_steps=1)
    assert [helper.rows for helper in workers] == [[12], [12], [12]]


@pytest.mark.parametrize("helpers", [1, 3])
def test_a_failing_helper_loses_no_step(synthetic_digits, helpers):
    images, labels = synthetic_digits
    alone = Trainer(SMALL, images, labels)
    alone.run(max_steps=5)
    failing = InProcessHelper(SMALL.sizes, SMALL.dtype, fail_at=3)
    others = [InProcessHelper(SMALL.sizes, SMALL.dtype) for _ in range(helpers - 1)]
    shared = split_trainer(SMALL, images, labels, [*others[:1], failing, *others[1:]], choose=False)
    progress = shared.run(max_steps=5)
    # The third step did the failed helper's rows itself, and the trainer went on with the others.
    split = shared.gradients
    assert progress["step"] == 5 and split.error == "the helper worker stopped answering"
    assert split.failures == [(failing, split.error)] and failing.calls == 3 and failing not in split.helpers
    assert split.shared_steps == (5 if others else 2) and all(helper.calls == 5 for helper in others)
    assert split.helpers == others and split.used == (helpers - 1 if others else None)
    for (mine, _), (theirs, _) in zip(shared.parameters, alone.parameters):
        np.testing.assert_allclose(mine, theirs, rtol=1e-4, atol=1e-5)


def test_a_diverging_shared_run_restores_the_last_good_weights(synthetic_digits):
    images, labels = synthetic_digits
    recipe = SMALL.replace(optimizer="sgd", lr=1e4)
    trainer = split_trainer(recipe, images, labels, InProcessHelper(recipe.sizes, recipe.dtype), choose=False)
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


def test_the_split_follows_the_slower_side(synthetic_digits):
    """Each helper gets a row more after every step this side did not wait, a row less after one it did."""
    images, labels = synthetic_digits
    clock = FakeClock()
    helper = InProcessHelper(SMALL.sizes, SMALL.dtype, clock=clock)  # answers at once: never waited for
    split_trainer(SMALL, images, labels, helper, clock=clock, choose=False).run(max_steps=20)
    assert helper.rows[:3] == [25, 26, 27]
    assert max(helper.rows) == 50 - 50 // 4  # this side always keeps half an even share
    slow = InProcessHelper(SMALL.sizes, SMALL.dtype, delay=0.002, clock=clock)
    split_trainer(SMALL, images, labels, slow, clock=clock, choose=False).run(max_steps=20)
    assert slow.rows[:3] == [25, 24, 23] and slow.rows[-1] == 50 // 4  # and so does each helper
    quick = [InProcessHelper(SMALL.sizes, SMALL.dtype, clock=clock) for _ in range(2)]
    split_trainer(SMALL, images, labels, quick, clock=clock, choose=False).run(max_steps=20)
    assert quick[0].rows[:3] == quick[1].rows[:3] == [16, 17, 18] and max(quick[0].rows) == (50 - 50 // 6) // 2


def test_a_trial_times_each_count_at_its_own_balance(synthetic_digits, monkeypatch):
    """A trial alternates helper counts; each keeps its own balanced share across the switches. Starting from an
    even share at every switch, a trial timed each count slower than it runs."""

    class Alternating:  # the steps of a trial of two helpers against one
        count, trying, steps = 1, 2, 0

        def next_count(self, available):
            self.steps += 1
            return 2 if self.steps % 2 else 1

        def record(self, count, seconds):
            pass

    monkeypatch.setattr("mlp_core.fast.split.SplitChooser", Alternating)
    images, labels = synthetic_digits
    clock = FakeClock()
    quick = [InProcessHelper(SMALL.sizes, SMALL.dtype, clock=clock) for _ in range(2)]  # never waited for: shares grow
    split_trainer(SMALL, images, labels, quick, clock=clock, choose=True).run(max_steps=8)
    assert quick[0].rows == [16, 25, 17, 26, 18, 27, 19, 28]  # two helpers' shares of 50 rows, and one's


def test_only_waiting_for_an_answer_counts_as_waiting(synthetic_digits, monkeypatch):
    """This side's work after an answer (copying it, adding it up) must not shrink the helpers' share: it once
    did, and two workers computed a quarter of each batch in the helper where they could compute three."""
    images, labels = synthetic_digits
    clock = FakeClock()

    def slow_sum(network, flat):
        clock.now += 0.001  # five times the slack: adding 100,000 gradients takes ~0.3 ms in Pyodide
        add_flat_gradients(network, flat)

    monkeypatch.setattr("mlp_core.fast.split.add_flat_gradients", slow_sum)
    quick = [InProcessHelper(SMALL.sizes, SMALL.dtype, clock=clock) for _ in range(2)]
    split_trainer(SMALL, images, labels, quick, clock=clock, choose=False).run(max_steps=20)
    assert quick[0].rows[:3] == quick[1].rows[:3] == [16, 17, 18]


class StepTimes:
    """Drives a SplitChooser as SplitGradients does, a step with n helpers lasting as long as the test says."""

    def __init__(self, available):
        self.chooser = SplitChooser()
        self.available = available

    def steps(self, seconds, count):
        """Take ``count`` steps, one with n helpers lasting ``seconds[n]``; the helper counts used."""
        used = []
        for _ in range(count):
            helpers = self.chooser.next_count(self.available)
            used.append(helpers)
            self.chooser.record(helpers, seconds[helpers])
        return used

    def trial(self, seconds):
        return self.steps(seconds, 2 * SplitChooser.TRIAL_STEPS)


def test_the_chooser_keeps_the_faster_count_and_tries_again_later():
    run = StepTimes(available=1)
    assert run.trial({1: 0.010, 0: 0.015})[:4] == [1, 0, 1, 0]  # interleaved: drifting noise hits both
    assert run.chooser.count == 1 and set(run.steps({0: 0.01, 1: 0.01}, SplitChooser.KEEP_STEPS)) == {1}
    assert run.trial({1: 0.020, 0: 0.015}) == [0, 1] * SplitChooser.TRIAL_STEPS  # tried one fewer
    assert run.chooser.count == 0 and set(run.steps({0: 0.01, 1: 0.01}, SplitChooser.KEEP_STEPS)) == {0}
    run.trial({1: 0.010, 0: 0.015})
    assert run.chooser.count == 1


def test_the_chooser_adds_helpers_while_each_pays_and_drops_them_when_they_stop_paying():
    run = StepTimes(available=3)
    fast = {0: 0.030, 1: 0.018, 2: 0.014, 3: 0.016}  # a third helper costs more than it brings
    used = run.steps(fast, 3 * 2 * SplitChooser.TRIAL_STEPS)
    assert used[:2] == [1, 0] and used[32:34] == [2, 1] and used[64:66] == [3, 2]  # each trial right after a win
    assert run.chooser.count == 2 and run.chooser.trying is None
    assert set(run.steps(fast, SplitChooser.KEEP_STEPS)) == {2}
    busy = {0: 0.030, 1: 0.020, 2: 0.025, 3: 0.030}  # the machine grew busy: two helpers are too many now
    assert run.trial(busy)[:2] == [3, 2] and run.chooser.count == 2  # a kept count's trials look up, then down
    assert set(run.steps(busy, SplitChooser.KEEP_STEPS)) == {2}
    assert run.trial(busy)[:2] == [1, 2] and run.chooser.count == 1  # one fewer pays now...
    assert run.trial(busy)[:2] == [0, 1] and run.chooser.count == 1  # ...so it goes on down while that pays
    assert set(run.steps(busy, SplitChooser.KEEP_STEPS)) == {1}
    assert run.trial(busy)[:2] == [2, 1] and run.chooser.count == 1


def test_a_helper_that_joins_is_tried_and_one_that_leaves_is_not_waited_for():
    run = StepTimes(available=1)
    times = {0: 0.030, 1: 0.020, 2: 0.015}
    run.trial(times)
    assert run.chooser.count == 1
    run.available = 2
    assert run.steps(times, 2) == [2, 1] and run.chooser.trying == 2
    run.available = 1  # it failed mid-trial
    assert run.steps(times, 3) == [1, 1, 1] and run.chooser.trying is None


def test_a_helper_that_slows_training_down_is_left_idle(synthetic_digits):
    images, labels = synthetic_digits
    clock = FakeClock()
    helper = InProcessHelper(SMALL.sizes, SMALL.dtype, delay=0.01, clock=clock)  # slower than this side's step
    trainer = split_trainer(SMALL.replace(epochs=10), images, labels, helper, clock=clock)
    progress = trainer.run(max_steps=2 * SplitChooser.TRIAL_STEPS + 20)
    assert helper.calls == SplitChooser.TRIAL_STEPS  # the trial's split steps, and none after it
    assert trainer.gradients.split is False and trainer.gradients.used == 0
    assert progress["step"] == 2 * SplitChooser.TRIAL_STEPS + 20
