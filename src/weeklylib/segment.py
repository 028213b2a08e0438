"""Chinese word segmentation: jieba with the bundled domain dictionary, stopwords, token cache.

:func:`segment` cuts one string into tokens; :func:`tokenize` turns an ``articles`` table into
a tidy ``tokens`` table (one row per token occurrence, with character offsets into ``body``).

How segmentation works
----------------------
* **Reference engine**: a private ``jieba.Tokenizer`` (never jieba's global one) built once per
  dictionary and cached in this module.  jieba is imported lazily, its start-up messages are
  silenced (``jieba.setLogLevel(logging.WARNING)``) and its "pkg_resources is deprecated"
  import warning is suppressed narrowly, so nothing reaches stderr.
* **Fast engine**: ``rjieba`` (the jieba-rs binding, same built-in dictionary) is about 20×
  faster.  With the HMM off it gives exactly jieba's tokens (proved by a test over the seed
  corpus); with the HMM on, jieba-rs keeps URLs, dates such as ``2025-02-23`` and names such as
  ``DeepSeek-R1`` whole where jieba splits them.  The default is therefore ``hmm=False`` and
  ``engine="auto"`` picks ``rjieba`` (falling back to jieba when ``hmm=True``; on runs of
  Chinese characters alone the two agree with the HMM on as well).  The price of
  ``hmm=False``: out-of-vocabulary personal names come out as single characters (``郭/晓/雅``)
  instead of being guessed.
* **User dictionary** (``data/userdict.txt``, jieba format ``word [freq] [tag]``):

  - entries made only of CJK ideographs go into the engine with an explicit frequency: the given
    one, but never less than jieba's *suggested* frequency (the smallest frequency that keeps the
    word whole when it stands alone), which is also used when no frequency is given.  So an entry
    can only strengthen a word, never weaken a built-in one.  Suggested frequencies are computed
    shortest entry first, so the result does not depend on the order of the lines
    (``县域医共体`` stays whole whether ``医共体`` comes before or after it);
  - entries containing digits, Latin letters or punctuation (``5G+``, ``DeepSeek-R1``,
    ``AI+医疗``) are *protected*: they are found with one regular expression (longest first,
    Latin letters case-insensitive, not inside a longer Latin/digit run) and emitted as single
    tokens, and only the text between them is given to the engine.  Both engines see exactly the
    same pieces, so they stay identical.
  - jieba adds a re-added word's frequency to its total without removing the old one (jieba-rs
    replaces it); weeklylib corrects jieba's total so both engines score words alike.

* **Offsets**: every token keeps ``body[start:end] == token``; whitespace is never a token.

Examples
--------
>>> from weeklylib.segment import segment
>>> segment("徐州仁慈医院完成DeepSeek-R1推理大模型的本地化部署")
['徐州', '仁慈', '医院', '完成', 'DeepSeek-R1', '推理', '大模型', '的', '本地化', '部署']
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import itertools
import logging
import math
import os
import re
import sys
import threading
import unicodedata
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from weeklylib.errors import DataFileError
from weeklylib.schema import TOKEN_COLUMNS

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np
    import pandas as pd

logger = logging.getLogger("weeklylib")

__all__ = [
    "ENGINES",
    "TOKENIZE_COLUMNS",
    "UserWord",
    "default_cache_dir",
    "dictionary_hash",
    "is_stopword",
    "load_stopwords",
    "load_userdict",
    "resolve_engine",
    "segment",
    "tokenize",
]

#: Allowed values of the ``engine`` parameter.
ENGINES: tuple[str, ...] = ("auto", "jieba", "rjieba")
#: Columns of :func:`tokenize`: :data:`weeklylib.schema.TOKEN_COLUMNS` plus ``is_stopword``.
TOKENIZE_COLUMNS: tuple[str, ...] = (*TOKEN_COLUMNS, "is_stopword")

#: Bump when the segmentation algorithm around the engines changes (invalidates token caches).
_ALGORITHM_VERSION = "2"
_USERDICT_FILE = "userdict.txt"
_STOPWORDS_FILE = "stopwords.txt"

# Characters jieba's default cut treats as "Han" (re_han_default); a user word made only of these
# can go into the engine dictionary.  Anything else is protected instead.
_ENGINE_WORD = re.compile(r"[\u4e00-\u9fd5]+")
_FREQ = re.compile(r"[0-9]+")
_TAG = re.compile(r"[A-Za-z_]+")
# "Pure numbers": 2025, 3.5, 1,000, 90%, full-width digits.
_NUMBER = re.compile(r"[0-9０-９]+(?:[.,．][0-9０-９]+)*[%％‰]?")
# End of a sentence: 。！？；, or ASCII !? not inside a URL, plus closing quotes/brackets.
_SENTENCE_END = re.compile(r"(?:[。！？；]|[!?](?![A-Za-z0-9=&_%/]))[。！？；!?”’」』）)》〉】]*")

_LOCK = threading.RLock()  # guards the module-level caches below

# Token batches handed to the engine in one call (characters); segmentation is per article, the
# batching only saves per-call overhead (bodies are joined with "\n", a hard token boundary).
_BATCH_CHARS = 1_000_000
# Above this many characters, progress=None shows a bar when stderr is a terminal.
_PROGRESS_MIN_CHARS = 2_000_000


class UserWord(NamedTuple):
    """One user-dictionary entry (``freq``/``tag`` are ``None`` when the line gave none)."""

    word: str
    freq: int | None
    tag: str | None


# --------------------------------------------------------------------------------------------
# Data files: user dictionary and stopwords
# --------------------------------------------------------------------------------------------


def _read_text(source: str | os.PathLike[str] | None, bundled: str) -> tuple[str, str]:
    """Return ``(text, name)`` of a user file or of the bundled data file ``bundled``."""
    if source is None:
        res = resources.files("weeklylib.data").joinpath(bundled)
        raw = res.read_bytes()
        name = f"weeklylib/data/{bundled}"
    else:
        path = Path(source)
        if not path.is_file():
            raise DataFileError("file not found", path=path)
        raw = path.read_bytes()
        name = str(path)
    try:
        # utf-8-sig drops a byte-order mark (Notepad adds one); splitlines() below copes with CRLF.
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DataFileError(f"must be UTF-8 encoded ({exc})", path=name) from exc
    return text, name


def _data_lines(text: str) -> Iterable[tuple[int, str]]:
    """``(line_number, stripped_line)`` of non-empty lines that are not ``#`` comments."""
    for lineno, line in enumerate(text.splitlines(), start=1):
        s = line.strip().lstrip("\ufeff")
        if s and not s.startswith("#"):
            yield lineno, s


def _parse_userdict_line(
    line: str, *, path: str | None = None, lineno: int | None = None
) -> UserWord:
    fields = line.split()
    if not 1 <= len(fields) <= 3:
        raise DataFileError(
            f"expected 'word [freq] [tag]', got {len(fields)} fields: {line!r}",
            path=path,
            line=lineno,
        )
    word, freq, tag = fields[0], None, None
    rest = fields[1:]
    if rest and _FREQ.fullmatch(rest[0]):
        freq = int(rest.pop(0))
        if freq <= 0:
            raise DataFileError(
                f"frequency must be a positive integer, got {freq} for {word!r}",
                path=path,
                line=lineno,
            )
    if rest:
        if len(rest) > 1 or not _TAG.fullmatch(rest[0]):
            raise DataFileError(
                f"expected 'word [freq] [tag]' (tag = letters), got {line!r}",
                path=path,
                line=lineno,
            )
        tag = rest[0]
    return UserWord(word, freq, tag)


def _userwords_from(items: Any, what: str) -> list[UserWord]:
    """Entries from a file path or an iterable of lines / tuples / :class:`UserWord`."""
    if isinstance(items, os.PathLike):
        text, name = _read_text(items, _USERDICT_FILE)
        return [_parse_userdict_line(s, path=name, lineno=n) for n, s in _data_lines(text)]
    if isinstance(items, str):
        raise ValueError(
            f"{what} must be a pathlib.Path to a file or an iterable of entries "
            f"(e.g. ['医防融合', '数字健共体 n']), got the string {items!r}"
        )
    out: list[UserWord] = []
    for item in items:
        if isinstance(item, str):
            out.append(_parse_userdict_line(item.strip()))
        elif isinstance(item, tuple | list) and 1 <= len(item) <= 3:
            word, freq, tag = (*item, None, None)[:3]
            if not isinstance(word, str) or not word or any(c.isspace() for c in word):
                raise ValueError(
                    f"{what}: a word must be a non-empty string without spaces, got {word!r}"
                )
            if freq is not None and (
                isinstance(freq, bool) or not isinstance(freq, int) or freq <= 0
            ):
                raise ValueError(
                    f"{what}: freq must be a positive int or None, got {freq!r} for {word!r}"
                )
            out.append(UserWord(word, freq, tag or None))
        else:
            raise ValueError(
                f"{what}: entries must be strings 'word [freq] [tag]' or (word, freq, tag) tuples, "
                f"got {item!r}"
            )
    return out


