"""Turn a drawing into a 28x28 image laid out the way MNIST was made.

MNIST digits were cropped to their ink, fitted into a 20x20 box keeping the aspect ratio (with
anti-aliasing), then placed in a 28x28 frame so that their centre of mass sits in the middle. `to_mnist`
does exactly that and keeps the stroke as drawn: the pen's width is left to the model, which learns it
from training-time augmentation and synthetic handwriting (augment.py, strokes.py). On drawings our own
code did not make, that beat thinning the ink to its skeleton and redrawing it with MNIST's pen by 5-9
points (issue 15); the skeleton redraw stays available as `normalise_stroke=True` for comparisons.

Everything is plain NumPy (no SciPy, no PIL) because it runs in the page under Pyodide.
"""

from __future__ import annotations

import numpy as np

from .mnist import IMAGE_SIDE

# Pixels at or above this value count as ink when finding the drawing's bounding box.
INK_LEVEL = 0.1
# A canvas whose total ink (sum of pixel values above INK_LEVEL) is below this is treated as empty.
MIN_TOTAL_INK = 2.0
# MNIST geometry: digit fitted into FIT_BOX x FIT_BOX, placed in SIZE x SIZE.
SIZE = IMAGE_SIDE
FIT_BOX = 20
# Where the centre of mass lands, in pixel-index coordinates (MNIST's own mean is about (14, 14)).
CENTRE = 14.0  # MNIST's mean centre of mass, not the image's middle (13.5)
# Pen width, in output pixels, of the redrawn stroke (normalise_stroke=True only): at this width the
# average ink of to_mnist(upsampled MNIST digit) matches the average ink of MNIST digits.
PEN_WIDTH = 2.3
# The stroke is redrawn SUPERSAMPLE times finer than the output and then area-averaged (anti-aliasing).
SUPERSAMPLE = 4
# The skeleton is found on an image whose longest side is THIN_BOX pixels; very thick strokes are
# thinned at a coarser scale so that thinning stays fast (its cost grows with the stroke width).
THIN_BOX = FIT_BOX * SUPERSAMPLE
MAX_THIN_WIDTH = 8.0
# A digit whose skeleton is tiny (a dot) is enlarged at most this much before redrawing.
MAX_ENLARGE = 3.0


def to_mnist(ink, *, normalise_stroke: bool = False) -> np.ndarray | None:
    """Drawing -> (28, 28) float32 in [0, 1], MNIST layout; None when there is no ink.

    `ink` is a 2-D array of any size with values in [0, 1], 1 meaning ink. NaN counts as no ink and
    values outside [0, 1] are clipped. Raises ValueError for anything that is not a 2-D numeric array.
    `normalise_stroke=True` thins the ink and redraws it with a pen of MNIST's width before the fit
    (the former default, kept for benchmarks that compare the two).
    """
    canvas = _as_canvas(ink)
    if canvas.size == 0:
        return None
    inked = canvas >= INK_LEVEL
    if float(canvas[inked].sum()) < MIN_TOTAL_INK:
        return None
    rows = np.flatnonzero(inked.any(axis=1))
    cols = np.flatnonzero(inked.any(axis=0))
    crop = canvas[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]
    if not normalise_stroke:
        return _place(fit_longest_side(crop, FIT_BOX * SUPERSAMPLE))

    binary = _binarise(fit_longest_side(crop, THIN_BOX))
    width = stroke_width(binary)
    if width > MAX_THIN_WIDTH:
        # Coarser image, thinner stroke in pixels: same skeleton shape, fewer thinning passes.
        box = max(8, int(THIN_BOX * MAX_THIN_WIDTH / width))
        binary = _binarise(fit_longest_side(crop, box))
    skeleton = thin(binary)
    if not skeleton.any():
        # Thinning removes a lone 2x2 block entirely: keep its centre instead.
        ys, xs = np.nonzero(binary)
        skeleton = np.zeros_like(binary)
        skeleton[int(round(ys.mean())), int(round(xs.mean()))] = True
    return _redraw(skeleton)


