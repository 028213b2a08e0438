"""The fast topic matcher gives exactly what the simple reference gives.

``topic_evidence`` and ``tag_topics`` match all articles at once (a vectorised trie walk for
literal keywords, patterns tried only where a literal prefix occurs, leftmost-longest on
arrays).  ``topics._match`` / ``topics._evidence_rows`` are the plain one-text-one-topic
reference; these tests force the reference path and compare whole tables (values, dtypes,
order) on constructed inputs that exercise overlaps, excludes, patterns and odd data.
"""

from __future__ import annotations

import random
import re

import numpy as np
import pandas as pd
import pandas.testing as pdt
import pytest

import weeklylib._textmatch as TM
from weeklylib import topics as T


def _reference(monkeypatch, fn, *args, **kwargs):
    with monkeypatch.context() as m:
        m.setattr(T, "_evidence_fast", lambda *a, **k: None)
        return fn(*args, **kwargs)


def _same(monkeypatch, articles, taxonomy=None, **kwargs):
    for fn, extra in ((T.topic_evidence, {}), (T.tag_topics, {}),
                      (T.tag_topics, {"min_hits": 2})):
        fast = fn(articles, taxonomy, **kwargs, **extra)
        ref = _reference(monkeypatch, fn, articles, taxonomy, **kwargs, **extra)
        pdt.assert_frame_equal(fast, ref)
    return T.topic_evidence(articles, taxonomy, **kwargs)


def _tax(*topics):
    rows = []
    for tid, kws, pats, excl in topics:
        rows.append({"topic": tid, "label_zh": tid.upper(), "label_en": tid.title(),
                     "keywords": tuple(kws), "patterns": tuple(pats), "excludes": tuple(excl),
                     "description": "", "source": "test"})
    return pd.DataFrame(rows, columns=list(T.TAXONOMY_COLUMNS))


def _arts(bodies, titles=None, ids=None):
    n = len(bodies)
    return pd.DataFrame({
        "article_id": ids if ids is not None else [f"a{i}" for i in range(n)],
        "title": titles if titles is not None else [""] * n,
        "body": bodies,
    })


# --------------------------------------------------------------------------- constructed cases


def test_overlapping_keywords_longest_and_leftmost(monkeypatch):
    tax = _tax(("data", ["数据", "数据空间", "可信数据空间", "空间站", "据空"], [], []),
               ("other", ["可信", "信数"], [], []))
    arts = _arts(["可信数据空间站与数据空间，数据数据空间站", "据空据空据"])
    ev = _same(monkeypatch, arts, tax)
    got = ev[ev.topic == "data"][["term", "start", "end"]].to_numpy().tolist()
    assert got[:2] == [["可信数据空间", 0, 6], ["数据空间", 8, 12]]
    # topics are matched independently: the same characters are evidence for both
    assert set(ev[ev.article_id == "a0"].topic) == {"data", "other"}


def test_excludes_and_patterns_with_tie_breaking(monkeypatch):
    tax = _tax(
        ("rating", ["分级评价", "电子病历"],
         [r"电子病历(?:系统)?[一二三四五六]级", r"[三四五]级电子病历", r"电子病历",
          r"(?<![A-Za-z])(?:AI|AIGC)(?![A-Za-z])", r"(?:AI|AIGC)"],
         ["三级甲等", "病历六"]),
        ("grade", ["三级甲等", "甲等"], [r"[二三]级[甲乙]等"], ["二级乙等"]),
    )
    arts = _arts(["三级甲等医院电子病历六级，电子病历系统五级与四级电子病历；AIGC 与 MAIL、AI。",
                  "二级乙等，电子病历分级评价三级甲等电子病历三级"],
                 titles=["AI 电子病历", None])
    ev = _same(monkeypatch, arts, tax)
    # the keyword wins over an equally long pattern hit; the hit overlapping 病历六 is dropped
    assert not ((ev.topic == "rating") & (ev.start == 6) & (ev.field == "body")).any()
    assert ((ev.term == "AIGC") & (ev.kind == "pattern")).any()


def test_every_hit_excluded(monkeypatch):
    tax = _tax(("space", ["数据空间", "可信数据空间"], [r"数据"], ["太空数据空间站"]))
    assert _same(monkeypatch, _arts(["太空数据空间站发射", "太空数据空间站"]), tax).empty
    assert len(_same(monkeypatch, _arts(["太空数据空间站与数据空间"]), tax)) == 1


