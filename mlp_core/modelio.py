"""Model files: an .npz of plain arrays plus one JSON header, validated strictly on load.

Layout: ``model_json`` (uint8, the UTF-8 JSON header: format, version, sizes, dtype, input
deskewing and normalisation, metadata) and ``weights_<i>`` (in, out), ``biases_<i>`` (out,) per dense layer.
Nothing is ever unpickled; every problem on load raises ModelFileError with a readable message.
"""
import io
import json
import math
import zipfile
from pathlib import Path

import numpy as np

from .digitsio import FILES as DIGITS_FILES
from .mnist import IMAGE_SIDE, INPUT_SIZE, NUM_CLASSES
from .model import Model
from .nn import Dense, ReLU, Sequential

FORMAT = "mlp_core.model"
FORMAT_VERSION = 1
MAX_MODEL_BYTES = 20 * 1024 * 1024  # refused before parsing: far above any model the page trains
MAX_UNPACKED_BYTES = 64 * 1024 * 1024  # bound on the arrays' total size, whatever the zip claims
MAX_HEADER_BYTES = 1024 * 1024
MAX_LAYERS = 16
MAX_WIDTH = 4096
NPY_HEADER_ALLOWANCE = 4096  # bytes of .npy header allowed on top of an array's data
DTYPES = ("float32", "float64")
HEADER_NAME = "model_json"


class ModelFileError(ValueError):
    """A model file that cannot be used; the message says why."""


def _array_names(layer_count):
    names = [HEADER_NAME]
    for i in range(layer_count):
        names += [f"weights_{i}", f"biases_{i}"]
    return names


def model_to_bytes(model):
    """The .npz bytes of ``model``; a model whose outputs can be NaN or infinite is never written."""
    check_outputs(model, "this model")
    header = {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "sizes": [int(s) for s in model.sizes],
        "activation": "relu",
        "dtype": str(model.dtype),
        "input_mean": model.input_mean,
        "input_std": model.input_std,
        "deskew": model.deskew,
        "metadata": model.metadata,
    }
    text = json.dumps(header, allow_nan=False, sort_keys=True)
    arrays = {HEADER_NAME: np.frombuffer(text.encode("utf-8"), dtype=np.uint8)}
    for i, layer in enumerate(model.network.dense_layers()):
        arrays[f"weights_{i}"] = layer.weights
        arrays[f"biases_{i}"] = layer.biases
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)
    return buffer.getvalue()


def save_model(model, path):
    Path(path).write_bytes(model_to_bytes(model))


