"""Both ends of a minibatch share in shared memory (web/js/share-buffer.js has the layout).

``SharedBufferHelper`` is the training worker's side of one helper worker: a helper of
mlp_core.fast.split.SplitGradients, it writes the weights and the helper's rows into that helper's
shared buffer and reads the gradients back.
``HelperSide`` is the helper worker's: it reads a share, computes it with mlp_core.fast.HelperGradients
and writes the gradients. Every crossing is one copy between NumPy and a typed array (``assign``/``assign_to``).
A share's numbers go by name (SHARE_FIELDS, SHARE_WAIT: web/js/protocol.js's SHARE and SHARE_WAIT).
"""
import json
import time

import numpy as np

from mlp_core.fast import PYODIDE, HelperError, HelperGradients, Share

SHARE_FIELDS = ("rows", "batch_size", "active", "fill")  # link.begin(...) and HelperSide.compute(...)
SHARE_WAIT = ("own_ms",)                                  # link.finish(...)


class SharedBufferHelper:
    """A helper worker as SplitGradients sees it; ``link`` is helper-link.js's (``link.index`` names the helper)."""

    def __init__(self, link, dtype):
        self.link = link
        self.index = int(link.index)
        self.dtype = np.dtype(dtype)
        self._gradients = np.empty(link.gradients.length, dtype=self.dtype)
        self._started = 0.0
        self.waited = 0.0  # seconds the last finish() waited for the helper (mlp_core.fast.split's helper interface)

    def start(self, weights, share):
        link = self.link
        link.weights.assign(weights)
        values = np.ascontiguousarray(share.values, dtype=self.dtype).ravel()
        link.values.subarray(0, values.size).assign(values)
        link.labels.subarray(0, len(share.labels)).assign(share.labels.astype(np.int32))
        active = 0
        if share.active is not None:
            active = len(share.active)
            link.active.subarray(0, active).assign(share.active.astype(np.int32))
        link.begin(rows=len(share.labels), batch_size=share.batch_size, active=active, fill=float(share.fill))
        self._started = time.perf_counter()

    def finish(self):
        waiting = time.perf_counter()
        own_ms = 1000 * (waiting - self._started)  # this side's rows took this long
        loss = self.link.finish(own_ms=own_ms)
        self.waited = time.perf_counter() - waiting
        if loss is None:
            raise HelperError(self.link.error)
        self.link.gradients.assign_to(self._gradients)
        return float(loss), self._gradients


class HelperSide:
    """The helper worker's end: computes the shares of one run (sizes and dtype fixed)."""

    def __init__(self, sizes_json, dtype, views):
        self.views = views
        self.sizes = tuple(json.loads(sizes_json))
        self.dtype = np.dtype(dtype)
        self.helper = HelperGradients(self.sizes, self.dtype, PYODIDE)  # Pyodide's numpy has no BLAS
        self._values = np.empty(views.values.length, dtype=self.dtype)
        self._active = np.empty(views.active.length, dtype=np.int32)
        self._labels = np.empty(views.labels.length, dtype=np.int32)

    def compute(self, *, rows, batch_size, active, fill):
        """The share's loss; its gradients go into the shared buffer."""
        views = self.views
        views.weights.assign_to(self.helper.weights)  # straight into the network's parameters
        columns = active or self.sizes[0]
        values = self._values[: rows * columns]
        views.values.subarray(0, values.size).assign_to(values)
        labels = self._labels[:rows]
        views.labels.subarray(0, rows).assign_to(labels)
        indices = None
        if active:
            indices = self._active[:active]
            views.active.subarray(0, active).assign_to(indices)
        share = Share(values.reshape(rows, columns), labels, int(batch_size), indices, float(fill))
        loss, grads = self.helper.gradients(self.helper.weights, share)
        views.gradients.assign(grads)
        return float(loss)