def _as_canvas(ink) -> np.ndarray:
    """Validate and clean the input: a 2-D float32 array with values in [0, 1]."""
    if isinstance(ink, (str, bytes)) or ink is None:
        raise ValueError(f"to_mnist expects a 2-D array of ink values, got {type(ink).__name__}")
    try:
        array = np.asarray(ink)
    except (TypeError, ValueError) as error:
        raise ValueError(f"to_mnist expects a 2-D array of ink values: {error}") from error
    if array.dtype == object or not (np.issubdtype(array.dtype, np.number) or array.dtype == bool):
        raise ValueError(f"to_mnist expects numeric ink values, got dtype {array.dtype}")
    if np.iscomplexobj(array):
        raise ValueError("to_mnist expects real ink values, got complex numbers")
    if array.ndim != 2:
        raise ValueError(f"to_mnist expects a 2-D array (height, width), got shape {array.shape}")
    with np.errstate(over="ignore"):  # huge values become inf, then full ink, below
        canvas = array.astype(np.float32)
    # NaN (e.g. a broken transfer) is no ink; +inf is full ink.
    np.nan_to_num(canvas, copy=False, nan=0.0, posinf=1.0, neginf=0.0)
    return np.clip(canvas, 0.0, 1.0, out=canvas)


def _area_weights(n_in: int, n_out: int, step: float) -> np.ndarray:
    """(n_out, n_in) matrix averaging input cells [j, j+1) over output cells [i*step, (i+1)*step)."""
    starts = np.arange(n_out, dtype=np.float64)[:, None] * step
    cells = np.arange(n_in, dtype=np.float64)[None, :]
    overlap = np.minimum(starts + step, cells + 1.0) - np.maximum(starts, cells)
    return (np.maximum(overlap, 0.0) / step).astype(np.float32)


