"""The corpus: documents, articles, problems and spans as tidy pandas tables.

>>> import weeklylib as wl
>>> corpus = wl.load_corpus("seeds")                       # doctest: +SKIP
>>> corpus.documents[["doc_id", "kind", "issue_no", "status"]]  # doctest: +SKIP
>>> corpus.problems.query("severity == 'error'")           # doctest: +SKIP
>>> corpus.to_csv("out/tables")                            # doctest: +SKIP

Every input file appears in ``documents`` with a ``status``; every problem found
is a row of ``problems`` naming the file and line; every line of every file has a
row in ``spans`` saying where its text went.  Parsing results are cached per file
(keyed by the file's SHA-256 and the parser version), so a second load of an
unchanged corpus parses nothing, and a changed file is the only one re-parsed.
"""

from __future__ import annotations

import logging
import os
import pickle
import sys
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from weeklylib.errors import CorpusError, SourceNotFoundError
from weeklylib.io import RawDocument, decode_bytes, find_files, read_document
from weeklylib.parse import ParsedDocument, parse_document
from weeklylib.problems import Problem
from weeklylib.schema import ARTICLE_COLUMNS, DOCUMENT_COLUMNS, PROBLEM_COLUMNS, SPAN_COLUMNS

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["PARSER_VERSION", "Corpus", "as_articles", "default_cache_dir", "load_corpus"]

#: Bump when parsing changes what it produces: cached results of older versions are ignored.
PARSER_VERSION = "1"

log = logging.getLogger("weeklylib")

Source = str | os.PathLike[str] | Sequence[str | os.PathLike[str]]


def default_cache_dir() -> Path:
    """``$WEEKLYLIB_CACHE_DIR`` if set, else ``~/.cache/weeklylib``."""
    env = os.environ.get("WEEKLYLIB_CACHE_DIR")
    return Path(env) if env else Path.home() / ".cache" / "weeklylib"


# --------------------------------------------------------------------------- reading + parsing
@dataclass(slots=True)
class _Entry:
    """One input file: how it was read and what parsing found (cacheable)."""

    raw: RawDocument  # ``text`` emptied before caching
    parsed: ParsedDocument


def _parse_one(raw: RawDocument) -> _Entry:
    parsed = parse_document(raw)
    parsed.n_chars = len(raw.text)
    for code, message, detail in raw.problems:
        parsed.problems.insert(0, Problem(raw.doc_id, code, f"{raw.path}: {message}", detail))
    raw.text = ""  # the text stays on disk; Corpus.raw() re-reads it
    return _Entry(raw, parsed)


def _read_and_parse(path_and_id: tuple[str, str]) -> _Entry:
    path, doc_id = path_and_id
    return _parse_one(read_document(path, doc_id=doc_id))


class _Cache:
    """Parse results of one parser version, keyed by (sha256, doc_id, path)."""

    def __init__(self, folder: Path | None):
        self.file = None if folder is None else folder / f"parsed-v{PARSER_VERSION}.pickle"
        self.entries: dict[tuple[str, str, str], _Entry] = {}
        self.dirty = False
        if self.file is not None and self.file.exists():
            try:
                with self.file.open("rb") as fh:
                    self.entries = pickle.load(fh)
            except Exception as exc:  # a corrupt cache is rebuilt, never trusted
                log.warning("ignoring unreadable parse cache %s (%s)", self.file, exc)
                self.entries = {}

    def get(self, key: tuple[str, str, str]) -> _Entry | None:
        return self.entries.get(key)

    def put(self, key: tuple[str, str, str], entry: _Entry) -> None:
        self.entries[key] = entry
        self.dirty = True

    def save(self, keep: set[tuple[str, str, str]]) -> None:
        if self.file is None or not self.dirty:
            return
        self.file.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.file.with_suffix(f".tmp{os.getpid()}")
        with tmp.open("wb") as fh:
            pickle.dump({k: v for k, v in self.entries.items() if k in keep}, fh,
                        protocol=pickle.HIGHEST_PROTOCOL)
        tmp.replace(self.file)


def _resolve_source(source: Source) -> Source:
    """``"seeds"`` also finds the project's bundled seeds folder from anywhere."""
    if isinstance(source, str | os.PathLike) and not Path(source).exists():
        here = Path(__file__).resolve()
        for parent in here.parents[1:4]:
            candidate = parent / Path(source)
            if Path(source).name == "seeds" and candidate.is_dir():
                return candidate
    return source


