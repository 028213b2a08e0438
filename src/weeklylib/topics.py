"""Topic taxonomy, rule-based topic tagging with evidence, topic and keyword trends.

The taxonomy is an editable TOML file (bundled: ``weeklylib/data/topics.toml``): each topic is a
list of literal keywords and regular expressions, with optional excludes.  :func:`tag_topics`
assigns every article all topics whose terms occur in it (multi-label) and says which terms hit
and how often; :func:`topic_evidence` gives one row per hit with character offsets, so every tag
can be checked in context (KWIC).  :func:`topic_trends` and :func:`keyword_trends` turn tags and
terms into per-period shares with explicit gap rows.

Examples
--------
>>> import pandas as pd
>>> import weeklylib as wl
>>> arts = pd.DataFrame({"article_id": ["d#1"], "title": ["AI 辅助诊疗"],
...                      "body": ["医院完成电子病历六级评审，推进人工智能应用。"]})
>>> wl.tag_topics(arts)[["article_id", "topic", "n_hits", "evidence"]]
  article_id                  topic  n_hits     evidence
0        d#1                     ai       2  AI×1；人工智能×1
1        d#1  smart_hospital_rating       1     电子病历六级×1
"""

from __future__ import annotations

import bisect
import logging
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from weeklylib._textmatch import (
    _EMPTY_I64,
    _PREFIX_LIMIT,
    _csr,
    _expand,
    _leftmost_longest,
    _MultiFind,
    _typed_take,
)
from weeklylib.errors import DataFileError

logger = logging.getLogger("weeklylib")

#: Columns of :func:`load_taxonomy`.
TAXONOMY_COLUMNS: tuple[str, ...] = (
    "topic", "label_zh", "label_en", "keywords", "patterns", "excludes", "description", "source",
)
#: Columns of :func:`tag_topics`.
TAG_COLUMNS: tuple[str, ...] = (
    "article_id", "topic", "n_hits", "n_terms", "evidence", "label_zh", "label_en",
)
#: Columns of :func:`topic_evidence`.
EVIDENCE_COLUMNS: tuple[str, ...] = (
    "article_id", "topic", "term", "field", "start", "end", "paragraph", "kind", "rule",
)
#: Columns of :func:`topic_trends` (``keyword_trends`` has ``term`` and ``n_hits`` instead of
#: ``topic`` and the labels).
TREND_COLUMNS: tuple[str, ...] = (
    "period", "bin_start", "bin_end", "topic", "n_articles", "n_total", "share", "status",
    "n_issues", "n_weeks_covered", "issue_no", "label_zh", "label_en",
)

FREQS = ("issue", "week", "month")
NORMALIZE = ("articles", "tags")
WEEK_ENDINGS = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")
STATUSES = ("observed", "covered", "gap")

_TOPIC_KEYS = {"id", "label_zh", "label_en", "keywords", "patterns", "excludes", "description"}
_TOP_KEYS = {"topic", "meta"}
_ID_RE = re.compile(r"^[a-z][a-z0-9_]*$")
_NEWLINE = re.compile("\n")
_BUNDLED = "topics.toml"


# --------------------------------------------------------------------------- taxonomy


def _bundled_text() -> tuple[str, str]:
    res = resources.files("weeklylib.data").joinpath(_BUNDLED)
    return res.read_text(encoding="utf-8"), f"weeklylib/data/{_BUNDLED}"


def _line_of_entry(lines: list[str], index: int) -> int | None:
    """1-based line of the ``index``-th (0-based) ``[[topic]]`` header."""
    n = -1
    for i, line in enumerate(lines):
        if re.match(r"^\s*\[\[\s*topic\s*\]\]", line):
            n += 1
            if n == index:
                return i + 1
    return None


def _line_of_key(lines: list[str], index: int, key: str) -> int | None:
    """1-based line where ``key =`` is written inside the ``index``-th topic entry."""
    start = _line_of_entry(lines, index)
    if start is None:
        return None
    for i in range(start, len(lines)):
        line = lines[i]
        if re.match(r"^\s*\[", line):
            break
        if re.match(rf"^\s*{re.escape(key)}\s*=", line):
            return i + 1
    return start


def _parse_taxonomy(text: str, source: str | Path) -> list[dict[str, Any]]:
    lines = text.splitlines()
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"line (\d+)", str(exc))
        raise DataFileError(
            f"taxonomy is not valid TOML: {exc}", path=source, line=int(m.group(1)) if m else None
        ) from exc
    unknown = sorted(set(data) - _TOP_KEYS)
    if unknown:
        raise DataFileError(
            f"unknown top-level key(s) {unknown}; expected [[topic]] entries (and optional [meta])",
            path=source,
        )
    entries = data.get("topic")
    if not isinstance(entries, list) or not entries:
        raise DataFileError("taxonomy has no [[topic]] entries", path=source)
    topics: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for k, entry in enumerate(entries):
        where = f"topic entry {k + 1}"
        if isinstance(entry.get("id"), str):
            where += f" (id={entry['id']!r})"

        def fail(msg: str, key: str | None = None, _k: int = k) -> DataFileError:
            line = _line_of_key(lines, _k, key) if key else _line_of_entry(lines, _k)
            return DataFileError(msg, path=source, line=line)

        bad = sorted(set(entry) - _TOPIC_KEYS)
        if bad:
            raise fail(
                f"{where}: unknown key {bad[0]!r} (allowed: {sorted(_TOPIC_KEYS)})", bad[0]
            )
        tid = entry.get("id")
        if not isinstance(tid, str) or not _ID_RE.match(tid):
            raise fail(
                f"{where}: 'id' must be lower-case ASCII letters, digits and '_' "
                f"starting with a letter; got {tid!r}",
                "id" if "id" in entry else None,
            )
        where = f"topic entry {k + 1} (id={tid!r})"
        if tid in seen:
            raise fail(f"{where}: duplicate id, first used by topic entry {seen[tid] + 1}", "id")
        seen[tid] = k
        for key in ("label_zh", "label_en"):
            val = entry.get(key)
            if not isinstance(val, str) or not val.strip():
                raise fail(f"{where}: {key!r} must be a non-empty string; got {val!r}", key)
        lists: dict[str, tuple[str, ...]] = {}
        for key in ("keywords", "patterns", "excludes"):
            val = entry.get(key, [])
            if not isinstance(val, list) or not all(isinstance(v, str) and v for v in val):
                raise fail(
                    f"{where}: {key!r} must be a list of non-empty strings; got {val!r}", key
                )
            lists[key] = tuple(dict.fromkeys(val))  # de-duplicate, keep order
        if not lists["keywords"] and not lists["patterns"]:
            raise fail(f"{where}: needs at least one keyword or pattern")
        for pat in lists["patterns"]:
            try:
                rx = re.compile(pat)
            except re.error as exc:
                raise fail(
                    f"{where}: invalid regular expression {pat!r}: {exc}", "patterns"
                ) from exc
            if rx.fullmatch("") is not None:
                raise fail(f"{where}: pattern {pat!r} matches the empty string", "patterns")
        desc = entry.get("description", "")
        if not isinstance(desc, str):
            raise fail(f"{where}: 'description' must be a string; got {desc!r}", "description")
        topics.append(
            {
                "topic": tid,
                "label_zh": entry["label_zh"].strip(),
                "label_en": entry["label_en"].strip(),
                **lists,
                "description": desc.strip(),
                "source": str(source),
            }
        )
    return topics


