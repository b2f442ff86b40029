"""mlp_core.finetune: a model learns a writer's new style from a few digits and keeps what it knew."""
import numpy as np
import pytest

from mlp_core.digitsio import MAX_DIGITS, DigitsFileError, digits_from_bytes, digits_to_bytes
from mlp_core.augment import augment_batch
from mlp_core.confidence import calibrated, expected_calibration_error, nll, verdict
from mlp_core.finetune import (BEND, CALIBRATION_CHUNK, CALIBRATION_IMAGES, DEFAULT_STRENGTH, FINETUNE, KEPT_LAYERS, REPLAY_IMAGES, REPORT_FIELDS,
                                STRENGTHS, Calibration, Finetune, Recalibration, TopLayers, calibration_rows,
                                copy_model, finetune, hold_out, recalibrate, keep_report, kept_report, mixed_set, newly_misread, own_count)
from mlp_core.modelio import ModelFileError, model_from_bytes, model_to_bytes
from mlp_core.recipes import RECIPES
from mlp_core.trainer import EVAL_CHUNK, PlainGradients, Trainer


@pytest.fixture(scope="module")
def world():
    """A learnable stand-in for MNIST (10 noisy prototypes), a model trained on it, and a writer whose 3s the
    model reads as 8s: two fifths of their ink is a 3's, the rest an 8's (as a flagged 1 shares a 7's strokes)."""
    rng = np.random.default_rng(7)
    prototypes = rng.random((10, 784)) < 0.2

    def draw(proto, count):
        flips = rng.random((count, 784)) < 0.05
        return (proto ^ flips).astype(np.uint8) * 255

    labels = rng.integers(0, 10, size=3000).astype(np.uint8)
    images = np.concatenate([draw(prototypes[label], 1) for label in labels])
    # Noise prototypes have no slant to undo: deskewing them would only scramble them.
    # Two layers above the first, as in the shipped model: fine-tuning keeps the first layer and tunes those.
    recipe = RECIPES["fast"].replace(sizes=(784, 128, 32, 10), epochs=3, validation_size=0, train_eval_size=200, deskew=False)
    trainer = Trainer(recipe, images[:2400], labels[:2400])
    while not trainer.done:
        trainer.run()
    share = rng.random(784) < 0.4
    own_style = (prototypes[3] & share) | (prototypes[8] & ~share)
    return {"model": trainer.model, "mnist_x": images[:2400], "mnist_y": labels[:2400],
            "test_x": images[2400:], "test_y": labels[2400:],
            "own_x": draw(own_style, 8), "own_y": np.full(8, 3, np.uint8), "held_x": draw(own_style, 40)}


def test_learns_a_new_style_and_keeps_mnist(world):
    model = world["model"]
    before_own = model.accuracy(world["held_x"], np.full(40, 3))
    before_test = model.accuracy(world["test_x"], world["test_y"])
    assert before_own < 0.5 and before_test > 0.95
    # A style far from the model's 3s, with few digits: larger steps and share than the page's.
    tuned = finetune(model, world["own_x"], world["own_y"], world["mnist_x"], world["mnist_y"], np.random.default_rng(0),
                     steps=150, own_share=0.5, recipe=FINETUNE.replace(lr=0.05))
    assert tuned.accuracy(world["held_x"], np.full(40, 3)) >= 0.95
    assert tuned.accuracy(world["test_x"], world["test_y"]) >= before_test - 0.02
    assert model.accuracy(world["held_x"], np.full(40, 3)) == before_own  # the original is untouched
    assert tuned.metadata["finetuned"]["digits"] == 8 and "test_accuracy" not in tuned.metadata
    assert {k: tuned.metadata["finetuned"][k] for k in ("steps", "own_share", "kept_layers", "bend")} == {
        "steps": 150, "own_share": 0.5, "kept_layers": 2, "bend": BEND}


