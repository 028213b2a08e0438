"""Tests for weeklylib.cooccur: counts, every measure by hand, units, windows, scale."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import weeklylib as wl
from weeklylib.cooccur import (
    MEASURES,
    cooccurrence,
    cooccurrence_matrix,
    cooccurrence_network,
    describe_unit,
)

# Five articles:  1 {a, b}   2 {a, b, c}   3 {a}   4 {c}   5 {b, c}
# N = 5; n_a = n_b = n_c = 3; n_ab = 2, n_ac = 1, n_bc = 2.
TAGS = pd.DataFrame(
    {
        "article_id": [1, 1, 2, 2, 2, 3, 4, 5, 5, 1],  # the last row repeats (1, a)
        "topic": ["a", "b", "a", "b", "c", "a", "c", "b", "c", "a"],
    }
)


def test_every_measure_by_hand():
    t = cooccurrence(TAGS, measures=MEASURES)
    assert t[["a", "b", "n_a", "n_b", "n_ab", "n_units"]].to_numpy().tolist() == [
        ["a", "b", 3, 3, 2, 5], ["a", "c", 3, 3, 1, 5], ["b", "c", 3, 3, 2, 5],
    ]
    ab, ac = t.iloc[0], t.iloc[1]
    assert ab["count"] == 2
    assert ab["jaccard"] == pytest.approx(2 / 4)          # 2 / (3 + 3 - 2)
    assert ac["jaccard"] == pytest.approx(1 / 5)          # 1 / (3 + 3 - 1)
    assert ab["dice"] == pytest.approx(4 / 6)             # 2*2 / (3 + 3)
    assert ac["dice"] == pytest.approx(2 / 6)
    assert ab["simpson"] == pytest.approx(2 / 3)          # 2 / min(3, 3)
    assert ab["cosine"] == pytest.approx(2 / 3)           # 2 / sqrt(9)
    assert ab["association_strength"] == pytest.approx(10 / 9)  # 5*2 / (3*3)
    assert ac["association_strength"] == pytest.approx(5 / 9)
    assert ab["pmi"] == pytest.approx(math.log(10 / 9))   # 0.105361
    assert ac["pmi"] == pytest.approx(-0.5877866649)      # ln(5/9)
    assert ab["npmi"] == pytest.approx(0.1053605157 / 0.9162907319)   # / -ln(2/5)
    assert ac["npmi"] == pytest.approx(-0.5877866649 / 1.6094379124)  # / -ln(1/5)
    assert t["count"].dtype == np.int64
    assert t["n_ab"].dtype == np.int64


def test_asymmetric_counts_by_hand():
    # 1 {x, y}  2 {x}  3 {x}  4 {x, y}  5 {z}: n_x = 4, n_y = 2, n_xy = 2, N = 5
    t = pd.DataFrame({"article_id": [1, 1, 2, 3, 4, 4, 5], "topic": list("xyxxxyz")})
    r = cooccurrence(t, measures=("jaccard", "dice", "simpson", "cosine",
                                  "association_strength", "npmi")).iloc[0]
    assert (r["a"], r["b"], r["n_a"], r["n_b"], r["n_ab"]) == ("x", "y", 4, 2, 2)
    assert r["jaccard"] == pytest.approx(2 / 4)
    assert r["dice"] == pytest.approx(4 / 6)
    assert r["simpson"] == pytest.approx(1.0)
    assert r["cosine"] == pytest.approx(2 / math.sqrt(8))
    assert r["association_strength"] == pytest.approx(10 / 8)
    assert r["npmi"] == pytest.approx(math.log(10 / 8) / -math.log(2 / 5))


def test_presence_is_boolean_per_unit():
    t = pd.DataFrame({"article_id": [1] * 5 + [2], "topic": ["a", "a", "a", "b", "b", "a"]})
    r = cooccurrence(t)
    assert r[["n_a", "n_b", "n_ab", "n_units"]].to_numpy().tolist() == [[2, 1, 1, 2]]


def test_sentence_and_paragraph_units():
    toks = pd.DataFrame({
        "article_id": ["A"] * 6 + ["B"] * 2,
        "paragraph": [0, 0, 0, 1, 1, 1, 0, 0],
        "sentence": [0, 0, 1, 2, 2, 3, 0, 0],
        "token": ["医保", "DRG", "医保", "医保", "DRG", "AI", "医保", "AI"],
    })
    art = cooccurrence(toks, unit="article_id", item="token")
    sen = cooccurrence(toks, unit=["article_id", "sentence"], item="token")
    par = cooccurrence(toks, unit=["article_id", "paragraph"], item="token")
    key = ["a", "b", "n_a", "n_b", "n_ab", "n_units"]
    assert art[key].to_numpy().tolist() == [
        ["AI", "DRG", 2, 1, 1, 2], ["AI", "医保", 2, 2, 2, 2], ["DRG", "医保", 1, 2, 1, 2],
    ]
    # sentences: A0 {医保, DRG}, A1 {医保}, A2 {医保, DRG}, A3 {AI}, B0 {医保, AI}
    assert sen[key].to_numpy().tolist() == [
        ["AI", "医保", 2, 4, 1, 5], ["DRG", "医保", 2, 4, 2, 5],
    ]
    # paragraphs: A0 {医保, DRG}, A1 {医保, DRG, AI}, B0 {医保, AI}
    assert par[key].to_numpy().tolist() == [
        ["AI", "DRG", 2, 2, 1, 3], ["AI", "医保", 2, 3, 2, 3], ["DRG", "医保", 2, 3, 2, 3],
    ]
    assert sen.attrs["unit"] == "sentence"
    assert par["unit"].unique().tolist() == ["paragraph"]
    assert describe_unit(sen, lang="zh") == "共现单位：句子（N = 5）"


def test_token_window_by_hand():
    # article a: x y z x q y (positions 0-5); article b: x z y (0-2); w = 1
    # windows [p, p+1]: a {x,y} {y,z} {z,x} {x,q} {q,y} {y}; b {x,z} {z,y} {y}; N = 9
    toks = pd.DataFrame({
        "article_id": ["a"] * 6 + ["b"] * 3,
        "position": [0, 1, 2, 3, 4, 5, 0, 1, 2],
        "token": list("xyzxqy") + list("xzy"),
    })
    r = cooccurrence(toks, item="token", window=1, measures=("count", "jaccard"))
    got = {(a, b): (na, nb, nab) for a, b, na, nb, nab in
           r[["a", "b", "n_a", "n_b", "n_ab"]].itertuples(index=False)}
    assert got == {
        ("q", "x"): (2, 4, 1),
        ("q", "y"): (2, 6, 1),
        ("x", "y"): (4, 6, 1),
        ("x", "z"): (4, 4, 2),
        ("y", "z"): (6, 4, 2),
    }
    assert r["n_units"].unique().tolist() == [9]
    assert r.loc[(r.a == "x") & (r.b == "z"), "jaccard"].item() == pytest.approx(2 / 6)
    assert r.attrs["unit"] == "±1-token window"
    assert r.attrs["window"] == 1
    # w = 2: pairs up to two positions apart; x..y in a at distance 1 and 2 -> more windows
    r2 = cooccurrence(toks, item="token", window=2)
    assert r2.loc[(r2.a == "x") & (r2.b == "y"), "n_ab"].item() == 4
    # windows never cross articles: b's x and a's last y are not neighbours
    big = cooccurrence(toks, item="token", window=100)
    art = cooccurrence(toks, item="token")
    assert big[["a", "b", "n_ab"]].to_numpy().tolist() != []
    assert set(zip(big.a, big.b, strict=True)) == set(zip(art.a, art.b, strict=True))


def test_cross_topics_by_regions_with_all_articles_as_universe():
    tags = pd.DataFrame({"article_id": [1, 1, 2, 3], "topic": ["ai", "pc", "ai", "pc"]})
    regions = pd.DataFrame({"article_id": [1, 2, 2, 4], "region": ["北京", "北京", "上海", "上海"]})
    r = cooccurrence(tags, table_b=regions, item_b="region",
                     measures=("count", "association_strength"), n_units=6)
    assert r[["a", "b", "n_a", "n_b", "n_ab", "n_units"]].to_numpy().tolist() == [
        ["ai", "上海", 2, 2, 1, 6], ["ai", "北京", 2, 2, 2, 6], ["pc", "北京", 2, 2, 1, 6],
    ]
    assert r.loc[1, "association_strength"] == pytest.approx(6 * 2 / 4)
    assert r.attrs["kind"] == "cross"
    m = cooccurrence_matrix(r, "count")
    assert m.loc["pc", "上海"] == 0
    assert m.loc["ai", "北京"] == 2
    assert list(m.index) == ["ai", "pc"]
    with pytest.raises(ValueError, match=r"n_units must be an integer >= the 4 units"):
        cooccurrence(tags, table_b=regions, item_b="region", n_units=3)


def test_cross_two_item_columns_of_one_table():
    t = pd.DataFrame({"article_id": [1, 2, 3], "topic": ["ai", "ai", "pc"],
                      "province": ["北京", "上海", "北京"]})
    r = cooccurrence(t, item="topic", item_b="province")
    assert r[["a", "b", "n_ab"]].to_numpy().tolist() == [
        ["ai", "上海", 1], ["ai", "北京", 1], ["pc", "北京", 1],
    ]


def test_counts_above_int16_and_a_million_units():
    n = 1_000_000
    units = np.repeat(np.arange(n), 2)
    items = np.tile(np.array(["x", "y"], dtype=object), n)
    items[1::2][: n // 4] = "z"  # first quarter of units: {x, z}; the rest {x, y}
    t = pd.DataFrame({"article_id": units, "topic": items})
    r = cooccurrence(t, measures=("count", "jaccard"))
    got = {(a, b): c for a, b, c in r[["a", "b", "n_ab"]].itertuples(index=False)}
    assert got == {("x", "y"): 750_000, ("x", "z"): 250_000}
    assert r["n_units"].iloc[0] == n
    assert r["n_ab"].dtype == np.int64
    assert r.loc[r.b == "y", "jaccard"].item() == pytest.approx(0.75)
    m = cooccurrence_matrix(r, "count", diagonal="self")
    assert m.loc["x", "x"] == n
    assert m.loc["y", "z"] == 0


def test_matrix_symmetric_diagonal_and_fill():
    t = cooccurrence(TAGS, measures=MEASURES)
    m = cooccurrence_matrix(t, "jaccard")
    assert list(m.index) == ["a", "b", "c"]
    np.testing.assert_allclose(m.to_numpy(), m.to_numpy().T)
    assert np.isnan(np.diag(m.to_numpy())).all()
    assert m.loc["c", "a"] == pytest.approx(0.2)
    assert m.attrs["unit"] == "article"
    assert m.attrs["measure"] == "jaccard"
    d = cooccurrence_matrix(t, "count", diagonal="self")
    assert np.diag(d.to_numpy()).tolist() == [3, 3, 3]
    d = cooccurrence_matrix(t, "association_strength", diagonal="self")
    assert np.diag(d.to_numpy()) == pytest.approx([5 / 3] * 3)
    o = cooccurrence_matrix(t, "count", order=["c", "a", "q"])
    assert list(o.columns) == ["c", "a", "q"]
    assert o.loc["q", "a"] == 0
    with pytest.raises(ValueError, match=r"measure 'dice' is not a column of tidy"):
        cooccurrence_matrix(cooccurrence(TAGS), "dice")


def test_min_count_zero_lists_pairs_that_never_meet():
    t = pd.DataFrame({"article_id": [1, 1, 2], "topic": ["a", "b", "c"]})
    r = cooccurrence(t, measures=("count", "jaccard", "npmi"), min_count=0)
    assert r[["a", "b", "n_ab"]].to_numpy().tolist() == [
        ["a", "b", 1], ["a", "c", 0], ["b", "c", 0],
    ]
    assert r.loc[1, "jaccard"] == 0
    assert r.loc[1, "npmi"] == -1
    # a pair present in every unit has npmi 1
    full = pd.DataFrame({"article_id": [1, 1, 2, 2], "topic": ["a", "b", "a", "b"]})
    assert cooccurrence(full, measures="npmi").loc[0, "npmi"] == 1.0
    assert len(cooccurrence(TAGS, min_count=2)) == 2


def test_unit_is_stated_everywhere():
    r = cooccurrence(TAGS)
    assert r.attrs["unit"] == "article"
    assert r["unit"].unique().tolist() == ["article"]
    assert r.attrs["n_units"] == 5
    assert describe_unit(r) == "co-occurrence unit: article (N = 5)"


def test_argument_errors():
    with pytest.raises(ValueError, match=r"measures must be among .*got \['cosinus'\]"):
        cooccurrence(TAGS, measures=["cosinus"])
    with pytest.raises(ValueError, match=r"table is missing column\(s\) \['token'\]"):
        cooccurrence(TAGS, item="token")
    with pytest.raises(ValueError, match=r"table is missing column\(s\) \['position'\]"):
        cooccurrence(TAGS, window=3)
    with pytest.raises(ValueError, match=r"window must be None or an integer >= 1; got 0"):
        cooccurrence(TAGS, window=0)
    with pytest.raises(ValueError, match="window cannot be combined with table_b"):
        cooccurrence(TAGS.assign(position=0), window=2, table_b=TAGS)


def test_does_not_mutate_input_and_is_exported():
    before = TAGS.copy()
    cooccurrence(TAGS, measures=MEASURES)
    pd.testing.assert_frame_equal(TAGS, before)
    assert wl.cooccurrence is cooccurrence
    assert wl.cooccurrence_matrix is cooccurrence_matrix


def test_network_communities_are_deterministic():
    # two triangles {a,b,c} and {d,e,f} joined by one weak edge c-d
    rows = []
    u = 0
    for tri in ("abc", "def"):
        for _ in range(5):
            u += 1
            rows += [(u, x) for x in tri]
    u += 1
    rows += [(u, "c"), (u, "d")]
    t = pd.DataFrame(rows, columns=["article_id", "topic"])
    tidy = cooccurrence(t)
    nodes1, edges1 = cooccurrence_network(tidy, seed=3)
    nodes2, _ = cooccurrence_network(tidy, seed=3)
    pd.testing.assert_frame_equal(nodes1, nodes2)
    assert nodes1["community"].tolist() == [0, 0, 0, 1, 1, 1]
    assert nodes1["n"].tolist() == [5, 5, 6, 6, 5, 5]
    assert len(edges1) == 7
    top = cooccurrence_network(tidy, top_edges=6)[1]
    assert ("c", "d") not in set(zip(top.a, top.b, strict=True))


def test_seed_topic_cooccurrence(seed_corpus):
    arts = seed_corpus.articles
    tags = wl.tag_topics(arts)
    r = cooccurrence(tags, measures=MEASURES, n_units=len(arts))
    assert (r["n_units"] == 14).all()
    assert (r["n_ab"] <= np.minimum(r["n_a"], r["n_b"])).all()
    assert ((r["jaccard"] > 0) & (r["jaccard"] <= 1)).all()
    # n_ab equals the number of articles tagged with both topics
    for row in r.head(10).itertuples():
        both = set(tags.loc[tags.topic == row.a, "article_id"]) & set(
            tags.loc[tags.topic == row.b, "article_id"])
        assert len(both) == row.n_ab


# ------------------------------------------------------------------------------------------
# fast paths (categorical codes, arithmetic unit keys, sparse incidence) against brute force
# ------------------------------------------------------------------------------------------


def _brute(table, unit, item):
    """Self co-occurrence counted with Python sets: {(a, b): (n_a, n_b, n_ab)}, N."""
    unit = [unit] if isinstance(unit, str) else list(unit)
    groups: dict = {}
    for row in table[[*unit, item]].itertuples(index=False):
        *key, value = row
        if pd.isna(value):
            continue
        key = tuple("<NA>" if pd.isna(k) else k for k in key)
        groups.setdefault(key, set()).add(value)
    n_item: dict = {}
    n_pair: dict = {}
    for items in groups.values():
        for a in items:
            n_item[a] = n_item.get(a, 0) + 1
        for a in items:
            for b in items:
                if a < b:
                    n_pair[a, b] = n_pair.get((a, b), 0) + 1
    return {(a, b): (n_item[a], n_item[b], n) for (a, b), n in n_pair.items()}, len(groups)


def _tidy(r):
    return {(a, b): (na, nb, nab)
            for a, b, na, nb, nab in r[["a", "b", "n_a", "n_b", "n_ab"]].itertuples(index=False)}


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_random_tables_match_brute_force(seed):
    rng = np.random.default_rng(seed)
    n = 3000
    words = np.array([f"w{i:02d}" for i in range(40)], dtype=object)
    t = pd.DataFrame({
        "article_id": rng.integers(0, 60, n),
        "sentence": rng.integers(0, 8, n).astype(np.int32),
        "token": words[rng.integers(0, len(words), n)],
    })
    t.loc[rng.random(n) < 0.05, "token"] = None  # missing items are left out
    expected, n_units = _brute(t, ["article_id", "sentence"], "token")
    plain = cooccurrence(t, unit=["article_id", "sentence"], item="token")
    assert _tidy(plain) == expected
    assert plain["n_units"].iloc[0] == n_units
    # the same from categoricals: unused and unsorted categories, shuffled rows
    cats = [*words[::-1], "unused"]
    c = t.assign(token=pd.Categorical(t["token"], categories=cats),
                 article_id=pd.Categorical(t["article_id"].astype(str)))
    expected_c, _ = _brute(c.astype({"article_id": object}), ["article_id", "sentence"], "token")
    for frame in (c, c.sample(frac=1, random_state=seed)):
        r = cooccurrence(frame, unit=["article_id", "sentence"], item="token", measures=MEASURES)
        assert _tidy(r) == expected_c
        pd.testing.assert_frame_equal(
            r.reset_index(drop=True),
            cooccurrence(frame.astype({"token": object}), unit=["article_id", "sentence"],
                         item="token", measures=MEASURES),
        )


def test_missing_unit_values_form_a_unit_of_their_own():
    t = pd.DataFrame({
        "doc": pd.Categorical(["x", "x", None, None, "y", "y"]),
        "para": [0.0, 0.0, np.nan, np.nan, np.nan, np.nan],
        "topic": ["a", "b", "a", "b", "a", "c"],
    })
    r = cooccurrence(t, unit=["doc", "para"])
    assert _tidy(r) == {("a", "b"): (3, 2, 2), ("a", "c"): (3, 1, 1)}
    assert r["n_units"].iloc[0] == 3
    expected, n_units = _brute(t, ["doc", "para"], "topic")
    assert _tidy(r) == expected
    assert n_units == 3


def test_tokens_by_sentence_from_tokenize_match_brute_force(seed_corpus):
    toks = wl.tokenize(seed_corpus.articles, cache=False)
    toks = toks[~toks["is_stopword"]]
    r = cooccurrence(toks, unit=["article_id", "sentence"], item="token")
    plain = toks.astype({"token": object, "article_id": object})
    expected, n_units = _brute(plain, ["article_id", "sentence"], "token")
    assert _tidy(r) == expected
    assert r["n_units"].iloc[0] == n_units
    pd.testing.assert_frame_equal(
        r, cooccurrence(plain, unit=["article_id", "sentence"], item="token")
    )


def test_window_on_categorical_tokens():
    toks = pd.DataFrame({
        "article_id": ["a"] * 6 + ["b"] * 3,
        "position": [0, 1, 2, 3, 4, 5, 0, 1, 2],
        "token": pd.Categorical(list("xyzxqy") + list("xzy"), categories=list("zyxqw")),
    })
    r = cooccurrence(toks, item="token", window=1)
    plain = cooccurrence(toks.astype({"token": object}), item="token", window=1)
    pd.testing.assert_frame_equal(r, plain)
    assert _tidy(r)[("x", "z")] == (4, 4, 2)
