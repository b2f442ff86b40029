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

    def backward(self, grad_out, need_input_grad=True):
        """Take dLoss/dOutput, store dLoss/dParams in ``self.grads``, return dLoss/dInput.

        The first layer's input gradient is never used: with need_input_grad=False it is skipped
        (for the first dense layer that is a quarter of all the arithmetic of a step) and None returned.
        """
        raise NotImplementedError


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
        self._input = x
        out = kernels.forward_product(x, self.params["weights"])
        out += self.params["biases"]
        return out

    def backward(self, grad_out, need_input_grad=True):
        # Write into the existing gradient arrays: optimizers hold references to them.
        kernels.weight_grad(self._input, grad_out, out=self.grads["weights"])
        np.sum(grad_out, axis=0, out=self.grads["biases"])
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
        # Keep the output, not a mask: prediction never pays for a mask it does not need.
        self._output = np.maximum(x, 0, dtype=x.dtype)
        return self._output

    def backward(self, grad_out, need_input_grad=True):
        return grad_out * (self._output > 0) if need_input_grad else None