@pytest.mark.parametrize("strength", list(STRENGTHS))
def test_a_strength_sets_the_runs_settings_and_a_given_setting_wins(world, strength):
    args = (world["model"], world["own_x"], world["own_y"], world["mnist_x"], world["mnist_y"], np.random.default_rng(0))
    run = Finetune(*args, strength=strength)
    kept = run.model.metadata["finetuned"]
    assert run.steps == STRENGTHS[strength]["steps"] and kept["strength"] == strength
    assert {k: kept[k] for k in ("steps", "own_share", "distil")} == STRENGTHS[strength]
    assert Finetune(*args, strength=strength, steps=7).model.metadata["finetuned"]["steps"] == 7
    assert Finetune(*args).model.metadata["finetuned"]["strength"] == DEFAULT_STRENGTH == "gentle"


def test_same_seed_same_model(world):
    args = (world["model"], world["own_x"], world["own_y"], world["mnist_x"], world["mnist_y"])
    a = finetune(*args, np.random.default_rng(5), steps=20)
    b = finetune(*args, np.random.default_rng(5), steps=20)
    c = finetune(*args, np.random.default_rng(6), steps=20)
    weights = lambda m: [layer.weights for layer in m.network.dense_layers()]
    assert all(np.array_equal(x, y) for x, y in zip(weights(a), weights(b)))
    assert not all(np.array_equal(x, y) for x, y in zip(weights(a), weights(c)))


def test_chunked_run_reports_progress(world):
    run = Finetune(world["model"], world["own_x"], world["own_y"], world["mnist_x"], world["mnist_y"], np.random.default_rng(1), steps=10)
    progress = run.run(max_steps=4)
    assert progress["step"] == 4 and not run.done and run.steps == 10
    while not run.done:
        run.run(max_steps=4)
    assert run.trainer.step == 10


@pytest.mark.parametrize("bad, message", [
    (dict(images=np.zeros((3, 784), np.float32)), "uint8"),
    (dict(images=np.zeros((3, 10), np.uint8)), "shape"),
    (dict(labels=np.array([1, 2, 10])), "0 to 9"),
    (dict(labels=np.array([1, 2])), "3 integers"),
    (dict(images=np.zeros((0, 784), np.uint8), labels=np.zeros(0, np.uint8)), "between 1"),
    (dict(rng=np.random.RandomState(0)), "Generator"),
    (dict(mnist_x=np.zeros((0, 784), np.uint8), mnist_y=np.zeros(0, np.uint8)), "replay"),
    (dict(steps=0), "steps"),
    (dict(strength="hard"), "strength must be one of gentle, firm"),
    (dict(distil=-1.0), "distil"),
    (dict(distil=float("nan")), "distil"),
    (dict(kept=1), "kept"),
    (dict(kept=6), "kept"),
    (dict(kept=-2), "kept"),
    (dict(bend=-1.0), "augment bend"),
    (dict(bend=float("nan")), "augment bend"),
])
def test_bad_input_is_refused(world, bad, message):
    args = dict(model=world["model"], images=np.zeros((3, 784), np.uint8), labels=np.array([1, 2, 3]),
                mnist_x=world["mnist_x"], mnist_y=world["mnist_y"], rng=np.random.default_rng(0))
    args.update(bad)
    with pytest.raises(ValueError, match=message):
        finetune(**args)


class _Logits(PlainGradients):
    """PlainGradients that keeps the gradient it is sent back through the network."""

    def backward(self, grad):
        self.sent = grad.copy()
        super().backward(grad)


