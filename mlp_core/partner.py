"""Sharing each minibatch step with a partner: the page's second core.

Pyodide runs one thread per worker, and its NumPy has no BLAS threads either, so a worker uses one
core. The page therefore starts a second worker and splits every minibatch in two: the trainer
computes the gradient of its rows while the partner computes the rest, then it adds the two and
takes the usual optimizer step. Same minibatch, same update, same algorithm: only the order of a
few additions changes (float rounding).

A partner has two methods:
- ``start(weights, share)``: begin computing ``share`` (a BatchShare) at ``weights`` (every
  parameter, flat, in ``network.parameters()`` order) and return at once;
- ``finish()``: wait for it and return ``(loss share, flat gradients)``, or raise PartnerError.
``GradientWorker`` is the computing side; the page runs it in its second worker (web/py/helper_api.py).
"""
from dataclasses import dataclass

import numpy as np

from .layers import BlankColumns
from .losses import softmax_cross_entropy
from .network import Sequential


class PartnerError(RuntimeError):
    """The partner could not compute its share (it failed, died or timed out)."""


@dataclass
class BatchShare:
    """Rows of a minibatch whose gradient a partner computes, as the first Dense layer takes them.

    ``active`` is None for a plain input array; otherwise ``values`` holds only the active columns
    of layers.BlankColumns and every other column holds ``fill``.
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


def input_rows(x, start, stop):
    """Rows start:stop of a network input (an array or BlankColumns)."""
    if isinstance(x, BlankColumns):
        return BlankColumns(x.values[start:stop], x.active, x.blank, x.fill)
    return x[start:stop]


def minibatch_gradients(network, x, labels, batch_size):
    """Fill the network's grads for these rows of a ``batch_size`` minibatch; their share of the mean loss."""
    loss, grad = softmax_cross_entropy(network.forward(x), labels, batch_size=batch_size)
    network.backward(grad)
    return loss


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


class GradientWorker:
    """The partner's side: a network of the trainer's shape that computes one share's gradients.

    Its parameters and gradients are views of two flat arrays, ``weights`` and ``grads``, so the
    weights arrive and the gradients leave in one copy each.
    """

    def __init__(self, sizes, dtype):
        dtype = np.dtype(dtype)
        # Any initial weights do: the trainer's are loaded before every share.
        self.network = Sequential.mlp(tuple(sizes), "he", np.random.default_rng(0), dtype)
        self.weights = np.empty(parameter_count(self.network), dtype=dtype)
        self.grads = np.zeros_like(self.weights)
        offset = 0
        for layer in self.network.layers:
            for key, param in layer.params.items():
                view = slice(offset, offset + param.size)
                layer.params[key] = self.weights[view].reshape(param.shape)
                layer.grads[key] = self.grads[view].reshape(param.shape)
                offset += param.size

    def gradients(self, weights, share):
        """(loss share, flat gradients) of ``share`` at the trainer's ``weights`` (flat); the array is reused.

        ``weights`` may be ``self.weights`` itself, filled by the caller.
        """
        if weights is not self.weights:
            np.copyto(self.weights, weights)
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):  # the trainer judges divergence
            loss = minibatch_gradients(self.network, share.inputs(self.network.sizes[0]), share.labels, share.batch_size)
        return loss, self.grads


class SplitChooser:
    """Whether to split the next minibatch with the partner: it times steps both ways and keeps the faster.

    A second worker is not always faster: two busy threads on a 2-core machine slow each other down,
    and a small batch leaves little work to share against the fixed cost of sharing it. So every
    ``KEEP_STEPS`` steps comes a trial of ``TRIAL_STEPS`` split and as many alone, interleaved so that
    a machine growing busier hits both alike, and the mode with the shorter median step wins.
    """

    TRIAL_STEPS = 16
    KEEP_STEPS = 400
    WARMUP_STEPS = 1  # the first step of each mode in a trial is not timed (the partner wakes up)

    def __init__(self):
        self.split = True  # the winner of the last trial; until the first one ends, trust the partner
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