_BUNDLED_ROWS: dict[tuple[str, str], list[dict[str, Any]]] = {}


def _parse_bundled(text: str, source: str) -> list[dict[str, Any]]:
    """``_parse_taxonomy`` of the bundled file, parsed once per text (fresh dicts each call;
    their values are strings and tuples)."""
    key = (text, source)
    if key not in _BUNDLED_ROWS:
        _BUNDLED_ROWS.clear()
        _BUNDLED_ROWS[key] = _parse_taxonomy(text, source)
    return [dict(r) for r in _BUNDLED_ROWS[key]]


def load_taxonomy(path: str | Path | None = None, *, extend: bool = False) -> pd.DataFrame:
    """Read a topic taxonomy (the bundled one, or a researcher's own TOML file).

    Parameters
    ----------
    path
        A TOML file in the format documented at the top of the bundled ``topics.toml``;
        ``None`` reads the bundled taxonomy.
    extend
        If true, return the bundled topics followed by the topics of ``path``; a topic of
        ``path`` whose id exists in the bundled file replaces that entry (in place).

    Returns
    -------
    DataFrame
        One row per topic, in file order, with columns ``topic, label_zh, label_en, keywords,
        patterns, excludes, description, source`` (``keywords``, ``patterns``, ``excludes`` are
        tuples of strings; ``source`` is the file the entry came from).

    Raises
    ------
    FileNotFoundError
        ``path`` does not exist.
    weeklylib.errors.DataFileError
        The file is not valid TOML, or an entry is malformed (missing id or labels, duplicate id,
        unknown key, no terms, invalid regular expression); the message names the file, the
        line and the entry.

    Examples
    --------
    >>> import weeklylib as wl
    >>> tax = wl.load_taxonomy()
    >>> tax.loc[tax.topic == "ai", "label_en"].item()
    'AI and large models'
    """
    bundled_text, bundled_name = _bundled_text()
    if path is None:
        rows = _parse_bundled(bundled_text, bundled_name)
    else:
        p = Path(path)
        if not p.is_file():
            raise FileNotFoundError(f"taxonomy file not found: {p}")
        raw = p.read_bytes()
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise DataFileError(f"taxonomy must be UTF-8 encoded: {exc}", path=p) from exc
        rows = _parse_taxonomy(text.replace("\r\n", "\n"), p)
        if extend:
            base = _parse_bundled(bundled_text, bundled_name)
            own = {r["topic"]: r for r in rows}
            merged = [own.pop(r["topic"], r) for r in base]
            rows = merged + [r for r in rows if r["topic"] in own]
    return pd.DataFrame(rows, columns=list(TAXONOMY_COLUMNS))


def _resolve_taxonomy(taxonomy: str | Path | pd.DataFrame | None) -> pd.DataFrame:
    if isinstance(taxonomy, pd.DataFrame):
        missing = [c for c in ("topic", "label_zh", "label_en", "keywords") if c not in taxonomy]
        if missing:
            raise ValueError(
                f"taxonomy: a DataFrame taxonomy needs columns {missing} (as returned by "
                "load_taxonomy)"
            )
        return taxonomy
    if taxonomy is None or isinstance(taxonomy, (str, Path)):
        return load_taxonomy(taxonomy)
    raise ValueError(
        "taxonomy must be None (bundled), a path to a TOML file or a DataFrame from "
        f"load_taxonomy; got {type(taxonomy).__name__}"
    )


# --------------------------------------------------------------------------- matching


@dataclass(frozen=True)
class _Rules:
    topic: str
    keywords: tuple[str, ...]
    patterns: tuple[re.Pattern[str], ...]
    excludes: tuple[str, ...]
    #: all keywords as one alternation, longest first: finditer is then leftmost-longest
    kw_rx: re.Pattern[str] | None


def _compile(tax: pd.DataFrame) -> list[_Rules]:
    out = []
    for row in tax.itertuples(index=False):
        pats = tuple(getattr(row, "patterns", ()) or ())
        excl = tuple(getattr(row, "excludes", ()) or ())
        kws = tuple(row.keywords or ())
        ordered = sorted(kws, key=lambda k: (-len(k), k))
        out.append(
            _Rules(
                topic=row.topic,
                keywords=kws,
                patterns=tuple(re.compile(p) for p in pats),
                excludes=excl,
                kw_rx=re.compile("|".join(map(re.escape, ordered))) if ordered else None,
            )
        )
    return out


def _find_all(text: str, sub: str) -> list[int]:
    """Start offsets of every (possibly overlapping) occurrence of ``sub`` in ``text``."""
    out = []
    i = text.find(sub)
    while i >= 0:
        out.append(i)
        i = text.find(sub, i + 1)
    return out


def _match(text: str, rules: _Rules) -> list[tuple[int, int, str, str, str]]:
    """Non-overlapping hits ``(start, end, term, kind, rule)``, leftmost-longest."""
    pcands: list[tuple[int, int, int, str, str, str]] = []
    for rx in rules.patterns:
        for m in rx.finditer(text):
            if m.end() > m.start():
                pcands.append((m.start(), m.start() - m.end(), 1, m.group(0), "pattern",
                               rx.pattern))
    spans = [(i, i + len(ex)) for ex in rules.excludes for i in _find_all(text, ex)]
    if not pcands and not spans:
        # fast path: one scan; longest-first alternation is already leftmost-longest
        if rules.kw_rx is None:
            return []
        return [(m.start(), m.end(), m.group(0), "keyword", m.group(0))
                for m in rules.kw_rx.finditer(text)]
    cands = pcands
    if rules.kw_rx is not None and rules.kw_rx.search(text) is not None:
        for kw in rules.keywords:
            for i in _find_all(text, kw):
                cands.append((i, -len(kw), 0, kw, "keyword", kw))
    if not cands:
        return []
    if spans:
        cands = [c for c in cands if not any(c[0] < e and s < c[0] - c[1] for s, e in spans)]
    cands.sort()
    hits = []
    last_end = -1
    for start, neg_len, _, term, kind, rule in cands:
        if start >= last_end:
            end = start - neg_len
            hits.append((start, end, term, kind, rule))
            last_end = end
    return hits


def _check_articles(articles: pd.DataFrame, fields: Sequence[str]) -> tuple[str, ...]:
    if not isinstance(articles, pd.DataFrame):
        raise ValueError(f"articles must be a DataFrame; got {type(articles).__name__}")
    if isinstance(fields, str):
        fields = (fields,)
    fields = tuple(fields)
    if not fields:
        raise ValueError("fields must name at least one text column; got ()")
    if "article_id" not in articles:
        raise ValueError("articles must have an 'article_id' column")
    for f in fields:
        if f not in articles:
            raise ValueError(
                f"fields: column {f!r} is not in articles (columns: {list(articles.columns)})"
            )
    return fields


def _evidence_rows(articles: pd.DataFrame, tax: pd.DataFrame, fields: tuple[str, ...]
                   ) -> list[tuple]:
    rules = sorted(_compile(tax), key=lambda r: r.topic)
    rows: list[tuple] = []
    ids = articles["article_id"].tolist()
    texts = {f: articles[f].fillna("").astype(str).tolist() for f in fields}
    for i, aid in enumerate(ids):
        breaks: dict[str, list[int]] = {}
        for r in rules:
            for f in fields:
                text = texts[f][i]
                if not text:
                    continue
                for start, end, term, kind, rule in _match(text, r):
                    if f not in breaks:
                        breaks[f] = [m.start() for m in _NEWLINE.finditer(text)]
                    para = bisect.bisect_left(breaks[f], start)
                    rows.append((aid, r.topic, term, f, start, end, para, kind, rule))
    return rows


