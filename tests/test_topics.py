"""Tests for weeklylib.topics: taxonomy loading, tagging with evidence, trends."""

from __future__ import annotations

import re
import textwrap

import numpy as np
import pandas as pd
import pytest

import weeklylib as wl
from weeklylib.errors import DataFileError
from weeklylib.topics import article_times, topic_evidence, topic_labels


def _arts(*bodies, titles=None, **cols):
    n = len(bodies)
    data = {
        "article_id": [f"d#{i + 1}" for i in range(n)],
        "title": list(titles) if titles is not None else [""] * n,
        "body": list(bodies),
    }
    data.update(cols)
    return pd.DataFrame(data)


def _write(tmp_path, text, name="mine.toml"):
    p = tmp_path / name
    p.write_text(textwrap.dedent(text), encoding="utf-8")
    return p


TWO_TOPICS = """
    # my scheme
    [[topic]]
    id = "emr"
    label_zh = "电子病历"
    label_en = "EMR"
    keywords = ["电子病历", "互联互通"]

    [[topic]]
    id = "space"
    label_zh = "数据空间"
    label_en = "Data space"
    keywords = ["数据空间", "可信数据空间"]
    excludes = ["太空数据空间站"]
"""


# --------------------------------------------------------------------------- taxonomy


def test_bundled_taxonomy_has_the_field_topics():
    tax = wl.load_taxonomy()
    assert list(tax.columns[:6]) == ["topic", "label_zh", "label_en", "keywords", "patterns",
                                     "excludes"]
    assert tax["topic"].is_unique
    for tid in ("ai", "data_factor", "smart_hospital_rating", "primary_care",
                "internet_hospital", "security_privacy", "talent_training", "policy",
                "exchange", "bigdata_platform", "public_health"):
        assert tid in set(tax["topic"]), tid
    assert (tax["label_zh"].str.len() > 0).all()
    assert (tax["label_en"].str.len() > 0).all()
    # every topic has terms; every pattern compiles
    assert ((tax["keywords"].map(len) + tax["patterns"].map(len)) > 0).all()
    for pats in tax["patterns"]:
        for p in pats:
            re.compile(p)
    row = tax.set_index("topic").loc["data_factor"]
    for kw in ("数据要素", "可信数据空间", "数据交易"):
        assert kw in row["keywords"]
    assert tax.loc[tax.topic == "ai", "label_en"].item() == "AI and large models"


def test_bundled_file_documents_its_format():
    from importlib import resources

    text = resources.files("weeklylib.data").joinpath("topics.toml").read_text("utf-8")
    head = text.split("\n[[topic]]")[0]
    assert head.lstrip().startswith("#")
    for word in ("FORMAT", "USING YOUR OWN FILE", "WHERE THE CONTENT CAME FROM", "excludes"):
        assert word in head


def test_own_taxonomy_replaces_bundled(tmp_path):
    p = _write(tmp_path, TWO_TOPICS)
    tax = wl.load_taxonomy(p)
    assert tax["topic"].tolist() == ["emr", "space"]
    assert tax.loc[1, "excludes"] == ("太空数据空间站",)
    assert tax.loc[0, "source"] == str(p)