def _progress(iterable, *, total: int, enabled: bool | None, desc: str):
    if enabled is None:
        enabled = total >= 200 and sys.stderr.isatty()
    if not enabled:
        return iterable
    from tqdm.auto import tqdm

    return tqdm(iterable, total=total, desc=desc, unit="file")


def load_corpus(
    source: Source = "seeds",
    *,
    cache: bool | str | os.PathLike[str] = True,
    workers: int | None = None,
    progress: bool | None = None,
) -> Corpus:
    """Load digest files into a :class:`Corpus` of tidy tables.

    Parameters
    ----------
    source
        A folder (its ``.txt``/``.text``/``.md`` files, recursively), a file, or a
        list of files and folders.  ``"seeds"`` finds the project's bundled seed
        corpus even when the working directory is elsewhere (e.g. ``notebooks/``).
    cache
        ``True`` (default) keeps parse results in :func:`default_cache_dir`, a
        path keeps them there, ``False`` parses everything afresh.  Results never
        depend on the cache: it is keyed by each file's SHA-256 and the parser
        version.
    workers
        Processes used to parse files that are not cached.  ``None`` picks
        ``min(4, cores)`` when more than 200 files need parsing, else 1.
        Results are identical for any number of workers.
    progress
        Show a progress bar; ``None`` shows one for 200+ files on a terminal.

    Returns
    -------
    Corpus

    Raises
    ------
    SourceNotFoundError
        ``source`` names a path that does not exist.
    NoInputFilesError
        A folder holds no text files.

    Examples
    --------
    >>> corpus = load_corpus("seeds")                      # doctest: +SKIP
    >>> corpus.articles.loc[0, ["article_id", "source"]]   # doctest: +SKIP
    """
    if workers is not None and (not isinstance(workers, int) or workers < 1):
        raise ValueError(f"workers must be a positive integer or None, got {workers!r}")
    files = find_files(_resolve_source(source))
    doc_ids = _unique_doc_ids(files)
    folder = None if cache is False else (default_cache_dir() if cache is True else Path(cache))

    # read bytes + hash every file (cheap); parse only what the cache lacks
    import hashlib

    keys: list[tuple[str, str, str]] = []
    for path, doc_id in zip(files, doc_ids, strict=True):
        try:
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
        except OSError:
            digest = ""
        keys.append((digest, doc_id, str(path)))
    tables_file = _tables_file(folder, keys)
    if tables_file is not None and all(k[0] for k in keys):
        tables = _read_tables(tables_file)
        if tables is not None:  # nothing changed since a previous load: no parsing, no unpickling
            return Corpus(*tables, entry_loader=lambda: _load_entries(folder, keys))
    store = _Cache(folder)
    todo = [(str(path), doc_id) for (digest, doc_id, path) in keys
            if not digest or store.get((digest, doc_id, path)) is None]
    n_workers = workers or (min(4, os.cpu_count() or 1) if len(todo) > 200 else 1)
    results: list[_Entry] = []
    if n_workers > 1 and todo:
        with ProcessPoolExecutor(max_workers=n_workers) as pool:
            results = list(_progress(pool.map(_read_and_parse, todo, chunksize=16),
                                     total=len(todo), enabled=progress, desc="parsing"))
    elif todo:
        results = [_read_and_parse(item)
                   for item in _progress(todo, total=len(todo), enabled=progress, desc="parsing")]
    fresh = {(e.raw.doc_id, e.raw.path): e for e in results}
    entries: list[_Entry] = []
    keep: set[tuple[str, str, str]] = set()
    for key in keys:
        entry = fresh.get(key[1:])
        if entry is None:
            entry = store.get(key)
            assert entry is not None  # every key missing from the cache was parsed above
        elif entry.raw.sha256:  # the hash as read by the parser (the file may have changed)
            store.put((entry.raw.sha256, *key[1:]), entry)
        keep.add((entry.raw.sha256, *key[1:]))
        entries.append(entry)
    store.save(keep)
    corpus = Corpus._from_entries(entries)
    if tables_file is not None and all(k[0] for k in keys):
        _write_tables(tables_file, corpus)
    return corpus


# ---- corpus-level fast path: the three tables of a set of files, keyed by all their keys
_N_TABLE_FILES = 8  # most recent corpora kept


