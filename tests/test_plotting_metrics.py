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


# --------------------------------------------------------------------------- bounded figures


def _many_values(n_provinces: int = 30, per_province: int = 4) -> pd.DataFrame:
    """An indicator_comparison-like table: satisfaction (%) in many provinces and articles."""
    from weeklylib.plotting.regions import load_province_tiles

    provinces = list(load_province_tiles()["province"])[:n_provinces]
    rows = []
    for i, prov in enumerate(provinces):
        for j in range(per_province + (i % 3)):  # provinces 2, 5, 8 … have the most values
            rows.append({"metric": "satisfaction_rate", "label_zh": "满意度",
                         "label_en": "Satisfaction", "measure": "满意度 (%)", "province": prov,
                         "city": "", "institution": "", "value": 80.0 + j, "baseline": float("nan"),
                         "unit": "%", "value_type": "level", "trend": "", "qualifier": "",
                         "direction": "", "year": pd.NA, "article_id": f"{i:03d}_x#{j + 1}",
                         "title": "", "label": f"{prov} [{i}#{j}]", "sentence": ""})
    return pd.DataFrame(rows)


def test_indicator_chart_switches_to_provinces_and_caps_rows():
    from weeklylib.plotting.metrics import indicator_chart_rows

    data = _many_values()
    rows, values, info = indicator_chart_rows(data, unit="%", max_rows=10)
    assert info["group"] == "province"
    assert (info["n_rows"], info["n_total"]) == (10, 30)
    # the provinces with the most articles (6 values) are kept: every third one
    assert set(rows["n_articles"]) == {6}
    assert rows["row_label"].iloc[0].startswith("满意度 · ")
    assert rows["row_label"].iloc[0].endswith("(n=6)")
    assert list(values.index) == list(data.index)
    assert (values["figure_row"] != "").sum() == 60
    assert info["note"] == "显示 10/30 组（文章数最多者）；完整数据见 CSV"
    _fig, ax = plt.subplots()
    plot_indicators(data, ax=ax, unit="%", max_rows=10, lang="en")
    assert len(ax.get_yticklabels()) == 10
    assert ax.get_xlabel() == ("Value (%; level); dot: median, line: range\n"
                               "10 of 30 groups shown (most articles first); all in the data CSV")
    # the median is drawn, with a line over the range
    assert {t.get_text() for t in ax.texts} == {"82.5"}
    assert len(ax.lines) == 10


def test_indicator_chart_per_value_keeps_the_first_rows():
    from weeklylib.plotting.metrics import indicator_chart_rows

    data = _many_values(n_provinces=3, per_province=4)  # 4 + 5 + 6 = 15 values
    rows, _values, info = indicator_chart_rows(data, unit="%", max_rows=20)
    assert (info["group"], info["n_rows"], info["note"]) == ("value", 15, "")
    rows, values, info = indicator_chart_rows(data, unit="%", max_rows=5, group="value")
    assert (info["n_rows"], info["n_total"]) == (5, 15)
    assert list(rows["value"]) == [80.0, 80.0, 80.0, 81.0, 81.0]  # sorted by value
    assert (values["figure_row"] != "").sum() == 5
    with pytest.raises(ValueError, match="group must be one of"):
        indicator_chart_rows(data, unit="%", group="city")
    with pytest.raises(ValueError, match="max_rows must be a positive integer"):
        plot_indicators(data, unit="%", max_rows=0)


