"""Finding and reading corpus files; writing tables.  I/O only, no parsing.

Reading never raises for bad *content*: an empty, binary or undecodable file
comes back as a :class:`RawDocument` whose ``problems`` say what is wrong, so
that every input file appears in the documents table with a status.  Paths
that do not exist raise :class:`~weeklylib.errors.SourceNotFoundError`.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from weeklylib.errors import NoInputFilesError, SourceNotFoundError

#: file endings read as corpus text when a folder is given
TEXT_SUFFIXES = (".txt", ".text", ".md")

__all__ = ["TEXT_SUFFIXES", "RawDocument", "decode_bytes", "find_files", "read_document"]


@dataclass(slots=True)
class RawDocument:
    """A file as read from disk, decoded, before any parsing."""

    doc_id: str
    path: str
    sha256: str
    n_bytes: int
    encoding: str
    text: str  # decoded, line ends normalised to "\n"
    problems: list[tuple[str, str, str]] = field(default_factory=list)  # (code, message, detail)


def find_files(source: str | os.PathLike[str] | Sequence[str | os.PathLike[str]]) -> list[Path]:
    """Resolve ``source`` (a folder, a file, or a list of files/folders) into files.

    A folder contributes its files ending in :data:`TEXT_SUFFIXES` (recursively,
    sorted by path); files named explicitly are taken whatever their ending.

    Raises
    ------
    SourceNotFoundError
        A named path does not exist.
    NoInputFilesError
        A folder holds no candidate text files.
    """
    items: list[str | os.PathLike[str]]
    if isinstance(source, str | os.PathLike):
        items = [source]
    else:
        items = list(source)
        if not items:
            raise ValueError("source must name at least one file or folder, got an empty list")
    files: list[Path] = []
    for item in items:
        path = Path(item)
        if not path.exists():
            raise SourceNotFoundError("no such file or folder", path=path)
        if path.is_dir():
            found = sorted(
                p for p in path.rglob("*")
                if p.is_file() and p.suffix.lower() in TEXT_SUFFIXES and not p.name.startswith(".")
            )
            if not found:
                raise NoInputFilesError(
                    f"the folder holds no text files (looked for {', '.join(TEXT_SUFFIXES)})",
                    path=path,
                )
            files.extend(found)
        else:
            files.append(path)
    if len(items) == 1:
        return files  # one folder's files (or one file) are distinct already
    # the same file named twice is read once
    seen: set[str] = set()
    unique = []
    for f in files:
        key = os.path.realpath(f)
        if key not in seen:
            seen.add(key)
            unique.append(f)
    return unique


_CONTROL_BYTES = bytes(b for b in range(32) if b < 9 or b > 13)


def _looks_binary(data: bytes) -> bool:
    """NUL bytes, or more than 5% control characters other than tab/newlines, in the head."""
    head = data[:8192]
    if b"\x00" in head:
        return True
    n_control = len(head) - len(head.translate(None, _CONTROL_BYTES))
    return n_control > 0.05 * len(head)


def decode_bytes(data: bytes) -> tuple[str, str, list[tuple[str, str, str]]]:
    """Decode raw bytes: UTF-8 (with or without BOM), else GB18030.

    Returns ``(text, encoding, problems)``; ``text`` has ``\\r\\n`` and ``\\r``
    turned into ``\\n``.  Undecodable bytes are replaced (U+FFFD) and reported.
    """
    problems: list[tuple[str, str, str]] = []
    if data.startswith(b"\xef\xbb\xbf"):
        encoding, text = "utf-8-sig", data[3:].decode("utf-8", errors="replace")
        if "\ufffd" in text:
            problems.append(("decode_error", "is not valid UTF-8 after its BOM", ""))
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding, text = "utf-16", data.decode("utf-16", errors="replace")
    else:
        try:
            encoding, text = "utf-8", data.decode("utf-8")
        except UnicodeDecodeError as exc:
            try:
                encoding, text = "gb18030", data.decode("gb18030")
                problems.append(
                    ("legacy_encoding", "is GB18030/GBK encoded; decoded as GB18030", "")
                )
            except UnicodeDecodeError:
                encoding, text = "utf-8", data.decode("utf-8", errors="replace")
                line = data[: exc.start].count(b"\n") + 1
                problems.append(
                    (
                        "decode_error",
                        f"is neither UTF-8 nor GB18030 (first bad byte on line {line}); "
                        "undecodable bytes were replaced by U+FFFD",
                        f"byte offset {exc.start}: {data[exc.start:exc.start + 8]!r}",
                    )
                )
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text, encoding, problems


def read_document(path: str | os.PathLike[str], *, doc_id: str | None = None) -> RawDocument:
    """Read one file into a :class:`RawDocument` (never raises for bad content)."""
    path = Path(path)
    doc_id = doc_id or path.stem
    try:
        data = path.read_bytes()
    except OSError as exc:
        return RawDocument(doc_id, str(path), "", 0, "", "",
                           [("unreadable_file", f"could not be read ({exc.strerror})", str(exc))])
    digest = hashlib.sha256(data).hexdigest()
    if not data.strip():
        return RawDocument(doc_id, str(path), digest, len(data), "", "",
                           [("empty_file", "is empty", f"{len(data)} bytes")])
    if _looks_binary(data):
        return RawDocument(doc_id, str(path), digest, len(data), "", "",
                           [("binary_file", "is not a text file (it contains NUL or control bytes)",
                             f"first bytes: {data[:16]!r}")])
    text, encoding, problems = decode_bytes(data)
    return RawDocument(doc_id, str(path), digest, len(data), encoding, text, problems)