def test_extend_keeps_bundled_and_overrides_same_id(tmp_path):
    p = _write(tmp_path, """
        [[topic]]
        id = "ai"
        label_zh = "AI（我的）"
        label_en = "AI (mine)"
        keywords = ["智能体"]

        [[topic]]
        id = "tcm"
        label_zh = "中医药"
        label_en = "TCM"
        keywords = ["中医药"]
    """)
    bundled = wl.load_taxonomy()
    tax = wl.load_taxonomy(p, extend=True)
    assert len(tax) == len(bundled) + 1
    assert tax["topic"].tolist()[: len(bundled)] == bundled["topic"].tolist()
    assert tax["topic"].iloc[-1] == "tcm"
    assert tax.set_index("topic").loc["ai", "keywords"] == ("智能体",)


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        # TOML syntax error: unterminated string on line 5
        ('[[topic]]\nid = "a"\nlabel_zh = "甲"\nlabel_en = "A"\nkeywords = ["x]\n', 5,
         ["not valid TOML"]),
        # missing id
        ('[[topic]]\nlabel_zh = "甲"\nlabel_en = "A"\nkeywords = ["x"]\n', 1, ["'id'"]),
        # typo in a key
        ('[[topic]]\nid = "a"\nlabel_zh = "甲"\nlabel_en = "A"\nkeyword = ["x"]\n', 5,
         ["unknown key 'keyword'", "id='a'"]),
        # duplicate id: reported at the second entry's id line
        ('[[topic]]\nid = "a"\nlabel_zh = "甲"\nlabel_en = "A"\nkeywords = ["x"]\n\n'
         '[[topic]]\nid = "a"\nlabel_zh = "乙"\nlabel_en = "B"\nkeywords = ["y"]\n', 8,
         ["duplicate id", "topic entry 2"]),
        # invalid regular expression
        ('[[topic]]\nid = "a"\nlabel_zh = "甲"\nlabel_en = "A"\npatterns = [\'(AI\']\n', 5,
         ["invalid regular expression", "(AI"]),
        # pattern that matches the empty string
        ('[[topic]]\nid = "a"\nlabel_zh = "甲"\nlabel_en = "A"\npatterns = [\'x*\']\n', 5,
         ["matches the empty string"]),
        # no terms at all
        ('[[topic]]\nid = "a"\nlabel_zh = "甲"\nlabel_en = "A"\n', 1,
         ["at least one keyword or pattern"]),
        # label missing
        ('[[topic]]\nid = "a"\nlabel_en = "A"\nkeywords = ["x"]\n', 1, ["'label_zh'"]),
        # keywords not a list of strings
        ('[[topic]]\nid = "a"\nlabel_zh = "甲"\nlabel_en = "A"\nkeywords = "x"\n', 5,
         ["'keywords' must be a list"]),
    ],
)
def test_malformed_taxonomy_names_file_line_and_entry(tmp_path, text, line, words):
    p = tmp_path / "bad.toml"
    p.write_text(text, encoding="utf-8")
    with pytest.raises(DataFileError) as info:
        wl.load_taxonomy(p)
    msg = str(info.value)
    assert str(p) in msg
    assert info.value.line == line
    for w in words:
        assert w in msg


def test_missing_taxonomy_file(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"nope\.toml"):
        wl.load_taxonomy(tmp_path / "nope.toml")


# --------------------------------------------------------------------------- tagging


def test_evidence_string_counts_terms(tmp_path):
    p = _write(tmp_path, TWO_TOPICS)
    arts = _arts("电子病历上线。互联互通测评。电子病历升级，电子病历评审。", "无关")
    tags = wl.tag_topics(arts, taxonomy=p)
    assert tags[["article_id", "topic", "n_hits", "n_terms", "evidence"]].to_numpy().tolist() == [
        ["d#1", "emr", 4, 2, "电子病历×3；互联互通×1"],
    ]
    assert tags.loc[0, "label_zh"] == "电子病历"
    assert tags.loc[0, "label_en"] == "EMR"


def test_multilabel_and_order_follows_articles(tmp_path):
    p = _write(tmp_path, TWO_TOPICS)
    arts = _arts("可信数据空间", "电子病历与可信数据空间", titles=["", ""])
    arts["article_id"] = ["z#2", "a#1"]  # input order, not alphabetical
    tags = wl.tag_topics(arts, taxonomy=p)
    assert tags[["article_id", "topic"]].to_numpy().tolist() == [
        ["z#2", "space"], ["a#1", "emr"], ["a#1", "space"],
    ]


def test_leftmost_longest_counts_nested_terms_once(tmp_path):
    p = _write(tmp_path, TWO_TOPICS)
    arts = _arts("建设可信数据空间，数据空间运营")
    ev = topic_evidence(arts, p)
    assert ev[["term", "start", "end"]].to_numpy().tolist() == [
        ["可信数据空间", 2, 8], ["数据空间", 9, 13],
    ]
    assert wl.tag_topics(arts, taxonomy=p).loc[0, "evidence"] == "可信数据空间×1；数据空间×1"


def test_excludes_drop_overlapping_hits(tmp_path):
    p = _write(tmp_path, TWO_TOPICS)
    arts = _arts("太空数据空间站发射")
    assert wl.tag_topics(arts, taxonomy=p).empty