def _tables_file(folder: Path | None, keys: list[tuple[str, str, str]]) -> Path | None:
    if folder is None:
        return None
    import hashlib

    digest = hashlib.sha256(repr((PARSER_VERSION, keys)).encode("utf-8")).hexdigest()[:32]
    return folder / f"tables-v{PARSER_VERSION}-{digest}.pickle"


def _read_tables(path: Path):
    if not path.exists():
        return None
    try:
        with path.open("rb") as fh:
            tables = pickle.load(fh)
        path.touch()  # most recently used
        return tables
    except Exception as exc:  # a corrupt cache is rebuilt, never trusted
        log.warning("ignoring unreadable table cache %s (%s)", path, exc)
        return None


def _write_tables(path: Path, corpus: Corpus) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".tmp{os.getpid()}")
    with tmp.open("wb") as fh:
        pickle.dump((corpus.documents, corpus.articles, corpus.problems), fh, protocol=5)
    tmp.replace(path)
    old = sorted(path.parent.glob(f"tables-v{PARSER_VERSION}-*.pickle"),
                 key=lambda p: p.stat().st_mtime, reverse=True)[_N_TABLE_FILES:]
    for stale in old:
        stale.unlink(missing_ok=True)


def _load_entries(folder: Path | None, keys: list[tuple[str, str, str]]) -> list[_Entry]:
    """The files' parse results from the per-file cache (``Corpus.spans`` after a fast load);
    a file missing from it is parsed again."""
    store = _Cache(folder)
    return [store.get(key) or _read_and_parse((key[2], key[1])) for key in keys]


def as_articles(corpus, *, what: str = "corpus") -> pd.DataFrame:
    """The articles table of ``corpus``: a :class:`Corpus`, an articles DataFrame, or a path
    (loaded with :func:`load_corpus`).

    Raises
    ------
    ValueError
        ``corpus`` is none of these; the message names the parameter (``what``) and its type.
    """
    import pandas as pd

    if isinstance(corpus, pd.DataFrame):
        return corpus
    if isinstance(corpus, str | os.PathLike):
        corpus = load_corpus(corpus)
    articles = getattr(corpus, "articles", None)
    if not isinstance(articles, pd.DataFrame):
        raise ValueError(f"{what} must be a Corpus (with .articles), an articles DataFrame or a "
                         f"path; got {type(corpus).__name__}")
    return articles


def _unique_doc_ids(files: list[Path]) -> list[str]:
    """File stems, made unique with the parent folder when two files share a stem."""
    stems = [f.stem for f in files]
    counts: dict[str, int] = {}
    for s in stems:
        counts[s] = counts.get(s, 0) + 1
    ids = []
    for f, s in zip(files, stems, strict=True):
        ids.append(s if counts[s] == 1 else f"{f.parent.name}/{s}")
    return ids


