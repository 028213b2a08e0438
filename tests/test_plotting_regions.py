"""Tests for weeklylib.plotting.regions: inspect what was drawn (patches, texts), never pixels."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pandas as pd
import pytest
from matplotlib.colors import to_hex
from matplotlib.patches import Rectangle

from weeklylib.errors import DataFileError
from weeklylib.plotting.regions import (
    MISSING_COLOR,
    load_province_tiles,
    plot_articles_by_province,
    plot_province_tiles,
)


def _tiles_by_province(ax) -> dict[str, Rectangle]:
    return {p.get_label(): p for p in ax.patches if isinstance(p, Rectangle)}


def test_tile_layout_is_complete_and_consistent_with_gazetteer():
    from weeklylib.regions import load_gazetteer

    t = load_province_tiles()
    assert len(t) == 34
    assert t["province"].is_unique
    assert not t.duplicated(["row", "col"]).any()
    gaz = load_gazetteer()
    prov = gaz[gaz["level"] == "province"].set_index("name")
    assert set(t["province"]) == set(prov.index)
    assert (t.set_index("province")["adcode"] == prov.loc[t["province"], "adcode"]).all()
    assert (t.set_index("province")["short_en"] == prov.loc[t["province"], "name_en"]).all()


def test_tiles_values_missing_grey_and_colorbar():
    fig, ax = plt.subplots()
    values = pd.DataFrame({"province": ["山东省", "贵州", "Guangdong", None], "n": [4, 1, 2, 9]})
    out = plot_province_tiles(values, ax=ax, cmap="viridis")
    assert out is ax
    tiles = _tiles_by_province(ax)
    assert len(tiles) == 34
    grey = to_hex(MISSING_COLOR)
    coloured = {k for k, p in tiles.items() if to_hex(p.get_facecolor()) != grey}
    assert coloured == {"山东省", "贵州省", "广东省"}
    # the largest value gets the top of viridis, the smallest the bottom
    assert to_hex(tiles["山东省"].get_facecolor()) == to_hex(plt.get_cmap("viridis")(1.0))
    assert to_hex(tiles["贵州省"].get_facecolor()) == to_hex(plt.get_cmap("viridis")(0.0))
    texts = [t.get_text() for t in ax.texts]
    assert {"山东", "贵州", "西藏", "台湾", "香港", "澳门"} <= set(texts)
    assert texts.count("4") == 1
    assert texts.count("9") == 0
    cbar_ax = fig.axes[-1]
    assert cbar_ax is not ax
    assert cbar_ax.get_ylabel() == "文章数"


def test_tiles_english_labels_series_input_and_custom_label():
    fig, ax = plt.subplots()
    s = pd.Series({"上海市": 0.25, "四川省": 0.75})
    plot_province_tiles(s, ax=ax, lang="en", label="Share of articles", annotate=False)
    texts = [t.get_text() for t in ax.texts]
    assert "Shanghai" in texts
    assert "Inner\nMongolia" in texts
    assert "上海" not in texts
    assert "0.25" not in texts  # annotate=False: names only
    assert fig.axes[-1].get_ylabel() == "Share of articles"


def test_tiles_without_values_draws_grey_map_without_colorbar():
    fig, ax = plt.subplots()
    plot_province_tiles(pd.DataFrame({"province": [], "n": []}), ax=ax)
    assert len(fig.axes) == 1
    assert {to_hex(p.get_facecolor()) for p in _tiles_by_province(ax).values()} == {
        to_hex(MISSING_COLOR)}


def test_tiles_errors():
    with pytest.raises(ValueError, match=r"not in the tile layout.*'两岸'"):
        plot_province_tiles(pd.DataFrame({"province": ["两岸"], "n": [1]}))
    with pytest.raises(ValueError, match="more than once"):
        plot_province_tiles(pd.DataFrame({"province": ["山东省", "山东"], "n": [1, 2]}))
    with pytest.raises(ValueError, match=r"value must be a column of values .*'count'"):
        plot_province_tiles(pd.DataFrame({"province": ["山东省"], "n": [1]}), value="count")
    with pytest.raises(ValueError, match="lang must be one of"):
        plot_province_tiles(pd.DataFrame({"province": ["山东省"], "n": [1]}), lang="fr")


def test_tiles_file_errors(tmp_path):
    f = tmp_path / "t.csv"
    f.write_text("province,adcode,row,col,short_zh,short_en\n北京市,110000,0,0,北京,Beijing\n"
                 "天津市,120000,0,0,天津,Tianjin\n", encoding="utf-8")
    with pytest.raises(DataFileError, match=r"t\.csv:3: cell \(row 0, col 0\) already used"):
        load_province_tiles(f)
    f.write_text("province,adcode,row,col,short_zh,short_en\n北京市,110000,a,0,北京,Beijing\n",
                 encoding="utf-8")
    with pytest.raises(DataFileError, match=r"t\.csv:2: row must be a non-negative integer"):
        load_province_tiles(f)


def test_bar_chart_order_labels_and_periods_summed():
    table = pd.DataFrame({
        "period": pd.to_datetime(["2025-02-01", "2025-02-01", "2025-03-01", "2025-03-01"]),
        "province": ["贵州省", "山东省", "贵州省", "广西壮族自治区"],
        "n_articles": [1, 2, 2, 1],
    })
    _fig, ax = plt.subplots()
    out = plot_articles_by_province(table, ax=ax)
    assert out is ax
    labels = [t.get_text() for t in ax.get_yticklabels()]
    widths = [p.get_width() for p in ax.patches]
    # bars are drawn largest first at the top: 贵州 3, 山东 2, 广西 1
    ys = [p.get_y() for p in ax.patches]
    assert [w for _, w in sorted(zip(ys, widths, strict=True), reverse=True)] == [3.0, 2.0, 1.0]
    assert labels == ["广西", "山东", "贵州"]  # tick labels bottom to top
    assert ax.get_xlabel() == "文章数"
    assert ax.get_ylabel() == "省份"
    ax2 = plot_articles_by_province(table, ax=plt.subplots()[1], lang="en", top=2)
    assert [t.get_text() for t in ax2.get_yticklabels()] == ["Shandong", "Guizhou"]  # bottom, top
    assert ax2.get_xlabel() == "Articles"


def test_bar_chart_errors():
    t = pd.DataFrame({"province": ["山东省"], "n_articles": [1]})
    with pytest.raises(ValueError, match="top must be None or a positive integer"):
        plot_articles_by_province(t, top=0)
    with pytest.raises(ValueError, match=r"province must be a column of table .*'region'"):
        plot_articles_by_province(t, province="region")


def test_plots_do_not_save(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    plot_province_tiles(pd.DataFrame({"province": ["山东省"], "n": [1]}))
    plot_articles_by_province(pd.DataFrame({"province": ["山东省"], "n_articles": [1]}))
    assert list(tmp_path.iterdir()) == []


def test_bar_chart_size_does_not_grow_with_periods():
    # a year of weekly counts for three provinces: still three bars
    periods = pd.date_range("2025-01-06", periods=52, freq="W-MON")
    table = pd.DataFrame({
        "period": list(periods) * 3,
        "province": ["贵州省"] * 52 + ["山东省"] * 52 + ["广西壮族自治区"] * 52,
        "n_articles": [1] * 52 + [2] * 52 + [3] * 52,
    })
    _fig, ax = plt.subplots()
    plot_articles_by_province(table, ax=ax)
    assert len(ax.patches) == 3
    assert sorted(p.get_width() for p in ax.patches) == [52.0, 104.0, 156.0]