def _dedupe(entries: Iterable[UserWord]) -> tuple[UserWord, ...]:
    merged: dict[str, UserWord] = {}
    for e in entries:
        merged[e.word] = e  # a later entry for the same word wins (keeps the first position)
    return tuple(merged.values())


def load_userdict(
    path: str | os.PathLike[str] | None = None,
    *,
    extend: Iterable[Any] | os.PathLike[str] | None = None,
) -> tuple[UserWord, ...]:
    """Read a user dictionary (jieba format: ``word [freq] [tag]`` per line).

    Parameters
    ----------
    path
        A dictionary file that *replaces* the bundled ``weeklylib/data/userdict.txt``; ``None``
        (default) reads the bundled file.  UTF-8 with or without a byte-order mark, LF or CRLF
        line ends; lines starting with ``#`` are comments.
    extend
        Extra entries added *on top*: a :class:`pathlib.Path` to another file, or an iterable of
        lines (``"医防融合"``, ``"数字健共体 n"``, ``"智慧医院 5000 n"``) or tuples
        ``(word, freq, tag)``.

    Returns
    -------
    tuple of UserWord
        ``(word, freq, tag)`` in file order; for a word listed twice the later line wins.
        Pass the result as ``userdict=`` to :func:`segment` or :func:`tokenize`.

    Raises
    ------
    weeklylib.errors.DataFileError
        A line is malformed (the message names the file and line).

    Examples
    --------
    >>> from weeklylib.segment import load_userdict
    >>> words = load_userdict(extend=["数字健共体 n"])
    >>> words[-1]
    UserWord(word='数字健共体', freq=None, tag='n')
    """
    if isinstance(path, str) and not path:
        raise ValueError("path must name a file or be None, got ''")
    text, name = _read_text(path, _USERDICT_FILE)
    entries = [_parse_userdict_line(s, path=name, lineno=n) for n, s in _data_lines(text)]
    if extend is not None:
        entries += _userwords_from(extend, "extend")
    return _dedupe(entries)


def load_stopwords(
    path: str | os.PathLike[str] | None = None,
    *,
    extend: Iterable[str] | os.PathLike[str] | None = None,
) -> frozenset[str]:
    """Read a stopword list (one word per line).

    Punctuation, symbols and pure numbers need not be listed: :func:`is_stopword` treats them
    as stopwords anyway.

    Parameters
    ----------
    path
        A file that *replaces* the bundled ``weeklylib/data/stopwords.txt``; ``None`` (default)
        reads the bundled list.  UTF-8 (a byte-order mark is allowed), ``#`` starts a comment line.
    extend
        Extra stopwords added on top: a :class:`pathlib.Path` to a file, or an iterable of words.

    Returns
    -------
    frozenset of str

    Examples
    --------
    >>> from weeklylib.segment import load_stopwords
    >>> stop = load_stopwords(extend=["赋能"])
    >>> "的" in stop, "记者" in stop, "赋能" in stop, "医保" in stop
    (True, True, True, False)
    """
    text, name = _read_text(path, _STOPWORDS_FILE)
    words: set[str] = set()
    for lineno, s in _data_lines(text):
        if any(c.isspace() for c in s):
            raise DataFileError(f"one stopword per line, got {s!r}", path=name, line=lineno)
        words.add(s)
    if extend is not None:
        if isinstance(extend, os.PathLike):
            words |= load_stopwords(extend)
        elif isinstance(extend, str):
            raise ValueError(
                "extend must be a pathlib.Path to a file or an iterable of words, "
                f"got the string {extend!r}"
            )
        else:
            for w in extend:
                if not isinstance(w, str) or not w.strip():
                    raise ValueError(f"extend: stopwords must be non-empty strings, got {w!r}")
                words.add(w.strip())
    return frozenset(words)


_BUNDLED: dict[tuple[str, bytes], Any] = {}


def _bundled(name: str, loader: Any) -> Any:
    """``loader()`` of a bundled data file, re-read only when the file's bytes change."""
    key = (name, resources.files("weeklylib.data").joinpath(name).read_bytes())
    with _LOCK:
        if key not in _BUNDLED:
            if len(_BUNDLED) > 8:
                _BUNDLED.clear()
            _BUNDLED[key] = loader()
        return _BUNDLED[key]


def _resolve_userdict(userdict: Any) -> tuple[UserWord, ...]:
    if userdict is None:
        return _bundled(_USERDICT_FILE, load_userdict)
    if isinstance(userdict, str | os.PathLike):
        return load_userdict(userdict)
    return _dedupe(_userwords_from(userdict, "userdict"))


def _resolve_stopwords(stopwords: Any) -> frozenset[str]:
    if stopwords is None:
        return _bundled(_STOPWORDS_FILE, load_stopwords)
    if isinstance(stopwords, str | os.PathLike):
        return load_stopwords(stopwords)
    if isinstance(stopwords, frozenset):
        return stopwords
    words = set()
    for w in stopwords:
        if not isinstance(w, str) or not w.strip():
            raise ValueError(f"stopwords must be non-empty strings, got {w!r}")
        words.add(w.strip())
    return frozenset(words)


def is_stopword(token: str, stopwords: frozenset[str] | set[str]) -> bool:
    """Whether ``token`` is listed, or is only punctuation/symbols, or is a pure number.

    Parameters
    ----------
    token
        One token.
    stopwords
        The stop list, e.g. from :func:`load_stopwords`.

    Returns
    -------
    bool

    Examples
    --------
    >>> from weeklylib.segment import is_stopword
    >>> [is_stopword(t, {"的"}) for t in ["的", "，", "……", "2025", "3.5", "90%", "5G", "医保"]]
    [True, True, True, True, True, True, False, False]
    """
    if token in stopwords:
        return True
    if _NUMBER.fullmatch(token):
        return True
    return all(unicodedata.category(c)[0] in "PSZC" for c in token)


# --------------------------------------------------------------------------------------------
# Compiled dictionary: engine words with frequencies, protected words
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Dictionary:
    engine_words: tuple[tuple[str, int, str], ...]  # (word, effective freq, tag) in load order
    protected: tuple[str, ...]
    pattern: re.Pattern[str] | None
    hash: str


_DICT_CACHE: dict[str, _Dictionary] = {}
_BASE: dict[str, Any] = {}


def _jieba_dir() -> Path:
    spec = importlib.util.find_spec("jieba")
    if spec is None or not spec.submodule_search_locations:  # pragma: no cover - hard dependency
        raise ImportError("weeklylib needs jieba (pip install jieba)")
    return Path(next(iter(spec.submodule_search_locations)))


def _base_frequencies(needed: set[str]) -> tuple[dict[str, int], int]:
    """Frequencies of ``needed`` words in jieba's built-in dictionary, and its total.

    Read from jieba's ``dict.txt`` without importing jieba (rjieba embeds the same file).  The
    file (349,046 lines ``word freq tag``) is parsed by pyarrow's CSV reader, ~10x faster than
    ``str.split`` and ``int()`` per line; the plain Python parse is the fallback.
    """
    freq, total, n_words = _read_base_dictionary(_jieba_dir() / "dict.txt", needed)
    with _LOCK:
        if "total" not in _BASE:
            _BASE["total"] = total
            _BASE["n_words"] = n_words
    return freq, _BASE["total"]


def _read_base_dictionary(path: Path, needed: set[str]) -> tuple[dict[str, int], int, int]:
    """``({word: freq} for the needed words, total frequency, number of lines)``; a word listed
    twice keeps its last frequency."""
    try:
        import pyarrow as pa
        import pyarrow.compute as pc
        from pyarrow import csv

        table = csv.read_csv(
            path,
            read_options=csv.ReadOptions(column_names=["w", "f", "t"], use_threads=False),
            parse_options=csv.ParseOptions(delimiter=" ", quote_char=False, escape_char=False),
            convert_options=csv.ConvertOptions(
                column_types={"w": pa.string(), "f": pa.int64(), "t": pa.string()},
                strings_can_be_null=False,
            ),
        )
        if table["f"].null_count or table["w"].null_count:
            raise ValueError("incomplete line")
        total = int(pc.sum(table["f"]).as_py() or 0)
        hit = table.filter(pc.is_in(table["w"], value_set=pa.array(sorted(needed), pa.string())))
        freq = dict(zip(hit["w"].to_pylist(), hit["f"].to_pylist(), strict=True))
        return freq, total, table.num_rows
    except Exception:  # pragma: no cover - an odd file: the plain parse
        fields = path.read_text(encoding="utf-8").split()
        words, freqs = fields[0::3], fields[1::3]
        freq = {w: int(f) for w, f in zip(words, freqs, strict=True) if w in needed}
        return freq, sum(map(int, freqs)), len(words)


