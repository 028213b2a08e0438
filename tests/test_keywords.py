"""Tests for weeklylib.keywords: frequencies, TF-IDF, keyness, KWIC."""

from __future__ import annotations

import math
from types import SimpleNamespace

import pandas as pd
import pytest

from weeklylib.keywords import keyness, kwic, term_frequencies, tfidf_keywords
from weeklylib.segment import tokenize


def toks(rows: list[tuple[str, str]], stop: set[str] = frozenset()) -> pd.DataFrame:
    """A tokens table from (article_id, token) pairs."""
    return pd.DataFrame(
        {
            "article_id": [a for a, _ in rows],
            "token": pd.Categorical([t for _, t in rows]),
            "is_stopword": [t in stop for _, t in rows],
        }
    )


# a: 医保 医保 医院 的      b: 医院 医联体 的      c: 医保 数据
SMALL = toks(
    [
        ("a", "医保"),
        ("a", "医保"),
        ("a", "医院"),
        ("a", "的"),
        ("b", "医院"),
        ("b", "医联体"),
        ("b", "的"),
        ("c", "医保"),
        ("c", "数据"),
    ],
    stop={"的"},
)
ARTICLES = pd.DataFrame({"article_id": ["a", "b", "c"], "period": ["2024", "2024", "2025"]})


# ------------------------------------------------------------------------------------------
# term_frequencies
# ------------------------------------------------------------------------------------------


def test_term_frequencies_overall():
    out = term_frequencies(SMALL)
    assert list(out.columns) == ["term", "n", "n_docs", "share", "doc_share"]
    assert out["term"].tolist() == ["医保", "医院", "医联体", "数据"]
    assert out["n"].tolist() == [3, 2, 1, 1]
    assert out["n_docs"].tolist() == [2, 2, 1, 1]
    assert out["share"].tolist() == pytest.approx([3 / 7, 2 / 7, 1 / 7, 1 / 7])
    assert out["doc_share"].tolist() == pytest.approx([2 / 3, 2 / 3, 1 / 3, 1 / 3])


def test_term_frequencies_keep_stopwords_and_min_chars():
    out = term_frequencies(SMALL, drop_stopwords=False)
    assert dict(zip(out["term"], out["n"], strict=True))["的"] == 2
    out = term_frequencies(SMALL, min_chars=3)
    assert out["term"].tolist() == ["医联体"]


def test_term_frequencies_by_group_joined_from_articles():
    out = term_frequencies(SMALL, by="period", articles=ARTICLES)
    assert list(out.columns) == ["period", "term", "n", "n_docs", "share", "doc_share"]
    got = {
        (p, t): (n, d)
        for p, t, n, d in out[["period", "term", "n", "n_docs"]].itertuples(index=False)
    }
    assert got == {
        ("2024", "医保"): (2, 1),
        ("2024", "医院"): (2, 2),
        ("2024", "医联体"): (1, 1),
        ("2025", "医保"): (1, 1),
        ("2025", "数据"): (1, 1),
    }
    assert out["period"].tolist() == ["2024", "2024", "2024", "2025", "2025"]
    share_2024 = out[out["period"] == "2024"].set_index("term")["share"]
    assert share_2024["医院"] == pytest.approx(2 / 5)
    # doc_share is per group: 医院 is in both 2024 articles
    assert out.set_index(["period", "term"]).loc[("2024", "医院"), "doc_share"] == 1.0


def test_term_frequencies_by_article_and_corpus_object():
    out = term_frequencies(SMALL, by="article_id", articles=SimpleNamespace(articles=ARTICLES))
    assert out[out["article_id"] == "a"]["term"].tolist() == ["医保", "医院"]
    assert out[out["article_id"] == "a"]["n"].tolist() == [2, 1]


def test_term_frequencies_without_is_stopword_column_uses_bundled_list():
    plain = SMALL.drop(columns="is_stopword")
    assert term_frequencies(plain)["term"].tolist() == ["医保", "医院", "医联体", "数据"]


def test_term_frequencies_errors():
    with pytest.raises(ValueError, match=r"column\(s\) \['region'\] are not in tokens"):
        term_frequencies(SMALL, by="region")
    with pytest.raises(ValueError, match=r"neither in tokens nor in articles"):
        term_frequencies(SMALL, by="region", articles=ARTICLES)
    with pytest.raises(ValueError, match="by must be a column name"):
        term_frequencies(SMALL, by=3)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="tokens lacks column 'token'"):
        term_frequencies(SMALL.rename(columns={"token": "word"}))
    with pytest.raises(ValueError, match="min_chars must be an int >= 1; got 0"):
        term_frequencies(SMALL, min_chars=0)


