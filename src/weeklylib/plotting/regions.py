"""Figures for regions: a province tile-grid map and a bar chart of articles by province.

The tile map needs no boundary files: each province-level region is one square placed by the
editable layout ``weeklylib/data/province_tiles.csv`` (row, col, short names in Chinese and
English).  Every ``plot_*`` function draws on an Axes (``ax=``, or the current one) and returns
it; none of them saves — save with :func:`weeklylib.save_figure`.

Examples
--------
>>> import pandas as pd
>>> from weeklylib.plotting.regions import plot_province_tiles
>>> counts = pd.DataFrame({"province": ["山东省", "贵州省"], "n": [3, 1]})
>>> ax = plot_province_tiles(counts, lang="en")      # doctest: +SKIP
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from weeklylib.errors import DataFileError
from weeklylib.plotting._style import label as _label
from weeklylib.plotting._style import resolve_lang

__all__ = ["load_province_tiles", "plot_articles_by_province", "plot_province_tiles"]

#: Columns of :func:`load_province_tiles`.
TILE_COLUMNS: tuple[str, ...] = ("province", "adcode", "row", "col", "short_zh", "short_en")
#: Fill colour of provinces without a value.
MISSING_COLOR = "#d9d9d9"

_BUNDLED_TILES = "province_tiles.csv"
_TILE_SIZE = 0.92


def load_province_tiles(path: str | Path | None = None) -> pd.DataFrame:
    """Read the province tile layout.

    Parameters
    ----------
    path
        A CSV file in the format of the bundled ``weeklylib/data/province_tiles.csv`` (columns
        ``province, adcode, row, col, short_zh, short_en``; ``#`` comment lines); ``None``
        reads the bundled layout (34 province-level regions).

    Returns
    -------
    DataFrame
        Columns ``province, adcode, row, col, short_zh, short_en`` (``row``/``col`` int64),
        in file order.

    Raises
    ------
    FileNotFoundError
        ``path`` does not exist.
    weeklylib.errors.DataFileError
        Missing column, wrong number of fields, a row/col that is not a non-negative integer, a
        province or a grid cell used twice; names file and line.
    """
    from weeklylib.regions import _read_data_csv, _read_source

    text, source = _read_source(path, _BUNDLED_TILES)
    rows = _read_data_csv(text, source, TILE_COLUMNS)
    out = []
    seen_prov: dict[str, int] = {}
    seen_cell: dict[tuple[int, int], int] = {}
    for lineno, r in rows:
        for key in ("row", "col"):
            if not re.fullmatch(r"\d+", r[key]):
                raise DataFileError(
                    f"{key} must be a non-negative integer; got {r[key]!r}",
                    path=source, line=lineno,
                )
        if not r["province"]:
            raise DataFileError("empty province", path=source, line=lineno)
        if r["province"] in seen_prov:
            raise DataFileError(
                f"province {r['province']} already placed on line {seen_prov[r['province']]}",
                path=source, line=lineno,
            )
        cell = (int(r["row"]), int(r["col"]))
        if cell in seen_cell:
            raise DataFileError(
                f"cell (row {cell[0]}, col {cell[1]}) already used on line {seen_cell[cell]}",
                path=source, line=lineno,
            )
        seen_prov[r["province"]] = lineno
        seen_cell[cell] = lineno
        out.append({"province": r["province"], "adcode": r["adcode"], "row": cell[0],
                    "col": cell[1], "short_zh": r["short_zh"] or r["province"],
                    "short_en": r["short_en"] or r["province"]})
    df = pd.DataFrame(out, columns=list(TILE_COLUMNS))
    df["row"] = df["row"].astype("int64")
    df["col"] = df["col"].astype("int64")
    return df


def _tiles(tiles: pd.DataFrame | str | Path | None) -> pd.DataFrame:
    if tiles is None or isinstance(tiles, (str, Path)):
        return load_province_tiles(tiles)
    if isinstance(tiles, pd.DataFrame):
        missing = [c for c in TILE_COLUMNS if c not in tiles.columns]
        if missing:
            raise ValueError(f"tiles must have the columns {list(TILE_COLUMNS)}; missing {missing}")
        return tiles
    raise ValueError(f"tiles must be None, a path or a DataFrame; got {type(tiles).__name__}")


def _key_map(tiles: pd.DataFrame) -> dict[str, str]:
    """Any accepted spelling (full name, short zh/en, adcode) -> full province name."""
    out: dict[str, str] = {}
    for col in ("adcode", "short_en", "short_zh", "province"):
        for key, full in zip(tiles[col].astype(str), tiles["province"], strict=True):
            out[key] = full
    return out


def _values_by_province(values: Any, value: str, province: str,
                        tiles: pd.DataFrame) -> dict[str, float]:
    if isinstance(values, pd.Series):
        keys, nums = list(values.index), list(values.to_numpy())
    elif isinstance(values, pd.DataFrame):
        for name, col in (("province", province), ("value", value)):
            if col not in values.columns:
                raise ValueError(
                    f"{name} must be a column of values ({list(values.columns)}); got {col!r}"
                )
        keys, nums = values[province].tolist(), values[value].tolist()
    else:
        raise ValueError(
            f"values must be a DataFrame or a Series indexed by province; "
            f"got {type(values).__name__}"
        )
    kmap = _key_map(tiles)
    out: dict[str, float] = {}
    for k, v in zip(keys, nums, strict=True):
        if k is None or (isinstance(k, float) and np.isnan(k)) or k is pd.NA:
            continue
        full = kmap.get(str(k))
        if full is None:
            raise ValueError(
                "values name a province that is not in the tile layout (use full names such as "
                f"'山东省', short names such as '山东', English names or adcodes); got {k!r}"
            )
        if full in out:
            raise ValueError(f"values list province {full!r} more than once (as {k!r})")
        try:
            num = float(v)
        except (TypeError, ValueError):
            raise ValueError(f"value of {full!r} must be a number; got {v!r}") from None
        if not np.isnan(num):
            out[full] = num
    return out


def _get_ax(ax: Any) -> Any:
    if ax is None:
        import matplotlib.pyplot as plt

        ax = plt.gca()
    return ax


def _default_label(value: str, lang: str) -> str:
    return _label("articles", lang) if value in ("n", "n_articles") else value


def _fmt(v: float) -> str:
    return f"{int(v)}" if float(v).is_integer() else f"{v:.3g}"


def plot_province_tiles(
    values: pd.DataFrame | pd.Series,
    *,
    value: str = "n",
    province: str = "province",
    ax: Any = None,
    lang: str | None = "zh",
    cmap: str | Any = "viridis",
    label: str | None = None,
    title: str | None = None,
    vmin: float | None = None,
    vmax: float | None = None,
    annotate: bool = True,
    tiles: pd.DataFrame | str | Path | None = None,
) -> Any:
    """Draw a value per province as a tile-grid map (one square per province-level region).

    Parameters
    ----------
    values
        A DataFrame with a ``province`` column and a ``value`` column (e.g. the output of
        :func:`weeklylib.regions.articles_by_province` with ``value="n_articles"``), or a Series
        indexed by province.  Provinces may be written in full (山东省), short (山东), in English
        (Shandong) or as adcodes; rows with a missing province are ignored.
    value
        Column holding the numbers (ignored for a Series).
    province
        Column holding the province.
    ax
        Axes to draw on; the current Axes by default.
    lang
        ``"zh"`` (default) or ``"en"``: tile labels (``short_zh`` / ``short_en`` of the layout)
        and the default colour-bar label.
    cmap
        Matplotlib colormap (name or object) for the values.
    label
        Colour-bar label; by default 文章数 / Articles for ``n`` and ``n_articles``, else the
        column name.
    title
        Axes title (none by default).
    vmin, vmax
        Colour scale limits; the data range by default.
    annotate
        Write the value under each province's name.
    tiles
        Layout: ``None`` (bundled), a path or a DataFrame from :func:`load_province_tiles`.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes, with one ``Rectangle`` patch per province (provinces without a value are
        filled with :data:`MISSING_COLOR`) and a colour bar (absent when no province has a
        value).

    Raises
    ------
    ValueError
        Unknown ``lang``; ``value`` or ``province`` not a column; a province not in the layout or
        listed twice; a value that is not a number.
    """
    from matplotlib import colormaps
    from matplotlib.cm import ScalarMappable
    from matplotlib.colors import Normalize, to_rgb
    from matplotlib.patches import Rectangle

    lg = resolve_lang(lang)
    layout = _tiles(tiles)
    data = _values_by_province(values, value, province, layout)
    ax = _get_ax(ax)
    cm = colormaps[cmap] if isinstance(cmap, str) else cmap
    nums = list(data.values())
    lo = vmin if vmin is not None else (min(nums) if nums else 0.0)
    hi = vmax if vmax is not None else (max(nums) if nums else 1.0)
    if hi <= lo:
        hi = lo + 1.0
    norm = Normalize(vmin=lo, vmax=hi)
    name_col = f"short_{lg}"
    n_rows = int(layout["row"].max()) + 1
    for full, row, col, short in zip(layout["province"], layout["row"], layout["col"],
                                     layout[name_col], strict=True):
        y = n_rows - 1 - int(row)
        v = data.get(full)
        face = MISSING_COLOR if v is None else cm(norm(v))
        ax.add_patch(Rectangle((int(col), y), _TILE_SIZE, _TILE_SIZE, facecolor=face,
                               edgecolor="white", linewidth=1.0, label=full))
        rgb = np.asarray(to_rgb(face))
        dark = float(rgb @ np.array([0.299, 0.587, 0.114])) < 0.5
        colour = "white" if dark else "black"
        text = str(short).replace(" ", "\n") if lg == "en" else str(short)
        cx, cy = int(col) + _TILE_SIZE / 2, y + _TILE_SIZE / 2
        if annotate and v is not None:
            ax.text(cx, cy + 0.13, text, ha="center", va="center", fontsize=7, color=colour)
            ax.text(cx, cy - 0.22, _fmt(v), ha="center", va="center", fontsize=7, color=colour)
        else:
            ax.text(cx, cy, text, ha="center", va="center", fontsize=7, color=colour)
    n_cols = int(layout["col"].max()) + 1
    ax.set_xlim(-0.1, n_cols + 0.02)
    ax.set_ylim(-0.1, n_rows + 0.02)
    ax.set_aspect("equal")
    ax.set_axis_off()
    if title:
        ax.set_title(title)
    if nums:
        sm = ScalarMappable(norm=norm, cmap=cm)
        sm.set_array(np.asarray(nums))
        cbar = ax.figure.colorbar(sm, ax=ax, shrink=0.6)
        cbar.set_label(label if label is not None else _default_label(value, lg))
        if all(float(v).is_integer() for v in nums):
            from matplotlib.ticker import MaxNLocator

            cbar.locator = MaxNLocator(integer=True)
            cbar.update_ticks()
    return ax


def plot_articles_by_province(
    table: pd.DataFrame,
    *,
    value: str = "n_articles",
    province: str = "province",
    ax: Any = None,
    lang: str | None = "zh",
    top: int | None = None,
    color: str = "#0072B2",
    title: str | None = None,
    tiles: pd.DataFrame | str | Path | None = None,
) -> Any:
    """Horizontal bar chart of a count per province, largest at the top.

    Parameters
    ----------
    table
        Output of :func:`weeklylib.regions.articles_by_province` (with or without ``period``:
        counts of several periods are summed) or any table with ``province`` and ``value``.
    value
        Column with the numbers.
    province
        Column with the province (full names; labels such as 两岸 are shown as written).
    ax
        Axes to draw on; the current Axes by default.
    lang
        ``"zh"`` (default) or ``"en"``: bar labels from the tile layout's short names and the
        axis label.
    top
        Show only the ``top`` largest (ties broken by name); all by default.  The chart has
        one bar per distinct value of ``province``: at most one per province-level region
        (34, plus labels such as 两岸 in a ``by="region"`` table) for the output of
        :func:`weeklylib.regions.articles_by_province`, whatever the corpus; give ``top`` for a
        longer table (cities).
    color
        Bar colour.
    title
        Axes title (none by default).
    tiles
        Layout giving the short names (see :func:`plot_province_tiles`).

    Returns
    -------
    matplotlib.axes.Axes
        One bar per province; y tick labels are the provinces' short names.

    Raises
    ------
    ValueError
        Unknown ``lang``, missing column, or ``top`` not a positive integer.
    """
    lg = resolve_lang(lang)
    if not isinstance(table, pd.DataFrame):
        raise ValueError(f"table must be a DataFrame; got {type(table).__name__}")
    for name, col in (("province", province), ("value", value)):
        if col not in table.columns:
            raise ValueError(
                f"{name} must be a column of table ({list(table.columns)}); got {col!r}"
            )
    if top is not None and (isinstance(top, bool) or not isinstance(top, int) or top < 1):
        raise ValueError(f"top must be None or a positive integer; got {top!r}")
    layout = _tiles(tiles)
    names = dict(zip(layout["province"], layout[f"short_{lg}"], strict=True))
    data = table[table[province].notna()]
    sums = data.groupby(province, sort=True)[value].sum()
    order = sorted(sums.index, key=lambda k: (-float(sums[k]), str(k)))
    if top is not None:
        order = order[:top]
    ax = _get_ax(ax)
    order = order[::-1]  # bottom to top: the largest bar at the top
    ys = np.arange(len(order))
    widths = [float(sums[k]) for k in order]
    ax.barh(ys, widths, color=color)
    if all(w.is_integer() for w in widths):
        from matplotlib.ticker import MaxNLocator

        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_yticks(ys)
    ax.set_yticklabels([str(names.get(k, k)) for k in order])
    ax.set_xlabel(_default_label(value, lg))
    ax.set_ylabel(_label("province", lg))
    if title:
        ax.set_title(title)
    return ax