def test_plot_ratings_caps_rows_by_articles():
    from weeklylib.plotting.metrics import rating_chart_rows

    rows = []
    for i in range(25):
        n = 3 if i in (4, 17) else 1
        rows.append({"province": "山东省", "city": "聊城市", "institution": f"医院{i:02d}医院",
                     "metric": "emr_level", "label_zh": "电子病历应用水平",
                     "label_en": "EMR application level", "level": 5.0, "grade": "",
                     "level_label": "5", "direction": "achieved", "target_level": float("nan"),
                     "target_label": "", "year": pd.NA, "n_mentions": n, "n_articles": n,
                     "article_ids": "; ".join(f"{i}#{k}" for k in range(n)), "sentence": ""})
    table = pd.DataFrame(rows)
    shown, keys, info = rating_chart_rows(table, max_rows=3)
    assert (info["n_rows"], info["n_total"]) == (3, 25)
    assert [k[2] for k in keys] == ["医院00医院", "医院04医院", "医院17医院"]
    assert shown["shown"].sum() == 3
    _fig, ax = plt.subplots()
    plot_ratings(table, ax=ax, max_rows=3)
    assert len(ax.get_yticklabels()) == 3
    assert ax.get_xlabel() == "显示 3/25 行（文章数最多者）；完整数据见 CSV"


def test_metric_figure_tables_reuses_given_tables(monkeypatch):
    import weeklylib.regions
    from weeklylib.plotting import metrics as mod

    arts = pd.DataFrame({"article_id": ["d#1", "d#2", "d#3"], "body": BODIES,
                         "title": ["聊城", "三都", "徐州"]})
    places = _places()
    regions = pd.DataFrame({"article_id": ["d#1", "d#2", "d#3"],
                            "province": ["山东省", "贵州省", "江苏省"],
                            "city": ["聊城市", "", "徐州市"]})
    expected = extract_metrics(arts, places=places, regions=regions)

    def boom(*_a, **_k):
        raise AssertionError("recomputed")

    monkeypatch.setattr(weeklylib.regions, "extract_places", boom)
    monkeypatch.setattr(weeklylib.regions, "resolve_regions", boom)
    t = metric_figure_tables(arts, places=places, regions=regions)
    pd.testing.assert_frame_equal(t["metrics"], expected)
    assert list(t["articles_by_province"]["province"]) == ["山东省", "江苏省", "贵州省"]
    monkeypatch.setattr(mod, "extract_metrics", boom)
    t = metric_figure_tables(arts, metrics=expected, regions=regions)
    assert t["metrics"] is expected
    with pytest.raises(ValueError, match="metrics must be None or a DataFrame"):
        metric_figure_tables(arts, metrics=[1])


def test_figures_metrics_sizes_are_bounded(tmp_path):
    import matplotlib.image as mpimg

    n = 60
    bodies = [f"聊城满意度达{50 + i % 40}%，投诉率下降{i % 9 + 1}个百分点，"
              f"平均住院日缩短{i % 5 + 1}天。" for i in range(n)]
    arts = pd.DataFrame({"article_id": [f"{i:03d}_x#1" for i in range(n)], "body": bodies})
    m = extract_metrics(arts, places=pd.DataFrame())
    regions = pd.DataFrame({"article_id": arts["article_id"], "province": "山东省", "city": ""})
    paths = figures_metrics(arts, out_dir=tmp_path, formats=("png",), metrics=m,
                            regions=regions, max_rows=8)
    heights = {p.stem: mpimg.imread(p).shape[0] for p in paths if p.suffix == ".png"}
    # 8 rows at most: far below the 60 values per chart (0.28 in per row at 300 dpi)
    assert heights["metrics_indicator_levels"] < 300 * (0.28 * 8 + 1.5)
    assert heights["metrics_indicator_changes"] < 300 * (0.3 * 8 + 0.9 * 4 + 1.5)
    levels = pd.read_csv(tmp_path / "metrics_indicator_levels.csv", encoding="utf-8-sig",
                         keep_default_na=False)
    assert len(levels) == n  # the CSV keeps every value …
    assert set(levels["figure_row"]) == {"满意度 · — (n=60)"}  # … and the row showing it
    changes = pd.read_csv(tmp_path / "metrics_indicator_changes.csv", encoding="utf-8-sig",
                          keep_default_na=False)
    assert len(changes) == 2 * n
    assert (changes["figure_row"] != "").all()
