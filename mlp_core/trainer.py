"""Chunked, resumable, seeded training with a divergence guard.

``Trainer.run`` does units of work (one minibatch step, or one slice of an evaluation: at each
epoch's end, and of validation alone every ``recipe.validate_every`` samples of the first epoch) until its time or step
budget is spent, then returns, so the page can train in ~50 ms chunks and stay responsive; calling it
again carries on exactly where it stopped.

How a minibatch's gradients are computed is the ``gradients`` strategy's business: PlainGradients
below is the tutorial's; mlp_core/fast/ has the page's (blank columns, einsum layouts, a helper worker).
"""
import math
import time

import numpy as np

from .data import epoch_batches
from .deskew import deskew
from .model import Model
from .nn import SGD, AdamW, Momentum, Sequential, softmax_cross_entropy
from .recipes import OPTIMIZERS, SCHEDULES

# A loss this many times that of uniform guessing (ln 10 for MNIST) means the steps are far too large:
# AdamW at lr 10 jumps to ~1e8 and then sits at chance with a finite loss, so NaN checks alone miss it.
LOSS_BLOWUP_FACTOR = 100
EVAL_CHUNK = 500  # images per evaluation unit: ~35 ms in Pyodide, inside the page's ~50 ms chunks


class PlainGradients:
    """The tutorial's step on a minibatch: forward, softmax cross-entropy, backward.

    A gradient strategy is called with a minibatch's raw pixels (uint8, or floats in [0, 1]) and
    labels, fills the network's grads and returns the mean loss. ``inputs``, ``rows``, ``forward`` and
    ``backward`` are its parts, for mlp_core.fast.split.SplitGradients, which shares out the rows.
    """

    def __init__(self, model):
        self.model = model
        self.network = model.network
        self._buffer = np.empty((0, self.network.sizes[0]), dtype=model.dtype)

    def inputs(self, pixels):
        """The minibatch as the network takes it."""
        if len(self._buffer) < len(pixels):
            self._buffer = np.empty((len(pixels), self.network.sizes[0]), dtype=self.model.dtype)
        # Reusing one buffer is safe: the previous step's backward pass is over.
        return self.model.network_input(pixels, out=self._buffer[:len(pixels)])

    def rows(self, inputs, start, stop):
        return inputs[start:stop]

    def forward(self, inputs):
        return self.network.forward(inputs)

    def backward(self, grad):
        self.network.backward(grad)

    def infer(self, inputs):
        """Logits of a batch of network inputs, nothing kept: the Trainer's evaluation goes through here."""
        return self.network.infer(inputs)

    def __call__(self, pixels, labels):
        loss, grad = softmax_cross_entropy(self.forward(self.inputs(pixels)), labels)
        self.backward(grad)
        return loss


def make_optimizer(recipe, parameters, adamw=AdamW):
    """The optimizer a recipe names, over the given (param, grad) pairs; ``adamw``: the AdamW class to use."""
    if recipe.optimizer == "sgd":
        return SGD(parameters)
    if recipe.optimizer == "momentum":
        return Momentum(parameters, momentum=recipe.momentum)
    if recipe.optimizer == "adamw":
        return adamw(parameters, beta2=recipe.beta2, weight_decay=recipe.weight_decay)
    raise ValueError(f"unknown optimizer {recipe.optimizer!r}; choose one of {', '.join(OPTIMIZERS)}")


