"""Word clouds of Chinese terms, deterministic and with the Simplified-Chinese font.

A word cloud is drawn from a term-frequency table, so a cloud per topic,
period or region is just a filter of that table before the call::

    import weeklylib as wl
    from weeklylib.plotting.wordcloud import plot_wordcloud

    tf = wl.term_frequencies(tokens)                        # term -> weight table
    ax = plot_wordcloud(tf)                                  # the whole corpus
    ax = plot_wordcloud(tf[tf["topic"] == "智慧医院"])          # one topic (tf with a topic column)
    ax = plot_wordcloud(tf.query("period == '2025-07'"))     # one period
    s = tf.groupby("term")["n_tokens"].sum()                 # or any Series term -> weight
    ax = plot_wordcloud(s, stopwords={"医院", "发展"}, max_words=50)
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from weeklylib.plotting._style import SEQUENTIAL_CMAP, label, resolve_lang

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

__all__ = ["TERM_COLUMNS", "WEIGHT_COLUMNS", "plot_wordcloud", "wordcloud_frequencies"]

#: Column names recognised as the term, in order of preference.
TERM_COLUMNS: tuple[str, ...] = ("term", "token", "keyword", "word")
#: Column names recognised as the weight, in order of preference.
WEIGHT_COLUMNS: tuple[str, ...] = (
    "weight", "tfidf", "score", "n", "count", "n_tokens", "n_occurrences", "frequency",
    "n_articles", "n_documents",
)


def wordcloud_frequencies(
    frequencies: pd.Series | pd.DataFrame | Mapping[str, float],
    *,
    stopwords: Iterable[str] | None = None,
    max_words: int = 100,
    term: str | None = None,
    weight: str | None = None,
) -> pd.Series:
    """The terms and weights a word cloud shows (the table behind the figure).

    Parameters
    ----------
    frequencies : Series, DataFrame or mapping
        ``term -> weight``: a Series indexed by term, a mapping, or a
        DataFrame with a term column (`term`, else one of
        :data:`TERM_COLUMNS`) and a weight column (`weight`, else one of
        :data:`WEIGHT_COLUMNS`, else its only numeric column).  Weights of
        repeated terms (e.g. one row per topic) are summed.
    stopwords : iterable of str, optional
        Terms to leave out.
    max_words : int, default 100
        Keep the heaviest this many terms.
    term, weight : str, optional
        Column names, for a DataFrame whose columns are not recognised.

    Returns
    -------
    Series
        Weights indexed by term (name ``"weight"``), heaviest first, ties by
        term; only positive weights.

    Raises
    ------
    ValueError
        If the input shape or the columns cannot be understood, or
        `max_words` is not a positive integer.
    """
    if isinstance(max_words, bool) or not isinstance(max_words, int | np.integer) or max_words < 1:
        raise ValueError(f"max_words must be a positive integer, got {max_words!r}")
    if isinstance(frequencies, pd.DataFrame):
        tcol = term or next((c for c in TERM_COLUMNS if c in frequencies.columns), None)
        if tcol is None or tcol not in frequencies.columns:
            raise ValueError(
                f"term must name a column of frequencies (looked for {term or TERM_COLUMNS}), "
                f"got columns {list(frequencies.columns)}"
            )
        wcol = weight or next((c for c in WEIGHT_COLUMNS if c in frequencies.columns), None)
        if wcol is None:
            numeric = [c for c in frequencies.select_dtypes("number").columns if c != tcol]
            wcol = numeric[0] if len(numeric) == 1 else None
        if wcol is None or wcol not in frequencies.columns:
            raise ValueError(
                f"weight must name a numeric column of frequencies (looked for "
                f"{weight or WEIGHT_COLUMNS}), got columns {list(frequencies.columns)}"
            )
        series = frequencies.groupby(frequencies[tcol].astype(str))[wcol].sum()
    elif isinstance(frequencies, pd.Series):
        series = frequencies.groupby(frequencies.index.astype(str)).sum()
    elif isinstance(frequencies, Mapping):
        series = pd.Series(dict(frequencies), dtype="float64")
        series = series.groupby(series.index.astype(str)).sum()
    else:
        raise ValueError(
            "frequencies must be a pandas Series, DataFrame or a mapping term -> weight, "
            f"got {type(frequencies).__name__}"
        )
    series = pd.to_numeric(series, errors="coerce").astype("float64")
    series.index = series.index.str.strip()
    drop = set(stopwords or ()) | {""}
    series = series[~series.index.isin(drop) & (series > 0)]
    series = series.groupby(level=0).sum()
    frame = series.rename("weight").rename_axis("term").reset_index()
    frame = frame.sort_values(["weight", "term"], ascending=[False, True], kind="mergesort")
    frame = frame.head(int(max_words))
    return frame.set_index("term")["weight"]


def plot_wordcloud(
    frequencies: pd.Series | pd.DataFrame | Mapping[str, float],
    *,
    ax: Axes | None = None,
    stopwords: Iterable[str] | None = None,
    max_words: int = 100,
    seed: int = 0,
    font_path: str | os.PathLike[str] | None = None,
    width: int = 800,
    height: int = 500,
    colormap: str = SEQUENTIAL_CMAP,
    lang: str | None = "zh",
    term: str | None = None,
    weight: str | None = None,
) -> Axes:
    """Draw a word cloud of Chinese terms on an Axes.

    Parameters
    ----------
    frequencies : Series, DataFrame or mapping
        Term weights; see :func:`wordcloud_frequencies` (filter the table
        first for one topic, period or region).
    ax : matplotlib Axes, optional
        Axes to draw on; the current one by default.
    stopwords : iterable of str, optional
        Terms to leave out.
    max_words : int, default 100
        Number of terms shown (the heaviest).
    seed : int, default 0
        Random seed of the layout and colours: the same input and seed give
        the same image.
    font_path : path-like, optional
        Font file for the terms.  Default: the theme's CJK font as a
        standalone file with the Simplified-Chinese face
        (:func:`weeklylib.theme.cjk_font_file`; PIL would otherwise open the
        Japanese face 0 of a ``.ttc``).
    width, height : int, default 800, 500
        Size of the image in pixels.
    colormap : str, default "viridis"
        Matplotlib colormap the term colours are drawn from (its lightest
        fifth is left out, so every term stays readable on white).
    lang : {"zh", "en"} or None, default "zh"
        Language of the placeholder text when no term is left.
    term, weight : str, optional
        Column names for a DataFrame (see :func:`wordcloud_frequencies`).

    Returns
    -------
    matplotlib Axes
        With the cloud as its only image (``ax.images[0]``) and no axis lines.

    Examples
    --------
    >>> import pandas as pd
    >>> tf = pd.DataFrame({"term": ["智慧医院", "互联网医院", "数据"], "n": [30, 20, 10]})
    >>> ax = plot_wordcloud(tf, stopwords={"数据"}, seed=1)     # doctest: +SKIP
    """
    from wordcloud import WordCloud

    lg = resolve_lang(lang)
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer):
        raise ValueError(f"seed must be an integer, got {seed!r}")
    for name, value in (("width", width), ("height", height)):
        if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 16:
            raise ValueError(f"{name} must be an integer >= 16, got {value!r}")
    freqs = wordcloud_frequencies(frequencies, stopwords=stopwords, max_words=max_words,
                                  term=term, weight=weight)
    if ax is None:
        import matplotlib.pyplot as plt

        ax = plt.gca()
    ax.set_axis_off()
    if freqs.empty:
        ax.text(0.5, 0.5, label("no_terms", lg), ha="center", va="center", transform=ax.transAxes)
        return ax

    if font_path is None:
        from weeklylib.theme import cjk_font_file

        found = cjk_font_file()
        if found is None:
            raise ValueError("font_path must be given: no CJK font was found on this machine")
        font_path = found
    font_path = os.fspath(font_path)
    if not Path(font_path).is_file():
        raise ValueError(f"font_path must be an existing font file, got {font_path!r}")
    _warn_missing_glyphs(font_path, freqs.index)

    cloud = WordCloud(
        font_path=font_path,
        width=int(width),
        height=int(height),
        max_words=len(freqs),
        random_state=int(seed),
        background_color="white",
        color_func=_colour_func(colormap),
        prefer_horizontal=1.0,
        relative_scaling=0.5,
        collocations=False,
        normalize_plurals=False,
        include_numbers=True,
        margin=4,
    )
    cloud.generate_from_frequencies(freqs.to_dict())
    ax.imshow(cloud.to_array(), interpolation="bilinear")
    return ax


def _colour_func(colormap: str):
    import matplotlib as mpl

    try:
        cmap = mpl.colormaps[colormap]
    except KeyError:
        raise ValueError(f"colormap must be a matplotlib colormap name, got {colormap!r}") from None

    def colour(word, font_size, position, orientation, random_state=None, **kwargs) -> str:
        r, g, b, _ = cmap(random_state.uniform(0.0, 0.8))
        return f"rgb({round(r * 255)}, {round(g * 255)}, {round(b * 255)})"

    return colour


def _warn_missing_glyphs(font_path: str, terms: Any) -> None:
    from matplotlib import ft2font

    charmap = ft2font.FT2Font(font_path).get_charmap()
    missing = sorted({ch for t in terms for ch in t if not ch.isspace() and ord(ch) not in charmap})
    if missing:
        warnings.warn(
            f"font {font_path} has no glyph for {''.join(missing)!r}; these characters show as "
            "boxes in the word cloud (install mplfonts or a full Noto Sans CJK SC font)",
            UserWarning,
            stacklevel=3,
        )