# --------------------------------------------------------------------------- fast matching
#
# ``_match`` and ``_evidence_rows`` above are the reference: one topic and one text at a time,
# easy to read.  What follows computes exactly the same hits for a whole table at once
# (tests/test_topics_speed_equivalence.py holds the two to identical output):
#
# * ``_MultiFind`` finds every occurrence (overlapping ones included) of every keyword, exclude
#   and pattern prefix in all texts in one vectorised walk of a character trie (numpy), instead
#   of one regular-expression scan per topic, field and article;
# * a pattern is tried only where one of its literal prefixes occurs (``_literal_prefixes``),
#   with ``Pattern.match`` at those offsets in increasing order, which finds what ``finditer``
#   finds; a pattern without a usable prefix is scanned with ``finditer`` as before;
# * excludes, leftmost-longest selection and paragraph numbers are computed on arrays.


def _literal_prefixes(rx: re.Pattern[str]) -> tuple[str, ...] | None:
    """Non-empty strings one of which begins every match of ``rx``; None if none can be given.

    Read from the parsed pattern: leading literals, small character classes and alternations
    of them (``[三四]级电子病历``, ``(?:DRG|DIP)``), skipping zero-width assertions
    (``(?<![A-Za-z])AI``).  Case-insensitive patterns get None.
    """
    if not isinstance(rx.pattern, str) or rx.flags & (re.IGNORECASE | re.LOCALE):
        return None
    try:  # re's own parser (private, present since Python 3.11); any surprise: no prefixes
        from re import _constants as sc
        from re import _parser as sp

        tree = sp.parse(rx.pattern, rx.flags)
        if tree.state.flags & (re.IGNORECASE | re.LOCALE):
            return None
        out = _seq_prefixes(list(tree), sc)
    except Exception:  # an optimisation only: the scan stays correct without it
        return None
    if not out or "" in out:
        return None
    return tuple(sorted(out))


def _product(a: set[str], b: set[str]) -> set[str] | None:
    if len(a) * len(b) > _PREFIX_LIMIT:
        return None
    return {x + y for x in a for y in b}


def _exact(item: tuple[Any, Any], sc: Any) -> set[str] | None:
    """A small set holding every string ``item`` can match, or None."""
    op, av = item
    if op is sc.LITERAL:
        return {chr(av)}
    if op is sc.IN:
        chars: set[str] = set()
        for o, a in av:
            if o is sc.LITERAL:
                chars.add(chr(a))
            elif o is sc.RANGE and a[1] - a[0] < _PREFIX_LIMIT:
                chars.update(chr(c) for c in range(a[0], a[1] + 1))
            else:  # NEGATE, CATEGORY, big ranges
                return None
        return chars if 0 < len(chars) <= _PREFIX_LIMIT else None
    if op is sc.SUBPATTERN:
        _group, add_flags, del_flags, sub = av
        return None if add_flags or del_flags else _seq_exact(list(sub), sc)
    if op is sc.BRANCH:
        out: set[str] = set()
        for alt in av[1]:
            e = _seq_exact(list(alt), sc)
            if e is None:
                return None
            out |= e
        return out if len(out) <= _PREFIX_LIMIT else None
    return None


def _is_zero_width(op: Any, sc: Any) -> bool:
    return op in (sc.AT, sc.ASSERT, sc.ASSERT_NOT)


def _seq_exact(items: list[tuple[Any, Any]], sc: Any) -> set[str] | None:
    acc: set[str] | None = {""}
    for item in items:
        if _is_zero_width(item[0], sc):
            continue  # dropping an assertion only widens the set
        e = _exact(item, sc)
        if e is None or acc is None:
            return None
        acc = _product(acc, e)
    return acc


def _item_prefixes(item: tuple[Any, Any], sc: Any) -> set[str] | None:
    """A set of strings one of which begins every match of ``item``, or None."""
    e = _exact(item, sc)
    if e is not None:
        return e
    op, av = item
    if op is sc.SUBPATTERN:
        _group, add_flags, del_flags, sub = av
        return None if add_flags or del_flags else _seq_prefixes(list(sub), sc)
    if op is sc.BRANCH:
        out: set[str] = set()
        for alt in av[1]:
            p = _seq_prefixes(list(alt), sc)
            if p is None:
                return None
            out |= p
        return out if len(out) <= _PREFIX_LIMIT else None
    if op in (sc.MAX_REPEAT, sc.MIN_REPEAT, getattr(sc, "POSSESSIVE_REPEAT", None)) \
            and av[0] >= 1:
        return _seq_prefixes(list(av[2]), sc)
    return None


def _seq_prefixes(items: list[tuple[Any, Any]], sc: Any) -> set[str] | None:
    acc: set[str] = {""}
    for item in items:
        if _is_zero_width(item[0], sc):
            continue
        e = _exact(item, sc)
        if e is not None:
            nxt = _product(acc, e)
            if nxt is not None:
                acc = nxt
                continue
            break
        p = _item_prefixes(item, sc)
        if p is not None:
            acc = _product(acc, p) or acc
        break
    return None if "" in acc else acc


@dataclass
class _Plan:
    """A taxonomy compiled for :func:`_evidence_fast`."""

    topics: tuple[Any, ...]                  # in rule order (sorted by id)
    finder: _MultiFind
    kw_ptr: np.ndarray                       # string id -> its topics kw_tix[kw_ptr[i]:kw_ptr[i+1]]
    kw_tix: np.ndarray
    ex_ptr: np.ndarray                       # same for excludes
    ex_tix: np.ndarray
    #: (topic index, compiled pattern, string id -> is one of its prefixes, or None)
    patterns: tuple[tuple[int, re.Pattern[str], np.ndarray | None], ...]
    index: dict[str, int]                    # string -> id


_PLANS: dict[tuple, _Plan] = {}


def _plan(rules: list[_Rules]) -> _Plan | None:
    """Compile ``rules`` for the fast path; None when the reference path must be used."""
    for r in rules:
        if not all(isinstance(s, str) and s for s in (*r.keywords, *r.excludes)):
            return None
    topics = tuple(r.topic for r in rules)
    try:
        if len(set(topics)) != len(topics):
            return None
        key = tuple((r.topic, r.keywords, tuple(p.pattern for p in r.patterns), r.excludes)
                    for r in rules)
        hash(key)
    except TypeError:  # unhashable ids
        return None
    if key in _PLANS:
        return _PLANS[key]
    prefixes = [[_literal_prefixes(rx) for rx in r.patterns] for r in rules]
    strings = sorted({s for r in rules for s in (*r.keywords, *r.excludes)}
                     | {s for ps in prefixes for p in ps if p for s in p})
    sid = {s: i for i, s in enumerate(strings)}
    kw: list[list[int]] = [[] for _ in strings]
    ex: list[list[int]] = [[] for _ in strings]
    for ti, r in enumerate(rules):
        for s in dict.fromkeys(r.keywords):
            kw[sid[s]].append(ti)
        for s in dict.fromkeys(r.excludes):
            ex[sid[s]].append(ti)
    pats = []
    for ti, (r, ps) in enumerate(zip(rules, prefixes, strict=True)):
        for rx, p in zip(r.patterns, ps, strict=True):
            mask = None
            if p is not None:
                mask = np.zeros(len(strings), dtype=bool)
                mask[[sid[s] for s in p]] = True
            pats.append((ti, rx, mask))
    kw_ptr, kw_tix = _csr(kw)
    ex_ptr, ex_tix = _csr(ex)
    plan = _Plan(topics, _MultiFind(strings), kw_ptr, kw_tix, ex_ptr, ex_tix, tuple(pats), sid)
    if len(_PLANS) > 8:
        _PLANS.pop(next(iter(_PLANS)))
    _PLANS[key] = plan
    return plan