def test_min_hits(tmp_path):
    p = _write(tmp_path, TWO_TOPICS)
    arts = _arts("电子病历", "电子病历，互联互通")
    assert wl.tag_topics(arts, taxonomy=p, min_hits=2)["article_id"].tolist() == ["d#2"]
    assert wl.tag_topics(arts, taxonomy=p, min_hits=1)["article_id"].tolist() == ["d#1", "d#2"]


def test_title_and_body_are_both_searched_with_field_offsets(tmp_path):
    p = _write(tmp_path, TWO_TOPICS)
    arts = _arts("第一段\n第二段有电子病历", titles=["互联互通"])
    ev = topic_evidence(arts, p)
    assert ev[["field", "term", "start", "end", "paragraph"]].to_numpy().tolist() == [
        ["title", "互联互通", 0, 4, 0], ["body", "电子病历", 8, 12, 1],
    ]
    only_body = wl.tag_topics(arts, taxonomy=p, fields=("body",))
    assert only_body.loc[0, "evidence"] == "电子病历×1"


@pytest.mark.parametrize(
    ("text", "tagged"),
    [
        ("医院推广AI辅助诊断", True),
        ("AI+医疗产业化提速", True),
        ("打造“AI医生”", True),
        ("使用LLM和AIGC工具", True),
        ("上消化道癌内镜辅助诊断系统（GRAIDS）", False),
        ("发送MAIL通知", False),
        ("韩国KAIST研究团队", False),
        ("智能化转型", False),
    ],
)
def test_ai_acronym_is_a_whole_word(text, tagged):
    tags = wl.tag_topics(_arts(text))
    assert ("ai" in set(tags["topic"])) is tagged


@pytest.mark.parametrize(
    ("text", "term"),
    [
        ("顺利通过电子病历六级评审", "电子病历六级"),
        ("互联互通四级甲等测评", "互联互通四级甲等"),
        ("成为首家智慧服务三级医院", "智慧服务三级"),
        ("完成智慧医院“643”建设目标", "“643”"),
        ("从十年前在五级电子病历上起步", "五级电子病历"),
        ("作为国家唯一的三级甲等眼耳鼻喉专科医院", None),
        ("全省643家医疗机构", None),
        ("打造覆盖全流程的智慧服务体系", None),
    ],
)
def test_smart_hospital_rating_levels_not_hospital_grades(text, term):
    ev = topic_evidence(_arts(text))
    got = ev.loc[ev.topic == "smart_hospital_rating", "term"].tolist()
    assert got == ([term] if term else [])


def test_bundled_taxonomy_on_hand_built_articles():
    arts = _arts(
        "紧密型县域医共体建设，乡镇卫生院与村医协同。",
        "互联网医院开通图文问诊和远程会诊。",
        "发布《可信数据空间发展行动计划（2024—2028年）》，推动数据要素流通。",
        "清华大学强基计划招生。",
    )
    tags = wl.tag_topics(arts)
    got = {(a, t) for a, t in zip(tags["article_id"], tags["topic"], strict=True)}
    assert ("d#1", "primary_care") in got
    assert ("d#2", "internet_hospital") in got
    assert ("d#3", "policy") in got
    assert ("d#3", "data_factor") in got
    assert not any(a == "d#4" for a, _ in got)  # 强基计划 is excluded
    pol = tags[(tags.article_id == "d#3") & (tags.topic == "policy")]
    assert pol["evidence"].item() == "《可信数据空间发展行动计划（2024—2028年）》×1"


def test_tag_topics_does_not_mutate_and_checks_arguments(tmp_path):
    arts = _arts("电子病历")
    before = arts.copy()
    wl.tag_topics(arts)
    pd.testing.assert_frame_equal(arts, before)
    with pytest.raises(ValueError, match=r"min_hits must be an integer >= 1; got 0"):
        wl.tag_topics(arts, min_hits=0)
    with pytest.raises(ValueError, match=r"fields: column 'text' is not in articles"):
        wl.tag_topics(arts, fields=("text",))
    with pytest.raises(ValueError, match="taxonomy must be None"):
        wl.tag_topics(arts, taxonomy=3)


