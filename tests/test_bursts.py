"""Tests for weeklylib.bursts: two-state batched Kleinberg with exact Viterbi decoding."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest

import weeklylib as wl
from weeklylib.bursts import P1_CAP, burst_table, detect_bursts, topic_bursts


def _counts(r, d=10, periods=None):
    d = [d] * len(r) if isinstance(d, int) else list(d)
    return pd.DataFrame({"period": periods or list(range(len(r))), "n_docs": d, "n_hits": r})


def _cost(d, r, p):
    """−ln[C(d,r) p^r (1−p)^(d−r)], written out independently of the library."""
    return -(math.log(math.comb(d, r)) + r * math.log(p) + (d - r) * math.log(1 - p))


def _brute_force(d, r, s=2.0, gamma=1.0):
    """Least-cost state sequence by trying every 0/1 sequence (small n only)."""
    n = len(d)
    p0 = sum(r) / sum(d)
    p1 = min(s * p0, P1_CAP)
    best = None
    for seq in itertools.product((0, 1), repeat=n):
        cost, prev = 0.0, 0
        for t, q in enumerate(seq):
            if q == 1 and prev == 0:
                cost += gamma * math.log(n)
            cost += _cost(d[t], r[t], p1 if q else p0)
            prev = q
        key = (round(cost, 9), seq)  # ties: lexicographically smallest (fewest early bursts)
        if best is None or key < best:
            best = key
    return best[1]


def test_planted_burst_found_with_correct_start_and_end():
    r = [2, 2, 1, 2, 2, 9, 10, 9, 2, 1, 2, 2]
    periods = [f"2025-W{w:02d}" for w in range(1, 13)]
    b = detect_bursts(_counts(r, d=20, periods=periods))
    assert len(b) == 1
    assert (b.loc[0, "start"], b.loc[0, "end"]) == ("2025-W06", "2025-W08")
    assert (b.loc[0, "i_start"], b.loc[0, "i_end"], b.loc[0, "length"]) == (5, 7, 3)
    assert b.loc[0, "n_hits"] == 28
    assert b.loc[0, "n_docs"] == 60


def test_flat_series_has_no_bursts():
    assert detect_bursts(_counts([3] * 10)).empty
    assert detect_bursts(_counts([0] * 10)).empty  # term never occurs
    assert detect_bursts(_counts([10] * 5)).empty  # term in every document


def test_tiny_case_strength_by_hand():
    # d = 10 each, r = 1, 8, 1: p0 = 10/30 = 1/3, p1 = 2/3.
    # cost0 - cost1 at the middle slice = ln[(2/3)^8 (1/3)^2 / ((1/3)^8 (2/3)^2)] = 6 ln 2,
    # larger than the entry cost ln 3; the outer slices favour the base state by 8 ln 2.
    b = detect_bursts(_counts([1, 8, 1]))
    assert b[["i_start", "i_end"]].to_numpy().tolist() == [[1, 1]]
    assert b.loc[0, "strength"] == pytest.approx(6 * math.log(2), rel=1e-12)
    assert b.attrs["p0"] == pytest.approx(1 / 3)
    assert b.attrs["p1"] == pytest.approx(2 / 3)
    # the same number from the written-out cost formula
    assert b.loc[0, "strength"] == pytest.approx(_cost(10, 8, 1 / 3) - _cost(10, 8, 2 / 3))


def test_viterbi_bridges_a_weak_slice_where_slice_by_slice_would_split():
    # p0 = 21/70 = 0.3, p1 = 0.6.  Slice 3 alone favours the base state by
    # 7 ln(0.7/0.4) - 3 ln 2 = 1.838 < ln 7 = 1.946 (the price of re-entering),
    # so the optimal path stays in the burst: ONE burst 2..4, not two.
    r = [1, 1, 7, 3, 7, 1, 1]
    b = detect_bursts(_counts(r))
    assert b[["i_start", "i_end"]].to_numpy().tolist() == [[2, 4]]
    expected = sum(_cost(10, x, 0.3) - _cost(10, x, 0.6) for x in (7, 3, 7))
    assert b.loc[0, "strength"] == pytest.approx(expected)
    # a greedy per-slice choice would have split it (slice 3 favours the base state)
    assert _cost(10, 3, 0.3) < _cost(10, 3, 0.6)


@pytest.mark.parametrize("seed", range(12))
def test_decoding_is_exact_against_brute_force(seed):
    rng = np.random.default_rng(seed)
    n = 9
    d = rng.integers(3, 15, size=n).tolist()
    r = [int(rng.integers(0, x + 1) * (rng.random() < 0.6)) for x in d]
    if sum(r) == 0:
        r[0] = 1
    gamma = float(rng.choice([0.0, 0.5, 1.0, 2.0]))
    best = _brute_force(d, r, gamma=gamma)
    b = detect_bursts(pd.DataFrame({"period": range(n), "n_docs": d, "n_hits": r}),
                      gamma=gamma)
    got = np.zeros(n, dtype=int)
    for i0, i1 in zip(b["i_start"], b["i_end"], strict=True):
        got[i0:i1 + 1] = 1
    assert got.tolist() == list(best)


def test_min_length_and_gamma():
    r = [1, 1, 9, 1, 1, 1, 8, 9, 1, 1]
    both = detect_bursts(_counts(r))
    assert both[["i_start", "i_end"]].to_numpy().tolist() == [[2, 2], [6, 7]]
    long_only = detect_bursts(_counts(r), min_length=2)
    assert long_only[["i_start", "i_end"]].to_numpy().tolist() == [[6, 7]]
    # a very expensive entry suppresses every burst
    assert detect_bursts(_counts(r), gamma=50).empty


def test_gap_slices_carry_no_evidence():
    r = [1, 1, 8, 0, 8, 1, 1]
    d = [10, 10, 10, 0, 10, 10, 10]
    b = detect_bursts(_counts(r, d=d))
    # the empty slice costs nothing in either state, so the burst runs through it
    assert b[["i_start", "i_end"]].to_numpy().tolist() == [[2, 4]]
    # p0 = 20/60 = 1/3, p1 = 2/3: each r = 8 slice contributes 6 ln 2, the gap nothing
    expected = 2 * (_cost(10, 8, 1 / 3) - _cost(10, 8, 2 / 3))
    assert b.loc[0, "strength"] == pytest.approx(expected)
    assert b.loc[0, "strength"] == pytest.approx(12 * math.log(2))


def test_p1_is_capped_below_one():
    # p0 = 12/30 = 0.4, s * p0 = 2 > 1 -> p1 = 0.9999
    b = detect_bursts(_counts([1, 10, 1]), s=5)
    assert b.attrs["p1"] == P1_CAP
    assert b[["i_start", "i_end"]].to_numpy().tolist() == [[1, 1]]
    assert b.loc[0, "strength"] == pytest.approx(-10 * math.log(0.4) + 10 * math.log(P1_CAP))


def test_large_counts_are_fine():
    r = [100_000, 100_000, 400_000, 100_000]
    b = detect_bursts(_counts(r, d=1_000_000))
    assert b[["i_start", "i_end"]].to_numpy().tolist() == [[2, 2]]
    assert np.isfinite(b.loc[0, "strength"])


def test_argument_errors():
    c = _counts([1, 2, 3])
    with pytest.raises(ValueError, match=r"s must be a number > 1.*got 1"):
        detect_bursts(c, s=1)
    with pytest.raises(ValueError, match=r"gamma must be a number >= 0; got -1"):
        detect_bursts(c, gamma=-1)
    with pytest.raises(ValueError, match=r"min_length must be an integer >= 1; got 0"):
        detect_bursts(c, min_length=0)
    with pytest.raises(ValueError, match=r"missing column\(s\) \['n_docs'\]"):
        detect_bursts(c.drop(columns="n_docs"))
    with pytest.raises(ValueError, match=r"'n_hits' exceeds 'n_docs' at row 1 \(12 > 10\)"):
        detect_bursts(_counts([1, 12, 1]))


def test_exported_lazily():
    assert wl.detect_bursts is detect_bursts


def test_burst_table_many_terms_sorted_like_citespace():
    counts = pd.DataFrame({
        "term": ["x"] * 6 + ["y"] * 6 + ["z"] * 6,
        "period": list("abcdef") * 3,
        "n_docs": [10] * 18,
        "n_hits": [0, 0, 9, 9, 0, 0] + [1, 9, 1, 1, 1, 1] + [2] * 6,
    })
    bt = burst_table(counts)
    assert bt[["term", "start", "end"]].to_numpy().tolist() == [["y", "b", "b"], ["x", "c", "d"]]
    assert bt.attrs["periods"] == list("abcdef")
    one = detect_bursts(counts[counts.term == "x"])
    assert bt.loc[1, "strength"] == pytest.approx(one.loc[0, "strength"])


def test_topic_bursts_from_topic_trends():
    trends = pd.DataFrame({
        "period": [f"p{i}" for i in range(6)] * 2,
        "topic": ["ai"] * 6 + ["pc"] * 6,
        "n_total": [10, 10, 0, 10, 10, 10] * 2,
        "n_articles": [1, 1, 0, 9, 9, 1, 3, 3, 0, 3, 3, 3],
        "label_zh": ["人工智能"] * 6 + ["基层"] * 6,
    })
    tb = topic_bursts(trends)
    # the empty slice p2 costs nothing in either state; ties go to the base state, so the
    # burst starts at p3, not on the gap
    assert tb[["term", "start", "end", "label_zh"]].to_numpy().tolist() == [
        ["ai", "p3", "p4", "人工智能"],
    ]


def test_seed_topic_bursts_run(seed_corpus):
    arts = seed_corpus.articles
    tr = wl.topic_trends(wl.tag_topics(arts), arts, freq="issue")
    tb = topic_bursts(tr)
    assert set(tb.columns) >= {"term", "start", "end", "strength"}
    assert (tb["strength"] > 0).all()
    assert tb.attrs["periods"] == sorted(tr["period"].unique().tolist())
