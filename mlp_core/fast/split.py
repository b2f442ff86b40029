"""Sharing each minibatch step with a helper: the page's second core.

Pyodide runs one thread per worker, and its NumPy has no BLAS threads either, so a worker uses one
core. The page therefore starts a second worker, the helper, and splits every minibatch in two: the
trainer computes the gradient of its rows while the helper computes the rest (a Share), then it adds
the two and takes the usual optimizer step. Same minibatch, same update, same algorithm: only the
order of a few additions changes (float rounding).

A helper, as SplitGradients sees it, has two methods:
- ``start(weights, share)``: begin computing ``share`` at ``weights`` (every parameter, flat, in
  ``network.parameters()`` order) and return at once;
- ``finish()``: wait for it and return ``(loss share, flat gradients)``, or raise HelperError.
``HelperGradients`` is the computing side; the page runs it in the helper worker (web/py/helper_share.py).
"""
import time
from dataclasses import dataclass

import numpy as np

from ..model import Model
from ..nn import Sequential, softmax_cross_entropy
from .gradients import BlankColumns, FastGradients
from .products import PYODIDE

# A helper that answers within this long after this side's rows were done kept pace.
HELPER_WAIT_SLACK = 0.0002


class HelperError(RuntimeError):
    """The helper could not compute its share (it failed, died or timed out)."""


@dataclass
class Share:
    """Rows of a minibatch whose gradient the helper computes, as the first Dense layer takes them.

    ``active`` is None for a plain input array; otherwise ``values`` holds only the active columns
    of a BlankColumns batch and every other column holds ``fill``.
    """

    values: np.ndarray  # (rows, columns), normalised network input
    labels: np.ndarray  # (rows,) integer classes
    batch_size: int  # rows of the whole minibatch: the loss is a mean over all of them
    active: np.ndarray | None = None
    fill: float = 0.0

    @classmethod
    def rows_of(cls, x, labels, start, stop, batch_size):
        """Rows start:stop of a minibatch ``x`` (an array or BlankColumns) and its ``labels``."""
        if isinstance(x, BlankColumns):
            return cls(x.values[start:stop], labels[start:stop], batch_size, x.active, float(x.fill))
        return cls(x[start:stop], labels[start:stop], batch_size)

    def inputs(self, input_size):
        """The network input these rows stand for."""
        if self.active is None:
            return self.values
        blank = np.ones(input_size, dtype=bool)
        blank[self.active] = False
        return BlankColumns(self.values, self.active, np.flatnonzero(blank), self.values.dtype.type(self.fill))


def part_of_batch(strategy, inputs, labels, batch_size):
    """Fill the grads for these rows of a ``batch_size`` minibatch; their part of its mean loss.

    The rows' mean loss and gradient, scaled by rows / batch_size: the parts of a batch add up to it.
    """
    loss, grad = softmax_cross_entropy(strategy.forward(inputs), labels)
    part = len(labels) / batch_size
    grad *= grad.dtype.type(part)
    strategy.backward(grad)
    return loss * part


def parameter_count(network):
    return sum(param.size for param, _ in network.parameters())


def flat_parameters(network, out=None):
    """Every parameter in one 1-D array (``out`` if given), in ``network.parameters()`` order."""
    return np.concatenate([param.ravel() for param, _ in network.parameters()], out=out)


def flat_gradients(network, out=None):
    """Every gradient in one 1-D array (``out`` if given), in ``network.parameters()`` order."""
    return np.concatenate([grad.ravel() for _, grad in network.parameters()], out=out)


def add_flat_gradients(network, flat):
    """Add ``flat`` (in flat_gradients order) to the network's gradients."""
    grads = [grad for _, grad in network.parameters()]
    if np.shape(flat) != (sum(grad.size for grad in grads),):
        raise ValueError(f"expected {sum(grad.size for grad in grads)} values, got shape {np.shape(flat)}")
    offset = 0
    for grad in grads:
        grad += flat[offset:offset + grad.size].reshape(grad.shape)
        offset += grad.size


class HelperGradients:
    """The helper's side: a network of the trainer's shape that computes one share's gradients.

    Its parameters and gradients are views of two flat arrays, ``weights`` and ``grads``, so the
    weights arrive and the gradients leave in one copy each.
    """

    def __init__(self, sizes, dtype, products=PYODIDE, inked_first_layer=False):
        dtype = np.dtype(dtype)
        # Any initial weights do: the trainer's are loaded before every share.
        network = Sequential.mlp(tuple(sizes), "he", np.random.default_rng(0), dtype)
        self.network = network
        self.weights = np.empty(parameter_count(network), dtype=dtype)
        self.grads = np.zeros_like(self.weights)
        offset = 0
        for layer in network.layers:
            for key, param in layer.params.items():
                view = slice(offset, offset + param.size)
                layer.params[key] = self.weights[view].reshape(param.shape)
                layer.grads[key] = self.grads[view].reshape(param.shape)
                offset += param.size
        # Shares come gathered (their blank columns left out); ``inked_first_layer``: see FastGradients.
        self._pass = FastGradients(Model(network), products, skip_blank_columns=False, inked_first_layer=inked_first_layer)

    def gradients(self, weights, share):
        """(loss share, flat gradients) of ``share`` at the trainer's ``weights`` (flat); the array is reused.

        ``weights`` may be ``self.weights`` itself, filled by the caller.
        """
        if weights is not self.weights:
            np.copyto(self.weights, weights)
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):  # the trainer judges divergence
            loss = part_of_batch(self._pass, share.inputs(self.network.sizes[0]), share.labels, share.batch_size)
        return loss, self.grads