def test_empty_articles_give_empty_typed_tables():
    arts = _arts()
    tags = wl.tag_topics(arts)
    assert tags.empty
    assert list(tags.columns) == ["article_id", "topic", "n_hits", "n_terms", "evidence",
                                  "label_zh", "label_en"]
    assert topic_evidence(arts).empty


def test_topic_labels_both_languages():
    zh = topic_labels(lang="zh")
    en = topic_labels(lang="en")
    assert zh["primary_care"] == "基层医疗与医共体"
    assert en["primary_care"] == "Primary care and medical alliances"
    with pytest.raises(ValueError, match=r"lang must be one of \('zh', 'en'\); got 'fr'"):
        topic_labels(lang="fr")


# --------------------------------------------------------------------------- time and trends


def _dated():
    """Five digest articles and one standalone article.

    issue A: 2025-02-22..2025-02-28 (articles a1, a2); nothing in the week of 03-03;
    issue B: 2025-03-08..2025-03-21 (two weeks; a3, a4, a5); standalone s1 published 03-26.
    """
    return pd.DataFrame(
        {
            "article_id": ["a1", "a2", "a3", "a4", "a5", "s1"],
            "title": [""] * 6,
            "body": ["医共体", "电子病历", "医共体 医共体", "医联体", "无", "医共体"],
            "period_start": pd.to_datetime(["2025-02-22"] * 2 + ["2025-03-08"] * 3 + [None]),
            "period_end": pd.to_datetime(["2025-02-28"] * 2 + ["2025-03-21"] * 3 + [None]),
            "issue_date": pd.to_datetime(["2025-02-28"] * 2 + ["2025-03-21"] * 3 + [None]),
            "published": pd.to_datetime(["2025-02-23", "2025-02-24", "2025-03-10",
                                         "2025-03-18", "2025-03-19", "2025-03-26"]),
            "issue_no": pd.array([614, 614, 616, 616, 616, pd.NA], dtype="Int64"),
        }
    )


def _tags():
    return pd.DataFrame({"article_id": ["a1", "a3", "a4", "s1", "a2"],
                         "topic": ["pc", "pc", "pc", "pc", "emr"],
                         "label_zh": ["基层", "基层", "基层", "基层", "病历"]})


def test_article_times_prefer_period_end():
    t = article_times(_dated())
    assert t["time"].dt.strftime("%Y-%m-%d").tolist() == [
        "2025-02-28", "2025-02-28", "2025-03-21", "2025-03-21", "2025-03-21", "2025-03-26"]
    assert t["time_source"].tolist() == ["period_end"] * 5 + ["published"]
    assert t["n_weeks_covered"].tolist() == [1, 1, 2, 2, 2, 0]


def test_weekly_trends_gaps_and_two_week_issue():
    tr = wl.topic_trends(_tags(), _dated(), freq="week")
    pc = tr[tr.topic == "pc"].reset_index(drop=True)
    assert pc["period"].tolist() == [
        "2025-02-24/2025-03-02", "2025-03-03/2025-03-09", "2025-03-10/2025-03-16",
        "2025-03-17/2025-03-23", "2025-03-24/2025-03-30",
    ]
    assert pc["status"].tolist() == ["observed", "gap", "covered", "observed", "observed"]
    assert pc["n_articles"].tolist() == [1, 0, 0, 2, 1]
    assert pc["n_total"].tolist() == [2, 0, 0, 3, 1]
    np.testing.assert_allclose(pc["share"], [0.5, np.nan, np.nan, 2 / 3, 1.0])
    assert pc["n_weeks_covered"].tolist() == [1, 0, 0, 2, 0]
    assert pc["n_issues"].tolist() == [1, 0, 0, 1, 0]
    assert pc["issue_no"].tolist()[0] == 614
    assert pc["label_zh"].unique().tolist() == ["基层"]
    # topics sorted, full grid: 5 periods x 2 topics
    assert len(tr) == 10
    assert tr["topic"].tolist()[:2] == ["emr", "pc"]


def test_issue_trends_exclude_standalone_articles():
    tr = wl.topic_trends(_tags(), _dated(), freq="issue")
    pc = tr[tr.topic == "pc"]
    assert pc["period"].tolist() == ["2025-02-28", "2025-03-21"]
    assert pc["n_articles"].tolist() == [1, 2]
    assert pc["n_total"].tolist() == [2, 3]
    assert pc["bin_start"].dt.strftime("%m-%d").tolist() == ["02-22", "03-08"]
    assert pc["n_weeks_covered"].tolist() == [1, 2]
    assert tr.attrs["n_unplaced"] == 1