def _route_cut(word: str, freq: dict[str, int], logtotal: float) -> list[str]:
    """jieba's dictionary-only cut (``HMM=False``) of an all-Han string, on ``freq``."""
    n = len(word)
    route: list[tuple[float, int]] = [(0.0, 0)] * (n + 1)
    for i in range(n - 1, -1, -1):
        ends = [j for j in range(i, n) if freq.get(word[i : j + 1], 0) > 0] or [i]
        route[i] = max(
            (math.log(freq.get(word[i : j + 1], 0) or 1) - logtotal + route[j + 1][0], j)
            for j in ends
        )
    out, i = [], 0
    while i < n:
        j = route[i][1] + 1
        out.append(word[i:j])
        i = j
    return out


def _suggest_freq(word: str, freq: dict[str, int], total: int) -> int:
    """jieba's ``Tokenizer.suggest_freq(word, tune=False)`` on the dictionary ``freq``/``total``.

    The smallest frequency that makes ``word`` beat its best split when it stands alone.
    """
    p = 1.0
    for seg in _route_cut(word, freq, math.log(total)):
        p *= freq.get(seg, 1) / total
    return max(int(p * total) + 1, freq.get(word, 1))


def _fold(c: str) -> str:
    return c.lower() if c.isascii() and c.isalpha() else c


def _atom(c: str) -> str:
    return f"[{c.upper()}{c.lower()}]" if c.isascii() and c.isalpha() else re.escape(c)


def _is_ascii_alnum(c: str) -> bool:
    return c.isascii() and c.isalnum()


def _trie_regex(node: dict[str, Any], last: str) -> str:
    """Regex for the words below ``node`` of a character trie; longer words are tried first."""
    alts = [_atom(c) + _trie_regex(child, c) for c, child in sorted(node.items()) if c]
    if "" in node:  # a word ends here: not inside a longer Latin/digit run
        alts.append("(?![A-Za-z0-9])" if _is_ascii_alnum(last) else "")
    return alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"


def _protect_pattern(words: Sequence[str]) -> re.Pattern[str]:
    """One regex finding the protected words: longest match first, ASCII letters in any case,
    a word starting (ending) with a Latin letter or digit not preceded (followed) by one.

    Built as a trie whose top-level alternatives each start with a literal character and no
    IGNORECASE flag, so the regex engine can skip ahead to candidate characters (~200 MB/s
    instead of ~1 MB/s for a plain alternation with lookbehinds).
    """
    root: dict[str, Any] = {}
    for w in words:
        node = root
        for c in w:
            node = node.setdefault(_fold(c), {})
        node[""] = {}
    alts = []
    for c, child in sorted(root.items()):
        variants = sorted({c.upper(), c.lower()})
        # (?<![A-Za-z0-9].) after the first character: the character before it is no letter/digit
        behind = "(?<![A-Za-z0-9].)" if _is_ascii_alnum(c) else ""
        alts += [re.escape(v) + behind + _trie_regex(child, c) for v in variants]
    return re.compile("|".join(alts))


_COMPILED_BY_ENTRIES: dict[tuple[UserWord, ...], _Dictionary] = {}


def _compile_dictionary(entries: tuple[UserWord, ...]) -> _Dictionary:
    with _LOCK:
        hit = _COMPILED_BY_ENTRIES.get(entries)
    if hit is not None:
        return hit
    compiled = _compile_dictionary_uncached(entries)
    with _LOCK:
        if len(_COMPILED_BY_ENTRIES) > 32:
            _COMPILED_BY_ENTRIES.clear()
        _COMPILED_BY_ENTRIES[entries] = compiled
    return compiled


def _compile_dictionary_uncached(entries: tuple[UserWord, ...]) -> _Dictionary:
    canon = "\n".join(f"{e.word}\t{e.freq or ''}\t{e.tag or ''}" for e in sorted(entries))
    key = hashlib.sha256(canon.encode("utf-8")).hexdigest()
    with _LOCK:
        cached = _DICT_CACHE.get(key)
        if cached is not None:
            return cached
    engine_entries = [e for e in entries if _ENGINE_WORD.fullmatch(e.word)]
    protected = sorted(
        {e.word for e in entries if not _ENGINE_WORD.fullmatch(e.word)}, key=lambda w: (-len(w), w)
    )
    needed = {
        w[i:j]
        for w, _, _ in engine_entries
        for i in range(len(w))
        for j in range(i + 1, len(w) + 1)
    }
    freq, total = _base_frequencies(needed)
    # Shortest first: a word's suggestion depends only on (already added) shorter words, so this
    # canonical order makes the result independent of the order of the lines.
    order = sorted(
        range(len(engine_entries)),
        key=lambda k: (len(engine_entries[k].word), engine_entries[k].word),
    )
    effective: dict[int, int] = {}
    for k in order:
        word, given, _ = engine_entries[k]
        f = max(given or 0, _suggest_freq(word, freq, total))
        total += f - freq.get(word, 0)
        freq[word] = f
        effective[k] = f
    engine_words = tuple(
        (engine_entries[k].word, effective[k], engine_entries[k].tag or "") for k in order
    )
    pattern = _protect_pattern(protected) if protected else None
    base_id = f"jieba-dict:{_BASE['total']}:{_BASE['n_words']}"
    digest = hashlib.sha256(
        (
            base_id
            + "\n"
            + "\n".join(f"{w}\t{f}\t{t}" for w, f, t in engine_words)
            + "\n--\n"
            + "\n".join(protected)
        ).encode("utf-8")
    ).hexdigest()
    compiled = _Dictionary(engine_words, tuple(protected), pattern, digest)
    with _LOCK:
        _DICT_CACHE[key] = compiled
    return compiled


def dictionary_hash(userdict: Any = None) -> str:
    """Content hash of a user dictionary as weeklylib compiles it (part of the token-cache key).

    Parameters
    ----------
    userdict
        As for :func:`segment`.

    Returns
    -------
    str
        64 hex digits; the same for the same entries in any order.
    """
    return _compile_dictionary(_resolve_userdict(userdict)).hash


# --------------------------------------------------------------------------------------------
# Engines
# --------------------------------------------------------------------------------------------


class _Engine:
    name: str
    version: str

    def cut(self, text: str, hmm: bool) -> list[str]:  # pragma: no cover - interface
        raise NotImplementedError


def _import_jieba() -> Any:
    with warnings.catch_warnings():
        # jieba 0.42.1 imports pkg_resources, which new setuptools flags as deprecated.
        warnings.filterwarnings(
            "ignore", message="pkg_resources is deprecated", category=UserWarning
        )
        warnings.filterwarnings(
            "ignore", message="pkg_resources is deprecated", category=DeprecationWarning
        )
        import jieba
    jieba.setLogLevel(logging.WARNING)
    return jieba


_BASE_TOKENIZER: dict[str, Any] = {}


class _JiebaEngine(_Engine):
    name = "jieba"

    def __init__(self, dictionary: _Dictionary):
        jieba = _import_jieba()
        self.version = getattr(jieba, "__version__", "?")
        with _LOCK:
            if "jieba" not in _BASE_TOKENIZER:
                base = jieba.Tokenizer()
                base.initialize()  # ~1 s: done once per process, every dictionary copies it
                _BASE_TOKENIZER["jieba"] = base
        base = _BASE_TOKENIZER["jieba"]
        tk = jieba.Tokenizer()
        tk.FREQ, tk.total, tk.initialized = dict(base.FREQ), base.total, True
        for word, freq, tag in dictionary.engine_words:
            old = tk.FREQ.get(word, 0)
            tk.add_word(word, freq, tag or None)
            # jieba adds the new frequency to its total without removing the old one;
            # jieba-rs replaces it.  Keep jieba's total honest so both engines agree.
            tk.total -= old
        self._tk = tk

    def cut(self, text: str, hmm: bool) -> list[str]:
        return list(self._tk.cut(text, HMM=hmm))


