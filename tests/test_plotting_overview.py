"""Tests for weeklylib.plotting.overview, .wordcloud and ._style (what is drawn, not pixels)."""

from __future__ import annotations

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

import weeklylib as wl
from weeklylib import theme
from weeklylib.plotting import _style, overview
from weeklylib.plotting.wordcloud import plot_wordcloud, wordcloud_frequencies


@pytest.fixture(autouse=True)
def _paper(monkeypatch, tmp_path_factory):
    monkeypatch.setenv("WEEKLYLIB_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
    saved_state = dict(theme._STATE)
    with mpl.rc_context():
        mpl.rcdefaults()
        with wl.paper_style():
            yield
    theme._STATE.clear()
    theme._STATE.update(saved_state)


@pytest.fixture
def documents() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "doc_id": ["a", "b", "c", "d"],
            "kind": ["weekly", "weekly", "article", "weekly"],
            "issue_no": pd.array([615, pd.NA, pd.NA, 614], dtype="Int64"),
            "issue_date": pd.to_datetime(["2025-03-07", None, None, "2025-02-28"]),
            "period_start": pd.to_datetime(["2025-03-01", "2025-04-26", None, "2025-02-22"]),
            "period_end": pd.to_datetime(["2025-03-07", "2025-05-09", None, "2025-02-28"]),
            "declared_count": pd.array([5, 3, pd.NA, pd.NA], dtype="Int64"),
            "n_articles": [5, 4, 1, 2],
        }
    )


@pytest.fixture
def articles() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "article_id": [f"x#{i}" for i in range(6)],
            "source": ["新华网", "人民网", "新华网", "", "健康界", "新华网"],
            "n_chars": [650, 1210, 980, 3020, 1999, 2000],
        }
    )


@pytest.fixture
def problems() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "doc_id": ["a", "a", "b", "b", "c"],
            "severity": ["warning", "error", "warning", "warning", "error"],
            "code": ["missing_date", "count_mismatch", "missing_date", "missing_issue_no",
                     "count_mismatch"],
        }
    )


# --------------------------------------------------------------------- _style


def test_labels_zh_en():
    assert [_style.label(k) for k in ("articles", "issue", "outlet", "characters", "week",
                                      "month", "province")] == [
        "文章数", "期号", "来源", "字数", "周", "月", "省份"]
    assert _style.label("articles", "en") == "Articles"
    assert _style.label("province", lang="en") == "Province"


def test_label_errors():
    with pytest.raises(ValueError, match=r"key must be one of .*'nope'"):
        _style.label("nope")
    with pytest.raises(ValueError, match=r"lang must be one of \('zh', 'en'\) or None, got 'de'"):
        _style.label("articles", "de")


def test_resolve_lang_none_follows_theme():
    assert _style.resolve_lang(None) == "zh"
    with wl.paper_style(lang="en"):
        assert _style.resolve_lang(None) == "en"
        assert _style.label("issue", None) == "Issue"
    assert _style.resolve_lang(None) == "zh"


def test_user_labels_extend_and_replace(tmp_path):
    f = tmp_path / "labels.toml"
    f.write_text('[articles]\nzh = "篇数"\nen = "Items"\n', encoding="utf-8")
    extended = _style.load_labels(f)
    assert extended["articles"] == {"zh": "篇数", "en": "Items"}
    assert extended["issue"]["zh"] == "期号"
    assert list(_style.load_labels(f, extend=False)) == ["articles"]
    assert _style.label("articles", labels=extended) == "篇数"


def test_bad_label_file(tmp_path):
    from weeklylib.errors import DataFileError

    f = tmp_path / "labels.toml"
    f.write_text('[articles]\nzh = "篇数"\n', encoding="utf-8")
    with pytest.raises(DataFileError, match=r"labels\.toml.*'articles' needs string values"):
        _style.load_labels(f)


def test_palette():
    assert _style.palette("okabe_ito", 2) == ["#0072B2", "#E69F00"]
    assert len(_style.palette("okabe_ito", 10)) == 10
    with pytest.raises(ValueError, match=r"name must be one of .*'rainbow'"):
        _style.palette("rainbow")


