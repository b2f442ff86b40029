"""Fine-tuning: teach a trained model one writer's digits without making it forget MNIST.

A writer corrects a few tens of digits. Fine-tuning is one Trainer run (its augmentation, chunks,
optimizers and divergence guard) on a mixed set: each of the writer's digits repeated, so every
minibatch holds fresh augmented copies of them (shifts, rotations, scale, slant, stroke width, bends), and
MNIST training images, so every minibatch also replays MNIST. The first layer keeps its weights, and on
the replayed images the layers above are also held to the original model's answers (TopLayers). No
training loop of its own.
"""
import copy
import json
import math
import time
from collections import Counter

import numpy as np

from .augment import augment_batch
from .confidence import energy_floor, fit_temperature
from .digitsio import check_digits
from .mnist import INPUT_SIZE, NUM_CLASSES
from .model import Model
from .nn import AdamW, Sequential, softmax, softmax_cross_entropy
from .recipes import RECIPES
from .trainer import EVAL_CHUNK, PlainGradients, Trainer

# Chosen by bench/teach_tune.py (bench/reports/teach_tuning.md) on the shipped recipe's held-out MNIST tail and
# simulated writers drawn from TUNE shapes only, taught two authored shapes of a style and measured on its four others.
# Momentum SGD, not AdamW: Adam's first steps move every weight by about lr whatever its gradient, and at lr 3e-4 it
# cost up to 0.44 points where momentum cost up to 0.26. Augmentation on; no weight decay (it would pull the weights
# towards zero).
FINETUNE = RECIPES["fast"].replace(name="finetune", optimizer="momentum", lr=0.005, schedule="cosine", weight_decay=0.0,
                                   batch_size=64, epochs=1, augment=True, validation_size=0, train_size=None, train_eval_size=500)
STEPS = 80  # minibatch steps: 5,120 samples, a few seconds in the page
# The writer's digits' share of every minibatch; the rest is MNIST replay. A share of 0.3 read the writers' other
# shapes no better (worst 86.5% both) for more MNIST (up to 0.34 validation points against 0.19).
OWN_SHARE = 0.2
# TopLayers' weight and temperature: how strongly replayed MNIST images keep the original model's answers. Weight 1.5
# read the writers better (worst 89-91%) and cost more MNIST (0.23-0.31 points, over the 0.2 allowed). No setting of
# the grid read every writer's other shapes >= 95% within 0.2 points.
DISTIL = 3.0
DISTIL_TEMPERATURE = 2.0
# The first Dense layer and its ReLU keep their weights. Tuning every layer read the writers as well (worst 86.5%
# both) for twice a run's arithmetic (8.9 against 4.1 billion multiply-adds), more than the time target allows:
# keeping them skips the first-layer weight gradient, and the original model's answer needs only its top layers.
KEPT_LAYERS = 2
# The augmentation's smooth local bends of every training image, in pixels (mlp_core.augment Strengths.bend): they
# vary a taught digit's parts (a flag's angle, a hook's size) as shifts and turns cannot. 2 read the writers' other
# shapes a little better than none (worst 86.5% against 86.0%; 90.6% against 89.2% at distil 1.5) for a little more
# MNIST (0.19 validation points against 0.15).
BEND = 2.0
# How firmly fine-tuning follows the writer's digits; the page and the CLI offer both. "gentle" is the settings above,
# chosen to keep MNIST within the target. A writer whose digits look like another MNIST digit (a flagged 1 drawn squat
# or wide is MNIST's 7 with an upright stem) is read on other shapes only at MNIST's cost: bench/teach_tune.py --firm
# chose "firm" as the setting of its grid that reads every writer's other TUNE shapes >= 95% (its conflicting writers
# aside) for the smallest validation drop (0.49 points against gentle's 0.19; 1.5 times the steps).
STRENGTHS = {"gentle": {"steps": STEPS, "own_share": OWN_SHARE, "distil": DISTIL},
             "firm": {"steps": 120, "own_share": 0.4, "distil": 1.0}}