def _block_sum(image: np.ndarray, factor: int) -> np.ndarray:
    """Sum factor x factor blocks (zero-padding the edges): a cheap first step for huge canvases."""
    height, width = image.shape
    padded = np.zeros((-(-height // factor) * factor, -(-width // factor) * factor), np.float32)
    padded[:height, :width] = image
    return padded.reshape(padded.shape[0] // factor, factor, -1, factor).sum(axis=(1, 3))


def fit_longest_side(image: np.ndarray, box: int) -> np.ndarray:
    """Area-average resample so the longest side becomes `box` pixels, keeping the aspect ratio."""
    image = np.asarray(image, dtype=np.float32)
    height, width = image.shape
    longest = max(height, width)
    out_h = max(1, int(np.ceil(height * box / longest - 1e-6)))
    out_w = max(1, int(np.ceil(width * box / longest - 1e-6)))
    factor = longest // (2 * box)
    if factor >= 2:
        # Exact for area averaging: the block sums are rescaled by the block area.
        image = _block_sum(image, factor) / np.float32(factor * factor)
    else:
        factor = 1
    step = longest / factor / box
    rows = _area_weights(image.shape[0], out_h, step)
    cols = _area_weights(image.shape[1], out_w, step)
    return rows @ image @ cols.T


def _binarise(gray: np.ndarray) -> np.ndarray:
    """Ink mask of a resampled drawing. Thin pens on big canvases become faint lines after
    area-averaging, so the threshold follows the drawing's own typical ink level."""
    strong = gray[gray > 0.01 * gray.max()]
    typical = float(np.percentile(strong, 95)) if strong.size else 0.0
    return gray >= min(0.5, 0.4 * typical)


def stroke_width(binary: np.ndarray) -> float:
    """Estimated stroke width in pixels: area / half the perimeter (a stroke of length L and width w
    has area L*w and perimeter about 2L). The perimeter is counted as horizontal + vertical edges,
    which overcounts a randomly oriented boundary by 4/pi on average."""
    padded = np.pad(binary, 1).astype(np.int8)
    edges = np.abs(np.diff(padded, axis=0)).sum() + np.abs(np.diff(padded, axis=1)).sum()
    if edges == 0:
        return 0.0
    return float(2.0 * binary.sum() / (edges * np.pi / 4.0))


def thin(binary: np.ndarray) -> np.ndarray:
    """Zhang-Suen thinning, vectorised over the image: a one-pixel-wide, 8-connected skeleton."""
    image = np.pad(np.asarray(binary, dtype=bool), 1)
    while True:
        changed = False
        for first_pass in (True, False):
            centre = image[1:-1, 1:-1]
            # Neighbours P2..P9, clockwise from north.
            p2, p3, p4 = image[:-2, 1:-1], image[:-2, 2:], image[1:-1, 2:]
            p5, p6, p7 = image[2:, 2:], image[2:, 1:-1], image[2:, :-2]
            p8, p9 = image[1:-1, :-2], image[:-2, :-2]
            ring = (p2, p3, p4, p5, p6, p7, p8, p9, p2)
            count = sum(p.astype(np.uint8) for p in ring[:8])
            transitions = sum((~a & b).astype(np.uint8) for a, b in zip(ring[:-1], ring[1:]))
            if first_pass:
                side = ~(p2 & p4 & p6) & ~(p4 & p6 & p8)
            else:
                side = ~(p2 & p4 & p8) & ~(p2 & p6 & p8)
            remove = centre & (count >= 2) & (count <= 6) & (transitions == 1) & side
            if remove.any():
                centre[remove] = False
                changed = True
        if not changed:
            return image[1:-1, 1:-1].copy()


def _pen_offsets(radius: float) -> np.ndarray:
    """(n, 2) integer offsets of a disk: the round pen's footprint."""
    reach = int(np.ceil(radius))
    dy, dx = np.mgrid[-reach:reach + 1, -reach:reach + 1]
    inside = dy * dy + dx * dx <= radius * radius
    return np.stack([dy[inside], dx[inside]], axis=1)


def _skeleton_path(skeleton: np.ndarray, scale: float) -> np.ndarray:
    """Skeleton pixel centres scaled by `scale`, with links between 8-neighbours filled in so
    that an enlarged skeleton stays connected. Returns (n, 2) float coordinates."""
    ys, xs = np.nonzero(skeleton)
    points = [np.stack([ys, xs], axis=1).astype(np.float64)]
    samples = int(np.ceil(scale * 1.5)) + 1
    if samples > 2:
        padded = np.pad(skeleton, 1)
        t = np.linspace(0.0, 1.0, samples)[None, :, None]
        for dy, dx in ((0, 1), (1, 0), (1, 1), (1, -1)):
            linked = skeleton & padded[1 + dy:padded.shape[0] - 1 + dy, 1 + dx:padded.shape[1] - 1 + dx]
            ly, lx = np.nonzero(linked)
            start = np.stack([ly, lx], axis=1).astype(np.float64)[:, None, :]
            points.append((start + t * np.array([dy, dx], dtype=np.float64)).reshape(-1, 2))
    return np.concatenate(points) * scale


def _redraw(skeleton: np.ndarray) -> np.ndarray:
    """Redraw the skeleton with MNIST's pen, fitted to the 20x20 box, centred by mass in 28x28."""
    k = SUPERSAMPLE
    radius = PEN_WIDTH * k / 2.0
    ys, xs = np.nonzero(skeleton)
    span = float(max(ys.max() - ys.min(), xs.max() - xs.min()))
    # Skeleton span plus the pen on both ends fills the box.
    room = FIT_BOX * k - 2.0 * radius
    scale = room / span if span > 0 else MAX_ENLARGE
    scale = min(scale, MAX_ENLARGE)
    path = _skeleton_path(skeleton[ys.min():ys.max() + 1, xs.min():xs.max() + 1], scale)
    margin = int(np.ceil(radius)) + 1
    path = np.rint(path).astype(np.int64) + margin
    height = int(path[:, 0].max()) + margin + 1
    width = int(path[:, 1].max()) + margin + 1
    strokes = np.zeros((height, width), dtype=np.float32)
    covered = (path[:, None, :] + _pen_offsets(radius)[None, :, :]).reshape(-1, 2)
    strokes[covered[:, 0], covered[:, 1]] = 1.0
    return _place(strokes)


def _place(strokes: np.ndarray) -> np.ndarray:
    """A drawing at SUPERSAMPLE x the output resolution -> 28x28, centre of mass on CENTRE, brightest pixel 1."""
    k = SUPERSAMPLE
    height, width = strokes.shape
    # Paste so the centre of mass lands on CENTRE (pixel centre i is at i*k + (k-1)/2 in the fine grid).
    mass = strokes.sum()
    com_y = float((strokes.sum(axis=1) * np.arange(height)).sum() / mass)
    com_x = float((strokes.sum(axis=0) * np.arange(width)).sum() / mass)
    target = CENTRE * k + (k - 1) / 2.0
    top, left = int(round(target - com_y)), int(round(target - com_x))
    fine = np.zeros((SIZE * k, SIZE * k), dtype=np.float32)
    src_y0, src_x0 = max(0, -top), max(0, -left)
    dst_y0, dst_x0 = max(0, top), max(0, left)
    rows = min(height - src_y0, SIZE * k - dst_y0)
    cols = min(width - src_x0, SIZE * k - dst_x0)
    if rows > 0 and cols > 0:
        fine[dst_y0:dst_y0 + rows, dst_x0:dst_x0 + cols] = strokes[src_y0:src_y0 + rows, src_x0:src_x0 + cols]
    image = np.clip(fine.reshape(SIZE, k, SIZE, k).mean(axis=(1, 3)), 0.0, 1.0).astype(np.float32)
    # Every MNIST digit reaches full ink somewhere; a thin pen shrunk into the box would only reach grey.
    peak = image.max()
    return image / peak if peak > 0 else image
