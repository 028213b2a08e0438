"""The data-quality ledger's problem codes.

Every problem weeklylib records carries one of these stable codes.  A problem
does not stop a load: the document and its articles stay in the tables, and
the ledger says what could not be known or what looked wrong, naming the file
and the line.  Researchers filter ``corpus.problems`` by ``code``.
"""

from __future__ import annotations

from dataclasses import dataclass

#: code -> (default severity, what it means)
PROBLEM_CODES: dict[str, tuple[str, str]] = {
    # reading the file
    "empty_file": ("error", "The file is empty (0 bytes or only whitespace)."),
    "binary_file": ("error", "The file is not text (NUL bytes or mostly control characters)."),
    "decode_error": (
        "error",
        "The bytes are neither UTF-8 nor GB18030; undecodable bytes were replaced.",
    ),
    "unreadable_file": ("error", "The operating system refused to read the file."),
    "legacy_encoding": (
        "warning",
        "The file is GB18030/GBK encoded, not UTF-8; it was decoded as GB18030.",
    ),
    "duplicate_content": (
        "warning",
        "The file's bytes are identical to an earlier file; its articles are not repeated.",
    ),
    "duplicate_article": (
        "warning",
        "An article with the same URL appears in an earlier document.",
    ),
    # document structure
    "unknown_kind": (
        "warning",
        "The text is neither a digest issue nor a recognisable news article.",
    ),
    "missing_header": (
        "warning",
        "The digest has no header block (title line, issue number, issue date).",
    ),
    "missing_issue_no": ("warning", "No issue number (第…期) was found in the header."),
    "missing_date": ("warning", "A date (issue date or article date) could not be found."),
    "invalid_date": (
        "warning",
        "A date that cannot exist (e.g. 2025年2月30日) was found and left empty.",
    ),
    "missing_period": ("warning", "The covered period (时间从…到…) was not found."),
    "period_order": ("warning", "The covered period ends before it starts."),
    "missing_declared_count": ("warning", "The declared article count (本期周报共收集N篇) was not found."),
    "count_mismatch": (
        "warning",
        "The declared article count differs from the number of articles found.",
    ),
    "missing_toc": ("warning", "The digest has no table of contents (信息目录)."),
    "toc_mismatch": (
        "warning",
        "A table-of-contents entry disagrees with the article section it names.",
    ),
    "missing_article": ("warning", "A table-of-contents entry has no article section."),
    "missing_field": ("warning", "An article lacks a field (来源, 链接, 主要内容)."),
    "invalid_url": ("warning", "The 链接 field does not hold a well-formed http(s) URL."),
    "source_mismatch": (
        "warning",
        "The outlet in the article's dateline differs from its 来源 field.",
    ),
    "published_outside_period": (
        "warning",
        "The article's date lies outside the issue's covered period.",
    ),
    "truncated_article": (
        "warning",
        "The article ends abruptly (the file stops mid-article or the body is empty).",
    ),
    "unparsed_text": (
        "warning",
        "Text that is neither a field, a body, nor known boilerplate; it is kept in spans.",
    ),
    "boilerplate_removed": (
        "warning",
        "Promotional boilerplate at the end of a standalone article was removed.",
    ),
}


@dataclass(frozen=True, slots=True)
class Problem:
    """One row of the ledger (see :data:`weeklylib.schema.PROBLEM_COLUMNS`)."""

    doc_id: str
    code: str
    message: str
    detail: str = ""
    article_id: str = ""
    line: int | None = None
    severity: str = ""

    def __post_init__(self) -> None:
        if self.code not in PROBLEM_CODES:
            raise ValueError(f"unknown problem code {self.code!r}; known: {sorted(PROBLEM_CODES)}")
        if not self.severity:
            object.__setattr__(self, "severity", PROBLEM_CODES[self.code][0])
        if self.severity not in ("warning", "error"):
            raise ValueError(f"severity must be 'warning' or 'error', got {self.severity!r}")


def describe_codes() -> str:
    """A Markdown table of every problem code, its default severity and meaning."""
    rows = ["| code | severity | meaning |", "|---|---|---|"]
    rows += [f"| `{code}` | {sev} | {text} |" for code, (sev, text) in PROBLEM_CODES.items()]
    return "\n".join(rows)