def _pattern_hits(rx: re.Pattern[str], texts: list[str], t: np.ndarray | None,
                  s: np.ndarray | None
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str]] | None:
    """Non-empty matches as ``finditer`` finds them: text index, start, end, matched text.

    With candidate offsets (``t``, ``s`` sorted by text and offset; every match starts at one
    of them) ``rx.match`` is tried there instead of scanning; returns None if that meets an
    empty match (the caller then scans).
    """
    if t is None or s is None:
        found = [(i, m.start(), m.end(), m.group(0)) for i, text in enumerate(texts) if text
                 for m in rx.finditer(text) if m.end() > m.start()]
        if not found:
            return _EMPTY_I64, _EMPTY_I64, _EMPTY_I64, []
        ti, st, en, terms = zip(*found, strict=True)
        return (np.array(ti, dtype=np.int64), np.array(st, dtype=np.int64),
                np.array(en, dtype=np.int64), list(terms))
    if len(t) > 1:
        new = np.ones(len(t), dtype=bool)
        new[1:] = (t[1:] != t[:-1]) | (s[1:] != s[:-1])
        t, s = t[new], s[new]
    tl = t.tolist()
    ms = list(map(rx.match, map(texts.__getitem__, tl), s.tolist()))
    ok = [k for k, m in enumerate(ms) if m is not None]
    if not ok:
        return _EMPTY_I64, _EMPTY_I64, _EMPTY_I64, []
    matches = [ms[k] for k in ok]
    ti, st = t[ok], s[ok]
    en = np.fromiter(map(re.Match.end, matches), dtype=np.int64, count=len(matches))
    if (en <= st).any():
        return None
    # finditer goes on after the end of each match: a match starting inside the previous
    # one is never seen
    clash = (ti[1:] == ti[:-1]) & (st[1:] < en[:-1])
    if clash.any():
        keep = []
        last_t, last_end = -1, -1
        for k, (i, p, e) in enumerate(zip(ti.tolist(), st.tolist(), en.tolist(), strict=True)):
            if i != last_t or p >= last_end:
                keep.append(k)
                last_t, last_end = i, e
        ti, st, en = ti[keep], st[keep], en[keep]
        matches = [matches[k] for k in keep]
    return ti, st, en, list(map(re.Match.group, matches))


@dataclass
class _Hits:
    """Evidence rows as arrays, in output order (see :func:`_evidence_fast`)."""

    art: np.ndarray        # row of ``articles``
    tix: np.ndarray        # index into ``topics``
    fix: np.ndarray        # index into ``fields``
    start: np.ndarray
    end: np.ndarray
    paragraph: np.ndarray
    pattern: np.ndarray    # bool: kind == "pattern"
    term: np.ndarray       # index into ``vocab``
    rule: np.ndarray       # index into ``vocab``
    vocab: list[str]       # sorted
    topics: tuple[Any, ...]
    ids: list[Any]         # articles["article_id"].tolist()
    fields: tuple[str, ...]


def _field_texts(col: pd.Series) -> list[str]:
    """``col.fillna("").astype(str).tolist()`` (as the reference path reads a field)."""
    values = col.tolist()
    if all(type(v) is str for v in values):
        return values
    return col.fillna("").astype(str).tolist()


def _evidence_fast(articles: pd.DataFrame, tax: pd.DataFrame, fields: tuple[str, ...], *,
                   paragraphs: bool = True) -> _Hits | None:
    """What :func:`_evidence_rows` computes, for all articles at once; None: use that.

    ``paragraphs=False`` leaves the paragraph numbers at 0 (``tag_topics`` does not use them).
    """
    rules = sorted(_compile(tax), key=lambda r: r.topic)
    if len(set(fields)) != len(fields):
        return None
    plan = _plan(rules)
    if plan is None:
        return None
    ids = articles["article_id"].tolist()
    n_topics, n_fields = len(plan.topics), len(fields)
    lengths = plan.finder.lengths
    # candidates, per field and kind: group (article, topic, field), start, length,
    # is pattern, term, rule
    cand: list[tuple[np.ndarray, ...]] = []
    vocab = list(plan.finder.strings)
    index = dict(plan.index)
    spans: dict[int, list[tuple[int, int]]] = {}
    founds = []

    def ids_of(strs: list[str]) -> np.ndarray:
        for x in strs:
            if x not in index:
                index[x] = len(vocab)
                vocab.append(x)
        return np.fromiter(map(index.__getitem__, strs), dtype=np.int64, count=len(strs))

    for fi, f in enumerate(fields):
        texts = _field_texts(articles[f])
        found = plan.finder.find(texts)
        founds.append(found)
        t, s, sid = found.t, found.s, found.sid
        occ, tix = _expand(plan.kw_ptr, plan.kw_tix, sid)
        if len(occ):
            ksid = sid[occ]
            cand.append(((t[occ] * n_topics + tix) * n_fields + fi, s[occ], lengths[ksid],
                         np.zeros(len(occ), dtype=np.int64), ksid, ksid))
        occ, tix = _expand(plan.ex_ptr, plan.ex_tix, sid)
        for a, ti, st, ln in zip(t[occ].tolist(), tix.tolist(), s[occ].tolist(),
                                 lengths[sid[occ]].tolist(), strict=True):
            spans.setdefault((a * n_topics + ti) * n_fields + fi, []).append((st, st + ln))
        for ti, rx, mask in plan.patterns:
            hits = None
            if mask is not None:
                sel = np.flatnonzero(mask[sid])
                sel = sel[np.lexsort((s[sel], t[sel]))]
                hits = _pattern_hits(rx, texts, t[sel], s[sel])
            if hits is None:
                hits = _pattern_hits(rx, texts, None, None)
            ta, st, en, terms = hits
            if terms:
                k = len(terms)
                cand.append(((ta * n_topics + ti) * n_fields + fi, st, en - st,
                             np.ones(k, dtype=np.int64), ids_of(terms),
                             np.full(k, ids_of([rx.pattern])[0])))
    empty = _Hits(*(_EMPTY_I64,) * 6, np.zeros(0, dtype=bool), _EMPTY_I64, _EMPTY_I64, [],
                  plan.topics, ids, fields)
    if not cand:
        return empty
    group, start, length, pat, term, rule = (np.concatenate(c) for c in zip(*cand, strict=True))
    if spans:  # drop hits overlapping an exclude of their topic (same text)
        near = np.flatnonzero(np.isin(group, np.fromiter(spans, dtype=np.int64)))
        drop = [k for k, g, st, ln in zip(near.tolist(), group[near].tolist(),
                                          start[near].tolist(), length[near].tolist(),
                                          strict=True)
                if any(st < e and b < st + ln for b, e in spans[g])]
        if drop:
            keep = np.ones(len(group), dtype=bool)
            keep[drop] = False
            group, start, length, pat, term, rule = (
                x[keep] for x in (group, start, length, pat, term, rule))
            if not len(group):
                return empty
    # the order of the reference's candidate tuples: start, -length, kind, term, kind, rule
    order = sorted(range(len(vocab)), key=vocab.__getitem__)
    rank = np.empty(len(vocab), dtype=np.int64)
    rank[order] = np.arange(len(vocab), dtype=np.int64)
    term, rule = rank[term], rank[rule]
    span, long, n_vocab = int(start.max()) + 1, int(length.max()) + 1, len(vocab)
    if (int(group.max()) + 1) * span * 2 * long * n_vocab * n_vocab < 1 << 63:
        idx = np.argsort(((group * span + start) * (2 * long) + (long - length) * 2 + pat)
                         * (n_vocab * n_vocab) + term * n_vocab + rule)
    else:
        idx = np.lexsort((rule, term, pat, -length, start, group))
    group, start, length, pat, term, rule = (
        x[idx] for x in (group, start, length, pat, term, rule))
    # only the first candidate at each start can be chosen
    first = np.ones(len(group), dtype=bool)
    first[1:] = (group[1:] != group[:-1]) | (start[1:] != start[:-1])
    group, start, length, pat, term, rule = (
        x[first] for x in (group, start, length, pat, term, rule))
    end = start + length
    keep = _leftmost_longest(group, start, end)
    if keep is not None:
        group, start, end, pat, term, rule = (
            x[keep] for x in (group, start, end, pat, term, rule))
    art, rest = np.divmod(group, n_topics * n_fields)
    tix, fix = np.divmod(rest, n_fields)
    para = np.zeros(len(art), dtype=np.int64)
    for fi, found in enumerate(founds if paragraphs else ()):
        sel = fix == fi
        para[sel] = found.newlines_before(art[sel], start[sel])
    return _Hits(art, tix, fix, start, end, para, pat.astype(bool), term, rule,
                 [vocab[i] for i in order], plan.topics, ids, fields)


