"""The three matrix products of a dense layer, in layouts to choose from by platform.

CPython's numpy has BLAS, where ``@`` is fastest for all three (nn.Dense uses it). Pyodide's numpy has
no BLAS; there ``np.einsum`` (plain C loops) beats ``@``, and the transposed-left ``x.T @ g`` is the
slowest layout of all. PYODIDE was chosen by measuring each candidate in Pyodide 0.27.7 / numpy 2.0.2
(bench/speed_probe.py; results in bench/reports/core.md).
"""
from typing import NamedTuple

import numpy as np


class Products(NamedTuple):
    forward: object  # (x (B, in), W (in, out)) -> x @ W
    weight_grad: object  # (x (B, in), grad (B, out), out=None) -> x.T @ grad, written into ``out`` if given
    input_grad: object  # (grad (B, out), W (in, out)) -> grad @ W.T


def blas_forward(x, weights):
    return x @ weights


def blas_weight_grad(x, grad_out, out=None):
    return np.matmul(x.T, grad_out, out=out)


def blas_input_grad(grad_out, weights):
    return grad_out @ weights.T


# Measured per product and layer (bench/reports/core.md, "products"): einsum beats `@` everywhere, and
# each product runs fastest when einsum's innermost loop runs along the longer of the layer's two axes
# (in, out), whether that loop is a dot product or a scaled row added to a row. The shorter loop
# costs 2-3x on the 10-unit output layer. Where that needs W.T, a contiguous transposed copy of the
# weights is made first: it costs one pass over W, a fraction of the product.


def _transposed(weights):
    return np.ascontiguousarray(weights.T)


def pyodide_forward(x, weights):
    if weights.shape[0] > weights.shape[1]:
        return np.einsum("bi,oi->bo", x, _transposed(weights))  # dot products along `in`
    return np.einsum("bi,io->bo", x, weights)  # rows of W along `out`


def pyodide_weight_grad(x, grad_out, out=None):
    """Without ``out`` the result may be a transposed view (it is copied into place by its user anyway)."""
    if grad_out.shape[1] >= x.shape[1]:
        return np.einsum("bi,bo->io", x, grad_out, out=out)
    # (grad_out.T x).T: the inner loop then runs along the longer input axis; one transposed copy into place.
    transposed = np.einsum("bo,bi->oi", grad_out, x)
    if out is None:
        return transposed.T
    out[...] = transposed.T
    return out


def pyodide_input_grad(grad_out, weights):
    if weights.shape[0] > weights.shape[1]:
        return np.einsum("bo,oi->bi", grad_out, _transposed(weights))  # rows of W.T along `in`
    return np.einsum("bo,io->bi", grad_out, weights)  # dot products along `out`


def einsum_forward(x, weights):
    return np.einsum("bi,io->bo", x, weights)


def einsum_weight_grad(x, grad_out, out=None):
    return np.einsum("bi,bo->io", x, grad_out, out=out)


def einsum_input_grad(grad_out, weights):
    return np.einsum("bo,io->bi", grad_out, weights)


BLAS = Products(blas_forward, blas_weight_grad, blas_input_grad)
EINSUM = Products(einsum_forward, einsum_weight_grad, einsum_input_grad)  # einsum everywhere: the first layout measured
PYODIDE = Products(pyodide_forward, pyodide_weight_grad, pyodide_input_grad)  # per-shape choice, measured best
PRODUCTS = {"blas": BLAS, "einsum": EINSUM, "pyodide": PYODIDE}
