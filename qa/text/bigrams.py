"""Character bigrams, segmentation-free match units, and the near-duplicate test built on them.

Near-duplicate texts (a story reprinted, a chunk overlapping its neighbour) are shown once.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator

from qa.text.normalize import compact

# Share of the shorter text's character bigrams found in the longer one: reprints with an edited
# word or two score above it, two sentences on the same topic stay far below.
NEAR_DUPLICATE = 0.8


# A Latin word or a number (3.5 too), which a question's match terms hold whole.
LATIN_OR_NUMBER = r"[a-z0-9]+(?:\.[0-9]+)?"
_LATIN_OR_NUMBER = re.compile(LATIN_OR_NUMBER)


def char_bigrams(text: str) -> Iterator[str]:
    """Each pair of adjacent characters of ``text``, in order."""
    return (text[i : i + 2] for i in range(len(text) - 1))


def match_terms(text: str) -> set[str]:
    """Every match term ``text`` (in match form) holds, as a question's terms may name one: each character
    bigram, each Han character alone, each Latin word or number whole."""
    return {*char_bigrams(text), *(char for char in text if "\u4e00" <= char <= "\u9fff"),
            *_LATIN_OR_NUMBER.findall(text)}


# The same passages come back question after question, and normalising them is most of the cost.
# An entry is about 20 kB for a news chunk, so the cache stays near 20 MB.
@functools.lru_cache(maxsize=1024)
def bigrams(text: str) -> frozenset[str]:
    """The shape of a text for the near-duplicate test: its compacted bigrams (or itself, if shorter)."""
    text = compact(text)
    return frozenset(char_bigrams(text)) or frozenset([text])


def near_duplicate(first: frozenset[str], second: frozenset[str]) -> bool:
    """Whether two texts, given as their ``bigrams``, say the same thing."""
    return len(first & second) >= NEAR_DUPLICATE * min(len(first), len(second))


def distinct(texts: list[str]) -> list[int]:
    """Positions of the texts that are no near-duplicate of an earlier one, in order."""
    kept: list[int] = []
    shapes: list[frozenset[str]] = []
    for position, text in enumerate(texts):
        shape = bigrams(text)
        if not any(near_duplicate(shape, other) for other in shapes):
            kept.append(position)
            shapes.append(shape)
    return kept
