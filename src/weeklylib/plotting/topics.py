"""Figures for topics: trends, bursts, co-occurrence heatmap and network.

Every ``plot_*`` function draws on an Axes (``ax=``, or the current one) and returns it; none
of them saves.  Labels are Chinese by default (``lang="zh"``) and English with ``lang="en"``,
taken from the taxonomy (``label_zh`` / ``label_en``).  :func:`figures_topics` builds and saves
every figure of the notebooks ``02_topic_trends`` and ``03_topic_cooccurrence``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

_LANGS = ("zh", "en")
_TEXT = {
    "share": {"zh": "文章占比", "en": "Share of articles"},
    "n_articles": {"zh": "文章数", "en": "Articles"},
    "gap": {"zh": "无周报", "en": "no issue"},
    "covered": {"zh": "合刊覆盖", "en": "covered by a multi-week issue"},
    "period": {"zh": "时间", "en": "Period"},
    "no_bursts": {"zh": "未检测到突现", "en": "no bursts detected"},
    "strength": {"zh": "强度", "en": "Strength"},
    "begin": {"zh": "开始", "en": "Begin"},
    "end": {"zh": "结束", "en": "End"},
    "term": {"zh": "主题/词", "en": "Topic / term"},
    "unit": {"zh": "单位", "en": "unit"},
    "edge": {"zh": "边权", "en": "edge weight"},
    "empty": {"zh": "无共现数据", "en": "no co-occurrence data"},
}


def _check_lang(lang: str) -> None:
    if lang not in _LANGS:
        raise ValueError(f"lang must be one of {_LANGS}; got {lang!r}")


def _t(key: str, lang: str) -> str:
    return _TEXT[key][lang]


def _get_ax(ax: Any) -> Any:
    if ax is None:
        import matplotlib.pyplot as plt

        ax = plt.gca()
    return ax


def _labeler(
    lang: str,
    labels: Mapping[str, str] | None = None,
    table: pd.DataFrame | None = None,
    key: str = "topic",
    taxonomy: Any = None,
) -> Any:
    """Function item -> display label: explicit labels, the table's label column, taxonomy."""
    mapping: dict[str, str] = {}
    if taxonomy is not False:
        from weeklylib.topics import topic_labels

        with contextlib.suppress(Exception):
            mapping.update(topic_labels(taxonomy, lang=lang))
    col = f"label_{lang}"
    if table is not None and key in table and col in table:
        sub = table[[key, col]].dropna().drop_duplicates(key)
        mapping.update(dict(zip(sub[key], sub[col], strict=True)))
    if labels:
        mapping.update(labels)
    return lambda x: str(mapping.get(x, x))


# --------------------------------------------------------------------------- trends


