"""Chinese names behind the pinyin of an English question ("Huaihe Energy Group" → 淮河).

The multilingual model carries an English question's meaning over to Chinese text, but proper
names written in pinyin mean nothing to it and match no Chinese token. Names in English news are
mostly plain pinyin, so each capitalised word (or pair, "Zhang Wei") whose letters spell the
toneless pinyin of a two-character word of the corpus is mapped to that word, and the Chinese
words are searched and matched alongside the question.
"""

from __future__ import annotations

import re
import threading
import weakref

from pypinyin import lazy_pinyin

from qa.index.snapshot import Snapshot
from qa.text.tokens import segmenter

_CAPITALISED = re.compile(r"\b[A-Z][a-z]+\b")
# A name maps to at most this many words, the most frequent in the corpus first: one spelling
# often has several characters (淮河, 怀河), and only the corpus knows which it means.
MAX_WORDS_PER_NAME = 2

_lock = threading.Lock()
_cached: tuple[weakref.ref[Snapshot], dict[str, list[str]]] | None = None


def pinyin_names(question: str, snapshot: Snapshot) -> list[str]:
    """Corpus words whose pinyin a capitalised word (or two adjacent ones) of ``question`` spells."""
    words = _CAPITALISED.findall(question)
    spellings = [word.lower() for word in words] + [(a + b).lower() for a, b in zip(words, words[1:], strict=False)]
    index = _pinyin_index(snapshot)
    found: list[str] = []
    for spelling in spellings:
        found.extend(word for word in index.get(spelling, [])[:MAX_WORDS_PER_NAME] if word not in found)
    return found


def _pinyin_index(snapshot: Snapshot) -> dict[str, list[str]]:
    """Toneless pinyin → the corpus's two-character dictionary words spelled so, most frequent first.

    Built on the first English question and kept while the snapshot is current.
    """
    global _cached
    with _lock:
        if _cached is not None and _cached[0]() is snapshot:
            return _cached[1]
        # Only dictionary words: a bigram across a word boundary is no name. The process's one segmenter knows
        # them; jieba's default tokenizer would load the dictionary a second time (0.5 s, on an English question).
        dictionary = segmenter().FREQ
        counts = sorted(((count, term) for term, count in snapshot.term_frequency.items()
                         if len(term) == 2 and term in dictionary and _is_han(term)), reverse=True)
        index: dict[str, list[str]] = {}
        for _, term in counts:
            index.setdefault("".join(lazy_pinyin(term)), []).append(term)
        _cached = (weakref.ref(snapshot), index)
        return index


def _is_han(text: str) -> bool:
    return all("\u4e00" <= char <= "\u9fff" for char in text)
