"""MNIST on disk and in memory: IDX reader, pinned hashes, locator, split, minibatches, shards."""
import gzip
import hashlib
import os
import struct
from pathlib import Path

import numpy as np

from .mnist import INPUT_SIZE

# The real MNIST files, uncompressed IDX, by sha256: load_mnist reads nothing else.
MNIST_FILES = {
    "train-images-idx3-ubyte": "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    "train-labels-idx1-ubyte": "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    "t10k-images-idx3-ubyte": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    "t10k-labels-idx1-ubyte": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
}
MNIST_DIR_ENV = "MNIST_DIR"  # the folder holding them, when a caller names none
VALIDATION_SIZE = 10_000  # the tutorial keeps the last 10,000 training images for validation (Recipe default too)

_IDX_DTYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def read_idx(source):
    """An IDX file (plain or gzip, told apart by its first bytes) as a numpy array.

    ``source`` is a path or the file's bytes. Raises ValueError for anything that is not IDX.
    """
    raw = Path(source).read_bytes() if isinstance(source, (str, os.PathLike)) else bytes(source)
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_DTYPES:
        raise ValueError("not an IDX file: bad magic number")
    dtype = np.dtype(_IDX_DTYPES[raw[2]])
    ndim = raw[3]
    header_end = 4 + 4 * ndim
    if len(raw) < header_end:
        raise ValueError("truncated IDX header")
    shape = struct.unpack(f">{ndim}I", raw[4:header_end])
    count = int(np.prod(shape, dtype=np.int64))
    if len(raw) != header_end + count * dtype.itemsize:
        raise ValueError(f"IDX size mismatch: header says {shape} of {dtype}, file has {len(raw) - header_end} data bytes")
    return np.frombuffer(raw, dtype=dtype, offset=header_end).reshape(shape).astype(dtype.newbyteorder("="))


def mnist_dir(directory=None):
    """``directory``, else $MNIST_DIR: a folder holding the four MNIST files; FileNotFoundError otherwise."""
    directory = directory or os.environ.get(MNIST_DIR_ENV)
    if not directory:
        raise FileNotFoundError(f"no MNIST folder given: pass one or set {MNIST_DIR_ENV} to a folder holding {', '.join(MNIST_FILES)}")
    missing = [name for name in MNIST_FILES if not (Path(directory) / name).is_file()]
    if missing:
        raise FileNotFoundError(f"{directory} does not hold the MNIST file(s) {', '.join(missing)}")
    return Path(directory)


_verified = {}  # (path, size, mtime_ns) -> True: hash each file once per process


def verify_mnist_file(path):
    """Check a file's sha256 against MNIST_FILES; ValueError on a mismatch."""
    path = Path(path)
    stat = path.stat()
    key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
    if key in _verified:
        return
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    expected = MNIST_FILES[path.name]
    if digest != expected:
        raise ValueError(f"{path} has sha256 {digest}, expected {expected}: not the real MNIST file, or damaged")
    _verified[key] = True


def load_mnist(directory=None):
    """Verified MNIST from ``directory`` (else $MNIST_DIR): dict(train_x uint8 (60000, 784), train_y, test_x, test_y)."""
    directory = mnist_dir(directory)
    arrays = {}
    for name in MNIST_FILES:
        verify_mnist_file(directory / name)
        arrays[name] = read_idx(directory / name)
    return {
        "train_x": arrays["train-images-idx3-ubyte"].reshape(-1, INPUT_SIZE),
        "train_y": arrays["train-labels-idx1-ubyte"],
        "test_x": arrays["t10k-images-idx3-ubyte"].reshape(-1, INPUT_SIZE),
        "test_y": arrays["t10k-labels-idx1-ubyte"],
    }


def split_validation(train_x, train_y, validation_size=VALIDATION_SIZE):
    """The tutorial's split: the last ``validation_size`` training images become the validation set."""
    if validation_size <= 0:
        return train_x, train_y, None, None
    if validation_size >= len(train_x):
        raise ValueError(f"validation size {validation_size} leaves no training images out of {len(train_x)}")
    return train_x[:-validation_size], train_y[:-validation_size], train_x[-validation_size:], train_y[-validation_size:]


def epoch_batches(count, batch_size, rng):
    """Index arrays of one shuffled epoch: ``rng.permutation(count)`` cut into full batches.

    The last partial batch is dropped, as in the tutorial's iterate_minibatches.
    """
    order = rng.permutation(count)
    return [order[start:start + batch_size] for start in range(0, count - batch_size + 1, batch_size)]


# Shard format (one per 5,000 images): 16-byte header, then the labels, then the images, row-major.
SHARD_MAGIC = b"MNISTSH1"
_SHARD_HEADER = struct.Struct("<8sII")  # magic, image count, pixels per image


def encode_shard(images, labels):
    """(N, 784) uint8 images and (N,) uint8 labels -> bytes (the build gzips them on top)."""
    images = np.asarray(images)
    labels = np.asarray(labels)
    if images.dtype != np.uint8 or labels.dtype != np.uint8:
        raise ValueError(f"shards hold uint8 images and labels, got {images.dtype} and {labels.dtype}")
    if images.ndim != 2 or images.shape[1] != INPUT_SIZE or labels.shape != (len(images),):
        raise ValueError(f"expected images (N, {INPUT_SIZE}) and labels (N,), got {images.shape} and {labels.shape}")
    header = _SHARD_HEADER.pack(SHARD_MAGIC, len(images), INPUT_SIZE)
    return header + labels.tobytes() + np.ascontiguousarray(images).tobytes()


def decode_shard(data):
    """bytes from encode_shard -> (images uint8 (N, 784), labels uint8 (N,)); ValueError if malformed."""
    data = bytes(data)
    if len(data) < _SHARD_HEADER.size:
        raise ValueError("shard too short for its header")
    magic, count, pixels = _SHARD_HEADER.unpack_from(data)
    if magic != SHARD_MAGIC or pixels != INPUT_SIZE:
        raise ValueError("not an MNIST shard (bad magic or image size)")
    if len(data) != _SHARD_HEADER.size + count * (1 + pixels):
        raise ValueError(f"shard of {count} images should be {_SHARD_HEADER.size + count * (1 + pixels)} bytes, got {len(data)}")
    labels = np.frombuffer(data, dtype=np.uint8, count=count, offset=_SHARD_HEADER.size)
    images = np.frombuffer(data, dtype=np.uint8, offset=_SHARD_HEADER.size + count).reshape(count, pixels)
    if count and labels.max() > 9:
        raise ValueError(f"shard labels must be digits 0-9, found {labels.max()}")
    return images, labels
