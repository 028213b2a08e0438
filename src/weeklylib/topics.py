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
        rows = _parse_taxonomy(bundled_text, bundled_name)
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
            base = _parse_taxonomy(bundled_text, bundled_name)
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
    out = pd.DataFrame(_evidence_rows(articles, tax, fields), columns=list(EVIDENCE_COLUMNS))
    for c in ("start", "end", "paragraph"):
        out[c] = out[c].astype("int64")
    return out


def _format_evidence(terms: Mapping[str, list]) -> tuple[int, str]:
    """``"电子病历×3；互联互通×1"``: most frequent first, then first occurrence, then term."""
    order = sorted(terms, key=lambda t: (-terms[t][0], terms[t][1], t))
    return len(terms), "；".join(f"{t}×{terms[t][0]}" for t in order)


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
    ev = _evidence_rows(articles, tax, fields)
    labels = tax.set_index("topic")[["label_zh", "label_en"]]
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

