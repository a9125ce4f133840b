"""Heatmaps as small PNG images (zlib only): a diverging blue-white-red colour scale."""

from __future__ import annotations

import base64
import struct
import zlib

import numpy as np

NEGATIVE = np.array([33, 102, 172], dtype=float)  # blue
POSITIVE = np.array([178, 24, 43], dtype=float)  # red
WHITE = np.array([255, 255, 255], dtype=float)


def colours(values: np.ndarray, limit: float) -> np.ndarray:
    """(H, W) floats -> (H, W, 3) uint8: -limit blue, 0 white, +limit red."""
    t = np.clip(values / limit, -1, 1) if limit > 0 else np.zeros_like(values)
    t = t[..., None]
    rgb = np.where(t >= 0, WHITE + (POSITIVE - WHITE) * t, WHITE + (NEGATIVE - WHITE) * -t)
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


def heatmap_uri(values: np.ndarray, limit: float, longest: int = 112) -> tuple[str, int, int]:
    """A data: URI of the heatmap, each cell a square of whole pixels, the longest side
    at most about ``longest`` pixels; returns (uri, width, height)."""
    height, width = values.shape
    scale = max(1, longest // max(height, width))
    rgb = colours(np.asarray(values, dtype=float), limit)
    rgb = np.repeat(np.repeat(rgb, scale, axis=0), scale, axis=1)
    data = base64.b64encode(png(rgb)).decode()
    return f"data:image/png;base64,{data}", width * scale, height * scale


def scale_uri(steps: int = 64) -> str:
    """The colour scale itself, -1 .. 1 left to right."""
    rgb = colours(np.linspace(-1, 1, steps)[None, :].repeat(6, axis=0), 1.0)
    return "data:image/png;base64," + base64.b64encode(png(rgb)).decode()
