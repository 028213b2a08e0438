"""Exceptions raised by weeklylib.

Problems *in the data* that do not stop a load are not exceptions: they go
into ``Corpus.problems``.  Exceptions are for calls that cannot proceed, and
they always name the file (and line, when known) where weeklylib looked.
"""

from __future__ import annotations

from pathlib import Path


class CorpusError(Exception):
    """Base class for errors about corpus input.

    Parameters
    ----------
    message
        What is wrong, in a sentence.
    path
        The file or folder concerned.
    line
        1-based line number, when the error concerns one line.
    """

    def __init__(self, message: str, *, path: str | Path | None = None, line: int | None = None):
        self.path = None if path is None else Path(path)
        self.line = line
        where = ""
        if path is not None:
            where = f"{path}"
            if line is not None:
                where += f":{line}"
            where += ": "
        super().__init__(where + message)


class SourceNotFoundError(CorpusError, FileNotFoundError):
    """The path given to :func:`weeklylib.load_corpus` does not exist."""


class NoInputFilesError(CorpusError):
    """A folder given as corpus source holds no candidate text files."""


class DataFileError(CorpusError):
    """A user-editable data file (dictionary, taxonomy, gazetteer) is malformed."""