# --------------------------------------------------------------------------- the Corpus
class Corpus:
    """Documents, articles, problems and spans of a loaded corpus.

    Attributes
    ----------
    documents : DataFrame
        One row per input file (:data:`weeklylib.schema.DOCUMENT_COLUMNS`).
    articles : DataFrame
        One row per article (:data:`weeklylib.schema.ARTICLE_COLUMNS`).
    problems : DataFrame
        The data-quality ledger (:data:`weeklylib.schema.PROBLEM_COLUMNS`); codes
        are documented in :data:`weeklylib.problems.PROBLEM_CODES`.
    spans : DataFrame
        Every line of every file with its role (:data:`weeklylib.parse.SPAN_ROLES`).
    """

    def __init__(self, documents: pd.DataFrame, articles: pd.DataFrame, problems: pd.DataFrame,
                 entries: list[_Entry] | None = None, *, entry_loader=None):
        self.documents = documents
        self.articles = articles
        self.problems = problems
        self._entries = entries
        self._entry_loader = entry_loader  # loads the per-file entries on first need
        self._spans: pd.DataFrame | None = None

    def _get_entries(self) -> list[_Entry]:
        if self._entries is None:
            self._entries = self._entry_loader() if self._entry_loader else []
        return self._entries

    # ---- construction
    @classmethod
    def _from_entries(cls, entries: list[_Entry]) -> Corpus:

        doc_rows, art_rows, problems = [], [], []
        first_by_hash: dict[str, str] = {}
        first_by_url: dict[str, str] = {}
        for entry in entries:
            raw, parsed = entry.raw, entry.parsed
            doc_problems = list(parsed.problems)
            duplicate_of = ""
            if raw.sha256 and raw.n_bytes and raw.sha256 in first_by_hash:
                duplicate_of = first_by_hash[raw.sha256]
                doc_problems.append(Problem(raw.doc_id, "duplicate_content",
                                            f"{raw.path}: has the same bytes as document "
                                            f"{duplicate_of}; its articles are not repeated",
                                            duplicate_of))
            elif raw.sha256:
                first_by_hash.setdefault(raw.sha256, raw.doc_id)
            articles = [] if duplicate_of else parsed.articles
            for art in articles:
                article_id = f"{raw.doc_id}#{art.position}"
                if art.url:
                    if art.url in first_by_url:
                        doc_problems.append(Problem(
                            raw.doc_id, "duplicate_article",
                            f"{raw.path}, line {art.line}: article {art.position} has the same URL "
                            f"as {first_by_url[art.url]}", art.url, article_id, art.line))
                    else:
                        first_by_url[art.url] = article_id
                art_rows.append({
                    "article_id": article_id, "doc_id": raw.doc_id, "position": art.position,
                    "title": art.title, "source": art.source, "url": art.url,
                    "published": art.published, "body": art.body, "n_chars": len(art.body),
                    "toc_title": art.toc_title, "toc_source": art.toc_source,
                    "doc_kind": parsed.kind, "issue_no": parsed.issue_no,
                    "issue_date": parsed.issue_date, "period_start": parsed.period_start,
                    "period_end": parsed.period_end, "n_credits": art.n_credits,
                    "byline": art.byline, "number": art.number, "line": art.line,
                })
            severities = {p.severity for p in doc_problems}
            status = "error" if "error" in severities else "warning" if severities else "ok"
            doc_rows.append({
                "doc_id": raw.doc_id, "path": raw.path, "sha256": raw.sha256,
                "encoding": raw.encoding, "kind": parsed.kind, "issue_no": parsed.issue_no,
                "issue_date": parsed.issue_date, "period_start": parsed.period_start,
                "period_end": parsed.period_end, "declared_count": parsed.declared_count,
                "n_articles": len(articles), "status": status, "title": parsed.title,
                "n_bytes": raw.n_bytes, "n_chars": parsed.n_chars,
                "n_credits": parsed.n_credits, "duplicate_of": duplicate_of,
                "n_problems": len(doc_problems),
            })
            problems.extend(doc_problems)

        documents = _frame(doc_rows, (*DOCUMENT_COLUMNS, "n_problems"))
        articles = _frame(art_rows, (*ARTICLE_COLUMNS, "byline", "number", "line"))
        problem_rows = [{"doc_id": p.doc_id, "article_id": p.article_id, "severity": p.severity,
                         "code": p.code, "message": p.message, "detail": p.detail, "line": p.line}
                        for p in problems]
        problems_df = _frame(problem_rows, PROBLEM_COLUMNS)
        return cls(_typed(documents), _typed(articles), _typed(problems_df), entries)

    # ---- access
    @property
    def spans(self) -> pd.DataFrame:
        """Every line of every file with its role; built on first access."""
        if self._spans is None:
            import pandas as pd

            doc_ids, article_ids, line_nos, roles, texts = [], [], [], [], []
            for entry in self._get_entries():
                n = len(entry.parsed.roles)
                if not n:
                    continue
                doc_id = entry.raw.doc_id
                lines = [s.strip() for s in self._raw_text(entry).split("\n")]
                lines += [""] * (n - len(lines))
                doc_ids += [doc_id] * n
                article_ids += [f"{doc_id}#{o}" if o else "" for o in entry.parsed.owners]
                line_nos += range(1, n + 1)
                roles += entry.parsed.roles
                texts += lines[:n]
            frame = pd.DataFrame({"doc_id": doc_ids, "article_id": article_ids, "line": line_nos,
                                  "role": roles, "text": texts}, columns=list(SPAN_COLUMNS))
            self._spans = _typed(frame)
        return self._spans

    def _raw_text(self, entry: _Entry) -> str:
        """The file's text (empty when unreadable); checked against the hash it was parsed with."""
        raw = entry.raw
        if not raw.sha256 or not raw.encoding:
            return ""
        import hashlib

        data = Path(raw.path).read_bytes()
        if hashlib.sha256(data).hexdigest() != raw.sha256:
            raise CorpusError("the file changed since the corpus was loaded; load it again",
                              path=raw.path)
        return decode_bytes(data)[0]

    def raw(self, doc_id: str) -> str:
        """The decoded text of one input file, exactly as read (line ends normalised).

        Raises
        ------
        KeyError
            No document has that ``doc_id``.
        CorpusError
            The file changed on disk since the corpus was loaded.
        """
        docs = self.documents
        match = docs.index[docs["doc_id"] == doc_id]
        if len(match) == 0:
            raise KeyError(f"no document {doc_id!r}; known: {list(docs['doc_id'])}")
        row = docs.loc[match[0]]
        path, sha256, encoding = str(row["path"]), str(row["sha256"]), str(row["encoding"])
        if not sha256:
            return ""
        try:
            data = Path(path).read_bytes()
        except OSError as exc:
            raise SourceNotFoundError(f"cannot re-read the file ({exc.strerror})",
                                      path=path) from exc
        import hashlib

        if hashlib.sha256(data).hexdigest() != sha256:
            raise CorpusError("the file changed since the corpus was loaded; load it again",
                              path=path)
        if encoding == "":
            return ""
        return decode_bytes(data)[0]

    def summary(self) -> pd.DataFrame:
        """One-row-per-figure overview: documents by status and kind, articles, problems."""
        import pandas as pd

        docs = self.documents
        rows = [
            ("documents", len(docs)),
            *((f"documents ({k})", int((docs["kind"] == k).sum()))
              for k in ("weekly", "article", "unknown")),
            *((f"status {s}", int((docs["status"] == s).sum()))
              for s in ("ok", "warning", "error")),
            ("articles", len(self.articles)),
            ("characters of body text", int(self.articles["n_chars"].sum())),
            ("photo credits removed", int(self.articles["n_credits"].sum())),
            ("problems (warning)", int((self.problems["severity"] == "warning").sum())),
            ("problems (error)", int((self.problems["severity"] == "error").sum())),
        ]
        return pd.DataFrame(rows, columns=["item", "n"])

    def __repr__(self) -> str:
        docs = self.documents
        return (f"<Corpus: {len(docs)} documents ({int((docs['kind'] == 'weekly').sum())} digest "
                f"issues), {len(self.articles)} articles, {len(self.problems)} problems>")

    def __len__(self) -> int:
        return len(self.articles)

    # ---- export
    def tables(self) -> dict[str, pd.DataFrame]:
        """The four tables by name."""
        return {"documents": self.documents, "articles": self.articles,
                "problems": self.problems, "spans": self.spans}

    def to_parquet(self, folder: str | os.PathLike[str]) -> list[Path]:
        """Write ``documents/articles/problems/spans.parquet`` into ``folder``.

        Byte-identical for identical input (same library versions)."""
        out = Path(folder)
        out.mkdir(parents=True, exist_ok=True)
        paths = []
        for name, frame in self.tables().items():
            path = out / f"{name}.parquet"
            frame.to_parquet(path, index=False, compression="zstd")
            paths.append(path)
        return paths

    def to_csv(self, folder: str | os.PathLike[str]) -> list[Path]:
        """Write the tables as CSV in UTF-8 with BOM (so Excel shows Chinese); dates as ISO."""
        out = Path(folder)
        out.mkdir(parents=True, exist_ok=True)
        paths = []
        for name, frame in self.tables().items():
            path = out / f"{name}.csv"
            frame.to_csv(path, index=False, encoding="utf-8-sig", lineterminator="\n",
                         date_format="%Y-%m-%d")
            paths.append(path)
        return paths


_DATE_COLUMNS = ("published", "issue_date", "period_start", "period_end")
_INT_COLUMNS = ("issue_no", "declared_count", "line", "number")
_COUNT_COLUMNS = ("position", "n_articles", "n_chars", "n_bytes", "n_credits", "n_problems")


def _frame(rows: list[dict], columns: Sequence[str]) -> pd.DataFrame:
    import pandas as pd

    return pd.DataFrame(rows, columns=list(columns))


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    """Stable dtypes: dates datetime64[ns], nullable Int64 for numbers that may be missing."""
    import pandas as pd

    frame = frame.copy()
    for col in frame.columns:
        if col in _DATE_COLUMNS:
            frame[col] = pd.to_datetime(frame[col]).astype("datetime64[ns]")
        elif col in _INT_COLUMNS:
            frame[col] = frame[col].astype("Int64")
        elif col in _COUNT_COLUMNS:
            dtype = "Int64" if frame[col].isna().any() else "int64"
            frame[col] = frame[col].astype(dtype)
        else:
            frame[col] = frame[col].fillna("").astype("string")
    return frame.reset_index(drop=True)