def learning_rate(schedule, base_lr, step, total_steps, final_fraction=0.0, cycle_steps=None, restart_fraction=0.5):
    """The learning rate for 0-based ``step`` of ``total_steps``.

    cosine: decays from base_lr to base_lr * final_fraction along half a cosine, per step.
    cosine_restart: the same over the first ``cycle_steps`` only (a model that is good early), then again from
    base_lr * restart_fraction over the rest of the run; a run no longer than the cycle is plain cosine.
    """
    if schedule == "constant":
        return base_lr
    if schedule == "cosine_restart" and cycle_steps is not None and cycle_steps < total_steps:
        if step < cycle_steps:
            return learning_rate("cosine", base_lr, step, cycle_steps, final_fraction)
        restart = base_lr * restart_fraction
        return learning_rate("cosine", restart, step - cycle_steps, total_steps - cycle_steps, final_fraction * base_lr / restart)
    if schedule in ("cosine", "cosine_restart"):
        progress = min(step / max(total_steps, 1), 1.0)
        final = base_lr * final_fraction
        return final + 0.5 * (base_lr - final) * (1.0 + math.cos(math.pi * progress))
    raise ValueError(f"unknown learning-rate schedule {schedule!r}; choose one of {', '.join(SCHEDULES)}")


def pixel_counts(x):
    """How many pixels of uint8 images ``x`` have each value 0..255 (histograms of parts add up to the whole's)."""
    return np.bincount(np.asarray(x, dtype=np.uint8).ravel(), minlength=256)


def pixel_statistics(x, counts=None):
    """Mean and std of the pixels of ``x`` on the [0, 1] scale (uint8 via a histogram: no big float copy).
    ``counts``: that histogram (pixel_counts), known already."""
    if counts is not None or x.dtype == np.uint8:
        counts = np.asarray(pixel_counts(x) if counts is None else counts, dtype=np.float64)
        values = np.arange(256, dtype=np.float64) / 255.0
        mean = float(counts @ values / counts.sum())
        var = float(counts @ (values - mean) ** 2 / counts.sum())
        return mean, math.sqrt(var)
    return float(x.mean(dtype=np.float64)), float(x.std(dtype=np.float64))


def _check_dataset(x, y, what, input_size, num_classes):
    x = np.asarray(x)
    y = np.asarray(y)
    if x.ndim != 2 or x.shape[1] != input_size:
        raise ValueError(f"{what} images must have shape (N, {input_size}), got {x.shape}")
    if x.dtype != np.uint8 and x.dtype.kind != "f":
        raise ValueError(f"{what} images must be uint8 pixels or floats in [0, 1], got {x.dtype}")
    if y.shape != (len(x),) or y.dtype.kind not in "iu":
        raise ValueError(f"{what} labels must be integers of shape ({len(x)},), got {y.dtype} {y.shape}")
    if len(y) and (y.min() < 0 or y.max() >= num_classes):
        raise ValueError(f"{what} labels must be in [0, {num_classes}), got {y.min()}..{y.max()}")
    return x, y


