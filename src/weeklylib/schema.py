"""Column names of weeklylib's tables, defined once.

Every table weeklylib returns is a tidy pandas DataFrame.  The names below are
part of the public contract: other code, notebooks and checks call them, so
columns may be added but never renamed.
"""

from __future__ import annotations

#: One row per input file (``Corpus.documents``).
DOCUMENT_COLUMNS: tuple[str, ...] = (
    "doc_id",          # file stem, e.g. "001_017c2f79a39b0a3a"
    "path",            # path as given / found
    "sha256",          # hash of the raw bytes
    "encoding",        # "utf-8", "utf-8-sig", "gb18030", or "" when unreadable
    "kind",            # "weekly" | "article" | "unknown"
    "issue_no",        # Int64, 第六一四期 -> 614
    "issue_date",      # datetime64, NaT when absent
    "period_start",    # datetime64, NaT when absent
    "period_end",      # datetime64, NaT when absent
    "declared_count",  # Int64, the N of 本期周报共收集N篇
    "n_articles",      # articles found
    "status",          # "ok" | "warning" | "error"
    "title",           # headline of a standalone article document, "" for digests
    "n_bytes",         # size of the raw file
    "n_chars",         # characters of decoded text
    "n_credits",       # photo credits / captions removed from bodies
    "duplicate_of",    # doc_id of an earlier file with identical bytes, "" otherwise
)

#: One row per article (``Corpus.articles``).
ARTICLE_COLUMNS: tuple[str, ...] = (
    "article_id",      # "<doc_id>#<position>"
    "doc_id",
    "position",        # 1-based order within the document
    "title",
    "source",          # outlet, e.g. 新华网
    "url",
    "published",       # datetime64, the date printed at the head of the body
    "body",            # clean text, paragraphs separated by "\n"
    "n_chars",         # len(body)
    "toc_title",       # the title as written in the table of contents ("" if none)
    "toc_source",      # the outlet as written in the table of contents
    "doc_kind",        # kind of the containing document
    "issue_no",        # Int64, copied from the document for convenience
    "issue_date",      # copied from the document
    "period_start",    # copied from the document
    "period_end",      # copied from the document
    "n_credits",       # photo credits / captions removed from this body
)

#: The data-quality ledger (``Corpus.problems``).
PROBLEM_COLUMNS: tuple[str, ...] = (
    "doc_id",
    "article_id",      # "" when the problem concerns the whole document
    "severity",        # "warning" | "error"
    "code",            # stable short code, see weeklylib.problems.PROBLEM_CODES
    "message",         # a sentence naming the file and where
    "detail",          # the offending text or values
    "line",            # Int64, 1-based line number in the raw file when known
)

#: Every span of the raw text and what became of it (``Corpus.spans``).
SPAN_COLUMNS: tuple[str, ...] = (
    "doc_id",
    "article_id",      # "" for header / table of contents / document-level text
    "line",            # 1-based line number in the decoded text
    "role",            # see weeklylib.parse.SPAN_ROLES
    "text",            # the line's text, stripped
)

#: One row per token occurrence (``weeklylib.tokenize``).
TOKEN_COLUMNS: tuple[str, ...] = (
    "article_id",
    "paragraph",       # 0-based paragraph index within the body
    "sentence",        # 0-based sentence index within the body
    "position",        # 0-based token index within the body
    "start",           # character offset of the token in the body
    "end",
    "token",
)

SEVERITIES = ("warning", "error")
DOC_KINDS = ("weekly", "article", "unknown")
STATUSES = ("ok", "warning", "error")