# --------------------------------------------------------------------- articles per issue


def test_articles_per_issue_table(documents):
    t = overview.articles_per_issue_table(documents)
    assert list(t["doc_id"]) == ["d", "a", "b"]  # weekly only, date order
    assert list(t["issue"]) == ["第614期", "第615期", "2025-05-09"]
    assert list(t["n_articles"]) == [2, 5, 4]
    assert t["declared_count"].tolist() == [pd.NA, 5, 3]
    assert t["n_difference"].tolist() == [pd.NA, 0, 1]
    assert list(overview.articles_per_issue_table(documents, lang="en")["issue"]) == [
        "No. 614", "No. 615", "2025-05-09"]


def test_plot_articles_per_issue(documents):
    _, ax = plt.subplots()
    out = overview.plot_articles_per_issue(documents, ax=ax)
    assert out is ax
    assert [p.get_height() for p in ax.patches] == [2, 5, 4]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["第614期", "第615期", "2025-05-09"]
    (declared,) = ax.lines
    assert list(declared.get_xdata()) == [1, 2]
    assert list(declared.get_ydata()) == [5, 3]
    assert ax.get_title() == "每期文章数"
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("期号", "文章数")
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["解析所得篇数", "周报声明篇数"]


def test_plot_articles_per_issue_english_on_current_axes(documents):
    _, ax = plt.subplots()
    out = overview.plot_articles_per_issue(documents, lang="en")
    assert out is ax
    assert (ax.get_title(), ax.get_xlabel()) == ("Articles per issue", "Issue")


def test_articles_per_issue_missing_columns():
    with pytest.raises(ValueError, match=r"documents must have the columns .*missing \['kind'"):
        overview.articles_per_issue_table(pd.DataFrame({"doc_id": ["a"]}))


# --------------------------------------------------------------------- outlets


def test_outlet_table(articles):
    t = overview.outlet_table(articles)
    assert list(t["source"]) == ["新华网", "人民网", "健康界", "（未注明）"]
    assert list(t["n_articles"]) == [3, 1, 1, 1]
    assert t["share"].tolist() == [0.5, 1 / 6, 1 / 6, 1 / 6]
    top = overview.outlet_table(articles, top=2, lang="en")
    assert list(top["source"]) == ["新华网", "(unknown)", "Other"]
    assert list(top["n_articles"]) == [3, 1, 2]


def test_plot_outlets(articles):
    _, ax = plt.subplots()
    overview.plot_outlets(articles, ax=ax)
    widths = {t.get_text(): p.get_width() for t, p in zip(
        sorted(ax.get_yticklabels(), key=lambda t: t.get_position()[1]),
        sorted(ax.patches, key=lambda p: p.get_y()), strict=True)}
    assert widths == {"新华网": 3, "人民网": 1, "健康界": 1, "（未注明）": 1}
    top_label = max(ax.get_yticklabels(), key=lambda t: t.get_position()[1]).get_text()
    assert top_label == "新华网"
    assert (ax.get_xlabel(), ax.get_ylabel(), ax.get_title()) == ("文章数", "来源", "主要来源")


def test_outlet_top_must_be_positive(articles):
    with pytest.raises(ValueError, match="top must be a positive integer, got 0"):
        overview.outlet_table(articles, top=0)


# --------------------------------------------------------------------- lengths


def test_length_table(articles):
    t = overview.length_table(articles, bins=3)
    # range 650..3020 -> raw width 790 -> nice width 1000, edges 0..4000
    assert t.to_dict("list") == {
        "bin_start": [0, 1000, 2000, 3000],
        "bin_end": [1000, 2000, 3000, 4000],
        "n_articles": [2, 2, 1, 1],
    }
    assert overview.length_table(articles.iloc[:0]).empty


