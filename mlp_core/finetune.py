"""Fine-tuning: teach a trained model one writer's digits without making it forget MNIST.

A writer corrects a few tens of digits. Fine-tuning is one Trainer run (its augmentation, chunks,
optimizers and divergence guard) on a mixed set: each of the writer's digits repeated, so every
minibatch holds fresh augmented copies of them (shifts, rotations, scale, slant, stroke width), and
as many MNIST training images, so every minibatch also replays MNIST. No training loop of its own.
"""
import time

import numpy as np

from .digitsio import check_digits
from .modelio import model_from_bytes, model_to_bytes
from .mnist import INPUT_SIZE, NUM_CLASSES
from .nn import AdamW
from .recipes import RECIPES
from .trainer import PlainGradients, Trainer

# SGD with momentum, not AdamW: Adam's first steps move every weight by about lr whatever its gradient,
# which shakes a converged model; momentum SGD moves weights in proportion to their gradients, and MNIST's
# are small. In a CPython preview (shipped model, catalogue drawings) AdamW lost 0.7-1.2 MNIST test points
# where this loses 0.1-0.3. Augmentation on; no weight decay (it would pull the weights towards zero).
FINETUNE = RECIPES["fast"].replace(name="finetune", optimizer="momentum", lr=0.005, schedule="cosine", weight_decay=0.0,
                                   epochs=1, augment=True, validation_size=0, train_size=None, train_eval_size=500)
STEPS = 200  # minibatch steps: under a second of CPython, a few seconds in the page
# The writer's digits' share of every minibatch; the rest is MNIST replay. Half made the model read
# everything as the writer's few labels (the class balance shifts): MNIST lost ~1 point; a tenth keeps it.
OWN_SHARE = 0.1
HOLD_OUT_EVERY = 5  # each label's 5th, 10th... digit is kept out of training to measure on


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
    """An independent copy (through the model file format, so it is exactly what a download would hold)."""
    return model_from_bytes(model_to_bytes(model))


def mixed_set(images, labels, mnist_x, mnist_y, rng, samples, own_share=OWN_SHARE):
    """``samples`` rows: each of the writer's digits equally often (``own_share`` of them), the rest MNIST rows drawn at random."""
    own = int(round(samples * own_share))
    own_rows = np.resize(rng.permutation(len(images)), own)
    mnist_rows = rng.choice(len(mnist_x), samples - own, replace=len(mnist_x) < samples - own)
    x = np.concatenate([images[own_rows], mnist_x[mnist_rows]])
    y = np.concatenate([labels[own_rows], mnist_y[mnist_rows]]).astype(np.uint8)
    return x, y


class Finetune:
    """A fine-tuning run, chunked like the Trainer: ``run(max_seconds=...)`` until ``done``.

    ``model`` is left untouched; ``self.model`` is the tuned copy. ``images`` uint8 (N, 784) and
    ``labels`` (N,) are the writer's digits, ``mnist_x`` uint8 (M, 784) and ``mnist_y`` the replay pool,
    ``rng`` a numpy Generator (the run is deterministic given its state). ``gradients``, ``adamw`` and
    ``clock`` are the Trainer's (the page passes its fast variants).
    """

    def __init__(self, model, images, labels, mnist_x, mnist_y, rng, *, steps=STEPS, recipe=FINETUNE,
                 own_share=OWN_SHARE, gradients=PlainGradients, adamw=AdamW, clock=time.perf_counter):
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
        x, y = mixed_set(images, labels, mnist_x, mnist_y, rng, int(steps) * recipe.batch_size, own_share)
        tuned = copy_model(model)
        base = tuned.metadata.get("recipe", {})
        recipe = recipe.replace(seed=int(rng.integers(2**31 - 1)))
        self.trainer = Trainer(recipe, x, y, model=tuned, gradients=gradients, adamw=adamw, clock=clock)
        tuned.metadata["finetuned"] = {"digits": len(images), "steps": int(steps),
                                       "from_recipe": base.get("name") if isinstance(base, dict) else None}
        tuned.metadata.pop("test_accuracy", None)  # the base model's figure; the caller measures the new one
        self.digits = len(images)

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


def finetune(model, images, labels, mnist_x, mnist_y, rng, **options):
    """The tuned copy of ``model`` (Finetune's arguments); ValueError when the run diverged."""
    run = Finetune(model, images, labels, mnist_x, mnist_y, rng, **options)
    while not run.done:
        run.run()
    if run.trainer.diverged:
        raise ValueError(run.trainer.diverged)
    return run.model