def load_model(path):
    """Read and validate a model file; ModelFileError for any problem."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_MODEL_BYTES:
            raise ModelFileError(_too_big(size, path))
        data = path.read_bytes()
    except OSError as error:
        raise ModelFileError(f"cannot read model file {path}: {error.strerror or error}") from error
    return model_from_bytes(data, source=str(path))


def model_from_bytes(data, source="the model file"):
    """Validate and build a Model from .npz bytes; ModelFileError for any problem."""
    if len(data) > MAX_MODEL_BYTES:
        raise ModelFileError(_too_big(len(data), source))
    try:
        return _parse(bytes(data), source)
    except ModelFileError:
        raise
    except Exception as error:  # whatever a damaged zip or .npy makes numpy/zipfile raise
        raise ModelFileError(f"{source} is damaged or not a model file ({type(error).__name__}: {error})") from error


def _too_big(size, source):
    return f"{source} is {size / 1e6:.1f} MB; model files are at most {MAX_MODEL_BYTES / 1e6:.0f} MB"


def _parse(data, source):
    if not data.startswith(b"PK"):
        raise ModelFileError(f"{source} is not a model file: not even an .npz archive (a model file is what Download model saves)")
    with zipfile.ZipFile(io.BytesIO(data)) as archive_zip:
        unpacked_sizes = {info.filename: info.file_size for info in archive_zip.infolist()}
    if sum(unpacked_sizes.values()) > MAX_UNPACKED_BYTES:
        raise ModelFileError(f"{source} unpacks to more than {MAX_UNPACKED_BYTES / 1e6:.0f} MB")
    if sorted(unpacked_sizes) == DIGITS_FILES:
        raise ModelFileError(f"{source} is a file of your digits, not a model: load it with Upload digits, under the drawing pad")
    if unpacked_sizes.get(HEADER_NAME + ".npy", MAX_HEADER_BYTES + 1) > MAX_HEADER_BYTES:
        raise ModelFileError(f"{source} is an .npz archive, but not a model saved by this app: it has no model description "
                             f"({HEADER_NAME}, at most {MAX_HEADER_BYTES // 1024} KB)")

    with np.load(io.BytesIO(data), allow_pickle=False) as archive:
        header = _read_header(archive[HEADER_NAME], source)
        sizes, dtype = header["sizes"], np.dtype(header["dtype"])
        expected = _array_names(len(sizes) - 1)
        if sorted(archive.files) != sorted(expected):
            unexpected = sorted(set(archive.files) - set(expected))
            missing = sorted(set(expected) - set(archive.files))
            raise ModelFileError(f"{source} has the wrong arrays (unexpected: {unexpected or 'none'}, missing: {missing or 'none'})")
        layers = []
        for i, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:])):
            weights = _read_array(archive, unpacked_sizes, f"weights_{i}", (fan_in, fan_out), dtype, source)
            biases = _read_array(archive, unpacked_sizes, f"biases_{i}", (fan_out,), dtype, source)
            if i > 0:
                layers.append(ReLU())
            layers.append(Dense(weights, biases))
    model = Model(Sequential(layers), header["input_mean"], header["input_std"], header["metadata"], deskew=header.get("deskew", False))
    return check_outputs(model, source)


PROBE_SEED = 0
PROBE_ROWS = 16
OUTPUT_HEADROOM = 1e3  # a layer's bound must stay this far below the dtype's largest float (rounding, sums)


def output_bound(model):
    """An upper bound (float64) on |value| of every layer's output for any input in [0, 1], by interval
    arithmetic: |x @ W + b| <= |x| @ |W| + |b| elementwise; ReLU only shrinks values."""
    low, high = (0.0 - model.input_mean) / model.input_std, (1.0 - model.input_mean) / model.input_std
    bound = np.full(model.sizes[0], max(abs(low), abs(high)))
    worst = 0.0
    with np.errstate(over="ignore", invalid="ignore"):
        for layer in model.network.dense_layers():
            bound = bound @ np.abs(layer.weights.astype(np.float64)) + np.abs(layer.biases.astype(np.float64))
            worst = max(worst, float(bound.max()))
    return worst if math.isfinite(worst) else math.inf


def check_outputs(model, source):
    """``model`` back if its outputs are finite for every input in [0, 1] (the bound) and on a probe batch
    (blank, full and random images); else ModelFileError: such a model would answer NaN."""
    limit = float(np.finfo(model.dtype).max) / OUTPUT_HEADROOM
    bound = output_bound(model)
    if not bound < limit:
        raise ModelFileError(f"{source} is refused: its weights are so large that its outputs can overflow "
                             f"(a layer can reach {bound:.3g}, the limit for {model.dtype} is {limit:.3g}); "
                             "it would answer NaN")
    rng = np.random.default_rng(PROBE_SEED)
    probe = np.concatenate([np.zeros((1, INPUT_SIZE)), np.ones((1, INPUT_SIZE)), rng.random((PROBE_ROWS - 2, INPUT_SIZE))])
    with np.errstate(all="ignore"):
        probs = model.predict_proba(probe.astype(model.dtype))
    if not np.all(np.isfinite(probs)):
        raise ModelFileError(f"{source} is refused: it answers NaN or infinite probabilities on test images")
    return model


def _read_header(array, source):
    if array.dtype != np.uint8 or array.ndim != 1:
        raise ModelFileError(f"{source}: {HEADER_NAME} must be UTF-8 bytes")
    try:
        header = json.loads(array.tobytes().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ModelFileError(f"{source}: its JSON header is unreadable ({error})") from error
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise ModelFileError(f"{source} is not an {FORMAT} file")
    if header.get("version") != FORMAT_VERSION:
        raise ModelFileError(f"{source} has format version {header.get('version')!r}; this code reads version {FORMAT_VERSION}")
    sizes = header.get("sizes")
    if (
        not isinstance(sizes, list)
        or not 2 <= len(sizes) <= MAX_LAYERS + 1
        or not all(type(s) is int and 1 <= s <= MAX_WIDTH for s in sizes)
    ):
        raise ModelFileError(f"{source}: layer sizes must be 2 to {MAX_LAYERS + 1} integers in [1, {MAX_WIDTH}], got {sizes!r}")
    if sizes[0] != INPUT_SIZE or sizes[-1] != NUM_CLASSES:
        raise ModelFileError(
            f"{source} is a model for {sizes[0]} inputs and {sizes[-1]} classes; "
            f"this app needs {INPUT_SIZE} inputs ({IMAGE_SIDE}x{IMAGE_SIDE} pixels) and {NUM_CLASSES} classes"
        )
    if header.get("activation") != "relu":
        raise ModelFileError(f"{source}: unsupported activation {header.get('activation')!r} (only relu)")
    if header.get("dtype") not in DTYPES:
        raise ModelFileError(f"{source}: dtype must be one of {', '.join(DTYPES)}, got {header.get('dtype')!r}")
    mean, std = header.get("input_mean"), header.get("input_std")
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in (mean, std)) or not std > 0:
        raise ModelFileError(f"{source}: input normalisation must be a finite mean and a positive std, got {mean!r}, {std!r}")
    if not isinstance(header.get("deskew", False), bool):  # absent in files written before deskewing existed
        raise ModelFileError(f"{source}: deskew must be true or false, got {header.get('deskew')!r}")
    if not isinstance(header.get("metadata"), dict):
        raise ModelFileError(f"{source}: metadata must be a JSON object")
    return header


def _read_array(archive, unpacked_sizes, name, shape, dtype, source):
    expected_bytes = int(np.prod(shape)) * dtype.itemsize
    if unpacked_sizes[name + ".npy"] > expected_bytes + NPY_HEADER_ALLOWANCE:
        raise ModelFileError(f"{source}: {name} is larger than a {dtype} array of shape {shape}")
    array = archive[name]
    if array.dtype != dtype or array.shape != shape:
        raise ModelFileError(f"{source}: {name} should be {dtype} of shape {shape}, got {array.dtype} of shape {array.shape}")
    if not np.all(np.isfinite(array)):
        raise ModelFileError(f"{source}: {name} holds NaN or infinite values")
    return array
