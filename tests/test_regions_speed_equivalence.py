"""The fast place extraction gives exactly what the article-by-article reference gives.

``extract_places`` squeezes and scans all texts at once, reports self-resolved candidates on
arrays and runs the guard logic only where it can matter; ``resolve_regions`` scores with
``np.bincount``.  ``regions._extract_places_reference`` (``_candidates``, ``_select``,
``_resolve_article``, ``_mark_lists`` one article at a time) and
``regions._score_reference`` (``_score_article``) are the references; these tests compare
whole tables (values, dtypes, order).
"""

from __future__ import annotations

import random

import numpy as np
import pandas as pd
import pandas.testing as pdt
import pytest

import weeklylib._textmatch as TM
from weeklylib import regions as R


def _reference_places(articles, fields=("title", "body")):
    matcher = R._get_matcher(None, None)
    rows = R._extract_places_reference(articles, matcher, R._check_articles(articles, fields))
    out = pd.DataFrame(rows, columns=list(R.PLACE_COLUMNS))
    out["start"] = out["start"].astype("int64")
    out["end"] = out["end"].astype("int64")
    out["dateline"] = out["dateline"].astype(bool)
    out["listed"] = out["listed"].astype(bool)
    return out


def _same(monkeypatch, articles, fields=("title", "body")):
    places = R.extract_places(articles, fields=fields)
    pdt.assert_frame_equal(places, _reference_places(articles, fields))
    fast = R.resolve_regions(places)
    with monkeypatch.context() as m:
        m.setattr(R, "_score_fast", lambda *a, **k: None)
        ref = R.resolve_regions(places)
    pdt.assert_frame_equal(fast, ref)
    return places


def _arts(bodies, titles=None, ids=None):
    n = len(bodies)
    return pd.DataFrame({
        "article_id": ids if ids is not None else [f"a{i}" for i in range(n)],
        "title": titles if titles is not None else [""] * n,
        "body": bodies,
    })


def test_constructed_cases(monkeypatch):
    arts = _arts(
        [
            "新华社贵阳 2 月 23 日电 贵州三都水族自治县人民医院与三都县、黔南州合作。",
            "福州和龙岩的医院；湖南、新疆、海南等地；聊 城 市东阿县 人民医院",
            "复旦大学附属中山医院与北京市通州区合作，三明医改经验推广到潍坊方案。",
            "鼓楼区和朝阳区的医生来到吉林，吉林市、长春市",
            "",
            "道县 资源 合作 惠民 城区 钟南山 中山大学 两岸 长三角",
            "𠀋 山东聊城\n\n东阿县人民医院",
        ],
        titles=["贵州三都：医共体", None, "北京 通州", "吉林", "", "湖南道县", "山东"],
        ids=["x", "y", "z", "x", "e", "d", "u"],
    )
    places = _same(monkeypatch, arts)
    assert {"institution", "reference", "context"} <= set(places["resolution"])
    assert places["listed"].any()
    assert places["dateline"].any()
    _same(monkeypatch, arts, fields=("body",))
    _same(monkeypatch, arts, fields=("body", "title"))
    _same(monkeypatch, arts.iloc[:0])
    _same(monkeypatch, _arts(["没有地名的句子"]))


def test_seeds_and_small_batches(monkeypatch, seed_corpus):
    arts = seed_corpus.articles
    _same(monkeypatch, arts)
    monkeypatch.setattr(TM, "_CHUNK_CHARS", 700)
    _same(monkeypatch, arts)


def test_random_texts_of_place_names(monkeypatch):
    matcher = R._get_matcher(None, None)
    rng = random.Random(11)
    surfaces = sorted(matcher.senses)
    # favour the hard cases: guarded and ambiguous names, and their provinces and cities
    hard = [s for s in surfaces if not R._fast_of(matcher).preps[surfaces.index(s)].static
            or len(matcher.senses[s]) > 1]
    glue = ["、", "和", "与", "的", "在", " ", "　", "，", "医院", "大学", "经验", "\n", "日电",
            "2月3日电", "市", "县", "区"]
    bodies, titles = [], []
    for _ in range(300):
        parts = []
        for _ in range(rng.randint(0, 25)):
            pool = hard if rng.random() < 0.5 else surfaces
            parts.append(rng.choice(pool))
            parts.append(rng.choice(glue) if rng.random() < 0.7 else "")
        body = "".join(parts)
        if rng.random() < 0.2:
            body = "新华社" + rng.choice(surfaces) + " 3 月 4 日电 " + body
        bodies.append(body)
        titles.append("".join(rng.choice(surfaces) for _ in range(rng.randint(0, 2))))
    ids = [f"r{rng.randint(0, 250)}" for _ in bodies]   # some ids repeat
    _same(monkeypatch, _arts(bodies, titles, ids))


def test_scan_squeezes_like_squeeze():
    rng = random.Random(5)
    chars = "聊城市 \t\u3000\u00a0ab1，\n𠀋"
    texts = ["".join(rng.choice(chars) for _ in range(rng.randint(0, 30))) for _ in range(300)]
    texts += [" 聊城", "聊城 ", "聊 城", "聊  \u3000城", "a 城", ""]
    matcher = R._get_matcher(None, None)
    scanned = R._scan(texts, R._fast_of(matcher).finder)
    assert scanned.squeezed == [R._squeeze(t) for t in texts]


@pytest.mark.parametrize("weights", [None, {"title": 1.0, "listed": 1.0, "institution": 0.1}])
def test_scoring_options(monkeypatch, seed_corpus, weights):
    places = R.extract_places(seed_corpus.articles)
    for kw in ({}, {"min_score": 0.5, "share": 0.1, "city_share": 0.2}, {"min_score": 9.0}):
        fast = R.resolve_regions(places, weights=weights, **kw)
        with monkeypatch.context() as m:
            m.setattr(R, "_score_fast", lambda *a, **k: None)
            ref = R.resolve_regions(places, weights=weights, **kw)
        pdt.assert_frame_equal(fast, ref)
    # a hand-made places table whose columns are not strings goes the reference way
    odd = places.astype(object)
    assert R._score_fast(odd, list(odd.article_id), R.DEFAULT_WEIGHTS, 2.0, 0.5, 0.5, {},
                         {}) is None
    assert np.isfinite(R.resolve_regions(odd)["score"]).all()


def test_name_at_the_end_of_a_text_has_its_true_end():
    # 通州 is a prefix of the surface 通州区: at the very end of a text it used to be reported
    # with end = start + 3 (past the text), and with a squeezed space it raised IndexError
    arts = _arts(["", "", "去北京通州"], titles=["北京 通州", "北京通州", ""])
    places = R.extract_places(arts)
    pdt.assert_frame_equal(places, _reference_places(arts))
    assert places[["mention", "start", "end"]].to_numpy().tolist() == [
        ["北京", 0, 2], ["通州", 3, 5], ["北京", 0, 2], ["通州", 2, 4], ["北京", 1, 3],
        ["通州", 3, 5]]


def test_whitespace_table_is_str_isspace():
    spaces = "".join(c for c in map(chr, range(0x110000)) if c.isspace())
    assert spaces == R._WHITESPACE
    assert max(len(g.strip()) for g in R._LIST_GAPS) == R._GAP_CORE