def plot_topic_trends(
    trends: pd.DataFrame,
    *,
    ax: Any = None,
    lang: str = "zh",
    value: str = "share",
    topics: Sequence[str] | None = None,
    top: int | None = None,
    show_gaps: bool = True,
    labels: Mapping[str, str] | None = None,
    taxonomy: Any = None,
) -> Any:
    """Line chart of topic (or keyword) trends; missing issues show as gaps, not zeros.

    Parameters
    ----------
    trends
        From :func:`weeklylib.topic_trends` or :func:`weeklylib.keyword_trends`.
    ax
        Axes to draw on (default: the current Axes).
    lang
        ``"zh"`` (default) or ``"en"`` for legend labels and axis titles.
    value
        ``"share"`` (default) or ``"n_articles"``.  Gap rows are NaN either way, so each line
        breaks at a gap.
    topics
        Topics/terms to draw, in legend order; default all (or the ``top`` largest).
    top
        Draw only the ``top`` topics with the most articles overall.
    show_gaps
        Shade periods without an issue (``status == "gap"``) in grey and periods covered by a
        multi-week issue (``status == "covered"``) with hatching.
    labels, taxonomy
        Override labels (``{id: label}``) or read them from another taxonomy.

    Returns
    -------
    matplotlib.axes.Axes
        One line (with point markers) per topic; x is the end date of each period.
    """
    _check_lang(lang)
    if value not in ("share", "n_articles"):
        raise ValueError(f"value must be one of ('share', 'n_articles'); got {value!r}")
    key = "topic" if "topic" in trends else "term"
    need = [key, "bin_start", "bin_end", "status", value]
    missing = [c for c in need if c not in trends]
    if missing:
        raise ValueError(f"trends is missing column(s) {missing}; pass a topic_trends table")
    ax = _get_ax(ax)
    label = _labeler(lang, labels, trends, key, taxonomy)
    if topics is None:
        totals = trends.groupby(key)["n_articles"].sum()
        keys = sorted(totals.index, key=lambda k: (-totals[k], str(k)))
        if top is not None:
            keys = keys[:top]
    else:
        keys = list(topics)
    bins = trends.drop_duplicates("period")[["period", "bin_start", "bin_end", "status"]]
    bins = bins.sort_values("bin_start")
    handles = []
    for k in keys:
        sub = trends[trends[key] == k].sort_values("bin_start")
        y = sub[value].astype(float).where(sub["status"] == "observed")
        (line,) = ax.plot(sub["bin_end"], y, marker="o", ms=3, lw=1.4, label=label(k))
        handles.append(line)
    if show_gaps:
        one_day = pd.Timedelta(days=1)
        first = {"gap": None, "covered": None}
        for b0, b1, st in zip(bins["bin_start"], bins["bin_end"], bins["status"], strict=True):
            if st == "gap":
                span = ax.axvspan(b0, b1 + one_day, color="0.88", lw=0, zorder=0,
                                  label=_t("gap", lang) if first["gap"] is None else None)
                first["gap"] = first["gap"] or span
            elif st == "covered":
                span = ax.axvspan(b0, b1 + one_day, facecolor="none", edgecolor="0.6",
                                  hatch="//", lw=0, zorder=0,
                                  label=_t("covered", lang) if first["covered"] is None else None)
                first["covered"] = first["covered"] or span
        handles += [h for h in (first["gap"], first["covered"]) if h is not None]
    import matplotlib.dates as mdates

    locator = mdates.AutoDateLocator(minticks=3, maxticks=8)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    ax.set_xlabel(_t("period", lang))
    ax.set_ylabel(_t(value, lang))
    if value == "share":
        from matplotlib.ticker import PercentFormatter

        ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        ax.set_ylim(bottom=0)
    if handles:
        ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    return ax


# --------------------------------------------------------------------------- bursts


def plot_bursts(
    bursts: pd.DataFrame,
    *,
    periods: Sequence[Any] | None = None,
    ax: Any = None,
    lang: str = "zh",
    labels: Mapping[str, str] | None = None,
    taxonomy: Any = None,
    color: str = "#c0392b",
    base_color: str = "#aab7cf",
) -> Any:
    """CiteSpace-style burst chart: one row per burst, the whole period range as a thin bar
    with the burst slices highlighted, and the strength, begin and end written beside it.

    Parameters
    ----------
    bursts
        From :func:`weeklylib.bursts.burst_table` / ``topic_bursts`` (``term, start, end,
        strength, i_start, i_end``).
    periods
        All period labels in order; default ``bursts.attrs["periods"]``.
    ax, lang, labels, taxonomy
        As in :func:`plot_topic_trends`.
    color, base_color
        Colours of the burst segments and of the base bar.

    Returns
    -------
    matplotlib.axes.Axes
        Two horizontal bars per row (base, burst); y tick labels are the topic/term labels.
    """
    _check_lang(lang)
    ax = _get_ax(ax)
    periods = list(periods) if periods is not None else list(bursts.attrs.get("periods", []))
    n = len(periods)
    if len(bursts) == 0:
        ax.text(0.5, 0.5, _t("no_bursts", lang), ha="center", va="center",
                transform=ax.transAxes)
        ax.set_yticks([])
        ax.set_xticks([])
        return ax
    if n == 0:
        n = int(bursts["i_end"].max()) + 1
        periods = list(range(n))
    label = _labeler(lang, labels, bursts, "term", taxonomy)
    rows = list(range(len(bursts)))
    ax.barh(rows, [n] * len(rows), left=0, height=0.25, color=base_color, zorder=1)
    widths = (bursts["i_end"] - bursts["i_start"] + 1).to_numpy()
    ax.barh(rows, widths, left=bursts["i_start"].to_numpy(), height=0.6, color=color, zorder=2)
    ax.set_yticks(rows, [label(t) for t in bursts["term"]])
    ax.set_ylim(len(rows) - 0.5, -0.5)
    step = max(1, int(np.ceil(n / 8)))
    ticks = list(range(0, n, step))
    ax.set_xticks([t + 0.5 for t in ticks], [str(periods[t]) for t in ticks], rotation=30,
                  ha="right")
    ax.set_xlim(0, n)
    trans = ax.get_yaxis_transform()
    header = f"{_t('strength', lang)}  {_t('begin', lang)} – {_t('end', lang)}"
    ax.text(1.02, -0.9, header, transform=trans, ha="left", va="center", fontsize="small")
    for r, (st, b, e) in enumerate(zip(bursts["strength"], bursts["start"], bursts["end"],
                                       strict=True)):
        ax.text(1.02, r, f"{st:.2f}  {b} – {e}", transform=trans, ha="left", va="center",
                fontsize="small")
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    ax.tick_params(axis="y", length=0)
    return ax


