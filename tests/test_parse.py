"""Digest structure on constructed documents: header spellings, TOC wraps, URLs, dates."""

from __future__ import annotations

from datetime import date

import pytest

from weeklylib.io import RawDocument
from weeklylib.parse import cn_to_int, parse_document

BODY_1 = ["2025 年 3 月 1 日，某市卫生健康委召开全民健康信息平台建设推进会，会议部署了互联互",
          "",
          "通标准化成熟度测评工作，并要求各医院加快电子病历系统应用水平分级评价准备工作。",
          "",
          "会议指出，数据要素是新质生产力的重要组成部分。"]


def make_digest(*, header=("全国卫生信息化舆情监测周报", "（第六一四期）", "北京市卫生健康大数据与政策研究中心",
                           "2025年3月7日"),
                intro="本期周报共收集2篇卫生健康大数据与政策研究相关信息，时间从2025年3月1日到2025年3月7日，监测范围包括全国主流媒体及政府网站等。",
                toc=("1. 某市召开全民健康信息平台建设推进会", "（新华网）",
                     "2. 数据要素赋能医疗健康 某省启动可信数据空", "间建设", "（人民网）"),
                articles=None) -> str:
    if articles is None:
        articles = [
            ["1. 标题：某市召开全民健康信息平台建设推进会", "来源：新华网", "链接：",
             "<https://www.example.cn/a/20250301/abc.html>", "主要内容：", "某市召开全民健康信息平台建设推进会",
             "2025-03-01 来源：新华网", *BODY_1],
            ["2. 数据要素赋能医疗健康 某省启动可信数据空", "间建设", "来源：人民网", "链接：",
             "https://www.example.com/b/2025/0302/123456Fu0.", "shtml", "主要内容：",
             "数据要素赋能医疗健康 某省启动可信数据空间建设", "2025-03-02 来源：人民网",
             "某省近日启动可信数据空间建设。"],
        ]
    lines = [*header, "", "本期导语：", "", intro, "", "一、信息目录", "", *toc, "", "二、具体内容", ""]
    for art in articles:
        lines += [*art, ""]
    return "\n\n".join(lines)


def parse(text: str, doc_id: str = "t"):
    return parse_document(RawDocument(doc_id, f"{doc_id}.txt", "x" * 64, len(text), "utf-8", text))


def codes(doc) -> list[str]:
    return sorted(p.code for p in doc.problems)


@pytest.mark.parametrize(("text", "value"), [
    ("六一四", 614), ("六百一十四", 614), ("十", 10), ("十二", 12), ("二十", 20), ("一百零五", 105),
    ("614", 614), ("〇", 0), ("七〇一", 701), ("两", 2), ("期", None), ("", None),
])
def test_cn_to_int(text, value):
    assert cn_to_int(text) == value


def test_full_digest_fields():
    doc = parse(make_digest())
    assert doc.kind == "weekly"
    assert (doc.issue_no, doc.issue_date, doc.declared_count) == (614, date(2025, 3, 7), 2)
    assert (doc.period_start, doc.period_end) == (date(2025, 3, 1), date(2025, 3, 7))
    a1, a2 = doc.articles
    assert a1.title == "某市召开全民健康信息平台建设推进会" and a1.source == "新华网"
    assert a1.url == "https://www.example.cn/a/20250301/abc.html"  # angle brackets dropped
    assert a1.published == date(2025, 3, 1)
    # hard wraps joined, spaces inside Chinese removed, real paragraph kept
    assert a1.body == ("2025年3月1日，某市卫生健康委召开全民健康信息平台建设推进会，会议部署了互联互通标准化成熟度"
                       "测评工作，并要求各医院加快电子病历系统应用水平分级评价准备工作。\n"
                       "会议指出，数据要素是新质生产力的重要组成部分。")
    # a title wrapped over two lines (in the TOC and the section) is one title; no 标题 label needed
    assert a2.title == "数据要素赋能医疗健康某省启动可信数据空间建设"
    assert a2.toc_title == a2.title and a2.toc_source == "人民网"
    assert a2.url == "https://www.example.com/b/2025/0302/123456Fu0.shtml"
    assert a2.body == "某省近日启动可信数据空间建设。"
    assert codes(doc) == []


