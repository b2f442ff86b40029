"""The Model: a network plus what it needs to take raw pixels (deskewing, input normalisation) and its metadata."""
import math

import numpy as np

from .deskew import deskew
from .nn import softmax

PREDICT_CHUNK = 2048  # rows per forward pass when predicting, so memory stays bounded for any N


class Model:
    """``predict_proba`` takes raw pixels in [0, 1], deskews them if the model was trained so
    (mlp_core.deskew) and normalises them as (x - input_mean) / input_std.

    The tutorial's model has mean 0 and std 1 (pixels / 255 only) and no deskewing.
    """

    def __init__(self, network, input_mean=0.0, input_std=1.0, metadata=None, deskew=False):
        if not input_std > 0:
            raise ValueError(f"input_std must be positive, got {input_std}")
        self.network = network
        self.input_mean = float(input_mean)
        self.input_std = float(input_std)
        self.deskew = bool(deskew)
        self.metadata = dict(metadata or {})

    @property
    def sizes(self):
        return self.network.sizes

    @property
    def dtype(self):
        return self.network.dtype

    def prepare(self, pixels):
        """Raw pixels (uint8 or [0, 1]) as this model saw its training images: deskewed if it was trained so."""
        return deskew(pixels) if self.deskew else pixels

    def normalise(self, x01):
        """Raw pixels in [0, 1] -> network input in the model's dtype."""
        if self.input_mean == 0.0 and self.input_std == 1.0:
            return np.asarray(x01, dtype=self.dtype)
        x = np.array(x01, dtype=self.dtype)  # a copy of our own, so the two steps below work in place
        x -= self.dtype.type(self.input_mean)
        x /= self.dtype.type(self.input_std)
        return x

    def normalise_uint8(self, pixels, out=None):
        """uint8 pixels (0..255) -> network input, written into ``out`` if given (no float64 detour).

        (pixel - 255 mean) / (255 std) in two passes; with mean 0 and std 1 this is pixel / 255
        computed as a division, exactly the tutorial's float values.
        """
        out = np.subtract(pixels, self.dtype.type(255.0 * self.input_mean), out=out, dtype=self.dtype)
        return np.divide(out, self.dtype.type(255.0 * self.input_std), out=out)

    def network_input(self, pixels, out=None):
        """Prepared uint8 pixels (0..255) or floats in [0, 1] -> network input (``out`` is used for uint8 only)."""
        return self.normalise_uint8(pixels, out=out) if pixels.dtype == np.uint8 else self.normalise(pixels)

    def logits(self, x01):
        x = self._check_input(x01)
        chunks = [self.network.infer(self.normalise(self.prepare(x[i:i + PREDICT_CHUNK]))) for i in range(0, len(x), PREDICT_CHUNK)]
        if not chunks:
            return np.zeros((0, self.sizes[-1]), dtype=self.dtype)
        return np.concatenate(chunks)

    def predict_proba(self, x01):
        """(N, 784) raw pixels in [0, 1] -> (N, 10) class probabilities."""
        return self.probabilities(self.logits(x01))

    def probabilities(self, logits):
        """Logits -> probabilities, divided by the metadata's calibrated "temperature" when it has one
        (mlp_core.confidence; predictions stay the same)."""
        temperature = self.metadata.get("temperature")
        if isinstance(temperature, (int, float)) and math.isfinite(temperature) and temperature > 0:
            logits = logits / logits.dtype.type(temperature)  # a new array: the caller's logits stay as they are
        return softmax(logits)

    def predict(self, x01):
        """(N, 784) raw pixels in [0, 1] -> (N,) predicted labels."""
        return self.logits(x01).argmax(axis=-1)

    def accuracy(self, images_uint8, labels):
        """Fraction of uint8 images (N, 784) whose prediction matches ``labels``: the one test-accuracy measure.

        Pixels go through predict as images / 255 in float32, the same values the tutorial feeds.
        """
        images_uint8 = np.asarray(images_uint8)
        if images_uint8.dtype != np.uint8:
            raise ValueError(f"accuracy expects uint8 pixel values 0..255, got dtype {images_uint8.dtype}")
        labels = np.asarray(labels)
        if labels.shape != (len(images_uint8),):
            raise ValueError(f"expected {len(images_uint8)} labels, got shape {labels.shape}")
        return float(np.mean(self.predict(images_uint8 / np.float32(255)) == labels))

    def _check_input(self, x):
        x = np.asarray(x)
        if x.ndim != 2 or x.shape[1] != self.sizes[0]:
            raise ValueError(f"expected inputs of shape (N, {self.sizes[0]}), got {x.shape}")
        if x.dtype.kind != "f":
            raise ValueError(f"expected float pixel values in [0, 1] (raw pixels / 255), got dtype {x.dtype}")
        return x
