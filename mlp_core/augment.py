"""Training-time augmentation: random shifts, small rotations, scaling, slant, aspect, stroke thickness and
smooth local bends.

One random affine warp per image (plus, when asked, a smooth random displacement of every sample point),
sampled bilinearly with one batched gather, and one blend per image towards the max (thicker) or min
(thinner) of the four pixels around each sample point. Everything is vectorised across the batch: the page
may run this in Pyodide, where NumPy has no BLAS or SIMD.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from .mnist import IMAGE_SIDE

SIDE = IMAGE_SIDE
PIVOT = (SIDE - 1) / 2.0  # the image's middle (13.5), which warps turn and scale about


@dataclass(frozen=True)
class Strengths:
    """How far each random change may go; 0 switches it off. Each image draws uniformly in range."""

    shift: float = 2.0  # pixels, each axis, +-
    rotation: float = 12.0  # degrees, +-
    scale: float = 0.12  # relative, size in [1 - scale, 1 + scale]
    shear: float = 0.2  # horizontal slant, x += shear * y, +-
    thickness: float = 0.5  # blend towards the 2x2 max (thicker) or min (thinner) around each sample, +-
    aspect: float = 0.0  # width / height times exp(+-aspect), by narrowing one side: narrow and squat hands
    bend: float = 0.0  # pixels, +-: a coarse grid of random displacements, smoothly interpolated (a flag's angle, a hook's size)

    def __post_init__(self):
        for name in ("shift", "rotation", "scale", "shear", "thickness", "aspect", "bend"):
            value = getattr(self, name)
            if not (np.isfinite(value) and value >= 0):
                raise ValueError(f"augmentation strength {name} must be a finite number >= 0, not {value!r}")
        if self.scale >= 1:
            raise ValueError(f"augmentation strength scale must be below 1, not {self.scale!r}")
        if self.thickness > 1:
            raise ValueError(f"augmentation strength thickness must be at most 1, not {self.thickness!r}")


# The defaults used by the Trainer for recipes with augment=True (the shipped model).
DEFAULT_STRENGTHS = Strengths()
NO_AUGMENTATION = Strengths(shift=0.0, rotation=0.0, scale=0.0, shear=0.0, thickness=0.0)


def recipe_strengths(recipe) -> Strengths:
    """The strengths a recipe with augment=True trains with: the defaults and its own aspect and bend."""
    return replace(DEFAULT_STRENGTHS, aspect=recipe.augment_aspect, bend=recipe.augment_bend)


def augment_batch(x, rng: np.random.Generator, strengths: Strengths = DEFAULT_STRENGTHS) -> np.ndarray:
    """(B, 784) images in [0, 1] -> randomly changed copies, same shape and dtype, values in [0, 1]."""
    x = np.asarray(x)
    if x.ndim != 2 or x.shape[1] != SIDE * SIDE:
        raise ValueError(f"augment_batch expects images of shape (batch, {SIDE * SIDE}), got {x.shape}")
    if not np.issubdtype(x.dtype, np.floating):
        raise ValueError(f"augment_batch expects float pixels in [0, 1], got dtype {x.dtype}")
    if not isinstance(rng, np.random.Generator):
        raise ValueError(f"augment_batch expects a numpy.random.Generator, got {type(rng).__name__}")
    count = x.shape[0]
    if count == 0:
        return x.copy()
    inverse, shift = _random_affine(rng, strengths, count)
    thickness = _uniform(rng, strengths.thickness, count)
    bend = _random_bend(rng, strengths.bend, count)
    images = _warp(x.reshape(count, SIDE, SIDE).astype(np.float32, copy=False), inverse, shift, thickness, bend)
    return np.clip(images.reshape(count, SIDE * SIDE), 0.0, 1.0).astype(x.dtype, copy=False)


def _uniform(rng, half_width, count):
    """Uniform in [-half_width, +half_width]; exactly zero (no randomness drawn) when switched off."""
    if half_width == 0:
        return np.zeros(count, dtype=np.float32)
    return rng.uniform(-half_width, half_width, count).astype(np.float32)


def _random_affine(rng, strengths, count):
    """Per image: the (2, 2) matrix and (2,) shift mapping output (row, col) to source (row, col)."""
    angle = np.deg2rad(_uniform(rng, strengths.rotation, count))
    size = 1.0 + _uniform(rng, strengths.scale, count)
    shear = _uniform(rng, strengths.shear, count)
    shift = np.stack([_uniform(rng, strengths.shift, count), _uniform(rng, strengths.shift, count)], axis=1)
    aspect = np.exp(_uniform(rng, strengths.aspect, count).astype(np.float64))
    cos, sin = np.cos(angle), np.sin(angle)
    # Forward map (source -> output) in (row, col) coordinates: scale * rotation * slant * squeeze, where the
    # slant moves col by shear * row and the squeeze narrows one side only (a digit fills its box as
    # to_mnist lays it out, so neither side may grow). The sampler needs its inverse.
    rotation = np.empty((count, 2, 2), dtype=np.float64)
    rotation[:, 0, 0], rotation[:, 0, 1] = cos, -sin
    rotation[:, 1, 0], rotation[:, 1, 1] = sin, cos
    slant = np.zeros((count, 2, 2), dtype=np.float64)
    slant[:, 0, 0] = slant[:, 1, 1] = 1.0
    slant[:, 1, 0] = shear
    squeeze = np.zeros((count, 2, 2), dtype=np.float64)
    squeeze[:, 0, 0], squeeze[:, 1, 1] = np.minimum(1.0, 1.0 / aspect), np.minimum(1.0, aspect)
    forward = size[:, None, None] * (rotation @ slant @ squeeze)
    return np.linalg.inv(forward).astype(np.float32), shift.astype(np.float32)


# The bend's control grid: BEND_GRID x BEND_GRID random displacements, spread over the image by bilinear weights
# (one row per image row or column). A 4x4 grid moves the parts of a digit (a flag, a hook, a loop) apart from each
# other while every stroke stays smooth.
BEND_GRID = 4
_BEND_WEIGHTS = np.maximum(0.0, 1.0 - np.abs(np.linspace(0, BEND_GRID - 1, SIDE)[:, None] - np.arange(BEND_GRID))).astype(np.float32)


def _random_bend(rng, half_width, count):
    """Per image: (2, 784) displacements of the sample points (rows, then columns), or None when switched off."""
    if half_width == 0:
        return None
    grid = rng.uniform(-half_width, half_width, (count, 2, BEND_GRID, BEND_GRID)).astype(np.float32)
    return (_BEND_WEIGHTS @ grid @ _BEND_WEIGHTS.T).reshape(count, 2, SIDE * SIDE)


# Output pixel coordinates relative to the centre, shared by every batch.
_GRID_ROWS, _GRID_COLS = (np.mgrid[0:SIDE, 0:SIDE].reshape(2, -1).astype(np.float32) - np.float32(PIVOT))
_STRIDE = SIDE + 3  # padded image side: a zero border of one pixel before and two after


def _warp(images, inverse, shift, thickness, bend=None):
    """Bilinear resampling of each image through its own affine map, each sample point moved by ``bend`` when
    given (outside the image reads 0), blended per image towards the max (thickness > 0) or min (< 0) of the
    2x2 pixels around each sample point: a stroke up to one pixel wider or narrower."""
    count = images.shape[0]
    # Output pixel p samples the source at inverse @ (p - centre - shift) + centre; the +1 moves
    # coordinates into the padded frame.
    offset = np.float32(PIVOT + 1.0) - np.einsum("bij,bj->bi", inverse, shift)
    src_r = inverse[:, 0, 0:1] * _GRID_ROWS
    src_r += inverse[:, 0, 1:2] * _GRID_COLS
    src_r += offset[:, 0:1]
    src_c = inverse[:, 1, 0:1] * _GRID_ROWS
    src_c += inverse[:, 1, 1:2] * _GRID_COLS
    src_c += offset[:, 1:2]
    if bend is not None:
        src_r += bend[:, 0]
        src_c += bend[:, 1]
    # Outside the image, coordinates are pulled onto the zero border. Truncation is floor here
    # because the coordinates are >= 0. (maximum/minimum: np.clip is slow in Pyodide.)
    for coordinate in (src_r, src_c):
        np.maximum(coordinate, 0.0, out=coordinate)
        np.minimum(coordinate, float(SIDE + 1), out=coordinate)
    row = src_r.astype(np.int32)
    col = src_c.astype(np.int32)
    src_r -= row  # fractional parts
    src_c -= col
    # Each cell holds its 2x2 neighbourhood (top-left, top-right, bottom-left, bottom-right) as one
    # 16-byte item, so a single gather fetches all four bilinear neighbours (four separate gathers
    # are ~8x slower in Pyodide).
    padded = np.zeros((count, _STRIDE + 1, _STRIDE + 1), dtype=np.float32)
    padded[:, 1:SIDE + 1, 1:SIDE + 1] = images
    quads = np.empty((count, _STRIDE, _STRIDE, 4), dtype=np.float32)
    quads[..., 0] = padded[:, :-1, :-1]
    quads[..., 1] = padded[:, :-1, 1:]
    quads[..., 2] = padded[:, 1:, :-1]
    quads[..., 3] = padded[:, 1:, 1:]
    cells = row * _STRIDE
    cells += col
    cells += (np.arange(count, dtype=np.int32) * (_STRIDE * _STRIDE))[:, None]
    near = np.take(quads.view(np.complex128).reshape(-1), cells).view(np.float32).reshape(count, -1, 4)
    top_left, top_right, bottom_left, bottom_right = near[..., 0], near[..., 1], near[..., 2], near[..., 3]
    top = top_left + src_c * (top_right - top_left)
    bottom = bottom_left + src_c * (bottom_right - bottom_left)
    top += src_r * (bottom - top)
    if thickness.any():
        widest = np.maximum(np.maximum(top_left, top_right), np.maximum(bottom_left, bottom_right))
        narrowest = np.minimum(np.minimum(top_left, top_right), np.minimum(bottom_left, bottom_right))
        towards = np.where(thickness[:, None] > 0, widest, narrowest)
        towards -= top
        towards *= np.abs(thickness)[:, None]
        top += towards
    return top.reshape(count, SIDE, SIDE)