DEFAULT_STRENGTH = "gentle"
HOLD_OUT_EVERY = 5  # each label's 5th, 10th... digit is kept out of training to measure on
REPLAY_IMAGES = 10_000  # MNIST replays from the first training images (the page's first two shards)
# The tuned model's temperature and energy floor are refitted on images from the training split's tail: the
# shipped recipe held it out (the build fitted the shipped model's temperature there) and replay never reaches it.
# 2,000 of them (and as many augmented copies) fit the shipped model's temperature within 0.01 of the build's 5,000
# + styles, for a second of inference in the page.
CALIBRATION_TAIL = RECIPES["shipped"].validation_size
CALIBRATION_IMAGES = 2_000
# The augmented copies are drawn from this seed, a fixed number of images at a time: every tuned model is refitted on
# the same copies, so the page makes them once, ahead of the click (Calibration.deform).
CALIBRATION_SEED, CALIBRATION_CHUNK = 0, 250
STALE_METADATA = ("test_accuracy", "temperature", "min_energy", "calibration_images", "test_ece_before", "test_ece_after")
# What a tuning measured, before and after: the digits it learned from (taught_read_*: the share read as labelled; None
# in reports kept before they were measured), your held-out digits (own_*: None when none were held out) and MNIST test.
# mnist_lost: what the MNIST drop is made of (newly_misread; None in reports kept before it was measured).
REPORT_FIELDS = ("taught", "held_out", "taught_read_before", "taught_read_after", "own_before", "own_after", "mnist_before",
                 "mnist_after", "mnist_lost", "seconds")
OPTIONAL_FIELDS = ("taught_read_before", "taught_read_after", "own_before", "own_after", "mnist_lost")
LOST_SHOWN = 2  # newly_misread's commonest ways, the report's "(22 of its 7s now read as 1, ...)"


def newly_misread(labels, before, after, top=LOST_SHOWN):
    """The commonest ways images read right ``before`` are read wrong ``after`` (predicted digits):
    [[true digit, now read as, images], ...], most first, at most ``top`` of them."""
    labels, before, after = (np.asarray(a) for a in (labels, before, after))
    turned = (before == labels) & (after != labels)
    ways = Counter(zip(labels[turned].tolist(), after[turned].tolist()))
    return [[digit, read, count] for (digit, read), count in ways.most_common(top)]


def hold_out(labels, every=HOLD_OUT_EVERY):
    """(teach rows, held-out rows): of each label's digits, in order, every ``every``-th one is held out,
    so a label with fewer than ``every`` digits is all taught."""
    labels = np.asarray(labels)
    held = np.zeros(len(labels), dtype=bool)
    for label in np.unique(labels):
        rows = np.flatnonzero(labels == label)
        held[rows[every - 1::every]] = True
    return np.flatnonzero(~held), np.flatnonzero(held)


def copy_model(model):
    """An independent copy, as a model file would hold it: the same weights, the metadata through JSON. Not through
    the file itself: compressing and validating a 784-512-256-10 model cost ~0.2 s of the page's click."""
    tuned = copy.deepcopy(model)
    tuned.metadata = json.loads(json.dumps(model.metadata, allow_nan=False))
    return tuned


def own_count(samples, own_share):
    """How many of a mixed set's ``samples`` rows are the writer's digits (mixed_set puts them first)."""
    return int(round(samples * own_share))


def mixed_set(images, labels, mnist_x, mnist_y, rng, samples, own_share=OWN_SHARE):
    """``samples`` rows: each of the writer's digits equally often (``own_share`` of them, first), the rest MNIST rows.

    The MNIST rows keep the mixture's labels in MNIST's proportions: a label the writer brings gets that many
    fewer MNIST rows. Replay drawn at random instead shifted the model's prior towards the taught labels, and
    MNIST digits of other labels began to be read as them (1s as 6s, 9s as 7s; bench/teach_tune.py)."""
    own = own_count(samples, own_share)
    own_rows = np.resize(rng.permutation(len(images)), own)
    prior = np.bincount(mnist_y, minlength=NUM_CLASSES) / len(mnist_y)
    brought = np.bincount(labels[own_rows], minlength=NUM_CLASSES)
    wanted = np.maximum(np.round(prior * samples).astype(int) - brought, 0)
    wanted = np.floor(wanted * (samples - own) / max(wanted.sum(), 1)).astype(int)
    wanted[np.argmax(wanted)] += samples - own - wanted.sum()  # rounding: exactly samples - own MNIST rows
    mnist_rows = np.concatenate([rng.choice(rows, count, replace=len(rows) < count)
                                 for rows, count in ((np.flatnonzero(mnist_y == label), wanted[label]) for label in range(NUM_CLASSES))
                                 if count > 0])
    x = np.concatenate([images[own_rows], mnist_x[mnist_rows]])
    y = np.concatenate([labels[own_rows], mnist_y[mnist_rows]]).astype(np.uint8)
    return x, y


