"""One call that builds every analysis table, cached per document: :func:`build_tables`.

>>> import weeklylib as wl
>>> tables = wl.build_tables("seeds")                 # doctest: +SKIP
>>> tables["topics"].head()                           # doctest: +SKIP
>>> tables.stats                                      # doctest: +SKIP
>>> from weeklylib.pipeline import write_tables
>>> write_tables(tables, "out/tables", formats=("parquet", "csv"))   # doctest: +SKIP

The tables and the function that makes each (every table equals what that function returns
when called directly on the corpus):

======================  ====================================================================
``documents``           :func:`weeklylib.load_corpus` ``.documents``
``articles``            ``.articles``
``problems``            ``.problems``
``tokens``              :func:`weeklylib.tokenize` ``(articles)``
``topics``              :func:`weeklylib.tag_topics` ``(articles, taxonomy)``
``topic_evidence``      :func:`weeklylib.topic_evidence` ``(articles, taxonomy)``
``places``              :func:`weeklylib.extract_places` ``(articles)``
``regions``             :func:`weeklylib.resolve_regions` ``(places)``
``metrics``             :func:`weeklylib.extract_metrics` ``(articles, places=places,
                        regions=regions)``
``topic_cooccurrence``  :func:`weeklylib.cooccurrence` ``(topics, unit="article_id",
                        item="topic", measures=MEASURES, n_units=len(articles))`` — every
                        measure; untagged articles count in ``N``
``term_cooccurrence``   :func:`weeklylib.cooccurrence` ``(tokens[~tokens.is_stopword],
                        unit=["article_id", "sentence"], item="token", measures=MEASURES,
                        min_count=term_min_count)`` — content words in one sentence; ``N`` is
                        the number of sentences holding a content word
======================  ====================================================================

How the cache works
-------------------
The corpus tables come from :func:`weeklylib.load_corpus` with its own caches (a file is parsed
again only when its bytes changed; an unchanged corpus is read back without parsing).  Every
other table is one Parquet file in ``<cache dir>/pipeline-v1/`` (the cache dir is
:func:`weeklylib.corpus.default_cache_dir`: ``$WEEKLYLIB_CACHE_DIR`` or ``~/.cache/weeklylib``),
written to a temporary name and renamed (a crash never leaves half a file).  Each file records in
its metadata

* a **signature**: a hash of the corpus (every file's path and SHA-256, in order, as in
  ``documents``) and of the table's *configuration* — its name and version constant
  (:data:`STAGE_VERSIONS`), its parameters, the bytes of the data files it reads
  (``topics.toml`` or your taxonomy, ``regions.csv``/``region_aliases.csv``, ``metrics.toml``,
  ``userdict.txt``/``stopwords.txt``), the source code of the modules that compute it (and of
  the corpus loader) and the versions of weeklylib, Python, pandas, numpy, pyarrow, scipy, jieba
  and rjieba, and the configuration of the tables it is computed from.  A table whose signature
  matches is read as it is: when nothing changed (**warm run**) nothing is tokenized, tagged,
  placed, measured or counted;
* for the per-document tables (``topics``, ``topic_evidence``, ``places``, ``regions``,
  ``metrics``): a ``_key`` column and the list of document keys.  A document's key hashes the
  table's configuration and the ``article_id``, ``title`` and ``body`` of the document's
  articles (every stage reads the title as well as the body).  When the corpus changed, the
  stored rows of unchanged documents are kept and only new or changed documents are computed;
  the file is then rewritten with the rows of the current corpus (like the parse cache, it holds
  one corpus: keys of documents no longer in it are dropped);
* for corpus-wide tables (``tokens``, ``topic_cooccurrence``, ``term_cooccurrence``): an *input
  key* hashing the configuration and every document's content, so they are recomputed whenever
  an input changed.  ``tokens`` is computed by :func:`weeklylib.tokenize`, whose own cache
  segments only new or changed documents.

Results never depend on the cache or on ``workers``: a test compares cold, warm and uncached
builds, and a build after one file changed, with direct calls of every stage function.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.metadata
import importlib.util
import logging
import os
import pickle
import platform
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "CORPUS_TABLES",
    "DOCUMENT_TABLES",
    "STAGE_VERSIONS",
    "TABLE_NAMES",
    "TERM_MIN_COUNT",
    "Tables",
    "build_tables",
    "write_tables",
]

log = logging.getLogger("weeklylib")

#: Bump when the pipeline changes how it stores or combines tables (a new cache folder).
PIPELINE_VERSION = "1"

#: Every table :func:`build_tables` can build, in build order.
TABLE_NAMES: tuple[str, ...] = (
    "documents", "articles", "problems", "tokens", "topics", "topic_evidence", "places",
    "regions", "metrics", "topic_cooccurrence", "term_cooccurrence",
)
#: Tables of :func:`weeklylib.load_corpus` (always built).
CORPUS_TABLES: tuple[str, ...] = ("documents", "articles", "problems")
#: Tables computed and cached document by document (their rows depend on one article only).
DOCUMENT_TABLES: tuple[str, ...] = ("topics", "topic_evidence", "places", "regions", "metrics")

#: Version constant of each stage: bump one when its function changes what it returns in a way
#: the hash of its source code would not show (e.g. a changed dependency); its cache is redone.
STAGE_VERSIONS: dict[str, str] = {name: "1" for name in TABLE_NAMES}

#: Default ``term_min_count``: a pair of content words is kept when it shares at least this many
#: sentences (pairs seen once are most of the pairs and mostly noise).
TERM_MIN_COUNT = 2

_DEPENDS: dict[str, tuple[str, ...]] = {
    "documents": (), "articles": (), "problems": (),
    "tokens": ("articles",), "topics": ("articles",), "topic_evidence": ("articles",),
    "places": ("articles",), "regions": ("places",), "metrics": ("places", "regions"),
    "topic_cooccurrence": ("topics",), "term_cooccurrence": ("tokens",),
}
# source modules (weeklylib.<name>) whose code each stage runs
_CODE: dict[str, tuple[str, ...]] = {
    "corpus": ("corpus", "parse", "clean", "io", "problems", "schema", "errors"),
    "tokens": ("segment", "schema"),
    "topics": ("topics",), "topic_evidence": ("topics",),
    "places": ("regions",), "regions": ("regions",), "metrics": ("metrics",),
    "topic_cooccurrence": ("cooccur",), "term_cooccurrence": ("cooccur",),
}
# bundled data files each stage reads (the taxonomy is handled separately: it can be the user's)
_DATA: dict[str, tuple[str, ...]] = {
    "tokens": ("userdict.txt", "stopwords.txt"),
    "places": ("regions.csv", "region_aliases.csv"),
    "regions": ("regions.csv", "region_aliases.csv"),
    "metrics": ("metrics.toml",),
}
_TEXT_COLUMNS = ("article_id", "doc_id", "title", "body")  # what the per-document stages read
_PARALLEL_MIN_ARTICLES = 1000  # workers=None: below this many articles to compute, one process
_CHUNKS_PER_PROCESS = 4
_META = "weeklylib."


# =============================================================================== the result
class Tables(Mapping[str, pd.DataFrame]):
    """The tables of :func:`build_tables`: a read-only mapping ``name -> DataFrame``.

    Tables are also attributes (``tables.topics``).  ``stats`` says, per table, whether it was
    read from the cache, computed, or computed for some documents only.
    """

    def __init__(self, tables: Mapping[str, pd.DataFrame], stats: pd.DataFrame | None = None):
        self._tables = {n: tables[n] for n in TABLE_NAMES if n in tables}
        self.stats = stats if stats is not None else pd.DataFrame()

    def __getitem__(self, name: str) -> pd.DataFrame:
        try:
            return self._tables[name]
        except KeyError:
            raise KeyError(f"no table {name!r}; built: {list(self._tables)}") from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._tables)

    def __len__(self) -> int:
        return len(self._tables)

    def __getattr__(self, name: str) -> pd.DataFrame:
        if name.startswith("_"):
            raise AttributeError(name)
        try:
            return self._tables[name]
        except KeyError:
            raise AttributeError(f"no table {name!r}; built: {list(self._tables)}") from None

    def __dir__(self) -> list[str]:
        return sorted(set(super().__dir__()) | set(self._tables))

    def __repr__(self) -> str:
        parts = [f"{n} {len(t):,}×{t.shape[1]}" for n, t in self._tables.items()]
        return "<Tables: " + ", ".join(parts) + ">"


# =============================================================================== hashing
def _sha(*parts: str | bytes) -> str:
    h = hashlib.sha256()
    for p in parts:
        raw = p if isinstance(p, bytes) else p.encode("utf-8", "surrogatepass")
        h.update(len(raw).to_bytes(8, "little"))
        h.update(raw)
    return h.hexdigest()


def _module_digest(name: str) -> str:
    spec = importlib.util.find_spec(f"weeklylib.{name}")
    if spec is None or not spec.origin or not Path(spec.origin).is_file():
        return f"{name}:unknown"
    return _sha(name, Path(spec.origin).read_bytes())


def _data_digest(name: str) -> str:
    return _sha(name, resources.files("weeklylib.data").joinpath(name).read_bytes())


def _version(pkg: str) -> str:
    try:
        return importlib.metadata.version(pkg)
    except importlib.metadata.PackageNotFoundError:
        return "-"


def _taxonomy_digest(taxonomy: Any) -> str:
    if taxonomy is None:
        return "bundled " + _data_digest("topics.toml")
    if isinstance(taxonomy, str | os.PathLike):
        return "file " + _sha(Path(taxonomy).read_bytes())
    if isinstance(taxonomy, pd.DataFrame):
        return "frame " + _sha(taxonomy.to_json(orient="split", force_ascii=False,
                                                default_handler=repr))
    raise ValueError(
        "taxonomy must be None (bundled), a path to a TOML file or a DataFrame from "
        f"load_taxonomy; got {type(taxonomy).__name__}"
    )


def _configs(taxonomy: Any, term_min_count: int) -> dict[str, str]:
    """Configuration hash of every table (see the module docstring)."""
    from weeklylib import __version__
    from weeklylib.corpus import PARSER_VERSION
    from weeklylib.segment import resolve_engine

    base = _sha(
        PIPELINE_VERSION, _module_digest("pipeline"), __version__, platform.python_version(),
        *(f"{p}={_version(p)}" for p in ("pandas", "numpy", "pyarrow", "scipy", "jieba",
                                          "rjieba")),
    )
    tax = _taxonomy_digest(taxonomy)
    extra = {
        "corpus": ("parser", PARSER_VERSION),
        "tokens": ("engine", resolve_engine("auto"), "hmm=False"),
        "topics": ("taxonomy", tax, "fields=('title', 'body')", "min_hits=1"),
        "topic_evidence": ("taxonomy", tax, "fields=('title', 'body')"),
        "places": ("fields=('title', 'body')",),
        "regions": ("from places", "defaults"),
        "metrics": ("places=places, regions=regions",),
        "topic_cooccurrence": ("unit=article_id", "item=topic", "measures=all",
                               "n_units=len(articles)"),
        "term_cooccurrence": ("unit=article_id,sentence", "item=token", "measures=all",
                              "stopwords removed", f"min_count={int(term_min_count)}"),
    }
    out: dict[str, str] = {}

    def conf(name: str) -> str:
        if name in out:
            return out[name]
        key = "corpus" if name in CORPUS_TABLES else name
        deps = [conf(d) for d in _DEPENDS[name] if d not in CORPUS_TABLES]
        out[name] = _sha(
            base, name, STAGE_VERSIONS[name], *extra[key],
            *(_module_digest(m) for m in _CODE[key]),
            *(_data_digest(f) for f in _DATA.get(key, ())), *deps,
        )
        return out[name]

    for name in TABLE_NAMES:
        conf(name)
    return out


def _corpus_signature(pairs: Iterable[tuple[str, str]], corpus_config: str) -> str:
    return _sha(corpus_config, "\n".join(f"{p}\t{h}" for p, h in pairs))


def _doc_digests(articles: pd.DataFrame) -> dict[str, str]:
    """Hash of the ``article_id``, ``title`` and ``body`` of each document's articles."""
    hashers: dict[str, Any] = {}
    cols = [articles[c].tolist() for c in ("doc_id", "article_id", "title", "body")]
    for doc, *parts in zip(*cols, strict=True):
        h = hashers.get(doc)
        if h is None:
            h = hashers[doc] = hashlib.sha256()
        for part in parts:
            raw = part.encode("utf-8", "surrogatepass") if isinstance(part, str) else b"\0NA"
            h.update(len(raw).to_bytes(8, "little"))
            h.update(raw)
    return {d: h.hexdigest() for d, h in hashers.items()}


