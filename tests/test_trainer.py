import sys
import types

import numpy as np
import pytest

from mlp_core.data import split_validation
from mlp_core.modelio import model_from_bytes, model_to_bytes
from mlp_core.deskew import deskew
from mlp_core.recipes import RECIPES
from mlp_core.trainer import Trainer

SMALL = RECIPES["fast"].replace(sizes=(784, 32, 10), epochs=2, batch_size=50, train_eval_size=200)


def weights_of(trainer):
    return [param.copy() for param, _ in trainer.parameters]


def test_chunked_run_equals_one_uninterrupted_run(synthetic_digits):
    images, labels = synthetic_digits
    whole = Trainer(SMALL, images[:500], labels[:500], images[500:], labels[500:])
    whole.run()
    chunked = Trainer(SMALL, images[:500], labels[:500], images[500:], labels[500:])
    losses, results = [], []
    while not chunked.done:
        progress = chunked.run(max_steps=3)
        losses += progress["losses"]
        results += progress["epoch_results"]
    assert all(np.array_equal(a, b) for a, b in zip(weights_of(whole), weights_of(chunked)))
    assert len(losses) == 2 * 10 == chunked.step
    strip = lambda rs: [{k: v for k, v in r.items() if k != "seconds"} for r in rs]
    assert strip(results) == strip(whole.epoch_results)
    assert results[-1]["epoch"] == 2 and results[-1]["val_acc"] > 0.5 and results[-1]["train_acc"] > 0.5


def test_progress_reports_and_time_budget(synthetic_digits):
    images, labels = synthetic_digits
    trainer = Trainer(SMALL.replace(epochs=1), images, labels)
    progress = trainer.run(max_seconds=0)  # at least one unit of work per call
    assert progress["step"] == 1 and progress["samples_seen"] == 50 and len(progress["losses"]) == 1
    assert progress["steps_per_epoch"] == 12 and progress["epochs"] == 1 and not progress["done"]
    assert progress["diverged"] is None and progress["epoch_results"] == []
    progress = trainer.run(max_steps=11)
    assert progress["done"] and progress["epoch"] == 1 and len(progress["losses"]) == 11
    (result,) = progress["epoch_results"]
    assert set(result) == {"epoch", "samples_seen", "loss", "train_acc", "val_acc", "seconds"} and result["val_acc"] is None
    assert result["samples_seen"] == 600 and progress["checkpoints"] == []
    assert trainer.run()["done"] and trainer.step == 12  # nothing left to do
    assert trainer.model.metadata["epochs_completed"] == 1 and trainer.model.metadata["recipe"]["name"] == "fast"


def test_same_seed_same_model_other_seed_other_model(synthetic_digits):
    images, labels = synthetic_digits
    runs = [Trainer(SMALL.replace(epochs=1, seed=s), images, labels) for s in (7, 7, 8)]
    for trainer in runs:
        trainer.run()
    first, again, other = (weights_of(t) for t in runs)
    assert all(np.array_equal(a, b) for a, b in zip(first, again))
    assert not np.array_equal(first[0], other[0])


def test_divergence_restores_last_good_weights_and_says_why(synthetic_digits):
    images, labels = synthetic_digits
    trainer = Trainer(SMALL.replace(optimizer="sgd", schedule="constant", lr=1e30), images, labels)
    progress = trainer.run()
    assert progress["done"] and progress["diverged"]
    assert "smaller learning rate" in progress["diverged"] and "1e+30" in progress["diverged"]
    assert all(np.all(np.isfinite(p)) for p in weights_of(trainer))
    probs = trainer.model.predict_proba(images[:5] / 255.0)
    assert np.all(np.isfinite(probs))
    assert trainer.model.metadata["diverged"] == progress["diverged"]


def test_a_loss_that_blows_up_without_nan_counts_as_divergence(synthetic_digits):
    # AdamW at lr 10 never produces a NaN: the loss leaps to ~1e8, then settles at chance level.
    images, labels = synthetic_digits
    trainer = Trainer(SMALL.replace(optimizer="adamw", lr=10.0), images, labels)
    start = weights_of(trainer)
    progress = trainer.run()
    assert progress["done"] and "loss jumped" in progress["diverged"] and "smaller learning rate" in progress["diverged"]
    assert trainer.step == 1  # stopped at the first blown-up step
    assert all(np.array_equal(a, b) for a, b in zip(start, weights_of(trainer)))  # the weights that gave a sane loss


def test_inputs_as_floats_train_like_uint8(synthetic_digits):
    images, labels = synthetic_digits
    recipe = SMALL.replace(epochs=1, deskew=False)  # deskewed uint8 images are rounded back to uint8, floats are not
    as_uint8 = Trainer(recipe, images, labels)
    as_float = Trainer(recipe, images / 255.0, labels)
    as_uint8.run()
    as_float.run()
    for a, b in zip(weights_of(as_uint8), weights_of(as_float)):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)