@pytest.mark.parametrize(("header", "issue_no", "issue_date"), [
    (("全国卫生信息化舆情监测周报", "(第六一四期)", "北京市卫生健康大数据与政策研究中心", "2025年2月28日"), 614, date(2025, 2, 28)),
    (("（第七〇一期）", "北京市卫生健康大数据与政策研究中心 2025 年 7 月 4日"), 701, date(2025, 7, 4)),
    (("全国卫生信息化舆情监测周报 第 620 期", "2025-04-11"), 620, date(2025, 4, 11)),
    (("全国卫生信息化舆情监测周报（第六百二十一期）", "２０２５年４月１８日"), 621, date(2025, 4, 18)),
])
def test_header_spellings(header, issue_no, issue_date):
    doc = parse(make_digest(header=header))
    assert (doc.issue_no, doc.issue_date) == (issue_no, issue_date)
    assert "missing_issue_no" not in codes(doc)


def test_header_without_issue_number_is_a_problem_not_a_guess():
    doc = parse(make_digest(header=(" 北京市卫生健康大数据与政策研究中心 2025 年 7 月 11 日",)))
    assert doc.issue_no is None and doc.issue_date == date(2025, 7, 11)
    assert codes(doc) == ["missing_issue_no"]


def test_missing_header_keeps_period_and_articles():
    doc = parse(make_digest(header=()))
    assert doc.issue_no is None and doc.issue_date is None
    assert doc.period_end == date(2025, 3, 7) and len(doc.articles) == 2
    assert codes(doc) == ["missing_date", "missing_header", "missing_issue_no"]
    header_problem = next(p for p in doc.problems if p.code == "missing_header")
    assert "t.txt" in header_problem.message and header_problem.line == 1


@pytest.mark.parametrize(("intro", "start", "end", "count"), [
    ("本期周报共收集 3 篇相关信息，时间\n\n从 2025 年 6 月 28 日到 2025 年 7 月 4 日，监测范围", date(2025, 6, 28), date(2025, 7, 4), 3),
    ("本期周报共收集三篇信息，时间从2024年12月28日到2025年1月3日。", date(2024, 12, 28), date(2025, 1, 3), 3),
    ("本期周报共收集十二篇信息，时间从2024年12月28日至1月10日。", date(2024, 12, 28), date(2025, 1, 10), 12),
    ("本期周报共收集2篇信息，时间为2025.3.1-2025.3.7。", date(2025, 3, 1), date(2025, 3, 7), 2),
])
def test_intro_spellings(intro, start, end, count):
    doc = parse(make_digest(intro=intro))
    assert (doc.period_start, doc.period_end, doc.declared_count) == (start, end, count)


def test_declared_count_disagreeing_keeps_all_articles():
    doc = parse(make_digest(intro="本期周报共收集1篇信息，时间从2025年3月1日到2025年3月7日。"))
    assert len(doc.articles) == 2
    mismatch = [p for p in doc.problems if p.code == "count_mismatch"]
    assert len(mismatch) == 1 and "declares 1 articles but 2 were found" in mismatch[0].message


def test_impossible_date_is_left_empty_and_reported():
    doc = parse(make_digest(header=("（第六一四期）", "2025年2月30日")))
    assert doc.issue_date is None
    problem = next(p for p in doc.problems if p.code == "invalid_date")
    assert "2025年2月30日 does not exist" in problem.message and problem.line is not None


def test_toc_disagreement_is_recorded():
    toc = ("1. 某市召开全民健康信息平台建设推进会", "（新华网）", "2. 一个完全不同的标题", "（人民日报）")
    doc = parse(make_digest(toc=toc))
    mismatches = [p for p in doc.problems if p.code == "toc_mismatch"]
    assert len(mismatches) == 2  # the title and the outlet of article 2
    assert all(p.article_id == "t#2" for p in mismatches)
    assert "一个完全不同的标题" in mismatches[0].detail


def test_toc_outlet_on_the_title_line():
    toc = ("1. 某市召开全民健康信息平台建设推进会（新华网）", "2. 数据要素赋能医疗健康 某省启动可信数据空间建设（人民网）")
    doc = parse(make_digest(toc=toc))
    assert [a.toc_source for a in doc.articles] == ["新华网", "人民网"]
    assert "toc_mismatch" not in codes(doc)


def test_truncated_issue_is_reported():
    text = make_digest()
    cut = text[: text.index("某省近日启动")]  # the file stops inside article 2
    cut = cut[: cut.rindex("2025-03-02")]
    doc = parse(cut)
    assert len(doc.articles) == 2
    found = codes(doc)
    assert "truncated_article" in found and "missing_date" in found