# --------------------------------------------------------------------------- heatmap


def _cluster_order(m: pd.DataFrame) -> list:
    """Average-linkage order with distance = (s_max − s) / (s_max − s_min) between items.

    Items that co-occur strongly end up next to each other; pairs without a value (never
    co-occurring) get the largest distance.
    """
    from scipy.cluster.hierarchy import leaves_list, linkage
    from scipy.spatial.distance import squareform

    if len(m) < 3:
        return list(m.index)
    x = m.to_numpy(dtype=float).copy()
    off = ~np.eye(len(x), dtype=bool)
    finite = x[off & np.isfinite(x)]
    if not finite.size or finite.max() == finite.min():
        return list(m.index)
    lo, hi = finite.min(), finite.max()
    x[~np.isfinite(x)] = lo
    d = (hi - x) / (hi - lo)
    d = (d + d.T) / 2
    np.fill_diagonal(d, 0.0)
    z = linkage(squareform(d, checks=False), method="average", optimal_ordering=True)
    return [m.index[i] for i in leaves_list(z)]


def plot_cooccurrence_heatmap(
    data: pd.DataFrame,
    *,
    measure: str | None = None,
    ax: Any = None,
    lang: str = "zh",
    cluster: bool = False,
    annotate: bool = True,
    fmt: str | None = None,
    cmap: str = "Blues",
    order: Sequence[str] | None = None,
    labels: Mapping[str, str] | None = None,
    taxonomy: Any = None,
    colorbar: bool = True,
) -> Any:
    """Heatmap of a co-occurrence matrix, annotated, with the measure and unit on the colorbar.

    Parameters
    ----------
    data
        A tidy :func:`weeklylib.cooccurrence` table (preferred: it carries the unit) or a
        matrix from :func:`weeklylib.cooccurrence_matrix`.
    measure
        Measure shown (tidy input); default ``"jaccard"`` if computed, else the first measure.
    ax, lang, labels, taxonomy
        As in :func:`plot_topic_trends`.
    cluster
        Order rows and columns by average-linkage hierarchical clustering (scipy, optimal
        leaf ordering; deterministic) with distance ``(s_max − s) / (s_max − s_min)``, so that
        items that co-occur strongly sit next to each other.  Self tables only.
    annotate
        Write the value in each cell (integers for counts, two decimals otherwise).
    fmt
        Format of the annotations, e.g. ``"{:.1f}"``.
    cmap
        Colormap name.  Cells without a value (the diagonal) are left blank.
    order
        Explicit row/column order (ignored when ``cluster``).
    colorbar
        Draw a colorbar labelled with the measure, the unit and N.

    Returns
    -------
    matplotlib.axes.Axes
        The image is ``ax.images[0]``; cell annotations are ``ax.texts``.
    """
    from weeklylib.cooccur import MEASURES, cooccurrence_matrix, measure_label, unit_label

    _check_lang(lang)
    ax = _get_ax(ax)
    if {"a", "b"}.issubset(data.columns):
        if measure is None:
            ms = data.attrs.get("measures", ())
            measure = "jaccard" if "jaccard" in data else (ms[0] if ms else "count")
        m = cooccurrence_matrix(data, measure, order=order)
    else:
        m = data.copy()
        measure = measure or m.attrs.get("measure", "count")
        if order is not None:
            m = m.reindex(index=list(order), columns=list(order))
    if measure not in MEASURES:
        raise ValueError(f"measure must be one of {MEASURES}; got {measure!r}")
    attrs = dict(m.attrs)
    square = list(m.index) == list(m.columns)
    if cluster and square and len(m):
        o = _cluster_order(m)
        m = m.reindex(index=o, columns=o)
    m.attrs.update(attrs)
    label = _labeler(lang, labels, None, "topic", taxonomy)
    vals = m.to_numpy(dtype=float)
    if not vals.size:
        ax.text(0.5, 0.5, _t("empty", lang), ha="center", va="center", transform=ax.transAxes)
        return ax
    import matplotlib as mpl

    cm = mpl.colormaps[cmap].with_extremes(bad="white")
    finite = vals[np.isfinite(vals)]
    vmin = float(finite.min()) if finite.size else 0.0
    vmax = float(finite.max()) if finite.size else 1.0
    if measure not in ("pmi", "npmi"):
        vmin = min(vmin, 0.0)
    im = ax.imshow(np.ma.masked_invalid(vals), cmap=cm, vmin=vmin, vmax=vmax, aspect="equal")
    ax.set_xticks(range(m.shape[1]), [label(c) for c in m.columns], rotation=45, ha="right")
    ax.set_yticks(range(m.shape[0]), [label(r) for r in m.index])
    if annotate:
        fmt = fmt or ("{:.0f}" if measure == "count" else "{:.2f}")
        mid = vmin + (vmax - vmin) / 2
        for i in range(m.shape[0]):
            for j in range(m.shape[1]):
                v = vals[i, j]
                if np.isfinite(v):
                    ax.text(j, i, fmt.format(v), ha="center", va="center", fontsize="x-small",
                            color="white" if v > mid else "black")
    if colorbar:
        unit = unit_label(m.attrs.get("unit_columns", ("article_id",)), m.attrs.get("window"),
                          lang=lang)
        n = m.attrs.get("n_units")
        mname = measure_label(measure, lang=lang)
        if lang == "zh":
            cb_label = f"{mname}（{_t('unit', lang)}：{unit}" + (f"，N = {n}）" if n else "）")
        else:
            cb_label = f"{mname} ({_t('unit', lang)}: {unit}" + (f", N = {n})" if n else ")")
        ax.figure.colorbar(im, ax=ax, label=cb_label, shrink=0.8)
    return ax


