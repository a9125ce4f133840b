"""Heatmaps as small PNG images (zlib only): a diverging blue-white-red colour scale."""

from __future__ import annotations

import base64
import functools
import struct
import zlib

import numpy as np

NEGATIVE = np.array([33, 102, 172], dtype=float)  # blue
POSITIVE = np.array([178, 24, 43], dtype=float)  # red
WHITE = np.array([255, 255, 255], dtype=float)
GAP = np.array([200, 200, 200], dtype=float)  # between the kernels of a tile (NaN)


def colours(values: np.ndarray, limit: float) -> np.ndarray:
    """(H, W) floats -> (H, W, 3) uint8: -limit blue, 0 white, +limit red; NaN (a gap
    between pictures) light grey."""
    gap = np.isnan(values)
    values = np.where(gap, 0.0, values)
    t = np.clip(values / limit, -1, 1) if limit > 0 else np.zeros_like(values)
    t = t[..., None]
    rgb = np.where(t >= 0, WHITE + (POSITIVE - WHITE) * t, WHITE + (NEGATIVE - WHITE) * -t)
    rgb = np.where(gap[..., None], GAP, rgb)
    return np.round(rgb).astype(np.uint8)


def png(rgb: np.ndarray) -> bytes:
    """An RGB image (H, W, 3) uint8 as PNG bytes; the same pixels give the same bytes."""
    height, width, _ = rgb.shape
    raw = b"".join(b"\x00" + rgb[row].tobytes() for row in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


MOST = 16  # pixels per cell at most (a 3x3 kernel is 48 px, not 84)
STRIP = 400  # a long strip (a dense layer's weights lying down) is at most this wide
TILE = 124  # a filter's kernels side by side (with gaps) about this wide


def cell_size(rows: int, cols: int, longest: int = 84, mosaic: bool = False) -> tuple[int, int]:
    """(width, height) in whole pixels of one cell of a rows x cols heatmap: a square cell,
    the longest side about ``longest`` px; a long strip (cols >= 4 rows) up to STRIP px
    wide and at least 40 px tall, so its rows stay visible; a mosaic of kernels (gaps
    included) about TILE px wide."""
    def fit(budget, count):
        return max(1, min(MOST, budget // max(count, 1)))
    if mosaic:
        side = min(fit(longest, rows), fit(TILE, cols))
        return side, side
    if cols >= 4 * rows:
        width = fit(STRIP, cols)
        return width, max(width, fit(40, rows))
    side = fit(longest, max(rows, cols))
    return side, side


def heatmap_uri(values: np.ndarray, limit: float, longest: int = 84) -> tuple[str, int, int]:
    """A data: URI of the heatmap, each cell a block of whole pixels (see
    :func:`cell_size`); rows and columns that are all NaN (the gaps of a mosaic) are
    drawn a third as thick (at least 2 px); returns (uri, width, height)."""
    values = np.asarray(values, dtype=float)
    gap_rows, gap_cols = np.isnan(values).all(axis=1), np.isnan(values).all(axis=0)
    mosaic = bool(gap_rows.any() or gap_cols.any())
    width, height = cell_size(int((~gap_rows).sum()), int((~gap_cols).sum()), longest, mosaic)
    thin = (max(2, height // 3), max(2, width // 3))
    rgb = colours(values, limit)
    rgb = np.repeat(rgb, np.where(gap_rows, thin[0], height), axis=0)
    rgb = np.repeat(rgb, np.where(gap_cols, thin[1], width), axis=1)
    data = base64.b64encode(png(rgb)).decode()
    return f"data:image/png;base64,{data}", rgb.shape[1], rgb.shape[0]


@functools.cache
def scale_uri(steps: int = 36) -> str:
    """The colour scale itself, -1 .. 1 left to right, a pixel per step (WeasyPrint
    draws an image at its own size, not at the size its width attribute gives)."""
    rgb = colours(np.linspace(-1, 1, steps)[None, :].repeat(6, axis=0), 1.0)
    return "data:image/png;base64," + base64.b64encode(png(rgb)).decode()
