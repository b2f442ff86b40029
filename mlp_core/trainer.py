"""Chunked, resumable, seeded training with a divergence guard.

``Trainer.run`` does units of work (one minibatch step, or one slice of the end-of-epoch
evaluation) until its time or step budget is spent, then returns, so the page can train in
~50 ms chunks and stay responsive; calling it again carries on exactly where it stopped.
"""
import math
import time

import numpy as np

from . import kernels
from .data import epoch_batches
from .layers import BlankColumns
from .network import Model, Sequential
from .optim import learning_rate, make_optimizer
from .partner import (BatchShare, PartnerError, SplitChooser, add_flat_gradients, flat_gradients, flat_parameters, input_rows,
                      minibatch_gradients, parameter_count)

# Skip the blank input columns (layers.BlankColumns) only when enough are blank to repay the gathers
# and scatters, ~0.3 ms a step in Pyodide, about 3% of a full first layer's products.
MAX_ACTIVE_FRACTION = 0.9
# A loss this many times that of uniform guessing (ln 10 for MNIST) means the steps are far too large:
# AdamW at lr 10 jumps to ~1e8 and then sits at chance with a finite loss, so NaN checks alone miss it.
LOSS_BLOWUP_FACTOR = 100
# A partner (mlp_core.partner) that answers within this long after this side's rows were done kept pace.
PARTNER_WAIT_SLACK = 0.0002
EVAL_CHUNK = 500  # images per evaluation unit: ~35 ms in Pyodide, inside the page's ~50 ms chunks


def pixel_statistics(x):
    """Mean and std of the pixels of ``x`` on the [0, 1] scale (uint8 via a histogram: no big float copy)."""
    if x.dtype == np.uint8:
        counts = np.bincount(x.ravel(), minlength=256).astype(np.float64)
        values = np.arange(256, dtype=np.float64) / 255.0
        mean = float(counts @ values / counts.sum())
        var = float(counts @ (values - mean) ** 2 / counts.sum())
        return mean, math.sqrt(var)
    return float(x.mean(dtype=np.float64)), float(x.std(dtype=np.float64))