def test_top_layers_send_the_gradient_of_their_loss(world):
    """The loss's gradient at the logits, against central differences of the loss written out in float64:
    the tutorial's cross-entropy on every row, plus weight * T^2 * KL(original || tuned) at temperature T on
    replay rows only, all over the batch size."""
    original = world["model"]
    tuned = copy_model(original)
    for layer in tuned.network.dense_layers()[1:]:  # a tuned network whose answers differ from the original's
        layer.weights[...] += np.random.default_rng(3).normal(0, 0.05, layer.weights.shape).astype(layer.weights.dtype)
    pixels, labels = world["mnist_x"][:6], np.arange(6, dtype=np.uint8)  # mostly not what the images are: large gradients
    replay, rows, weight, t = np.array([False, True] * 3), np.arange(6), 3.0, 2.0
    strategy = TopLayers(_Logits, tuned, original, replay, lambda: rows, weight, t, KEPT_LAYERS)
    loss = strategy(pixels, labels)
    inputs = tuned.network_input(pixels)
    z, old = tuned.network.infer(inputs).astype(np.float64), original.network.infer(inputs).astype(np.float64)

    def log_softmax(a):
        a = a - a.max(axis=-1, keepdims=True)
        return a - np.log(np.exp(a).sum(axis=-1, keepdims=True))

    def total(logits):
        ce = -log_softmax(logits)[np.arange(6), labels].sum()
        p_old = np.exp(log_softmax(old / t))
        kl = (p_old * (np.log(p_old) - log_softmax(logits / t))).sum(axis=-1)
        return (ce + weight * t * t * kl[replay].sum()) / 6

    numeric = np.zeros_like(z)
    for index in np.ndindex(*z.shape):
        step = np.zeros_like(z)
        step[index] = 1e-5
        numeric[index] = (total(z + step) - total(z - step)) / 2e-5
    np.testing.assert_allclose(strategy.head.sent, numeric, atol=1e-5)
    assert loss == pytest.approx(-log_softmax(z)[np.arange(6), labels].mean(), rel=1e-5)  # the tutorial's loss alone
    np.testing.assert_allclose(strategy.infer(inputs), z, rtol=1e-5, atol=1e-5)  # the kept layers, then the top ones


@pytest.mark.parametrize("kept", [0, KEPT_LAYERS, 4])
def test_the_kept_layers_keep_their_weights_and_the_top_ones_learn(world, kept):
    model = world["model"]
    tuned = finetune(model, world["own_x"], world["own_y"], world["mnist_x"], world["mnist_y"], np.random.default_rng(0), steps=20,
                     kept=kept)
    for index, (layer, before) in enumerate(zip(tuned.network.layers, model.network.layers)):
        same = all(np.array_equal(layer.params[k], before.params[k]) for k in layer.params)
        assert same == (index < kept or not layer.params)


def test_distillation_holds_the_replayed_answers_and_still_learns_the_style(world):
    """Distilling, the tuned network's answers to MNIST stay nearer the original's, and the writer's style is learned."""
    model = world["model"]
    args = (model, world["own_x"], world["own_y"], world["mnist_x"], world["mnist_y"])
    options = dict(steps=150, own_share=0.5, recipe=FINETUNE.replace(lr=0.05))
    plain = finetune(*args, np.random.default_rng(0), distil=0.0, **options)
    distilled = finetune(*args, np.random.default_rng(0), distil=3.0, **options)
    unit = world["test_x"] / np.float32(255)
    moved = lambda tuned: float(np.abs(tuned.logits(unit) - model.logits(unit)).mean())
    assert moved(distilled) < 0.8 * moved(plain)
    assert distilled.accuracy(world["held_x"], np.full(40, 3)) >= 0.95


def test_own_count_is_where_mixed_set_puts_the_writers_digits(world):
    own = np.array([3, 3, 7, 7], np.uint8)
    x, y = mixed_set(world["own_x"][:4], own, world["mnist_x"], world["mnist_y"], np.random.default_rng(0), 640, own_share=0.1)
    count = own_count(640, 0.1)
    is_own = np.array([(row == world["own_x"][:4]).all(axis=1).any() for row in x])
    assert count == 64 and is_own[:count].all() and not is_own[count:].any()


def test_hold_out_keeps_every_fifth_of_each_label():
    labels = np.array([1] * 5 + [2] * 4 + [3] * 10)
    teach, held = hold_out(labels)
    assert list(held) == [4, 13, 18]
    assert sorted(np.concatenate([teach, held])) == list(range(len(labels)))


def test_newly_misread_says_what_a_drop_is_made_of():
    labels = np.array([7, 7, 7, 7, 8, 8, 1, 1])
    before = np.array([7, 7, 7, 1, 8, 8, 1, 7])  # one 7 and one 1 wrong already: not lost by the tuning
    after = np.array([1, 1, 7, 1, 6, 8, 7, 7])
    assert newly_misread(labels, before, after) == [[7, 1, 2], [8, 6, 1]]
    assert newly_misread(labels, before, after, top=5) == [[7, 1, 2], [8, 6, 1], [1, 7, 1]]
    assert newly_misread(labels, before, before) == []