def split_model(model, at):
    """(base, head): Models over the very layer objects of ``model``, its layers[:at] (with its input normalisation
    and deskewing) and its layers[at:] (taking the base's output)."""
    layers = model.network.layers
    base = Model(Sequential(layers[:at]), model.input_mean, model.input_std, deskew=model.deskew)
    return base, Model(Sequential(layers[at:]))


class TopLayers:
    """Fine-tuning's gradient strategy: the first ``kept`` layers keep their weights and only the layers above learn,
    from the tutorial's loss on every row and, on the MNIST replay rows, a pull towards the original model's answer
    to the same augmented image (knowledge distillation on replay).

    Hard labels alone hold MNIST loosely: a replayed image the model reads at 99.9% gives almost no gradient, so
    the boundaries next to the writer's digits drift (MNIST 7s read as a writer's flagged 1s). The pull is the
    gradient of ``weight`` * T^2 * KL(original || tuned), both softened by ``temperature`` T, averaged over the
    minibatch like the loss (weight 0: none). The kept layers are the same in both networks, so their output is
    computed once and the original model answers from it with its top layers alone.

    ``gradients(model)`` makes the strategy each part is computed with (PlainGradients, or the page's FastGradients);
    ``replay`` says per training row whether it is MNIST, ``batch_rows()`` which rows the step being computed holds.
    The loss returned is the tutorial's alone (what the progress shows).
    """

    def __init__(self, gradients, tuned, original, replay, batch_rows, weight, temperature, kept):
        if kept:
            base, head = split_model(tuned, kept)
            self.base, original = gradients(base), split_model(original, kept)[1]
        else:  # every layer learns
            self.base, head = None, tuned
        self.head, self.original = gradients(head), gradients(original)
        self.replay, self.batch_rows, self.weight, self.temperature = replay, batch_rows, weight, temperature
        self.model, self.network = tuned, tuned.network

    def features(self, inputs):
        """The kept layers' output for network inputs (nothing kept for backward: they do not learn)."""
        return inputs if self.base is None else self.base.infer(inputs)

    def infer(self, inputs):
        return self.head.infer(self.features(inputs))

    def __call__(self, pixels, labels):
        features = self.features((self.base or self.head).inputs(pixels))
        logits = self.head.forward(features)
        loss, grad = softmax_cross_entropy(logits, labels)
        replayed = self.replay[self.batch_rows()]
        if self.weight and replayed.any():
            t = self.temperature
            # Kept layers give an array to take rows of; without, the whole batch's (maybe blank-column) inputs.
            original = self.original.infer(features[replayed]) if self.base else self.original.infer(features)[replayed]
            grad[replayed] += self.weight * t * (softmax(logits[replayed] / t) - softmax(original / t)) / len(labels)
        self.head.backward(grad)
        return loss


