"""mlp_core: a small pure-NumPy multilayer perceptron for MNIST, the same code in CPython and Pyodide."""
from .modelio import ModelFileError, load_model, model_from_bytes, model_to_bytes, save_model
from .model import Model
from .nn import Sequential
from .recipes import DEFAULT_RECIPE, RECIPES, Recipe

__all__ = [
    "DEFAULT_RECIPE",
    "RECIPES",
    "Model",
    "ModelFileError",
    "Recipe",
    "Sequential",
    "load_model",
    "model_from_bytes",
    "model_to_bytes",
    "save_model",
]
