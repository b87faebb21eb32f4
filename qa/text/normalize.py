"""Normalisation for matching only: quotes are always shown as they stand in the source."""

from __future__ import annotations

import functools
import re
import unicodedata

import opencc

from qa.text.lexicon import COUNTED_UNITS, char_class


@functools.cache
def _to_simplified() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    return _to_simplified().convert(text)


def normalize(text: str) -> str:
    """NFKC (full/half width), lower case, traditional to simplified Chinese."""
    return to_simplified(unicodedata.normalize("NFKC", text).lower())


def opening(text: str, chars: int = 8) -> str:
    """The normalised start of ``text``, for what a sentence or question opens on: the words it is checked
    against are written in simplified script, and a traditional 該 or 當日 opens it as 该 and 当日 do."""
    return normalize(text.lstrip()[:chars])


def compact(text: str) -> str:
    """Normalised text with all whitespace removed, for containment checks."""
    return "".join(normalize(text).split())


_HAN_DIGIT = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
# A small count in Han numerals before a measure word (三年, 十二个): news writes the same counts
# in digits (近3年来), so matching reads both as digits.
_HAN_COUNT = re.compile(
    r"(?<![零〇一二两三四五六七八九十百千万亿])"
    r"([一二两三四五六七八九]?十[一二三四五六七八九]?|[一二两三四五六七八九])"
    rf"(?={char_class(COUNTED_UNITS)})"
)


def _han_count(numeral: str) -> str:
    if "十" not in numeral:
        return str(_HAN_DIGIT[numeral])
    tens, _, ones = numeral.partition("十")
    return str(_HAN_DIGIT.get(tens, 1) * 10 + _HAN_DIGIT.get(ones, 0))


def digit_counts(text: str) -> str:
    """``text`` with small Han-numeral counts written in digits."""
    return _HAN_COUNT.sub(lambda match: _han_count(match.group()), text)


def match_form(text: str) -> str:
    """The form in which question terms are looked up in evidence: compact, counts in digits."""
    return digit_counts(compact(text))