# =============================================================================== storage
@dataclass
class _Stored:
    """One cached table file: what its metadata says, and its frame (per-document tables keep
    their ``_key`` column).  ``ok`` is False when there is no readable file."""

    path: Path
    signature: str = ""
    input: str = ""
    keys: list[str] = field(default_factory=list)
    frame: pd.DataFrame | None = None
    ok: bool = False

    def take(self) -> pd.DataFrame:
        """The frame without ``_key`` (the reference is dropped here: no second copy stays)."""
        frame, self.frame = self.frame, None
        assert frame is not None
        return frame.drop(columns="_key") if "_key" in frame.columns else frame


def _read_stored(path: Path) -> _Stored:
    """Read a cached table file (all of it: when it is wanted, it is wanted whole)."""
    import pyarrow.parquet as pq

    st = _Stored(path)
    if not path.is_file():
        return st
    try:
        # one row group, read by one thread: a zero-copy conversion to pandas, and on a busy
        # machine faster than Arrow's thread pool (files are read in parallel instead)
        table = pq.read_table(path, use_threads=False)
        meta = table.schema.metadata or {}
        st.signature = meta.get(b"weeklylib.signature", b"").decode()
        st.input = meta.get(b"weeklylib.input", b"").decode()
        st.keys = meta.get(b"weeklylib.keys", b"").decode().split()
        if b"weeklylib.empty" in meta:  # Parquet does not keep every dtype of an empty frame
            frame = pickle.loads(meta[b"weeklylib.empty"])
            if "_key" in table.column_names:
                frame = frame.assign(_key=pd.Series([], dtype=str))
        else:
            attrs = pickle.loads(meta[b"weeklylib.attrs"]) if b"weeklylib.attrs" in meta else {}
            cats = pickle.loads(meta[b"weeklylib.categories"]) \
                if b"weeklylib.categories" in meta else {}
            frame = table.to_pandas(split_blocks=True, self_destruct=True)
            for col, dtype in cats.items():
                frame[col] = pd.Categorical.from_codes(frame[col].to_numpy(), dtype=dtype)
            frame.attrs = attrs
    except Exception as exc:  # a damaged file is recomputed, never trusted
        log.warning("table cache: ignoring unreadable %s (%s)", path, exc)
        return _Stored(path)
    st.frame = frame
    st.ok = bool(st.signature)
    return st