# --------------------------------------------------------------------------- network


def plot_cooccurrence_network(
    tidy: pd.DataFrame,
    *,
    measure: str = "count",
    ax: Any = None,
    lang: str = "zh",
    min_value: float | None = None,
    top_edges: int | None = 60,
    seed: int = 0,
    labels: Mapping[str, str] | None = None,
    taxonomy: Any = None,
    node_size: tuple[float, float] = (80.0, 900.0),
    k: float | None = None,
) -> Any:
    """Co-occurrence network: node size = units containing the item, edge width = ``measure``,
    colour = community (greedy modularity), seeded spring layout (deterministic).

    Parameters
    ----------
    tidy
        A self :func:`weeklylib.cooccurrence` table holding ``measure``.
    measure
        Edge weight column.
    ax, lang, labels, taxonomy
        As in :func:`plot_topic_trends`.
    min_value, top_edges, seed, k
        Passed to :func:`weeklylib.cooccur.cooccurrence_network` (``k``: spring length).
    node_size
        Smallest and largest marker area.

    Returns
    -------
    matplotlib.axes.Axes
        Edges are ``ax.collections[0]`` (a LineCollection), nodes ``ax.collections[1]``, one
        text per node; a caption under the axes states the unit, N and the edge weight.
    """
    from matplotlib.collections import LineCollection

    from weeklylib.cooccur import cooccurrence_network, measure_label, unit_label

    _check_lang(lang)
    ax = _get_ax(ax)
    nodes, edges = cooccurrence_network(tidy, measure=measure, min_value=min_value,
                                        top_edges=top_edges, seed=seed, k=k)
    label = _labeler(lang, labels, None, "topic", taxonomy)
    ax.set_axis_off()
    if not len(nodes):
        ax.text(0.5, 0.5, _t("empty", lang), ha="center", va="center", transform=ax.transAxes)
        return ax
    xy = nodes.set_index("node")[["x", "y"]]
    segs = [[tuple(xy.loc[a]), tuple(xy.loc[b])] for a, b in zip(edges["a"], edges["b"],
                                                                  strict=True)]
    w = edges["weight"].to_numpy(dtype=float)
    widths = 0.5 + 3.5 * (w - w.min()) / (w.max() - w.min()) if len(w) and w.max() > w.min() \
        else np.full(len(w), 1.5)
    ax.add_collection(LineCollection(segs, linewidths=widths, colors="0.65", alpha=0.7,
                                     zorder=1))
    import matplotlib as mpl

    palette = mpl.colormaps["tab10"]
    n = nodes["n"].to_numpy(dtype=float)
    lo, hi = node_size
    sizes = lo + (hi - lo) * (n - n.min()) / (n.max() - n.min()) if n.max() > n.min() \
        else np.full(len(n), (lo + hi) / 2)
    colors = [palette(c % 10) for c in nodes["community"]]
    ax.scatter(nodes["x"], nodes["y"], s=sizes, c=colors, edgecolors="white", linewidths=0.8,
               zorder=2)
    for node, x, y in zip(nodes["node"], nodes["x"], nodes["y"], strict=True):
        ax.text(x, y, label(node), ha="center", va="center", fontsize="small", zorder=3)
    pad = 0.15
    ax.set_xlim(nodes["x"].min() - pad, nodes["x"].max() + pad)
    ax.set_ylim(nodes["y"].min() - pad, nodes["y"].max() + pad)
    unit = unit_label(tidy.attrs.get("unit_columns", ("article_id",)), tidy.attrs.get("window"),
                      lang=lang)
    nu = tidy.attrs.get("n_units")
    mname = measure_label(measure, lang=lang)
    if lang == "zh":
        cap = f"共现单位：{unit}（N = {nu}）；{_t('edge', lang)}：{mname}"
    else:
        cap = f"co-occurrence unit: {unit} (N = {nu}); {_t('edge', lang)}: {mname}"
    ax.text(0.0, -0.02, cap, transform=ax.transAxes, ha="left", va="top", fontsize="small")
    return ax