class Finetune:
    """A fine-tuning run, chunked like the Trainer: ``run(max_seconds=...)`` until ``done``.

    ``model`` is left untouched; ``self.model`` is the tuned copy. ``images`` uint8 (N, 784) and
    ``labels`` (N,) are the writer's digits, ``mnist_x`` uint8 (M, 784) and ``mnist_y`` the replay pool,
    ``rng`` a numpy Generator (the run is deterministic given its state). ``strength``: a STRENGTHS name, whose
    ``steps``, ``own_share`` (the writer's share of each minibatch) and ``distil`` (TopLayers' weight) apply unless
    given; ``kept``: TopLayers' kept layers; ``bend``: the augmentation's bends (pixels). ``gradients``, ``adamw`` and
    ``clock`` are the Trainer's (the page passes its fast variants).
    """

    def __init__(self, model, images, labels, mnist_x, mnist_y, rng, *, strength=DEFAULT_STRENGTH, steps=None,
                 recipe=FINETUNE, own_share=None, distil=None, kept=KEPT_LAYERS, bend=BEND, gradients=PlainGradients,
                 adamw=AdamW, clock=time.perf_counter):
        if strength not in STRENGTHS:
            raise ValueError(f"strength must be one of {', '.join(STRENGTHS)}, got {strength!r}")
        steps, own_share, distil = (STRENGTHS[strength][name] if value is None else value
                                    for name, value in (("steps", steps), ("own_share", own_share), ("distil", distil)))
        images, labels = check_digits(images, labels)
        if list(model.sizes[:1] + model.sizes[-1:]) != [INPUT_SIZE, NUM_CLASSES]:
            raise ValueError(f"fine-tuning needs a model for {INPUT_SIZE} inputs and {NUM_CLASSES} classes, got {model.sizes}")
        mnist_x, mnist_y = np.asarray(mnist_x), np.asarray(mnist_y)
        if mnist_x.dtype != np.uint8 or mnist_x.ndim != 2 or mnist_x.shape[1] != INPUT_SIZE or len(mnist_x) == 0:
            raise ValueError(f"MNIST replay images must be uint8 of shape (M, {INPUT_SIZE}) with M > 0, got {mnist_x.dtype} {mnist_x.shape}")
        if mnist_y.shape != (len(mnist_x),):
            raise ValueError(f"expected {len(mnist_x)} MNIST labels, got shape {mnist_y.shape}")
        if not isinstance(rng, np.random.Generator):
            raise ValueError(f"fine-tuning needs a numpy.random.Generator, got {type(rng).__name__}")
        if int(steps) != steps or not 1 <= steps <= 100_000:
            raise ValueError(f"steps must be an integer from 1 to 100000, got {steps!r}")
        if not 0 < own_share < 1:
            raise ValueError(f"own_share must be between 0 and 1, got {own_share!r}")
        if not (np.isfinite(distil) and distil >= 0):
            raise ValueError(f"distil must be a finite number >= 0, got {distil!r}")
        if kept not in range(0, len(model.network.layers), 2):  # Dense + ReLU pairs: the last Dense always learns
            raise ValueError(f"kept must be an even number of layers below the last, got {kept!r}")
        samples = int(steps) * recipe.batch_size
        x, y = mixed_set(images, labels, mnist_x, mnist_y, rng, samples, own_share)
        tuned = copy_model(model)
        base = tuned.metadata.get("recipe", {})
        recipe = recipe.replace(seed=int(rng.integers(2**31 - 1)), augment_bend=bend)
        replay = np.arange(samples) >= own_count(samples, own_share)
        strategy = lambda tuned_model: TopLayers(gradients, tuned_model, model, replay, lambda: self.trainer.batch_rows,
                                                 distil, DISTIL_TEMPERATURE, kept)
        self.trainer = Trainer(recipe, x, y, model=tuned, gradients=strategy, adamw=adamw, clock=clock, keep_layers=kept)
        tuned.metadata["finetuned"] = {"strength": strength, "digits": len(images), "steps": int(steps), "own_share": float(own_share),
                                       "distil": float(distil), "kept_layers": int(kept), "bend": float(bend),
                                       "from_recipe": base.get("name") if isinstance(base, dict) else None}
        # The base model's figures, stale for the tuned network: the caller measures test accuracy again, and
        # calibrate() refits the temperature and energy floor (without it the tuned model has none: T = 1).
        for name in STALE_METADATA:
            tuned.metadata.pop(name, None)
        self.strength = strength

    @property
    def model(self):
        return self.trainer.model

    @property
    def done(self):
        return self.trainer.done

    @property
    def steps(self):
        return self.trainer.total_steps

    def run(self, max_seconds=None, max_steps=None):
        """The Trainer's progress dict (see Trainer.run); ``diverged`` says why a run stopped early."""
        return self.trainer.run(max_seconds=max_seconds, max_steps=max_steps)

    def logits(self, pixels, strategy=None):
        """The tuned model's logits of uint8 or [0, 1] images, through the run's gradient strategy (its products), or
        through ``strategy``, another one over the tuned network with its own input layout (e.g. FastGradients with
        inked_first_layer, the fastest tested for inference: the page's MNIST test measure after fine-tuning).
        Images are prepared as the model was trained (deskewed if it was)."""
        if strategy is None:
            inputs, infer = self.model.network_input, self.trainer.gradients.infer
        else:
            inputs, infer = strategy.inputs, strategy.infer
        prepare = self.model.prepare
        chunks = [infer(inputs(prepare(pixels[i:i + EVAL_CHUNK]))) for i in range(0, len(pixels), EVAL_CHUNK)]
        return np.concatenate(chunks) if chunks else np.zeros((0, NUM_CLASSES), self.model.dtype)

    def accuracy(self, images, labels):
        """Like Model.accuracy, through the run's products."""
        return float(np.mean(self.logits(images).argmax(axis=1) == labels)) if len(labels) else None

    def calibrate(self, calibration, strategy=None):
        """recalibrate() the tuned model on a Calibration, once the run is done (``strategy``: as for logits)."""
        return recalibrate(self.model, calibration, lambda pixels: self.logits(pixels, strategy))

    def recalibration(self, calibration, strategy=None):
        """calibrate() as a Recalibration, a chunk at a time (the page's worker answers Stop and the pad in between)."""
        return Recalibration(self.model, calibration, lambda pixels: self.logits(pixels, strategy))