def _write_frame(path: Path, frame: pd.DataFrame, meta: dict[str, str]) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    extra = {(_META + k).encode(): v.encode() for k, v in meta.items()}
    if frame.attrs:
        extra[b"weeklylib.attrs"] = pickle.dumps(dict(frame.attrs), protocol=4)
    if not len(frame):  # e.g. an empty categorical would come back as object
        extra[b"weeklylib.empty"] = pickle.dumps(frame.drop(columns="_key", errors="ignore"),
                                                 protocol=4)
    # categoricals are stored as their codes (categories, in their order, in the metadata)
    cats = {c: frame[c].dtype for c in frame.columns
            if isinstance(frame[c].dtype, pd.CategoricalDtype)}
    if cats:
        extra[b"weeklylib.categories"] = pickle.dumps(cats, protocol=4)
        frame = frame.assign(**{c: frame[c].cat.codes.to_numpy() for c in cats})
    table = pa.Table.from_pandas(frame, preserve_index=False)
    # columns without missing values are REQUIRED: no validity bitmaps, and a zero-copy read
    schema = pa.schema([f.with_nullable(table.column(i).null_count > 0)
                        for i, f in enumerate(table.schema)],
                       metadata={**(table.schema.metadata or {}), **extra})
    table = pa.Table.from_arrays(table.columns, schema=schema)
    textual = [f.name for f in table.schema if pa.types.is_dictionary(f.type)
               or pa.types.is_string(f.type) or pa.types.is_large_string(f.type)]
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(table, tmp, compression="lz4", use_dictionary=textual,
                       write_statistics=False, row_group_size=max(1, table.num_rows))
        tmp.replace(path)
    except OSError as exc:
        log.warning("table cache: could not write %s (%s)", path, exc)
        tmp.unlink(missing_ok=True)


