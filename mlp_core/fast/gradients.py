"""The page's gradient strategy: PlainGradients' step with other product layouts and blank columns skipped.

Tested equal to mlp_core.trainer.PlainGradients (tests/test_fast.py). It reads the network's params and
fills its grads, so the same network trains with either strategy.
"""
from dataclasses import dataclass

import numpy as np

from ..nn import Dense
from ..trainer import PlainGradients
from .ink import InkedPixels, inked_forward, inked_weight_grad
from .products import PYODIDE

# Skip the blank input columns only when enough are blank to repay the gathers and scatters,
# ~0.3 ms a step in Pyodide, about 3% of a full first layer's products.
MAX_ACTIVE_FRACTION = 0.9


@dataclass
class BlankColumns:
    """A batch of which only the ``active`` columns vary; every other column holds the one value ``fill``.

    MNIST's border pixels are 0 in every image of a minibatch (about a third of the 784 at batch 128),
    and the input normalisation maps 0 to one scalar, so the first Dense layer can multiply the active
    columns only and add the blank ones' share as fill * (sum of their weight rows): the same sum in
    another order. Pyodide has no BLAS, so that third is a third of the first layer's time there.
    """

    values: np.ndarray  # (B, len(active)): the active columns, normalised
    active: np.ndarray  # indices of the columns that vary
    blank: np.ndarray  # indices of the columns that all hold ``fill``
    fill: object  # a scalar of the values' dtype

    def rows(self, start, stop):
        return BlankColumns(self.values[start:stop], self.active, self.blank, self.fill)


def used_columns(pixels):
    """Mask of the columns of ``pixels`` holding any nonzero value."""
    if pixels.dtype == np.uint8:
        return np.bitwise_or.reduce(pixels, axis=0) != 0  # 2x faster than any() in Pyodide
    return pixels.any(axis=0)


class FastGradients(PlainGradients):
    """PlainGradients with the dense products of ``products`` and, if ``skip_blank_columns``, BlankColumns inputs.

    ``inked_first_layer``: the first Dense layer of a BlankColumns batch sums each image's inked pixels' weight
    rows instead of multiplying all of its active columns (mlp_core/fast/ink.py); it implies BlankColumns inputs.
    """

    def __init__(self, model, products=PYODIDE, skip_blank_columns=True, inked_first_layer=False):
        super().__init__(model)
        self.products = products
        self.skip_blank_columns = skip_blank_columns
        self.inked_first_layer = inked_first_layer
        self._dense_inputs = []

    def inputs(self, pixels):
        if self.skip_blank_columns or self.inked_first_layer:
            used = used_columns(pixels)
            active = np.flatnonzero(used)
            if self.inked_first_layer or len(active) <= MAX_ACTIVE_FRACTION * pixels.shape[1]:
                fill = self.model.network_input(np.zeros((1, 1), dtype=pixels.dtype))[0, 0]  # what a blank pixel becomes
                return BlankColumns(self.model.network_input(pixels[:, active]), active, np.flatnonzero(~used), fill)
        return super().inputs(pixels)

    def rows(self, inputs, start, stop):
        return inputs.rows(start, stop) if isinstance(inputs, BlankColumns) else inputs[start:stop]

    def forward(self, x):
        self._dense_inputs = []
        if self.inked_first_layer and isinstance(x, BlankColumns):
            x = InkedPixels.of(x)  # the first layer is the first Dense: a Sequential.mlp starts with one
        for layer in self.network.layers:
            if isinstance(layer, Dense):
                self._dense_inputs.append(x)
                x = self.dense_forward(layer, x)
            else:
                x = layer.forward(x)
        return x

    def infer(self, x):
        """forward with this strategy's products, nothing kept (evaluation: in Pyodide `@` is 2-3x slower).
        With ``inked_first_layer`` a BlankColumns batch's first layer sums each image's inked pixels' weight rows:
        for inference only the per-image lists are built, ~35% less time than all columns on MNIST test in Pyodide."""
        if self.inked_first_layer and isinstance(x, BlankColumns):
            x = InkedPixels.of(x, by_pixel=False)
        for layer in self.network.layers:
            x = self.dense_forward(layer, x) if isinstance(layer, Dense) else layer.infer(x)
        return x

    def backward(self, grad):
        inputs = iter(reversed(self._dense_inputs))
        layers = self.network.layers
        for i in range(len(layers) - 1, -1, -1):
            if isinstance(layers[i], Dense):
                grad = self.dense_backward(layers[i], next(inputs), grad, need_input_grad=i > 0)
            else:
                grad = layers[i].backward(grad)

    def dense_forward(self, layer, x):
        """x @ W + b, for x an array, BlankColumns or InkedPixels."""
        weights, biases = layer.weights, layer.biases
        if isinstance(x, InkedPixels):
            out = inked_forward(x, weights)
            out += biases
            return out
        if isinstance(x, BlankColumns):
            out = self.products.forward(x.values, weights[x.active])
            out += x.fill * weights[x.blank].sum(axis=0) + biases
            return out
        out = self.products.forward(x, weights)
        out += biases
        return out

    def dense_backward(self, layer, x, grad, need_input_grad):
        """Dense.backward's three products, written into the layer's existing grads (optimizers hold them)."""
        np.sum(grad, axis=0, out=layer.grads["biases"])
        if isinstance(x, InkedPixels):
            inked_weight_grad(x, grad, layer.grads["biases"], out=layer.grads["weights"])
        elif isinstance(x, BlankColumns):
            layer.grads["weights"][x.active] = self.products.weight_grad(x.values, grad)
            layer.grads["weights"][x.blank] = x.fill * layer.grads["biases"]  # a blank row's gradient: fill * sum of grad
        else:
            self.products.weight_grad(x, grad, out=layer.grads["weights"])
        return self.products.input_grad(grad, layer.weights) if need_input_grad else None