def _rjieba_class() -> Any:
    """``rjieba.Jieba`` without running ``rjieba/__init__.py`` when it is not imported yet.

    That file builds a module-level tokenizer with the full dictionary (~0.3 s, ~50 MB) which
    weeklylib never uses; loading the compiled extension module ``rjieba.rjieba`` directly
    skips it.  The module is registered under its usual name, so a later ``import rjieba``
    finds it and works as always.  Any surprise falls back to the plain import.
    """
    if "rjieba" in sys.modules:
        return sys.modules["rjieba"].Jieba
    loaded = sys.modules.get("rjieba.rjieba")
    if loaded is not None:
        return loaded.Jieba
    try:
        import importlib.machinery

        spec = importlib.util.find_spec("rjieba")
        if spec is None or not spec.submodule_search_locations:
            raise ImportError("rjieba not found")
        folder = Path(next(iter(spec.submodule_search_locations)))
        path = next(
            p for p in (folder / f"rjieba{s}" for s in importlib.machinery.EXTENSION_SUFFIXES)
            if p.is_file()
        )
        ext = importlib.util.spec_from_file_location("rjieba.rjieba", path)
        if ext is None or ext.loader is None:
            raise ImportError("no loader")
        with _LOCK:
            if "rjieba.rjieba" not in sys.modules:
                module = importlib.util.module_from_spec(ext)
                ext.loader.exec_module(module)
                sys.modules["rjieba.rjieba"] = module
            return sys.modules["rjieba.rjieba"].Jieba
    except Exception:  # pragma: no cover - unusual installation: the ordinary import
        import rjieba

        return rjieba.Jieba


class _RjiebaEngine(_Engine):
    name = "rjieba"

    def __init__(self, dictionary: _Dictionary):
        self.version = importlib.metadata.version("rjieba")
        rj = _rjieba_class()()
        for word, freq, tag in dictionary.engine_words:
            rj.add_word(word, freq, tag)
        self._rj = rj

    def cut(self, text: str, hmm: bool) -> list[str]:
        return self._rj.cut(text, hmm=hmm)


_ENGINE_CACHE: dict[tuple[str, str], _Engine] = {}


def _rjieba_available() -> bool:
    return importlib.util.find_spec("rjieba") is not None


def resolve_engine(engine: str = "auto", *, hmm: bool = False) -> str:
    """Name of the engine ``engine`` stands for: ``"jieba"`` or ``"rjieba"``.

    ``"auto"`` is ``"rjieba"`` when it is installed and ``hmm`` is off (the configuration in
    which its output is identical to jieba's), else ``"jieba"``.

    Parameters
    ----------
    engine
        One of ``"auto"``, ``"jieba"``, ``"rjieba"``.
    hmm
        Whether the HMM guesses unknown words.

    Returns
    -------
    str

    Examples
    --------
    >>> from weeklylib.segment import resolve_engine
    >>> resolve_engine("auto", hmm=True)
    'jieba'
    """
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {', '.join(map(repr, ENGINES))}; got {engine!r}")
    if engine == "auto":
        return "rjieba" if (not hmm and _rjieba_available()) else "jieba"
    return engine


def _get_engine(name: str, dictionary: _Dictionary) -> _Engine:
    key = (name, dictionary.hash)
    with _LOCK:
        eng = _ENGINE_CACHE.get(key)
        if eng is None:
            eng = _JiebaEngine(dictionary) if name == "jieba" else _RjiebaEngine(dictionary)
            if len(_ENGINE_CACHE) >= 8:  # each engine holds a ~50 MB dictionary
                del _ENGINE_CACHE[next(iter(_ENGINE_CACHE))]
            _ENGINE_CACHE[key] = eng
        return eng


def _engine_version(name: str) -> str:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:  # pragma: no cover
        return "?"


def _check_bool(value: Any, name: str) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"{name} must be True or False, got {value!r}")
    return value


# --------------------------------------------------------------------------------------------
# Cutting
# --------------------------------------------------------------------------------------------


# Private-use characters that stand in for protected words in the text given to the engine.
# Neither engine puts such a character into a block of words (it is no CJK ideograph, letter,
# digit or whitespace), so each comes out as a piece of its own and the text on either side is
# cut exactly as if it had been cut separately.
_SENTINELS = tuple(chr(c) for c in range(0xE000, 0xE040))


def _protect(text: str, dictionary: _Dictionary) -> tuple[str, list[tuple[int, int]], str] | None:
    """``(engine_text, spans, sentinel)``: ``text`` with every protected word (at ``spans``)
    replaced by ``sentinel``; ``None`` when ``text`` holds every candidate sentinel."""
    pattern = dictionary.pattern
    if pattern is None:
        return text, [], ""
    spans = [m.span() for m in pattern.finditer(text)]
    if not spans:
        return text, [], ""
    sentinel = next((c for c in _SENTINELS if c not in text), None)
    if sentinel is None:  # pragma: no cover - absurd input
        return None
    parts, pos = [], 0
    for s, e in spans:
        parts.append(text[pos:s])
        pos = e
    parts.append(text[pos:])
    return sentinel.join(parts), spans, sentinel


def _cut_split(text: str, engine: _Engine, dictionary: _Dictionary, hmm: bool) -> list[str]:
    """Pieces of ``text``, the engine cutting the stretches between protected words apart."""
    assert dictionary.pattern is not None
    pieces: list[str] = []
    pos = 0
    for m in dictionary.pattern.finditer(text):
        s = m.start()
        if s > pos:
            pieces += engine.cut(text[pos:s], hmm)
        pieces.append(m.group())
        pos = m.end()
    if pos < len(text):
        pieces += engine.cut(text[pos:], hmm)
    return pieces


def _cut_pieces(text: str, engine: _Engine, dictionary: _Dictionary, hmm: bool) -> list[str]:
    """All pieces of ``text`` (whitespace included) in order; ``"".join(result) == text``.

    Protected words are single pieces; the text between them is cut by the engine exactly as
    if each stretch were cut on its own (one engine call with sentinels, see ``_SENTINELS``).
    """
    prot = _protect(text, dictionary)
    if prot is None:  # pragma: no cover
        return _cut_split(text, engine, dictionary, hmm)
    engine_text, spans, sentinel = prot
    pieces = engine.cut(engine_text, hmm)
    if spans:
        words = iter([text[s:e] for s, e in spans])
        pieces = [next(words) if p == sentinel else p for p in pieces]
    return pieces


def _cut_lengths(
    text: str, engine: _Engine, dictionary: _Dictionary, hmm: bool, dtype: Any
) -> np.ndarray:
    """Lengths of the pieces :func:`_cut_pieces` gives, without keeping the pieces."""
    import numpy as np

    prot = _protect(text, dictionary)
    if prot is None:  # pragma: no cover
        pieces = _cut_split(text, engine, dictionary, hmm)
        return np.fromiter(map(len, pieces), dtype=dtype, count=len(pieces))
    engine_text, spans, _ = prot
    pieces = engine.cut(engine_text, hmm)
    lens = np.fromiter(map(len, pieces), dtype=dtype, count=len(pieces))
    del pieces
    if spans:
        span = np.asarray(spans, dtype=np.int64)
        width = span[:, 1] - span[:, 0]
        # where each sentinel stands in engine_text, and which piece starts there
        at = span[:, 0] - np.concatenate(([0], np.cumsum(width - 1)[:-1]))
        starts = np.zeros(len(lens) + 1, dtype=np.int64)
        np.cumsum(lens, out=starts[1:])
        idx = np.searchsorted(starts, at)
        last = max(len(lens) - 1, 0)
        if not (
            np.all(idx < len(lens)) and np.array_equal(starts[np.minimum(idx, last)], at)
            and np.all(lens[np.minimum(idx, last)] == 1)
        ):  # pragma: no cover - engine contract
            raise RuntimeError(f"engine {engine.name} did not keep protected words apart")
        lens[idx] = width
    return lens