class _Writer:
    """Writes cache files in a background thread (Parquet encoding releases the GIL)."""

    def __init__(self, enabled: bool):
        self.pool = ThreadPoolExecutor(1, thread_name_prefix="weeklylib-cache") if enabled \
            else None
        self.jobs: list[Future] = []

        self.deferred: list[tuple[Path, pd.DataFrame, dict[str, str]]] = []

    def submit(self, path: Path, frame: pd.DataFrame, meta: dict[str, str], *,
               defer: bool = False) -> None:
        """Write ``frame`` in the background (``defer``: only at :meth:`release`, to keep the
        encoding buffers of a big table out of a memory-hungry step)."""
        if self.pool is None:
            return
        if defer:
            self.deferred.append((path, frame, meta))
        else:
            self.jobs.append(self.pool.submit(_write_frame, path, frame, meta))

    def release(self) -> None:
        while self.deferred:
            self.submit(*self.deferred.pop(0))

    def close(self) -> None:
        if self.pool is None:
            return
        self.release()
        for job in self.jobs:
            exc = job.exception()
            if exc is not None:  # the tables are built; a cache that cannot be written is not fatal
                log.warning("table cache: write failed (%s: %s)", type(exc).__name__, exc)
        self.pool.shutdown()


def _trim_memory() -> None:
    """Collect garbage and hand freed heap memory back to the OS (glibc and Arrow keep it
    otherwise), so that the next big step starts from a lower resident size."""
    import gc

    gc.collect()
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc
        pass
    try:
        import pyarrow as pa

        pa.default_memory_pool().release_unused()
    except Exception:  # an old pyarrow, or a pool that cannot
        pass


# =============================================================================== stages
def _stage(module: str, name: str) -> Callable[..., Any]:
    """The stage function, looked up at call time (so tests can monkeypatch it)."""
    return getattr(importlib.import_module(f"weeklylib.{module}"), name)


def _concat(frames: Sequence[pd.DataFrame | None]) -> pd.DataFrame | None:
    """Frames with rows, concatenated (``None`` when there are none), with the dtypes one call
    on all their rows would have given: a stage infers a column's dtype from its values, so a
    column that is entirely missing in one part (``object``) but text in another (``str``) is
    cast to the dtype of the parts that have values before concatenating."""
    frames = [f for f in frames if f is not None and len(f)]
    if not frames:
        return None
    if len(frames) == 1:
        return frames[0].reset_index(drop=True)
    for col in frames[0].columns:
        dtypes = {str(f[col].dtype) for f in frames}
        if len(dtypes) == 1:
            continue
        empty = [i for i, f in enumerate(frames) if f[col].isna().all()]
        seen = {str(frames[i][col].dtype): frames[i][col].dtype
                for i in range(len(frames)) if i not in empty}
        if len(seen) == 1:
            dtype = next(iter(seen.values()))
            for i in empty:
                frames[i] = frames[i].assign(**{col: frames[i][col].astype(dtype)})
    return pd.concat(frames, ignore_index=True)


def _compute_documents(arts: pd.DataFrame, todo: dict[str, set[str]],
                       deps: dict[str, pd.DataFrame | None], taxonomy: Any
                       ) -> dict[str, pd.DataFrame | None]:
    """The per-document tables of the documents ``todo[table]`` among the articles ``arts``.

    ``deps`` holds stored ``places``/``regions`` rows of documents whose ``regions``/``metrics``
    are computed here but whose places/regions are not.  Runs in worker processes too.
    """
    out: dict[str, pd.DataFrame | None] = {}
    doc_ids = arts["doc_id"]

    def subset(docs: set[str]) -> pd.DataFrame:
        mask = doc_ids.isin(docs).to_numpy()
        return arts if mask.all() else arts[mask].reset_index(drop=True)

    def rows_of(frame: pd.DataFrame, docs: set[str]) -> pd.DataFrame:
        ids = set(arts.loc[doc_ids.isin(docs).to_numpy(), "article_id"].tolist())
        return frame[frame["article_id"].isin(ids).to_numpy()].reset_index(drop=True)

    if todo.get("topics"):
        out["topics"] = _stage("topics", "tag_topics")(subset(todo["topics"]), taxonomy)
    if todo.get("topic_evidence"):
        out["topic_evidence"] = _stage("topics", "topic_evidence")(
            subset(todo["topic_evidence"]), taxonomy)
    if todo.get("places"):
        out["places"] = _stage("regions", "extract_places")(subset(todo["places"]))
    if todo.get("regions") or todo.get("metrics"):
        places = _concat([out.get("places"), deps.get("places")])
        if places is None:
            places = _stage("regions", "extract_places")(arts.iloc[:0])
        if todo.get("regions"):
            out["regions"] = _stage("regions", "resolve_regions")(
                rows_of(places, todo["regions"]))
        if todo.get("metrics"):
            regions = _concat([out.get("regions"), deps.get("regions")])
            if regions is None:
                regions = _stage("regions", "resolve_regions")(places.iloc[:0])
            docs = todo["metrics"]
            out["metrics"] = _stage("metrics", "extract_metrics")(
                subset(docs), places=rows_of(places, docs), regions=rows_of(regions, docs))
    return out