def test_plot_lengths(articles):
    _, ax = plt.subplots()
    overview.plot_lengths(articles, ax=ax, bins=3, lang="en")
    assert [p.get_height() for p in ax.patches] == [2, 2, 1, 1]
    assert [p.get_x() for p in ax.patches] == [0, 1000, 2000, 3000]
    (median,) = ax.lines
    assert list(median.get_xdata()) == [1604.5, 1604.5]
    assert ax.get_legend().get_texts()[0].get_text() == "Median 1,604"
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("Characters", "Articles")


# --------------------------------------------------------------------- problems


def test_problem_table(problems):
    t = overview.problem_table(problems)
    assert t.to_dict("list") == {
        "code": ["count_mismatch", "missing_date", "missing_issue_no"],
        "n_warning": [0, 2, 1],
        "n_error": [2, 0, 0],
        "n_problems": [2, 2, 1],
        "n_documents": [2, 2, 1],
    }


def test_plot_problems(problems):
    _, ax = plt.subplots()
    overview.plot_problems(problems, ax=ax)
    warn, err = ax.containers
    assert [p.get_width() for p in warn] == [0, 2, 1]
    assert [p.get_width() for p in err] == [2, 0, 0]
    assert [p.get_x() for p in err] == [0, 2, 1]  # stacked after the warnings
    by_height = sorted(ax.get_yticklabels(), key=lambda t: t.get_position()[1])
    assert [t.get_text() for t in by_height] == [
        "missing_issue_no", "missing_date", "count_mismatch"]  # bottom to top
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["警告", "错误"]
    assert warn.patches[0].get_facecolor() == mpl.colors.to_rgba(_style.PALETTES["severity"][0])


def test_plot_problems_empty():
    _, ax = plt.subplots()
    overview.plot_problems(pd.DataFrame(columns=["doc_id", "severity", "code"]), ax=ax, lang="en")
    assert [t.get_text() for t in ax.texts] == ["No problems"]
    assert len(ax.patches) == 0


def test_plots_draw_without_glyph_warnings(documents, articles, problems):
    fig, axes = plt.subplots(2, 2)
    overview.plot_articles_per_issue(documents, ax=axes[0, 0])
    overview.plot_outlets(articles, ax=axes[0, 1])
    overview.plot_lengths(articles, ax=axes[1, 0])
    overview.plot_problems(problems, ax=axes[1, 1])
    fig.canvas.draw()  # filterwarnings = error: a "Glyph missing" warning fails here


def test_invalid_lang(articles):
    with pytest.raises(ValueError, match=r"lang must be one of \('zh', 'en'\) or None, got 'jp'"):
        overview.plot_outlets(articles, lang="jp")


# --------------------------------------------------------------------- figures_overview


def test_figures_overview(tmp_path, seed_corpus):
    paths = overview.figures_overview(seed_corpus, out_dir=tmp_path, formats=("svg",))
    names = [p.name for p in paths]
    assert names == sorted(names)
    stems = ["overview_articles_per_issue", "overview_lengths", "overview_outlets",
             "overview_problems"]
    assert names == [f"{s}.{ext}" for s in stems for ext in ("csv", "svg")]
    per_issue = pd.read_csv(tmp_path / "overview_articles_per_issue.csv", encoding="utf-8-sig")
    docs = seed_corpus.documents
    weekly = docs[docs["kind"] == "weekly"]
    assert per_issue["n_articles"].sum() == weekly["n_articles"].sum()
    outlets = pd.read_csv(tmp_path / "overview_outlets.csv", encoding="utf-8-sig")
    assert outlets["n_articles"].sum() == len(seed_corpus.articles)
    lengths = pd.read_csv(tmp_path / "overview_lengths.csv", encoding="utf-8-sig")
    assert lengths["n_articles"].sum() == seed_corpus.articles["n_chars"].notna().sum()
    probs = pd.read_csv(tmp_path / "overview_problems.csv", encoding="utf-8-sig")
    assert probs["n_problems"].sum() == len(seed_corpus.problems)
    assert plt.get_fignums() == []  # figures closed


# --------------------------------------------------------------------- word cloud


@pytest.fixture
def tf() -> pd.DataFrame:
    return pd.DataFrame(
        {"term": ["智慧医院", "互联网医院", "数据", "医疗", "智慧医院", "的", " "],
         "topic": ["a", "a", "b", "b", "b", "a", "a"],
         "n_tokens": [20, 20, 10, 15, 10, 99, 5]}
    )


