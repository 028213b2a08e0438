"""Term and document frequencies, TF-IDF keywords, keyness between groups, keyword in context.

All functions take the ``tokens`` table of :func:`weeklylib.tokenize` (columns ``article_id``,
``token``, ``is_stopword``, ...) and return tidy DataFrames.  Grouping columns (period, region,
outlet, ...) can be columns of ``tokens`` or of an ``articles`` table passed with
``articles=`` (joined on ``article_id``).  :func:`kwic` works on the article text itself.

Examples
--------
>>> import pandas as pd
>>> import weeklylib as wl
>>> arts = pd.DataFrame({"article_id": ["a", "b"],
...                      "body": ["推进医共体建设。", "医共体和医联体"]})
>>> tokens = wl.tokenize(arts, cache=False)
>>> wl.term_frequencies(tokens)[["term", "n", "n_docs"]]
  term  n  n_docs
0  医共体  2       2
1  医联体  1       1
2   建设  1       1
3   推进  1       1
>>> wl.kwic(arts, "医共体", window=2)
  article_id left match right  start  end
0          a   推进   医共体    建设      2    5
1          b        医共体    和医      0    3
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = [
    "KEYNESS_STATISTICS",
    "KWIC_COLUMNS",
    "keyness",
    "kwic",
    "term_frequencies",
    "tfidf_keywords",
]

#: Allowed values of ``keyness(statistic=...)``.
KEYNESS_STATISTICS: tuple[str, ...] = ("g2", "chi2")
#: Columns of :func:`kwic`.
KWIC_COLUMNS: tuple[str, ...] = ("article_id", "left", "match", "right", "start", "end")
_IDF_UNITS = ("article", "group")


# --------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------


def _as_list(by: str | Sequence[str] | None, name: str) -> list[str]:
    if by is None:
        return []
    if isinstance(by, str):
        return [by]
    if isinstance(by, Sequence) and all(isinstance(b, str) for b in by):
        return list(by)
    raise ValueError(f"{name} must be a column name, a list of column names or None; got {by!r}")


def _check_int(value: Any, name: str, minimum: int, *, allow_none: bool = False) -> None:
    if value is None and allow_none:
        return
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        allowed = f"an int >= {minimum}" + (" or None" if allow_none else "")
        raise ValueError(f"{name} must be {allowed}; got {value!r}")


def _prepare(
    tokens: pd.DataFrame,
    cols: list[str],
    *,
    articles: Any,
    drop_stopwords: bool,
    min_chars: int,
) -> pd.DataFrame:
    """Filtered tokens: ``article_id``, ``term`` (categorical) and the grouping ``cols``.

    Works on category codes where it can, so a tokens table of millions of rows is never
    turned into Python strings row by row.
    """
    import numpy as np
    import pandas as pd

    if not isinstance(tokens, pd.DataFrame):
        raise ValueError(
            f"tokens must be a DataFrame from weeklylib.tokenize, got {type(tokens).__name__}"
        )
    for c in ("article_id", "token"):
        if c not in tokens.columns:
            raise ValueError(f"tokens lacks column {c!r}; it has {list(tokens.columns)}")
    if not isinstance(drop_stopwords, bool):
        raise ValueError(f"drop_stopwords must be True or False, got {drop_stopwords!r}")
    _check_int(min_chars, "min_chars", 1)
    keep = ["article_id", "token"] + [c for c in cols if c in tokens.columns and c != "article_id"]
    term = tokens["token"]
    if not isinstance(term.dtype, pd.CategoricalDtype):
        term = term.astype("str").astype("category")
    cats = pd.Index(term.cat.categories.astype("str"))
    codes = term.cat.codes.to_numpy()
    mask = codes >= 0
    if drop_stopwords:
        if "is_stopword" in tokens.columns:
            mask &= ~tokens["is_stopword"].to_numpy(dtype=bool)
        else:
            from weeklylib.segment import is_stopword, load_stopwords

            stop = load_stopwords()
            stop_cat = np.fromiter((is_stopword(t, stop) for t in cats), bool, len(cats))
            mask &= ~stop_cat[np.maximum(codes, 0)]
    if min_chars > 1:
        mask &= (cats.str.len().to_numpy() >= min_chars)[np.maximum(codes, 0)]
    df = tokens.loc[mask, keep].copy()
    df["term"] = pd.Categorical.from_codes(codes[mask], categories=cats)
    df = df.drop(columns="token")
    missing = [c for c in cols if c not in df.columns]
    if missing:
        frame = getattr(articles, "articles", articles)
        if frame is None:
            raise ValueError(
                f"column(s) {missing} are not in tokens; add them to tokens or pass articles= "
                "with an article_id column and these columns"
            )
        if not isinstance(frame, pd.DataFrame) or "article_id" not in frame.columns:
            raise ValueError("articles must be a DataFrame (or Corpus) with an article_id column")
        absent = [c for c in missing if c not in frame.columns]
        if absent:
            raise ValueError(f"column(s) {absent} are neither in tokens nor in articles")
        extra = (
            frame[["article_id", *missing]].drop_duplicates("article_id").set_index("article_id")
        )
        aid = df["article_id"]
        if isinstance(aid.dtype, pd.CategoricalDtype):
            # look each article up once, then spread by category code
            per_cat = extra.reindex(pd.Index(aid.cat.categories))
            pos = aid.cat.codes.to_numpy()
            for c in missing:
                df[c] = per_cat[c].iloc[pos].to_numpy()
        else:
            looked_up = extra.reindex(pd.Index(aid))
            for c in missing:
                df[c] = looked_up[c].to_numpy()
    return df


def _uniq(cols: list[str]) -> list[str]:
    return list(dict.fromkeys(cols))


# --------------------------------------------------------------------------------------------
# term frequencies
# --------------------------------------------------------------------------------------------


def term_frequencies(
    tokens: pd.DataFrame,
    *,
    by: str | Sequence[str] | None = None,
    drop_stopwords: bool = True,
    min_chars: int = 1,
    articles: Any = None,
) -> pd.DataFrame:
    """Count every term, overall or per group.

    Parameters
    ----------
    tokens
        The table from :func:`weeklylib.tokenize`.
    by
        Column name(s) to count within (e.g. ``"period"``, ``["region", "source"]``, or
        ``"article_id"``); ``None`` counts over everything.  Columns not in ``tokens`` are
        joined from ``articles`` on ``article_id``.
    drop_stopwords
        Leave out tokens with ``is_stopword`` (stop list, punctuation, numbers).
    min_chars
        Leave out terms shorter than this many characters (2 drops single characters).
    articles
        DataFrame or Corpus supplying the ``by`` columns.

    Returns
    -------
    pandas.DataFrame
        Columns ``*by, term, n, n_docs, share, doc_share``: ``n`` occurrences, ``n_docs``
        articles containing the term, ``share = n / (tokens counted in the group)``,
        ``doc_share = n_docs / (articles of the group with at least one counted token)``.
        Sorted by the ``by`` columns, then ``n`` descending, then ``term``.

    Examples
    --------
    >>> import pandas as pd
    >>> from weeklylib.keywords import term_frequencies
    >>> toks = pd.DataFrame({"article_id": ["a", "a", "b"], "token": ["医保", "医保", "医保"],
    ...                      "is_stopword": [False, False, False]})
    >>> term_frequencies(toks)
      term  n  n_docs  share  doc_share
    0   医保  3       2    1.0        1.0
    """
    keys = _as_list(by, "by")
    df = _prepare(
        tokens, keys, articles=articles, drop_stopwords=drop_stopwords, min_chars=min_chars
    )
    return _frequencies(df, keys)


def _frequencies(df: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    import pandas as pd

    cols = [*keys, "term"]
    if df.empty:
        return pd.DataFrame(
            {
                **{k: pd.Series([], dtype=df[k].dtype) for k in keys},
                "term": pd.Series([], dtype="str"),
                "n": pd.Series([], dtype="int64"),
                "n_docs": pd.Series([], dtype="int64"),
                "share": pd.Series([], dtype="float64"),
                "doc_share": pd.Series([], dtype="float64"),
            }
        )
    n = df.groupby(cols, sort=False, dropna=False, observed=True).size().rename("n")
    n_docs = (
        df[_uniq([*cols, "article_id"])]
        .drop_duplicates()
        .groupby(cols, sort=False, dropna=False, observed=True)
        .size()
    ).rename("n_docs")
    out = pd.concat([n, n_docs], axis=1).reset_index()
    if keys:
        tot = (
            df.groupby(keys, sort=False, dropna=False, observed=True)
            .size()
            .rename("_tot")
            .reset_index()
        )
        docs = (
            df[_uniq([*keys, "article_id"])]
            .drop_duplicates()
            .groupby(keys, sort=False, dropna=False, observed=True)
            .size()
            .rename("_docs")
            .reset_index()
        )
        out = out.merge(tot, on=keys, how="left").merge(docs, on=keys, how="left")
    else:
        out["_tot"] = len(df)
        out["_docs"] = df["article_id"].nunique()
    out["share"] = out["n"] / out["_tot"]
    out["doc_share"] = out["n_docs"] / out["_docs"]
    out = out.drop(columns=["_tot", "_docs"])
    out["n"] = out["n"].astype("int64")
    out["n_docs"] = out["n_docs"].astype("int64")
    out["term"] = out["term"].astype("str")
    out = out.sort_values(
        [*keys, "n", "term"], ascending=[True] * len(keys) + [False, True], kind="mergesort"
    )
    return out.reset_index(drop=True)[[*keys, "term", "n", "n_docs", "share", "doc_share"]]


# --------------------------------------------------------------------------------------------
# TF-IDF
# --------------------------------------------------------------------------------------------


def tfidf_keywords(
    tokens: pd.DataFrame,
    *,
    by: str | Sequence[str] = "article_id",
    top: int | None = 10,
    idf: str = "article",
    drop_stopwords: bool = True,
    min_chars: int = 2,
    min_df: int = 1,
    articles: Any = None,
) -> pd.DataFrame:
    """The most distinctive terms of each article or group, by TF-IDF.

    For a term *t* and a group *g* (an article when ``by="article_id"``)::

        tf(t, g)  = n(t, g) / N_g                 relative frequency; N_g = tokens counted in g
        idf(t)    = ln((1 + D) / (1 + df(t))) + 1  smoothed (as scikit-learn's smooth_idf)
        tfidf     = tf(t, g) * idf(t)

    With ``idf="article"`` (default) *D* is the number of articles in ``tokens`` and *df(t)*
    the number of articles containing *t*, whatever ``by`` is: a stable idf even with few
    groups.  With ``idf="group"`` *D* is the number of groups (with at least one counted token)
    and *df(t)* the number of groups containing *t* (each group treated as one document).
    The ``+1`` terms keep every idf positive and finite.

    Parameters
    ----------
    tokens
        The table from :func:`weeklylib.tokenize`.
    by
        Column name(s) defining the groups: ``"article_id"`` (default), or e.g. ``"period"``,
        ``"region"``, ``"source"`` (joined from ``articles`` when not in ``tokens``).
    top
        Keep the ``top`` best terms per group; ``None`` keeps all.
    idf
        ``"article"`` or ``"group"``: the documents over which idf is counted (see above).
    drop_stopwords
        Leave out tokens flagged ``is_stopword``.
    min_chars
        Leave out terms shorter than this (default 2: single characters are rarely keywords).
    min_df
        Leave out terms found in fewer than ``min_df`` documents (in the ``idf`` sense).
    articles
        DataFrame or Corpus supplying the ``by`` columns.

    Returns
    -------
    pandas.DataFrame
        Columns ``*by, rank, term, n, df, tf, idf, tfidf``; ``rank`` is 1 for the highest
        ``tfidf`` of the group (ties broken by term).  Sorted by ``by`` then ``rank``.

    Examples
    --------
    >>> import pandas as pd
    >>> from weeklylib.keywords import tfidf_keywords
    >>> toks = pd.DataFrame({"article_id": ["a", "a", "b", "b"],
    ...                      "token": ["医保", "医院", "医院", "医联体"],
    ...                      "is_stopword": [False] * 4})
    >>> tfidf_keywords(toks, top=1)[["article_id", "rank", "term", "tfidf"]].round(3)
      article_id  rank term  tfidf
    0          a     1   医保  0.703
    1          b     1  医联体  0.703
    """
    import numpy as np

    keys = _as_list(by, "by")
    if not keys:
        raise ValueError("by must name at least one column (e.g. 'article_id'); got an empty list")
    _check_int(top, "top", 1, allow_none=True)
    _check_int(min_df, "min_df", 1)
    if idf not in _IDF_UNITS:
        raise ValueError(f"idf must be one of {_IDF_UNITS}; got {idf!r}")
    df = _prepare(
        tokens, keys, articles=articles, drop_stopwords=drop_stopwords, min_chars=min_chars
    )
    freq = _frequencies(df, keys)
    if idf == "article":
        n_doc = tokens["article_id"].nunique()
        doc_freq = (
            df[["term", "article_id"]].drop_duplicates().groupby("term", observed=True).size()
        )
    else:
        n_doc = len(df[keys].drop_duplicates())
        doc_freq = df[[*keys, "term"]].drop_duplicates().groupby("term", observed=True).size()
    freq["df"] = freq["term"].map(doc_freq).astype("int64")
    freq = freq[freq["df"] >= min_df].copy()
    freq["tf"] = freq["share"]
    freq["idf"] = np.log((1.0 + n_doc) / (1.0 + freq["df"])) + 1.0
    freq["tfidf"] = freq["tf"] * freq["idf"]
    freq = freq.sort_values(
        [*keys, "tfidf", "term"], ascending=[True] * len(keys) + [False, True], kind="mergesort"
    )
    freq["rank"] = freq.groupby(keys, sort=False, dropna=False, observed=True).cumcount() + 1
    if top is not None:
        freq = freq[freq["rank"] <= top]
    cols = [*keys, "rank", "term", "n", "df", "tf", "idf", "tfidf"]
    return freq[cols].reset_index(drop=True)


# --------------------------------------------------------------------------------------------
# keyness
# --------------------------------------------------------------------------------------------


def _chi2_sf_1df(x: Any) -> Any:
    """Upper tail of the chi-square distribution with one degree of freedom."""
    import numpy as np

    erfc = np.frompyfunc(math.erfc, 1, 1)
    return erfc(np.sqrt(np.asarray(x, dtype=float) / 2.0)).astype(float)


def _values(value: Any) -> list[Any]:
    if isinstance(value, list | tuple | set | frozenset):
        return list(value)
    return [value]


def keyness(
    tokens: pd.DataFrame,
    *,
    groups: str,
    target: Any,
    reference: Any = None,
    statistic: str = "g2",
    drop_stopwords: bool = True,
    min_chars: int = 2,
    min_n: int = 1,
    articles: Any = None,
) -> pd.DataFrame:
    """Terms over- and under-used in a target sub-corpus compared with a reference.

    For each term, with ``a``/``b`` its frequency in target/reference and ``c``/``d`` the number
    of tokens counted in target/reference (after stopword and length filtering)::

        E1 = c (a + b) / (c + d)          expected frequency in the target
        E2 = d (a + b) / (c + d)          expected frequency in the reference
        G2 = 2 [a ln(a / E1) + b ln(b / E2)]      log-likelihood (Rayson & Garside 2000;
                                                  0 ln 0 = 0)
        chi2 = sum over the 2x2 table of (O - E)^2 / E   Pearson, no continuity correction
        p_value = P(chi-square with 1 df > statistic)
        log_ratio = log2((a / c) / (b / d))       effect size (Hardie 2014); a zero
                                                  frequency is replaced by 0.5

    The statistic column is *signed*: positive when the term is relatively more frequent in the
    target, negative when less (as quanteda's ``textstat_keyness``); ``p_value`` uses its
    absolute value.

    Parameters
    ----------
    tokens
        The table from :func:`weeklylib.tokenize`.
    groups
        Column whose values define the sub-corpora (in ``tokens`` or joined from ``articles``).
    target
        Value (or list of values) of ``groups`` forming the target.
    reference
        Value(s) forming the reference; ``None`` (default) means all other non-missing values.
    statistic
        ``"g2"`` (log-likelihood, default) or ``"chi2"``; names the statistic column.
    drop_stopwords, min_chars
        Token filters, as in :func:`tfidf_keywords`.
    min_n
        Leave out terms with ``a + b < min_n``.
    articles
        DataFrame or Corpus supplying ``groups`` when it is not a column of ``tokens``.

    Returns
    -------
    pandas.DataFrame
        Columns ``term, n_target, n_reference, expected_target, expected_reference, <statistic>,
        p_value, log_ratio, direction`` (``direction`` is ``"target"``, ``"reference"`` or
        ``"none"``), sorted by the signed statistic descending, then term: the target's key
        terms first, the reference's last.

    Examples
    --------
    >>> import pandas as pd
    >>> from weeklylib.keywords import keyness
    >>> toks = pd.DataFrame({"article_id": ["a"] * 4 + ["b"] * 4,
    ...                      "token": ["医保"] * 3 + ["医院"] * 4 + ["医保"],
    ...                      "is_stopword": [False] * 8, "year": [2024] * 4 + [2025] * 4})
    >>> out = keyness(toks, groups="year", target=2024)
    >>> out[["term", "n_target", "n_reference", "g2"]].round(3)
      term  n_target  n_reference     g2
    0   医保         3            1  1.046
    1   医院         1            3 -1.046
    """
    import numpy as np
    import pandas as pd

    if statistic not in KEYNESS_STATISTICS:
        raise ValueError(f"statistic must be one of {KEYNESS_STATISTICS}; got {statistic!r}")
    if not isinstance(groups, str):
        raise ValueError(f"groups must be a column name; got {groups!r}")
    _check_int(min_n, "min_n", 1)
    df = _prepare(
        tokens, [groups], articles=articles, drop_stopwords=drop_stopwords, min_chars=min_chars
    )
    targets = _values(target)
    in_target = df[groups].isin(targets)
    if reference is None:
        in_ref = ~in_target & df[groups].notna()
    else:
        refs = _values(reference)
        overlap = set(targets) & set(refs)
        if overlap:
            raise ValueError(f"target and reference share value(s) {sorted(overlap, key=str)}")
        in_ref = df[groups].isin(refs)
    c = int(in_target.sum())
    d = int(in_ref.sum())
    if c == 0:
        raise ValueError(f"target {target!r} matches no counted tokens in column {groups!r}")
    if d == 0:
        raise ValueError(f"reference {reference!r} matches no counted tokens in column {groups!r}")
    a_s = df.loc[in_target, "term"].value_counts()
    b_s = df.loc[in_ref, "term"].value_counts()
    counts = pd.concat([a_s.rename("a"), b_s.rename("b")], axis=1).fillna(0)
    counts = counts[(counts["a"] + counts["b"]) >= min_n]
    a = counts["a"].to_numpy(dtype=float)
    b = counts["b"].to_numpy(dtype=float)
    total = c + d
    e1 = c * (a + b) / total
    e2 = d * (a + b) / total
    with np.errstate(divide="ignore", invalid="ignore"):
        if statistic == "g2":
            t1 = np.where(a > 0, a * np.log(a / e1), 0.0)
            t2 = np.where(b > 0, b * np.log(b / e2), 0.0)
            value = 2.0 * (t1 + t2)
        else:
            e3, e4 = c - e1, d - e2
            o3, o4 = c - a, d - b
            value = (a - e1) ** 2 / e1 + (b - e2) ** 2 / e2
            value += np.where(e3 > 0, (o3 - e3) ** 2 / np.where(e3 > 0, e3, 1.0), 0.0)
            value += np.where(e4 > 0, (o4 - e4) ** 2 / np.where(e4 > 0, e4, 1.0), 0.0)
    value = np.maximum(value, 0.0)  # rounding can give -1e-16 for a perfect match
    rel_t = np.where(a > 0, a, 0.5) / c
    rel_r = np.where(b > 0, b, 0.5) / d
    log_ratio = np.log2(rel_t / rel_r)
    over = a / c > b / d
    under = a / c < b / d
    direction = np.where(over, "target", np.where(under, "reference", "none"))
    signed = np.where(under, -value, value)
    out = pd.DataFrame(
        {
            "term": pd.Series(counts.index.astype("str"), dtype="str"),
            "n_target": a.astype("int64"),
            "n_reference": b.astype("int64"),
            "expected_target": e1,
            "expected_reference": e2,
            statistic: signed,
            "p_value": _chi2_sf_1df(value) if len(value) else np.zeros(0),
            "log_ratio": log_ratio,
            "direction": pd.Series(direction, dtype="str"),
        }
    )
    out = out.sort_values([statistic, "term"], ascending=[False, True], kind="mergesort")
    return out.reset_index(drop=True)


# --------------------------------------------------------------------------------------------
# KWIC
# --------------------------------------------------------------------------------------------


def kwic(
    articles: Any,
    pattern: str | Sequence[str],
    *,
    window: int = 10,
    regex: bool = False,
    field: str = "body",
    ignore_case: bool = False,
) -> pd.DataFrame:
    """Keyword in context: every occurrence of ``pattern`` with the characters around it.

    Parameters
    ----------
    articles
        DataFrame with ``article_id`` and ``field`` columns, or a Corpus.
    pattern
        A literal string, a list of literal strings (the longest is tried first at each
        position), or with ``regex=True`` a regular expression.
    window
        Characters of context on each side (fewer at the start/end of the text).
    regex
        Treat ``pattern`` as a regular expression (zero-length matches are skipped).
    field
        Text column to search, ``"body"`` (default) or e.g. ``"title"``.
    ignore_case
        Match Latin letters regardless of case.

    Returns
    -------
    pandas.DataFrame
        Columns ``article_id, left, match, right, start, end`` with, for each non-overlapping
        match in ``text = articles[field]``, ``match == text[start:end]``,
        ``left == text[max(0, start - window):start]`` and ``right == text[end:end + window]``
        (exact characters, line breaks included).  Rows in article order, then ``start``.

    Examples
    --------
    >>> import pandas as pd
    >>> from weeklylib.keywords import kwic
    >>> arts = pd.DataFrame({"article_id": ["a"], "body": ["县域医共体和城市医联体"]})
    >>> kwic(arts, ["医共体", "医联体"], window=2)
      article_id left match right  start  end
    0          a   县域   医共体    和城      2    5
    1          a   城市   医联体            8   11
    """
    import pandas as pd

    from weeklylib.segment import _articles_frame

    _check_int(window, "window", 0)
    for name, flag in (("regex", regex), ("ignore_case", ignore_case)):
        if not isinstance(flag, bool):
            raise ValueError(f"{name} must be True or False, got {flag!r}")
    if not isinstance(field, str):
        raise ValueError(f"field must be a column name, got {field!r}")
    frame = _articles_frame(articles, ("article_id", field))
    flags = re.IGNORECASE if ignore_case else 0
    if regex:
        if not isinstance(pattern, str) or not pattern:
            raise ValueError(
                f"with regex=True, pattern must be a non-empty string; got {pattern!r}"
            )
        try:
            compiled = re.compile(pattern, flags)
        except re.error as exc:
            raise ValueError(
                f"pattern is not a valid regular expression ({exc}): {pattern!r}"
            ) from exc
    else:
        terms = [pattern] if isinstance(pattern, str) else list(pattern)
        if not terms or not all(isinstance(t, str) and t for t in terms):
            raise ValueError(f"pattern must be a non-empty string or list of them; got {pattern!r}")
        terms = sorted(set(terms), key=lambda t: (-len(t), t))
        compiled = re.compile("|".join(map(re.escape, terms)), flags)
    rows: list[tuple[Any, str, str, str, int, int]] = []
    for aid, text in zip(frame["article_id"], frame[field], strict=True):
        if not isinstance(text, str):
            continue
        for m in compiled.finditer(text):
            s, e = m.span()
            if s == e:
                continue
            rows.append((aid, text[max(0, s - window) : s], text[s:e], text[e : e + window], s, e))
    out = pd.DataFrame(rows, columns=list(KWIC_COLUMNS))
    for c in ("left", "match", "right"):
        out[c] = out[c].astype("str")
    out["start"] = out["start"].astype("int64")
    out["end"] = out["end"].astype("int64")
    if not rows:
        out["article_id"] = out["article_id"].astype(frame["article_id"].dtype)
    return out
