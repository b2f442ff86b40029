"""Deskewing: shear each image so that its ink stands upright, the classic MNIST preprocessing.

Slant is the commonest way two writings of a digit differ. Measured from the ink's second moments
(how x moves with y), it is undone by sliding each row sideways in proportion to its height above
the centre of mass; a network then spends none of its few first updates learning slants. A model
trained on deskewed images carries ``deskew`` and applies it to every input (mlp_core.model).
"""
import numpy as np

from .mnist import IMAGE_SIDE

MAX_SLANT = 1.0  # x moves at most this far per row of height: steeper "slants" are shapes, not slants
CHUNK = 1024  # images per pass, so the index arrays stay a few MB


def slants(images):
    """Per image of (N, 784), how far the ink's x moves per row down (covariance of x and y / variance of y)."""
    square = np.asarray(images, dtype=np.float32).reshape(-1, IMAGE_SIDE, IMAGE_SIDE)
    along = np.arange(IMAGE_SIDE, dtype=np.float32)
    rows = square.sum(axis=2)  # ink per row
    mass = np.maximum(rows.sum(axis=1), np.float32(1e-6))
    mean_y = rows @ along / mass
    mean_x = square.sum(axis=1) @ along / mass
    var_y = rows @ (along * along) / mass - mean_y * mean_y
    cov_xy = (square @ along) @ along / mass - mean_x * mean_y
    slant = np.where(var_y > 1e-3, cov_xy / np.maximum(var_y, np.float32(1e-3)), np.float32(0))
    return np.clip(slant, -MAX_SLANT, MAX_SLANT), mean_y


def deskew(images):
    """(N, 784) images -> the same images sheared upright, same dtype and scale (uint8 is rounded back).

    Row y of an image with slant s and centre of mass at row c reads its pixels from x + s * (y - c),
    interpolated linearly between neighbours; ink that would come from outside the frame is blank.
    """
    images = np.asarray(images)
    out = np.empty_like(images)
    for start in range(0, len(images), CHUNK):
        out[start:start + CHUNK] = _deskew_chunk(images[start:start + CHUNK])
    return out


def _deskew_chunk(images):
    count, side = len(images), IMAGE_SIDE
    slant, centre = slants(images)
    offset = slant[:, None] * (np.arange(side, dtype=np.float32) - centre[:, None])  # (N, rows): where each row reads
    whole = np.floor(offset)
    fraction = (offset - whole).reshape(-1, 1)
    # Every row between blanks, so that a read up to a frame's width either side stays inside (|offset| < side).
    padded = np.zeros((count * side, 3 * side), dtype=images.dtype)
    padded[:, side:2 * side] = images.reshape(count * side, side)
    window = np.empty((count * side, side + 1), dtype=np.float32)  # each row's pixels from its offset on, and one more
    shift = whole.astype(np.intp).ravel()
    for k in np.unique(shift):  # the rows that move by k whole pixels, copied together
        rows = np.flatnonzero(shift == k)
        window[rows] = padded[rows, side + k:2 * side + k + 1]
    sheared = (window[:, :-1] + fraction * (window[:, 1:] - window[:, :-1])).reshape(count, side * side)
    if images.dtype == np.uint8:  # a blend of two pixels stays in 0..255: + 0.5 and truncation round it
        sheared += np.float32(0.5)
        return sheared.astype(np.uint8)
    return sheared.astype(images.dtype, copy=False)