def test_missing_fields_are_reported():
    arts = [["1. 标题：某市召开全民健康信息平台建设推进会", "来源：新华网", "主要内容：", "2025-03-01 来源：新华网",
             "正文第一段。"]]
    doc = parse(make_digest(articles=arts, toc=("1. 某市召开全民健康信息平台建设推进会", "（新华网）")))
    problem = next(p for p in doc.problems if p.code == "missing_field")
    assert "链接" in problem.message and problem.article_id == "t#1"
    assert "count_mismatch" in codes(doc)  # declared 2, found 1


def test_dateline_outlet_disagreeing_with_source_field():
    arts = [["1. 标题：某市召开全民健康信息平台建设推进会", "来源：新华网", "链接：https://x.cn/a.html", "主要内容：",
             "2025-03-01 来源：新华社客户端", "正文。"]]
    doc = parse(make_digest(articles=arts, intro="本期周报共收集1篇，时间从2025年3月1日到2025年3月7日。",
                            toc=("1. 某市召开全民健康信息平台建设推进会", "（新华网）")))
    assert codes(doc) == ["source_mismatch"]


def test_published_outside_period():
    arts = [["1. 标题：某市召开全民健康信息平台建设推进会", "来源：新华网", "链接：https://x.cn/a.html", "主要内容：",
             "2024-03-01 来源：新华网", "正文。"]]
    doc = parse(make_digest(articles=arts, intro="本期周报共收集1篇，时间从2025年3月1日到2025年3月7日。",
                            toc=("1. 某市召开全民健康信息平台建设推进会", "（新华网）")))
    assert codes(doc) == ["published_outside_period"]


def test_numbered_list_inside_a_body_is_not_an_article():
    arts = [["1. 标题：某市召开全民健康信息平台建设推进会", "来源：新华网", "链接：https://x.cn/a.html", "主要内容：",
             "2025-03-01 来源：新华网", "会议提出三项任务：", "1. 建设全民健康信息平台；", "2. 推进互联互通测评；",
             "3. 加强数据安全。"]]
    doc = parse(make_digest(articles=arts, intro="本期周报共收集1篇，时间从2025年3月1日到2025年3月7日。",
                            toc=("1. 某市召开全民健康信息平台建设推进会", "（新华网）")))
    assert len(doc.articles) == 1
    assert doc.articles[0].body.endswith("3. 加强数据安全。")


@pytest.mark.parametrize(("line", "kind"), [
    ("【彭慧胜 图】", "credit"), ("（受访者供图）", "credit"), ("本报记者 秦媛 摄", "credit"),
    ("图为患者在远程门诊与专家交流。马春晓 摄", "caption"),
    ("傅小云（左三）在病房了解病人情况。（受访者供图）", "caption"),
])
def test_credits_and_captions_are_removed_and_counted(line, kind):
    arts = [["1. 标题：某市召开全民健康信息平台建设推进会", "来源：新华网", "链接：https://x.cn/a.html", "主要内容：",
             "2025-03-01 来源：新华网", "第一段正文。", line, "第二段正文。"]]
    doc = parse(make_digest(articles=arts, intro="本期周报共收集1篇，时间从2025年3月1日到2025年3月7日。",
                            toc=("1. 某市召开全民健康信息平台建设推进会", "（新华网）")))
    art = doc.articles[0]
    assert art.body == "第一段正文。\n第二段正文。"
    assert art.n_credits == (1 if kind == "credit" or "摄" in line or "供图" in line else 0)
    assert kind in doc.roles


def test_byline_is_a_field_not_body():
    arts = [["1. 标题：某市召开全民健康信息平台建设推进会", "来源：新华网", "链接：https://x.cn/a.html", "主要内容：",
             "2025-03-01 来源：新华网", "新华社记者骆飞", "正文。"]]
    doc = parse(make_digest(articles=arts, intro="本期周报共收集1篇，时间从2025年3月1日到2025年3月7日。",
                            toc=("1. 某市召开全民健康信息平台建设推进会", "（新华网）")))
    assert doc.articles[0].byline == "新华社记者骆飞" and doc.articles[0].body == "正文。"


def test_standalone_article_without_date():
    text = "\n\n".join(["# 某县智慧医院建设纪实", "本报记者 张三", "近年来,某县人民医院加快智慧医院建设," * 3,
                       "医院通过电子病历六级评审。", "某报业传媒集团", "某发布 公众号"])
    doc = parse(text)
    assert doc.kind == "article" and doc.title == "某县智慧医院建设纪实"
    art = doc.articles[0]
    assert art.byline == "本报记者 张三" and art.published is None
    assert art.body.endswith("医院通过电子病历六级评审。") and "公众号" not in art.body
    assert codes(doc) == ["boilerplate_removed", "missing_date"]


