"""Weight initialisers: draw a (fan_in, fan_out) matrix from a seeded random source."""
import numpy as np


def tutorial_init(rng, fan_in, fan_out, dtype):
    """The tutorial's normal init, scale sqrt(2 / (fan_in + fan_out)).

    Drawn with ``rng.normal(loc, scale, size)`` exactly as the tutorial does, so a
    ``np.random.RandomState(42)`` gives the tutorial's very weights.
    """
    scale = np.sqrt(2.0 / (fan_in + fan_out))
    weights = rng.normal(loc=0.0, scale=scale, size=(fan_in, fan_out))
    return weights.astype(dtype, copy=False)


def he_init(rng, fan_in, fan_out, dtype):
    """He (Kaiming) normal init, scale sqrt(2 / fan_in): keeps ReLU activations' variance steady."""
    scale = np.sqrt(2.0 / fan_in)
    weights = rng.normal(loc=0.0, scale=scale, size=(fan_in, fan_out))
    return weights.astype(dtype, copy=False)


INITIALISERS = {"tutorial": tutorial_init, "he": he_init}