def test_deskewing_and_normalisation_are_stored_in_the_model(synthetic_digits):
    images, labels = synthetic_digits
    trainer = Trainer(SMALL.replace(epochs=1), images, labels)
    pixels = deskew(images) / 255.0  # the fast recipe deskews, then standardises with the deskewed pixels' statistics
    assert trainer.model.deskew and SMALL.deskew
    assert trainer.model.input_mean == pytest.approx(pixels.mean())
    assert trainer.model.input_std == pytest.approx(pixels.std())
    trainer.run()
    # predict_proba takes raw pixels: the model deskews and normalises them the way training did.
    logits = trainer.network.forward(((pixels[:10] - pixels.mean()) / pixels.std()).astype(np.float32))
    np.testing.assert_allclose(trainer.model.predict_proba(images[:10] / 255.0).argmax(1), logits.argmax(1))
    assert not Trainer(SMALL.replace(deskew=False), images, labels).model.deskew


def test_augmentation_is_called_per_minibatch_on_raw_pixels(synthetic_digits, monkeypatch):
    images, labels = synthetic_digits
    calls = []

    def augment_batch(x, rng, strengths):
        calls.append((x.shape, x.dtype, float(x.min()), float(x.max()), type(rng), strengths))
        return 1.0 - x  # a visible change

    fake = types.SimpleNamespace(augment_batch=augment_batch, recipe_strengths=lambda recipe: ("aspect", recipe.augment_aspect))
    monkeypatch.setitem(sys.modules, "mlp_core.augment", fake)
    trainer = Trainer(SMALL.replace(epochs=1, augment=True, augment_aspect=0.25), images, labels)
    trainer.run()
    assert len(calls) == trainer.steps_per_epoch
    assert all(c == ((50, 784), np.float32, 0.0, 1.0, np.random.Generator, ("aspect", 0.25)) for c in calls)


def test_bad_training_data_is_refused():
    with pytest.raises(ValueError, match=r"\(N, 784\)"):
        Trainer(SMALL, np.zeros((10, 100), np.uint8), np.zeros(10, np.uint8))
    with pytest.raises(ValueError, match="labels"):
        Trainer(SMALL, np.zeros((10, 784), np.uint8), np.full(10, 11))


@pytest.mark.mnist
def test_fast_on_5000_images_for_one_epoch_beats_90_percent(mnist):
    train_x, train_y, val_x, val_y = split_validation(mnist["train_x"], mnist["train_y"])
    trainer = Trainer(RECIPES["fast"].replace(epochs=1, train_size=5000), train_x, train_y, val_x, val_y)
    progress = trainer.run()
    accuracy = trainer.model.accuracy(mnist["test_x"], mnist["test_y"])
    assert progress["done"] and accuracy > 0.90


def test_training_continues_from_a_loaded_model_exactly_as_from_the_model_in_memory(synthetic_digits):
    images, labels = synthetic_digits
    first = Trainer(SMALL.replace(epochs=1), images, labels)
    first.run()
    loaded = model_from_bytes(model_to_bytes(first.model))
    again = {}
    for name, model in (("loaded", loaded), ("in memory", first.model)):
        before = [p.copy() for p, _ in model.network.parameters()]
        again[name] = Trainer(SMALL.replace(epochs=1, seed=1), images, labels, model=model)
        assert (model.input_mean, model.input_std) == (first.model.input_mean, first.model.input_std)
        again[name].run()
        assert again[name].model is model and not np.array_equal(before[0], model.network.parameters()[0][0])
    assert all(np.array_equal(a, b) for a, b in zip(weights_of(again["loaded"]), weights_of(again["in memory"])))
    strip = lambda rs: [{k: v for k, v in r.items() if k != "seconds"} for r in rs]  # noqa: E731
    assert strip(again["loaded"].epoch_results) == strip(again["in memory"].epoch_results)
    # Trained on top of the first epoch, not from scratch: the second epoch starts where the first ended.
    assert again["loaded"].epoch_results[0]["loss"] < first.epoch_results[0]["loss"]


def test_the_injected_clock_times_the_budget_and_the_steps(synthetic_digits):
    images, labels = synthetic_digits
    ticks = iter(range(1000))
    trainer = Trainer(SMALL.replace(epochs=1), images, labels, clock=lambda: float(next(ticks)))
    trainer.run(max_steps=3)
    assert trainer.train_seconds == 3.0  # one tick per step: its start and its end
    progress = trainer.run(max_seconds=7)  # a budget tick before each step but the first, then its own two: 3 steps fit
    assert progress["step"] == 3 + 3 and progress["seconds"] == 6.0