def test_wordcloud_frequencies(tf):
    s = wordcloud_frequencies(tf, stopwords={"的"})
    assert s.to_dict() == {"智慧医院": 30.0, "互联网医院": 20.0, "医疗": 15.0, "数据": 10.0}
    assert list(wordcloud_frequencies(tf, stopwords={"的"}, max_words=2).index) == [
        "智慧医院", "互联网医院"]
    one_topic = wordcloud_frequencies(tf[tf["topic"] == "b"])
    assert one_topic.to_dict() == {"医疗": 15.0, "数据": 10.0, "智慧医院": 10.0}
    assert wordcloud_frequencies(pd.Series({"甲": 2, "乙": 0})).to_dict() == {"甲": 2.0}


def test_wordcloud_frequencies_errors(tf):
    with pytest.raises(ValueError, match="weight must name a numeric column"):
        wordcloud_frequencies(pd.DataFrame({"term": ["a"], "x": [1], "y": [2]}))
    assert wordcloud_frequencies(pd.DataFrame({"term": ["a"], "x": [1], "y": [2]}),
                                 weight="y").to_dict() == {"a": 2.0}
    with pytest.raises(ValueError, match="term must name a column"):
        wordcloud_frequencies(pd.DataFrame({"x": ["a"], "n": [1]}))
    with pytest.raises(ValueError, match="max_words must be a positive integer, got 0"):
        wordcloud_frequencies(tf, max_words=0)
    with pytest.raises(ValueError, match="frequencies must be a pandas Series"):
        wordcloud_frequencies(["a", "b"])


def test_wordcloud_is_deterministic(tf):
    _, (a1, a2, a3) = plt.subplots(1, 3)
    plot_wordcloud(tf, ax=a1, stopwords={"的"}, width=300, height=200)
    plot_wordcloud(tf, ax=a2, stopwords={"的"}, width=300, height=200)
    plot_wordcloud(tf, ax=a3, stopwords={"的"}, width=300, height=200, seed=1)
    img1, img2, img3 = (ax.images[0].get_array() for ax in (a1, a2, a3))
    assert img1.shape == (200, 300, 3)
    assert np.array_equal(img1, img2)
    assert not np.array_equal(img1, img3)
    assert (img1 < 200).any()  # something was drawn on the white background
    assert not a1.axison


def test_wordcloud_uses_sc_face_file():
    from weeklylib.theme import cjk_font_file

    path = cjk_font_file()
    from matplotlib import ft2font

    font = ft2font.FT2Font(str(path))
    assert font.num_faces == 1 or path.suffix != ".ttc"
    assert " SC" in font.family_name or font.family_name == theme.BUNDLED_FAMILY


def test_wordcloud_empty_after_stopwords():
    _, ax = plt.subplots()
    plot_wordcloud(pd.Series({"的": 3}), ax=ax, stopwords=["的"], lang="en")
    assert [t.get_text() for t in ax.texts] == ["No terms to show"]
    assert len(ax.images) == 0


def test_wordcloud_bad_font_path(tf, tmp_path):
    with pytest.raises(ValueError, match="font_path must be an existing font file"):
        plot_wordcloud(tf, font_path=tmp_path / "none.ttf")


def test_figures_overview_english_names_do_not_overwrite_chinese(tmp_path, seed_corpus):
    zh = overview.figures_overview(seed_corpus, out_dir=tmp_path, formats=("svg",))
    en = overview.figures_overview(seed_corpus, out_dir=tmp_path, formats=("svg",), lang="en")
    assert not set(zh) & set(en)
    assert all(p.stem.endswith("_en") for p in en)
    svg = (tmp_path / "overview_outlets_en.svg").read_text(encoding="utf-8")
    assert "<!-- Articles -->" in svg  # matplotlib writes each text as an SVG comment
    assert "<!-- 文章数 -->" in (tmp_path / "overview_outlets.svg").read_text(encoding="utf-8")