def test_term_frequencies_empty():
    out = term_frequencies(SMALL[SMALL["token"] == "的"])
    assert out.empty
    assert list(out.columns) == ["term", "n", "n_docs", "share", "doc_share"]


# ------------------------------------------------------------------------------------------
# tfidf_keywords
# ------------------------------------------------------------------------------------------


def test_tfidf_per_article_hand_computed():
    out = tfidf_keywords(SMALL, top=None)
    assert list(out.columns) == ["article_id", "rank", "term", "n", "df", "tf", "idf", "tfidf"]
    # D = 3 articles; df: 医保 2, 医院 2, 医联体 1, 数据 1
    idf2 = math.log(4 / 3) + 1
    idf1 = math.log(4 / 2) + 1
    a = out[out["article_id"] == "a"]
    assert a["term"].tolist() == ["医保", "医院"]
    assert a["tfidf"].tolist() == pytest.approx([2 / 3 * idf2, 1 / 3 * idf2])
    assert a["rank"].tolist() == [1, 2]
    b = out[out["article_id"] == "b"]
    assert b["term"].tolist() == ["医联体", "医院"]
    assert b["tfidf"].tolist() == pytest.approx([0.5 * idf1, 0.5 * idf2])
    c = out[out["article_id"] == "c"]
    assert c["term"].tolist() == ["数据", "医保"]
    assert c["idf"].tolist() == pytest.approx([idf1, idf2])


def test_tfidf_top_and_ties_broken_by_term():
    rows = [("x", "乙"), ("x", "甲"), ("y", "丙")]
    out = tfidf_keywords(toks(rows), top=1, min_chars=1)
    assert out[["article_id", "term"]].to_numpy().tolist() == [["x", "乙"], ["y", "丙"]]  # 乙 < 甲


def test_tfidf_per_group_with_both_idf_units():
    out = tfidf_keywords(SMALL, by="period", articles=ARTICLES, top=None)
    g24 = out[out["period"] == "2024"].set_index("term")
    # idf over articles (D=3); tf over the 2024 group's 5 counted tokens
    assert g24.loc["医院", "tfidf"] == pytest.approx(2 / 5 * (math.log(4 / 3) + 1))
    assert g24.loc["医联体", "df"] == 1
    out = tfidf_keywords(SMALL, by="period", articles=ARTICLES, top=None, idf="group")
    g24 = out[out["period"] == "2024"].set_index("term")
    # D = 2 groups; 医保 in both groups, 医院 only in 2024
    assert g24.loc["医保", "idf"] == pytest.approx(math.log(3 / 3) + 1)
    assert g24.loc["医院", "idf"] == pytest.approx(math.log(3 / 2) + 1)
    assert g24.index[0] == "医院"


def test_tfidf_min_df_and_errors():
    out = tfidf_keywords(SMALL, top=None, min_df=2)
    assert set(out["term"]) == {"医保", "医院"}
    with pytest.raises(ValueError, match="idf must be one of"):
        tfidf_keywords(SMALL, idf="doc")
    with pytest.raises(ValueError, match="top must be an int >= 1 or None; got 0"):
        tfidf_keywords(SMALL, top=0)
    with pytest.raises(ValueError, match="by must name at least one column"):
        tfidf_keywords(SMALL, by=[])


# ------------------------------------------------------------------------------------------
# keyness
# ------------------------------------------------------------------------------------------


def _keyness_tokens() -> pd.DataFrame:
    # target (2024): 医保 x10, 医院 x90 (c = 100); reference (2025): 医保 x2, 医院 x198 (d = 200)
    rows = [("t", "医保")] * 10 + [("t", "医院")] * 90 + [("r", "医保")] * 2 + [("r", "医院")] * 198
    out = toks(rows)
    out["year"] = out["article_id"].map({"t": 2024, "r": 2025})
    return out


