"""Tests for weeklylib.plotting.topics: inspect what was drawn, never pixels."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

import weeklylib as wl
from weeklylib.bursts import burst_table
from weeklylib.cooccur import cooccurrence
from weeklylib.plotting.topics import (
    plot_bursts,
    plot_cooccurrence_heatmap,
    plot_cooccurrence_network,
    plot_topic_trends,
)


def _trends():
    arts = pd.DataFrame({
        "article_id": ["a1", "a2", "a3", "a4", "a5"],
        "period_start": pd.to_datetime(["2025-02-22", "2025-02-22", "2025-03-08", "2025-03-08",
                                        "2025-03-22"]),
        "period_end": pd.to_datetime(["2025-02-28", "2025-02-28", "2025-03-21", "2025-03-21",
                                      "2025-03-28"]),
    })
    tags = pd.DataFrame({
        "article_id": ["a1", "a3", "a4", "a2", "a5"],
        "topic": ["primary_care", "primary_care", "primary_care", "ai", "ai"],
        "label_zh": ["基层医疗与医共体"] * 3 + ["人工智能与大模型"] * 2,
        "label_en": ["Primary care and medical alliances"] * 3 + ["AI and large models"] * 2,
    })
    return wl.topic_trends(tags, arts, freq="week")


def test_trend_lines_break_at_gaps():
    tr = _trends()
    _fig, ax = plt.subplots()
    out = plot_topic_trends(tr, ax=ax)
    assert out is ax
    assert len(ax.lines) == 2
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    # lines sorted by total articles: primary care (3) before AI (2); shading entries follow
    assert labels[:2] == ["基层医疗与医共体", "人工智能与大模型"]
    assert "无周报" in labels
    assert "合刊覆盖" in labels
    pc = ax.lines[0].get_ydata().astype(float)
    # weeks: 02-24 obs (1/2), 03-03 gap, 03-10 covered, 03-17 obs (2/2), 03-24 obs (0/1)
    np.testing.assert_allclose(pc, [0.5, np.nan, np.nan, 1.0, 0.0])
    assert ax.lines[0].get_marker() == "o"
    # one grey span for the gap week and one hatched span for the covered week
    spans = [p for p in ax.patches if p.get_hatch() is None]
    hatched = [p for p in ax.patches if p.get_hatch() == "//"]
    assert len(spans) == 1
    assert len(hatched) == 1
    assert ax.get_ylabel() == "文章占比"


def test_trends_in_english_and_top():
    tr = _trends()
    _fig, ax = plt.subplots()
    plot_topic_trends(tr, ax=ax, lang="en", top=1, show_gaps=False)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "Primary care and medical alliances"]
    assert ax.get_ylabel() == "Share of articles"
    assert len(ax.patches) == 0
    _fig, ax = plt.subplots()
    plot_topic_trends(tr, ax=ax, value="n_articles", topics=["ai"])
    np.testing.assert_allclose(ax.lines[0].get_ydata().astype(float),
                               [1, np.nan, np.nan, 0, 1])
    with pytest.raises(ValueError, match=r"lang must be one of \('zh', 'en'\); got 'de'"):
        plot_topic_trends(tr, lang="de")
    with pytest.raises(ValueError, match=r"value must be one of"):
        plot_topic_trends(tr, value="n_total")


def _bursts():
    counts = pd.DataFrame({
        "term": ["ai"] * 8 + ["data_factor"] * 8,
        "period": [f"2025-0{i + 1}" for i in range(8)] * 2,
        "n_docs": [10] * 16,
        "n_hits": [1, 1, 9, 9, 1, 1, 1, 1, 1, 1, 1, 1, 1, 9, 9, 9],
    })
    return burst_table(counts)


def test_burst_chart_highlights_burst_segments():
    b = _bursts()
    assert b["term"].tolist() == ["ai", "data_factor"]
    _fig, ax = plt.subplots()
    plot_bursts(b, ax=ax)
    bars = ax.patches
    assert len(bars) == 4  # a base bar and a burst bar per row
    base = [p for p in bars if p.get_height() == pytest.approx(0.25)]
    hot = [p for p in bars if p.get_height() == pytest.approx(0.6)]
    assert [(p.get_x(), p.get_width()) for p in base] == [(0, 8), (0, 8)]
    assert [(p.get_x(), p.get_width()) for p in hot] == [(2, 2), (5, 3)]
    assert [t.get_text() for t in ax.get_yticklabels()] == [
        "人工智能与大模型", "数据要素与数据流通"]
    texts = [t.get_text() for t in ax.texts]
    assert f"{b.loc[0, 'strength']:.2f}  2025-03 – 2025-04" in texts
    assert f"{b.loc[1, 'strength']:.2f}  2025-06 – 2025-08" in texts
    _fig, ax = plt.subplots()
    plot_bursts(b, ax=ax, lang="en")
    assert ax.get_yticklabels()[0].get_text() == "AI and large models"


def test_burst_chart_without_bursts_says_so():
    empty = burst_table(pd.DataFrame({"term": ["x"] * 3, "period": [1, 2, 3],
                                      "n_docs": [5] * 3, "n_hits": [1] * 3}))
    _fig, ax = plt.subplots()
    plot_bursts(empty, ax=ax, lang="en")
    assert [t.get_text() for t in ax.texts] == ["no bursts detected"]


def _blocks():
    # {ai, policy} always together, {exchange, insurance} always together, weak links across
    rows = []
    u = 0
    for pair in (("ai", "policy"), ("exchange", "insurance")):
        for _ in range(4):
            u += 1
            rows += [(u, pair[0]), (u, pair[1])]
    u += 1
    rows += [(u, "ai"), (u, "exchange")]
    return cooccurrence(pd.DataFrame(rows, columns=["article_id", "topic"]),
                        measures=("count", "jaccard"))


def test_heatmap_values_annotations_and_colorbar():
    tidy = _blocks()
    fig, ax = plt.subplots()
    plot_cooccurrence_heatmap(tidy, ax=ax, measure="jaccard", cluster=False)
    img = ax.images[0].get_array()
    # sorted order: ai, exchange, insurance, policy
    assert img[0, 3] == pytest.approx(4 / 5)       # ai-policy: 4 / (5 + 4 - 4)
    assert img[1, 2] == pytest.approx(4 / 5)
    assert img[0, 1] == pytest.approx(1 / 9)       # ai-exchange: 1 / (5 + 5 - 1)
    assert np.ma.is_masked(img[0, 0])              # diagonal left blank
    texts = [t.get_text() for t in ax.texts]
    assert len(texts) == 12                        # 16 cells minus the diagonal
    assert texts.count("0.80") == 4
    assert [t.get_text() for t in ax.get_yticklabels()] == [
        "人工智能与大模型", "两岸与国际交流", "医保与支付", "政策文件"]
    cbar_label = fig.axes[-1].get_ylabel()
    assert "Jaccard" in cbar_label
    assert "单位：文章" in cbar_label
    assert "N = 9" in cbar_label


def test_heatmap_clustered_order_keeps_blocks_together():
    tidy = _blocks()
    fig, ax = plt.subplots()
    plot_cooccurrence_heatmap(tidy, ax=ax, measure="count", cluster=True, lang="en")
    order = [t.get_text() for t in ax.get_xticklabels()]
    pos = {lab: i for i, lab in enumerate(order)}
    assert abs(pos["AI and large models"] - pos["Policy documents"]) == 1
    assert abs(pos["Cross-strait and international exchange"]
               - pos["Medical insurance and payment"]) == 1
    assert "4" in [t.get_text() for t in ax.texts]
    assert fig.axes[-1].get_ylabel() == "co-occurrence count (unit: article, N = 9)"


def test_network_draws_nodes_edges_communities_deterministically():
    tidy = _blocks()

    def draw():
        _fig, ax = plt.subplots()
        plot_cooccurrence_network(tidy, ax=ax, measure="count", taxonomy=False)
        return ax

    ax1, ax2 = draw(), draw()
    edges, nodes = ax1.collections
    assert len(edges.get_segments()) == 3
    assert len(nodes.get_offsets()) == 4
    np.testing.assert_allclose(nodes.get_offsets(), ax2.collections[1].get_offsets())
    colours = {tuple(c) for c in nodes.get_facecolors()}
    assert len(colours) == 2  # two communities
    texts = [t.get_text() for t in ax1.texts]
    assert texts[:4] == ["ai", "exchange", "insurance", "policy"]
    assert texts[4] == "共现单位：文章（N = 9）；边权：共现次数"


def test_figures_topics_writes_every_figure(seed_corpus, tmp_path):
    pytest.importorskip("weeklylib.figures")
    pytest.importorskip("weeklylib.theme")
    from weeklylib.plotting.topics import figures_topics

    paths = figures_topics(seed_corpus, out_dir=tmp_path, formats=("png",))
    names = sorted(p.name for p in paths)
    assert names == sorted([
        "topics_bursts.csv", "topics_bursts.png",
        "topics_cooccurrence_heatmap.csv", "topics_cooccurrence_heatmap.png",
        "topics_term_network.csv", "topics_term_network.png",
        "topics_trends.csv", "topics_trends.png",
    ])
    assert all(p.stat().st_size > 0 for p in paths)
    trends = pd.read_csv(tmp_path / "topics_trends.csv")
    assert {"period", "topic", "share", "status"} <= set(trends.columns)