_WORKER: dict[str, Any] = {}  # in a worker process: the articles and the taxonomy


def _init_worker(text: pd.DataFrame, taxonomy: Any) -> None:
    _WORKER.update(text=text, taxonomy=taxonomy)


def _run_job(docs: list[str], todo: dict[str, set[str]], deps: dict[str, pd.DataFrame], *,
             text: pd.DataFrame | None = None, taxonomy: Any = None
             ) -> dict[str, pd.DataFrame | None]:
    """:func:`_compute_documents` for the articles of ``docs`` (in a worker: of the articles
    it was started with)."""
    if text is None:
        text, taxonomy = _WORKER["text"], _WORKER["taxonomy"]
    if len(docs) < text["doc_id"].nunique():
        text = text[text["doc_id"].isin(set(docs)).to_numpy()].reset_index(drop=True)
    return _compute_documents(text, todo, deps, taxonomy)


def _empty_result(stage: str, arts: pd.DataFrame, taxonomy: Any) -> pd.DataFrame:
    """What the stage function returns when no article yields a row (its empty-input result,
    which has the same columns and dtypes)."""
    none = arts.iloc[:0].reset_index(drop=True)
    if stage == "topics":
        return _stage("topics", "tag_topics")(none, taxonomy)
    if stage == "topic_evidence":
        return _stage("topics", "topic_evidence")(none, taxonomy)
    places = _stage("regions", "extract_places")(none)
    if stage == "places":
        return places
    regions = _stage("regions", "resolve_regions")(places)
    if stage == "regions":
        return regions
    return _stage("metrics", "extract_metrics")(none, places=places, regions=regions)


def _natural_key(article_id: str) -> tuple[str, int]:
    head, sep, tail = article_id.rpartition("#")
    return (head, int(tail)) if sep and tail.isdigit() else (article_id, -1)


def _order_rows(stage: str, frame: pd.DataFrame, article_ids: list[str]) -> pd.DataFrame:
    """Rows of several documents in the order the stage function itself returns them:
    article order (``metrics``: natural order of ``article_id``), rows of one article kept."""
    if stage == "metrics":
        ranked = sorted(range(len(article_ids)), key=lambda i: _natural_key(article_ids[i]))
        rank = np.empty(len(article_ids), dtype=np.int64)
        rank[ranked] = np.arange(len(article_ids))
    else:
        rank = np.arange(len(article_ids), dtype=np.int64)
    where = pd.Index(article_ids).get_indexer(frame["article_id"].astype(object))
    if (where < 0).any():
        raise AssertionError(f"{stage}: rows for unknown articles")
    r = rank[where]
    if len(r) > 1 and not (np.diff(r) >= 0).all():
        frame = frame.take(np.argsort(r, kind="stable")).reset_index(drop=True)
    return frame


# =============================================================================== progress
class _Progress:
    def __init__(self, enabled: bool | None, total: int):
        if enabled is None:
            enabled = bool(getattr(sys.stderr, "isatty", lambda: False)())
        self.bar = None
        if enabled:
            from tqdm import tqdm  # plain bar: tqdm.auto needs ipywidgets in Jupyter

            self.bar = tqdm(total=total, desc="tables", unit="table", leave=False)

    def step(self, name: str) -> None:
        if self.bar is not None:
            self.bar.set_postfix_str(name)
            self.bar.update(1)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


# =============================================================================== build_tables
def _wanted(stages: str | Iterable[str] | None) -> list[str]:
    if stages is None:
        asked = list(TABLE_NAMES)
    else:
        asked = [stages] if isinstance(stages, str) else list(stages)
        bad = [s for s in asked if s not in TABLE_NAMES]
        if bad or not asked:
            raise ValueError(f"stages must be None or names among {list(TABLE_NAMES)}; "
                             f"got {asked!r}")
    need: set[str] = set(CORPUS_TABLES)

    def add(name: str) -> None:
        if name not in need:
            need.add(name)
        for d in _DEPENDS[name]:
            add(d)

    for s in asked:
        add(s)
    return [n for n in TABLE_NAMES if n in need]


def _file_size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _usable_cores() -> int:
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return os.cpu_count() or 1


def _chunks(arts: pd.DataFrame, docs: list[str], n: int) -> list[list[str]]:
    """``docs`` split into about ``n`` consecutive groups of similar body length."""
    if n <= 1 or len(docs) <= 1:
        return [docs]
    size = arts.groupby("doc_id", sort=False)["body"].agg(
        lambda s: int(sum(len(b) for b in s if isinstance(b, str)))).to_dict()
    total = sum(size.get(d, 0) for d in docs) or 1
    step = total / n
    out: list[list[str]] = [[]]
    acc = 0
    for d in docs:
        if out[-1] and acc >= step * len(out):
            out.append([])
        out[-1].append(d)
        acc += size.get(d, 0)
    return out