def test_monthly_trends_and_tag_normalisation():
    tr = wl.topic_trends(_tags(), _dated(), freq="month", normalize="tags")
    assert tr["period"].unique().tolist() == ["2025-02", "2025-03"]
    feb = tr[tr.period == "2025-02"].set_index("topic")
    # February: 2 tags (pc on a1, emr on a2) -> each topic has share 1/2
    assert feb["n_tags"].tolist() == [2, 2]
    np.testing.assert_allclose(feb["share"], [0.5, 0.5])
    mar = tr[tr.period == "2025-03"].set_index("topic")
    assert mar.loc["pc", "n_articles"] == 3
    assert mar.loc["pc", "n_total"] == 4
    np.testing.assert_allclose(mar.loc["pc", "share"], 1.0)  # all 3 March tags are pc


def test_trend_argument_errors():
    with pytest.raises(ValueError, match=r"freq must be one of \('issue', 'week', 'month'\); "
                                         r"got 'day'"):
        wl.topic_trends(_tags(), _dated(), freq="day")
    with pytest.raises(ValueError, match=r"normalize must be one of"):
        wl.topic_trends(_tags(), _dated(), normalize="x")
    with pytest.raises(ValueError, match=r"tags is missing column\(s\) \['topic'\]"):
        wl.topic_trends(_tags().drop(columns="topic"), _dated())


def test_keyword_trends_counts_articles_and_hits():
    kt = wl.keyword_trends(_dated(), ["医共体", "医联体"], freq="week")
    obs = kt[kt.status == "observed"]
    m = obs.set_index(["period", "term"])
    assert m.loc[("2025-02-24/2025-03-02", "医共体"), "n_articles"] == 1
    assert m.loc[("2025-03-17/2025-03-23", "医共体"), "n_hits"] == 2
    assert m.loc[("2025-03-17/2025-03-23", "医共体"), "n_articles"] == 1
    assert m.loc[("2025-03-17/2025-03-23", "医联体"), "n_articles"] == 1
    np.testing.assert_allclose(m.loc[("2025-03-17/2025-03-23", "医联体"), "share"], 1 / 3)
    assert kt["term"].tolist()[:2] == ["医共体", "医联体"]  # order given
    with pytest.raises(ValueError, match="terms must be a non-empty list"):
        wl.keyword_trends(_dated(), [])


# --------------------------------------------------------------------------- seeds


def test_every_seed_tag_is_traceable(seed_corpus):
    arts = seed_corpus.articles
    ev = topic_evidence(arts)
    tags = wl.tag_topics(arts)
    assert len(tags) > 0
    text = arts.set_index("article_id")
    for row in ev.itertuples():
        assert text.loc[row.article_id, row.field][row.start:row.end] == row.term
    # the evidence rows add up to n_hits and the evidence string lists exactly those terms
    per = ev.groupby(["article_id", "topic"]).size()
    for row in tags.itertuples():
        assert per[(row.article_id, row.topic)] == row.n_hits
        terms = ev[(ev.article_id == row.article_id) & (ev.topic == row.topic)]["term"]
        listed = {part.rsplit("×", 1)[0] for part in row.evidence.split("；")}
        assert listed == set(terms)
        assert sum(int(p.rsplit("×", 1)[1]) for p in row.evidence.split("；")) == row.n_hits


def test_seed_tags_make_sense(seed_corpus):
    arts = seed_corpus.articles
    tags = wl.tag_topics(arts)
    by_title = {t: set(tags.loc[tags.article_id == a, "topic"])
                for a, t in zip(arts["article_id"], arts["title"], strict=True)}

    def topics_of(fragment):
        (key,) = [t for t in by_title if fragment in t]
        return by_title[key]

    assert "smart_hospital_rating" in topics_of("643")
    assert "data_factor" in topics_of("643")
    assert {"exchange", "ai", "primary_care"} <= topics_of("海峡两岸")
    # the cross-strait article mentions a 三级甲等 hospital: that is not a rating
    assert "smart_hospital_rating" not in topics_of("海峡两岸")
    assert {"data_factor", "security_privacy", "policy"} <= topics_of("可信数据空间")
    assert "primary_care" in topics_of("医共体")
    assert "talent_training" in topics_of("人才培养")
    assert "internet_hospital" in topics_of("聊城")
    assert "ai" in topics_of("AI肿瘤")
    # every article gets at least one topic
    assert set(tags["article_id"]) == set(arts["article_id"])