def test_keyness_g2_hand_computed():
    out = keyness(_keyness_tokens(), groups="year", target=2024)
    assert list(out.columns) == [
        "term",
        "n_target",
        "n_reference",
        "expected_target",
        "expected_reference",
        "g2",
        "p_value",
        "log_ratio",
        "direction",
    ]
    row = out.set_index("term").loc["医保"]
    assert (row["n_target"], row["n_reference"]) == (10, 2)
    assert (row["expected_target"], row["expected_reference"]) == pytest.approx((4.0, 8.0))
    g2 = 2 * (10 * math.log(10 / 4) + 2 * math.log(2 / 8))
    assert row["g2"] == pytest.approx(g2)  # 12.7806
    assert row["g2"] == pytest.approx(12.7806, abs=1e-4)
    assert row["p_value"] == pytest.approx(math.erfc(math.sqrt(g2 / 2)))
    assert row["log_ratio"] == pytest.approx(math.log2((10 / 100) / (2 / 200)))  # log2(10)
    assert row["direction"] == "target"
    other = out.set_index("term").loc["医院"]
    assert other["g2"] < 0
    assert other["direction"] == "reference"
    assert out["term"].tolist() == ["医保", "医院"]  # sorted by signed statistic


def test_keyness_chi2_matches_scipy():
    from scipy.stats import chi2, chi2_contingency

    out = keyness(_keyness_tokens(), groups="year", target=[2024], reference=2025, statistic="chi2")
    assert "chi2" in out.columns
    assert "g2" not in out.columns
    row = out.set_index("term").loc["医保"]
    assert row["chi2"] == pytest.approx(14.0625)  # 36/4 + 36/8 + 36/96 + 36/192
    expected = chi2_contingency([[10, 2], [90, 198]], correction=False)
    assert row["chi2"] == pytest.approx(expected.statistic)
    assert row["p_value"] == pytest.approx(chi2.sf(14.0625, 1))


def test_keyness_zero_frequency_log_ratio_and_min_n():
    rows = [("t", "医共体")] * 3 + [("t", "医院")] * 7 + [("r", "医院")] * 10
    tokens = toks(rows)
    tokens["g"] = tokens["article_id"]
    out = keyness(tokens, groups="g", target="t").set_index("term")
    assert out.loc["医共体", "n_reference"] == 0
    assert out.loc["医共体", "log_ratio"] == pytest.approx(math.log2((3 / 10) / (0.5 / 10)))
    e1 = 10 * 3 / 20
    assert out.loc["医共体", "g2"] == pytest.approx(2 * 3 * math.log(3 / e1))
    out = keyness(tokens, groups="g", target="t", min_n=4)
    assert out["term"].tolist() == ["医院"]


def test_keyness_group_from_articles_and_errors():
    out = keyness(SMALL, groups="period", target="2025", articles=ARTICLES, min_chars=1)
    assert out.iloc[0]["term"] in {"数据", "医保"}
    assert set(out["term"]) == {"医保", "医院", "医联体", "数据"}
    with pytest.raises(ValueError, match=r"statistic must be one of \('g2', 'chi2'\); got 'll'"):
        keyness(SMALL, groups="period", target="2025", articles=ARTICLES, statistic="ll")
    with pytest.raises(ValueError, match="target '1999' matches no counted tokens"):
        keyness(SMALL, groups="period", target="1999", articles=ARTICLES)
    with pytest.raises(ValueError, match="share value"):
        keyness(SMALL, groups="period", target="2025", reference=["2025"], articles=ARTICLES)


# ------------------------------------------------------------------------------------------
# kwic
# ------------------------------------------------------------------------------------------

KWIC_ARTS = pd.DataFrame(
    {
        "article_id": ["a", "b", "c"],
        "title": ["医共体建设", "无关", "AI+医疗"],
        "body": ["县域医共体建设，医共体\n医共体", "没有匹配", "推进ai+医疗与AI+医疗"],
    }
)


def test_kwic_exact_contexts():
    out = kwic(KWIC_ARTS, "医共体", window=3)
    assert list(out.columns) == ["article_id", "left", "match", "right", "start", "end"]
    # 县0 域1 医2 共3 体4 建5 设6 ，7 医8 共9 体10 \n11 医12 共13 体14
    assert out.to_numpy().tolist() == [
        ["a", "县域", "医共体", "建设，", 2, 5],
        ["a", "建设，", "医共体", "\n医共", 8, 11],
        ["a", "共体\n", "医共体", "", 12, 15],
    ]


