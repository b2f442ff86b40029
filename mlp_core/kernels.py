"""The three matrix products of a dense layer, one function each.

CPython's numpy has BLAS, where ``@`` is fastest for all three. Pyodide's numpy has no BLAS;
there ``np.einsum`` (plain C loops) beats ``@``, and the transposed-left ``x.T @ g`` is the slowest
layout of all. The layouts used under Pyodide were chosen by measuring each candidate in
Pyodide 0.27.7 / numpy 2.0.2 (bench/speed_probe.py; results in bench/reports/core.md).
"""
import sys

import numpy as np

IN_BROWSER = sys.platform == "emscripten"


# --- BLAS (CPython) -------------------------------------------------------------------------------
def blas_forward(x, weights):
    """x @ weights: (B, in) x (in, out) -> (B, out)"""
    return x @ weights


def blas_weight_grad(x, grad_out, out=None):
    """x.T @ grad_out: (B, in) x (B, out) -> (in, out), written into ``out`` if given"""
    return np.matmul(x.T, grad_out, out=out)


def blas_input_grad(grad_out, weights):
    """grad_out @ weights.T: (B, out) x (in, out) -> (B, in)"""
    return grad_out @ weights.T


# --- Pyodide (no BLAS) ------------------------------------------------------------------------
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


KERNELS = {
    "blas": (blas_forward, blas_weight_grad, blas_input_grad),
    "einsum": (einsum_forward, einsum_weight_grad, einsum_input_grad),  # einsum everywhere (FACTS' first finding)
    "pyodide": (pyodide_forward, pyodide_weight_grad, pyodide_input_grad),  # per-shape choice, measured best
}


def use_kernels(name):
    """Switch the products used by every Dense layer (benchmarks compare them this way)."""
    global forward_product, weight_grad, input_grad
    forward_product, weight_grad, input_grad = KERNELS[name]


DEFAULT_KERNELS = "pyodide" if IN_BROWSER else "blas"
# Let the first layer skip the minibatch's all-blank input columns (layers.BlankColumns): measured
# in Pyodide (bench/reports/core.md); CPython's BLAS gains too little to pay for the gather.
SKIP_BLANK_COLUMNS = IN_BROWSER
use_kernels(DEFAULT_KERNELS)