def segment(
    text: str,
    *,
    userdict: Any = None,
    stopwords: Any = None,
    drop_stopwords: bool = False,
    engine: str = "auto",
    hmm: bool = False,
) -> list[str]:
    """Cut a Chinese text into tokens.

    Parameters
    ----------
    text
        Any string.  Whitespace separates tokens and is never returned.
    userdict
        ``None`` (default): the bundled domain dictionary.  A path (``str`` or ``Path``): a
        dictionary file used *instead*.  A sequence of entries (e.g. from
        :func:`load_userdict` with ``extend=``): exactly those entries; ``()`` for jieba's
        built-in dictionary alone.
    stopwords
        Only used with ``drop_stopwords=True``: ``None`` for the bundled list, a path, or an
        iterable of words.
    drop_stopwords
        Drop listed stopwords, punctuation/symbols and pure numbers (see :func:`is_stopword`).
    engine
        ``"auto"`` (default), ``"jieba"`` (the reference) or ``"rjieba"`` (fast); see
        :func:`resolve_engine`.
    hmm
        Let jieba's HMM guess out-of-vocabulary words.  Off by default: with it off the fast
        engine is identical to jieba (see the module docstring).

    Returns
    -------
    list of str

    Examples
    --------
    >>> from weeklylib.segment import segment
    >>> segment("推进县域医共体建设，发展“AI+医疗”")
    ['推进', '县域医共体', '建设', '，', '发展', '“', 'AI+医疗', '”']
    >>> segment("推进县域医共体建设，发展“AI+医疗”", drop_stopwords=True)
    ['推进', '县域医共体', '建设', '发展', 'AI+医疗']
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {type(text).__name__}")
    _check_bool(drop_stopwords, "drop_stopwords")
    _check_bool(hmm, "hmm")
    name = resolve_engine(engine, hmm=hmm)
    dictionary = _compile_dictionary(_resolve_userdict(userdict))
    eng = _get_engine(name, dictionary)
    tokens = [p for p in _cut_pieces(text, eng, dictionary, hmm) if p and not p.isspace()]
    if drop_stopwords:
        stop = _resolve_stopwords(stopwords)
        tokens = [t for t in tokens if not is_stopword(t, stop)]
    return tokens


_WS, _TERM, _ASCII_Q, _TRAIL, _URL, _NL = 1, 2, 4, 8, 16, 32
_FLAGS: list[Any] = []


def _char_flags() -> np.ndarray:
    """A uint8 lookup table over all code points: whitespace / sentence-end / URL / newline bits."""
    if not _FLAGS:
        import numpy as np

        table = np.zeros(0x110000, dtype=np.uint8)
        for c in range(0x3001):
            if chr(c).isspace():
                table[c] |= _WS
        for c in "\u2028\u2029\u3000":
            table[ord(c)] |= _WS
        table[10] |= _NL
        for c in "。！？；":
            table[ord(c)] |= _TERM | _TRAIL
        for c in "!?":
            table[ord(c)] |= _ASCII_Q | _TRAIL
        for c in "”’」』）)》〉】":
            table[ord(c)] |= _TRAIL
        for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789=&_%/":
            table[ord(c)] |= _URL
        with _LOCK:
            if not _FLAGS:
                _FLAGS.append(table)
    return _FLAGS[0]


def _sentence_ends(flags: np.ndarray, pos: np.ndarray | None = None) -> np.ndarray:
    """Offsets just after each sentence end (vectorised form of ``_SENTENCE_END``).

    A sentence ends with a run of ``。！？；!?`` and closing quotes/brackets that contains a
    terminator (ASCII ``!?`` count only when not followed by a URL character); the boundary is
    after the whole run.  Works on the (few) positions of those characters only: ``pos``, when
    the caller knows them already.
    """
    import numpy as np

    if pos is None:
        pos = np.flatnonzero(flags & _TRAIL)
    if not len(pos):
        return np.zeros(0, dtype=np.int64)
    f = flags[pos]
    term = (f & _TERM) != 0
    q = np.flatnonzero(f & _ASCII_Q)
    if len(q):
        after = pos[q] + 1
        inside = after < len(flags)
        nxt = np.zeros(len(q), dtype=flags.dtype)
        nxt[inside] = flags[after[inside]]
        term[q] = (nxt & _URL) == 0
    brk = np.flatnonzero(np.diff(pos) != 1)
    first = np.concatenate(([0], brk + 1))
    last = np.concatenate((brk, [len(pos) - 1]))
    n_term = np.concatenate(([0], np.cumsum(term)))
    return pos[last[(n_term[last + 1] - n_term[first]) > 0]] + 1


class _Vocab:
    """Distinct token strings met in one :func:`tokenize` call, numbered in order of arrival.

    Tokens are carried as int32 codes into ``words``; strings exist once per distinct word.
    """

    def __init__(self) -> None:
        import collections

        self.index: dict[str, int] = collections.defaultdict()
        self.index.default_factory = self.index.__len__  # a missing word gets the next code
        self.words: list[str] = []
        self.partial = False  # some words may belong to no token (part of a pack was read)

    def codes(self, words: list[str]) -> np.ndarray:
        """Codes of distinct ``words`` (new ones are added)."""
        import numpy as np

        n0 = len(self.words)
        out = np.fromiter(map(self.index.__getitem__, words), dtype=np.int32, count=len(words))
        if len(self.index) > n0:  # distinct inputs: new codes n0, n0+1, ... in input order
            self.words.extend(words[i] for i in np.flatnonzero(out >= n0).tolist())
        return out


def _utf32_strings(arr: Any) -> list[str]:
    """The values of a (large) binary Arrow array of UTF-32-LE strings, decoded in one go."""
    import numpy as np
    import pyarrow as pa

    _, offsets, data = arr.buffers()
    dtype = np.int64 if pa.types.is_large_binary(arr.type) else np.int32
    off = np.frombuffer(offsets, dtype=dtype)[arr.offset : arr.offset + len(arr) + 1]
    if not len(arr):
        return []
    lo = int(off[0])
    text = bytes(memoryview(data)[lo : int(off[-1])]).decode("utf-32-le", "surrogatepass")
    bounds = ((off - lo) // 4).tolist()
    return [text[a:b] for a, b in itertools.pairwise(bounds)]


def _segment_batch(
    bodies: Sequence[str],
    engine: _Engine,
    dictionary: _Dictionary,
    hmm: bool,
    vocab: _Vocab | None = None,
    out: _Growing | None = None,
) -> dict[str, Any]:
    """Segment several bodies in one engine call.

    Returns ``counts`` (tokens per body) and, per token in body order, the int32 columns
    ``paragraph, sentence, position, start, end`` (offsets into its body) and ``token`` (codes
    into ``vocab.words``); with ``out`` they are written straight into its arrays (and the
    returned arrays are views of them).  Offsets are cumulative piece lengths (the pieces tile
    the text); token strings are hashed straight from the UTF-32 buffer of the text, so the only
    per-piece Python work is ``len``.
    """
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    if vocab is None:
        vocab = _Vocab()
    text = "\n".join(bodies)  # "\n" is a token boundary for both engines and is never a token
    small = len(text) < 2**29  # byte offsets into the UTF-32 text fit in int32
    itype = np.int32 if small else np.int64
    lens = _cut_lengths(text, engine, dictionary, hmm, itype)
    n_all = len(lens)
    bounds = np.zeros(n_all + 1, dtype=itype)
    np.cumsum(lens, out=bounds[1:])
    del lens
    if bounds[-1] != len(text):  # pragma: no cover - engine contract
        raise RuntimeError(f"engine {engine.name} lost characters: offsets would be wrong")
    raw = text.encode("utf-32-le", "surrogatepass")
    del text
    table = _char_flags()
    flags = np.take(table, np.frombuffer(raw, dtype=np.uint32), mode="clip")  # code points

    # distinct pieces, hashed from the UTF-32 buffer; whitespace pieces get code -1
    pieces_arr = pa.Array.from_buffers(
        pa.binary() if small else pa.large_binary(),
        n_all,
        [None, pa.py_buffer(bounds * 4), pa.py_buffer(raw)],
    )
    encoded = pc.dictionary_encode(pieces_arr)
    del pieces_arr, raw
    distinct = _utf32_strings(encoded.dictionary)
    # whitespace comes in whitespace-only pieces: the first character decides
    words = [i for i, w in enumerate(distinct) if w and not table[ord(w[0])] & _WS]
    lut = np.full(len(distinct), -1, dtype=np.int32)
    lut[words] = vocab.codes([distinct[i] for i in words])
    code_all = np.take(lut, encoded.indices.to_numpy(zero_copy_only=False), mode="clip")
    del encoded
    keep = code_all >= 0
    token = code_all[keep]
    n = len(token)
    dst = out.reserve(n) if out is not None else \
        {c: np.empty(n, dtype=np.int32) for c in _PART_COLUMNS}
    dst["token"][:] = token
    gstart = bounds[:-1][keep]
    gend = bounds[1:][keep]
    del code_all, keep, bounds, token

    blen = np.fromiter(map(len, bodies), dtype=itype, count=len(bodies))
    base = np.zeros(len(bodies), dtype=itype)
    np.cumsum(blen[:-1] + 1, out=base[1:])
    first = np.searchsorted(gstart, base)  # first token of each body
    counts = np.diff(np.append(first, n))
    body_start = np.repeat(base, counts)
    np.subtract(gstart, body_start, out=dst["start"], casting="same_kind")
    np.subtract(gend, body_start, out=dst["end"], casting="same_kind")
    del gend, body_start
    at_first = np.repeat(first.astype(np.int32), counts)  # index of its body's first token
    position = dst["position"]
    position[:] = np.arange(n, dtype=np.int32)
    position -= at_first
    # paragraphs and sentences from the (few) newlines and sentence ends: a boundary at offset
    # b lies before token i when b <= start of i; it is "met" by the first token at or after b
    special = np.flatnonzero(flags & (_NL | _TRAIL))
    kind = flags[special]
    nl_after = special[(kind & _NL) != 0] + 1
    ends = _sentence_ends(flags, special[(kind & _TRAIL) != 0])
    del flags, special, kind
    met_nl = np.searchsorted(gstart, nl_after)
    paragraph = dst["paragraph"]
    paragraph[:] = 0
    np.add.at(paragraph, met_nl[met_nl < n], 1)
    np.cumsum(paragraph, out=paragraph)  # newlines before the token (from the batch start)
    if n:
        paragraph -= np.take(paragraph, at_first)
        # ... minus those before its body's first token, plus those between body start and it
        before = np.searchsorted(nl_after, gstart[first[counts > 0]], side="right") - \
            np.searchsorted(nl_after, base[counts > 0], side="right")
        paragraph += np.repeat(before.astype(np.int32), counts[counts > 0])
    # sentences: a new one starts at a token met by a boundary, numbered within its body
    sentence = dst["sentence"]
    new = np.zeros(n, dtype=bool)
    new[met_nl[met_nl < n]] = True
    met_end = np.searchsorted(gstart, ends)
    new[met_end[met_end < n]] = True
    new[first[counts > 0]] = True
    np.cumsum(new, dtype=np.int32, out=sentence)
    if n:
        sentence -= np.take(sentence, at_first)
    del gstart, new, at_first
    if out is not None:
        out.commit(counts)
    return {"counts": counts, **dst}


# --------------------------------------------------------------------------------------------
# Token cache (Parquet "packs")
# --------------------------------------------------------------------------------------------


def default_cache_dir() -> Path:
    """``$WEEKLYLIB_CACHE_DIR`` if set, else ``~/.cache/weeklylib``.

    Returns
    -------
    pathlib.Path
    """
    env = os.environ.get("WEEKLYLIB_CACHE_DIR")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "weeklylib"


_PACK_META = b"weeklylib.doc_keys"  # the content keys of the documents in a pack
_PACK_BLOCKS = b"weeklylib.blocks"  # per article, in row order: [key index, index in unit, n]
_PACK_VOCAB = b"weeklylib.vocab"  # the words the token codes point to, "\n"-separated
_PACK_COLUMNS = ("paragraph", "sentence", "start", "token")  # all int32; token = vocab code
#: Token columns in memory (int32): the stored ones plus ``position`` and ``end``.
_PART_COLUMNS = ("paragraph", "sentence", "position", "start", "end", "token")


def _settings_key(engine_name: str, dictionary: _Dictionary, hmm: bool) -> str:
    parts = [
        f"algorithm={_ALGORITHM_VERSION}",
        f"engine={engine_name}={_engine_version(engine_name)}",
        f"hmm={hmm}",
        f"dictionary={dictionary.hash}",
    ]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:32]


class _Part:
    """Tokens of some articles: ``rows`` (input row of each article block), ``counts`` (tokens
    per block) and the int32 token columns of :data:`_PART_COLUMNS`, blocks one after the
    other (``token`` holds codes into the call's :class:`_Vocab`)."""

    __slots__ = ("cols", "counts", "rows")

    def __init__(self, rows: np.ndarray, counts: np.ndarray, cols: dict[str, np.ndarray]):
        self.rows, self.counts, self.cols = rows, counts, cols


def _concat_parts(parts: list[_Part]) -> _Part | None:
    """One part from several, column by column (each source column is freed once copied)."""
    import numpy as np

    if not parts:
        return None
    if len(parts) == 1:
        return parts[0]
    cols: dict[str, np.ndarray] = {}
    for c in _PART_COLUMNS:
        cols[c] = np.concatenate([p.cols.pop(c) for p in parts])
    return _Part(
        np.concatenate([p.rows for p in parts]), np.concatenate([p.counts for p in parts]), cols
    )


class _PackStore:
    """A folder of Parquet files ("packs"), each holding the tokens of some documents.

    A pack has the int32 columns ``paragraph, sentence, start, token`` (``token`` codes into
    the pack's own word list) and, in its schema metadata, the content keys of its documents,
    its word list, and for each article block (in row order) its document, its index within
    the document and its number of tokens.  ``position`` and ``end`` are not stored: they follow
    from the blocks and the word lengths.  A later run reads only the packs (and rows) it needs
    and segments only new or changed documents.  Files are written to a temporary name and
    renamed, so a crash leaves no half-written pack.
    """

    def __init__(self, folder: Path):
        self.folder = folder

    def index(self) -> dict[str, Path]:
        import pyarrow.parquet as pq

        found: dict[str, Path] = {}
        if not self.folder.is_dir():
            return found
        for path in sorted(self.folder.glob("pack-*.parquet")):
            try:
                meta = pq.read_schema(path).metadata or {}
            except Exception as exc:  # a corrupt file is skipped, never fatal
                logger.warning("token cache: ignoring unreadable %s (%s)", path, exc)
                continue
            for key in meta.get(_PACK_META, b"").decode().split():
                found.setdefault(key, path)
        return found

    def read(
        self, paths_keys: dict[Path, set[str]], rows_of: dict[str, list[int]], vocab: _Vocab
    ) -> tuple[list[_Part], set[str]]:
        """Parts holding the wanted documents (``rows_of``: key -> input rows of its
        articles), and the keys actually read."""
        import json

        import numpy as np
        import pyarrow.parquet as pq

        parts, done = [], set()
        for path, keys in sorted(paths_keys.items()):
            try:
                pack = pq.ParquetFile(path)
                meta = pack.schema_arrow.metadata or {}
                pack_keys = meta[_PACK_META].decode().split()
                blocks = np.asarray(json.loads(meta[_PACK_BLOCKS]), dtype=np.int64).reshape(-1, 3)
                vocab_text = meta[_PACK_VOCAB].decode("utf-8", "surrogatepass")
                words = vocab_text.split("\n") if vocab_text else []
                # column by column: less memory held at once than reading the whole file
                cols = {c: pack.read(columns=[c])[c].to_numpy() for c in _PACK_COLUMNS}
                del pack
                counts = blocks[:, 2]
                if (
                    int(counts.sum()) != len(cols["token"])
                    or (len(blocks) and (blocks.min() < 0 or blocks[:, 0].max() >= len(pack_keys)))
                    or (len(cols["token"]) and not 0 <= cols["token"].min() <= cols["token"].max()
                        < len(words))
                    or len(set(words)) != len(words)
                ):
                    raise ValueError("inconsistent pack")
                # the article blocks of the wanted documents, mapped to input rows
                want = np.array([k in keys for k in pack_keys], dtype=bool)
                sel = np.flatnonzero(want[blocks[:, 0]])
                rows = np.empty(len(sel), dtype=np.int64)
                for j, b in enumerate(sel.tolist()):
                    key_rows = rows_of[pack_keys[blocks[b, 0]]]
                    if blocks[b, 1] >= len(key_rows):
                        raise ValueError("inconsistent pack")
                    rows[j] = key_rows[blocks[b, 1]]
            except Exception as exc:  # a damaged pack is segmented again, never fatal
                logger.warning("token cache: ignoring unreadable %s (%s)", path, exc)
                continue
            if len(sel) < len(blocks):  # only some documents of this pack are wanted
                vocab.partial = True
                offsets = np.concatenate(([0], np.cumsum(counts)))
                take = _ranges(offsets[sel], counts[sel])
                cols = {c: v[take] for c, v in cols.items()}
                counts = counts[sel]
            word_len = np.fromiter(map(len, words), dtype=np.int32, count=len(words))
            cols["end"] = cols["start"] + np.take(word_len, cols["token"], mode="clip")
            lut = vocab.codes(words)
            if not np.array_equal(lut, np.arange(len(words), dtype=lut.dtype)):
                cols["token"] = np.take(lut, cols["token"], mode="clip")
            n = len(cols["token"])
            cols["position"] = np.arange(n, dtype=np.int32)
            cols["position"] -= np.repeat((np.cumsum(counts) - counts).astype(np.int32), counts)
            parts.append(_Part(rows, counts.astype(np.int64), cols))
            done |= {pack_keys[i] for i in np.flatnonzero(want).tolist()}
        return parts, done

    def write(
        self, part: _Part, blocks: np.ndarray, keys: Sequence[str], vocab: _Vocab,
        *, all_used: bool = False,
    ) -> None:
        """Write ``part`` as a pack of the documents ``keys``; ``blocks`` as in the metadata;
        ``all_used``: every word of ``vocab`` occurs in ``part`` (else the unused are left out).
        """
        import json

        import numpy as np
        import pyarrow as pa
        import pyarrow.parquet as pq

        token = part.cols["token"]
        words = vocab.words
        used = None if all_used else (
            np.bincount(token, minlength=len(words)) > 0 if len(token) else
            np.zeros(len(words), dtype=bool)
        )
        if used is not None and not used.all():  # keep only the words of this pack
            new_code = np.cumsum(used, dtype=np.int64).astype(np.int32) - 1
            token = new_code[token]
            words = [words[i] for i in np.flatnonzero(used).tolist()]
        meta = {
            _PACK_META: "\n".join(keys).encode(),
            _PACK_BLOCKS: json.dumps(blocks.tolist(), separators=(",", ":")).encode(),
            _PACK_VOCAB: "\n".join(words).encode("utf-8", "surrogatepass"),
        }
        arrays = {c: part.cols[c] for c in _PACK_COLUMNS[:-1]}
        arrays["token"] = token
        # required (non-nullable) columns: no definition levels, half the writing time
        schema = pa.schema([pa.field(c, pa.int32(), nullable=False) for c in _PACK_COLUMNS])
        table = pa.table({c: pa.array(arrays[c], pa.int32()) for c in _PACK_COLUMNS},
                         schema=schema)
        name = hashlib.sha256("\n".join(sorted(keys)).encode()).hexdigest()[:32]
        final = self.folder / f"pack-{name}.parquet"
        tmp = final.with_name(f".{final.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            # no Arrow schema in the footer (it would repeat the metadata): plain int32 columns;
            # lz4 only where it pays (paragraph/sentence are small, repetitive numbers), as
            # other encodings (delta, dictionary) cost more time than the bytes they save
            with pq.ParquetWriter(
                tmp,
                table.schema,
                compression={"paragraph": "lz4", "sentence": "lz4", "start": "none",
                             "token": "none"},
                use_dictionary=False,
                write_statistics=False,
                store_schema=False,
            ) as writer:
                writer.write_table(table, row_group_size=max(table.num_rows, 1))
                writer.add_key_value_metadata(meta)
            tmp.replace(final)
        except OSError as exc:
            logger.warning("token cache: could not write %s (%s)", final, exc)
            tmp.unlink(missing_ok=True)


def _ranges(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """``concatenate([arange(s, s + n) for s, n in zip(starts, lengths)])``, vectorised."""
    import numpy as np

    total = int(lengths.sum())
    if not total:
        return np.zeros(0, dtype=np.int64)
    ends = np.cumsum(lengths)
    return np.arange(total, dtype=np.int64) + np.repeat(starts - (ends - lengths), lengths)


# --------------------------------------------------------------------------------------------
# tokenize
# --------------------------------------------------------------------------------------------


def _articles_frame(articles: Any, needed: Sequence[str], what: str = "articles") -> pd.DataFrame:
    import pandas as pd

    frame = getattr(articles, "articles", articles)
    if not isinstance(frame, pd.DataFrame):
        raise ValueError(
            f"{what} must be a DataFrame or a Corpus (with .articles), "
            f"got {type(articles).__name__}"
        )
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise ValueError(
            f"{what} lacks column(s) {missing}; it needs {list(needed)}, has {list(frame.columns)}"
        )
    return frame


def _progress_bar(progress: Any, total_chars: int) -> Any:
    if progress is None:
        stream = sys.stderr
        show = total_chars >= _PROGRESS_MIN_CHARS and bool(
            getattr(stream, "isatty", lambda: False)()
        )
    else:
        show = _check_bool(progress, "progress")
    if not show:
        return None
    try:
        from tqdm import tqdm  # plain text bar: tqdm.auto needs ipywidgets in Jupyter
    except ImportError:  # pragma: no cover - tqdm is a dependency
        return None
    return tqdm(total=total_chars, unit="char", unit_scale=True, desc="segmenting", leave=False)


def tokenize(
    articles: Any,
    *,
    userdict: Any = None,
    stopwords: Any = None,
    engine: str = "auto",
    hmm: bool = False,
    cache: bool = True,
    cache_dir: str | os.PathLike[str] | None = None,
    progress: bool | None = None,
) -> pd.DataFrame:
    """Segment the ``body`` of every article into a tidy tokens table.

    Parameters
    ----------
    articles
        A DataFrame with columns ``article_id`` (unique) and ``body``, or a ``Corpus``.  When a
        ``doc_id`` column is present, articles of one document are cached together (else each
        article is its own unit).
    userdict
        See :func:`segment` (default: the bundled domain dictionary).
    stopwords
        Stop list for the ``is_stopword`` column: ``None`` (bundled), a path, or an iterable of
        words.  Stopwords are flagged, never removed, so ``position`` is stable.
    engine, hmm
        See :func:`segment`.
    cache
        Reuse tokens from earlier runs.  Tokens are cached as Parquet under ``cache_dir`` keyed
        by a hash of each document's article ids and bodies, the compiled dictionary, the engine
        and its version, ``hmm`` and the algorithm version; a changed document or dictionary is
        segmented again, an unchanged one is read back.  (``is_stopword`` is recomputed on every
        call, so editing the stop list never invalidates the cache.)
    cache_dir
        Default: :func:`default_cache_dir` (``$WEEKLYLIB_CACHE_DIR`` or ``~/.cache/weeklylib``);
        the tokens go into its ``tokens/`` subfolder.
    progress
        Show a tqdm bar while segmenting: ``None`` (default) shows one only for long inputs when
        stderr is a terminal (never in Jupyter or under nbval), ``True`` always, ``False`` never.

    Returns
    -------
    pandas.DataFrame
        One row per token occurrence, in input-article order then ``position``, with columns

        - ``article_id`` (categorical, categories in input order),
        - ``paragraph``: 0-based index of the line of ``body`` (``body.split("\\n")``),
        - ``sentence``: 0-based index of the sentence within the body; sentences end after
          ``。！？；`` (ASCII ``!?`` too, outside URLs), including closing quotes and brackets,
          and at line ends; only sentences with at least one token are numbered,
        - ``position``: 0-based token index within the body (stopwords included),
        - ``start``, ``end``: character offsets, ``body[start:end] == token``,
        - ``token`` (categorical),
        - ``is_stopword``: listed stopword, punctuation/symbol or pure number.

    Examples
    --------
    >>> import pandas as pd
    >>> from weeklylib.segment import tokenize
    >>> arts = pd.DataFrame({"article_id": ["a#1"], "body": ["推进医共体建设。\\n发展5G+医疗"]})
    >>> tokenize(arts, cache=False)[["paragraph", "sentence", "position", "start", "token"]]
       paragraph  sentence  position  start token
    0          0         0         0      0    推进
    1          0         0         1      2   医共体
    2          0         0         2      5    建设
    3          0         0         3      7     。
    4          1         1         4      9    发展
    5          1         1         5     11   5G+
    6          1         1         6     14    医疗
    """
    import numpy as np

    frame = _articles_frame(articles, ("article_id", "body"))
    _check_bool(cache, "cache")
    _check_bool(hmm, "hmm")
    if progress is not None:
        _check_bool(progress, "progress")
    name = resolve_engine(engine, hmm=hmm)
    dictionary = _compile_dictionary(_resolve_userdict(userdict))
    stop = _resolve_stopwords(stopwords)

    ids_orig = frame["article_id"]
    if ids_orig.isna().any():
        raise ValueError("articles.article_id must not be missing")
    if ids_orig.duplicated().any():
        dup = ids_orig[ids_orig.duplicated()].iloc[0]
        raise ValueError(f"articles.article_id must be unique; {dup!r} occurs more than once")
    id_values = ids_orig.tolist()
    ids = [i if isinstance(i, str) else str(i) for i in id_values]
    texts = _Bodies(frame["body"])
    units = [f"art:{i}" for i in ids]
    if "doc_id" in frame.columns:
        doc_na = frame["doc_id"].isna().tolist()
        for k, d in enumerate(frame["doc_id"].tolist()):
            if not doc_na[k]:
                units[k] = f"doc:{d}"
    unit_rows: dict[str, list[int]] = {}
    for i, u in enumerate(units):
        unit_rows.setdefault(u, []).append(i)

    vocab = _Vocab()
    store = None
    parts: list[_Part] = []
    todo_units = list(unit_rows)
    if cache:
        settings = _settings_key(name, dictionary, hmm)
        unit_key = _unit_keys(settings, unit_rows, ids, texts)
        folder = Path(cache_dir).expanduser() if cache_dir is not None else default_cache_dir()
        store = _PackStore(folder / "tokens" / settings)
        index = store.index()
        wanted: dict[Path, set[str]] = {}
        for u in unit_rows:
            path = index.get(unit_key[u])
            if path is not None:
                wanted.setdefault(path, set()).add(unit_key[u])
        rows_of = {unit_key[u]: r for u, r in unit_rows.items()}
        parts, done = store.read(wanted, rows_of, vocab)
        todo_units = [u for u in unit_rows if unit_key[u] not in done]
    todo_rows = sorted(i for u in todo_units for i in unit_rows[u])

    if todo_rows:
        n_cached_words = len(vocab.words)
        bodies = texts.strings(todo_rows)
        eng = _get_engine(name, dictionary)
        total = sum(len(bodies[i]) for i in todo_rows)
        bar = _progress_bar(progress, total)
        # each token holds at least one character: the bodies' length bounds the row count
        # (untouched capacity costs address space only, and is given back at the end)
        out = _Growing(total)
        try:
            for batch in _batches(todo_rows, bodies):
                _segment_batch([bodies[j] for j in batch], eng, dictionary, hmm, vocab, out)
                if bar is not None:
                    bar.update(sum(len(bodies[j]) for j in batch))
        finally:
            if bar is not None:
                bar.close()
        del bodies
        new = out.part(todo_rows)
        del out
        if store is not None:
            key_no = {u: k for k, u in enumerate(todo_units)}
            in_unit = {i: j for u in todo_units for j, i in enumerate(unit_rows[u])}
            blocks = np.array(
                [(key_no[units[i]], in_unit[i], n)
                 for i, n in zip(new.rows.tolist(), new.counts.tolist(), strict=True)],
                dtype=np.int64,
            ).reshape(-1, 3)
            store.write(new, blocks, [unit_key[u] for u in todo_units], vocab,
                        all_used=n_cached_words == 0)
        parts.append(new)

    return _assemble(parts, ids, id_values, stop, vocab)


class _Growing:
    """Token columns (:data:`_PART_COLUMNS`) filled batch by batch, in place, into arrays of a
    known maximum size; :meth:`part` gives the unused tail back."""

    def __init__(self, capacity: int):
        import numpy as np

        self.cols = {c: np.empty(capacity, dtype=np.int32) for c in _PART_COLUMNS}
        self.n = 0
        self.pending = 0
        self.rows: list[int] = []
        self.counts: list[Any] = []

    def reserve(self, m: int) -> dict[str, np.ndarray]:
        import numpy as np

        if self.n + m > len(self.cols["token"]):  # pragma: no cover - capacity is a bound
            for c, v in self.cols.items():
                self.cols[c] = np.concatenate([v[: self.n], np.empty(m, dtype=np.int32)])
        self.pending = m
        return {c: v[self.n : self.n + m] for c, v in self.cols.items()}

    def commit(self, counts: np.ndarray) -> None:
        self.n += self.pending
        self.pending = 0
        self.counts.append(counts)

    def part(self, rows: list[int]) -> _Part:
        import numpy as np

        for v in self.cols.values():
            v.resize(self.n, refcheck=False)  # shrinks in place: no copy
        counts = np.concatenate(self.counts) if self.counts else np.zeros(0, np.int64)
        return _Part(np.asarray(rows, dtype=np.int64), counts.astype(np.int64), self.cols)


class _Bodies:
    """The ``body`` column: UTF-8 bytes for hashing (straight from Arrow storage when the
    column has it, so unchanged bodies are never decoded) and Python strings on demand.
    A missing body is an empty one."""

    def __init__(self, column: pd.Series):
        import numpy as np

        self.column = column
        self.values: list[Any] | None = None
        self.offsets: Any = None
        try:
            import pyarrow as pa

            if column.dtype == object:
                raise TypeError("object column")
            arr = pa.array(column)  # no copy for pandas' Arrow-backed strings
            if isinstance(arr, pa.ChunkedArray):
                arr = arr.combine_chunks()
            if pa.types.is_large_string(arr.type):
                dtype: Any = np.int64
            elif pa.types.is_string(arr.type):
                dtype = np.int32
            else:
                raise TypeError(f"{arr.type}")
            _, offsets, data = arr.buffers()
            self.offsets = np.frombuffer(offsets, dtype=dtype)[
                arr.offset : arr.offset + len(arr) + 1
            ].tolist()
            self.data = memoryview(data) if data is not None else memoryview(b"")
            self.valid = arr.is_valid().to_numpy(zero_copy_only=False).tolist()
        except Exception:  # any other storage: encode the Python strings
            self.offsets = None

    def _list(self) -> list[Any]:
        if self.values is None:
            self.values = self.column.tolist()
        return self.values

    def utf8(self, i: int) -> Any:
        if self.offsets is None:
            b = self._list()[i]
            return (b if isinstance(b, str) else "").encode("utf-8", "surrogatepass")
        if not self.valid[i]:
            return b""
        return self.data[self.offsets[i] : self.offsets[i + 1]]

    def strings(self, rows: list[int]) -> dict[int, str]:
        """``{row: body}`` of ``rows``."""
        if self.values is None and len(rows) * 4 < len(self.column):  # a few: no full list
            picked = self.column.take(rows).tolist()
        else:
            values = self._list()
            picked = [values[i] for i in rows]
        return {i: (b if isinstance(b, str) else "") for i, b in zip(rows, picked, strict=True)}


def _unit_keys(
    settings: str, unit_rows: dict[str, list[int]], ids: list[str], bodies: _Bodies
) -> dict[str, str]:
    """Content key of each cache unit: hash of the settings and its articles' ids and bodies."""
    keys: dict[str, str] = {}
    seed = hashlib.sha256(settings.encode())
    for u, rows in unit_rows.items():
        h = seed.copy()
        for i in rows:
            raw = ids[i].encode("utf-8", "surrogatepass")
            h.update(len(raw).to_bytes(8, "little") + raw)
            body = bodies.utf8(i)
            h.update(len(body).to_bytes(8, "little"))
            h.update(body)
        keys[u] = h.hexdigest()[:40]
    return keys


def _batches(rows: list[int], bodies: Any) -> Iterable[list[int]]:
    """Consecutive groups of ``rows`` of about ``_BATCH_CHARS`` characters."""
    batch: list[int] = []
    size = 0
    for i in rows:
        batch.append(i)
        size += len(bodies[i]) + 1
        if size >= _BATCH_CHARS:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


def _assemble(
    parts: list[_Part], ids: list[str], ids_orig: list[Any], stop: frozenset[str], vocab: _Vocab
) -> pd.DataFrame:
    """Combine token parts (fresh or from the cache) in input-article order and build the
    DataFrame with categorical ``article_id`` and ``token``."""
    import numpy as np
    import pandas as pd

    part = _concat_parts(parts)
    if part is None:
        part = _Part(np.zeros(0, np.int64), np.zeros(0, np.int64),
                     {c: np.zeros(0, np.int32) for c in _PART_COLUMNS})
    rows, counts, cols = part.rows, part.counts, part.cols
    del parts, part
    if len(rows) > 1 and not bool(np.all(rows[1:] > rows[:-1])):  # blocks not in input order
        order = np.argsort(rows, kind="stable")
        offsets = np.concatenate(([0], np.cumsum(counts)))
        take = _ranges(offsets[:-1][order], counts[order])
        for c in _PART_COLUMNS:
            cols[c] = cols[c][take]
        del take
        rows, counts = rows[order], counts[order]
    n = int(counts.sum())
    art_idx = np.repeat(rows.astype(_code_dtype(len(ids))), counts)

    # categories in code-point order, so they do not depend on what came from the cache;
    # words of cached documents that were not asked for are left out
    words = vocab.words
    token = cols.pop("token")
    keep = None
    if vocab.partial and n:
        used = np.bincount(token, minlength=len(words)) > 0
        if not used.all():
            keep = np.flatnonzero(used).tolist()
    live = range(len(words)) if keep is None else keep
    order = sorted(live, key=words.__getitem__)
    rank = np.full(len(words), -1, dtype=_code_dtype(len(order)))
    rank[order] = np.arange(len(order), dtype=rank.dtype)
    codes = np.take(rank, token, mode="clip") if n else np.zeros(0, dtype=rank.dtype)
    del token
    categories = [words[i] for i in order]
    stop_mask = np.fromiter(
        (is_stopword(t, stop) for t in categories), dtype=bool, count=len(categories)
    )
    frame = {
        "article_id": pd.Categorical.from_codes(
            art_idx, categories=pd.Index(ids_orig), validate=False  # valid by construction
        ),
        "paragraph": cols.pop("paragraph"),
        "sentence": cols.pop("sentence"),
        "position": cols.pop("position"),
        "start": cols.pop("start"),
        "end": cols.pop("end"),
        "token": pd.Categorical.from_codes(
            codes, categories=pd.Index(categories, dtype="str"), validate=False
        ),
        "is_stopword": np.take(stop_mask, codes, mode="clip") if n else np.zeros(0, bool),
    }
    return pd.DataFrame(frame, copy=False)


def _code_dtype(n_categories: int) -> Any:
    """The integer type pandas keeps categorical codes in (so ``from_codes`` need not copy)."""
    import numpy as np

    if n_categories < 127:
        return np.int8
    if n_categories < 32767:
        return np.int16
    return np.int32 if n_categories < 2**31 - 1 else np.int64
