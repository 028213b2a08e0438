"""What is in the corpus: articles per issue, outlets, article lengths, problems.

Each ``plot_*`` function takes one table of a :class:`weeklylib.Corpus`, draws on
an Axes (``ax=``, or the current one) and returns it; none of them saves.  The
``*_table`` functions compute the small table each plot shows (pure: a
DataFrame in, a new DataFrame out), so the numbers can be printed, checked and
written next to the figure.  :func:`figures_overview` builds and saves every
figure of ``notebooks/01_corpus_overview.ipynb``.

>>> import weeklylib as wl
>>> from weeklylib.plotting import overview
>>> corpus = wl.load_corpus("seeds")                       # doctest: +SKIP
>>> with wl.paper_style():                                 # doctest: +SKIP
...     ax = overview.plot_outlets(corpus.articles)
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from weeklylib.plotting._style import label, palette, resolve_lang

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

__all__ = [
    "articles_per_issue_table",
    "figures_overview",
    "length_table",
    "outlet_table",
    "plot_articles_per_issue",
    "plot_lengths",
    "plot_outlets",
    "plot_problems",
    "problem_table",
]

_SEVERITIES = ("warning", "error")


def _get_ax(ax: Axes | None) -> Axes:
    if ax is None:
        import matplotlib.pyplot as plt

        ax = plt.gca()
    return ax


def _require(table: Any, columns: tuple[str, ...], param: str = "table") -> pd.DataFrame:
    if not isinstance(table, pd.DataFrame):
        raise ValueError(f"{param} must be a pandas DataFrame, got {type(table).__name__}")
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise ValueError(
            f"{param} must have the columns {list(columns)}; missing {missing}, "
            f"got {list(table.columns)}"
        )
    return table


def _check_positive_int(value: Any, param: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
        raise ValueError(f"{param} must be a positive integer, got {value!r}")
    return int(value)


# --------------------------------------------------------------------- articles per issue


def _issue_label(row: pd.Series, lang: str) -> str:
    if pd.notna(row["issue_no"]):
        n = int(row["issue_no"])
        return f"第{n}期" if lang == "zh" else f"No. {n}"
    for col in ("issue_date", "period_end", "period_start"):
        if col in row.index and pd.notna(row[col]):
            return pd.Timestamp(row[col]).strftime("%Y-%m-%d")
    return str(row["doc_id"])


def articles_per_issue_table(documents: pd.DataFrame, *, lang: str | None = "zh") -> pd.DataFrame:
    """Articles found and declared per weekly digest, in date order.

    Parameters
    ----------
    documents : DataFrame
        ``Corpus.documents`` (needs ``doc_id``, ``kind``, ``issue_no``,
        ``declared_count``, ``n_articles``; ``issue_date``, ``period_start``
        and ``period_end`` are used when present).
    lang : {"zh", "en"} or None, default "zh"
        Language of the ``issue`` label.

    Returns
    -------
    DataFrame
        One row per digest (``kind == "weekly"``): ``doc_id``, ``issue_no``,
        ``date`` (issue date, else end or start of the period covered),
        ``issue`` (a label: 第614期, or the date when the issue number is
        unknown), ``n_articles``, ``declared_count``,
        ``n_difference`` (found − declared, ``<NA>`` when nothing declared).
        Sorted by date (issue date, else period end/start), then issue number
        and ``doc_id``.
    """
    lg = resolve_lang(lang)
    _require(documents, ("doc_id", "kind", "issue_no", "declared_count", "n_articles"), "documents")
    docs = documents.loc[documents["kind"] == "weekly"].copy()
    date = pd.Series(pd.NaT, index=docs.index, dtype="datetime64[ns]")
    for col in ("issue_date", "period_end", "period_start"):
        if col in docs.columns:
            date = date.fillna(pd.to_datetime(docs[col]))
    docs["_date"] = date
    docs = docs.sort_values(["_date", "issue_no", "doc_id"], na_position="last", kind="mergesort")
    out = pd.DataFrame(
        {
            "doc_id": docs["doc_id"].astype(str),
            "issue_no": docs["issue_no"].astype("Int64"),
            "date": docs["_date"],
            "issue": [_issue_label(r, lg) for _, r in docs.iterrows()],
            "n_articles": docs["n_articles"].astype("int64"),
            "declared_count": docs["declared_count"].astype("Int64"),
        }
    )
    found = out["n_articles"].astype("Int64")
    out["n_difference"] = (found - out["declared_count"]).astype("Int64")
    return out.reset_index(drop=True)


def plot_articles_per_issue(
    table: pd.DataFrame, *, ax: Axes | None = None, lang: str | None = "zh"
) -> Axes:
    """Bar chart of the articles found in each digest, with the declared count marked.

    Parameters
    ----------
    table : DataFrame
        ``Corpus.documents`` (or the output of :func:`articles_per_issue_table`).
    ax : matplotlib Axes, optional
        Axes to draw on; the current one by default.
    lang : {"zh", "en"} or None, default "zh"
        Language of labels (``None``: the theme's).

    Returns
    -------
    matplotlib Axes
        Bars (one per digest, in date order; heights = ``n_articles``) and,
        where the digest declares its count (本期周报共收集N篇), a black
        diamond at that count, so a mismatch is visible.
    """
    lg = resolve_lang(lang)
    ax = _get_ax(ax)
    data = table if "issue" in table.columns else articles_per_issue_table(table, lang=lg)
    _require(data, ("issue", "n_articles", "declared_count"))
    x = np.arange(len(data))
    colour = palette("okabe_ito", 1)[0]
    bars = ax.bar(x, data["n_articles"].to_numpy(dtype=float), color=colour, width=0.7,
                  label=label("found", lg))
    handles = [bars]
    declared = data["declared_count"].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    has = ~np.isnan(declared)
    if has.any():
        (marks,) = ax.plot(x[has], declared[has], linestyle="none", marker="D", markersize=4,
                           color="black", label=label("declared", lg))
        handles.append(marks)
    ax.set_xticks(x, list(data["issue"]), rotation=30 if len(data) > 3 else 0,
                  ha="right" if len(data) > 3 else "center")
    ax.set_xlabel(label("issue", lg))
    ax.set_ylabel(label("articles", lg))
    ax.set_title(label("title_articles_per_issue", lg))
    ax.yaxis.get_major_locator().set_params(integer=True)
    top = np.nanmax(np.concatenate([data["n_articles"].to_numpy(dtype=float), declared, [1.0]]))
    ax.set_ylim(0, top * 1.3)  # headroom for the legend above the bars
    ax.legend(handles=handles, loc="upper left", ncols=2)
    return ax


# --------------------------------------------------------------------- outlets


def outlet_table(
    articles: pd.DataFrame, *, top: int = 15, lang: str | None = "zh"
) -> pd.DataFrame:
    """Articles per outlet (``source``), most frequent first.

    Parameters
    ----------
    articles : DataFrame
        ``Corpus.articles`` (needs ``source``).
    top : int, default 15
        Outlets listed by name; the rest are summed into one "其他/Other" row.
    lang : {"zh", "en"} or None, default "zh"
        Language of the "unknown" and "other" labels.

    Returns
    -------
    DataFrame
        ``source``, ``n_articles``, ``share`` (of all articles); sorted by
        ``n_articles`` descending, then ``source``; an empty source is shown
        as 未注明/(unknown); the "other" row, if any, comes last.
    """
    lg = resolve_lang(lang)
    top = _check_positive_int(top, "top")
    _require(articles, ("source",), "articles")
    source = articles["source"].fillna("").astype(str).str.strip()
    source = source.mask(source == "", label("unknown_outlet", lg))
    counts = source.value_counts().rename_axis("source").reset_index(name="n_articles")
    counts = counts.sort_values(["n_articles", "source"], ascending=[False, True], kind="mergesort")
    if len(counts) > top:
        rest = int(counts["n_articles"].iloc[top:].sum())
        other = pd.DataFrame({"source": [label("other", lg)], "n_articles": [rest]})
        counts = pd.concat([counts.iloc[:top], other], ignore_index=True)
    counts = counts.reset_index(drop=True)
    counts["n_articles"] = counts["n_articles"].astype("int64")
    total = counts["n_articles"].sum()
    counts["share"] = counts["n_articles"] / total if total else 0.0
    return counts


def plot_outlets(
    table: pd.DataFrame, *, ax: Axes | None = None, lang: str | None = "zh", top: int = 15
) -> Axes:
    """Horizontal bar chart of articles per outlet, the most frequent at the top.

    Parameters
    ----------
    table : DataFrame
        ``Corpus.articles`` (or the output of :func:`outlet_table`).
    ax : matplotlib Axes, optional
        Axes to draw on; the current one by default.
    lang : {"zh", "en"} or None, default "zh"
        Language of labels.
    top : int, default 15
        Outlets shown by name (others summed).

    Returns
    -------
    matplotlib Axes
    """
    lg = resolve_lang(lang)
    ax = _get_ax(ax)
    data = table if "n_articles" in table.columns else outlet_table(table, top=top, lang=lg)
    _require(data, ("source", "n_articles"))
    y = np.arange(len(data))[::-1]  # first row at the top
    ax.barh(y, data["n_articles"].to_numpy(dtype=float), color=palette("okabe_ito", 2)[1],
            height=0.7)
    ax.set_yticks(y, list(data["source"]))
    ax.set_xlabel(label("articles", lg))
    ax.set_ylabel(label("outlet", lg))
    ax.set_title(label("title_outlets", lg))
    ax.xaxis.get_major_locator().set_params(integer=True)
    return ax


# --------------------------------------------------------------------- lengths


def _nice_width(raw: float) -> int:
    """Smallest of 1, 2, 5 × 10^k (at least 100) that is >= ``raw``."""
    k = 100
    while True:
        for m in (1, 2, 5):
            if m * k >= raw:
                return m * k
        k *= 10


def length_table(articles: pd.DataFrame, *, bins: int = 10) -> pd.DataFrame:
    """Histogram of article lengths (characters of the clean body).

    Parameters
    ----------
    articles : DataFrame
        ``Corpus.articles`` (needs ``n_chars``).
    bins : int, default 10
        Target number of bins: the width is the smallest "nice" number
        (100, 200, 500, 1000, ...) giving at most about this many bins, and
        edges are multiples of the width.

    Returns
    -------
    DataFrame
        ``bin_start``, ``bin_end`` (characters; a bin holds
        ``bin_start <= n_chars < bin_end``, the last one also its end) and
        ``n_articles``.
    """
    bins = _check_positive_int(bins, "bins")
    _require(articles, ("n_chars",), "articles")
    n = articles["n_chars"].dropna().to_numpy(dtype=float)
    if len(n) == 0:
        return pd.DataFrame({"bin_start": pd.Series([], dtype="int64"),
                             "bin_end": pd.Series([], dtype="int64"),
                             "n_articles": pd.Series([], dtype="int64")})
    width = _nice_width((n.max() - n.min()) / bins)
    lo = int(np.floor(n.min() / width) * width)
    n_bins = max(1, int(np.floor((n.max() - lo) / width)) + 1)
    edges = lo + width * np.arange(n_bins + 1)
    counts, _ = np.histogram(n, bins=edges)
    return pd.DataFrame(
        {"bin_start": edges[:-1].astype("int64"), "bin_end": edges[1:].astype("int64"),
         "n_articles": counts.astype("int64")}
    )


def plot_lengths(
    table: pd.DataFrame, *, ax: Axes | None = None, lang: str | None = "zh", bins: int = 10
) -> Axes:
    """Histogram of article lengths in characters, with the median marked.

    Parameters
    ----------
    table : DataFrame
        ``Corpus.articles`` (needs ``n_chars``).
    ax : matplotlib Axes, optional
        Axes to draw on; the current one by default.
    lang : {"zh", "en"} or None, default "zh"
        Language of labels.
    bins : int, default 10
        Number of bins (see :func:`length_table`).

    Returns
    -------
    matplotlib Axes
        One bar per bin (``n_articles``) and a dashed vertical line at the
        median length, labelled in the legend.
    """
    lg = resolve_lang(lang)
    ax = _get_ax(ax)
    hist = length_table(table, bins=bins)
    ax.bar(hist["bin_start"], hist["n_articles"], width=hist["bin_end"] - hist["bin_start"],
           align="edge", color=palette("okabe_ito", 3)[2], edgecolor="white", linewidth=0.5)
    n = table["n_chars"].dropna()
    if len(n):
        med = float(n.median())
        ax.axvline(med, color="black", linestyle="--", linewidth=0.8,
                   label=f"{label('median', lg)} {med:,.0f}")
        ax.legend(loc="upper right")
    ax.set_xlabel(label("characters", lg))
    ax.set_ylabel(label("articles", lg))
    ax.set_title(label("title_lengths", lg))
    ax.yaxis.get_major_locator().set_params(integer=True)
    return ax


# --------------------------------------------------------------------- problems


def problem_table(problems: pd.DataFrame) -> pd.DataFrame:
    """Counts of the data-quality ledger by problem code and severity.

    Parameters
    ----------
    problems : DataFrame
        ``Corpus.problems`` (needs ``code`` and ``severity``).

    Returns
    -------
    DataFrame
        ``code``, ``n_warning``, ``n_error``, ``n_problems`` (their sum) and
        ``n_documents`` (distinct ``doc_id`` when that column exists); sorted
        by ``n_problems`` descending, then ``code``.
    """
    _require(problems, ("code", "severity"), "problems")
    rows = []
    for code, grp in problems.groupby("code", sort=True):
        sev = grp["severity"].value_counts()
        row = {"code": str(code)}
        for s in _SEVERITIES:
            row[f"n_{s}"] = int(sev.get(s, 0))
        row["n_problems"] = len(grp)
        if "doc_id" in grp.columns:
            row["n_documents"] = int(grp["doc_id"].nunique())
        rows.append(row)
    cols = ["code", *(f"n_{s}" for s in _SEVERITIES), "n_problems"]
    if "doc_id" in problems.columns:
        cols.append("n_documents")
    out = pd.DataFrame(rows, columns=cols)
    for c in cols[1:]:
        out[c] = out[c].astype("int64")
    out = out.sort_values(["n_problems", "code"], ascending=[False, True], kind="mergesort")
    return out.reset_index(drop=True)


def plot_problems(
    table: pd.DataFrame, *, ax: Axes | None = None, lang: str | None = "zh"
) -> Axes:
    """Horizontal stacked bars: problems of the data-quality ledger per code.

    Parameters
    ----------
    table : DataFrame
        ``Corpus.problems`` (or the output of :func:`problem_table`).
    ax : matplotlib Axes, optional
        Axes to draw on; the current one by default.
    lang : {"zh", "en"} or None, default "zh"
        Language of labels (problem codes stay as written).

    Returns
    -------
    matplotlib Axes
        One row per code (most frequent at the top), warnings and errors
        stacked in the severity colours; "no problems" text when empty.
    """
    lg = resolve_lang(lang)
    ax = _get_ax(ax)
    data = table if "n_problems" in table.columns else problem_table(table)
    _require(data, ("code", *(f"n_{s}" for s in _SEVERITIES)))
    ax.set_title(label("title_problems", lg))
    if len(data) == 0:
        ax.text(0.5, 0.5, label("no_problems", lg), ha="center", va="center",
                transform=ax.transAxes)
        ax.set_xticks([])
        ax.set_yticks([])
        return ax
    y = np.arange(len(data))[::-1]
    left = np.zeros(len(data))
    for sev, colour in zip(_SEVERITIES, palette("severity"), strict=True):
        values = data[f"n_{sev}"].to_numpy(dtype=float)
        ax.barh(y, values, left=left, color=colour, height=0.7, label=label(sev, lg))
        left += values
    ax.set_yticks(y, list(data["code"]))
    ax.set_xlabel(label("problems", lg))
    ax.set_ylabel(label("problem_code", lg))
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.legend(title=label("severity", lg), loc="best")
    return ax


# --------------------------------------------------------------------- all figures


def figures_overview(
    corpus: Any,
    *,
    out_dir: str | os.PathLike[str] = "figures",
    lang: str | None = "zh",
    formats: tuple[str, ...] = ("png", "pdf", "svg"),
) -> list[Path]:
    """Build and save every figure of ``notebooks/01_corpus_overview.ipynb``.

    Each figure is drawn under :func:`weeklylib.paper_style` and saved with
    :func:`weeklylib.save_figure` together with the table it shows
    (``overview_articles_per_issue``, ``overview_outlets``,
    ``overview_lengths``, ``overview_problems``; ``.png/.pdf/.svg`` + ``.csv``).

    Parameters
    ----------
    corpus : Corpus
        From :func:`weeklylib.load_corpus` (uses ``documents``, ``articles``,
        ``problems``).
    out_dir : path-like, default "figures"
        Folder to write into (created).
    lang : {"zh", "en"} or None, default "zh"
        Language of labels.
    formats : tuple of str, default ("png", "pdf", "svg")
        Passed to :func:`weeklylib.save_figure`.

    Returns
    -------
    list of Path
        Every file written, sorted.
    """
    import matplotlib.pyplot as plt

    from weeklylib.figures import save_figure
    from weeklylib.theme import paper_style

    lg = resolve_lang(lang)
    jobs = [
        ("overview_articles_per_issue", plot_articles_per_issue,
         articles_per_issue_table(corpus.documents, lang=lg), (3.5, 2.6)),
        ("overview_outlets", plot_outlets, outlet_table(corpus.articles, lang=lg), (3.5, 3.0)),
        ("overview_lengths", plot_lengths, corpus.articles, (3.5, 2.4)),
        ("overview_problems", plot_problems, problem_table(corpus.problems), (3.5, 2.6)),
    ]
    written: list[Path] = []
    with paper_style(lang=lg):
        for name, plot, table, size in jobs:
            fig, ax = plt.subplots(figsize=size)
            try:
                plot(table, ax=ax, lang=lg)
                data = length_table(table) if plot is plot_lengths else table
                suffix = "" if lg == "zh" else "_en"  # as the other figure groups name them
                written += save_figure(fig, name + suffix, formats=formats, out_dir=out_dir,
                                       data=data)
            finally:
                plt.close(fig)
    return sorted(written)