def test_kwic_contexts_equal_body_slices(seed_corpus):
    arts = seed_corpus.articles
    out = kwic(arts, ["医院", "数据"], window=7)
    assert len(out) > 50
    bodies = dict(zip(arts["article_id"], arts["body"], strict=True))
    for r in out.itertuples():
        body = bodies[r.article_id]
        assert body[r.start : r.end] == r.match
        assert r.left == body[max(0, r.start - 7) : r.start]
        assert r.right == body[r.end : r.end + 7]
    assert sum(b.count("医院") + b.count("数据") for b in arts["body"]) == len(out)


def test_kwic_list_regex_case_field():
    out = kwic(KWIC_ARTS, ["医共体", "县域医共体"], window=1)
    assert out["match"].tolist() == ["县域医共体", "医共体", "医共体"]  # longest first
    out = kwic(KWIC_ARTS, r"医共体(?=建设)", regex=True, window=0)
    assert out[["start", "end"]].to_numpy().tolist() == [[2, 5]]
    assert kwic(KWIC_ARTS, "AI+医疗", window=2)["match"].tolist() == ["AI+医疗"]
    assert kwic(KWIC_ARTS, "AI+医疗", window=2, ignore_case=True)["match"].tolist() == [
        "ai+医疗",
        "AI+医疗",
    ]
    out = kwic(SimpleNamespace(articles=KWIC_ARTS), "医疗", field="title", window=5)
    assert out.to_numpy().tolist() == [["c", "AI+", "医疗", "", 3, 5]]


def test_kwic_no_match_and_missing_text():
    arts = pd.DataFrame({"article_id": ["a", "b"], "body": [None, "医保"]})
    out = kwic(arts, "医共体")
    assert out.empty
    assert list(out.columns) == ["article_id", "left", "match", "right", "start", "end"]
    assert kwic(arts, "医保")["article_id"].tolist() == ["b"]
    assert kwic(arts, r"\b", regex=True).empty  # zero-length matches are skipped


def test_kwic_errors():
    with pytest.raises(ValueError, match="window must be an int >= 0; got -1"):
        kwic(KWIC_ARTS, "医", window=-1)
    with pytest.raises(ValueError, match="not a valid regular expression"):
        kwic(KWIC_ARTS, "(医", regex=True)
    with pytest.raises(ValueError, match="pattern must be a non-empty string"):
        kwic(KWIC_ARTS, "")
    with pytest.raises(ValueError, match=r"lacks column\(s\) \['summary'\]"):
        kwic(KWIC_ARTS, "医", field="summary")


# ------------------------------------------------------------------------------------------
# end to end on the seed corpus
# ------------------------------------------------------------------------------------------


def test_seed_keywords_come_from_their_article(seed_corpus):
    arts = seed_corpus.articles
    tokens = tokenize(arts, cache=False)
    kw = tfidf_keywords(tokens, top=5)
    assert set(kw["article_id"]) == set(arts.loc[arts["body"].str.len() > 0, "article_id"])
    assert kw.groupby("article_id")["rank"].max().le(5).all()
    bodies = dict(zip(arts["article_id"], arts["body"], strict=True))
    assert all(t in bodies[a] for a, t in zip(kw["article_id"], kw["term"], strict=True))
    assert (kw["term"].str.len() >= 2).all()
    freq = term_frequencies(tokens, by="doc_id", articles=arts)
    assert freq.groupby("doc_id")["n"].sum().sum() == int((~tokens["is_stopword"]).sum())


def test_plain_string_tokens_and_integer_ids_give_the_same_counts():
    plain = SMALL.assign(
        token=SMALL["token"].astype(str),
        article_id=SMALL["article_id"].map({"a": 1, "b": 2, "c": 3}),
    )
    arts = ARTICLES.assign(article_id=[1, 2, 3])
    got = term_frequencies(plain, by="period", articles=arts)
    pd.testing.assert_frame_equal(got, term_frequencies(SMALL, by="period", articles=ARTICLES))
    got = tfidf_keywords(plain, top=None)
    want = tfidf_keywords(SMALL, top=None)
    assert got["term"].tolist() == want["term"].tolist()
    assert got["tfidf"].tolist() == pytest.approx(want["tfidf"].tolist())
    assert got["article_id"].tolist() == want["article_id"].map({"a": 1, "b": 2, "c": 3}).tolist()
