"""The five real seed files: every article's fields and the expected problem records.

Expected values were read off the files by hand, not copied from the parser's output.
"""

from __future__ import annotations

import pandas as pd
import pytest

from weeklylib.clean import compact, strip_markdown

D0, D1, D2, D3, D4 = (
    "000_0cbd2b995c0d86a6", "001_017c2f79a39b0a3a", "002_83ccda7c70e1770d",
    "003_853b37a96b61c717", "004_f91b6e6a85e84203",
)

# (article_id, title, source, url, published)
ARTICLES = [
    (f"{D0}#1", "从『643』到『数据确权』——徐州仁慈医院携手『国家队』解锁数智医疗新未来", "", "", None),
    (f"{D1}#1", "代表委员履职故事 | 全国政协委员傅小云：为基层医疗人才培养和数字化建设建言", "新华网",
     "https://www.news.cn/politics/20250223/6035afb49edb455e953d3d67fd0aa32e/c.html", "2025-02-23"),
    (f"{D1}#2", "成都自主研发的AI肿瘤大数据平台来了", "人民网",
     "http://sc.people.com.cn/n2/2025/0226/c345167-41146726.html", "2025-02-26"),
    (f"{D1}#3", "浦东在张江启动“医疗大数据创新实验室”建设", "上海市人民政府网",
     "https://www.shanghai.gov.cn/nw15343/20250226/8301ad35fb8a43268894c8a3c9cbd2f9.html", "2025-02-26"),
    (f"{D2}#1", "聚焦生成式医疗AI应用，2025全球数字经济大会共探智能医疗新未来", "人民政协网",
     "https://www.rmzxw.com.cn/c/2025-07-07/3744042.shtml?n2m=1", "2025-07-07"),
    (f"{D2}#2", "海峡两岸医疗专家共话AI与强基：这场创新大会如何重塑未来医疗？", "新华社客户端",
     "https://xhpfmapi.xinhuaxmt.com/vh512/share/12628230", "2025-07-07"),
    (f"{D2}#3", "山东聊城智慧医疗让患者告别“折返跑”", "新华网",
     "http://www.sd.xinhuanet.com/20250709/ca0cf0f4d4144e5b8aef1b5fb70a5a11/c.html", "2025-07-09"),
    (f"{D3}#1", "“AI+医疗”产业化提速", "新华网",
     "https://www.xinhuanet.com/tech/20250701/f20f32aff42e44d48d5ca8ba56ac0d85/c.html", "2025-07-01"),
    (f"{D3}#2", "从“五缺”到“5G+”贵州三都打造智慧医共体破解基层看病难", "中国新闻网",
     "https://www.chinanews.com.cn/sh/2025/07-02/10441646.shtml", "2025-07-02"),
    (f"{D3}#3", "“潍智码，智慧医疗·编码未来”——潍坊市AI病案编码云平台正式发布", "齐鲁网",
     "https://weifang.iqilu.com/wfminsheng/2025/0703/5828864.shtml", "2025-07-03"),
    (f"{D4}#1", "全国首单医疗数据资产使用费纳入国库", "福州新闻网",
     "https://news.fznews.com.cn/changle/20250429/4497817Fu0.shtml", "2025-04-29"),
    (f"{D4}#2", "中山大学：人工智能赋能医疗健康聚焦智能医学新发展", "南方网",
     "https://news.southcn.com/node_54a44f01a2/10777fd6e8.shtml", "2025-05-08"),
    (f"{D4}#3", "南宁市积极推动医疗智能化转型", "南宁日报",
     "http://www.nnrb.com.cn/nnrb/20250509/html/page_02_content_004.htm", "2025-05-09"),
    (f"{D4}#4", "广州发布卫生健康行业可信数据空间首批成果", "中国经济网",
     "http://www.ce.cn/cysc/yy/hydt/202505/09/t20250509_39356670.shtml", "2025-05-09"),
]