def test_seed_weekly_trends_show_gaps_and_the_double_issue(seed_corpus):
    arts = seed_corpus.articles
    tr = wl.topic_trends(wl.tag_topics(arts), arts, freq="week")
    bins = tr.drop_duplicates("period")
    assert bins["status"].value_counts().to_dict() == {"gap": 15, "observed": 4, "covered": 1}
    double = bins[bins.n_weeks_covered == 2]
    assert double["period"].tolist() == ["2025-05-05/2025-05-11"]
    assert bins.loc[bins.status == "covered", "period"].tolist() == ["2025-04-28/2025-05-04"]
    assert bins.loc[bins.status == "observed", "n_total"].sum() == 13  # 14 minus undated one
    assert tr.attrs["n_unplaced"] == 1
    assert tr.loc[tr.status != "observed", "share"].isna().all()


UNSEEN_DIGEST = """\
全国卫生信息化舆情监测周报

(第六二零期)

北京市卫生健康大数据与政策研究中心

2025年4月11日

本期导语：

本期周报共收集2篇卫生健康大数据与政策研究相关信息，时间从2025年4月5日到2025年4月11日，监测范围包括全国主流媒体及政府网站等。

一、信息目录

1. 某省互联网医院接入医保在线支付

(某某网)

2. 某市三级甲等医院上线智能预问诊

(某某日报)

二、具体内容

1. 标题：某省互联网医院接入医保在线支付

来源：某某网

链接：

<https://example.org/a.html>

主要内容：

某省互联网医院接入医保在线支付

2025-04-08 来源：某某网

近日，某省卫生健康委宣布，全省互联网医院全面接入医保在线支付，患者可在线复诊并直接结算。按照DRG支付改革要求，平台同步上传结算清单。

2. 标题：某市三级甲等医院上线智能预问诊

来源：某某日报

链接：

<https://example.org/b.html>

主要内容：

某市三级甲等医院上线智能预问诊

2025-04-10 来源：某某日报

该院是一家三级甲等综合医院，与KAIST团队交流后上线基于大语言模型的预问诊系统，并通过数据脱敏保护患者隐私。
"""


def test_unseen_digest_in_the_same_style(tmp_path):
    p = tmp_path / "100_unseen.txt"
    p.write_text(UNSEEN_DIGEST, encoding="utf-8")
    arts = wl.load_corpus(tmp_path).articles
    assert len(arts) == 2
    tags = wl.tag_topics(arts)
    got = {(a.split("#")[1], t) for a, t in zip(tags["article_id"], tags["topic"], strict=True)}
    assert ("1", "internet_hospital") in got
    assert ("1", "insurance") in got
    assert ("2", "ai") in got
    assert ("2", "security_privacy") in got
    assert ("2", "smart_hospital_rating") not in got  # 三级甲等 is a hospital grade
    ai = tags[(tags.topic == "ai")]
    assert "AI" not in ai["evidence"].item()  # KAIST is not "AI"
    ev = topic_evidence(arts)
    text = arts.set_index("article_id")
    for row in ev.itertuples():
        assert text.loc[row.article_id, row.field][row.start:row.end] == row.term
    tr = wl.topic_trends(tags, arts, freq="issue")
    assert tr["period"].unique().tolist() == ["2025-04-11"]
    assert tr["issue_no"].unique().tolist() == [620]
    assert tr.set_index("topic").loc["ai", "share"] == 0.5


def test_undated_articles_give_empty_trends_not_errors():
    arts = _arts("医共体", "AI")
    tags = wl.tag_topics(arts)
    for freq in ("issue", "week", "month"):
        tr = wl.topic_trends(tags, arts, freq=freq)
        assert tr.empty
        assert tr.attrs["n_unplaced"] == 2
