"""What a request may ask for, checked in this one place by every front end.

Each check raises :class:`QAError` with a code of its own, which the CLI prints as one line and
the API answers as a 400 with that code.
"""

from __future__ import annotations

from collections.abc import Sequence

from qa.errors import QAError

# How passages are found (qa.index.fusion): by the embedding, by BM25, or both fused by rank.
RETRIEVERS = ("hybrid", "dense", "bm25")
MAX_QUESTION_CHARS = 2000
MAX_K = 50
MAX_EXAMPLES = 8


def text(value: object, name: str) -> str:
    if not isinstance(value, str):
        raise QAError(f"{name} must be a string", "invalid_type")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates from \ud800-style escapes cannot be answered back as UTF-8
        raise QAError(f"{name} is not valid Unicode text", "invalid_encoding") from None
    return value


def question(value: object, name: str = "question") -> str:
    """The question stripped of surrounding space: present, a string, not empty, not too long."""
    if value is None:
        raise QAError(f"{name} is required", "missing_field")
    value = text(value, name).strip()
    if not value:
        raise QAError(f"{name} is empty", "empty_question")
    if len(value) > MAX_QUESTION_CHARS:
        raise QAError(f"{name} is longer than {MAX_QUESTION_CHARS} characters", "question_too_long")
    return value


def integer(value: object, name: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise QAError(f"{name} must be an integer", "invalid_type")
    if not low <= value <= high:
        raise QAError(f"{name} must be between {low} and {high}", "invalid_value")
    return value


def choice(value: object, name: str, options: Sequence[str]) -> str:
    if value not in options:
        raise QAError(f"{name} must be one of {', '.join(options)}", "invalid_value")
    return str(value)
