"""Co-occurrence counts and their normalisations, for any long table of (unit, item) rows.

A *unit* is what two items must share to co-occur: an article, a paragraph, a sentence (just a
different unit key, e.g. ``unit=["article_id", "sentence"]``) or a window of ``w`` consecutive
token positions (``window=w``).  Presence is boolean: an item that occurs five times in a unit
counts once for that unit.  With ``D_a`` the set of units containing ``a`` and ``N`` the
number of units:

==========================  =====================================================
measure                     formula
==========================  =====================================================
``count``                   ``n_ab = |D_a ∩ D_b|``
``jaccard``                 ``n_ab / |D_a ∪ D_b| = n_ab / (n_a + n_b − n_ab)``
``dice``                    ``2 n_ab / (n_a + n_b)``
``simpson``                 ``n_ab / min(n_a, n_b)``
``cosine``                  ``n_ab / sqrt(n_a · n_b)`` (Salton; CiteSpace)
``association_strength``    ``N · n_ab / (n_a · n_b)`` (observed / expected; VOSviewer)
``pmi``                     ``ln(N · n_ab / (n_a · n_b))``
``npmi``                    ``pmi / (−ln(n_ab / N))``, 1 when ``n_ab = N``
==========================  =====================================================

Counts are sparse-matrix products in int64 (``scipy.sparse``), so a million units and counts
far above 32,767 are fine.  Every result says what its unit was: ``.attrs["unit"]``, a
``unit`` column and :func:`describe_unit` for captions.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import sparse

MEASURES: tuple[str, ...] = (
    "count", "jaccard", "dice", "simpson", "cosine", "association_strength", "pmi", "npmi",
)
#: Columns of :func:`cooccurrence` before the measure columns.
COOC_COLUMNS: tuple[str, ...] = ("a", "b", "n_a", "n_b", "n_ab", "n_units")

_UNIT_NAMES = {
    ("article_id",): ("article", "文章"),
    ("doc_id",): ("document", "文档"),
    ("article_id", "paragraph"): ("paragraph", "段落"),
    ("article_id", "sentence"): ("sentence", "句子"),
    ("article_id", "paragraph", "sentence"): ("sentence", "句子"),
}
_MEASURE_NAMES = {
    "count": ("co-occurrence count", "共现次数"),
    "jaccard": ("Jaccard", "Jaccard 系数"),
    "dice": ("Dice", "Dice 系数"),
    "simpson": ("Simpson", "Simpson 系数"),
    "cosine": ("cosine (Salton)", "余弦（Salton）"),
    "association_strength": ("association strength", "关联强度"),
    "pmi": ("PMI", "点互信息 PMI"),
    "npmi": ("NPMI", "归一化点互信息 NPMI"),
}


def _as_cols(x: str | Sequence[str], name: str) -> tuple[str, ...]:
    if isinstance(x, str):
        return (x,)
    cols = tuple(x)
    if not cols or not all(isinstance(c, str) for c in cols):
        raise ValueError(f"{name} must be a column name or a list of column names; got {x!r}")
    return cols


def _need(df: pd.DataFrame, cols: Sequence[str], name: str) -> None:
    if not isinstance(df, pd.DataFrame):
        raise ValueError(f"{name} must be a DataFrame; got {type(df).__name__}")
    missing = [c for c in cols if c not in df]
    if missing:
        raise ValueError(f"{name} is missing column(s) {missing} (columns: {list(df.columns)})")


def unit_label(unit: Sequence[str], window: int | None = None, *, lang: str = "en") -> str:
    """Human name of a co-occurrence unit, e.g. ``"sentence"``/``"句子"`` or ``"±5 tokens"``."""
    if lang not in ("zh", "en"):
        raise ValueError(f"lang must be one of ('zh', 'en'); got {lang!r}")
    unit = tuple(unit)
    if window is not None:
        return f"±{window} 词窗口" if lang == "zh" else f"±{window}-token window"
    names = _UNIT_NAMES.get(unit)
    if names:
        return names[1] if lang == "zh" else names[0]
    return "+".join(unit)


def measure_label(measure: str, *, lang: str = "en") -> str:
    """Human name of a measure, e.g. ``"association strength"`` / ``"关联强度"``."""
    if measure not in _MEASURE_NAMES:
        raise ValueError(f"measure must be one of {MEASURES}; got {measure!r}")
    if lang not in ("zh", "en"):
        raise ValueError(f"lang must be one of ('zh', 'en'); got {lang!r}")
    return _MEASURE_NAMES[measure][1 if lang == "zh" else 0]


def describe_unit(table: pd.DataFrame, *, lang: str = "en") -> str:
    """Caption text stating the unit of a co-occurrence result and how many units there were.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"article_id": [1, 1, 2], "topic": ["x", "y", "x"]})
    >>> describe_unit(cooccurrence(t))
    'co-occurrence unit: article (N = 2)'
    >>> describe_unit(cooccurrence(t), lang="zh")
    '共现单位：文章（N = 2）'
    """
    unit = table.attrs.get("unit_columns", ())
    window = table.attrs.get("window")
    n = table.attrs.get("n_units")
    name = unit_label(unit, window, lang=lang)
    if lang == "zh":
        return f"共现单位：{name}（N = {n}）"
    return f"co-occurrence unit: {name} (N = {n})"


def _window_units(
    df: pd.DataFrame, base: tuple[str, ...], position: str, window: int
) -> tuple[np.ndarray, np.ndarray, int]:
    """(row index, window index) pairs: row belongs to windows starting at positions p−w..p."""
    pos = pd.to_numeric(df[position], errors="coerce")
    if pos.isna().any() or (pos < 0).any():
        raise ValueError(f"window: column {position!r} must hold non-negative integer positions")
    pos = pos.to_numpy(dtype=np.int64)
    grp, _ = _unit_codes([(df, None)], base)
    span = int(pos.max()) + window + 2 if len(pos) else 1
    key = grp * span + pos
    starts = np.unique(key)  # one window per distinct (group, position) present
    lo = np.searchsorted(starts, key - window, side="left")
    # windows starting before the group's first position do not exist: they belong to an
    # earlier group and key - window never crosses into it because span > max pos + window
    hi = np.searchsorted(starts, key, side="right")
    lengths = hi - lo
    rows = np.repeat(np.arange(len(key)), lengths)
    offs = np.arange(lengths.sum()) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    wins = np.repeat(lo, lengths) + offs
    return rows, wins, len(starts)


def _present(col: pd.Series) -> np.ndarray | None:
    """Row numbers where ``col`` is not missing, or ``None`` when nothing is missing."""
    na = col.isna().to_numpy()
    return np.flatnonzero(~na) if na.any() else None


def _column_codes(parts: list[tuple[pd.Series, np.ndarray | None]]) -> tuple[np.ndarray, int]:
    """Integer codes of the (selected rows of the) columns ``parts``, read one after the other,
    equal values alike and missing values one value of their own (as ``groupby(dropna=False)``);
    and an upper bound of the codes."""
    dtypes = {str(col.dtype) for col, _ in parts}
    first = parts[0][0]
    if isinstance(first.dtype, pd.CategoricalDtype) and len(dtypes) == 1 and all(
            col.dtype == first.dtype for col, _ in parts):
        codes = [col.cat.codes.to_numpy() for col, _ in parts]
        codes = [c if idx is None else c[idx] for c, (_, idx) in zip(codes, parts, strict=True)]
        joined = np.concatenate(codes) if len(codes) > 1 else codes[0]
        return joined.astype(np.int64) + 1, len(first.cat.categories) + 1  # NaN (-1) -> 0
    values = [col.to_numpy() for col, _ in parts]
    values = [v if idx is None else v[idx] for v, (_, idx) in zip(values, parts, strict=True)]
    joined = np.concatenate(values) if len(values) > 1 else values[0]
    if joined.dtype.kind in "iu" and len(joined):  # integers (e.g. sentence numbers): offsets
        lo, hi = int(joined.min()), int(joined.max())
        if hi - lo < 2**40:
            return joined.astype(np.int64) - lo, hi - lo + 1
    codes, uniques = pd.factorize(joined, use_na_sentinel=False)
    return codes.astype(np.int64), max(len(uniques), 1)


def _unit_codes(parts: list[tuple[pd.DataFrame, np.ndarray | None]], ucols: Sequence[str]
                ) -> tuple[np.ndarray, int]:
    """Dense codes (0, 1, ...) of the units of the selected rows of the frames ``parts`` (read
    one after the other) and the number of distinct units.

    The same grouping as ``groupby(ucols, dropna=False)``; the numbering differs but counts
    do not depend on it.  Unit columns are combined arithmetically (categoricals by their
    codes), and a table sorted by unit (tokens are) is numbered by its runs, without hashing.
    """
    key: np.ndarray | None = None
    radix = 1
    for c in ucols:
        codes, card = _column_codes([(frame[c], idx) for frame, idx in parts])
        if key is None:
            key, radix = codes, card
            continue
        if radix * card >= 2**62:  # renumber before the key could overflow
            key, uniques = pd.factorize(key)
            radix = max(len(uniques), 1)
        key = key * card + codes
        radix *= card
    assert key is not None
    if not len(key):
        return key, 0
    step = np.diff(key)
    if (step >= 0).all():  # sorted by unit: number the runs
        new = np.empty(len(key), dtype=np.int64)
        new[0] = 0
        np.not_equal(step, 0, out=new[1:])
        dense = np.cumsum(new)
        return dense, int(dense[-1]) + 1
    dense, uniques = pd.factorize(key)
    return dense.astype(np.int64), len(uniques)


def _item_codes(col: pd.Series, idx: np.ndarray | None) -> tuple[np.ndarray, pd.Index]:
    """Codes of the (selected, non-missing) values of ``col`` and the sorted labels, exactly
    as ``pd.factorize(values as objects, sort=True)`` gives them.

    A categorical column of strings (e.g. ``tokens["token"]``) is coded from its categories:
    no Python object per row.
    """
    dtype = col.dtype
    if isinstance(dtype, pd.CategoricalDtype) and (
            dtype.categories.dtype == object or pd.api.types.is_string_dtype(dtype.categories)):
        codes = col.cat.codes.to_numpy()
        if idx is not None:
            codes = codes[idx]
        n_cat = len(dtype.categories)
        present = np.flatnonzero(np.bincount(codes, minlength=n_cat)) if len(codes) else \
            np.zeros(0, dtype=np.int64)
        values = pd.Series(np.asarray(dtype.categories, dtype=object)[present], dtype=object)
        rank, labels = pd.factorize(values, sort=True)
        remap = np.full(n_cat, -1, dtype=np.int64)
        remap[present] = rank
        return remap[codes], labels
    values = col.to_numpy()
    if idx is not None:
        values = values[idx]
    codes, labels = pd.factorize(pd.Series(values, dtype=object), sort=True)
    return codes.astype(np.int64), labels


def _incidence(unit_codes: np.ndarray, item_codes: np.ndarray, n_units: int, n_items: int
               ) -> sparse.csr_matrix:
    """Unit × item presence matrix: one stored 1 per (unit, item) however often the item
    occurs in the unit; int32 indices, int32 data (int64 beyond 2**31 units)."""
    small = max(n_units, n_items, len(unit_codes)) < 2**31 - 1
    itype = np.int32 if small else np.int64
    m = sparse.coo_matrix(
        (np.ones(len(unit_codes), dtype=bool), (unit_codes.astype(itype, copy=False),
                                                item_codes.astype(itype, copy=False))),
        shape=(n_units, n_items),
    ).tocsr()  # sums duplicates: for bool data, a logical or
    m.sum_duplicates()
    m.data = np.ones(m.nnz, dtype=np.int32 if small else np.int64)
    return m


def _measures(n_a: np.ndarray, n_b: np.ndarray, n_ab: np.ndarray, n: int,
              measures: Sequence[str]) -> dict[str, np.ndarray]:
    a = n_a.astype(float)
    b = n_b.astype(float)
    ab = n_ab.astype(float)
    out: dict[str, np.ndarray] = {}
    with np.errstate(divide="ignore", invalid="ignore"):
        for m in measures:
            if m == "count":
                out[m] = n_ab.astype(np.int64)
            elif m == "jaccard":
                out[m] = ab / (a + b - ab)
            elif m == "dice":
                out[m] = 2 * ab / (a + b)
            elif m == "simpson":
                out[m] = ab / np.minimum(a, b)
            elif m == "cosine":
                out[m] = ab / np.sqrt(a * b)
            elif m == "association_strength":
                out[m] = n * ab / (a * b)
            elif m == "pmi":
                out[m] = np.log(n * ab / (a * b))
            elif m == "npmi":
                pmi = np.log(n * ab / (a * b))
                denom = -np.log(ab / n)
                out[m] = np.where(ab >= n, 1.0, pmi / np.where(denom == 0, 1.0, denom))
                out[m] = np.where(ab == 0, -1.0, out[m])
    return out


def cooccurrence(
    table: pd.DataFrame,
    *,
    unit: str | Sequence[str] = "article_id",
    item: str = "topic",
    measures: str | Sequence[str] = ("count",),
    window: int | None = None,
    position: str = "position",
    table_b: pd.DataFrame | None = None,
    item_b: str | None = None,
    n_units: int | None = None,
    min_count: int = 1,
) -> pd.DataFrame:
    """Co-occurrence of items within units, with normalised measures, as a tidy table.

    **Self** (default): pairs of items of ``table[item]``, each unordered pair once with
    ``a < b``.  **Cross**: give ``item_b`` (a second item column of ``table``) and/or
    ``table_b`` (a second long table with the same unit columns); then ``a`` comes from
    ``(table, item)`` and ``b`` from ``(table_b or table, item_b or item)``, e.g. topics ×
    regions.  Presence is boolean per unit.  The formulas (module docstring):

    - count: ``n_ab = |D_a ∩ D_b|``
    - jaccard: ``n_ab / (n_a + n_b − n_ab)``
    - dice: ``2 n_ab / (n_a + n_b)``
    - simpson: ``n_ab / min(n_a, n_b)``;  cosine: ``n_ab / sqrt(n_a n_b)``
    - association_strength: ``N n_ab / (n_a n_b)``
    - pmi: ``ln(N n_ab / (n_a n_b))``;  npmi: ``pmi / (−ln(n_ab / N))`` (1 if ``n_ab = N``)

    Parameters
    ----------
    table
        Long table with the unit column(s) and the item column: tags (``article_id, topic``),
        tokens (``article_id, sentence, position, token``), place mentions, ...
    unit
        Column(s) identifying a unit: ``"article_id"``; ``["article_id", "paragraph"]``;
        ``["article_id", "sentence"]``.  With ``window`` these columns delimit the sequence
        (usually the article) inside which windows slide.
    item
        Item column of ``table``.
    measures
        One or more of ``"count", "jaccard", "dice", "simpson", "cosine",
        "association_strength", "pmi", "npmi"``; one column each.
    window
        ``w >= 1``: a ±w token window.  Two tokens co-occur when their ``position`` values
        (within the same ``unit``) differ by at most ``w``.  Formally the units are the windows
        ``[p, p + w]`` starting at each distinct position ``p`` present in the table, so
        ``N`` = number of distinct (unit, position) and ``n_a`` = number of windows holding
        ``a``.  Requires ``position`` (not allowed with ``table_b``).
    position
        Token position column used with ``window``.
    table_b, item_b
        The second side of a cross table (see above).
    n_units
        Total number of units ``N`` when it is larger than the number of units appearing in
        the table(s) (e.g. ``len(articles)`` so that untagged articles count); default: the
        distinct units in the input.
    min_count
        Keep pairs with ``n_ab >= min_count`` (``0`` keeps every pair, also never co-occurring
        ones).

    Returns
    -------
    DataFrame
        ``a, b, n_a, n_b, n_ab, n_units``, one column per measure, and ``unit`` (the unit's
        name, e.g. ``"article"``, ``"sentence"``, ``"±5-token window"``), sorted by ``a, b``.
        Counts are int64.  ``.attrs`` holds ``unit`` (that name), ``unit_columns``,
        ``window``, ``n_units``, ``measures`` and ``kind`` (``"self"`` or ``"cross"``).

    Examples
    --------
    >>> import pandas as pd
    >>> tags = pd.DataFrame({"article_id": [1, 1, 2, 2, 3],
    ...                      "topic": ["ai", "data", "ai", "data", "ai"]})
    >>> cooccurrence(tags, measures=["count", "jaccard"])
        a     b  n_a  n_b  n_ab  n_units  count   jaccard     unit
    0  ai  data    3    2     2        3      2  0.666667  article
    """
    ucols = _as_cols(unit, "unit")
    if isinstance(measures, str):
        measures = (measures,)
    measures = tuple(measures)
    bad = [m for m in measures if m not in MEASURES]
    if bad or not measures:
        raise ValueError(f"measures must be among {MEASURES}; got {list(measures)!r}")
    if window is not None and (isinstance(window, bool) or not isinstance(window, (int, np.integer))
                               or window < 1):
        raise ValueError(f"window must be None or an integer >= 1; got {window!r}")
    if isinstance(min_count, bool) or not isinstance(min_count, (int, np.integer)) or min_count < 0:
        raise ValueError(f"min_count must be an integer >= 0; got {min_count!r}")
    cross = table_b is not None or item_b is not None
    if window is not None and table_b is not None:
        raise ValueError("window cannot be combined with table_b (use item_b on one table)")
    _need(table, (*ucols, item) + ((position,) if window is not None else ()), "table")
    tb = table_b if table_b is not None else table
    ib = item_b if item_b is not None else item
    if cross:
        _need(tb, (*ucols, ib), "table_b" if table_b is not None else "table")

    # ---- unit and item codes (rows with a missing item are left out)
    a_idx = _present(table[item])
    b_idx = _present(tb[ib]) if cross else a_idx
    if window is not None:
        rows, wins, n_found = _window_units(table, ucols, position, int(window))
        keep = np.ones(len(rows), dtype=bool) if a_idx is None else \
            ~table[item].isna().to_numpy()[rows]
        a_units = wins[keep]
        a_codes, a_labels = _item_codes(table[item], rows[keep])
        if cross:
            keep_b = ~table[ib].isna().to_numpy()[rows]
            b_units = wins[keep_b]
            b_codes, b_labels = _item_codes(table[ib], rows[keep_b])
    else:
        parts = [(table, a_idx)] + ([(tb, b_idx)] if cross else [])
        codes, n_found = _unit_codes(parts, ucols)
        n_a_rows = len(table) if a_idx is None else len(a_idx)
        a_units = codes[:n_a_rows]
        a_codes, a_labels = _item_codes(table[item], a_idx)
        if cross:
            b_units = codes[n_a_rows:]
            b_codes, b_labels = _item_codes(tb[ib], b_idx)
    if n_units is None:
        n_total = n_found
    else:
        if isinstance(n_units, bool) or not isinstance(n_units, (int, np.integer)) \
                or n_units < n_found:
            raise ValueError(
                f"n_units must be an integer >= the {n_found} units found in the input; "
                f"got {n_units!r}"
            )
        n_total = int(n_units)

    xa = _incidence(a_units, a_codes, max(n_found, 1), len(a_labels))
    na = np.bincount(xa.indices, minlength=len(a_labels)).astype(np.int64)
    if cross:
        xb = _incidence(b_units, b_codes, max(n_found, 1), len(b_labels))
        nb = np.bincount(xb.indices, minlength=len(b_labels)).astype(np.int64)
    else:
        xb, b_labels, nb = xa, a_labels, na
    del a_units, a_codes
    co = (xa.T @ xb).tocoo()
    ia, ib_, vab = co.row.astype(np.int64), co.col.astype(np.int64), co.data.astype(np.int64)
    if not cross:
        keep = ia < ib_
        ia, ib_, vab = ia[keep], ib_[keep], vab[keep]
    if min_count == 0:
        if cross:
            ga, gb = np.meshgrid(np.arange(len(a_labels)), np.arange(len(b_labels)),
                                 indexing="ij")
        else:
            ga, gb = np.triu_indices(len(a_labels), k=1)
        ga, gb = ga.ravel().astype(np.int64), gb.ravel().astype(np.int64)
        full = np.zeros((len(a_labels), len(b_labels)), dtype=np.int64) if len(ga) else None
        if full is not None:
            full[ia, ib_] = vab
            ia, ib_, vab = ga, gb, full[ga, gb]
    else:
        keep = vab >= min_count
        ia, ib_, vab = ia[keep], ib_[keep], vab[keep]
    order = np.lexsort((ib_, ia))
    ia, ib_, vab = ia[order], ib_[order], vab[order]
    out = pd.DataFrame(
        {
            "a": np.asarray(a_labels, dtype=object)[ia],
            "b": np.asarray(b_labels, dtype=object)[ib_],
            "n_a": na[ia],
            "n_b": nb[ib_],
            "n_ab": vab,
            "n_units": np.full(len(vab), n_total, dtype=np.int64),
        }
    )
    for name, values in _measures(out["n_a"].to_numpy(), out["n_b"].to_numpy(),
                                  out["n_ab"].to_numpy(), n_total, measures).items():
        out[name] = values
    uname = unit_label(ucols, window)
    out["unit"] = uname
    out.attrs.update(
        {
            "unit": uname,
            "unit_columns": ucols,
            "window": None if window is None else int(window),
            "n_units": n_total,
            "measures": measures,
            "kind": "cross" if cross else "self",
            "item": item,
            "item_b": ib if cross else item,
        }
    )
    return out


def _diagonal_values(n_a: np.ndarray, n: int, measure: str) -> np.ndarray:
    a = n_a.astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        if measure == "count":
            return a
        if measure in ("jaccard", "dice", "simpson", "cosine", "npmi"):
            return np.ones_like(a)
        if measure == "association_strength":
            return n / a
        return np.log(n / a)  # pmi


def _fill_for(measure: str) -> float:
    return {"pmi": np.nan, "npmi": -1.0}.get(measure, 0.0)


def cooccurrence_matrix(
    tidy: pd.DataFrame,
    measure: str = "jaccard",
    *,
    order: Sequence | None = None,
    order_b: Sequence | None = None,
    diagonal: str = "nan",
    fill: float | None = None,
) -> pd.DataFrame:
    """Pivot a :func:`cooccurrence` table to a matrix (square for self tables).

    Parameters
    ----------
    tidy
        Output of :func:`cooccurrence` holding the ``measure`` column.
    measure
        Which measure fills the cells.
    order, order_b
        Row (and, for cross tables, column) labels in the wanted order; default: sorted labels
        found in ``tidy``.  Labels not in ``tidy`` get the fill value.
    diagonal
        Self tables only: ``"nan"`` (default, keeps heatmaps readable) or ``"self"`` (the
        measure of an item with itself: ``count`` → ``n_a``, jaccard/dice/simpson/cosine/npmi
        → 1, association strength → ``N/n_a``, pmi → ``ln(N/n_a)``).
    fill
        Value for pairs that never co-occur; default 0 for counts and similarity measures,
        NaN for pmi (−∞), −1 for npmi.

    Returns
    -------
    DataFrame
        Rows ``a``, columns ``b``; self tables are symmetric.  ``.attrs`` keeps the unit and
        adds ``measure``.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"article_id": [1, 1, 2], "topic": ["x", "y", "x"]})
    >>> cooccurrence_matrix(cooccurrence(t, measures="count"), "count", diagonal="self")
         x    y
    x  2.0  1.0
    y  1.0  1.0
    """
    if not isinstance(tidy, pd.DataFrame):
        raise ValueError(f"tidy must be a DataFrame; got {type(tidy).__name__}")
    if measure not in MEASURES:
        raise ValueError(f"measure must be one of {MEASURES}; got {measure!r}")
    if measure not in tidy:
        raise ValueError(
            f"measure {measure!r} is not a column of tidy (compute it with "
            f"cooccurrence(..., measures=[..., {measure!r}]))"
        )
    if diagonal not in ("nan", "self"):
        raise ValueError(f"diagonal must be one of ('nan', 'self'); got {diagonal!r}")
    kind = tidy.attrs.get("kind", "self")
    fill_value = _fill_for(measure) if fill is None else fill
    if kind == "self":
        labels = list(order) if order is not None else sorted(set(tidy["a"]) | set(tidy["b"]))
        m = pd.DataFrame(fill_value, index=labels, columns=labels, dtype=float)
        idx = {k: i for i, k in enumerate(labels)}
        vals = m.to_numpy(copy=True)
        for a, b, v in zip(tidy["a"], tidy["b"], tidy[measure], strict=True):
            if a in idx and b in idx:
                vals[idx[a], idx[b]] = v
                vals[idx[b], idx[a]] = v
        diag = np.full(len(labels), np.nan)
        if diagonal == "self":
            n_item = {}
            for a, b, x, y in zip(tidy["a"], tidy["b"], tidy["n_a"], tidy["n_b"], strict=True):
                n_item[a], n_item[b] = x, y
            n = int(tidy["n_units"].iloc[0]) if len(tidy) else 0
            counts = np.array([n_item.get(k, np.nan) for k in labels], dtype=float)
            diag = _diagonal_values(counts, n, measure)
        vals[np.arange(len(labels)), np.arange(len(labels))] = diag
        m = pd.DataFrame(vals, index=labels, columns=labels)
    else:
        rows = list(order) if order is not None else sorted(set(tidy["a"]))
        cols = list(order_b) if order_b is not None else sorted(set(tidy["b"]))
        m = tidy.pivot_table(index="a", columns="b", values=measure, aggfunc="first")
        m = m.reindex(index=rows, columns=cols).astype(float).fillna(fill_value)
        m.index.name = None
        m.columns.name = None
    m.attrs.update({k: v for k, v in tidy.attrs.items()})
    m.attrs["measure"] = measure
    return m


def cooccurrence_network(
    tidy: pd.DataFrame,
    *,
    measure: str = "count",
    min_value: float | None = None,
    top_edges: int | None = None,
    seed: int = 0,
    resolution: float = 1.0,
    k: float | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Nodes and edges of a co-occurrence network, with communities and a seeded layout.

    Edges are the pairs of a self :func:`cooccurrence` table, weighted by ``measure``;
    communities come from greedy modularity maximisation (Clauset–Newman–Moore, networkx)
    on those weights, the layout from a spring layout with a fixed seed.  Nodes are added in
    sorted order, so the result is deterministic.

    Parameters
    ----------
    tidy
        A self co-occurrence table holding the ``measure`` column.
    measure
        Edge weight (must be positive for kept edges; pmi/npmi edges <= 0 are dropped).
    min_value
        Drop edges whose weight is below this value.
    top_edges
        Keep only the strongest ``top_edges`` edges (ties broken by ``a, b``).
    seed
        Seed of the spring layout.
    resolution
        Modularity resolution (> 1 favours smaller communities).
    k
        Optimal node distance of the spring layout (networkx default ``1/sqrt(n)``).

    Returns
    -------
    nodes, edges : DataFrame, DataFrame
        ``nodes``: ``node, n, degree, community, x, y`` (``n`` = units containing the node;
        communities numbered 0, 1, ... by decreasing size, then smallest node label).
        ``edges``: ``a, b, n_ab, weight``.  Both carry the unit in ``.attrs``.
    """
    import networkx as nx

    if measure not in tidy:
        raise ValueError(f"measure {measure!r} is not a column of tidy")
    if tidy.attrs.get("kind", "self") != "self":
        raise ValueError("cooccurrence_network needs a self co-occurrence table (no item_b)")
    e = tidy[["a", "b", "n_ab", measure]].rename(columns={measure: "weight"})
    e = e[np.isfinite(e["weight"]) & (e["weight"] > 0)]
    if min_value is not None:
        e = e[e["weight"] >= min_value]
    e = e.sort_values(["weight", "a", "b"], ascending=[False, True, True], kind="stable")
    if top_edges is not None:
        if isinstance(top_edges, bool) or not isinstance(top_edges, (int, np.integer)) \
                or top_edges < 1:
            raise ValueError(f"top_edges must be None or an integer >= 1; got {top_edges!r}")
        e = e.head(top_edges)
    e = e.sort_values(["a", "b"], kind="stable").reset_index(drop=True)
    n_item: dict = {}
    for a, b, x, y in zip(tidy["a"], tidy["b"], tidy["n_a"], tidy["n_b"], strict=True):
        n_item[a], n_item[b] = int(x), int(y)
    nodes = sorted(set(e["a"]) | set(e["b"]), key=str)
    g = nx.Graph()
    g.add_nodes_from(nodes)
    g.add_weighted_edges_from(zip(e["a"], e["b"], e["weight"].astype(float), strict=True))
    if g.number_of_edges():
        comms = nx.community.greedy_modularity_communities(g, weight="weight",
                                                           resolution=resolution)
    else:
        comms = [{n} for n in nodes]
    comms = sorted((sorted(c, key=str) for c in comms), key=lambda c: (-len(c), str(c[0])))
    cid = {n: i for i, c in enumerate(comms) for n in c}
    pos = nx.spring_layout(g, seed=seed, weight="weight", k=k) if nodes else {}
    node_df = pd.DataFrame(
        {
            "node": nodes,
            "n": [n_item.get(n, 0) for n in nodes],
            "degree": [g.degree(n) for n in nodes],
            "community": [cid[n] for n in nodes],
            "x": [float(pos[n][0]) for n in nodes],
            "y": [float(pos[n][1]) for n in nodes],
        }
    )
    node_df["n"] = node_df["n"].astype("int64")
    node_df["degree"] = node_df["degree"].astype("int64")
    node_df["community"] = node_df["community"].astype("int64")
    attrs = {k: v for k, v in tidy.attrs.items()}
    attrs["measure"] = measure
    node_df.attrs.update(attrs)
    e.attrs.update(attrs)
    return node_df, e


__all__ = [
    "MEASURES",
    "cooccurrence",
    "cooccurrence_matrix",
    "cooccurrence_network",
    "describe_unit",
    "measure_label",
    "unit_label",
]


