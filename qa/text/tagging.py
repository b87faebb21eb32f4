"""Part-of-speech tags of a text, worked out once when it is indexed and stored beside it.

jieba's tagger runs an HMM over characters its simplified-Chinese dictionary lacks, which on
traditional text takes seconds a sentence. So text is tagged in its simplified tagging form (same
length as the text, so every offset holds), at index time; an ask only decodes what was stored.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

import jieba.posseg

from qa.text.normalize import to_simplified
from qa.text.tokens import segmenter

Word = tuple[str, str, int]  # the word in tagging form, jieba's POS flag, its start in the text
_ENCODED = re.compile(r"(\d+)([a-z]*)")


@dataclass(frozen=True)
class Tagged:
    """A text, its :func:`tagging_form` (simplified-Chinese patterns match it at the offsets of the text)
    and its words."""

    text: str
    form: str
    words: tuple[Word, ...]

    def __add__(self, other: Tagged) -> Tagged:
        shift = len(self.text)
        return Tagged(self.text + other.text, self.form + other.form,
                      self.words + tuple((word, flag, start + shift) for word, flag, start in other.words))


def tagging_form(text: str) -> str:
    """``text`` character for character in simplified, half-width, lower-case form."""
    folded = "".join(_fold(char) for char in text)
    simplified = to_simplified(folded)
    if len(simplified) == len(folded):
        return simplified
    return "".join(converted if len(converted := to_simplified(char)) == 1 else char for char in folded)


def _fold(char: str) -> str:
    folded = unicodedata.normalize("NFKC", char).lower()
    return folded if len(folded) == 1 else char


def tag(text: str) -> Tagged:
    """Run the tagger (index time, or a question: short texts)."""
    form = tagging_form(text)
    words: list[Word] = []
    offset = 0
    for pair in _tagger().cut(form):
        words.append((pair.word, pair.flag, offset))
        offset += len(pair.word)
    return Tagged(text, form, tuple(words))


def encode(tagged: Tagged) -> str:
    """The words as stored: length and flag of each (``2nr1v3ns``); the text gives them back."""
    return "".join(f"{len(word)}{flag}" for word, flag, _ in tagged.words)


@functools.lru_cache(maxsize=65536)
def decode(text: str, encoded: str) -> Tagged:
    """The :class:`Tagged` of a stored text and its :func:`encode`\\ d tags."""
    form = tagging_form(text)
    words: list[Word] = []
    offset = 0
    for match in _ENCODED.finditer(encoded):
        size = int(match.group(1))
        words.append((form[offset : offset + size], match.group(2), offset))
        offset += size
    return Tagged(text, form, tuple(words))


def tagger_dictionary() -> dict[str, tuple[int, str]]:
    """Every word of the tagger's dictionary: its frequency and POS flag."""
    frequencies = segmenter().FREQ
    return {word: (frequencies.get(word, 0), flag) for word, flag in _tagger().word_tag_tab.items()}


@functools.cache
def _tagger() -> jieba.posseg.POSTokenizer:
    """The one POS tagger of the process, on the tokenizer the BM25 tokens use (one dictionary load)."""
    return jieba.posseg.POSTokenizer(segmenter())
