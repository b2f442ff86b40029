"""Sharing each minibatch step with helpers: the page's other cores.

Pyodide runs one thread per worker, and its NumPy has no BLAS threads either, so a worker uses one
core. The page therefore starts more workers, the helpers, and shares out every minibatch: the
trainer computes the gradient of its rows while each helper computes a part of the rest (a Share),
then it adds them up and takes the usual optimizer step. Same minibatch, same update, same
algorithm: only the order of a few additions changes (float rounding).

A helper, as SplitGradients sees it, has two methods:
- ``start(weights, share)``: begin computing ``share`` at ``weights`` (every parameter, flat, in
  ``network.parameters()`` order) and return at once;
- ``finish()``: wait for it and return ``(loss share, flat gradients)``, or raise HelperError; then
  its ``waited`` holds the seconds that call spent waiting for the answer (not copying it: that is this
  side's work, and counting it made every helper look slow).
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
    """A gradient strategy: each minibatch's last rows shared out among helpers, the others computed by ``local``.

    ``local`` is the strategy this side uses (PlainGradients or FastGradients); alone, or without
    helpers, steps are ``local``'s. A SplitChooser decides per step how many of the helpers take part
    (``choose=False``: all of them, to measure a given count).
    """

    def __init__(self, local, helpers=(), clock=time.perf_counter, choose=True):
        self.local = local
        self.network = local.network
        self.clock = clock
        self.choose = choose
        self.shared_steps = 0  # steps at least one helper took part in
        self.error = None  # why a helper last failed (it is then dropped)
        self.failures = []  # (helper, reason) of each helper dropped since the caller last emptied this list
        self._chooser = None
        self._helpers = []
        # The buffer the weights travel to the helpers in, filled every split step.
        self._flat_weights = np.empty(parameter_count(self.network), dtype=local.model.dtype)
        self.helpers = helpers

    @property
    def helpers(self):
        """The helpers that may compute part of each minibatch; empty: this side trains alone."""
        return list(self._helpers)

    @helpers.setter
    def helpers(self, helpers):
        helpers = list(helpers)
        if not helpers:
            self._chooser = None
        elif self._chooser is None:
            self._chooser = SplitChooser()  # kept while helpers come and go: it tries each newcomer
        self._helpers = helpers
        # Rows of each minibatch each helper computes, per helper count: an even share, then balanced. Kept for each
        # count apart, so a trial that alternates counts times each at its own balance, not an even share each time.
        self._helper_rows = {}

    @property
    def used(self):
        """Helpers taking part in steps now (the last trial's winner); None without helpers."""
        if self._chooser is None:
            return None
        return len(self._helpers) if not self.choose else min(self._chooser.count, len(self._helpers))

    @property
    def trying(self):
        """The other helper count a trial is timing against ``used`` now, or None."""
        return self._chooser.trying if self._chooser is not None and self.choose else None

    @property
    def split(self):
        """Whether steps are split now (helpers measured faster); None without helpers."""
        return None if self.used is None else self.used > 0

    def infer(self, inputs):
        """Evaluation is this side's alone."""
        return self.local.infer(inputs)

    def __call__(self, pixels, labels):
        chooser = self._chooser
        count = 0
        if chooser is not None:
            available = len(self._helpers)
            count = chooser.next_count(available) if self.choose else available
            count = min(count, available, len(labels) - 1)  # every worker gets a row at least
        started = self.clock()
        failures = len(self.failures)
        loss = self._split(pixels, labels, count) if count > 0 else self.local(pixels, labels)
        if self.choose and chooser is not None and len(self.failures) == failures:  # a failed step's time says nothing
            chooser.record(count, self.clock() - started)
        return loss

    def _split(self, pixels, labels, count):
        inputs = self.local.inputs(pixels)
        rows = len(labels)
        helpers = self._helpers[:count]
        # Each side keeps at least half an even share; the helpers' rows are balanced against this side's.
        least = max(rows // (2 * (count + 1)), 1)
        theirs = min(max(self._helper_rows.get(count, rows // (count + 1)), least), (rows - least) // count)
        keep = rows - count * theirs
        weights = flat_parameters(self.network, out=self._flat_weights)
        parts = [(keep + i * theirs, keep + (i + 1) * theirs) for i in range(count)]
        for helper, (start, stop) in zip(helpers, parts):
            helper.start(weights, Share.rows_of(inputs, labels, start, stop, rows))
        loss = part_of_batch(self.local, self.local.rows(inputs, 0, keep), labels[:keep], rows)
        waited = 0.0  # seconds spent waiting for answers
        lost = []  # the parts of helpers that failed: this side computes them
        for helper, part in zip(helpers, parts):
            try:
                helper_loss, helper_gradients = helper.finish()
            except HelperError as error:
                # Lose nothing: this side computes the helper's rows too, and goes on without that helper.
                self.error = str(error) or "the helper failed"
                self.failures.append((helper, self.error))
                self._helpers.remove(helper)
                lost.append(part)
                continue
            waited += helper.waited
            loss += helper_loss
            add_flat_gradients(self.network, helper_gradients)
        if len(lost) < count:
            self.shared_steps += 1
        for start, stop in lost:
            done = flat_gradients(self.network)  # the sum so far, kept while the grads are overwritten
            loss += part_of_batch(self.local, self.local.rows(inputs, start, stop), labels[start:stop], rows)
            add_flat_gradients(self.network, done)
        if lost:
            self.helpers = self._helpers  # fewer helpers: the chooser clamps its count, the rows start even again
        else:
            # Balance the sides, whose speeds differ (copies on this side, busy cores elsewhere): a row less
            # for each helper after a step spent waiting for one, a row more after a step that was not.
            self._helper_rows[count] = theirs - 1 if waited > HELPER_WAIT_SLACK else theirs + 1
        return loss


class SplitChooser:
    """How many helpers take part in the next minibatch: it times steps with neighbouring counts and keeps the faster.

    More workers are not always faster: busy threads on a machine with few cores slow each other down,
    and a small batch leaves little work to share against the fixed cost of sharing it. So a trial
    times ``TRIAL_STEPS`` steps with the count in use and as many with one more (or one fewer),
    interleaved so that a machine growing busier hits both alike; the count with the shorter median
    step wins. A win for the other count moves on at once to the next count that way (climbing while
    each added helper pays, dropping while each removed one does); a win for the count in use keeps it
    for ``KEEP_STEPS`` steps, then a trial tries the other way. A helper that joins starts a trial with
    one more.
    """

    TRIAL_STEPS = 16
    KEEP_STEPS = 400
    WARMUP_STEPS = 1  # the first step of each count in a trial is not timed (a helper wakes up)

    def __init__(self):
        self.count = 0  # helpers in use: the winner of the last trial
        self.trying = None  # the count the running trial times against ``count``
        self._available = 0
        self._up = True  # the way the next kept count's trial looks
        self._left = 0  # steps before the next trial
        self._trial = []  # the counts of the trial's remaining steps
        self._times = {}

    def next_count(self, available):
        """Helpers to use in the next step, ``available`` being how many there are now."""
        if available > self._available and self.trying is None:
            self._start_trial(self.count + 1)  # a helper joined: try it
        elif available < self._available:  # a helper left: keep what remains, try again later
            self.count = min(self.count, available)
            self._trial, self.trying, self._left = [], None, self.KEEP_STEPS
        self._available = available
        return self._trial[0] if self._trial else self.count

    def record(self, count, seconds):
        """A step was taken with ``count`` helpers in ``seconds``."""
        if self._trial and count != self._trial[0]:
            return  # not the step the trial asked for (a minibatch too small to share out)
        if not self._trial:
            self._left -= 1
            if self._left <= 0:
                other = self.count + 1 if self._up else self.count - 1
                if not 0 <= other <= self._available:
                    other = self.count - 1 if self._up else self.count + 1
                self._up = not self._up
                if 0 <= other <= self._available:
                    self._start_trial(other)
                else:
                    self._left = self.KEEP_STEPS
            return
        self._trial.pop(0)
        self._times[count].append(seconds)
        if self._trial:
            return
        medians = {mode: float(np.median(times[self.WARMUP_STEPS:])) for mode, times in self._times.items()}
        other, self.trying = self.trying, None
        if medians[other] < medians[self.count]:
            step = other - self.count
            self.count = other
            if 0 <= other + step <= self._available:  # keep going the way that paid
                return self._start_trial(other + step)
        self._left = self.KEEP_STEPS

    def _start_trial(self, other):
        self.trying = other
        self._trial = [other, self.count] * self.TRIAL_STEPS
        self._times = {other: [], self.count: []}
