"""Whoosh's posting blocks decoded without unpickling their positions.

Whoosh-Reloaded 2.7.5 stores each block of a term's postings as one zlib-compressed
pickle (protocol 2) of ``(delta-coded ids, weights, values)``. For title and body the
values are every posting's positions, each a pickled byte string, and unpickling those
was most of a common word's search at 400,000 documents (pickle 25%, zlib 9%,
``delta_decode`` 8% of a slow query), though search reads only ids and weights.

A block of a common term has the same shape every time: ids that all fit one byte
(``K``, one opcode and one byte each) and weights that are all floats (``G``, one opcode
and eight big-endian bytes each). Such a block is read here with byte slices and one
``struct`` call, and only the first part of the pickle is decompressed; anything else
(larger id gaps, fewer than four postings, an unexpected byte) goes through Whoosh's own
decoding, so every block decodes to exactly what Whoosh reads
(tests/search/test_whoosh_blocks.py compares them block by block).
"""

from __future__ import annotations

import struct
import zlib
from array import array
from collections.abc import Sequence
from functools import cache
from itertools import accumulate
from typing import Any

# Pickle protocol 2 opcodes (Lib/pickle.py).
_PROTO_2 = b"\x80\x02"
_MARK = ord("(")
_BININT1 = ord("K")
_BINFLOAT = ord("G")
_NONE = ord("N")
_TUPLE = ord("t")
_BINPUT = ord("q")


@cache
def _floats(count: int) -> struct.Struct:
    """``count`` BINFLOATs: skip each opcode byte, read its big-endian double."""
    return struct.Struct(">" + "xd" * count)


@cache
def _opcodes(opcode: int, count: int) -> bytes:
    return bytes((opcode,)) * count


# The first id is the block's first docnum itself (Whoosh delta-codes from 0): BININT1,
# BININT2 (two bytes) or BININT (four), little-endian.
_FIRST_ID = {ord("K"): struct.Struct("<xB"), ord("M"): struct.Struct("<xH"), ord("J"): struct.Struct("<xi")}


def _fast(data: bytes, count: int) -> tuple[Sequence[int], Sequence[float] | float | None] | None:
    """(ids, weights as Whoosh pickled them) of a block in the common shape, or None
    for any other shape."""
    if count < 4 or len(data) < 4 or data[:3] != _PROTO_2 + b"(":
        return None
    first = _FIRST_ID.get(data[3])
    if first is None:
        return None
    start = 3 + first.size
    ids_end = start + 2 * (count - 1)
    rest = data[start:ids_end:2]
    if rest != _opcodes(_BININT1, count - 1) or len(data) < ids_end + 4:
        return None
    if data[ids_end] != _TUPLE or data[ids_end + 1] != _BINPUT:
        return None
    ids = tuple(accumulate(data[start + 1 : ids_end : 2], initial=first.unpack_from(data, 3)[0]))
    at = ids_end + 3  # past TUPLE and BINPUT with its one-byte memo index
    opcode = data[at]
    if opcode == _NONE:
        return ids, None
    if opcode == _BINFLOAT and len(data) >= at + 9:
        return ids, _floats(1).unpack_from(data, at)[0]
    end = at + 1 + 9 * count
    if opcode != _MARK or len(data) <= end:
        return None
    if data[at + 1 : end : 9] != _opcodes(_BINFLOAT, count) or data[end] != _TUPLE:
        return None
    return ids, _floats(count).unpack_from(data, at + 1)


def _prefix_length(count: int) -> int:
    """Bytes of the pickle that hold a common-shape block's ids and weights (at most)."""
    # PROTO (2), MARK, the first id (up to 5), n - 1 x (K, byte), TUPLE, BINPUT (2), MARK,
    # n x (G, 8 bytes), TUPLE.
    return 2 + 1 + 5 + 2 * (count - 1) + 1 + 2 + 1 + 9 * count + 1


def decode(matcher: Any) -> tuple[Sequence[int], Sequence[float]]:
    """The current block's ids and weights, as ``matcher._read_ids()`` and
    ``matcher._read_weights()`` would give them (without setting them on the matcher).

    ``matcher`` is Whoosh-Reloaded 2.7.5's W3LeafMatcher positioned on a block."""
    count = matcher._blocklength
    raw = matcher._postfile.get(matcher._dataoffset, matcher._nextoffset - matcher._dataoffset)
    if matcher._compression:
        # Only the ids and weights: the positions after them are most of the block.
        head = zlib.decompressobj().decompress(raw, _prefix_length(count))
    else:
        head = raw
    found = None if matcher._byteids else _fast(head, count)
    if found is None or found[0][-1] != matcher._maxid:
        matcher._read_ids()
        matcher._read_weights()
        return matcher._ids, matcher._weights
    ids, weights = found
    if weights is None or isinstance(weights, float):
        # Whoosh expands a block's one weight into single-precision floats.
        return ids, array("f", (1.0 if weights is None else weights,)) * count
    return ids, weights
