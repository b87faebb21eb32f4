"""Chinese sentence splitting that keeps character offsets.

A sentence ends at 。！？；… (full or half width) or a line break, and takes any closing
quotes and brackets that follow the terminator, so “……。” stays one quotable unit.
"""

from __future__ import annotations

import re

from qa.text.lexicon import CLOSERS, SENTENCE_TERMINATORS, char_class

Range = tuple[int, int]

# Terminator run, then closers. A half-width "." ends a sentence only where it ends a word: not before a
# digit or a Latin letter (21.97万, .NET, www.gov.cn), nor after a lone Latin letter (the initials of S.K.,
# U.S.), or a name would be cut in two.
_BOUNDARY = re.compile(
    rf"(?:{char_class(SENTENCE_TERMINATORS)}+|(?<![^A-Za-z][A-Za-z])(?<!^[A-Za-z])\.(?![0-9A-Za-z]))"
    rf"{char_class(CLOSERS)}*|\n+")


def split_sentences(text: str, min_chars: int = 2) -> list[Range]:
    """(start, end) ranges of the sentences of ``text``, whitespace trimmed, in order.

    Pieces shorter than ``min_chars`` (stray punctuation) are glued onto the previous sentence.
    """
    ranges: list[Range] = []
    cursor = 0
    for match in _BOUNDARY.finditer(text):
        _append(text, ranges, cursor, match.end(), min_chars)
        cursor = match.end()
    _append(text, ranges, cursor, len(text), min_chars)
    return ranges


def _append(text: str, ranges: list[Range], start: int, end: int, min_chars: int) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end <= start:
        return
    if end - start < min_chars and ranges and "\n" not in text[ranges[-1][1] : start]:
        ranges[-1] = (ranges[-1][0], end)
        return
    ranges.append((start, end))