# --------------------------------------------------------------------------- main job


def topic_figure_tables(
    corpus: Any,
    *,
    taxonomy: Any = None,
    freq: str = "week",
    top_terms: int = 30,
) -> dict[str, pd.DataFrame]:
    """The tables behind every figure of :func:`figures_topics` (and the two notebooks).

    Returns
    -------
    dict
        ``tags`` (:func:`~weeklylib.tag_topics`), ``evidence``
        (:func:`~weeklylib.topics.topic_evidence`), ``trends`` (:func:`~weeklylib.topic_trends`,
        ``freq``, gaps explicit), ``issue_trends`` (the same per issue), ``bursts``
        (:func:`~weeklylib.bursts.topic_bursts` with the issues as time slices),
        ``topic_cooc`` (topics × topics, unit article, N = all articles) and ``term_cooc``
        (the ``top_terms`` taxonomy terms found in most body paragraphs × each other, unit
        paragraph).
    """
    from weeklylib.bursts import topic_bursts
    from weeklylib.cooccur import cooccurrence
    from weeklylib.corpus import as_articles
    from weeklylib.topics import tag_topics, topic_evidence, topic_trends

    articles = as_articles(corpus)
    evidence = topic_evidence(articles, taxonomy)
    tags = tag_topics(articles, taxonomy)
    trends = topic_trends(tags, articles, freq=freq)
    issue_trends = topic_trends(tags, articles, freq="issue")
    bursts = topic_bursts(issue_trends)
    topic_cooc = cooccurrence(
        tags, unit="article_id", item="topic",
        measures=("count", "jaccard", "association_strength", "npmi"),
        n_units=int(articles["article_id"].nunique()),
    )
    ev = evidence[evidence["field"] == "body"]
    n_para = ev.drop_duplicates(["article_id", "paragraph", "term"]).groupby("term").size()
    ranked = sorted(n_para.index, key=lambda t: (-n_para[t], t))[:top_terms]
    term_cooc = cooccurrence(
        ev[ev["term"].isin(set(ranked))], unit=["article_id", "paragraph"], item="term",
        measures=("count", "jaccard", "association_strength"),
    )
    return {"tags": tags, "evidence": evidence, "trends": trends,
            "issue_trends": issue_trends, "bursts": bursts, "topic_cooc": topic_cooc,
            "term_cooc": term_cooc}


