"""Layers with forward and backward passes.

A layer owns its parameters and their gradients (``params`` and ``grads``, dicts with the same
keys); optimizers only read ``grads`` and update ``params`` in place, so one network can be
trained by any optimizer.
"""
import numpy as np

from . import kernels


class Layer:
    """The interface: ``forward`` keeps what ``backward`` needs; ``backward`` fills ``grads``."""

    params: dict
    grads: dict

    def forward(self, x):
        raise NotImplementedError

    def infer(self, x):
        """The same output as ``forward``, keeping nothing: prediction must not hold its activations."""
        raise NotImplementedError

    def backward(self, grad_out, need_input_grad=True):
        """Take dLoss/dOutput, store dLoss/dParams in ``self.grads``, return dLoss/dInput.

        The first layer's input gradient is never used: with need_input_grad=False it is skipped
        (for the first dense layer that is a quarter of all the arithmetic of a step) and None returned.
        """
        raise NotImplementedError


class BlankColumns:
    """A batch of which only the ``active`` columns vary; every other column holds the one value ``fill``.

    MNIST's border pixels are 0 in every image of a minibatch (about a third of the 784 at batch 128),
    and the input normalisation maps 0 to one scalar, so the first Dense layer can multiply the active
    columns only and add the blank ones' share as fill * (sum of their weight rows): the same sum in
    another order. Pyodide has no BLAS, so that third is a third of the first layer's time there.
    """

    def __init__(self, values, active, blank, fill):
        self.values = values  # (B, len(active)): the active columns, normalised
        self.active = active  # indices of the columns that vary
        self.blank = blank  # indices of the columns that all hold ``fill``
        self.fill = fill  # a scalar of the values' dtype


class Dense(Layer):
    """y = x @ W + b, with W of shape (in, out) as in the tutorial."""

    def __init__(self, weights, biases):
        weights = np.asarray(weights)
        biases = np.asarray(biases)
        if weights.ndim != 2 or biases.shape != (weights.shape[1],):
            raise ValueError(f"Dense needs weights (in, out) and biases (out,), got {weights.shape} and {biases.shape}")
        if weights.dtype != biases.dtype:
            raise ValueError(f"Dense weights and biases must share a dtype, got {weights.dtype} and {biases.dtype}")
        self.params = {"weights": weights, "biases": biases}
        self.grads = {"weights": np.zeros_like(weights), "biases": np.zeros_like(biases)}
        self._input = None

    @classmethod
    def initialised(cls, fan_in, fan_out, init, rng, dtype):
        """A fresh layer: weights from the initialiser function ``init``, zero biases (the tutorial's)."""
        return cls(init(rng, fan_in, fan_out, dtype), np.zeros(fan_out, dtype=dtype))

    @property
    def weights(self):
        return self.params["weights"]

    @property
    def biases(self):
        return self.params["biases"]

    def forward(self, x):
        """x: (B, in) array, or BlankColumns (the first layer's minibatch in the browser)."""
        self._input = x
        return self.infer(x)

    def infer(self, x):
        weights, biases = self.params["weights"], self.params["biases"]
        if isinstance(x, BlankColumns):
            out = kernels.forward_product(x.values, weights[x.active])
            out += x.fill * weights[x.blank].sum(axis=0) + biases
            return out
        out = kernels.forward_product(x, weights)
        out += biases
        return out

    def backward(self, grad_out, need_input_grad=True):
        # Write into the existing gradient arrays: optimizers hold references to them.
        np.sum(grad_out, axis=0, out=self.grads["biases"])
        x = self._input
        if isinstance(x, BlankColumns):
            self.grads["weights"][x.active] = kernels.weight_grad(x.values, grad_out)
            self.grads["weights"][x.blank] = x.fill * self.grads["biases"]  # a blank row's gradient: fill * sum of grad_out
        else:
            kernels.weight_grad(x, grad_out, out=self.grads["weights"])
        if not need_input_grad:
            return None
        return kernels.input_grad(grad_out, self.params["weights"])


class ReLU(Layer):
    """max(0, x); no parameters."""

    def __init__(self):
        self.params = {}
        self.grads = {}
        self._output = None

    def forward(self, x):
        # Keep the output rather than a mask: backward needs only output > 0, and the output exists anyway.
        self._output = self.infer(x)
        return self._output

    def infer(self, x):
        return np.maximum(x, 0, dtype=x.dtype)

    def backward(self, grad_out, need_input_grad=True):
        return grad_out * (self._output > 0) if need_input_grad else None