def test_validation_checkpoints_inside_epochs_never_past_their_sample_count(synthetic_digits):
    images, labels = synthetic_digits
    recipe = SMALL.replace(validate_every=120)  # batch 50, 10 steps per epoch of 500 images
    trainer = Trainer(recipe, images[:500], labels[:500], images[500:], labels[500:])
    checkpoints, results, checking_seen = [], [], False
    while not trainer.done:
        progress = trainer.run(max_seconds=0)  # one unit of work: a step, or a slice of an evaluation
        checking_seen |= progress["checking"]
        checkpoints += progress["checkpoints"]
        results += progress["epoch_results"]
    # the last step before each multiple of 120 in the first epoch; 500 and 1000 end epochs
    assert [c["samples_seen"] for c in checkpoints] == [100, 200, 350, 450]  # the first epoch's: later, epoch ends
    assert [r["samples_seen"] for r in results] == [500, 1000] and checking_seen
    assert all(set(c) == {"samples_seen", "epoch", "val_acc", "seconds"} for c in checkpoints)
    assert checkpoints[2]["epoch"] == pytest.approx(0.7) and 0 <= checkpoints[-1]["val_acc"] <= 1
    # validation of the weights of that moment: a checkpoint at an epoch's end would give the epoch's figure
    assert trainer.model.metadata["checkpoint_results"] == checkpoints


def test_no_checkpoint_just_before_or_after_an_epoch_end(synthetic_digits):
    images, labels = synthetic_digits
    trainer = Trainer(SMALL.replace(validate_every=250), images[:500], labels[:500], images[500:], labels[500:])
    trainer.run()
    # 250: a checkpoint; 500 and 1000 are epoch ends, which validate their own intervals; 750 is in the second epoch
    assert [c["samples_seen"] for c in trainer.checkpoint_results] == [250]
    trainer = Trainer(SMALL.replace(validate_every=260), images[:500], labels[:500], images[500:], labels[500:])
    trainer.run()
    assert [c["samples_seen"] for c in trainer.checkpoint_results] == [250]  # 500 ends the epoch: not 500 too


def test_checkpoints_change_nothing_but_the_reports(synthetic_digits):
    images, labels = synthetic_digits
    runs = [Trainer(SMALL.replace(validate_every=every), images[:500], labels[:500], images[500:], labels[500:])
            for every in (None, 75)]
    for trainer in runs:
        trainer.run()
    plain, checked = runs
    assert all(np.array_equal(a, b) for a, b in zip(weights_of(plain), weights_of(checked)))
    assert plain.checkpoint_results == [] and len(checked.checkpoint_results) > 0
    no_validation = Trainer(SMALL.replace(validate_every=75), images[:500], labels[:500])
    no_validation.run()
    assert no_validation.checkpoint_results == []  # nothing to validate on


def test_cosine_restart_cycle_is_counted_in_samples_and_never_passes_them(synthetic_digits):
    images, labels = synthetic_digits
    recipe = SMALL.replace(schedule="cosine_restart", cycle_samples=220, restart_lr_fraction=0.5)
    trainer = Trainer(recipe, images[:500], labels[:500])
    rates = []
    while not trainer.done:
        trainer.run(max_steps=1)
        rates.append(trainer.lr)
    # 220 samples at batch 50: the cycle is 4 steps (200 samples); step 4 starts the second cycle at half the rate
    assert rates[3] < 0.2 * recipe.lr and rates[4] == pytest.approx(0.5 * recipe.lr)


def test_train_accuracy_can_be_measured_on_another_set_than_all_training_rows(synthetic_digits):
    images, labels = synthetic_digits
    noise = np.random.default_rng(0).integers(0, 256, (200, 784), dtype=np.uint8)
    x = np.concatenate([images[:400], noise])
    y = np.concatenate([labels[:400], np.arange(200, dtype=labels.dtype) % 10])
    recipe = SMALL.replace(epochs=1, train_eval_size=None)
    whole = Trainer(recipe, x, y)
    digits_only = Trainer(recipe, x, y, train_eval=(x[:400], y[:400]))
    whole.run()
    digits_only.run()
    assert all(np.array_equal(a, b) for a, b in zip(weights_of(whole), weights_of(digits_only)))  # training is the same
    model = digits_only.model
    expected = float(np.mean(model.predict(x[:400] / np.float32(255)) == y[:400]))
    assert digits_only.epoch_results[-1]["train_acc"] == pytest.approx(expected, abs=1e-9)
    assert whole.epoch_results[-1]["train_acc"] != digits_only.epoch_results[-1]["train_acc"]
    with pytest.raises(ValueError, match="train_eval"):
        Trainer(recipe, x, y, train_eval=(x[:10], y[:9]))
