"""A writer's own digits and their file: an .npz of two uint8 arrays, read without pickles.

``images`` (N, 784): 28x28 drawings as the network saw them (0..255), ``labels`` (N,): what each really is.
Nothing else may be in the file; every problem on load raises DigitsFileError with a readable message.
"""
import io
import zipfile

import numpy as np

from .mnist import INPUT_SIZE, NUM_CLASSES

MAX_DIGITS = 1000  # far more than anyone corrects by hand; bounds the file and the fine-tuning set
NPY_HEADER_ALLOWANCE = 4096
MAX_FILE_BYTES = MAX_DIGITS * (INPUT_SIZE + 1) + 4 * NPY_HEADER_ALLOWANCE  # refused unread above this
NAMES = ("images", "labels")
FILES = sorted(name + ".npy" for name in NAMES)  # the archive's members, as a digits file holds them


class DigitsFileError(ValueError):
    """A digits file that cannot be used; the message says why."""


def check_digits(images, labels):
    """Your digits as (uint8 (N, 784), uint8 (N,)); ValueError says what is wrong."""
    images, labels = np.asarray(images), np.asarray(labels)
    if images.dtype != np.uint8:
        raise ValueError(f"digit images must be uint8 pixels 0..255, got {images.dtype}")
    if images.ndim == 3 and images.shape[1:] == (28, 28):
        images = images.reshape(len(images), INPUT_SIZE)
    if images.ndim != 2 or images.shape[1] != INPUT_SIZE:
        raise ValueError(f"digit images must have shape (N, {INPUT_SIZE}), got {images.shape}")
    if not 1 <= len(images) <= MAX_DIGITS:
        raise ValueError(f"between 1 and {MAX_DIGITS} digits are needed, got {len(images)}")
    if labels.shape != (len(images),) or labels.dtype.kind not in "iu":
        raise ValueError(f"digit labels must be {len(images)} integers, got {labels.dtype} {labels.shape}")
    if labels.min() < 0 or labels.max() >= NUM_CLASSES:
        raise ValueError(f"digit labels must be 0 to {NUM_CLASSES - 1}, got {labels.min()}..{labels.max()}")
    return images, labels.astype(np.uint8)


def digits_to_bytes(images, labels):
    """The .npz bytes of your digits."""
    images, labels = check_digits(images, labels)
    buffer = io.BytesIO()
    np.savez_compressed(buffer, images=images, labels=labels)
    return buffer.getvalue()


def digits_from_bytes(data, source="the digits file"):
    """Validate .npz bytes -> (images uint8 (N, 784), labels uint8 (N,)); DigitsFileError for any problem."""
    if len(data) > MAX_FILE_BYTES:
        raise DigitsFileError(f"{source} is {len(data) / 1e6:.1f} MB; digits files are at most {MAX_FILE_BYTES / 1e6:.1f} MB")
    try:
        return _parse(bytes(data), source)
    except DigitsFileError:
        raise
    except Exception as error:  # whatever a damaged zip or .npy makes numpy/zipfile raise
        raise DigitsFileError(f"{source} is damaged or not a digits file ({type(error).__name__}: {error})") from error


def _parse(data, source):
    if not data.startswith(b"PK"):
        raise DigitsFileError(f"{source} is not an .npz digits file (not a zip archive)")
    with zipfile.ZipFile(io.BytesIO(data)) as archive_zip:
        sizes = {info.filename: info.file_size for info in archive_zip.infolist()}
    from .modelio import HEADER_NAME  # here: modelio imports this module's FILES to say the converse
    if HEADER_NAME + ".npy" in sizes:  # the other upload button's file
        raise DigitsFileError(f"{source} is a model file, not digits: load it with Upload model, under Keep your model")
    if sorted(sizes) != FILES:
        raise DigitsFileError(f"{source} must hold exactly the arrays images and labels, found {sorted(sizes)}")
    # The claimed unpacked sizes bound what np.load may inflate: a zip bomb is refused before it is read.
    if sizes["images.npy"] > MAX_DIGITS * INPUT_SIZE + NPY_HEADER_ALLOWANCE or sizes["labels.npy"] > MAX_DIGITS * 8 + NPY_HEADER_ALLOWANCE:
        raise DigitsFileError(f"{source} holds more than {MAX_DIGITS} digits")
    with np.load(io.BytesIO(data), allow_pickle=False) as archive:
        images, labels = archive["images"], archive["labels"]
    try:
        return check_digits(images, labels)
    except ValueError as error:
        raise DigitsFileError(f"{source}: {error}") from error