def test_short_non_chinese_text_is_unknown():
    doc = parse("hello world\nthis is not a digest\n")
    assert doc.kind == "unknown" and doc.articles == []
    assert codes(doc) == ["unknown_kind"]
    assert set(doc.roles) <= {"unparsed", "blank"}


def test_text_between_sections_that_fits_nowhere_is_reported():
    toc = ("1. 某市召开全民健康信息平台建设推进会", "（新华网）", "这是一行多余的文字，不属于任何条目。",
           "2. 数据要素赋能医疗健康 某省启动可信数据空间建设", "（人民网）")
    doc = parse(make_digest(toc=toc))
    problem = next(p for p in doc.problems if p.code == "unparsed_text")
    assert "这是一行多余的文字" in problem.detail


def test_variant_labels_numbering_and_datelines():
    """Spaced labels, （n） numbering, unnumbered TOC, source-first dateline, other headings."""
    text = "\n\n".join([
        "全国卫生信息化舆情监测周报（第六三〇期）", "2025年6月20日", "导语：",
        "本期周报共收集2篇信息，时间从2025年6月14日到2025年6月20日。", "本期目录",
        "某市召开全民健康信息平台建设推进会", "(健康报)", "某省发布智慧医院建设指南", "(人民网)",
        "二、详细内容",
        "（1）标 题：某市召开全民健康信息平台建设推进会", "来 源：健康报", "链 接：https://a.cn/1.html",
        "主要内容：", "来源：健康报 2025-06-16", "正文一。",
        "（2）标题：某省发布智慧医院建设指南", "来源：", "人民网", "原文链接：https://a.cn/2.html",
        "内容摘要：正文第一句在标签行上。", "正文二。",
    ])
    doc = parse(text)
    assert (doc.issue_no, doc.declared_count) == (630, 2)
    a1, a2 = doc.articles
    assert (a1.number, a1.title, a1.source, a1.url) == (1, "某市召开全民健康信息平台建设推进会", "健康报", "https://a.cn/1.html")
    assert a1.published == date(2025, 6, 16) and a1.body == "正文一。"
    assert (a2.source, a2.url) == ("人民网", "https://a.cn/2.html")
    assert a2.body == "正文第一句在标签行上。\n正文二。"
    assert [a.toc_source for a in doc.articles] == ["健康报", "人民网"]
    assert codes(doc) == ["missing_date"]  # article 2 prints no date line


WRAPPED_BODY = [  # 36 CJK characters a line: a hard-wrapped page
    "某市卫生健康委日前召开全民健康信息平台建设推进会，会议部署了互联互通标准",
    "化成熟度测评工作，并要求各医院加快电子病历系统应用水平分级评价准备工作。",
    "会议还要求各地加快推进紧密型县域医共体建设，进一步提升基层医疗服务能力。",
]


def _wrapped_article(extra: list[str]) -> str:
    arts = [["1. 标题：某市召开全民健康信息平台建设推进会", "来源：新华网", "链接：https://x.cn/a.html",
             "主要内容：", "2025-03-01 来源：新华网", *WRAPPED_BODY, *extra]]
    return make_digest(articles=arts, intro="本期周报共收集1篇，时间从2025年3月1日到2025年3月7日。",
                       toc=("1. 某市召开全民健康信息平台建设推进会", "（新华网）"))


def test_full_line_of_prose_before_a_caption_is_kept():
    sentence = "潍坊在抗癌领域的创新探索，正为患者带来更多希望，引领抗癌事业迈向新的高度。"
    doc = parse(_wrapped_article([sentence, "患者在潍坊市某医院通过自助机完成挂号缴费。（受访者供图）"]))
    art = doc.articles[0]
    assert art.body.endswith(sentence) and "自助机" not in art.body
    assert art.n_credits == 1 and "caption" in doc.roles


def test_prose_broken_by_a_page_break_before_a_caption_is_not_dropped():
    first = "医疗数据资产化之路并非一蹴而就。早在2016年，某市就被列为首批国家健康医疗"
    doc = parse(_wrapped_article([first, "某市数据资产全过程管理平台的支撑团队开展工作，推动医疗数据资产化。本报记者 张三 摄",
                                  "大数据中心与产业园建设试点城市之一。"]))
    body = doc.articles[0].body
    assert first in body.replace("\n", "")  # the prose before the caption survives
    assert "本报记者 张三 摄" not in body
    assert doc.articles[0].n_credits == 1
