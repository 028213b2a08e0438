"""Figures for smart-hospital ratings and indicators, by region.

Every ``plot_*`` function draws on an Axes (``ax=``, or the current one) and returns it; none
of them saves.  Labels are Chinese by default (``lang="zh"``) and English with ``lang="en"``
(metric labels from ``metrics.toml``, province names from the tile layout of
:mod:`weeklylib.plotting.regions`; institution names stay as written).  Every row of an
indicator chart names its source article (``[002#3]`` = file 002, article 3), so a printed
figure can be traced back to the sentence in the metrics table.

* :func:`plot_indicators` — a dot chart of indicator values in ONE unit (e.g. all rates in %),
  grouped by indicator, one row per region/institution and article; before→after pairs are
  drawn as an arrow from the baseline.
* :func:`plot_ratings` — a grid of institutions/regions × rating schemes (电子病历, 互联互通,
  智慧服务, 智慧管理), each cell the highest level stated (``4甲``), targets marked ``→7``.
* :func:`plot_rating_map` — the highest level of one scheme per province on the tile-grid map.

:func:`figures_metrics` builds and saves every figure of ``notebooks/04_regional_metrics``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from weeklylib.metrics import (
    compare_regions,
    extract_metrics,
    indicator_comparison,
    ratings_by_province,
    short_article_id,
    short_place,
)
from weeklylib.plotting._style import palette

__all__ = [
    "figures_metrics",
    "metric_figure_tables",
    "plot_indicators",
    "plot_rating_map",
    "plot_ratings",
]

_LANGS = ("zh", "en")
_TEXT = {
    "no_data": {"zh": "无数据", "en": "no data"},
    "level": {"zh": "水平", "en": "level"},
    "change": {"zh": "变化", "en": "change"},
    "value": {"zh": "数值", "en": "Value"},
    "target": {"zh": "目标", "en": "target"},
    "rating": {"zh": "评级", "en": "Rating"},
    "region": {"zh": "地区 · 机构", "en": "Region · institution"},
    "highest": {"zh": "最高级别", "en": "Highest level"},
    "indicators": {"zh": "指标", "en": "Indicators"},
    "baseline": {"zh": "基线→现值", "en": "baseline → value"},
    "unnamed": {"zh": "（未具名）", "en": "(unnamed)"},
}
#: English names of units (axis labels with ``lang="en"``).
UNIT_EN = {"%": "%", "个百分点": "percentage points", "‰": "‰", "倍": "×", "秒": "seconds",
           "分钟": "minutes", "小时": "hours", "天": "days", "周": "weeks", "个月": "months",
           "工作日": "working days", "人次": "visits", "人": "people", "次": "times",
           "例": "cases", "台": "operations", "台次": "operations", "元": "yuan", "公里": "km",
           "级": "level"}
#: Rating schemes shown by :func:`plot_ratings`, in column order.
RATING_METRICS: tuple[str, ...] = (
    "emr_level", "interop_level", "smart_service_level", "smart_management_level",
)
_MAX_LEVEL = {"emr_level": 8, "interop_level": 5, "smart_service_level": 5,
              "smart_management_level": 5}


def _check_lang(lang: str) -> str:
    if lang not in _LANGS:
        raise ValueError(f"lang must be one of {_LANGS}, got {lang!r}")
    return lang


def _get_ax(ax: Any) -> Any:
    if ax is None:
        import matplotlib.pyplot as plt

        ax = plt.gca()
    return ax


def _empty(ax: Any, lang: str) -> Any:
    ax.text(0.5, 0.5, _TEXT["no_data"][lang], ha="center", va="center",
            transform=ax.transAxes, color="#666666")
    ax.set_xticks([])
    ax.set_yticks([])
    return ax


def _province_names(lang: str) -> dict[str, str]:
    """Full province name -> short label in `lang` (from the tile layout when available)."""
    try:
        from weeklylib.plotting.regions import load_province_tiles

        tiles = load_province_tiles()
    except Exception:  # pragma: no cover - the layout ships with weeklylib
        return {}
    col = "short_en" if lang == "en" else "short_zh"
    return dict(zip(tiles["province"], tiles[col], strict=True))


def _row_label(province: str, city: str, institution: str, article_id: str,
               names: dict[str, str]) -> str:
    prov = names.get(province) or short_place(province) or "—"
    who = institution or short_place(city) or "—"
    return f"{prov} · {who} [{short_article_id(article_id)}]"


_QUAL_AFTER = {"以上", "及以上", "以下", "及以下", "以内", "之内", "内", "左右", "上下", "余", "多"}
_QUAL_EN = {"以上": "≥", "及以上": "≥", "以下": "≤", "及以下": "≤", "以内": "≤", "之内": "≤",
            "内": "≤", "左右": "≈", "上下": "≈", "余": ">", "多": ">", "超过": ">", "超": ">",
            "超出": ">", "逾": ">", "高于": ">", "多于": ">", "近": "≈", "将近": "≈", "接近": "≈",
            "约": "≈", "大约": "≈", "约为": "≈", "不足": "<", "不到": "<", "少于": "<",
            "低于": "<", "不超过": "≤", "最高": "≤", "最多": "≤", "最低": "≥"}


def _value_text(value: float, qualifier: str, lang: str) -> str:
    """``90以上`` / ``近30`` (zh) or ``≥90`` / ``≈30`` (en); 达 and the like are dropped."""
    text = _fmt(value)
    q = str(qualifier or "")
    if not q or q in ("达", "仅", "仅有", "只有", "平均"):
        return text
    if lang == "en":
        sym = _QUAL_EN.get(q, "")
        return f"{sym}{text}" if sym else text
    return f"{text}{q}" if q in _QUAL_AFTER else f"{q}{text}"


def _fmt(v: float) -> str:
    if not np.isfinite(v):
        return ""
    if abs(v) >= 1e6:
        return f"{v:.3g}"
    return f"{v:.4g}"


def _as_comparison(data: Any, lang: str) -> pd.DataFrame:
    if not isinstance(data, pd.DataFrame):
        raise ValueError("data must be a DataFrame from extract_metrics or indicator_comparison, "
                         f"got {type(data).__name__}")
    if "measure" in data.columns and "label" in data.columns:
        return data
    return indicator_comparison(data, lang=lang)


def plot_indicators(
    data: pd.DataFrame,
    *,
    ax: Any = None,
    lang: str = "zh",
    unit: str | None = None,
    value_type: str | None = None,
    metrics: Sequence[str] | None = None,
    max_rows: int = 40,
    title: str | None = None,
) -> Any:
    """Dot chart of indicator values in one unit, one row per region/institution and article.

    Parameters
    ----------
    data : DataFrame
        From :func:`weeklylib.extract_metrics` or :func:`weeklylib.metrics.indicator_comparison`.
    ax : matplotlib Axes, optional
        Axes to draw on; the current Axes by default.
    lang : {"zh", "en"}, default "zh"
        Language of metric labels, province names and axis label.
    unit : str, optional
        The unit to show (``"%"``, ``"个百分点"``, ``"天"`` …).  Required when the data hold
        more than one unit: values in different units are never drawn on one axis.
    value_type : {"level", "change"}, optional
        Show only levels (91.74%) or only changes (提升20%); both by default, drawn with
        different markers (● level, ▲ increase, ▼ decrease).
    metrics : sequence of str, optional
        Indicator ids to show; all by default.
    max_rows : int, default 40
        At most this many rows (the first indicators in vocabulary order are kept).
    title : str, optional
        Axes title.

    Returns
    -------
    matplotlib.axes.Axes
        One marker per value (``ax.collections``), a grey line for each before→after pair, a
        y tick label ``省份 · 机构 [文件#篇]`` per row and a legend of the indicators.

    Raises
    ------
    ValueError
        For a bad `lang`, `value_type` or `max_rows`, or when the data hold several units and
        `unit` is not given (the message lists them).
    """
    lg = _check_lang(lang)
    if value_type not in (None, "level", "change"):
        raise ValueError(f"value_type must be one of (None, 'level', 'change'), got {value_type!r}")
    if not isinstance(max_rows, int) or max_rows < 1:
        raise ValueError(f"max_rows must be a positive integer, got {max_rows!r}")
    d = _as_comparison(data, lg)
    if metrics is not None:
        d = d[d["metric"].isin(list(metrics))]
    if value_type is not None:
        d = d[d["value_type"] == value_type]
    units = sorted(set(d["unit"]))
    if unit is None and len(units) > 1:
        raise ValueError(f"unit must be given when the data hold several units; one of {units}")
    if unit is not None:
        d = d[d["unit"] == unit]
    ax = _get_ax(ax)
    if d.empty:
        return _empty(ax, lg)
    unit = str(d["unit"].iloc[0])
    names = _province_names(lg)
    label_col = "label_en" if lg == "en" else "label_zh"
    order = list(dict.fromkeys(d["metric"]))
    colours = dict(zip(order, palette("okabe_ito", len(order)), strict=True))
    rows = []
    for metric in order:
        g = d[d["metric"] == metric]
        g = g.sort_values(["value_type", "value"], kind="stable")
        rows.extend(g.itertuples(index=False))
    rows = rows[:max_rows]
    n = len(rows)
    ys = np.arange(n)[::-1]
    seen_metrics: set[str] = set()
    ticks = []
    for y, r in zip(ys, rows, strict=True):
        colour = colours[r.metric]
        marker = "o"
        if r.value_type == "change":
            marker = "v" if r.trend == "down" else "^" if r.trend == "up" else "D"
        first = r.metric not in seen_metrics
        seen_metrics.add(r.metric)
        base = float(r.baseline) if pd.notna(r.baseline) else np.nan
        if np.isfinite(base):
            ax.annotate("", xy=(float(r.value), y), xytext=(base, y),
                        arrowprops={"arrowstyle": "->", "color": "#888888", "lw": 1.0})
            ax.scatter([base], [y], s=22, facecolors="white", edgecolors=colour, zorder=3)
        ax.scatter([float(r.value)], [y], s=30, color=colour, marker=marker, zorder=4,
                   label=str(getattr(r, label_col) or r.metric) if first else None)
        text = _value_text(float(r.value), r.qualifier, lg)
        ax.annotate(text, (float(r.value), y), xytext=(4, 0), textcoords="offset points",
                    va="center", fontsize=7)
        ticks.append(_row_label(r.province, r.city, r.institution, r.article_id, names))
    ax.set_yticks(ys)
    ax.set_yticklabels(ticks, fontsize=7)
    ax.set_ylim(-0.7, n - 0.3)
    lo = min(0.0, float(np.nanmin([min(float(r.value), float(r.baseline))
                                   if pd.notna(r.baseline) else float(r.value)
                                   for r in rows])))
    hi = float(np.nanmax([max(float(r.value), float(r.baseline)) if pd.notna(r.baseline)
                          else float(r.value) for r in rows]))
    ax.set_xlim(lo, hi * 1.18 if hi > 0 else 1.0)
    types = set(d["value_type"]) if value_type is None else {value_type}
    kind = "/".join(_TEXT[t][lg] for t in ("level", "change") if t in types)
    shown = UNIT_EN.get(unit, unit) if lg == "en" else unit
    ax.set_xlabel(f"{_TEXT['value'][lg]} ({shown}; {kind})")
    ax.grid(axis="x", alpha=0.3)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=7, frameon=False,
              borderaxespad=0.0)
    if title:
        ax.set_title(title)
    return ax


def _as_ratings(data: Any) -> pd.DataFrame:
    if not isinstance(data, pd.DataFrame):
        raise ValueError("data must be a DataFrame from extract_metrics or ratings_by_province, "
                         f"got {type(data).__name__}")
    if "level_label" in data.columns:
        return data
    return ratings_by_province(data)


def plot_ratings(
    data: pd.DataFrame,
    *,
    ax: Any = None,
    lang: str = "zh",
    achieved_only: bool = False,
    max_rows: int = 30,
    cmap: str = "viridis",
    title: str | None = None,
) -> Any:
    """Grid of institutions (or regions) × rating schemes with the highest level stated.

    Parameters
    ----------
    data : DataFrame
        From :func:`weeklylib.metrics.ratings_by_province` or :func:`weeklylib.extract_metrics`.
    ax : matplotlib Axes, optional
        Axes to draw on; the current Axes by default.
    lang : {"zh", "en"}, default "zh"
        Language of column and province labels.
    achieved_only : bool, default False
        Show only levels stated as reached.
    max_rows : int, default 30
        At most this many rows (sorted by province, city, institution).
    cmap : str, default "viridis"
        Colormap; a cell's colour is its level as a share of the scheme's top level.
    title : str, optional
        Axes title.

    Returns
    -------
    matplotlib.axes.Axes
        One coloured square per stated level (``ax.patches``), its label (``6``, ``4甲``,
        with ``→7`` when a higher target is stated) as text; rows ``省份 · 机构``
        (``（未具名）`` for a region-level statement).

    Raises
    ------
    ValueError
        For a bad `lang` or `max_rows`.
    """
    from matplotlib import colormaps
    from matplotlib.colors import to_rgb
    from matplotlib.patches import Rectangle

    lg = _check_lang(lang)
    if not isinstance(max_rows, int) or max_rows < 1:
        raise ValueError(f"max_rows must be a positive integer, got {max_rows!r}")
    d = _as_ratings(data)
    if achieved_only:
        d = d[d["direction"] == "achieved"]
    ax = _get_ax(ax)
    if d.empty:
        return _empty(ax, lg)
    names = _province_names(lg)
    cols = [m for m in RATING_METRICS if m in set(d["metric"])]
    cols += sorted(set(d["metric"]) - set(cols))
    keys = list(dict.fromkeys(zip(d["province"], d["city"], d["institution"], strict=True)))
    keys = keys[:max_rows]
    cm = colormaps[cmap]
    label_col = "label_en" if lg == "en" else "label_zh"
    heads = {m: str(d.loc[d["metric"] == m, label_col].iloc[0]) for m in cols}
    n = len(keys)
    for i, key in enumerate(keys):
        y = n - 1 - i
        sub = d[(d["province"] == key[0]) & (d["city"] == key[1]) & (d["institution"] == key[2])]
        for j, metric in enumerate(cols):
            cell = sub[sub["metric"] == metric]
            if cell.empty:
                ax.add_patch(Rectangle((j, y), 0.94, 0.9, facecolor="#f0f0f0", edgecolor="white"))
                continue
            r = cell.iloc[0]
            level = float(r["level"])
            text = str(r["level_label"])
            if str(r["target_label"]) and (not np.isfinite(level)
                                           or float(r["target_level"]) > level):
                text = f"{text}→{r['target_label']}" if text else f"→{r['target_label']}"
            share = level / _MAX_LEVEL.get(metric, 8) if np.isfinite(level) else np.nan
            face = cm(0.15 + 0.8 * share) if np.isfinite(share) else "#ffffff"
            ax.add_patch(Rectangle((j, y), 0.94, 0.9, facecolor=face, edgecolor="#bbbbbb",
                                   linewidth=0.5))
            dark = np.isfinite(share) and float(np.asarray(to_rgb(face)) @
                                                 np.array([0.299, 0.587, 0.114])) < 0.5
            ax.text(j + 0.47, y + 0.45, text, ha="center", va="center", fontsize=8,
                    color="white" if dark else "black")
    ax.set_xlim(0, len(cols))
    ax.set_ylim(0, n)
    ax.set_xticks(np.arange(len(cols)) + 0.47)
    ax.set_xticklabels([heads[m] for m in cols], fontsize=8)
    ax.xaxis.tick_top()
    ax.set_yticks(np.arange(n)[::-1] + 0.45)
    unnamed = _TEXT["unnamed"][lg]
    ax.set_yticklabels([
        f"{names.get(p) or short_place(p) or '—'} · {inst or short_place(c) or unnamed}"
        for p, c, inst in keys], fontsize=8)
    ax.tick_params(length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)
    if title:
        ax.set_title(title)
    return ax


def plot_rating_map(
    data: pd.DataFrame,
    *,
    metric: str = "emr_level",
    ax: Any = None,
    lang: str = "zh",
    title: str | None = None,
) -> Any:
    """Highest level of one rating scheme per province on the province tile-grid map.

    Only levels stated as reached or as plain facts count (targets do not).

    Parameters
    ----------
    data : DataFrame
        From :func:`weeklylib.extract_metrics` (or :func:`weeklylib.compare_regions` with
        ``kind="rating"``).
    metric : str, default "emr_level"
        Rating scheme id.
    ax : matplotlib Axes, optional
        Axes to draw on; the current Axes by default.
    lang : {"zh", "en"}, default "zh"
        Language of tile names and colour-bar label.
    title : str, optional
        Axes title.

    Returns
    -------
    matplotlib.axes.Axes
        The tile map of :func:`weeklylib.plotting.regions.plot_province_tiles`.

    Raises
    ------
    ValueError
        For a bad `lang` or an unknown `metric`.
    """
    from weeklylib.plotting.regions import plot_province_tiles

    lg = _check_lang(lang)
    if metric not in _MAX_LEVEL:
        raise ValueError(f"metric must be one of {tuple(_MAX_LEVEL)}, got {metric!r}")
    if not isinstance(data, pd.DataFrame):
        raise ValueError(f"data must be a DataFrame, got {type(data).__name__}")
    table = data if "measure" in data.columns else compare_regions(data, kind="rating")
    table = table[(table["metric"] == metric) & (table["province"] != "")]
    values = table[["province", "value"]]
    from weeklylib.metrics import load_metric_vocabulary

    labels = load_metric_vocabulary().labels.get(metric, (metric, metric, ""))
    name = labels[1] if lg == "en" else labels[0]
    ax = _get_ax(ax)
    plot_province_tiles(values, value="value", ax=ax, lang=lg, vmin=0,
                        vmax=_MAX_LEVEL[metric],
                        label=f"{name} ({_TEXT['highest'][lg]})", title=title)
    return ax


# --------------------------------------------------------------------------- figures


def _articles_of(corpus: Any) -> pd.DataFrame:
    if isinstance(corpus, pd.DataFrame):
        return corpus
    if isinstance(corpus, (str, Path)):
        from weeklylib import load_corpus

        corpus = load_corpus(corpus)
    arts = getattr(corpus, "articles", None)
    if not isinstance(arts, pd.DataFrame):
        raise ValueError(
            "corpus must be a Corpus (with .articles), an articles DataFrame or a path; "
            f"got {type(corpus).__name__}"
        )
    return arts


def metric_figure_tables(corpus: Any, *, vocabulary: Any = None) -> dict[str, pd.DataFrame]:
    """The tables behind every figure of :func:`figures_metrics` (and the notebook).

    Parameters
    ----------
    corpus : Corpus, DataFrame or path
        A :class:`weeklylib.Corpus`, its articles, or a path for :func:`weeklylib.load_corpus`.
    vocabulary : optional
        Passed to :func:`weeklylib.extract_metrics`.

    Returns
    -------
    dict of DataFrame
        ``metrics`` (:func:`~weeklylib.extract_metrics`), ``comparison``
        (:func:`~weeklylib.compare_regions`, indicators), ``rating_regions``
        (``compare_regions(kind="rating")``), ``ratings`` (``ratings_by_province``),
        ``levels_pct`` (indicator levels in %), ``changes`` (indicator changes, all units),
        ``articles_by_province`` (:func:`weeklylib.regions.articles_by_province`: how many
        articles each province has, the room there was to report figures).
    """
    from weeklylib.regions import articles_by_province

    arts = _articles_of(corpus)
    m = extract_metrics(arts, vocabulary=vocabulary)
    comp = indicator_comparison(m)
    return {
        "articles_by_province": articles_by_province(
            arts, fields=tuple(f for f in ("title", "body") if f in arts.columns)),
        "metrics": m,
        "comparison": compare_regions(m),
        "rating_regions": compare_regions(m, kind="rating"),
        "ratings": ratings_by_province(m),
        "levels_pct": comp[(comp["unit"] == "%") & (comp["value_type"] == "level")]
        .reset_index(drop=True),
        "changes": comp[comp["value_type"] == "change"].reset_index(drop=True),
    }


def _change_units(changes: pd.DataFrame) -> list[str]:
    counts = changes.groupby("unit").size()
    return sorted(counts.index, key=lambda u: (-int(counts[u]), u))


def figures_metrics(
    corpus: Any,
    *,
    out_dir: str | Path = "figures",
    lang: str = "zh",
    formats: Sequence[str] = ("png", "pdf", "svg"),
    vocabulary: Any = None,
) -> list[Path]:
    """Build and save every metrics figure of ``notebooks/04_regional_metrics``.

    Five figures, drawn in :func:`weeklylib.theme.paper_style` and written by
    :func:`weeklylib.figures.save_figure` with the table behind each (``data=``):
    ``metrics_indicator_levels`` (rates in %), ``metrics_indicator_changes`` (one panel per
    unit of change), ``metrics_ratings`` (institutions × schemes), ``metrics_emr_map``
    (highest EMR level per province) and ``metrics_articles_by_province`` (articles per
    province, tile map).  English file names get an ``_en`` suffix.

    Parameters
    ----------
    corpus : Corpus, DataFrame or path
        A :class:`weeklylib.Corpus`, its articles, or a path for :func:`weeklylib.load_corpus`.
    out_dir : path-like, default "figures"
        Output folder.
    lang : {"zh", "en"}, default "zh"
        Label language.
    formats : sequence of str, default ("png", "pdf", "svg")
        Passed to ``save_figure``.
    vocabulary : optional
        Passed to :func:`weeklylib.extract_metrics`.

    Returns
    -------
    list of Path
        Every file written, in order.

    Raises
    ------
    ValueError
        For a bad `lang` or `corpus`.
    """
    import matplotlib.pyplot as plt

    from weeklylib.figures import save_figure
    from weeklylib.theme import paper_style

    lg = _check_lang(lang)
    t = metric_figure_tables(corpus, vocabulary=vocabulary)
    suffix = "" if lg == "zh" else "_en"
    written: list[Path] = []

    def _save(fig: Any, name: str, data: pd.DataFrame) -> None:
        res = save_figure(fig, name + suffix, formats=tuple(formats), out_dir=out_dir, data=data)
        written.extend(Path(p) for p in res)
        plt.close(fig)

    with paper_style(lang=lg):
        levels = t["levels_pct"]
        fig, ax = plt.subplots(figsize=(8, max(2.5, 0.28 * len(levels) + 1.2)))
        plot_indicators(levels, ax=ax, lang=lg, unit="%", value_type="level")
        _save(fig, "metrics_indicator_levels", levels)

        changes = t["changes"]
        units = _change_units(changes) or ["%"]
        heights = [max(1, int((changes["unit"] == u).sum())) for u in units]
        fig, axes = plt.subplots(len(units), 1, squeeze=False,
                                 figsize=(8, max(2.5, 0.3 * sum(heights) + 0.9 * len(units))),
                                 gridspec_kw={"height_ratios": heights})
        for a, u in zip(axes[:, 0], units, strict=True):
            plot_indicators(changes, ax=a, lang=lg, unit=u, value_type="change")
        _save(fig, "metrics_indicator_changes", changes)

        ratings = t["ratings"]
        fig, ax = plt.subplots(figsize=(7, max(2.0, 0.4 * len(ratings.drop_duplicates(
            ["province", "city", "institution"])) + 1.0)))
        plot_ratings(ratings, ax=ax, lang=lg)
        _save(fig, "metrics_ratings", ratings)

        fig, ax = plt.subplots(figsize=(7, 5.5))
        plot_rating_map(t["rating_regions"], metric="emr_level", ax=ax, lang=lg)
        _save(fig, "metrics_emr_map", t["rating_regions"])

        from weeklylib.plotting.regions import plot_province_tiles

        fig, ax = plt.subplots(figsize=(7, 5.5))
        plot_province_tiles(t["articles_by_province"], value="n_articles", ax=ax, lang=lg)
        _save(fig, "metrics_articles_by_province", t["articles_by_province"])
    return written