def _used_columns(x):
    """Mask of the columns of ``x`` holding any nonzero value."""
    if x.dtype == np.uint8:
        return np.bitwise_or.reduce(x, axis=0) != 0  # 2x faster than any() in Pyodide
    return x.any(axis=0)


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
    # Clock for train_seconds; benchmarks on a shared machine may swap in time.process_time.
    clock = staticmethod(time.perf_counter)

    def __init__(self, recipe, train_x, train_y, val_x=None, val_y=None, model=None):
        self.recipe = recipe
        input_size, num_classes = recipe.sizes[0], recipe.sizes[-1]
        if model is not None:
            input_size, num_classes = model.sizes[0], model.sizes[-1]
        train_x, train_y = _check_dataset(train_x, train_y, "training", input_size, num_classes)
        if recipe.train_size is not None:
            train_x, train_y = train_x[: recipe.train_size], train_y[: recipe.train_size]
        if len(train_x) == 0:
            raise ValueError("no training images")
        self.train_x, self.train_y = train_x, train_y
        self.val_x = self.val_y = None
        if val_x is not None:
            self.val_x, self.val_y = _check_dataset(val_x, val_y, "validation", input_size, num_classes)

        # One seeded stream for init, shuffles and augmentation; the tutorial's is np.random.seed's.
        self.rng = np.random.RandomState(recipe.seed) if recipe.legacy_rng else np.random.default_rng(recipe.seed)
        if model is None:
            network = Sequential.mlp(recipe.sizes, recipe.init, self.rng, recipe.dtype)
            mean, std = pixel_statistics(train_x) if recipe.normalise == "standardise" else (0.0, 1.0)
            model = Model(network, input_mean=mean, input_std=std)
        self.model = model
        self.dtype = model.dtype
        self.network = model.network
        self.parameters = self.network.parameters()
        self.optimizer = make_optimizer(recipe, self.parameters)
        self._batch_buffer = np.empty((recipe.batch_size, self.network.sizes[0]), dtype=self.dtype)
        self._augment = None
        if recipe.augment:
            from .augment import augment_batch  # lazily: the core works without the augmentation module

            self._augment = augment_batch
            # augment_batch takes a Generator; the legacy stream gets one of its own, seeded alike.
            self._augment_rng = np.random.default_rng(recipe.seed) if recipe.legacy_rng else self.rng

        self.batch_size = min(recipe.batch_size, len(train_x))
        self.steps_per_epoch = len(train_x) // self.batch_size
        self.total_steps = self.steps_per_epoch * recipe.epochs
        # Train accuracy is measured on these (images, labels): all of them, or evenly spaced rows.
        self._train_eval = (train_x, train_y)
        if recipe.train_eval_size is not None and recipe.train_eval_size < len(train_x):
            rows = np.linspace(0, len(train_x) - 1, recipe.train_eval_size).astype(np.intp)
            self._train_eval = (train_x[rows], train_y[rows])

        self.epoch = 0  # epochs completed
        self.step = 0  # minibatch steps done over the whole run
        self.samples_seen = 0
        self.train_seconds = 0.0  # time spent in minibatch steps (evaluation excluded)
        self.epoch_results = []
        self.diverged = None
        self.partner = None  # a property: setting it also sets the split chooser and the weight buffer
        self.partner_error = None  # why the partner last failed (it is then dropped)
        self.shared_steps = 0  # minibatch steps split with a partner
        self._partner_rows = None  # rows of each minibatch the partner computes: half, then balanced
        self._loss_blowup = LOSS_BLOWUP_FACTOR * math.log(recipe.sizes[-1])
        self.lr = learning_rate(recipe.schedule, recipe.lr, 0, self.total_steps, recipe.final_lr_fraction)
        self._phase = "train"
        self._batches = None
        self._epoch_loss_sum = 0.0
        self._new_losses = []
        self._new_results = []
        self._good_weights = [param.copy() for param, _ in self.parameters]
        self._eval_jobs = []
        self._correct = {}
        self._update_metadata()

    @property
    def partner(self):
        """A partner computing part of each minibatch (mlp_core.partner) when that measures faster; None: alone."""
        return self._partner

    @partner.setter
    def partner(self, partner):
        self._partner = partner
        self._chooser = SplitChooser() if partner is not None else None
        # The buffer the weights travel to the partner in, filled every split step.
        self._flat_weights = np.empty(parameter_count(self.network), dtype=self.dtype) if partner is not None else None

    @property
    def done(self):
        return self._phase == "done"

    def run(self, max_seconds=None, max_steps=None):
        """Train until ``max_seconds`` elapse or ``max_steps`` minibatch steps are done, or the run ends.

        At least one unit of work is done per call. An epoch's evaluation always finishes before
        ``max_steps`` stops the call, so per-epoch results arrive with the step that ends the epoch.
        """
        start = time.perf_counter()
        steps = 0
        worked = False
        while self._phase != "done":
            if worked and max_seconds is not None and time.perf_counter() - start >= max_seconds:
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
        return self._progress()

    # --- minibatch training -------------------------------------------------------------------

    def _batch_inputs(self, rows):
        x = self.train_x[rows]
        if self._augment is not None:
            unit = x.astype(np.float32) / np.float32(255) if x.dtype == np.uint8 else x.astype(np.float32)
            x = self._augment(unit, self._augment_rng)
        if kernels.SKIP_BLANK_COLUMNS:
            used = _used_columns(x)
            active = np.flatnonzero(used)
            if len(active) <= MAX_ACTIVE_FRACTION * x.shape[1]:
                fill = self._normalise(np.zeros((1, 1), dtype=x.dtype))[0, 0]  # what a blank pixel becomes
                return BlankColumns(self._normalise(x[:, active]), active, np.flatnonzero(~used), fill)
        # Reusing one buffer is safe: the previous step's backward pass is over.
        return self._normalise(x, out=self._batch_buffer[: len(x)])

    def _normalise(self, x, out=None):
        if x.dtype == np.uint8:
            return self.model.normalise_uint8(x, out=out)
        return self.model.normalise(x)

    def _train_step(self):
        started = time.perf_counter()
        if self._batches is None:
            self._batches = epoch_batches(len(self.train_x), self.batch_size, self.rng)
            self._epoch_loss_sum = 0.0
        rows = self._batches[self.step % self.steps_per_epoch]
        x, y = self._batch_inputs(rows), self.train_y[rows]
        self.lr = learning_rate(self.recipe.schedule, self.recipe.lr, self.step, self.total_steps, self.recipe.final_lr_fraction)
        chooser = self._chooser
        split = chooser is not None and len(y) >= 2 and chooser.next_split()
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            if split:
                loss = self._shared_gradients(x, y)
            else:
                loss = minibatch_gradients(self.network, x, y, len(y))
            # Backward has not touched the weights: they are the ones that gave this loss.
            if not math.isfinite(loss):
                return self._diverge(f"the loss became {loss}")
            if loss > self._loss_blowup:
                return self._diverge(f"the loss jumped to {loss:.3g}, over {LOSS_BLOWUP_FACTOR} times that of guessing")
            self._keep_good_weights()  # these weights gave a finite loss
            self.optimizer.step(self.lr)
            if not self._weights_finite():
                return self._diverge("the weights became infinite or NaN")
        if chooser is not None and self._chooser is chooser:  # (a failed partner dropped it)
            chooser.record(split, time.perf_counter() - started)
        self.step += 1
        self.samples_seen += len(rows)
        self._epoch_loss_sum += loss
        self._new_losses.append(loss)
        if self.step % self.steps_per_epoch == 0:
            self._start_evaluation()

    def _shared_gradients(self, x, y):
        """The minibatch's loss and gradients (in the network's grads), its last rows computed by the partner."""
        rows = len(y)
        theirs = min(max(self._partner_rows or rows // 2, rows // 4, 1), rows - max(rows // 4, 1))
        keep = rows - theirs
        self.partner.start(flat_parameters(self.network, out=self._flat_weights), BatchShare.rows_of(x, y, keep, rows, rows))
        loss = minibatch_gradients(self.network, input_rows(x, 0, keep), y[:keep], rows)
        waiting = time.perf_counter()
        try:
            partner_loss, partner_gradients = self.partner.finish()
            self.shared_steps += 1
        except PartnerError as error:
            # Lose nothing: this side computes the partner's rows too, and trains alone from now on.
            self.partner_error = str(error) or "the partner failed"
            self.partner = None
            partner_gradients = flat_gradients(self.network)  # this side's, kept while the grads are overwritten
            partner_loss = minibatch_gradients(self.network, input_rows(x, keep, rows), y[keep:], rows)
        # Balance the two sides, whose speeds differ (copies on one side, a busy core on the other): a row
        # less for the partner after each step spent waiting for it, a row more after each step that was not.
        waited = time.perf_counter() - waiting > PARTNER_WAIT_SLACK
        self._partner_rows = theirs - 1 if waited else theirs + 1
        add_flat_gradients(self.network, partner_gradients)
        return loss + partner_loss

    def _keep_good_weights(self):
        for good, (param, _) in zip(self._good_weights, self.parameters):
            np.copyto(good, param)

    def _weights_finite(self):
        # One reduction per array: a NaN or infinity anywhere makes the sum non-finite.
        return all(math.isfinite(float(param.sum())) for param, _ in self.parameters)

    def _diverge(self, what):
        for good, (param, _) in zip(self._good_weights, self.parameters):
            np.copyto(param, good)
        self.diverged = (
            f"Training diverged at epoch {self.epoch + 1}, step {self.step + 1}: {what}. "
            f"The last good weights were restored. Try a smaller learning rate (this run used {self.recipe.lr:g})."
        )
        self._phase = "done"
        self._update_metadata()

    # --- end-of-epoch evaluation, in slices ----------------------------------------------------

    def _start_evaluation(self):
        self._phase = "eval"
        self._eval_jobs = [("train", *self._train_eval, 0)]
        if self.val_x is not None:
            self._eval_jobs.append(("val", self.val_x, self.val_y, 0))
        self._correct = {"train": 0, "val": 0}

    def _eval_unit(self):
        name, x, y, start = self._eval_jobs[0]
        stop = min(start + EVAL_CHUNK, len(x))
        chunk = x[start:stop]
        inputs = self._normalise(chunk)
        with np.errstate(over="ignore", invalid="ignore"):
            predicted = self.network.infer(inputs).argmax(axis=-1)
        self._correct[name] += int(np.count_nonzero(predicted == y[start:stop]))
        if stop < len(x):
            self._eval_jobs[0] = (name, x, y, stop)
            return
        self._eval_jobs.pop(0)
        if not self._eval_jobs:
            self._finish_epoch()

    def _finish_epoch(self):
        self.epoch += 1
        result = {
            "epoch": self.epoch,
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
            "done": self.done,
            "diverged": self.diverged,
            "lr": self.lr,
            "seconds": self.train_seconds,
            "shared_steps": self.shared_steps,
            # With a partner: whether steps are split now (it measured faster) or not; None: no partner.
            "split": None if self._chooser is None else self._chooser.split,
            "partner_error": self.partner_error,
        }
        self._new_losses = []
        self._new_results = []
        return progress
