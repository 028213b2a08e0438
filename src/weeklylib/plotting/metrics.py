"""Figures for smart-hospital ratings and indicators, by region.

Every ``plot_*`` function draws on an Axes (``ax=``, or the current one) and returns it; none
of them saves.  Labels are Chinese by default (``lang="zh"``) and English with ``lang="en"``
(metric labels from ``metrics.toml``, province names from the tile layout of
:mod:`weeklylib.plotting.regions`; institution names stay as written).  Every row of a
per-value indicator chart names its source article (``[002#3]`` = file 002, article 3), so a
printed figure can be traced back to the sentence in the metrics table.

Charts never grow with the corpus: each has at most ``max_rows`` rows (default 20, readable
at single-column width).  Which rows are kept is a documented rule
(:func:`indicator_chart_rows`, :func:`rating_chart_rows`), and a line under the chart says how
many were left out; the data CSV written with each figure keeps every row.

* :func:`plot_indicators` — a dot chart of indicator values in ONE unit (e.g. all rates in %),
  grouped by indicator: one row per region/institution and article while they fit, else one
  row per indicator and province (median and range); before→after pairs are drawn as an
  arrow from the baseline.
* :func:`plot_ratings` — a grid of institutions/regions × rating schemes (电子病历, 互联互通,
  智慧服务, 智慧管理), each cell the highest level stated (``4甲``), targets marked ``→7``.
* :func:`plot_rating_map` — the highest level of one scheme per province on the tile-grid map.

:func:`figures_metrics` builds and saves every figure of ``notebooks/04_regional_metrics``;
it accepts tables already computed (``metrics=``, ``places=``, ``regions=``).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
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
    "indicator_chart_rows",
    "metric_figure_tables",
    "plot_indicators",
    "plot_rating_map",
    "plot_ratings",
    "rating_chart_rows",
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
    "median_range": {"zh": "点为中位数，线为范围", "en": "dot: median, line: range"},
    "values": {"zh": "个数值", "en": "values"},
    "groups": {"zh": "组", "en": "groups"},
    "rows": {"zh": "行", "en": "rows"},
    "units": {"zh": "个单位", "en": "units"},
    "rule_values": {"zh": "按指标顺序取前几个", "en": "first in indicator order"},
    "rule_groups": {"zh": "文章数最多者", "en": "most articles first"},
    "rule_rows": {"zh": "文章数最多者", "en": "most articles first"},
    "rule_units": {"zh": "数值最多的单位", "en": "units with most values"},
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


@lru_cache(maxsize=2)
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


_GROUPS = ("auto", "value", "province")


def _check_rows(max_rows: Any, name: str = "max_rows") -> int:
    if isinstance(max_rows, bool) or not isinstance(max_rows, int) or max_rows < 1:
        raise ValueError(f"{name} must be a positive integer, got {max_rows!r}")
    return max_rows


def _left_out_note(shown: int, total: int, what: str, lang: str) -> str:
    """``显示 20/812 个数值（…）；完整数据见 CSV`` — what a capped figure leaves out."""
    rule = _TEXT[f"rule_{what}"][lang]
    if lang == "en":
        return f"{shown} of {total} {_TEXT[what]['en']} shown ({rule}); all in the data CSV"
    return f"显示 {shown}/{total} {_TEXT[what]['zh']}（{rule}）；完整数据见 CSV"


def indicator_chart_rows(
    data: pd.DataFrame,
    *,
    lang: str = "zh",
    unit: str | None = None,
    value_type: str | None = None,
    metrics: Sequence[str] | None = None,
    max_rows: int = 20,
    group: str = "auto",
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, Any]]:
    """The rows :func:`plot_indicators` draws, and which values they stand for.

    Rules (the same as the chart's):

    * ``group="value"``: one row per value (per article, see
      :func:`weeklylib.metrics.indicator_comparison`), indicators in vocabulary order, then
      value type and value; when there are more than `max_rows`, the first `max_rows` in that
      order are kept.
    * ``group="province"``: one row per indicator, value type, trend and province
      (``满意度 · 贵州 (n=值的个数)``): the median of its values, with their range and count;
      when there are more than `max_rows`
      groups, those backed by the most articles are kept (ties: more values, vocabulary
      order, province name), shown in the chart's order.  An unknown province is a group
      of its own (``—``).
    * ``group="auto"`` (default): ``"value"`` when every value fits in `max_rows` rows,
      else ``"province"``; either way the chart has at most `max_rows` rows.

    Parameters
    ----------
    data, lang, unit, value_type, metrics, max_rows, group
        As for :func:`plot_indicators`.

    Returns
    -------
    rows : DataFrame
        One row per chart row, top to bottom: ``metric, label_zh, label_en, value_type,
        trend, province, city, institution, article_id, row_label, value, baseline, min,
        max, qualifier, n_values, n_articles``.
    values : DataFrame
        The input values (after the unit/value-type/metric filters; their index is kept)
        with a ``figure_row`` column: the label of the row that shows each value, ``""``
        when it was left out.
    info : dict
        ``group`` (the mode used), ``unit``, ``n_rows`` (rows drawn), ``n_total`` (rows
        there would be without the cap) and ``note`` (what was left out, ``""`` if nothing).

    Raises
    ------
    ValueError
        As for :func:`plot_indicators`.
    """
    lg = _check_lang(lang)
    if value_type not in (None, "level", "change"):
        raise ValueError(f"value_type must be one of (None, 'level', 'change'), got {value_type!r}")
    _check_rows(max_rows)
    if group not in _GROUPS:
        raise ValueError(f"group must be one of {_GROUPS}, got {group!r}")
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
    index = d.index
    d = d.reset_index(drop=True)
    mode = group if group != "auto" else ("value" if len(d) <= max_rows else "province")
    cols = ["metric", "label_zh", "label_en", "value_type", "trend", "province", "city",
            "institution", "article_id", "row_label", "value", "baseline", "min", "max",
            "qualifier", "n_values", "n_articles"]
    names = _province_names(lg)
    order = list(dict.fromkeys(d["metric"]))
    figure_row = [""] * len(d)
    if mode == "value":
        idx: list[int] = []
        for metric in order:
            g = d[d["metric"] == metric].sort_values(["value_type", "value"], kind="stable")
            idx.extend(g.index)
        n_total = len(idx)
        idx = idx[:max_rows]
        rows = []
        for i in idx:
            r = d.loc[i]
            label = _row_label(r["province"], r["city"], r["institution"], r["article_id"], names)
            figure_row[i] = label
            rows.append({
                "metric": r["metric"], "label_zh": r["label_zh"], "label_en": r["label_en"],
                "value_type": r["value_type"], "trend": r["trend"], "province": r["province"],
                "city": r["city"], "institution": r["institution"],
                "article_id": r["article_id"], "row_label": label, "value": float(r["value"]),
                "baseline": float(r["baseline"]) if pd.notna(r["baseline"]) else np.nan,
                "min": float(r["value"]), "max": float(r["value"]),
                "qualifier": r["qualifier"], "n_values": 1, "n_articles": 1,
            })
    else:
        prov = d["province"].fillna("").astype(str)
        keys = list(zip(d["metric"], d["value_type"], d["trend"].fillna("").astype(str), prov,
                        strict=True))
        members: dict[tuple, list[int]] = {}
        for i, k in enumerate(keys):
            members.setdefault(k, []).append(i)
        rank = {m: k for k, m in enumerate(order)}
        all_vals = d["value"].to_numpy(dtype=float)
        all_arts = d["article_id"].astype(str).tolist()
        groups = []
        for k, idx_k in members.items():
            arts = {all_arts[i] for i in idx_k}
            groups.append((k, idx_k, all_vals[idx_k], len(arts)))
        n_total = len(groups)
        if n_total > max_rows:
            groups.sort(key=lambda g: (-g[3], -len(g[1]), rank[g[0][0]], g[0][3], g[0][1],
                                       g[0][2]))
            groups = groups[:max_rows]
        groups.sort(key=lambda g: (rank[g[0][0]], g[0][1], float(np.median(g[2])), g[0][3],
                                   g[0][2]))
        rows = []
        for (metric, vtype, trend, province), idx_k, vals, n_art in groups:
            first = d.loc[idx_k[0]]
            short = names.get(province) or short_place(province) or "—"
            name = str(first["label_en" if lg == "en" else "label_zh"] or metric)
            label = f"{name} · {short} (n={len(idx_k)})"
            for i in idx_k:
                figure_row[i] = label
            rows.append({
                "metric": metric, "label_zh": first["label_zh"], "label_en": first["label_en"],
                "value_type": vtype, "trend": trend, "province": province, "city": "",
                "institution": "", "article_id": "", "row_label": label,
                "value": float(np.median(vals)), "baseline": np.nan, "min": float(vals.min()),
                "max": float(vals.max()), "qualifier": "", "n_values": len(idx_k),
                "n_articles": n_art,
            })
    shown = pd.DataFrame(rows, columns=cols)
    what = "values" if mode == "value" else "groups"
    note = _left_out_note(len(shown), n_total, what, lg) if n_total > len(shown) else ""
    values = d.assign(figure_row=figure_row).set_axis(index)
    info = {"group": mode, "unit": str(d["unit"].iloc[0]) if len(d) else (unit or ""),
            "n_rows": len(shown), "n_total": n_total, "note": note}
    return shown, values, info


def plot_indicators(
    data: pd.DataFrame,
    *,
    ax: Any = None,
    lang: str = "zh",
    unit: str | None = None,
    value_type: str | None = None,
    metrics: Sequence[str] | None = None,
    max_rows: int = 20,
    group: str = "auto",
    title: str | None = None,
) -> Any:
    """Dot chart of indicator values in one unit: one row per value, or per province.

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
    max_rows : int, default 20
        At most this many rows, whatever the size of the data (20 rows stay readable at
        single-column width).
    group : {"auto", "value", "province"}, default "auto"
        ``"value"``: one row per value, labelled ``省份 · 机构 [文件#篇]``; ``"province"``:
        one row per indicator and province, a dot at the median and a line over the range
        of its values, labelled ``指标 · 省份 (n=值的个数)``; ``"auto"``: per value when they all
        fit, else per province.  Which rows are kept when there are more than `max_rows`:
        see :func:`indicator_chart_rows`; the x-axis label then says how many were left out.
    title : str, optional
        Axes title.

    Returns
    -------
    matplotlib.axes.Axes
        One marker per row (``ax.collections``; a hollow one more for a before→after pair,
        with an arrow from the baseline), a y tick label per row and a legend of the
        indicators.

    Raises
    ------
    ValueError
        For a bad `lang`, `value_type`, `max_rows` or `group`, or when the data hold several
        units and `unit` is not given (the message lists them).
    """
    rows, values, info = indicator_chart_rows(
        data, lang=lang, unit=unit, value_type=value_type, metrics=metrics, max_rows=max_rows,
        group=group)
    lg = lang
    ax = _get_ax(ax)
    if rows.empty:
        return _empty(ax, lg)
    unit = info["unit"]
    label_col = "label_en" if lg == "en" else "label_zh"
    order = list(dict.fromkeys(rows["metric"]))
    colours = dict(zip(order, palette("okabe_ito", len(order)), strict=True))
    n = len(rows)
    ys = np.arange(n)[::-1]
    seen_metrics: set[str] = set()
    per_value = info["group"] == "value"
    for y, r in zip(ys, rows.itertuples(index=False), strict=True):
        colour = colours[r.metric]
        marker = "o"
        if r.value_type == "change":
            marker = "v" if r.trend == "down" else "^" if r.trend == "up" else "D"
        first = r.metric not in seen_metrics
        seen_metrics.add(r.metric)
        base = float(r.baseline)
        if np.isfinite(base):
            ax.annotate("", xy=(float(r.value), y), xytext=(base, y),
                        arrowprops={"arrowstyle": "->", "color": "#888888", "lw": 1.0})
            ax.scatter([base], [y], s=22, facecolors="white", edgecolors=colour, zorder=3)
        if not per_value and r.max > r.min:
            ax.plot([r.min, r.max], [y, y], color=colour, lw=1.0, alpha=0.6, zorder=2)
        ax.scatter([float(r.value)], [y], s=30, color=colour, marker=marker, zorder=4,
                   label=str(getattr(r, label_col) or r.metric) if first else None)
        text = _value_text(float(r.value), r.qualifier, lg)
        ax.annotate(text, (float(r.max), y), xytext=(4, 0), textcoords="offset points",
                    va="center", fontsize=7)
    ax.set_yticks(ys)
    ax.set_yticklabels(list(rows["row_label"]), fontsize=7)
    ax.set_ylim(-0.7, n - 0.3)
    lows = np.fmin(rows["min"].to_numpy(float), rows["baseline"].to_numpy(float))
    highs = np.fmax(rows["max"].to_numpy(float), rows["baseline"].to_numpy(float))
    lo = min(0.0, float(np.nanmin(lows)))
    hi = float(np.nanmax(highs))
    ax.set_xlim(lo, hi * 1.18 if hi > 0 else 1.0)
    types = set(values["value_type"]) if value_type is None else {value_type}
    kind = "/".join(_TEXT[t][lg] for t in ("level", "change") if t in types)
    shown = UNIT_EN.get(unit, unit) if lg == "en" else unit
    xlabel = f"{_TEXT['value'][lg]} ({shown}; {kind})"
    if not per_value:
        xlabel += f"; {_TEXT['median_range'][lg]}"
    if info["note"]:
        xlabel += "\n" + info["note"]
    ax.set_xlabel(xlabel)
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


def rating_chart_rows(
    data: pd.DataFrame, *, achieved_only: bool = False, max_rows: int = 20
) -> tuple[pd.DataFrame, list[tuple[str, str, str]], dict[str, Any]]:
    """The rows (province, city, institution) :func:`plot_ratings` draws.

    Rule: rows keep the order of :func:`weeklylib.metrics.ratings_by_province` (province,
    city, institution); when there are more than `max_rows`, those backed by the most
    distinct articles (over all their schemes) are kept, ties broken by that order.

    Returns
    -------
    table : DataFrame
        The ratings table (after `achieved_only`) with a boolean ``shown`` column.
    keys : list of (province, city, institution)
        The rows drawn, top to bottom.
    info : dict
        ``n_rows``, ``n_total`` and ``note`` (what was left out, ``""`` if nothing; English
        and Chinese are chosen by :func:`plot_ratings`).
    """
    _check_rows(max_rows)
    d = _as_ratings(data)
    if achieved_only:
        d = d[d["direction"] == "achieved"]
    d = d.reset_index(drop=True)
    keys_all = list(zip(d["province"], d["city"], d["institution"], strict=True))
    order = list(dict.fromkeys(keys_all))
    keys = order
    if len(order) > max_rows:
        arts: dict[tuple[str, str, str], set[str]] = {}
        ids = d["article_ids"] if "article_ids" in d.columns else pd.Series([""] * len(d))
        for k, a in zip(keys_all, ids.fillna("").astype(str), strict=True):
            arts.setdefault(k, set()).update(x for x in a.split("; ") if x)
        pos = {k: i for i, k in enumerate(order)}
        top = sorted(order, key=lambda k: (-len(arts[k]), pos[k]))[:max_rows]
        chosen = set(top)
        keys = [k for k in order if k in chosen]
    chosen = set(keys)
    table = d.assign(shown=[k in chosen for k in keys_all])
    return table, keys, {"n_rows": len(keys), "n_total": len(order)}


def plot_ratings(
    data: pd.DataFrame,
    *,
    ax: Any = None,
    lang: str = "zh",
    achieved_only: bool = False,
    max_rows: int = 20,
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
    max_rows : int, default 20
        At most this many rows (sorted by province, city, institution); when there are more,
        those backed by the most articles are kept (see :func:`rating_chart_rows`) and a line
        under the grid says how many were left out.
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
    _check_rows(max_rows)
    d, keys, info = rating_chart_rows(data, achieved_only=achieved_only, max_rows=max_rows)
    ax = _get_ax(ax)
    if d.empty:
        return _empty(ax, lg)
    names = _province_names(lg)
    cols = [m for m in RATING_METRICS if m in set(d["metric"])]
    cols += sorted(set(d["metric"]) - set(cols))
    cm = colormaps[cmap]
    label_col = "label_en" if lg == "en" else "label_zh"
    heads = {m: str(d.loc[d["metric"] == m, label_col].iloc[0]) for m in cols}
    cells: dict[tuple[str, str, str, str], Any] = {}
    for i, key in enumerate(zip(d["province"], d["city"], d["institution"], d["metric"],
                                strict=True)):
        cells.setdefault(key, i)
    n = len(keys)
    for i, key in enumerate(keys):
        y = n - 1 - i
        for j, metric in enumerate(cols):
            at = cells.get((*key, metric))
            if at is None:
                ax.add_patch(Rectangle((j, y), 0.94, 0.9, facecolor="#f0f0f0", edgecolor="white"))
                continue
            r = d.iloc[at]
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
    if info["n_total"] > info["n_rows"]:
        ax.set_xlabel(_left_out_note(info["n_rows"], info["n_total"], "rows", lg), fontsize=7)
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


def _places_and_regions(arts: pd.DataFrame, places: pd.DataFrame | None,
                        regions: pd.DataFrame | None) -> tuple[Any, Any]:
    """Place mentions and article regions, each computed at most once."""
    from weeklylib.regions import extract_places, resolve_regions

    if regions is None:
        if places is None:
            fields = tuple(f for f in ("title", "body") if f in arts.columns)
            places = extract_places(arts, fields=fields)
        regions = resolve_regions(places)
    return places, regions


def metric_figure_tables(
    corpus: Any,
    *,
    vocabulary: Any = None,
    metrics: pd.DataFrame | None = None,
    places: pd.DataFrame | None = None,
    regions: pd.DataFrame | None = None,
) -> dict[str, pd.DataFrame]:
    """The tables behind every figure of :func:`figures_metrics` (and the notebook).

    Parameters
    ----------
    corpus : Corpus, DataFrame or path
        A :class:`weeklylib.Corpus`, its articles, or a path for :func:`weeklylib.load_corpus`.
    vocabulary : optional
        Passed to :func:`weeklylib.extract_metrics`.
    metrics : DataFrame, optional
        A table already made by :func:`weeklylib.extract_metrics` for these articles; it is
        used as it is (`vocabulary` is then ignored).
    places : DataFrame, optional
        Place mentions from :func:`weeklylib.extract_places` (fields ``title`` and ``body``)
        for these articles.
    regions : DataFrame, optional
        Article regions from :func:`weeklylib.resolve_regions` for these articles.  Whatever
        is not given is computed once and shared: the places feed both the metrics and the
        regions, the regions both the metrics and the article counts.

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
    from weeklylib.corpus import as_articles
    from weeklylib.regions import articles_by_province

    arts = as_articles(corpus)
    for name, table in (("metrics", metrics), ("places", places), ("regions", regions)):
        if table is not None and not isinstance(table, pd.DataFrame):
            raise ValueError(f"{name} must be None or a DataFrame, got {type(table).__name__}")
    if metrics is None:
        places, regions = _places_and_regions(arts, places, regions)
        m = extract_metrics(arts, vocabulary=vocabulary, places=places, regions=regions)
    else:
        m = metrics
        if regions is None:
            places, regions = _places_and_regions(arts, places, regions)
    comp = indicator_comparison(m)
    return {
        "articles_by_province": articles_by_province(arts, regions=regions),
        "metrics": m,
        "comparison": compare_regions(m),
        "rating_regions": compare_regions(m, kind="rating"),
        "ratings": ratings_by_province(m),
        "levels_pct": comp[(comp["unit"] == "%") & (comp["value_type"] == "level")]
        .reset_index(drop=True),
        "changes": comp[comp["value_type"] == "change"].reset_index(drop=True),
    }


def _share_rows(needs: list[int], total: int) -> list[int]:
    """Split `total` rows between panels: each gets what it needs if all fit, else the
    smallest needs are met first and the rest is shared evenly (at least one row each)."""
    if sum(needs) <= total:
        return [max(1, n) for n in needs]
    out = [0] * len(needs)
    left, panels = total, len(needs)
    for i in sorted(range(len(needs)), key=lambda k: (needs[k], k)):
        out[i] = max(1, min(needs[i], left // panels))
        left -= out[i]
        panels -= 1
    return out


def _change_units(changes: pd.DataFrame) -> list[str]:
    counts = changes.groupby("unit").size()
    return sorted(counts.index, key=lambda u: (-int(counts[u]), u))


#: Height (inches) of one row of an indicator chart / of the ratings grid, and of the rest.
_ROW_IN, _PAD_IN, _NOTE_IN = 0.28, 1.2, 0.25
_RATING_ROW_IN, _RATING_PAD_IN = 0.4, 1.0


def figures_metrics(
    corpus: Any,
    *,
    out_dir: str | Path = "figures",
    lang: str = "zh",
    formats: Sequence[str] = ("png", "pdf", "svg"),
    vocabulary: Any = None,
    metrics: pd.DataFrame | None = None,
    places: pd.DataFrame | None = None,
    regions: pd.DataFrame | None = None,
    max_rows: int = 20,
    max_units: int = 4,
) -> list[Path]:
    """Build and save every metrics figure of ``notebooks/04_regional_metrics``.

    Five figures, drawn in :func:`weeklylib.theme.paper_style` and written by
    :func:`weeklylib.figures.save_figure` with the table behind each (``data=``):
    ``metrics_indicator_levels`` (rates in %), ``metrics_indicator_changes`` (one panel per
    unit of change), ``metrics_ratings`` (institutions × schemes), ``metrics_emr_map``
    (highest EMR level per province) and ``metrics_articles_by_province`` (articles per
    province, tile map).  English file names get an ``_en`` suffix.

    Every figure has a bounded size, whatever the corpus: the indicator charts and the
    ratings grid have at most `max_rows` rows (indicator charts switch from one row per value
    to one row per province when the values do not fit, see :func:`indicator_chart_rows`;
    the ratings grid keeps the rows backed by most articles, see :func:`rating_chart_rows`),
    the changes figure has at most `max_units` panels (the units with most values) sharing
    `max_rows` rows, and the maps are fixed-size.  A line under a chart says what was left
    out; the data CSV holds every value, with ``figure_row`` (the chart row showing it, ``""``
    when left out) or ``shown``.

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
    metrics, places, regions : DataFrame, optional
        Tables already computed for these articles (see :func:`metric_figure_tables`).
    max_rows : int, default 20
        Most rows of a chart (20 stay readable at single-column width).
    max_units : int, default 4
        Most panels (units) of the changes figure.

    Returns
    -------
    list of Path
        Every file written, in order.

    Raises
    ------
    ValueError
        For a bad `lang`, `corpus`, `max_rows`, `max_units` or table.
    """
    import matplotlib.pyplot as plt

    from weeklylib.figures import save_figure
    from weeklylib.theme import paper_style

    lg = _check_lang(lang)
    _check_rows(max_rows)
    _check_rows(max_units, "max_units")
    t = metric_figure_tables(corpus, vocabulary=vocabulary, metrics=metrics, places=places,
                             regions=regions)
    suffix = "" if lg == "zh" else "_en"
    written: list[Path] = []

    def _save(fig: Any, name: str, data: pd.DataFrame) -> None:
        res = save_figure(fig, name + suffix, formats=tuple(formats), out_dir=out_dir, data=data)
        written.extend(Path(p) for p in res)
        plt.close(fig)

    def _height(n_rows: int, note: str) -> float:
        return _ROW_IN * max(n_rows, 1) + _PAD_IN + (_NOTE_IN if note else 0.0)

    with paper_style(lang=lg):
        levels = t["levels_pct"]
        _rows, values, info = indicator_chart_rows(levels, lang=lg, unit="%",
                                                   value_type="level", max_rows=max_rows)
        fig, ax = plt.subplots(figsize=(8, max(2.5, _height(info["n_rows"], info["note"]))))
        plot_indicators(levels, ax=ax, lang=lg, unit="%", value_type="level",
                        max_rows=max_rows)
        _save(fig, "metrics_indicator_levels", values)

        changes = t["changes"]
        units = _change_units(changes) or ["%"]
        shown_units = units[:max_units]
        n_values = [int((changes["unit"] == u).sum()) for u in shown_units]
        n_groups = [len(changes[changes["unit"] == u].assign(
            _p=lambda x: x["province"].fillna("")).drop_duplicates(
                ["metric", "value_type", "trend", "_p"])) for u in shown_units]
        budget = _share_rows(n_values, max_rows)
        # a panel whose values do not fit shows one row per province: it needs fewer rows
        budget = _share_rows([v if b >= v else g for v, g, b in
                              zip(n_values, n_groups, budget, strict=True)], max_rows)
        panels = [indicator_chart_rows(changes, lang=lg, unit=u, value_type="change",
                                       max_rows=b) for u, b in zip(shown_units, budget,
                                                                   strict=True)]
        heights = [max(1, p[2]["n_rows"]) for p in panels]
        notes = sum(1 for p in panels if p[2]["note"])
        unit_note = ""
        if len(units) > len(shown_units):
            left = "、".join(units[len(shown_units):]) if lg == "zh" else \
                ", ".join(UNIT_EN.get(u, u) for u in units[len(shown_units):])
            unit_note = _left_out_note(len(shown_units), len(units), "units", lg) + \
                (f"：{left}" if lg == "zh" else f": {left}")
        height = 0.3 * sum(heights) + 0.9 * len(shown_units) + _NOTE_IN * notes \
            + (_NOTE_IN if unit_note else 0.0)
        fig, axes = plt.subplots(len(shown_units), 1, squeeze=False,
                                 figsize=(8, max(2.5, height)),
                                 gridspec_kw={"height_ratios": heights})
        for a, u, b in zip(axes[:, 0], shown_units, budget, strict=True):
            plot_indicators(changes, ax=a, lang=lg, unit=u, value_type="change", max_rows=b)
        if unit_note:
            fig.text(0.01, 0.005, unit_note, fontsize=7, ha="left", va="bottom",
                     color="#555555")
        figure_row = pd.Series("", index=changes.index, dtype=object)
        for _rows, vals, _info in panels:
            figure_row[vals.index] = vals["figure_row"]
        changes_data = changes.assign(figure_row=figure_row.astype(str))
        _save(fig, "metrics_indicator_changes", changes_data)

        ratings = t["ratings"]
        rtable, keys, rinfo = rating_chart_rows(ratings, max_rows=max_rows)
        rnote = rinfo["n_total"] > rinfo["n_rows"]
        fig, ax = plt.subplots(figsize=(7, max(2.0, _RATING_ROW_IN * len(keys) + _RATING_PAD_IN
                                                + (_NOTE_IN if rnote else 0.0))))
        plot_ratings(ratings, ax=ax, lang=lg, max_rows=max_rows)
        _save(fig, "metrics_ratings", rtable)

        fig, ax = plt.subplots(figsize=(7, 5.5))
        plot_rating_map(t["rating_regions"], metric="emr_level", ax=ax, lang=lg)
        _save(fig, "metrics_emr_map", t["rating_regions"])

        from weeklylib.plotting.regions import plot_province_tiles

        fig, ax = plt.subplots(figsize=(7, 5.5))
        plot_province_tiles(t["articles_by_province"], value="n_articles", ax=ax, lang=lg)
        _save(fig, "metrics_articles_by_province", t["articles_by_province"])
    return written
