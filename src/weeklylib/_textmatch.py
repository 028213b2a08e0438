"""Fast multi-string matching shared by topic tagging and place extraction (private).

One pass over a batch of texts finds every occurrence of many literal strings (a trie walked
with numpy over all texts at once), and helpers choose leftmost-longest matches and gather
typed columns.  ``weeklylib.topics`` and ``weeklylib.regions`` build on it; the reference
implementations they are tested against live in those modules.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

_CHUNK_CHARS = 1 << 20     # texts are matched in batches of about this many characters


_DENSE_CELLS = 1 << 22     # largest dense trie transition table (nodes x alphabet)


_PREFIX_LIMIT = 64         # most literal prefixes derived for one pattern


_HASH_MUL = 0x9E3779B97F4A7C15


_MASK64 = (1 << 64) - 1


_EMPTY_I64 = np.zeros(0, dtype=np.int64)


class _MultiFind:
    """Every occurrence, overlapping ones included, of a fixed set of strings in many texts.

    The strings are stored in a character trie; all texts of a batch are joined into one array
    of code points and walked one trie level at a time for all positions together, so the cost
    is a few numpy passes over the text plus work proportional to the partial matches.
    """

    def __init__(self, strings: Sequence[str]) -> None:
        self.strings = tuple(strings)  # distinct, non-empty
        self.lengths = np.array([len(s) for s in self.strings], dtype=np.int64)
        self.max_len = int(self.lengths.max()) if len(self.strings) else 0
        alphabet = sorted({c for s in self.strings for c in s})
        code = {c: i + 1 for i, c in enumerate(alphabet)}
        children: list[dict[int, int]] = [{}]
        term = [-1]
        for sid, s in enumerate(self.strings):
            node = 0
            for c in s:
                k = code[c]
                nxt = children[node].get(k)
                if nxt is None:
                    nxt = len(children)
                    children[node][k] = nxt
                    children.append({})
                    term.append(-1)
                node = nxt
            term[node] = sid
        # number the nodes breadth first: the shallow, busy ones get the small numbers
        bfs = [0]
        for node in bfs:
            bfs.extend(children[node][k] for k in sorted(children[node]))
        new = [0] * len(bfs)
        for i, node in enumerate(bfs):
            new[node] = i
        self.term = np.array([term[node] for node in bfs], dtype=np.int64)
        width = len(alphabet) + 1
        self.width = width
        # (int64 tables and indices throughout: np.take then needs no conversions)
        #: code point -> alphabet code (0: not in any string)
        self.alpha = np.zeros(0x110000, dtype=np.int64)
        #: code point -> trie node after that first character (0: none), and whether there is one
        self.root = np.zeros(0x110000, dtype=np.int64)
        for c, k in code.items():
            self.alpha[ord(c)] = k
            self.root[ord(c)] = new[children[0][k]] if k in children[0] else 0
        self.first = self.root != 0
        # transitions node * width + alphabet code -> node: a dense table for the first
        # n_dense nodes, an open-addressing hash table (multiplicative hash, linear probing,
        # load <= 1/2) for the others
        self.n_dense = min(len(bfs), max(1, _DENSE_CELLS // width))
        self.dense = np.zeros(self.n_dense * width, dtype=np.int64)
        sparse = []
        for old, ch in enumerate(children):
            node = new[old]
            for k, nxt in ch.items():
                if node < self.n_dense:
                    self.dense[node * width + k] = new[nxt]
                else:
                    sparse.append((node * width + k, new[nxt]))
        bits = max(4, (2 * len(sparse)).bit_length())
        size, self.shift = 1 << bits, np.uint64(64 - bits)
        hkeys, hvals = [-1] * size, [0] * size
        self.probes = 1
        for key, nxt in sparse:
            h, n = ((key * _HASH_MUL) & _MASK64) >> (64 - bits), 1
            while hkeys[h] != -1:
                h, n = (h + 1) & (size - 1), n + 1
            hkeys[h], hvals[h] = key, nxt
            self.probes = max(self.probes, n)
        self.hkeys = np.array(hkeys, dtype=np.int64)
        self.hvals = np.array(hvals, dtype=np.int64)

    def _hashed(self, key: np.ndarray) -> np.ndarray:
        h = ((key.astype(np.uint64) * np.uint64(_HASH_MUL)) >> self.shift).astype(np.int64)
        out = np.zeros(len(key), dtype=np.int64)
        rows = np.arange(len(key))
        mask = len(self.hkeys) - 1
        for _ in range(self.probes):
            k = np.take(self.hkeys, h)
            hit = k == key
            out[rows[hit]] = np.take(self.hvals, h[hit])
            more = ~hit & (k != -1)
            if not more.any():
                break
            rows, key, h = rows[more], key[more], (h[more] + 1) & mask
        return out

    def _step(self, node: np.ndarray, cps: np.ndarray) -> np.ndarray:
        key = node * self.width + np.take(self.alpha, cps)
        low = node < self.n_dense
        if low.all():
            return np.take(self.dense, key)
        out = np.zeros(len(key), dtype=np.int64)
        out[low] = np.take(self.dense, key[low])
        high = ~low
        out[high] = self._hashed(key[high])
        return out

    def find(self, texts: Sequence[str]) -> _Found:
        """Every occurrence in ``texts`` (in no particular order)."""
        lens = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
        bounds = np.zeros(len(texts) + 1, dtype=np.int64)
        np.cumsum(lens, out=bounds[1:])
        parts, newlines = [], []
        n, i = len(texts), 0
        while i < n:
            j = int(np.searchsorted(bounds, bounds[i] + _CHUNK_CHARS, side="right")) - 1
            j = min(max(j, i + 1), n)
            if bounds[j] > bounds[i]:
                # padded so that every trie level can look max_len - 1 characters ahead
                joined = "".join(texts[i:j]) + "\0" * self.max_len
                cps = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype="<u4")
                parts.append(self.find_codes(cps.astype(np.int64), bounds[i:j + 1] - bounds[i],
                                             i, newlines, int(bounds[i])))
            i = j
        if parts:
            t, s, sid = (np.concatenate(x) for x in zip(*parts, strict=True))
        else:
            t = s = sid = _EMPTY_I64
        nl = np.concatenate(newlines) if newlines else _EMPTY_I64
        return _Found(t, s, sid, bounds, nl)

    def find_codes(self, cps: np.ndarray, bounds: np.ndarray, offset: int = 0,
                   newlines: list[np.ndarray] | None = None, char_offset: int = 0, *,
                   longest: bool = False) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Occurrences in texts given as code points: ``cps`` (int64) holds the texts one after
        the other (text k at ``bounds[k]:bounds[k + 1]``) followed by at least ``max_len``
        padding values.  Returns ``(offset + text index, start, string id)``; appends the
        offsets of "\\n" (plus ``char_offset``) to ``newlines`` if given.  With ``longest``
        only the longest string starting at each position, ordered by text and start."""
        total = int(bounds[-1])
        if newlines is not None:
            newlines.append(np.flatnonzero(cps[:total] == 10) + char_offset)
        if not self.strings:
            return _EMPTY_I64, _EMPTY_I64, _EMPTY_I64
        pos = np.flatnonzero(np.take(self.first, cps[:total]))
        node = np.take(self.root, np.take(cps, pos))
        hit_pos, hit_sid = [], []
        best = np.full(total, -1, dtype=np.int64) if longest else None
        depth = 1
        while pos.size:
            sid = np.take(self.term, node)
            hit = sid >= 0
            if hit.any():
                if best is None:
                    hit_pos.append(pos[hit])
                    hit_sid.append(sid[hit])
                else:   # deeper levels overwrite: the longest that stays inside its text
                    p, k = pos[hit], sid[hit]
                    inside = p + depth <= bounds[np.searchsorted(bounds, p, side="right")]
                    best[p[inside]] = k[inside]
            if depth >= self.max_len:
                break
            node = self._step(node, np.take(cps, pos + depth))
            keep = np.flatnonzero(node)
            pos, node = np.take(pos, keep), np.take(node, keep)
            depth += 1
        if best is not None:
            gpos = np.flatnonzero(best >= 0)
            t = np.searchsorted(bounds, gpos, side="right") - 1
            return t + offset, gpos - bounds[t], best[gpos]
        if not hit_pos:
            return _EMPTY_I64, _EMPTY_I64, _EMPTY_I64
        gpos = np.concatenate(hit_pos)
        sid = np.concatenate(hit_sid)
        length = self.lengths[sid]
        t = np.searchsorted(bounds, gpos, side="right") - 1
        start = gpos - bounds[t]
        inside = start + length <= bounds[t + 1] - bounds[t]  # not running into the next text
        return t[inside] + offset, start[inside], sid[inside]