class SplitGradients:
    """A gradient strategy: the minibatch's last rows computed by a helper, the others by ``local``.

    ``local`` is the strategy this side uses (PlainGradients or FastGradients); alone, or without a
    helper, steps are ``local``'s. A SplitChooser decides per step whether splitting pays.
    """

    def __init__(self, local, helper=None, clock=time.perf_counter):
        self.local = local
        self.network = local.network
        self.clock = clock
        self.shared_steps = 0  # steps the helper took part in
        self.error = None  # why the helper last failed (it is then dropped)
        self.helper = helper

    @property
    def helper(self):
        """The helper computing part of each minibatch when that measures faster; None: alone."""
        return self._helper

    @helper.setter
    def helper(self, helper):
        self._helper = helper
        self._chooser = SplitChooser() if helper is not None else None
        self._helper_rows = None  # rows of each minibatch the helper computes: half, then balanced
        # The buffer the weights travel to the helper in, filled every split step.
        self._flat_weights = np.empty(parameter_count(self.network), dtype=self.local.model.dtype) if helper else None

    @property
    def split(self):
        """Whether steps are split now (the helper measured faster); None without a helper."""
        return None if self._chooser is None else self._chooser.split

    def infer(self, inputs):
        """Evaluation is this side's alone."""
        return self.local.infer(inputs)

    def __call__(self, pixels, labels):
        chooser = self._chooser
        split = chooser is not None and len(labels) >= 2 and chooser.next_split()
        started = self.clock()
        loss = self._split(pixels, labels) if split else self.local(pixels, labels)
        if chooser is not None and self._chooser is chooser:  # (a failed helper dropped it)
            chooser.record(split, self.clock() - started)
        return loss

    def _split(self, pixels, labels):
        inputs = self.local.inputs(pixels)
        rows = len(labels)
        theirs = min(max(self._helper_rows or rows // 2, rows // 4, 1), rows - max(rows // 4, 1))
        keep = rows - theirs
        self.helper.start(flat_parameters(self.network, out=self._flat_weights), Share.rows_of(inputs, labels, keep, rows, rows))
        loss = part_of_batch(self.local, self.local.rows(inputs, 0, keep), labels[:keep], rows)
        waiting = self.clock()
        try:
            helper_loss, helper_gradients = self.helper.finish()
            self.shared_steps += 1
        except HelperError as error:
            # Lose nothing: this side computes the helper's rows too, and trains alone from now on.
            self.error = str(error) or "the helper failed"
            self.helper = None
            helper_gradients = flat_gradients(self.network)  # this side's, kept while the grads are overwritten
            helper_loss = part_of_batch(self.local, self.local.rows(inputs, keep, rows), labels[keep:], rows)
        # Balance the two sides, whose speeds differ (copies on one side, a busy core on the other): a row
        # less for the helper after each step spent waiting for it, a row more after each step that was not.
        waited = self.clock() - waiting > HELPER_WAIT_SLACK
        self._helper_rows = theirs - 1 if waited else theirs + 1
        add_flat_gradients(self.network, helper_gradients)
        return loss + helper_loss


class SplitChooser:
    """Whether to split the next minibatch with the helper: it times steps both ways and keeps the faster.

    A second worker is not always faster: two busy threads on a 2-core machine slow each other down,
    and a small batch leaves little work to share against the fixed cost of sharing it. So every
    ``KEEP_STEPS`` steps comes a trial of ``TRIAL_STEPS`` split and as many alone, interleaved so that
    a machine growing busier hits both alike, and the mode with the shorter median step wins.
    """

    TRIAL_STEPS = 16
    KEEP_STEPS = 400
    WARMUP_STEPS = 1  # the first step of each mode in a trial is not timed (the helper wakes up)

    def __init__(self):
        self.split = True  # the winner of the last trial; until the first one ends, trust the helper
        self._left = 0  # steps before the next trial
        self._trial = []  # the modes of the trial's remaining steps
        self._times = {}
        self._start_trial()

    def next_split(self):
        """Split the next step?"""
        return self._trial[0] if self._trial else self.split

    def record(self, split, seconds):
        """A step was taken (split or not) in ``seconds``."""
        if not self._trial:
            self._left -= 1
            if self._left <= 0:
                self._start_trial()
            return
        self._trial.pop(0)
        self._times[split].append(seconds)
        if not self._trial:
            medians = {mode: float(np.median(times[self.WARMUP_STEPS:])) for mode, times in self._times.items()}
            self.split = medians[True] < medians[False]
            self._left = self.KEEP_STEPS

    def _start_trial(self):
        self._trial = [True, False] * self.TRIAL_STEPS
        self._times = {True: [], False: []}