def test_a_kept_report_counts_only_when_its_figures_are_numbers():
    """keep_report writes the figures into the tuned model; kept_report reads them back from any model file, and a
    file's metadata is anyone's."""
    from types import SimpleNamespace
    figures = {"taught": 8, "held_out": 0, "taught_read_before": 0.25, "taught_read_after": 1.0, "own_before": None,
               "own_after": None, "mnist_before": 0.99, "mnist_after": 0.985, "mnist_lost": [[7, 1, 22], [8, 6, 3]], "seconds": 2.5,
               "steps": 80}
    model = keep_report(SimpleNamespace(metadata={"finetuned": {"digits": 8, "strength": "firm"}}), figures)
    assert kept_report(model) == {**{k: figures[k] for k in REPORT_FIELDS}, "strength": "firm"}  # no more than its fields
    older = {k: v for k, v in figures.items() if not k.startswith(("taught_read", "mnist_lost"))}  # kept before they were measured
    assert kept_report(SimpleNamespace(metadata={"finetuned": {"report": older}})) == {**{k: older.get(k) for k in REPORT_FIELDS}, "strength": None}
    for odd in ("harder", ["firm"], 1):  # a strength that is no STRENGTHS name is not shown; the figures still are
        assert kept_report(SimpleNamespace(metadata={"finetuned": {"report": figures, "strength": odd}}))["strength"] is None
    for odd in ({"seconds": "soon"}, {"taught": True}, {"mnist_after": float("nan")}, {"own_before": "1 of 2"},
                {"taught_read_after": "8 of 8"}, {"mnist_lost": [[7, 7, 3]]}, {"mnist_lost": [[7, 10, 3]]}, {"mnist_lost": [[7, 1]]},
                {"mnist_lost": [[7, 1, 0]]}, {"mnist_lost": "22 sevens"}, {"mnist_lost": [[7, 1, 2]] * 3}, {"mnist_lost": [[True, 1, 2]]}):
        assert kept_report(SimpleNamespace(metadata={"finetuned": {"report": {**figures, **odd}}})) is None, odd
    for metadata in ({}, {"finetuned": "yes"}, {"finetuned": {"report": [1, 2]}}):
        assert kept_report(SimpleNamespace(metadata=metadata)) is None, metadata


def test_digits_file_round_trip():
    images = np.arange(2 * 784, dtype=np.int64).reshape(2, 784).astype(np.uint8)
    back_images, back_labels = digits_from_bytes(digits_to_bytes(images, np.array([4, 9])))
    assert np.array_equal(back_images, images) and list(back_labels) == [4, 9]


def test_a_digits_file_written_by_hand_with_numpys_default_integers_is_read():
    images = np.zeros((2, 784), np.uint8)
    back_images, back_labels = digits_from_bytes(_npz(images=images, labels=np.array([4, 9])))  # int64 labels
    assert back_labels.dtype == np.uint8 and list(back_labels) == [4, 9]


def test_a_model_file_and_a_digits_file_each_say_which_button_loads_them(world):
    with pytest.raises(DigitsFileError, match="is a model file, not digits: load it with Upload model"):
        digits_from_bytes(model_to_bytes(world["model"]), source="model.npz")
    with pytest.raises(ModelFileError, match="is a file of your digits, not a model: load it with Upload digits"):
        model_from_bytes(digits_to_bytes(np.zeros((1, 784), np.uint8), np.array([3])), source="my-digits.npz")


def _npz(**arrays):
    import io
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


@pytest.mark.parametrize("data, message", [
    (b"not a zip at all", "not an .npz"),
    (_npz(images=np.zeros((1, 784), np.uint8)), "exactly the arrays"),
    (_npz(images=np.zeros((1, 784), np.uint8), labels=np.zeros(1, np.uint8), extra=np.zeros(1)), "exactly the arrays"),
    (_npz(images=np.zeros((1, 784), np.float32), labels=np.zeros(1, np.uint8)), "uint8"),
    (_npz(images=np.zeros((2, 784), np.uint8), labels=np.array([1, 12], np.uint8)), "0 to 9"),
    (_npz(images=np.array([None, 1], dtype=object), labels=np.zeros(2, np.uint8)), "pickled|damaged|uint8"),
    (_npz(images=np.zeros((MAX_DIGITS + 1, 784), np.uint8), labels=np.zeros(MAX_DIGITS + 1, np.uint8)), "at most|more than|between 1 and"),
    (b"PK\x03\x04" + b"\0" * 100, "damaged"),
])
def test_hostile_digits_files_are_refused(data, message):
    with pytest.raises(DigitsFileError, match=message):
        digits_from_bytes(data, source="bad.npz")


