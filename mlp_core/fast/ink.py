"""The first Dense layer computed from each image's inked pixels only: the same products as x @ W and x.T @ g.

An MNIST image is ~80% blank (pixel 0), and the input normalisation maps every blank pixel to one value,
``fill``. Write each input as x = fill + d, where d is zero except at the image's inked pixels (~150 of 784):
x @ W = fill * (sum of W's rows) + d @ W, and x.T @ g = fill * (sum of g's rows) + d.T @ g. d @ W adds up
~150 rows of W per image instead of multiplying all 784 (or the ~520 of BlankColumns); d.T @ g adds up,
per pixel, the rows of g of the images inked there. Pyodide's NumPy has no sparse product, so each side
gathers the rows it needs (``take``) and sums them with one einsum over padded lists: images (or pixels) are
sorted by how many entries their lists hold and cut into a few groups, each padded to its longest list with
entries of value 0 (which add nothing), so padding costs ~20% and Python calls stay a handful per product.
"""
from dataclasses import dataclass

import numpy as np

IMAGE_GROUPS = 4  # per-image lists vary less in length (80-300 pixels) than per-pixel ones (1-128 images)
PIXEL_GROUPS = 8


@dataclass
class PaddedLists:
    """Per owner (an image, or a pixel), a list of (member, value) pairs, in groups padded with value 0.

    The groups' lists lie end to end in two flat arrays; group g is rows ``owners[g]``, each ``widths[g]`` long.
    """

    owners: list  # [(r,) owner indices], owners of similar list length together
    widths: list  # [L] per group: its longest list
    members: np.ndarray  # (sum of r * L,) padding: member 0
    values: np.ndarray  # (sum of r * L,) padding: value 0

    @classmethod
    def of(cls, owners, members, values, count, parts):
        """Pairs sorted by owner (``owners`` ascending, ``count`` owners in all) in ``parts`` groups."""
        lengths = np.bincount(owners, minlength=count)
        starts = np.zeros(count, dtype=np.intp)  # where each owner's pairs begin
        np.cumsum(lengths[:-1], out=starts[1:])
        slot_of_start = np.empty(count, dtype=np.intp)  # where each owner's list begins in the padded arrays
        groups, widths, size = [], [], 0
        for group in np.array_split(np.argsort(lengths, kind="stable"), parts):
            width = int(lengths[group[-1]]) if len(group) else 0  # sorted: the longest list comes last
            slot_of_start[group] = size + np.arange(len(group)) * width
            groups.append(group)
            widths.append(width)
            size += len(group) * width
        slots = (slot_of_start - starts)[owners] + np.arange(len(owners))
        padded_members = np.zeros(size, dtype=members.dtype)
        padded_members[slots] = members
        padded_values = np.zeros(size, dtype=values.dtype)
        padded_values[slots] = values
        return cls(groups, widths, padded_members, padded_values)

    def sums(self, rows, out):
        """out[owner] = sum over its list of value * rows[member]; owners with an empty list get 0."""
        start = 0
        for owners, width in zip(self.owners, self.widths):
            stop = start + len(owners) * width
            shape = (len(owners), width)
            # Gathered one group at a time: the rows stay in cache between the gather and the sum.
            gathered = rows.take(self.members[start:stop], axis=0).reshape(shape + rows.shape[1:])
            out[owners] = np.einsum("ol,olk->ok", self.values[start:stop].reshape(shape), gathered)
            start = stop
        return out


@dataclass
class InkedPixels:
    """A BlankColumns batch as lists of its inked pixels: per image (forward) and per pixel (weight gradient)."""

    blank_columns: object  # the BlankColumns it was made from
    by_image: PaddedLists  # image -> (pixel, x - fill) for each pixel of the image that is not ``fill``
    by_pixel: PaddedLists  # active column -> (image, x - fill), likewise; None when made for inference only
    fill: object

    @classmethod
    def of(cls, x, by_pixel=True):
        """``x`` BlankColumns as lists; ``by_pixel=False``: the forward product's lists only (inference)."""
        values, fill = x.values, x.fill
        rows, columns = values.shape
        inked = values != fill  # exact: a blank pixel is normalised by the same operations as ``fill``
        at = np.flatnonzero(inked)  # image-major
        image, column = np.divmod(at, columns)
        by_image = PaddedLists.of(image, x.active[column], values.ravel()[at] - fill, rows, IMAGE_GROUPS)
        if not by_pixel:
            return cls(x, by_image, None, fill)
        at = np.flatnonzero(inked.T)  # pixel-major
        column, image = np.divmod(at, rows)
        by_pixel = PaddedLists.of(column, image, values.T.ravel()[at] - fill, columns, PIXEL_GROUPS)
        return cls(x, by_image, by_pixel, fill)


def inked_forward(x, weights):
    """x @ weights for x an InkedPixels batch: fill * (column sums of weights) + each image's inked rows, weighted."""
    out = np.empty((len(x.blank_columns.values), weights.shape[1]), dtype=weights.dtype)
    x.by_image.sums(weights, out)
    out += x.fill * weights.sum(axis=0)
    return out


def inked_weight_grad(x, grad, grad_sum, out):
    """x.T @ grad into ``out`` (in, units), given grad_sum = grad.sum(axis=0) (the bias gradient): fill * grad_sum
    in every row, plus the inked pixels' share."""
    out[...] = x.fill * grad_sum
    pixels = np.empty((len(x.blank_columns.active), grad.shape[1]), dtype=out.dtype)
    x.by_pixel.sums(grad, pixels)
    out[x.blank_columns.active] += pixels
    return out