def test_odd_data_and_fields(monkeypatch):
    tax = _tax(("t", ["医院", "院长", "𠀋𠀋"], [r"\d+号", r"(?=医)", r"(?i)covid"], []),
               ("u", ["医"], [r"医院?"], ["医生"]))
    arts = pd.DataFrame({
        "article_id": ["x", "y", "x", "z", "w"],
        "title": ["医院院长", np.nan, "", None, "医"],
        "body": ["医院长\n\n医院 𠀋𠀋𠀋 3号 COVID covid 医生", "", "院长医院院", 12345, "医\n医院"],
        "lead": ["医院", "医", "x", "", "COVID"],
    })
    _same(monkeypatch, arts, tax)
    _same(monkeypatch, arts, tax, fields=("body", "lead", "title"))
    _same(monkeypatch, arts, tax, fields="lead")
    _same(monkeypatch, arts, tax, fields=("body", "body"))
    _same(monkeypatch, arts.iloc[:0], tax)
    _same(monkeypatch, _arts(["无关的文字"]), tax)


def test_bundled_taxonomy_on_seeds(monkeypatch, seed_corpus):
    arts = seed_corpus.articles
    _same(monkeypatch, arts)
    # batches much smaller than one article, and the hash table instead of the dense one
    monkeypatch.setattr(TM, "_CHUNK_CHARS", 500)
    monkeypatch.setattr(TM, "_DENSE_CELLS", 50)
    T._PLANS.clear()
    try:
        _same(monkeypatch, arts)
    finally:
        T._PLANS.clear()


def test_random_taxonomies_and_texts(monkeypatch):
    rng = random.Random(7)
    alphabet = "数据空间可信医院共体联网AI5G《》 \n、"
    for _ in range(25):
        def word(lo=1, hi=4):
            return "".join(rng.choice(alphabet.strip()) for _ in range(rng.randint(lo, hi)))

        topics = []
        for k in range(rng.randint(1, 4)):
            kws = list(dict.fromkeys(word() for _ in range(rng.randint(0, 6))))
            pats = [re.escape(word(1, 2)) + rng.choice(["", "+", "?", "[数据]"])
                    for _ in range(rng.randint(0, 2))]
            if not kws and not pats:
                kws = [word()]
            excl = [word(2, 3) for _ in range(rng.randint(0, 2))]
            topics.append((f"t{k}", kws, pats, excl))
        tax = _tax(*topics)
        arts = _arts(["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 80)))
                      for _ in range(12)],
                     titles=[word(0, 6) for _ in range(12)])
        _same(monkeypatch, arts, tax)


# --------------------------------------------------------------------------- building blocks


def test_multifind_finds_every_occurrence():
    rng = random.Random(3)
    words = sorted({"".join(rng.choice("abcé𝔸") for _ in range(rng.randint(1, 4)))
                    for _ in range(40)})
    texts = ["".join(rng.choice("abcé𝔸x") for _ in range(rng.randint(0, 60)))
             for _ in range(50)]
    for cells in (TM._DENSE_CELLS, 7):
        old = TM._DENSE_CELLS
        TM._DENSE_CELLS = cells
        try:
            found = TM._MultiFind(words).find(texts)
        finally:
            TM._DENSE_CELLS = old
        got = sorted(zip(found.t.tolist(), found.s.tolist(), found.sid.tolist(), strict=True))
        want = sorted((i, m.start(), k) for i, text in enumerate(texts)
                      for k, w in enumerate(words)
                      for m in re.finditer(f"(?={re.escape(w)})", text))
        assert got == want


def test_literal_prefixes_start_every_match():
    tax = T.load_taxonomy()
    pats = [p for ps in tax["patterns"] for p in ps]
    assert pats
    assert all(T._literal_prefixes(re.compile(p)) for p in pats)
    assert T._literal_prefixes(re.compile(r"(?<![A-Za-z])(?:DRG|DIP)s?")) == ("DIP", "DRG")
    assert T._literal_prefixes(re.compile(r"[三四]级电子病历")) == ("三级电子病历", "四级电子病历")
    for p in (r"\d+年", r"(?i)ai", r"(?=x)", r"a*b", r".b", r"[^a]b", r"(?i:a)b"):
        assert T._literal_prefixes(re.compile(p)) is None, p
    chars = "三四五级电子病历互联网+医疗健康AIGPT-4《规划》643”目标 "
    text = "".join(random.Random(1).choice(chars) for _ in range(3000))
    for p in pats:
        prefixes = T._literal_prefixes(re.compile(p))
        for m in re.finditer(p, text):
            assert text.startswith(prefixes, m.start()), (p, m.group(0))


@pytest.mark.parametrize("n", [0, 1, 5])
def test_leftmost_longest_matches_a_plain_scan(n):
    rng = np.random.default_rng(n)
    group = np.sort(rng.integers(0, 3, 40))
    start = np.concatenate([np.sort(rng.choice(50, (group == g).sum(), replace=False))
                            for g in range(3)])
    end = start + rng.integers(1, 6, len(start))
    keep = TM._leftmost_longest(group, start, end)
    keep = np.ones(len(start), dtype=bool) if keep is None else keep
    want, last = [], {}
    for g, s, e in zip(group.tolist(), start.tolist(), end.tolist(), strict=True):
        ok = s >= last.get(g, -1)
        want.append(ok)
        if ok:
            last[g] = e
    assert keep.tolist() == want