@dataclass
class _Found:
    """Occurrences found by :meth:`_MultiFind.find` (arrays of equal length)."""

    t: np.ndarray          # text index
    s: np.ndarray          # start offset in the text
    sid: np.ndarray        # string id
    bounds: np.ndarray     # text k is characters bounds[k]:bounds[k+1] of the joined texts
    newlines: np.ndarray   # offsets of "\n" in the joined texts

    def newlines_before(self, t: np.ndarray, start: np.ndarray) -> np.ndarray:
        """Number of ``"\\n"`` in ``texts[t[k]][:start[k]]`` for every k."""
        base = self.bounds[t]
        return (np.searchsorted(self.newlines, base + start)
                - np.searchsorted(self.newlines, base)).astype(np.int64)


def _csr(lists: list[list[int]]) -> tuple[np.ndarray, np.ndarray]:
    ptr = np.zeros(len(lists) + 1, dtype=np.int64)
    np.cumsum([len(x) for x in lists], out=ptr[1:])
    flat = np.array([v for x in lists for v in x], dtype=np.int64)
    return ptr, flat


def _expand(ptr: np.ndarray, flat: np.ndarray, sid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For occurrences of string ids ``sid``: (occurrence index, value) for every CSR value."""
    counts = ptr[sid + 1] - ptr[sid]
    total = int(counts.sum())
    if not total:
        return _EMPTY_I64, _EMPTY_I64
    occ = np.repeat(np.arange(len(sid), dtype=np.int64), counts)
    first = np.repeat(ptr[sid] - (np.cumsum(counts) - counts), counts)
    return occ, flat[first + np.arange(total, dtype=np.int64)]


def _leftmost_longest(group: np.ndarray, start: np.ndarray, end: np.ndarray
                      ) -> np.ndarray | None:
    """Which hits a left-to-right scan keeps, for hits sorted by group and start (one per
    start): a hit is kept if it starts at or after the end of the last kept hit of its group.
    None: all are kept.

    Hits overlapping each other form runs; the first hit of a run is kept, the second of a
    run of two is not, and only longer runs are walked step by step.
    """
    if len(group) < 2:
        return None
    width = int(end.max()) + 1
    run: np.ndarray
    if int(group.max()) < (1 << 62) // width:
        base = group * width
        reach = np.maximum.accumulate(base + end)
        new_run = np.ones(len(group), dtype=bool)
        new_run[1:] = base[1:] + start[1:] >= reach[:-1]
        if new_run.all():
            return None
        run = np.cumsum(new_run) - 1
        size = np.bincount(run)[run]
        keep = new_run | (size == 1)
        rows = np.flatnonzero(size > 2)
    else:  # offsets too large to combine: walk every hit
        run, keep, rows = group, np.zeros(len(group), dtype=bool), np.arange(len(group))
    last_run, last_end = -1, -1
    for k, r, st, en in zip(rows.tolist(), run[rows].tolist(), start[rows].tolist(),
                            end[rows].tolist(), strict=True):
        if r != last_run or st >= last_end:
            keep[k] = True
            last_run, last_end = r, en
    return keep


def _typed_take(values: Sequence[Any], codes: np.ndarray) -> Any:
    """``[values[c] for c in codes]`` as the column ``pd.DataFrame(list of tuples)`` would make.

    The dtype is inferred by that same constructor from the distinct values used, then the
    column is gathered with ``take``: identical to building it row by row, but fast.
    """
    used, inv = np.unique(codes, return_inverse=True)
    vals = [values[c] for c in used.tolist()]
    if vals and all(type(v) is str for v in vals):
        # strings only: the dtype inferred for one of them holds for all
        dtype = pd.DataFrame([(vals[0],)]).dtypes.iloc[0]
        return pd.array(vals, dtype=dtype).take(inv.reshape(-1))
    col = pd.DataFrame([(v,) for v in vals]).iloc[:, 0]
    return col.array.take(inv.reshape(-1))
