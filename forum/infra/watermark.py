"""An invisible mark in a figure: 64 bits hidden in the 8x8 block DCT of its brightness.

Quantization index modulation (QIM): in every 8x8 block two low-to-middle frequency
coefficients are moved to the nearest point of one of two interleaved lattices, step STEP
apart, the lattice naming the bit. Each of the 64 bits is carried by every 64th block, in
an order fixed by a constant permutation, so damage to one region costs no bit. Reading
sums, for each bit, how much closer each block's coefficients are to one lattice than the
other. The step is about four times JPEG's at quality 75, so re-compression at that quality
leaves the bits readable; a figure scaled down is scaled back to its original size before
reading. What it survives, measured, is in docs/marks.md. numpy and Pillow only.
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

BITS = 64
BLOCK = 8
STEP = 28.0
COEFFICIENTS = ((0, 1), (1, 0))
MIN_BLOCKS = BITS * 4  # every bit in at least four blocks: about 128x128 pixels
# The most a pixel moves (two coefficients, half a step each, times the basis' peak of 1/4).
# Brightness is first squeezed into [HEADROOM, 255 - HEADROOM]: a mark clipped at pure white
# or black (most figures' background) would not survive JPEG. White becomes 97% white.
HEADROOM = len(COEFFICIENTS) * STEP / 2 / 4


def _dct_matrix(n: int = BLOCK) -> np.ndarray:
    k = np.arange(n)
    m = np.cos(np.pi * (2 * k[None, :] + 1) * k[:, None] / (2 * n)) * np.sqrt(2 / n)
    m[0] /= np.sqrt(2)
    return m


_C = _dct_matrix()


def _blocks(shape: tuple[int, int]) -> tuple[int, int]:
    return shape[0] // BLOCK, shape[1] // BLOCK


def can_carry(size: tuple[int, int]) -> bool:
    """Whether a figure of this (width, height) is large enough to carry a mark."""
    width, height = size
    return (width // BLOCK) * (height // BLOCK) >= MIN_BLOCKS


def size_of(data: bytes) -> tuple[int, int]:
    try:
        with Image.open(io.BytesIO(data)) as image:
            return image.size
    except Exception:
        return (0, 0)


def _bit_of_block(count: int) -> np.ndarray:
    order = np.random.default_rng(27).permutation(count)
    return order % BITS


def _coefficients(luma: np.ndarray) -> tuple[np.ndarray, tuple[int, int]]:
    rows, cols = _blocks(luma.shape)
    tiles = luma[: rows * BLOCK, : cols * BLOCK].reshape(rows, BLOCK, cols, BLOCK).transpose(0, 2, 1, 3)
    return np.einsum("ij,abjk,lk->abil", _C, tiles, _C), (rows, cols)


def _pixels(dct: np.ndarray, rows: int, cols: int) -> np.ndarray:
    tiles = np.einsum("ji,abjk,kl->abil", _C, dct, _C)
    return tiles.transpose(0, 2, 1, 3).reshape(rows * BLOCK, cols * BLOCK)


def _luma(image: Image.Image) -> tuple[np.ndarray, Image.Image, Image.Image, Image.Image | None]:
    alpha = image.getchannel("A") if image.mode in ("RGBA", "LA") else None
    y, cb, cr = image.convert("RGB").convert("YCbCr").split()
    return np.asarray(y, dtype=np.float64), cb, cr, alpha


def embed(data: bytes, bits: list[int], fmt: str) -> bytes:
    """The figure with `bits` hidden in it, saved in `fmt` (PNG, JPEG or WEBP). Raises
    ValueError for a figure too small to carry them."""
    image = Image.open(io.BytesIO(data))
    image.load()
    if not can_carry(image.size):
        raise ValueError("too small to carry a mark")
    luma, cb, cr, alpha = _luma(image)
    luma = HEADROOM + luma * (255 - 2 * HEADROOM) / 255
    dct, (rows, cols) = _coefficients(luma)
    owner = _bit_of_block(rows * cols).reshape(rows, cols)
    offset = np.asarray(bits)[owner] * (STEP / 2)
    for u, v in COEFFICIENTS:
        c = dct[:, :, u, v]
        dct[:, :, u, v] = np.round((c - offset) / STEP) * STEP + offset
    marked = luma.copy()
    marked[: rows * BLOCK, : cols * BLOCK] = _pixels(dct, rows, cols)
    y = Image.fromarray(np.clip(np.round(marked), 0, 255).astype(np.uint8), "L")
    out = Image.merge("YCbCr", (y, cb, cr)).convert("RGB")
    if alpha is not None and fmt != "JPEG":
        out.putalpha(alpha)
    buffer = io.BytesIO()
    options = {"quality": 95} if fmt in ("JPEG", "WEBP") else {}
    out.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def read(data: bytes, original_size: tuple[int, int]) -> list[float] | None:
    """Per bit, how strongly the figure says 1 (positive) or 0 (negative); None when it is not
    an image or its shape is not the original's (cropped or another figure)."""
    try:
        opened = Image.open(io.BytesIO(data))
        opened.load()
    except Exception:
        return None
    image: Image.Image = opened
    width, height = image.size
    if not can_carry(original_size) or width < 32 or height < 32:
        return None
    if abs(width / height - original_size[0] / original_size[1]) > 0.02 * original_size[0] / original_size[1]:
        return None
    if image.size != original_size:
        image = image.convert("RGB").resize(original_size, Image.Resampling.LANCZOS)
    luma = _luma(image)[0]
    dct, (rows, cols) = _coefficients(luma)
    owner = _bit_of_block(rows * cols).reshape(rows, cols)
    score = np.zeros(BITS)
    for u, v in COEFFICIENTS:
        c = dct[:, :, u, v]
        to_zero = np.abs(c - np.round(c / STEP) * STEP)
        to_one = np.abs(c - STEP / 2 - np.round((c - STEP / 2) / STEP) * STEP)
        np.add.at(score, owner, np.sign(to_zero - to_one))  # a vote per block: content blocks only add noise
    return [float(s) for s in score]
