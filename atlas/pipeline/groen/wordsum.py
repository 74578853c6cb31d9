"""Sums of runs of uint8 cells, 8 cells at a time: the inner loop of the canopy computation.

A uint8 strip is viewed as 64-bit words of 8 cells ("SIMD within a register"). Adding whole words adds each
byte position (lane) separately, which is exact as long as no lane passes 255. So the words are summed in
segments of at most ``255 // largest value`` words (255 for a 0/1 mask) with one :func:`numpy.add.reduceat`
whose cuts include every run end, and the few segment sums are then folded into one number each; a run's sum is
the difference of two prefix values at its ends plus the cells of its partial end words. Larger values (percent
cells) are first spread into 16-bit lanes, which allows long segments again. One pass over the strip: faster
than :func:`numpy.count_nonzero`.
"""

from __future__ import annotations

import numpy as np

_EVEN = np.uint64(0x00FF00FF00FF00FF)
_FOLD = {
    8: _EVEN,
    16: np.uint64(0x0000FFFF0000FFFF),
    32: np.uint64(0x00000000FFFFFFFF),
}
_LOW = np.array([(1 << (8 * j)) - 1 for j in range(8)], dtype=np.uint64)
"""``_LOW[j]`` keeps the first ``j`` cells (bytes, little-endian) of a word."""
_DIRECT_MAX = 7
"""Largest cell value summed in 8-bit lanes (segments of at least 36 words); above it, 16-bit lanes."""


def _fold(words: np.ndarray, bits: int) -> np.ndarray:
    """The total of each word's lanes of ``bits`` bits (exact: every fold doubles the lane width)."""
    while bits < 64:
        mask = _FOLD[bits]
        words = (words & mask) + ((words >> np.uint64(bits)) & mask)
        bits *= 2
    return words


def _pairs(words: np.ndarray) -> np.ndarray:
    """Each word's 8 byte lanes added pairwise into 4 lanes of 16 bits."""
    return (words & _EVEN) + ((words >> np.uint64(8)) & _EVEN)


def run_sums(words: np.ndarray, row: np.ndarray, start: np.ndarray, stop: np.ndarray, biggest: int) -> np.ndarray:
    """Sums of the cells ``[start, stop)`` of ``row`` for every run, over a strip of uint8 cells seen as words.

    ``words`` is the C-contiguous ``(rows, n)`` uint64 view of the zero-padded strip (``8 * n`` cells per row,
    at least one word of padding), ``biggest`` its largest cell value. One pass over the words: a run's sum is
    the difference of two prefix values taken at the segment boundaries (every run end is one), plus the cells
    of its partial end words.
    """
    h, n = words.shape
    flat = words.reshape(-1)
    if biggest > _DIRECT_MAX:
        flat, bits, segment = _pairs(flat), 16, 0xFFFF // (2 * biggest)
    else:
        bits, segment = 8, 0xFF // max(biggest, 1)
    k0, k1 = start >> 3, stop >> 3
    base = row * n
    ends = np.concatenate([base + k0, base + k1])
    cuts = np.concatenate([np.arange(0, h * n, segment), ends])
    cuts.sort(kind="stable")  # a merge of sorted stretches (the grid, each zone's rows): fast for timsort
    cuts = cuts[np.concatenate([[True], cuts[1:] != cuts[:-1]])]  # reduceat needs increasing cuts
    totals = _fold(np.add.reduceat(flat, cuts), bits)
    prefix = np.zeros(len(cuts) + 1, dtype=np.uint64)
    np.cumsum(totals, out=prefix[1:])
    at = np.searchsorted(cuts, ends)
    m = len(row)
    whole = prefix[at[m:]].astype(np.int64) - prefix[at[:m]].astype(np.int64)
    head = _fold(_pairs(words[row, k0] & _LOW[start & 7]), 16)
    tail = _fold(_pairs(words[row, k1] & _LOW[stop & 7]), 16)
    return (whole + tail.astype(np.int64) - head.astype(np.int64)).astype(np.float64)
