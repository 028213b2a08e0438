"""Kleinberg two-state burst detection over time slices (batched, as CiteSpace uses it).

For time slice ``t`` there are ``d_t`` documents, ``r_t`` of which contain the term.  With
``n`` slices, the base rate and the burst rate are

    p0 = Σ r_t / Σ d_t,        p1 = min(s · p0, 0.9999)

and the cost of being in state ``i`` (0 = base, 1 = burst) at ``t`` is

    cost_i(t) = −ln[ C(d_t, r_t) · p_i^r_t · (1 − p_i)^(d_t − r_t) ].

Moving from the base state into the burst state costs ``γ · ln(n)``; leaving it, or staying,
is free; the sequence starts in the base state.  The state sequence with the least total cost
is found exactly by Viterbi dynamic programming (not greedily, slice by slice).  Every maximal
run of burst states is a burst, with

    strength = Σ_{t in burst} (cost_0(t) − cost_1(t)),

i.e. how much better the burst rate explains those slices than the base rate.  Slices with
``d_t = 0`` (gaps) cost nothing in either state.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy.special import gammaln

#: Columns of :func:`detect_bursts`.
BURST_COLUMNS: tuple[str, ...] = (
    "start", "end", "i_start", "i_end", "length", "strength", "n_hits", "n_docs",
)
#: p1 is capped below 1 so that slices with r_t < d_t keep a finite cost.
P1_CAP = 0.9999


def _state_costs(d: np.ndarray, r: np.ndarray, p: float) -> np.ndarray:
    """−ln[C(d, r) p^r (1−p)^(d−r)] for each slice (0·ln 0 taken as 0)."""
    log_binom = gammaln(d + 1) - gammaln(r + 1) - gammaln(d - r + 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        a = np.where(r > 0, r * np.log(p) if p > 0 else -np.inf, 0.0)
        b = np.where(d - r > 0, (d - r) * np.log1p(-p) if p < 1 else -np.inf, 0.0)
    return -(log_binom + a + b)


def _viterbi(c0: np.ndarray, c1: np.ndarray, enter: float) -> np.ndarray:
    """Least-cost 0/1 state sequence; entering 1 costs ``enter``, leaving is free.

    Starts in state 0.  Ties are broken towards state 0 and towards entering a burst as late
    as possible, so a burst never starts or ends on a slice without documents.
    """
    n = len(c0)
    back = np.zeros((n, 2), dtype=np.int8)
    # cost of being in state 0 / 1 at slice 0 (coming from the initial base state)
    f0, f1 = c0[0], enter + c1[0]
    for t in range(1, n):
        # into 0: from 0 (free) or from 1 (free)
        if f0 <= f1:
            n0, back[t, 0] = f0 + c0[t], 0
        else:
            n0, back[t, 0] = f1 + c0[t], 1
        # into 1: from 0 (pay enter) or from 1 (free)
        if f0 + enter <= f1:
            n1, back[t, 1] = f0 + enter + c1[t], 0
        else:
            n1, back[t, 1] = f1 + c1[t], 1
        f0, f1 = n0, n1
    states = np.zeros(n, dtype=np.int8)
    states[-1] = 0 if f0 <= f1 else 1
    for t in range(n - 1, 0, -1):
        states[t - 1] = back[t, states[t]]
    return states


def _check_params(s: float, gamma: float, min_length: int) -> None:
    if not (isinstance(s, (int, float)) and not isinstance(s, bool) and s > 1):
        raise ValueError(f"s must be a number > 1 (the burst/base rate ratio); got {s!r}")
    if not (isinstance(gamma, (int, float)) and not isinstance(gamma, bool) and gamma >= 0):
        raise ValueError(f"gamma must be a number >= 0; got {gamma!r}")
    if isinstance(min_length, bool) or not isinstance(min_length, (int, np.integer)) \
            or min_length < 1:
        raise ValueError(f"min_length must be an integer >= 1; got {min_length!r}")


def detect_bursts(
    counts: pd.DataFrame,
    *,
    s: float = 2.0,
    gamma: float = 1.0,
    min_length: int = 1,
    period: str = "period",
    n_docs: str = "n_docs",
    n_hits: str = "n_hits",
) -> pd.DataFrame:
    """Bursts of one term in a series of time slices (two-state Kleinberg, Viterbi-decoded).

    The model and the formulas are in the module docstring: ``p0 = Σr/Σd``,
    ``p1 = min(s·p0, 0.9999)``, ``cost_i(t) = −ln[C(d_t,r_t) p_i^r_t (1−p_i)^(d_t−r_t)]``,
    entering the burst state costs ``γ·ln(n)``, leaving is free, and
    ``strength = Σ_burst (cost_0(t) − cost_1(t))``.

    Parameters
    ----------
    counts
        One row per time slice, **in time order**: ``period`` (any label), ``n_docs`` (documents
        in the slice, ``d_t``) and ``n_hits`` (documents containing the term, ``r_t``).  Slices
        with no documents (gaps) are allowed and carry no evidence.
    s
        Ratio of the burst rate to the base rate (> 1; CiteSpace's default is 2).
    gamma
        Weight of the cost of entering a burst (>= 0); larger values give fewer, stronger
        bursts.
    min_length
        Drop bursts shorter than this many slices.
    period, n_docs, n_hits
        Column names, e.g. ``n_docs="n_total", n_hits="n_articles"`` for a
        :func:`weeklylib.topic_trends` table.

    Returns
    -------
    DataFrame
        One row per burst, in time order: ``start``, ``end`` (the period labels of its first and
        last slice), ``i_start``, ``i_end`` (0-based slice positions), ``length`` (slices),
        ``strength``, ``n_hits``, ``n_docs`` (sums over the burst).  ``.attrs`` holds ``p0``,
        ``p1``, ``s``, ``gamma``, ``n_slices`` and ``periods`` (all slice labels).  A term that
        never occurs, or occurs in every document, has no bursts.

    Examples
    --------
    >>> import pandas as pd
    >>> counts = pd.DataFrame({"period": list("abcdefgh"), "n_docs": [10] * 8,
    ...                        "n_hits": [1, 1, 1, 8, 9, 1, 1, 1]})
    >>> detect_bursts(counts)[["start", "end", "length"]]
      start end  length
    0     d   e       2
    """
    _check_params(s, gamma, min_length)
    if not isinstance(counts, pd.DataFrame):
        raise ValueError(f"counts must be a DataFrame; got {type(counts).__name__}")
    missing = [c for c in (period, n_docs, n_hits) if c not in counts]
    if missing:
        raise ValueError(
            f"counts is missing column(s) {missing}; needs period, n_docs and n_hits columns "
            "(rename them or pass period=, n_docs=, n_hits=)"
        )
    d_raw = pd.to_numeric(counts[n_docs], errors="coerce").fillna(0).to_numpy(dtype=float)
    r_raw = pd.to_numeric(counts[n_hits], errors="coerce").fillna(0).to_numpy(dtype=float)
    if (d_raw < 0).any() or (r_raw < 0).any() or (np.floor(d_raw) != d_raw).any() \
            or (np.floor(r_raw) != r_raw).any():
        raise ValueError(f"counts: {n_docs!r} and {n_hits!r} must be non-negative integers")
    if (r_raw > d_raw).any():
        t = int(np.flatnonzero(r_raw > d_raw)[0])
        raise ValueError(
            f"counts: {n_hits!r} exceeds {n_docs!r} at row {t} "
            f"({r_raw[t]:g} > {d_raw[t]:g})"
        )
    periods = list(counts[period])
    n = len(periods)
    empty = pd.DataFrame({c: pd.Series(dtype=t) for c, t in zip(
        BURST_COLUMNS, (object, object, "int64", "int64", "int64", "float64", "int64", "int64"),
        strict=True)})
    total_d, total_r = d_raw.sum(), r_raw.sum()
    p0 = total_r / total_d if total_d > 0 else 0.0
    p1 = min(s * p0, P1_CAP)
    attrs = {"p0": float(p0), "p1": float(p1), "s": float(s), "gamma": float(gamma),
             "n_slices": n, "periods": periods}
    if n == 0 or total_r == 0 or p0 >= P1_CAP or p1 <= p0:
        empty.attrs.update(attrs)
        return empty
    c0 = _state_costs(d_raw, r_raw, p0)
    c1 = _state_costs(d_raw, r_raw, p1)
    enter = gamma * math.log(n) if n > 1 else 0.0
    states = _viterbi(c0, c1, enter)
    rows = []
    t = 0
    while t < n:
        if states[t] == 1:
            u = t
            while u + 1 < n and states[u + 1] == 1:
                u += 1
            if u - t + 1 >= min_length:
                rows.append((periods[t], periods[u], t, u, u - t + 1,
                             float(np.sum(c0[t:u + 1] - c1[t:u + 1])),
                             int(r_raw[t:u + 1].sum()), int(d_raw[t:u + 1].sum())))
            t = u + 1
        else:
            t += 1
    out = pd.DataFrame(rows, columns=list(BURST_COLUMNS)) if rows else empty
    for c in ("i_start", "i_end", "length", "n_hits", "n_docs"):
        out[c] = out[c].astype("int64")
    out.attrs.update(attrs)
    return out


def burst_table(
    counts: pd.DataFrame,
    *,
    term: str = "term",
    period: str = "period",
    n_docs: str = "n_docs",
    n_hits: str = "n_hits",
    s: float = 2.0,
    gamma: float = 1.0,
    min_length: int = 1,
    order: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Bursts of many terms at once: :func:`detect_bursts` for each term of a long table.

    Parameters
    ----------
    counts
        Long table with one row per (term, period); within a term, rows must be in time
        order (a :func:`weeklylib.topic_trends` or :func:`weeklylib.keyword_trends` table is).
        All terms must share the same periods.
    term, period, n_docs, n_hits
        Column names.  For a topic-trends table use ``term="topic", n_docs="n_total",
        n_hits="n_articles"``; :func:`topic_bursts` does that for you.
    s, gamma, min_length
        As in :func:`detect_bursts`.
    order
        Terms to analyse, in this order; default all terms, sorted.

    Returns
    -------
    DataFrame
        ``term, start, end, strength, length, i_start, i_end, n_hits, n_docs, p0``, one row per
        burst, sorted by start slice, then strength (descending), then term (the usual
        CiteSpace listing).  ``.attrs["periods"]`` lists all periods (for
        :func:`weeklylib.plotting.topics.plot_bursts`).

    Examples
    --------
    >>> import pandas as pd
    >>> counts = pd.DataFrame({"term": ["x"] * 6 + ["y"] * 6, "period": list(range(6)) * 2,
    ...     "n_docs": [10] * 12, "n_hits": [0, 0, 9, 9, 0, 0] + [2] * 6})
    >>> burst_table(counts)[["term", "start", "end"]]
      term  start  end
    0    x      2    3
    """
    _check_params(s, gamma, min_length)
    if not isinstance(counts, pd.DataFrame):
        raise ValueError(f"counts must be a DataFrame; got {type(counts).__name__}")
    if term not in counts:
        raise ValueError(f"counts has no term column {term!r} (pass term=)")
    terms = list(order) if order is not None else sorted(counts[term].dropna().unique())
    frames = []
    periods: list = []
    for t in terms:
        sub = counts[counts[term] == t]
        b = detect_bursts(sub, s=s, gamma=gamma, min_length=min_length, period=period,
                          n_docs=n_docs, n_hits=n_hits)
        if len(sub) > len(periods):
            periods = list(sub[period])
        if len(b):
            b.insert(0, "term", t)
            b["p0"] = b.attrs["p0"]
            frames.append(b)
    cols = ["term", "start", "end", "strength", "length", "i_start", "i_end", "n_hits",
            "n_docs", "p0"]
    if frames:
        out = pd.concat(frames, ignore_index=True)[cols]
        out = out.sort_values(["i_start", "strength", "term"], ascending=[True, False, True],
                              kind="stable").reset_index(drop=True)
    else:
        out = pd.DataFrame({c: pd.Series(dtype=object if c in ("term", "start", "end")
                                         else "float64" if c in ("strength", "p0") else "int64")
                            for c in cols})
    out.attrs.update({"s": float(s), "gamma": float(gamma), "periods": periods,
                      "term_column": term})
    return out


def topic_bursts(trends: pd.DataFrame, *, s: float = 2.0, gamma: float = 1.0,
                 min_length: int = 1, key: str | None = None) -> pd.DataFrame:
    """Bursts of every topic (or term) of a :func:`weeklylib.topic_trends` table.

    A shortcut for ``burst_table(trends, term="topic", n_docs="n_total",
    n_hits="n_articles", ...)``; with a :func:`weeklylib.keyword_trends` table the term column
    is ``"term"`` (found automatically).  Labels (``label_zh``, ``label_en``) are carried over
    when the trends table has them.  Gap rows (no documents) carry no evidence.

    Returns
    -------
    DataFrame
        As :func:`burst_table`, with the term column named ``term``.
    """
    if key is None:
        key = "topic" if "topic" in trends else "term"
    out = burst_table(trends, term=key, n_docs="n_total", n_hits="n_articles", s=s,
                      gamma=gamma, min_length=min_length)
    for lab in ("label_zh", "label_en"):
        if lab in trends:
            m = trends.drop_duplicates(key).set_index(key)[lab]
            out[lab] = out["term"].map(m)
    return out


__all__ = ["burst_table", "detect_bursts", "topic_bursts"]