def build_tables(
    source: Any = "seeds",
    *,
    cache: bool | str | os.PathLike[str] = True,
    workers: int | None = None,
    progress: bool | None = None,
    taxonomy: Any = None,
    stages: str | Iterable[str] | None = None,
    term_min_count: int = TERM_MIN_COUNT,
) -> Tables:
    """Build every analysis table of a corpus, reusing whatever an earlier run computed.

    Parameters
    ----------
    source
        What :func:`weeklylib.load_corpus` takes: a folder, a file or a list of them;
        ``"seeds"`` finds the bundled seed corpus.
    cache
        ``True`` (default): cache in :func:`weeklylib.corpus.default_cache_dir`
        (``$WEEKLYLIB_CACHE_DIR`` or ``~/.cache/weeklylib``); a path: cache there; ``False``:
        compute everything and read or write no cache (also not the parse or token cache).
        Results never depend on the cache.
    workers
        Processes for parsing (passed to :func:`~weeklylib.load_corpus`) and for the
        per-document tables.  ``None``: several (up to 4, at most the usable cores) when at least
        1,000 articles need computing, else 1.  Results are identical for any value.
    progress
        A tqdm bar over the tables on stderr: ``None`` (default) shows it only when stderr is a
        terminal (so never in Jupyter or under nbval), ``True`` always, ``False`` never.
    taxonomy
        For ``topics`` and ``topic_evidence``: ``None`` (bundled), a TOML path or a DataFrame
        (see :func:`weeklylib.tag_topics`).
    stages
        Names of the tables wanted (see :data:`TABLE_NAMES`); the tables they depend on and the
        corpus tables are built too.  ``None``: all.
    term_min_count
        ``min_count`` of ``term_cooccurrence``: a pair of content words is kept when it shares at
        least this many sentences (default :data:`TERM_MIN_COUNT` = 2).

    Returns
    -------
    Tables
        A mapping ``name -> DataFrame`` (also attributes) with ``.stats``: per table ``how``
        (``stored``: the table of this very corpus, read from the cache; ``loaded``: the corpus
        tables from :func:`~weeklylib.load_corpus`, which has its own parse cache;
        ``computed``: computed for every document; ``incremental``: stored rows of unchanged
        documents read, the other documents computed; ``reused``: stored and still valid,
        nothing computed, although the corpus changed), ``n_docs_computed`` for the
        per-document tables, ``rows``, and ``seconds``: wall time from the previous table
        being ready to this one (the columns add up to the whole call).

    Raises
    ------
    ValueError
        An argument is invalid (the message names it).
    weeklylib.SourceNotFoundError
        ``source`` does not exist.

    Examples
    --------
    >>> tables = build_tables("seeds", progress=False)            # doctest: +SKIP
    >>> tables["topic_cooccurrence"].query("a == 'ai'")            # doctest: +SKIP
    """
    t_start = time.perf_counter()
    from weeklylib.corpus import default_cache_dir, load_corpus

    if cache is not True and cache is not False and not isinstance(cache, str | os.PathLike):
        raise ValueError(f"cache must be True, False or a folder path; got {cache!r}")
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int)
                                or workers < 1):
        raise ValueError(f"workers must be a positive integer or None; got {workers!r}")
    if progress is not None and not isinstance(progress, bool):
        raise ValueError(f"progress must be None, True or False; got {progress!r}")
    if isinstance(term_min_count, bool) or not isinstance(term_min_count, int) \
            or term_min_count < 0:
        raise ValueError(f"term_min_count must be an integer >= 0; got {term_min_count!r}")
    wanted = _wanted(stages)
    root = None if cache is False else (default_cache_dir() if cache is True
                                        else Path(cache).expanduser())
    folder = None if root is None else root / f"pipeline-v{PIPELINE_VERSION}"
    configs = _configs(taxonomy, term_min_count)
    bar = _Progress(progress, len(wanted))
    stats: dict[str, dict[str, Any]] = {}
    out: dict[str, pd.DataFrame] = {}
    writer = _Writer(folder is not None)

    last = [t_start]

    def done(name: str, how: str, n_docs: int | None = None) -> None:
        now = time.perf_counter()
        stats[name] = {"table": name, "how": how, "n_docs_computed": n_docs,
                       "rows": len(out[name]), "seconds": now - last[0]}
        last[0] = now
        bar.step(name)

    readers = None
    try:
        # ---- the stored tables are read in the background while the corpus loads (checked
        # below: a table is used only if it belongs to this corpus and configuration)
        reads: dict[str, Future] = {}
        if folder is not None:
            import pyarrow.parquet  # noqa: F401  (imported here, not in two threads at once)

            names = sorted((n for n in wanted if n not in CORPUS_TABLES),
                           key=lambda n: -_file_size(folder / f"{n}.parquet"))
            readers = ThreadPoolExecutor(min(4, _usable_cores()),
                                         thread_name_prefix="weeklylib-read")
            reads = {n: readers.submit(_read_stored, folder / f"{n}.parquet") for n in names}
        # ---- corpus tables: load_corpus, which has its own parse cache and, when no file
        # changed, reads its three tables back without parsing anything
        corpus = load_corpus(source, cache=root if root is not None else False,
                             workers=workers, progress=False)
        out.update(documents=corpus.documents, articles=corpus.articles,
                   problems=corpus.problems)
        del corpus
        for n in CORPUS_TABLES:
            done(n, "loaded")
        articles = out["articles"]
        docs = out["documents"]
        corpus_sig = _corpus_signature(zip(docs["path"].tolist(), docs["sha256"].tolist(),
                                           strict=True), configs["documents"])
        stored = {n: reads[n].result() if n in reads else _Stored(Path())
                  for n in wanted if n not in CORPUS_TABLES}
        if readers is not None:
            readers.shutdown()
            readers = None

        def sig(name: str) -> str:
            return _sha(corpus_sig, configs[name])

        def valid(name: str) -> bool:
            return stored[name].ok and stored[name].signature == sig(name)

        # ---- every other table: stored whole, or computed (per document where possible)
        rest = [n for n in wanted if n not in CORPUS_TABLES]
        todo_tables = [n for n in rest if not valid(n)]
        for n in rest:
            if n not in todo_tables:
                out[n] = stored[n].take()
                done(n, "stored")
        if todo_tables:
            _build_rest(articles, [n for n in rest if n in todo_tables], out, stored, configs,
                        sig, writer, done, workers=workers, cache=cache is not False,
                        root=root, taxonomy=taxonomy, term_min_count=term_min_count)
    finally:
        if readers is not None:  # an error while loading: do not wait for the reads
            readers.shutdown(wait=False, cancel_futures=True)
        writer.close()
        bar.close()
    table = pd.DataFrame([stats[n] for n in wanted],
                         columns=["table", "how", "n_docs_computed", "rows", "seconds"])
    table["n_docs_computed"] = table["n_docs_computed"].astype("Int64")
    log.info("build_tables: %d tables in %.2f s (%s)", len(wanted),
             time.perf_counter() - t_start,
             ", ".join(f"{r.table} {r.how}" for r in table.itertuples()))
    return Tables(out, table)