def figures_topics(
    corpus: Any,
    *,
    out_dir: str | Path = "figures",
    lang: str = "zh",
    taxonomy: Any = None,
    formats: Sequence[str] = ("png", "pdf", "svg"),
) -> list[Path]:
    """Build and save every topic figure (trends, bursts, heatmap, term network).

    Figures are drawn in :func:`weeklylib.theme.paper_style` and written by
    :func:`weeklylib.figures.save_figure` together with the table behind each (``data=``).

    Parameters
    ----------
    corpus
        A :class:`weeklylib.Corpus`, its articles DataFrame, or a path for
        :func:`weeklylib.load_corpus`.
    out_dir
        Output folder.
    lang
        ``"zh"`` or ``"en"``; English file names get an ``_en`` suffix.
    taxonomy
        Taxonomy (``None`` for the bundled one).
    formats
        File formats passed to ``save_figure``.

    Returns
    -------
    list of Path
        Every file written, in order.
    """
    import matplotlib.pyplot as plt

    from weeklylib.figures import save_figure
    from weeklylib.theme import paper_style

    _check_lang(lang)
    t = topic_figure_tables(corpus, taxonomy=taxonomy)
    suffix = "" if lang == "zh" else "_en"
    written: list[Path] = []

    def _save(fig: Any, name: str, data: pd.DataFrame) -> None:
        res = save_figure(fig, name + suffix, formats=tuple(formats), out_dir=out_dir, data=data)
        if isinstance(res, (str, Path)):
            written.append(Path(res))
        elif res is not None:
            written.extend(Path(p) for p in res)
        plt.close(fig)

    with paper_style():
        fig, ax = plt.subplots(figsize=(8, 4))
        plot_topic_trends(t["trends"], ax=ax, lang=lang, top=6, taxonomy=taxonomy)
        _save(fig, "topics_trends", t["trends"])

        fig, ax = plt.subplots(figsize=(8, max(2.0, 0.45 * len(t["bursts"]) + 1.2)))
        plot_bursts(t["bursts"], ax=ax, lang=lang, taxonomy=taxonomy)
        _save(fig, "topics_bursts", t["bursts"])

        fig, ax = plt.subplots(figsize=(7.5, 6.5))
        plot_cooccurrence_heatmap(t["topic_cooc"], measure="jaccard", ax=ax, lang=lang,
                                  cluster=True, taxonomy=taxonomy)
        _save(fig, "topics_cooccurrence_heatmap", t["topic_cooc"])

        fig, ax = plt.subplots(figsize=(8, 7))
        plot_cooccurrence_network(t["term_cooc"], measure="count", min_value=2, ax=ax,
                                  lang=lang, top_edges=None, taxonomy=False)
        _save(fig, "topics_term_network", t["term_cooc"])
    return written


__all__ = [
    "figures_topics",
    "plot_bursts",
    "plot_cooccurrence_heatmap",
    "plot_cooccurrence_network",
    "plot_topic_trends",
    "topic_figure_tables",
]