def test_replay_keeps_mnist_label_proportions(world):
    own = np.full(8, 3, np.uint8)
    x, y = mixed_set(world["own_x"], own, world["mnist_x"], world["mnist_y"], np.random.default_rng(0), 6400, own_share=0.1)
    assert len(x) == len(y) == 6400 and (y[:640] == 3).all()
    prior = np.bincount(world["mnist_y"], minlength=10) / len(world["mnist_y"])
    assert np.abs(np.bincount(y, minlength=10) - prior * 6400).max() <= 10  # the 3s included: no label gains weight


def test_tuned_model_is_recalibrated_not_left_with_the_old_temperature(world):
    """The base model's temperature and energy floor describe its own logits: a tuned copy refits both on held-out
    images (or carries none), so the page's verdict keeps meaning what it says."""
    base = copy_model(world["model"])
    base.metadata.update(temperature=0.05, min_energy=1e6, test_ece_after=0.0)  # a fit the tuned network does not match
    args = (base, world["own_x"], world["own_y"], world["mnist_x"], world["mnist_y"])
    plain = finetune(*args, np.random.default_rng(0), steps=30)
    assert not {"temperature", "min_energy", "test_ece_after"} & set(plain.metadata)
    # Digits harder than the training set (many pixels flipped), so that the model is sometimes wrong.
    rng = np.random.default_rng(3)
    hard_x = world["test_x"] ^ ((rng.random(world["test_x"].shape) < 0.33) * np.uint8(255))
    held_x, held_y = hard_x[:300], world["test_y"][:300]
    tuned = finetune(*args, np.random.default_rng(0), steps=30, calibration=Calibration(held_x, held_y))
    temperature, floor = tuned.metadata["temperature"], tuned.metadata["min_energy"]
    assert temperature != 0.05 and floor < 1e6 and tuned.metadata["calibration_images"] == 600
    # Judged on images the fit never saw, mixed like the fit's (as they are, and augmented): the refitted
    # temperature is closer to the truth than the stale one.
    other_x = hard_x[300:] / np.float32(255)
    other_x, other_y = np.concatenate([other_x, augment_batch(other_x, rng)]), np.tile(world["test_y"][300:], 2)
    logits = tuned.logits(other_x)
    assert 0.3 < np.mean(logits.argmax(axis=1) == other_y) < 0.98
    assert nll(logits, other_y, temperature) < nll(logits, other_y, 0.05)
    assert expected_calibration_error(calibrated(logits, temperature), other_y) < expected_calibration_error(calibrated(logits, 0.05), other_y)
    # The energy floor is the tuned model's own: about ENERGY_QUANTILE of real digits fall under it, not all of them.
    under = np.mean([verdict(p, x, z, floor)["reason"] == "unlike any digit"
                     for p, x, z in zip(tuned.probabilities(logits), other_x, logits)])
    assert under < 0.1


