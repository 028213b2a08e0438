"""Tests for weeklylib.plotting.metrics: indicator dots, ratings grid, rating map, figures."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from weeklylib.metrics import extract_metrics, indicator_comparison, ratings_by_province
from weeklylib.plotting.metrics import (
    figures_metrics,
    metric_figure_tables,
    plot_indicators,
    plot_rating_map,
    plot_ratings,
)

BODIES = [
    "聊城东阿县人民医院床旁入院办理率100%，出院结算率86%，平均住院日由9天缩短至7.5天。",
    "贵州三都县域内就诊率达91.74%，满意度达90%以上，投诉率下降16个百分点。",
    "徐州仁慈医院通过电子病历六级评审，通过互联互通四级甲等，力争智慧服务达到三级。",
]


def _places() -> pd.DataFrame:
    rows = []
    for i, (body, mention, prov, city) in enumerate([
        (BODIES[0], "聊城", "山东省", "聊城市"), (BODIES[1], "贵州", "贵州省", ""),
        (BODIES[2], "徐州", "江苏省", "徐州市"),
    ]):
        start = body.index(mention)
        rows.append((f"d#{i + 1}", "body", start, start + len(mention), prov, city))
    return pd.DataFrame(rows, columns=["article_id", "field", "start", "end", "province", "city"])


@pytest.fixture(scope="module")
def metrics() -> pd.DataFrame:
    arts = pd.DataFrame({"article_id": ["d#1", "d#2", "d#3"], "body": BODIES,
                         "title": ["聊城", "三都", "徐州"]})
    return extract_metrics(arts, places=_places(), regions=pd.DataFrame(
        columns=["article_id", "province", "city"]))


def _texts(ax) -> list[str]:
    return [t.get_text() for t in ax.texts]


def test_plot_indicators_one_unit(metrics):
    _fig, ax = plt.subplots()
    out = plot_indicators(metrics, ax=ax, unit="%", value_type="level")
    assert out is ax
    labels = [t.get_text() for t in ax.get_yticklabels()]
    # rows top to bottom follow the vocabulary order of the indicators
    assert labels == ["贵州 · — [d#2]", "贵州 · — [d#2]",
                      "山东 · 聊城东阿县人民医院 [d#1]", "山东 · 聊城东阿县人民医院 [d#1]"]
    assert len(ax.collections) == 4
    assert {"91.74", "90以上", "100", "86"} <= {a.get_text() for a in ax.texts}
    assert ax.get_xlabel() == "数值 (%; 水平)"
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["县域内就诊率", "满意度", "床旁入院办理率", "出院结算率"]


def test_plot_indicators_from_to_arrow_and_english(metrics):
    _fig, ax = plt.subplots()
    plot_indicators(indicator_comparison(metrics, "avg_length_of_stay"), ax=ax, lang="en")
    # one hollow baseline marker and one value marker
    assert len(ax.collections) == 2
    assert ax.get_xlabel() == "Value (days; level)"
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Shandong · 聊城东阿县人民医院 [d#1]"]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["Average length of stay"]


def test_plot_indicators_refuses_mixed_units(metrics):
    _fig, ax = plt.subplots()
    with pytest.raises(ValueError, match=r"unit must be given.*\['%', '个百分点', '天'\]"):
        plot_indicators(metrics, ax=ax)
    with pytest.raises(ValueError, match="lang must be one of"):
        plot_indicators(metrics, ax=ax, unit="%", lang="de")
    with pytest.raises(ValueError, match="value_type must be one of"):
        plot_indicators(metrics, ax=ax, unit="%", value_type="delta")
    with pytest.raises(ValueError, match="data must be a DataFrame"):
        plot_indicators([1, 2], ax=ax)


def test_plot_indicators_empty(metrics):
    _fig, ax = plt.subplots()
    plot_indicators(metrics, ax=ax, unit="人次")
    assert _texts(ax) == ["无数据"]


def test_plot_ratings_grid(metrics):
    _fig, ax = plt.subplots()
    out = plot_ratings(metrics, ax=ax)
    assert out is ax
    assert [t.get_text() for t in ax.get_xticklabels()] == ["电子病历应用水平", "互联互通成熟度",
                                                          "智慧服务分级"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["江苏 · 徐州仁慈医院"]
    assert _texts(ax) == ["6", "4甲", "→3"]
    assert len(ax.patches) == 3
    _fig, ax = plt.subplots()
    plot_ratings(ratings_by_province(metrics), ax=ax, achieved_only=True, lang="en")
    assert _texts(ax) == ["6", "4甲"]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["EMR application level",
                                                          "Interoperability maturity"]


def test_plot_ratings_errors_and_empty(metrics):
    _fig, ax = plt.subplots()
    with pytest.raises(ValueError, match="max_rows must be a positive integer"):
        plot_ratings(metrics, ax=ax, max_rows=0)
    plot_ratings(metrics[metrics["kind"] == "indicator"], ax=ax)
    assert _texts(ax) == ["无数据"]


def test_plot_rating_map(metrics):
    _fig, ax = plt.subplots()
    out = plot_rating_map(metrics, ax=ax)
    assert out is ax
    filled = [p for p in ax.patches if p.get_label() == "江苏省"]
    assert len(filled) == 1
    assert filled[0].get_facecolor()[:3] != (0.85, 0.85, 0.85)
    assert "6" in _texts(ax)
    with pytest.raises(ValueError, match="metric must be one of"):
        plot_rating_map(metrics, metric="satisfaction_rate", ax=ax)


def test_metric_figure_tables_on_articles():
    arts = pd.DataFrame({"article_id": ["d#1"], "body": [BODIES[1]]})
    t = metric_figure_tables(arts)
    assert set(t) == {"metrics", "comparison", "rating_regions", "ratings", "levels_pct",
                      "changes", "articles_by_province"}
    assert list(t["levels_pct"]["metric"]) == ["county_visit_rate", "satisfaction_rate"]
    assert list(t["changes"]["unit"]) == ["个百分点"]
    with pytest.raises(ValueError, match="corpus must be a Corpus"):
        metric_figure_tables(42)


@pytest.mark.slow
def test_figures_metrics_writes_every_figure(tmp_path, seed_corpus):
    paths = figures_metrics(seed_corpus, out_dir=tmp_path, formats=("png",))
    names = [p.name for p in paths]
    assert names == ["metrics_indicator_levels.csv", "metrics_indicator_levels.png",
                     "metrics_indicator_changes.csv", "metrics_indicator_changes.png",
                     "metrics_ratings.csv", "metrics_ratings.png",
                     "metrics_emr_map.csv", "metrics_emr_map.png",
                     "metrics_articles_by_province.csv", "metrics_articles_by_province.png"]
    assert all(p.exists() and p.stat().st_size > 0 for p in paths)
    levels = pd.read_csv(tmp_path / "metrics_indicator_levels.csv", encoding="utf-8-sig")
    assert 91.74 in set(levels["value"])
    assert plt.get_fignums() == []