def _build_rest(articles: pd.DataFrame, todo_tables: list[str], out: dict[str, pd.DataFrame],
                stored: dict[str, _Stored], configs: dict[str, str], sig: Callable[[str], str],
                writer: _Writer, done: Callable[..., None], *, workers: int | None, cache: bool,
                root: Path | None, taxonomy: Any, term_min_count: int) -> None:
    """Compute the tables of ``todo_tables`` (those not stored for this corpus)."""
    digests = _doc_digests(articles)
    doc_order = list(digests)
    article_ids = articles["article_id"].tolist()
    doc_of = dict(zip(article_ids, articles["doc_id"].tolist(), strict=True))

    def input_key(name: str) -> str:
        return _sha(configs[name], str(len(articles)), *digests.values())

    # ---- per-document tables: stored rows of unchanged documents, the rest to compute
    doc_tables = [n for n in todo_tables if n in DOCUMENT_TABLES]
    doc_keys = {n: {d: _sha(configs[n], h)[:32] for d, h in digests.items()} for n in doc_tables}
    missing: dict[str, set[str]] = {}
    cached: dict[str, pd.DataFrame | None] = {}
    for n in doc_tables:
        st = stored[n]
        stored_keys = set(st.keys) if st.ok else set()
        have = {k for k in doc_keys[n].values() if k in stored_keys}
        cached[n] = None
        if have and st.frame is not None and "_key" in st.frame.columns:
            frame = st.frame
            cached[n] = frame[frame["_key"].isin(have).to_numpy()].drop(columns="_key")
        elif have:
            have = set()
        st.frame = None
        missing[n] = {d for d in doc_order if doc_keys[n][d] not in have}
    # places/regions rows that regions/metrics need for documents where only those are redone
    dep_rows: dict[str, pd.DataFrame] = {}
    for d in ("places", "regions"):
        docs = set().union(*(missing[n] for n in doc_tables if d in _DEPENDS[n]))
        docs -= missing.get(d, set())
        source = cached.get(d) if d in doc_tables else out.get(d)
        if docs and source is not None and len(source):
            keep = source["article_id"].astype(object).map(doc_of).isin(docs).to_numpy()
            dep_rows[d] = source[keep].reset_index(drop=True)

    union = [d for d in doc_order if any(d in missing[n] for n in doc_tables)]
    text = articles[list(_TEXT_COLUMNS)]
    n_todo = int(text["doc_id"].isin(set(union)).sum()) if union else 0
    n_procs = workers if workers is not None else (
        min(4, _usable_cores()) if n_todo >= _PARALLEL_MIN_ARTICLES else 1)
    jobs: list[tuple[list[str], dict[str, set[str]], dict[str, pd.DataFrame]]] = []
    for group in _chunks(text, union, 1 if n_procs <= 1 else n_procs * _CHUNKS_PER_PROCESS) \
            if union else []:
        gs = set(group)
        ids = set(text.loc[text["doc_id"].isin(gs).to_numpy(), "article_id"].tolist())
        deps = {d: f[f["article_id"].isin(ids).to_numpy()].reset_index(drop=True)
                for d, f in dep_rows.items()}
        jobs.append((group, {n: missing[n] & gs for n in doc_tables if missing[n] & gs}, deps))
    pool = None
    futures: list[Future] = []
    if n_procs > 1 and len(jobs) > 1:
        # the workers get the articles once (with fork: inherited, not copied); a job names
        # its documents.  Python >= 3.12 warns about forking a process that has threads
        # (pyarrow has some), so it gets forkserver there.
        import multiprocessing

        ctx = multiprocessing.get_context("fork" if sys.version_info < (3, 12) else "forkserver")
        pool = ProcessPoolExecutor(max_workers=n_procs - 1, mp_context=ctx,
                                   initializer=_init_worker, initargs=(text, taxonomy))
        futures = [pool.submit(_run_job, *job) for job in jobs]
    results: list[dict[str, pd.DataFrame | None]] = []
    try:
        # ---- corpus-wide tables of tokens, computed here while the workers do the rest
        # (the tokens are written after the term co-occurrence, the memory peak of the build)
        for n in ("tokens", "term_cooccurrence"):
            if n in todo_tables:
                _corpus_wide(n, articles, out, stored, sig, input_key, writer, done, cache=cache,
                             root=root, term_min_count=term_min_count,
                             defer=n == "tokens" and "term_cooccurrence" in todo_tables)
        writer.release()
        # ---- per-document tables (jobs no worker has started yet are done here)
        if pool is None:
            results = [_run_job(*job, text=text, taxonomy=taxonomy) for job in jobs]
        else:
            local = {i: _run_job(*jobs[i], text=text, taxonomy=taxonomy)
                     for i in range(len(futures) - 1, -1, -1) if futures[i].cancel()}
            results = [local[i] if i in local else f.result() for i, f in enumerate(futures)]
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
    del jobs, dep_rows
    for n in doc_tables:
        frame = _concat([cached.pop(n), *(r.get(n) for r in results)])
        frame = _empty_result(n, text, taxonomy) if frame is None else \
            _order_rows(n, frame, article_ids)
        out[n] = frame
        key_of = {a: doc_keys[n][d] for a, d in doc_of.items()}
        writer.submit(stored[n].path,
                      frame.assign(_key=frame["article_id"].astype(object).map(key_of)
                                   .astype(str)),
                      {"signature": sig(n), "keys": "\n".join(doc_keys[n][d] for d in doc_order)})
        how = "computed" if len(missing[n]) == len(doc_order) else \
            "reused" if not missing[n] else "incremental"
        done(n, how, len(missing[n]))
    if "topic_cooccurrence" in todo_tables:
        _corpus_wide("topic_cooccurrence", articles, out, stored, sig, input_key, writer, done,
                     cache=cache, root=root, term_min_count=term_min_count)