class Trainer:
    """Trains ``model`` (a new one from the recipe when None) on uint8 or [0, 1] images.

    ``gradients(model)`` makes the gradient strategy (PlainGradients: the tutorial's); ``adamw`` is the
    AdamW class a recipe's "adamw" means (nn.AdamW, or mlp_core.fast.FusedAdamW); ``clock`` times the
    budget and ``train_seconds`` (benchmarks on a shared machine pass time.process_time, tests a fake).
    ``upright``: the images are deskewed already, where the model deskews (the page's deskewed shards);
    ``train_pixel_counts``: the histogram of the training images' pixels (pixel_counts), known already (the page's manifest).
    ``evaluation(model)``: another strategy that accuracy is measured through (its ``inputs`` and ``infer``), e.g. the
    page's inked first layer; None: the training strategy's products.
    ``train_eval``: the (images, labels) train accuracy is measured on, e.g. the digits alone when the training set
    also holds drawings that are no digit; None: the training images.
    """

    def __init__(self, recipe, train_x, train_y, val_x=None, val_y=None, model=None, *,
                 gradients=PlainGradients, adamw=AdamW, clock=time.perf_counter, upright=False, train_pixel_counts=None,
                 evaluation=None, train_eval=None, keep_layers=0):
        self.recipe = recipe
        self.clock = clock
        input_size, num_classes = recipe.sizes[0], recipe.sizes[-1]
        if model is not None:
            input_size, num_classes = model.sizes[0], model.sizes[-1]
        train_x, train_y = _check_dataset(train_x, train_y, "training", input_size, num_classes)
        if recipe.train_size is not None:
            train_x, train_y = train_x[: recipe.train_size], train_y[: recipe.train_size]
        if len(train_x) == 0:
            raise ValueError("no training images")
        if val_x is not None:
            val_x, val_y = _check_dataset(val_x, val_y, "validation", input_size, num_classes)
        eval_x, eval_y = (None, None) if train_eval is None else _check_dataset(*train_eval, "train_eval", input_size, num_classes)
        deskews = model.deskew if model is not None else recipe.deskew
        if deskews and not upright:  # once, up front: steps and checks read upright images
            train_x, val_x, eval_x = (None if x is None else deskew(x) for x in (train_x, val_x, eval_x))
        self.train_x, self.train_y = train_x, train_y
        self.val_x, self.val_y = (val_x, val_y) if val_x is not None else (None, None)

        # One seeded stream for init, shuffles and augmentation; the tutorial's is np.random.seed's.
        self.rng = np.random.RandomState(recipe.seed) if recipe.legacy_rng else np.random.default_rng(recipe.seed)
        if model is None:
            network = Sequential.mlp(recipe.sizes, recipe.init, self.rng, recipe.dtype)
            mean, std = pixel_statistics(train_x, train_pixel_counts) if recipe.normalise == "standardise" else (0.0, 1.0)
            model = Model(network, input_mean=mean, input_std=std, deskew=recipe.deskew)
        self.model = model
        self.dtype = model.dtype
        self.network = model.network
        # What the optimizer updates: every layer's parameters but those of the first keep_layers (fine-tuning's).
        self.parameters = [pair for layer in self.network.layers[keep_layers:] for pair in layer.parameters()]
        self.optimizer = make_optimizer(recipe, self.parameters, adamw)
        self.gradients = gradients(model)
        self._evaluation = None if evaluation is None else evaluation(model)
        self._augment = None
        if recipe.augment:
            from .augment import augment_batch, recipe_strengths  # lazily: the core works without them

            strengths = recipe_strengths(recipe)
            self._augment = lambda x, rng: augment_batch(x, rng, strengths)
            # augment_batch takes a Generator; the legacy stream gets one of its own, seeded alike.
            self._augment_rng = np.random.default_rng(recipe.seed) if recipe.legacy_rng else self.rng

        self.batch_size = min(recipe.batch_size, len(train_x))
        self.steps_per_epoch = len(train_x) // self.batch_size
        self.total_steps = self.steps_per_epoch * recipe.epochs
        # Train accuracy is measured on these (images, labels): all of them, or evenly spaced rows.
        if eval_x is None:
            eval_x, eval_y = train_x, train_y
        self._train_eval = (eval_x, eval_y)
        if recipe.train_eval_size is not None and recipe.train_eval_size < len(eval_x):
            rows = np.linspace(0, len(eval_x) - 1, recipe.train_eval_size).astype(np.intp)
            self._train_eval = (eval_x[rows], eval_y[rows])

        self.epoch = 0  # epochs completed
        self.step = 0  # minibatch steps done over the whole run
        self.samples_seen = 0
        self.train_seconds = 0.0  # time spent in minibatch steps (evaluation excluded)
        self.epoch_results = []
        self.checkpoint_results = []  # validation between epoch ends (recipe.validate_every)
        self.diverged = None
        self.diverged_at = None
        self._loss_blowup = LOSS_BLOWUP_FACTOR * math.log(recipe.sizes[-1])
        # cosine_restart's first cycle in whole steps, never past its samples (so the model of that moment is validated)
        self._cycle_steps = None if recipe.cycle_samples is None else max(1, recipe.cycle_samples // self.batch_size)
        self.lr = self._learning_rate(0)
        self._phase = "train"
        self._batches = None
        self.batch_rows = None  # the training rows of the step being computed (a strategy may weigh them apart)
        self._epoch_loss_sum = 0.0
        self._new_losses = []
        self._new_results = []
        self._new_checkpoints = []
        self._validated_at = 0  # samples seen at the last validation (epoch end or checkpoint)
        self._good_weights = [param.copy() for param, _ in self.parameters]
        self._eval_jobs = []
        self._correct = {}
        self._update_metadata()

    @property
    def done(self):
        return self._phase == "done"

    def run(self, max_seconds=None, max_steps=None):
        """Train until ``max_seconds`` elapse or ``max_steps`` minibatch steps are done, or the run ends.

        At least one unit of work is done per call. An evaluation always finishes before ``max_steps``
        stops the call, so results arrive with the step that ends the epoch (or reaches the checkpoint).
        """
        start = self.clock()
        steps = 0
        worked = False
        while self._phase != "done":
            if worked and max_seconds is not None and self.clock() - start >= max_seconds:
                break
            if self._phase == "train":
                if max_steps is not None and steps >= max_steps:
                    break
                step_start = self.clock()
                self._train_step()
                self.train_seconds += self.clock() - step_start
                steps += 1
            else:
                self._eval_unit()
            worked = True
        self._update_metadata()  # the model's metadata describes its weights of now, also when the run is stopped here
        return self._progress()

    # --- minibatch training -------------------------------------------------------------------

    def _pixels(self, rows):
        """The minibatch's raw pixels: uint8, or floats in [0, 1] when augmented."""
        x = self.train_x[rows]
        if self._augment is not None:
            unit = x.astype(np.float32) / np.float32(255) if x.dtype == np.uint8 else x.astype(np.float32)
            x = self._augment(unit, self._augment_rng)
        return x

    def _train_step(self):
        if self._batches is None:
            self._batches = epoch_batches(len(self.train_x), self.batch_size, self.rng)
            self._epoch_loss_sum = 0.0
        rows = self.batch_rows = self._batches[self.step % self.steps_per_epoch]
        pixels, labels = self._pixels(rows), self.train_y[rows]
        self.lr = self._learning_rate(self.step)
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            loss = self.gradients(pixels, labels)
            # Backward has not touched the weights: they are the ones that gave this loss.
            if not math.isfinite(loss):
                return self._diverge(f"the loss became {loss}")
            if loss > self._loss_blowup:
                return self._diverge(f"the loss jumped to {loss:.3g}, over {LOSS_BLOWUP_FACTOR} times that of guessing")
            self._keep_good_weights()  # these weights gave a finite loss
            self.optimizer.step(self.lr)
            if not self._weights_finite():
                return self._diverge("the weights became infinite or NaN")
        self.step += 1
        self.samples_seen += len(rows)
        self._epoch_loss_sum += loss
        self._new_losses.append(loss)
        if self.step % self.steps_per_epoch == 0:
            self._start_evaluation()
        elif self._checkpoint_due():
            self._start_evaluation(checkpoint=True)

    def _checkpoint_due(self):
        """validate_every: at a multiple of it, or the last step before the next one would pass it (never after
        it), unless an epoch's end validates in that interval anyway (at most one validation per interval); in the
        first epoch only: later, epoch ends come often enough, and a long run would spend a fifth of its time on them."""
        every, seen = self.recipe.validate_every, self.samples_seen
        if every is None or self.val_x is None or self.step > self.steps_per_epoch:
            return False
        boundary = -(-seen // every) * every  # the first multiple at or after this step
        if boundary >= seen + self.batch_size:  # the next step does not pass it yet
            return False
        epoch_end = seen + (self.steps_per_epoch - self.step % self.steps_per_epoch) * self.batch_size
        return epoch_end > boundary and self._validated_at <= boundary - every

    def _learning_rate(self, step):
        r = self.recipe
        return learning_rate(r.schedule, r.lr, step, self.total_steps, r.final_lr_fraction, self._cycle_steps,
                             r.restart_lr_fraction)

    def _keep_good_weights(self):
        for good, (param, _) in zip(self._good_weights, self.parameters):
            np.copyto(good, param)

    def _weights_finite(self):
        # One reduction per array: a NaN or infinity anywhere makes the sum non-finite.
        return all(math.isfinite(float(param.sum())) for param, _ in self.parameters)

    def _diverge(self, what):
        for good, (param, _) in zip(self._good_weights, self.parameters):
            np.copyto(param, good)
        self.diverged_at = f"Training diverged at epoch {self.epoch + 1}, step {self.step + 1}: {what}."  # where, and why
        self.diverged = (
            f"{self.diverged_at} The last good weights were restored. Try a smaller learning rate (this run used {self.recipe.lr:g})."
        )
        self._phase = "done"
        self._update_metadata()

    # --- evaluation at epoch ends (and validation checkpoints), in slices ---------------------

    def _start_evaluation(self, checkpoint=False):
        """An epoch's end measures train and validation accuracy; a checkpoint, validation only."""
        self._phase = "check" if checkpoint else "eval"
        self._validated_at = self.samples_seen
        self._eval_jobs = [] if checkpoint else [("train", *self._train_eval, 0)]
        if self.val_x is not None:
            self._eval_jobs.append(("val", self.val_x, self.val_y, 0))
        self._correct = {"train": 0, "val": 0}

    def _eval_unit(self):
        name, x, y, start = self._eval_jobs[0]
        stop = min(start + EVAL_CHUNK, len(x))
        chunk = x[start:stop]
        with np.errstate(over="ignore", invalid="ignore"):
            if self._evaluation is None:  # the strategy's products, as in training
                logits = self.gradients.infer(self.model.network_input(chunk))
            else:
                logits = self._evaluation.infer(self._evaluation.inputs(chunk))
            predicted = logits.argmax(axis=-1)
        self._correct[name] += int(np.count_nonzero(predicted == y[start:stop]))
        if stop < len(x):
            self._eval_jobs[0] = (name, x, y, stop)
            return
        self._eval_jobs.pop(0)
        if self._eval_jobs:
            return
        if self._phase == "check":
            self._finish_checkpoint()
        else:
            self._finish_epoch()

    def _finish_checkpoint(self):
        result = {"samples_seen": self.samples_seen, "epoch": self.samples_seen / len(self.train_x),
                  "val_acc": self._correct["val"] / len(self.val_x), "seconds": self.train_seconds}
        self.checkpoint_results.append(result)
        self._new_checkpoints.append(result)
        self._phase = "train"
        self._update_metadata()

    def _finish_epoch(self):
        self.epoch += 1
        result = {
            "epoch": self.epoch,
            "samples_seen": self.samples_seen,
            "loss": self._epoch_loss_sum / self.steps_per_epoch,
            "train_acc": self._correct["train"] / len(self._train_eval[1]),
            "val_acc": None if self.val_x is None else self._correct["val"] / len(self.val_x),
            "seconds": self.train_seconds,
        }
        self.epoch_results.append(result)
        self._new_results.append(result)
        self._batches = None
        self._phase = "done" if self.epoch >= self.recipe.epochs else "train"
        self._update_metadata()

    # --- reporting ---------------------------------------------------------------------------

    def _update_metadata(self):
        self.model.metadata.update(
            {
                "recipe": self.recipe.to_dict(),
                "epochs_completed": self.epoch,
                "steps": self.step,
                "samples_seen": self.samples_seen,
                "train_images": len(self.train_x),
                "train_seconds": round(self.train_seconds, 3),
                "epoch_results": list(self.epoch_results),
                "checkpoint_results": list(self.checkpoint_results),
                "diverged": self.diverged,
            }
        )

    def _progress(self):
        progress = {
            "epoch": self.epoch,
            "epochs": self.recipe.epochs,
            "step": self.step,
            "steps_per_epoch": self.steps_per_epoch,
            "samples_seen": self.samples_seen,
            "losses": self._new_losses,
            "epoch_results": self._new_results,
            "checkpoints": self._new_checkpoints,
            "checking": self._phase == "check",
            "done": self.done,
            "diverged": self.diverged,
            "lr": self.lr,
            "seconds": self.train_seconds,
        }
        self._new_losses = []
        self._new_results = []
        self._new_checkpoints = []
        return progress
