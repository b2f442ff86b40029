"""Contact sheet of a catalogue split, to look at every drawing: python -m bench.strokes.preview report out.png

Each cell is one drawing rendered with the page's pen (bench/pen.py) at the first placement, labelled
by its row in the printed index. Plain-Python PNG writer: the benchmark needs no imaging library.
"""

from __future__ import annotations

import struct
import sys
import zlib

import numpy as np

from bench import pen
from bench.strokes import PLACEMENTS, load, place


def write_png(path: str, gray: np.ndarray) -> None:
    """8-bit greyscale PNG of an array in [0, 1] (1 = black ink on white)."""
    pixels = (255 - np.clip(gray, 0, 1) * 255).astype(np.uint8)
    raw = b"".join(b"\x00" + row.tobytes() for row in pixels)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", pixels.shape[1], pixels.shape[0], 8, 0, 0, 0, 0)
    with open(path, "wb") as out:
        out.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def sheet(drawings, cell: int = 96, columns: int = 8) -> np.ndarray:
    rows = -(-len(drawings) // columns)
    out = np.zeros((rows * cell, columns * cell), np.float32)
    for i, drawing in enumerate(drawings):
        ink = pen.render(place(drawing.strokes, PLACEMENTS[0]), cell, 0.07 * cell)
        ink[0, :] = ink[:, 0] = 0.3  # grid lines
        r, c = divmod(i, columns)
        out[r * cell:(r + 1) * cell, c * cell:(c + 1) * cell] = ink
    return out


if __name__ == "__main__":
    split, path = sys.argv[1], sys.argv[2]
    drawings = load(split)
    for i, d in enumerate(drawings):
        print(i, d.style, d.variant)
    write_png(path, sheet(drawings))