def calibration_rows(train_count):
    """(start, stop): the rows of an MNIST training split of ``train_count`` images a tuned model is calibrated on."""
    start = min(max(train_count - CALIBRATION_TAIL, REPLAY_IMAGES), train_count)  # never a replayed image
    return start, min(start + CALIBRATION_IMAGES, train_count)


class Calibration:
    """The images a tuned model's temperature and energy floor are refitted on: held-out MNIST images (uint8 (N, 784),
    never trained on) as they are and as the training augmentation deforms them (drawings vary more than MNIST does).
    They do not depend on the model, so the page deforms them before the click, a chunk at a time between answers to
    the pad (``deform(max_seconds)``); whatever is left is deformed when they are first needed."""

    def __init__(self, held_x, held_y):
        self.unit = np.asarray(held_x) / np.float32(255)
        self.labels = np.concatenate([held_y, held_y])
        self._rng = np.random.default_rng(CALIBRATION_SEED)
        self._deformed = []

    @property
    def undeformed(self):
        """Images still to deform."""
        return len(self.unit) - sum(map(len, self._deformed))

    @property
    def ready(self):
        return self.undeformed == 0

    def deform(self, max_seconds=None):
        """Deform the next CALIBRATION_CHUNK images until all are or ``max_seconds`` (None: no limit) have passed;
        at least one chunk per call. True once all are: chunks, not time, fix the copies."""
        started = time.perf_counter()
        while not self.ready:
            done = sum(map(len, self._deformed))
            self._deformed.append(augment_batch(self.unit[done:done + CALIBRATION_CHUNK], self._rng))
            if max_seconds is not None and time.perf_counter() - started >= max_seconds:
                break
        return self.ready

    def images(self):
        """The images in [0, 1], as they are and then deformed (in the order of ``labels``)."""
        self.deform()
        return np.concatenate([self.unit, *self._deformed])


def training_calibration(train_x, train_y):
    """The Calibration of a tuned model from an MNIST training split (uint8 images, labels): its calibration_rows."""
    start, stop = calibration_rows(len(train_x))
    return Calibration(train_x[start:stop], train_y[start:stop])


