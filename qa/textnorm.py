"""Normalisation for matching only: quotes are always shown as they stand in the source."""

from __future__ import annotations

import functools
import unicodedata

import opencc


@functools.cache
def _to_simplified() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def normalize(text: str) -> str:
    """NFKC (full/half width), lower case, traditional to simplified Chinese."""
    return _to_simplified().convert(unicodedata.normalize("NFKC", text).lower())


def compact(text: str) -> str:
    """Normalised text with all whitespace removed, for containment checks."""
    return "".join(normalize(text).split())