def _corpus_wide(name: str, articles: pd.DataFrame, out: dict[str, pd.DataFrame],
                 stored: dict[str, _Stored], sig: Callable[[str], str],
                 input_key: Callable[[str], str], writer: _Writer, done: Callable[..., None],
                 *, cache: bool, root: Path | None, term_min_count: int,
                 defer: bool = False) -> None:
    key = input_key(name)
    st = stored[name]
    frame = st.take() if st.ok and st.input == key and st.frame is not None else None
    st.frame = None  # an outdated table is not kept while the new one is computed
    how = "reused"
    if frame is None:
        how = "computed"
        if name == "tokens":
            frame = _stage("segment", "tokenize")(articles, cache=cache, cache_dir=root,
                                                  progress=False)
            _trim_memory()
        elif name == "term_cooccurrence":
            from weeklylib.cooccur import MEASURES

            tokens = out["tokens"]  # (only the columns cooccurrence reads: less memory)
            content = tokens.loc[~tokens["is_stopword"].to_numpy(dtype=bool),
                                 ["article_id", "sentence", "token"]]
            frame = _stage("cooccur", "cooccurrence")(
                content, unit=["article_id", "sentence"], item="token", measures=MEASURES,
                min_count=term_min_count)
            del content
        elif name == "topic_cooccurrence":
            from weeklylib.cooccur import MEASURES

            frame = _stage("cooccur", "cooccurrence")(
                out["topics"], unit="article_id", item="topic", measures=MEASURES,
                n_units=len(articles))
        else:  # pragma: no cover - every corpus-wide table is listed above
            raise AssertionError(name)
    out[name] = frame
    writer.submit(st.path, frame, {"signature": sig(name), "input": key}, defer=defer)
    done(name, how)


# =============================================================================== writing
def write_tables(tables: Mapping[str, pd.DataFrame], out_dir: str | os.PathLike[str],
                 formats: Sequence[str] = ("parquet",)) -> list[Path]:
    """Write every table of ``tables`` into ``out_dir`` as ``<name>.parquet`` and/or
    ``<name>.csv``.

    Parquet is zstd-compressed, without the index; CSV is UTF-8 with BOM (so Excel shows
    Chinese), dates as ISO ``YYYY-MM-DD``.  Byte-identical for identical tables (same library
    versions).

    Parameters
    ----------
    tables
        :class:`Tables` from :func:`build_tables`, or any mapping ``name -> DataFrame``.
    out_dir
        Folder, created if needed.
    formats
        Any of ``"parquet"``, ``"csv"``.

    Returns
    -------
    list of pathlib.Path
        The files written, in table order then format order.
    """
    if isinstance(formats, str):
        formats = (formats,)
    formats = tuple(formats)
    bad = [f for f in formats if f not in ("parquet", "csv")]
    if bad or not formats:
        raise ValueError(f"formats must be among ('parquet', 'csv'); got {list(formats)!r}")
    if not isinstance(tables, Mapping):
        raise ValueError(f"tables must be a mapping name -> DataFrame; got "
                         f"{type(tables).__name__}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, frame in tables.items():
        if not isinstance(frame, pd.DataFrame):
            raise ValueError(f"tables[{name!r}] must be a DataFrame; got {type(frame).__name__}")
        for fmt in formats:
            path = out / f"{name}.{fmt}"
            if fmt == "parquet":
                frame.to_parquet(path, index=False, compression="zstd")
            else:
                frame.to_csv(path, index=False, encoding="utf-8-sig", lineterminator="\n",
                             date_format="%Y-%m-%d")
            written.append(path)
    return written