# doc_id: (kind, issue_no, issue_date, period_start, period_end, declared_count, n_articles, status)
DOCUMENTS = {
    D0: ("article", None, None, None, None, None, 1, "warning"),
    D1: ("weekly", 614, "2025-02-28", "2025-02-22", "2025-02-28", 3, 3, "ok"),
    D2: ("weekly", None, "2025-07-11", "2025-07-05", "2025-07-11", 3, 3, "warning"),
    D3: ("weekly", None, "2025-07-04", "2025-06-28", "2025-07-04", 3, 3, "warning"),
    D4: ("weekly", None, None, "2025-04-26", "2025-05-09", 3, 4, "warning"),
}

EXPECTED_PROBLEMS = {
    (D0, "boilerplate_removed"), (D0, "missing_date"),
    (D2, "missing_issue_no"), (D3, "missing_issue_no"),
    (D4, "missing_header"), (D4, "missing_issue_no"), (D4, "missing_date"), (D4, "count_mismatch"),
}


def _date(value):
    return pd.NaT if value is None else pd.Timestamp(value)


@pytest.mark.parametrize(("article_id", "title", "source", "url", "published"), ARTICLES,
                         ids=[a[0] for a in ARTICLES])
def test_article_fields(seed_corpus, article_id, title, source, url, published):
    row = seed_corpus.articles.set_index("article_id").loc[article_id]
    assert row["title"] == title
    assert row["source"] == source
    assert row["url"] == url
    if published is None:
        assert pd.isna(row["published"])
    else:
        assert row["published"] == pd.Timestamp(published)
    assert row["position"] == int(article_id.split("#")[1])


def test_article_ids_are_exactly_the_expected_ones(seed_corpus):
    assert list(seed_corpus.articles["article_id"]) == [a[0] for a in ARTICLES]


@pytest.mark.parametrize("doc_id", sorted(DOCUMENTS))
def test_document_fields(seed_corpus, doc_id):
    kind, issue_no, issue_date, start, end, declared, n_articles, status = DOCUMENTS[doc_id]
    row = seed_corpus.documents.set_index("doc_id").loc[doc_id]
    assert row["kind"] == kind
    assert (pd.isna(row["issue_no"]) if issue_no is None else row["issue_no"] == issue_no)
    for column, value in (("issue_date", issue_date), ("period_start", start), ("period_end", end)):
        expected = _date(value)
        assert (pd.isna(row[column]) if pd.isna(expected) else row[column] == expected), column
    assert (pd.isna(row["declared_count"]) if declared is None else row["declared_count"] == declared)
    assert row["n_articles"] == n_articles
    assert row["status"] == status
    assert row["encoding"] == "utf-8"
    assert len(row["sha256"]) == 64


def test_problem_records(seed_corpus):
    found = set(zip(seed_corpus.problems["doc_id"], seed_corpus.problems["code"], strict=True))
    assert found == EXPECTED_PROBLEMS
    messages = seed_corpus.problems.set_index(["doc_id", "code"])["message"]
    # each message names the file
    assert all(".txt" in m for m in messages)
    assert "declares 3 articles but 4 were found" in messages[(D4, "count_mismatch")]


def test_toc_titles_and_outlets_are_matched(seed_corpus):
    digests = seed_corpus.articles.query("doc_kind == 'weekly'")
    assert (digests["toc_title"] == digests["title"]).all()
    assert (digests["toc_source"] == digests["source"]).all()


def test_fields_are_not_left_in_bodies(seed_corpus):
    for row in seed_corpus.articles.itertuples():
        head = row.body[:200]
        assert "主要内容" not in head and "链接：" not in head and "来源：" not in head[:40]
        assert not row.body.startswith(row.title), row.article_id  # repeated title removed
        assert "http" not in head