def test_a_recalibration_in_chunks_deforms_what_is_left_then_fits_as_at_once(world):
    held_x, held_y = world["test_x"][:600], world["test_y"][:600]
    calibration = Calibration(held_x, held_y)
    calibration.deform(0.0)  # one chunk made ahead
    tuned, at_once = copy_model(world["model"]), copy_model(world["model"])
    work, calls = Recalibration(tuned, calibration), 1
    left = -(-len(held_y) // CALIBRATION_CHUNK) - 1
    assert work.steps == left + -(-2 * len(held_y) // EVAL_CHUNK) + 1 and work.step == 0  # deform, logits, the fit
    while not work.run(0.0):  # a chunk per call: the page's worker answers Stop in between
        calls += 1
        assert "temperature" not in tuned.metadata or tuned.metadata["temperature"] == world["model"].metadata.get("temperature")
    assert calls == work.steps == work.step and work.deform_seconds > 0 and calibration.ready
    recalibrate(at_once, Calibration(held_x, held_y))
    for name in ("temperature", "min_energy", "calibration_images"):
        assert tuned.metadata[name] == pytest.approx(at_once.metadata[name], rel=1e-6), name


def test_calibration_deformed_a_chunk_at_a_time_is_the_same_as_all_at_once(world):
    held_x, held_y = world["test_x"], world["test_y"]
    ahead, calls = Calibration(held_x, held_y), 1
    while not ahead.deform(0.0):  # one chunk per call, as the page does between answers to the pad
        calls += 1
    assert calls == -(-len(held_y) // CALIBRATION_CHUNK) > 1
    at_once = Calibration(held_x, held_y).images()
    assert np.array_equal(ahead.images(), at_once) and len(at_once) == len(ahead.labels) == 2 * len(held_y)
    # The images as they are, then deformed copies: the same labels twice.
    assert np.array_equal(at_once[:len(held_y)], held_x / np.float32(255)) and np.array_equal(ahead.labels, np.tile(held_y, 2))
    assert np.abs(at_once[len(held_y):] - at_once[:len(held_y)]).mean() > 0.05


def test_calibration_rows_are_the_held_out_tail_and_never_replayed():
    assert calibration_rows(60_000) == (55_000, 55_000 + CALIBRATION_IMAGES)  # the shipped recipe's held-out tail
    start, stop = calibration_rows(REPLAY_IMAGES + 1_000)  # a small split: after the replayed images
    assert start == REPLAY_IMAGES and stop == REPLAY_IMAGES + 1_000


def test_the_tuned_copy_is_what_the_model_file_would_hold_and_independent(world):
    from mlp_core.modelio import model_from_bytes, model_to_bytes
    model = world["model"]
    model.metadata["nested"] = {"tuple": (1, 2)}  # JSON makes it a list, as a file would
    try:
        copied, through_file = copy_model(model), model_from_bytes(model_to_bytes(model))
    finally:
        del model.metadata["nested"]
    assert copied.metadata == through_file.metadata and copied.metadata["nested"] == {"tuple": [1, 2]}
    assert (copied.sizes, copied.dtype, copied.input_mean, copied.input_std, copied.deskew) == (
        through_file.sizes, through_file.dtype, through_file.input_mean, through_file.input_std, through_file.deskew)
    for mine, theirs, original in zip(copied.network.dense_layers(), through_file.network.dense_layers(), model.network.dense_layers()):
        assert np.array_equal(mine.weights, theirs.weights) and np.array_equal(mine.biases, theirs.biases)
        mine.params["weights"] += 1  # the copy's arrays are its own
        assert not np.array_equal(mine.weights, original.weights)


def test_logits_through_another_strategy_equal_the_runs(world):
    from mlp_core.fast import PYODIDE, FastGradients
    run = Finetune(world["model"], world["own_x"], world["own_y"], world["mnist_x"], world["mnist_y"], np.random.default_rng(0), steps=3)
    run.run()
    inked = FastGradients(run.model, PYODIDE, inked_first_layer=True)  # the page's MNIST test measure after tuning
    np.testing.assert_allclose(run.logits(world["test_x"], inked), run.logits(world["test_x"]), rtol=1e-4, atol=1e-4)


def test_a_deskewing_model_is_tuned_and_measured_on_deskewed_images(world):
    from mlp_core.fast import PYODIDE, FastGradients
    model = copy_model(world["model"])
    model.deskew = True  # as a model trained by the fast recipe
    run = Finetune(model, world["own_x"], world["own_y"], world["mnist_x"], world["mnist_y"], np.random.default_rng(0), steps=3)
    run.run()
    assert run.model.deskew
    x = world["test_x"]
    expected = run.model.logits(x / np.float32(255))  # Model deskews every input it is given
    inked = FastGradients(run.model, PYODIDE, inked_first_layer=True)
    for logits in (run.logits(x), run.logits(x, inked)):  # uint8 images are deskewed and rounded back to uint8
        np.testing.assert_allclose(logits, expected, atol=0.05)
    as_drawn = run.model.network.infer(run.model.normalise(x / np.float32(255)))
    assert not np.allclose(run.logits(x), as_drawn, atol=0.05)