class Recalibration:
    """recalibrate() cut into chunks: ``run(max_seconds)`` until ``done``. First the Calibration's images not yet
    deformed (none when they were made ahead), CALIBRATION_CHUNK at a time, then the tuned model's logits of every image,
    EVAL_CHUNK at a time, then the fit. ``step`` of ``steps``: chunks done of the chunks there are; ``deform_seconds``:
    the time spent deforming, which the page spends only when its click came before the images were made ahead."""

    def __init__(self, model, calibration, logits=None):
        self.model, self.calibration, self.logits = model, calibration, logits or model.logits
        self._scores = []
        self.step = 0
        self.steps = math.ceil(calibration.undeformed / CALIBRATION_CHUNK) + math.ceil(len(calibration.labels) / EVAL_CHUNK) + 1  # + the fit
        self.deform_seconds = 0.0
        self._images = None

    @property
    def done(self):
        return self.step == self.steps

    def _next(self):
        """One chunk of the work."""
        if not self.calibration.ready:
            started = time.perf_counter()
            self.calibration.deform(0)  # exactly one chunk
            self.deform_seconds += time.perf_counter() - started
        elif self._images is None or sum(map(len, self._scores)) < len(self._images):
            if self._images is None:
                self._images = self.calibration.images()
            at = sum(map(len, self._scores))
            self._scores.append(self.logits(self._images[at:at + EVAL_CHUNK]))
        else:
            scores, labels = np.concatenate(self._scores), self.calibration.labels
            self.model.metadata.update(temperature=fit_temperature(scores, labels), min_energy=energy_floor(scores),
                                       calibration_images=len(labels))
        self.step += 1

    def run(self, max_seconds=None):
        """Work until done or ``max_seconds`` (None: no limit) have passed, at least one chunk per call; True once done."""
        started = time.perf_counter()
        while not self.done:
            self._next()
            if max_seconds is not None and time.perf_counter() - started >= max_seconds:
                break
        return self.done


def recalibrate(model, calibration, logits=None):
    """Refit ``model``'s temperature and energy floor (mlp_core.confidence) after fine-tuning changed its logits.

    The build's fit for the shipped model no longer describes the tuned network: a stale temperature would
    make the page's "unsure" verdict too sure or too shy. Fitted like the build, on a Calibration's held-out MNIST
    images; not on the writer's own held-out digits: a few digits weigh nothing against thousands, and they are the
    page's only measure of the tuned model on the writer's hand. ``logits`` maps images in [0, 1] to logits (default
    ``model.logits``; the page passes its faster products).
    """
    Recalibration(model, calibration, logits).run()
    return model


def keep_report(model, figures):
    """Keep the tuning's REPORT_FIELDS in the tuned model's metadata: the page shows them again after a reload,
    and a downloaded model carries what it was measured at."""
    model.metadata["finetuned"]["report"] = {name: figures[name] for name in REPORT_FIELDS}
    return model


def _number(value):
    """A finite int or float, not a bool (JSON's true is an int to Python)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _digit(value):
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < NUM_CLASSES


def _way(value):
    """One of newly_misread's [true digit, now read as, images]."""
    return (isinstance(value, list) and len(value) == 3 and _digit(value[0]) and _digit(value[1])
            and value[0] != value[1] and _number(value[2]) and value[2] >= 1)


def _sound(name, value):
    """Is ``value`` what keep_report keeps under ``name``?"""
    if value is None:
        return name in OPTIONAL_FIELDS
    if name == "mnist_lost":
        return isinstance(value, list) and len(value) <= LOST_SHOWN and all(map(_way, value))
    return _number(value)


def kept_report(model):
    """The report keep_report kept in ``model``'s metadata, or None. A model file's metadata is anyone's: the figures
    count only when each is sound (_sound). With them, how firmly it learned: a STRENGTHS name, or None."""
    finetuned = model.metadata.get("finetuned")
    report = finetuned.get("report") if isinstance(finetuned, dict) else None
    if not isinstance(report, dict) or not all(_sound(name, report.get(name)) for name in REPORT_FIELDS):
        return None
    strength = finetuned.get("strength")  # None for a model tuned before there were two
    known = isinstance(strength, str) and strength in STRENGTHS
    return {**{name: report.get(name) for name in REPORT_FIELDS}, "strength": strength if known else None}


def finetune(model, images, labels, mnist_x, mnist_y, rng, calibration=None, **options):
    """The tuned copy of ``model`` (Finetune's arguments), recalibrated on ``calibration`` (a Calibration of images
    held out from training) when given; ValueError when the run diverged."""
    run = Finetune(model, images, labels, mnist_x, mnist_y, rng, **options)
    while not run.done:
        run.run()
    if run.trainer.diverged:
        raise ValueError(run.trainer.diverged)
    if calibration is not None:
        run.calibrate(calibration)
    return run.model