def test_body_cleaning_on_seeds(seed_corpus):
    arts = seed_corpus.articles.set_index("article_id")
    body = arts.loc[f"{D2}#1", "body"]
    assert body.startswith("2025年7月3日，由全球数字经济大会组委会主办")
    assert " 年" not in body and "年 " not in body
    # a hard-wrapped sentence comes back whole
    assert "北京信息化协会信息技术应用创新工作委员会（以下简称“北京信创工委会”）承办" in body
    # headings stay their own paragraphs
    assert "\n行业大咖齐聚共话医疗AI发展新机遇\n" in body
    # ASCII commas inside Chinese become full-width; nothing turned into ASCII
    feature = arts.loc[f"{D0}#1", "body"]
    assert "近年来，人工智能与医疗卫生的深度融合" in feature
    assert "," not in feature.replace("1,", "")
    # the page break inside "医疗机\n\n构" is rejoined
    assert "阶段性目标的医疗机构，也是全国唯一实现这一目标的非公医院" in feature
    # Latin words keep their spaces
    assert "Session Initialization Protocol" in arts.loc[f"{D3}#1", "body"]


def test_photo_credits_removed_and_counted(seed_corpus):
    arts = seed_corpus.articles.set_index("article_id")
    cross_strait = arts.loc[f"{D2}#2"]
    assert cross_strait["n_credits"] == 12  # twelve 【… 图】 lines
    assert "【" not in cross_strait["body"] and " 图】" not in cross_strait["body"]
    deputy = arts.loc[f"{D1}#1"]
    assert deputy["n_credits"] == 2
    assert "受访者供图" not in deputy["body"]
    assert "在三都县开展义诊" not in deputy["body"]  # the caption went with its credit
    sandu = arts.loc[f"{D3}#2"]
    assert sandu["n_credits"] == 1 and "马春晓 摄" not in sandu["body"] and "图为" not in sandu["body"]
    assert "本报记者 秦媛 摄" not in arts.loc[f"{D0}#1", "body"]


def test_standalone_feature(seed_corpus):
    doc = seed_corpus.documents.set_index("doc_id").loc[D0]
    art = seed_corpus.articles.set_index("article_id").loc[f"{D0}#1"]
    assert doc["title"] == art["title"]
    assert art["byline"] == "本报记者 晏飞"
    assert art["body"].endswith("这，只是一个开始。")
    for promo in ("城市体验官", "公众号", "视频号", "徐州报业传媒集团"):
        assert promo not in art["body"]
    spans = seed_corpus.spans.query("doc_id == @D0 and role == 'boilerplate'")
    assert list(spans["text"]) == ["徐州报业传媒集团", "# 城市体验官", "真人探访", "角色体验",
                                   "## 来真的!不做旁观者!",
                                   "《城市体验官》以“00后记者”的第一视角,亲身体验各行各业的奋斗点滴,定格温暖瞬间,触达城市变迁",
                                   "徐州发布 公众号", "徐州发布 视频号"]


def test_every_line_is_accounted_for(seed_corpus):
    """Field text + body text + accounted-for text covers the whole input."""
    spans = seed_corpus.spans
    assert set(spans["role"]) <= {
        "blank", "header", "intro", "section", "toc", "title", "field", "url", "title_repeat",
        "dateline", "byline", "body", "credit", "caption", "boilerplate"}
    assert not (spans["role"] == "unparsed").any()
    for doc_id in seed_corpus.documents["doc_id"]:
        raw_lines = seed_corpus.raw(doc_id).split("\n")
        doc_spans = spans[spans["doc_id"] == doc_id]
        assert len(doc_spans) == len(raw_lines)
        assert (doc_spans["role"] == "blank").sum() == sum(1 for s in raw_lines if not s.strip())
    # the body lines of each article, cleaned and concatenated, are exactly its body
    bodies = seed_corpus.articles.set_index("article_id")["body"]
    body_lines = spans[spans["role"] == "body"].groupby("article_id", sort=False)["text"]
    for article_id, lines in body_lines:
        joined = compact("".join(strip_markdown(s) for s in lines))
        assert joined == compact(bodies[article_id].replace("\n", "")), article_id
    assert set(body_lines.groups) == set(bodies.index)


def test_url_cut_over_two_lines_is_rejoined_exactly(seed_corpus):
    spans = seed_corpus.spans.query("doc_id == @D4 and role == 'url'")
    first = spans[spans["article_id"] == f"{D4}#1"]["text"].tolist()
    assert first == ["https://news.fznews.com.cn/changle/20250429/4497817Fu0.", "shtml"]
