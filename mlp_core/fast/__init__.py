"""The fast variants of mlp_core/nn.py and trainer.PlainGradients, each chosen by an explicit argument.

- products: the dense layer's three matrix products in einsum layouts (Pyodide has no BLAS);
- gradients: FastGradients, a gradient strategy with those products and blank input columns skipped;
- ink: InkedPixels, the first layer's products summed from each image's inked pixels (FastGradients' inked_first_layer);
- adamw: FusedAdamW, nn.AdamW in fewer passes over memory;
- split: SplitGradients, a gradient strategy sharing each minibatch out among helper workers.
Every one is tested equal to its textbook twin in tests/test_fast.py.
"""
from .adamw import FusedAdamW
from .gradients import BlankColumns, FastGradients
from .products import BLAS, EINSUM, PRODUCTS, PYODIDE, Products
from .split import HelperError, HelperGradients, Share, SplitChooser, SplitGradients

__all__ = ["BLAS", "EINSUM", "PRODUCTS", "PYODIDE", "BlankColumns", "FastGradients", "FusedAdamW", "HelperError",
           "HelperGradients", "Products", "Share", "SplitChooser", "SplitGradients"]