def _evidence_frame(hits: _Hits, fields: tuple[str, ...]) -> pd.DataFrame:
    kinds = ["keyword", "pattern"]
    data = {
        "article_id": _typed_take(hits.ids, hits.art),
        "topic": _typed_take(hits.topics, hits.tix),
        "term": _typed_take(hits.vocab, hits.term),
        "field": _typed_take(fields, hits.fix),
        "start": hits.start.astype("int64"),
        "end": hits.end.astype("int64"),
        "paragraph": hits.paragraph.astype("int64"),
        "kind": _typed_take(kinds, hits.pattern.astype(np.int64)),
        "rule": _typed_take(hits.vocab, hits.rule),
    }
    return pd.DataFrame(data, columns=list(EVIDENCE_COLUMNS))


def _tag_arrays(hits: _Hits) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, list[str]]:
    """Per (article id, topic) with hits, in the order of :func:`tag_topics`: first row of the
    article id, topic index, n_hits, n_terms, evidence (rows of equal ids count together)."""
    first_row: dict[Any, int] = {}
    for i, aid in enumerate(hits.ids):
        first_row.setdefault(aid, i)
    canon = np.array([first_row[a] for a in hits.ids], dtype=np.int64)
    n_topics, n_vocab = len(hits.topics), max(len(hits.vocab), 1)
    group = canon[hits.art] * n_topics + hits.tix
    key = group * n_vocab + hits.term
    uniq, first, counts = np.unique(key, return_index=True, return_counts=True)
    g = uniq // n_vocab
    term = uniq % n_vocab
    fix, start = hits.fix[first], hits.start[first]
    # terms of a group: most frequent first, then first occurrence, then term
    top = int(counts.max()) + 1
    span = int(start.max()) + 1
    k1 = g * top + (top - 1 - counts)
    if (len(hits.fields) + 1) * span < (1 << 62) // n_vocab:
        o = np.lexsort(((fix * span + start) * n_vocab + term, k1))
    else:
        o = np.lexsort((term, start, fix, k1))
    g, term, counts = g[o], term[o], counts[o]
    heads = np.flatnonzero(np.r_[True, g[1:] != g[:-1]])
    bounds = np.r_[heads, len(g)].tolist()
    # "term×count" once per distinct pair
    pair, inv = np.unique(term * top + counts, return_inverse=True)
    labels = np.array(list(map("{}×{}".format, [hits.vocab[i] for i in (pair // top).tolist()],
                               (pair % top).tolist())), dtype=object)
    parts = labels[inv.reshape(-1)].tolist()
    evidence = list(map("；".join, map(parts.__getitem__,
                                      map(slice, bounds[:-1], bounds[1:]))))
    a, ti = np.divmod(g[heads], n_topics)
    return a, ti, np.add.reduceat(counts, heads).astype(np.int64), np.diff(bounds), evidence


def _tag_rows(hits: _Hits) -> list[tuple[Any, Any, int, int, str]]:
    """``(article_id, topic, n_hits, n_terms, evidence)`` rows for :func:`tag_topics`."""
    if not len(hits.art):
        return []
    a, ti, n_hits, n_terms, evidence = _tag_arrays(hits)
    ids, topics = hits.ids, hits.topics
    return list(zip([ids[i] for i in a.tolist()], [topics[i] for i in ti.tolist()],
                    n_hits.tolist(), n_terms.tolist(), evidence, strict=True))


def _tag_frame(hits: _Hits, labels: pd.DataFrame, min_hits: int) -> pd.DataFrame | None:
    """The table of :func:`tag_topics` built column by column; None when the ids or topics are
    not all strings (then the rows go through the general path)."""
    if not len(hits.art) or not all(type(v) is str for v in (*hits.ids, *hits.topics)):
        return None
    a, ti, n_hits, n_terms, evidence = _tag_arrays(hits)
    # rows are in the final order already: articles by first appearance, then topic id
    keep = np.flatnonzero(n_hits >= min_hits)
    topic = pd.Series(_typed_take(hits.topics, ti).take(keep))
    return pd.DataFrame({
        "article_id": _typed_take(hits.ids, a).take(keep),
        "topic": topic,
        "n_hits": n_hits[keep].astype("int64"),
        "n_terms": n_terms[keep].astype("int64"),
        "evidence": _typed_take(evidence, np.arange(len(evidence))).take(keep),
        "label_zh": topic.map(labels["label_zh"]),
        "label_en": topic.map(labels["label_en"]),
    }, columns=list(TAG_COLUMNS))


def topic_evidence(
    articles: pd.DataFrame,
    taxonomy: str | Path | pd.DataFrame | None = None,
    *,
    fields: Sequence[str] = ("title", "body"),
) -> pd.DataFrame:
    """Every taxonomy hit in every article, with its position: the evidence behind the tags.

    Within one topic and one field, overlapping hits are resolved leftmost-longest (the hit
    starting first wins; among hits starting at the same offset the longest wins, keywords
    before patterns).  A hit overlapping one of the topic's ``excludes`` is dropped.  Different
    topics are matched independently, so the same words can be evidence for two topics.

    Parameters
    ----------
    articles
        Needs ``article_id`` and the ``fields`` columns.
    taxonomy
        ``None`` for the bundled taxonomy, a path to a TOML file, or a DataFrame from
        :func:`load_taxonomy`.
    fields
        Text columns searched, in this order.

    Returns
    -------
    DataFrame
        Columns ``article_id, topic, term, field, start, end, paragraph, kind, rule``:
        ``term`` is the matched text, so ``articles[field][start:end] == term`` for every row;
        ``paragraph`` is the 0-based index of the ``"\\n"``-separated paragraph of ``field``
        holding the hit (as in the tokens table, for paragraph-level co-occurrence); ``kind`` is
        ``"keyword"`` or ``"pattern"`` and ``rule`` the keyword or the regular expression that
        matched.  Rows follow the order of ``articles``, then topic id, field order and offset.

    Examples
    --------
    >>> import pandas as pd
    >>> arts = pd.DataFrame({"article_id": ["a"], "title": [""],
    ...                      "body": ["三级甲等医院通过互联互通四级甲等测评"]})
    >>> ev = topic_evidence(arts)
    >>> ev.loc[ev.topic == "smart_hospital_rating", ["term", "start", "end"]]
           term  start  end
    0  互联互通四级甲等      8   16
    """
    fields = _check_articles(articles, fields)
    tax = _resolve_taxonomy(taxonomy)
    hits = _evidence_fast(articles, tax, fields)
    if hits is not None and len(hits.art):
        return _evidence_frame(hits, fields)
    rows = _evidence_rows(articles, tax, fields) if hits is None else []
    out = pd.DataFrame(rows, columns=list(EVIDENCE_COLUMNS))
    for c in ("start", "end", "paragraph"):
        out[c] = out[c].astype("int64")
    return out


def _format_evidence(terms: Mapping[str, list]) -> tuple[int, str]:
    """``"电子病历×3；互联互通×1"``: most frequent first, then first occurrence, then term."""
    order = sorted(terms, key=lambda t: (-terms[t][0], terms[t][1], t))
    return len(terms), "；".join(f"{t}×{terms[t][0]}" for t in order)


def _tag_rows_reference(ev: list[tuple], fields: tuple[str, ...]) -> list[tuple]:
    """The rows of :func:`tag_topics` from reference evidence rows (see :func:`_tag_rows`)."""
    field_rank = {f: i for i, f in enumerate(fields)}
    # (article, topic) -> term -> [count, first (field rank, offset)]; evidence rows are
    # already in article, topic, field, offset order
    groups: dict[tuple[Any, str], dict[str, list]] = {}
    for aid, topic, term, f, start, *_ in ev:
        terms = groups.setdefault((aid, topic), {})
        if term in terms:
            terms[term][0] += 1
        else:
            terms[term] = [1, (field_rank[f], int(start))]
    rows = []
    for (aid, topic), terms in groups.items():
        n_terms, evidence = _format_evidence(terms)
        rows.append((aid, topic, sum(v[0] for v in terms.values()), n_terms, evidence))
    return rows


def tag_topics(
    articles: pd.DataFrame,
    taxonomy: str | Path | pd.DataFrame | None = None,
    *,
    fields: Sequence[str] = ("title", "body"),
    min_hits: int = 1,
) -> pd.DataFrame:
    """Tag articles with every topic whose terms occur in them (multi-label), with evidence.

    An article carries a topic when the topic's keywords and patterns hit at least
    ``min_hits`` times in ``fields`` together (hits counted as in :func:`topic_evidence`).

    Parameters
    ----------
    articles
        Needs ``article_id`` and the ``fields`` columns (a hand-built DataFrame is enough).
    taxonomy
        ``None`` for the bundled taxonomy, a path to your own TOML file (see the header of
        the bundled ``topics.toml``), or a DataFrame from :func:`load_taxonomy`.
    fields
        Text columns searched.
    min_hits
        Minimum number of hits for a tag (integer >= 1).

    Returns
    -------
    DataFrame
        One row per (article, topic) with columns ``article_id, topic, n_hits, n_terms,
        evidence, label_zh, label_en``: ``n_hits`` is the number of hits, ``n_terms`` the
        number of distinct matched terms and ``evidence`` lists them with their counts, most
        frequent first, e.g. ``"电子病历×3；互联互通×1"``.  Rows follow the order of
        ``articles``, then topic id.  Untagged articles have no row.

    See Also
    --------
    topic_evidence : one row per hit, with offsets, to check tags in context.

    Examples
    --------
    >>> import pandas as pd
    >>> arts = pd.DataFrame({"article_id": ["a", "b"], "title": ["", ""],
    ...                      "body": ["推进医共体和医联体建设，医共体覆盖全县", "天气晴"]})
    >>> tag_topics(arts)[["article_id", "topic", "n_hits", "evidence"]]
      article_id         topic  n_hits     evidence
    0          a  primary_care       3  医共体×2；医联体×1
    """
    if isinstance(min_hits, bool) or not isinstance(min_hits, (int, np.integer)) or min_hits < 1:
        raise ValueError(f"min_hits must be an integer >= 1; got {min_hits!r}")
    fields = _check_articles(articles, fields)
    tax = _resolve_taxonomy(taxonomy)
    labels = tax.set_index("topic")[["label_zh", "label_en"]]
    hits = _evidence_fast(articles, tax, fields, paragraphs=False)
    if hits is not None:
        fast = _tag_frame(hits, labels, min_hits)
        if fast is not None:
            return fast
        rows = _tag_rows(hits)
    else:
        rows = _tag_rows_reference(_evidence_rows(articles, tax, fields), fields)
    out = pd.DataFrame(rows, columns=["article_id", "topic", "n_hits", "n_terms", "evidence"])
    out = out[out["n_hits"] >= min_hits]
    out["label_zh"] = out["topic"].map(labels["label_zh"])
    out["label_en"] = out["topic"].map(labels["label_en"])
    order = {aid: i for i, aid in enumerate(dict.fromkeys(articles["article_id"].tolist()))}
    out = out.assign(_o=out["article_id"].map(order)).sort_values(
        ["_o", "topic"], kind="stable"
    )
    out = out.drop(columns="_o").reset_index(drop=True)
    out["n_hits"] = out["n_hits"].astype("int64")
    out["n_terms"] = out["n_terms"].astype("int64")
    return out[list(TAG_COLUMNS)]


# --------------------------------------------------------------------------- time


def article_times(articles: pd.DataFrame) -> pd.DataFrame:
    """The date each article is placed at in trends, and the coverage of its digest issue.

    An article's time is the **end of the coverage period of its digest issue**
    (``period_end``), else the issue date (``issue_date``), else the article's own
    ``published`` date.  The digest is a record of what was monitored in a week, so the week an
    item was *collected in* is the natural time axis; for standalone articles (no issue) the
    publication date is the only date there is.  Missing columns count as missing values.

    Parameters
    ----------
    articles
        Needs ``article_id``; uses ``period_start, period_end, issue_date, published, issue_no``
        when present.

    Returns
    -------
    DataFrame
        ``article_id, time, time_source`` (``"period_end" | "issue_date" | "published" | ""``),
        ``cover_start, cover_end`` (the issue's coverage period, or ``time`` .. ``time``),
        ``n_weeks_covered`` (``ceil(days / 7)`` of the coverage period for digest articles with
        both period dates, else 0) and ``issue_no`` (Int64).
    """
    n = len(articles)

    def col(name: str) -> pd.Series:
        if name in articles:
            return pd.to_datetime(articles[name], errors="coerce").reset_index(drop=True)
        return pd.Series(pd.NaT, index=range(n), dtype="datetime64[ns]")

    pe, idate, pub, ps = col("period_end"), col("issue_date"), col("published"), col("period_start")
    time = pe.fillna(idate).fillna(pub)
    source = np.where(pe.notna(), "period_end", np.where(idate.notna(), "issue_date",
                      np.where(pub.notna(), "published", "")))
    has_period = pe.notna() & ps.notna()
    cover_start = ps.where(has_period, time)
    cover_end = pe.where(has_period, time)
    days = (cover_end - cover_start).dt.days + 1
    weeks = np.where(has_period, np.ceil(days.fillna(1).to_numpy(dtype=float) / 7.0), 0)
    if "issue_no" in articles:
        issue_no = pd.array(articles["issue_no"].to_numpy(), dtype="Int64")
    else:
        issue_no = pd.array([pd.NA] * n, dtype="Int64")
    return pd.DataFrame(
        {
            "article_id": articles["article_id"].to_numpy(),
            "time": time.to_numpy(),
            "time_source": source,
            "cover_start": cover_start.to_numpy(),
            "cover_end": cover_end.to_numpy(),
            "n_weeks_covered": np.maximum(weeks, 0).astype("int64"),
            "issue_no": issue_no,
        }
    )


def _check_freq(freq: str, normalize: str, week_ending: str) -> None:
    if freq not in FREQS:
        raise ValueError(f"freq must be one of {FREQS}; got {freq!r}")
    if normalize not in NORMALIZE:
        raise ValueError(f"normalize must be one of {NORMALIZE}; got {normalize!r}")
    if week_ending not in WEEK_ENDINGS:
        raise ValueError(f"week_ending must be one of {WEEK_ENDINGS}; got {week_ending!r}")


def _bins(times: pd.DataFrame, freq: str, week_ending: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Place articles in bins.  Returns (article -> bin, bins table with status info)."""
    t = times.copy()
    if freq == "issue":
        keep = t["time_source"].isin(["period_end", "issue_date"])
        t = t[keep]
        t["bin_start"] = t["cover_start"].dt.normalize()
        t["bin_end"] = t["time"].dt.normalize()
        t["period"] = t["bin_end"].dt.strftime("%Y-%m-%d")
        keys = t[["period", "bin_start", "bin_end"]]
        bins = (
            keys.groupby("period", sort=True)
            .agg(bin_start=("bin_start", "min"), bin_end=("bin_end", "max"))
            .reset_index()
        )
    else:
        t = t[t["time"].notna()]
        pfreq = f"W-{week_ending}" if freq == "week" else "M"
        per = t["time"].dt.to_period(pfreq)
        t["period"] = per.astype(str)
        if len(t):
            rng = pd.period_range(per.min(), per.max(), freq=pfreq)
        else:
            rng = pd.PeriodIndex([], freq=pfreq)
        bins = pd.DataFrame(
            {
                "period": rng.astype(str),
                "bin_start": rng.start_time.normalize(),
                "bin_end": rng.end_time.normalize(),
            }
        )
    # issues: distinct coverage periods of digest articles
    issues = t[t["n_weeks_covered"] > 0].drop_duplicates(["issue_no", "cover_start", "cover_end"])
    n_issues: dict[str, int] = {}
    n_weeks: dict[str, int] = {}
    for p, w in zip(issues["period"], issues["n_weeks_covered"], strict=True):
        n_issues[p] = n_issues.get(p, 0) + 1
        n_weeks[p] = n_weeks.get(p, 0) + int(w)
    inos: dict[str, int] = {}
    for p, no in zip(t["period"], t["issue_no"], strict=True):
        if not pd.isna(no):
            inos[p] = min(int(no), inos.get(p, int(no)))
    periods = bins["period"].tolist()
    bins["n_issues"] = np.array([n_issues.get(p, 0) for p in periods], dtype="int64")
    bins["n_weeks_covered"] = np.array([n_weeks.get(p, 0) for p in periods], dtype="int64")
    bins["issue_no"] = pd.array([inos.get(p, pd.NA) for p in periods], dtype="Int64")
    observed = set(t["period"])
    status = []
    cov = issues[["cover_start", "cover_end"]].to_numpy()
    for p, b0, b1 in zip(bins["period"], bins["bin_start"], bins["bin_end"], strict=True):
        if p in observed:
            status.append("observed")
            continue
        covered = False
        for c0, c1 in cov:
            overlap = (min(pd.Timestamp(c1), b1) - max(pd.Timestamp(c0), b0)).days + 1
            if 2 * overlap > (b1 - b0).days + 1:
                covered = True
                break
        status.append("covered" if covered else "gap")
    bins["status"] = status
    return t[["article_id", "period"]], bins


def _trend_core(
    presence: pd.DataFrame,
    articles: pd.DataFrame,
    *,
    key: str,
    keys: Sequence[Any],
    freq: str,
    normalize: str,
    week_ending: str,
    extra: Sequence[str] = (),
) -> pd.DataFrame:
    times = article_times(articles.drop_duplicates("article_id"))
    placed, bins = _bins(times, freq, week_ending)
    n_unplaced = len(times) - len(placed)
    if n_unplaced:
        logger.info("trends: %d article(s) without a usable date were left out", n_unplaced)
    totals = placed.groupby("period").size()
    pres = presence.merge(placed, on="article_id", how="inner")
    agg = {"n_articles": ("article_id", "nunique")}
    for c in extra:
        agg[c] = (c, "sum")
    counts = pres.groupby(["period", key]).agg(**agg)
    n_tags = pres.drop_duplicates(["article_id", key]).groupby("period").size()
    grid = pd.MultiIndex.from_product([bins["period"], list(keys)], names=["period", key])
    out = counts.reindex(grid).reset_index()
    out = out.merge(bins, on="period", how="left")
    out["n_articles"] = out["n_articles"].fillna(0).astype("int64")
    for c in extra:
        out[c] = out[c].fillna(0).astype("int64")
    out["n_total"] = out["period"].map(totals).fillna(0).astype("int64")
    if normalize == "articles":
        denom = out["n_total"].astype(float)
    else:
        out["n_tags"] = out["period"].map(n_tags).fillna(0).astype("int64")
        denom = out["n_tags"].astype(float)
    out["share"] = np.where(denom > 0, out["n_articles"] / denom.where(denom > 0, 1.0), np.nan)
    out["status"] = out["status"].astype(str)
    order = {k: i for i, k in enumerate(keys)}
    out = out.assign(_k=out[key].map(order)).sort_values(["bin_start", "period", "_k"])
    out = out.drop(columns="_k").reset_index(drop=True)
    out.attrs.update(
        {"freq": freq, "normalize": normalize, "n_unplaced": int(n_unplaced),
         "time": "period_end, else issue_date, else published"}
    )
    return out


def topic_trends(
    tags: pd.DataFrame,
    articles: pd.DataFrame,
    *,
    freq: str = "issue",
    normalize: str = "articles",
    topics: Sequence[str] | None = None,
    week_ending: str = "SUN",
) -> pd.DataFrame:
    """Share of articles carrying each topic, per issue, week or month, with explicit gaps.

    **Time of an article** (see :func:`article_times`): the end of its digest issue's coverage
    period (``period_end``), else ``issue_date``, else ``published``.  Articles with none of
    these are left out (their number is in ``.attrs["n_unplaced"]``).

    **Issues covering more than one week** (``period_start .. period_end`` longer than 7 days,
    e.g. a holiday double issue) are *not split*: all their articles count in the bin of
    ``period_end``; that bin's ``n_weeks_covered`` says how many weeks of monitoring it holds
    (2 for a double issue in a weekly bin), and the earlier week(s) the issue covered appear as
    rows with ``status == "covered"`` (no articles of their own, share NaN) rather than as gaps.
    A bin counts as covered when an issue's coverage period overlaps more than half of its
    days (a normal Saturday–Friday issue overlaps the previous ISO week by only two days).

    **Gaps**: with ``freq="week"`` or ``"month"`` every bin between the first and the last
    dated article is a row.  Bins without articles have ``n_articles = n_total = 0``,
    ``share = NaN`` and ``status`` ``"gap"`` (nothing was monitored) or ``"covered"`` (see
    above), so a line plot breaks there instead of drawing a misleading zero.  With
    ``freq="issue"`` bins are the digest issues found (one per coverage end date); standalone
    articles dated only by ``published`` are not issues and are left out.

    Parameters
    ----------
    tags
        From :func:`tag_topics` (needs ``article_id, topic``; ``label_zh, label_en`` are
        carried over when present).
    articles
        The articles that were tagged (needs ``article_id`` and the date columns above).  They
        form the denominators, untagged articles included.
    freq
        ``"issue"``, ``"week"`` or ``"month"``.
    normalize
        ``"articles"``: ``share = n_articles / n_total`` (fraction of the period's articles
        carrying the topic); ``"tags"``: ``share = n_articles / n_tags`` (the topic's share of all
        topic tags in the period; an ``n_tags`` column is added).
    topics
        Topic ids to report, in this order; default: every topic in ``tags``, sorted.
    week_ending
        Weekday that ends a week bin (``"SUN"``: ISO weeks Monday–Sunday).

    Returns
    -------
    DataFrame
        One row per (period, topic), sorted by time then topic: ``period`` (label:
        ``"2025-02-24/2025-03-02"`` for a week, ``"2025-02"`` for a month, the coverage end date
        ``"2025-02-28"`` for an issue), ``bin_start, bin_end`` (dates), ``topic, n_articles,
        n_total, share, status, n_issues, n_weeks_covered, issue_no`` and, when ``tags`` has
        them, ``label_zh, label_en``.

    Examples
    --------
    >>> import pandas as pd
    >>> arts = pd.DataFrame({"article_id": ["a", "b", "c"],
    ...     "period_start": pd.to_datetime(["2025-02-22", "2025-02-22", "2025-03-08"]),
    ...     "period_end": pd.to_datetime(["2025-02-28", "2025-02-28", "2025-03-14"])})
    >>> tags = pd.DataFrame({"article_id": ["a"], "topic": ["ai"]})
    >>> cols = ["period", "n_articles", "n_total", "share", "status"]
    >>> topic_trends(tags, arts, freq="week")[cols]
                      period  n_articles  n_total  share    status
    0  2025-02-24/2025-03-02           1        2    0.5  observed
    1  2025-03-03/2025-03-09           0        0    NaN       gap
    2  2025-03-10/2025-03-16           0        1    0.0  observed
    """
    _check_freq(freq, normalize, week_ending)
    for name, df, cols in (("tags", tags, ("article_id", "topic")), ("articles", articles,
                                                                      ("article_id",))):
        if not isinstance(df, pd.DataFrame):
            raise ValueError(f"{name} must be a DataFrame; got {type(df).__name__}")
        missing = [c for c in cols if c not in df]
        if missing:
            raise ValueError(f"{name} is missing column(s) {missing}")
    keys = list(topics) if topics is not None else sorted(tags["topic"].dropna().unique())
    presence = tags[["article_id", "topic"]].drop_duplicates()
    presence = presence[presence["topic"].isin(keys)]
    out = _trend_core(presence, articles, key="topic", keys=keys, freq=freq,
                      normalize=normalize, week_ending=week_ending)
    cols = ["period", "bin_start", "bin_end", "topic", "n_articles", "n_total", "share",
            "status", "n_issues", "n_weeks_covered", "issue_no"]
    if normalize == "tags":
        cols.insert(cols.index("share"), "n_tags")
    for lab in ("label_zh", "label_en"):
        if lab in tags:
            m = tags.drop_duplicates("topic").set_index("topic")[lab]
            out[lab] = out["topic"].map(m)
            cols.append(lab)
    attrs = dict(out.attrs)
    out = out[cols]
    out.attrs.update(attrs)
    return out


def keyword_trends(
    articles: pd.DataFrame,
    terms: Sequence[str],
    *,
    freq: str = "issue",
    fields: Sequence[str] = ("title", "body"),
    normalize: str = "articles",
    week_ending: str = "SUN",
) -> pd.DataFrame:
    """Share of articles mentioning each term, per issue, week or month, with explicit gaps.

    Terms are literal strings matched as substrings of ``fields`` (no segmentation, so
    ``"医共体"`` is found inside ``"紧密型医共体"``).  Time placement, two-week issues and gap
    rows are handled exactly as in :func:`topic_trends`.

    Parameters
    ----------
    articles
        Needs ``article_id``, the ``fields`` columns and date columns (see
        :func:`article_times`).
    terms
        The terms to follow (non-empty strings).
    freq, normalize, week_ending
        As in :func:`topic_trends` (``normalize="tags"`` divides by the number of
        (article, term) presences in the period).
    fields
        Text columns searched.

    Returns
    -------
    DataFrame
        One row per (period, term): ``period, bin_start, bin_end, term, n_articles`` (articles
        containing the term), ``n_hits`` (non-overlapping occurrences), ``n_total, share,
        status, n_issues, n_weeks_covered, issue_no``; rows in time order, terms in the order
        given.

    Examples
    --------
    >>> import pandas as pd
    >>> arts = pd.DataFrame({"article_id": ["a", "b"], "title": ["", ""],
    ...     "body": ["医共体 医共体", "无"], "period_end": pd.to_datetime(["2025-02-28"] * 2)})
    >>> keyword_trends(arts, ["医共体"])[["period", "term", "n_articles", "n_hits", "share"]]
           period term  n_articles  n_hits  share
    0  2025-02-28  医共体           1       2    0.5
    """
    _check_freq(freq, normalize, week_ending)
    fields = _check_articles(articles, fields)
    if isinstance(terms, str):
        terms = [terms]
    terms = list(dict.fromkeys(terms))
    if not terms or not all(isinstance(t, str) and t for t in terms):
        raise ValueError(f"terms must be a non-empty list of non-empty strings; got {terms!r}")
    text = articles[list(fields)].fillna("").astype(str).agg("\n".join, axis=1)
    rows = []
    for aid, s in zip(articles["article_id"], text, strict=True):
        for t in terms:
            n = s.count(t)
            if n:
                rows.append((aid, t, n))
    presence = pd.DataFrame(rows, columns=["article_id", "term", "n_hits"])
    out = _trend_core(presence, articles, key="term", keys=terms, freq=freq,
                      normalize=normalize, week_ending=week_ending, extra=("n_hits",))
    cols = ["period", "bin_start", "bin_end", "term", "n_articles", "n_hits", "n_total", "share",
            "status", "n_issues", "n_weeks_covered", "issue_no"]
    if normalize == "tags":
        cols.insert(cols.index("share"), "n_tags")
    attrs = dict(out.attrs)
    out = out[cols]
    out.attrs.update(attrs)
    return out


def topic_labels(taxonomy: str | Path | pd.DataFrame | None = None, *, lang: str = "zh"
                 ) -> dict[str, str]:
    """Map topic id -> label in ``lang`` (``"zh"`` or ``"en"``) from a taxonomy."""
    if lang not in ("zh", "en"):
        raise ValueError(f"lang must be one of ('zh', 'en'); got {lang!r}")
    tax = _resolve_taxonomy(taxonomy)
    return dict(zip(tax["topic"], tax[f"label_{lang}"], strict=True))


__all__ = [
    "article_times",
    "keyword_trends",
    "load_taxonomy",
    "tag_topics",
    "topic_evidence",
    "topic_labels",
    "topic_trends",
]

