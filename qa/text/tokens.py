"""Word tokens for BM25 and keyword matching: jieba over normalised text, stopwords dropped."""

from __future__ import annotations

import functools
import logging
import re

import jieba

from qa.text.lexicon import HAN_DIGITS, QUESTION_WORDS, STOPWORDS
from qa.text.normalize import normalize

_WORDLIKE = re.compile(r"\w", re.UNICODE)
_QUESTION_WORD = re.compile(QUESTION_WORDS)
# A count right after 哪 (哪五种类型, 哪两个国家, 哪一个事件) is how many the answer names, not a word its evidence
# says: of 125 such questions in CMRC, DRCD and the seeds, the evidence says the count in 51.
_COUNT = re.compile(rf"[{HAN_DIGITS}0-9]")


@functools.cache
def segmenter() -> jieba.Tokenizer:
    """The one jieba tokenizer of the process (its dictionary is loaded once, on first use)."""
    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    return tokenizer


def tokenize(text: str) -> list[str]:
    """Search-mode jieba tokens (words plus their sub-words) of the normalised text."""
    return [
        token
        for token in segmenter().cut_for_search(normalize(text))
        if _WORDLIKE.search(token) and token.strip() and token not in STOPWORDS
    ]


def keywords(text: str) -> list[str]:
    """Distinct precise-mode jieba words of the normalised text: what evidence should mention."""
    tokens = list(segmenter().cut(normalize(text)))
    words = (asked_about(token) for before, token in zip(["", *tokens], tokens, strict=False)
             if _WORDLIKE.search(token) and not (before.endswith("哪") and _COUNT.match(token)))
    return list(dict.fromkeys(word for word in words if word and word not in STOPWORDS))


def asked_about(word: str) -> str:
    """``word`` without the question words it opens with (jieba keeps 哪些项目 whole: 项目); empty where
    nothing of two characters or more is left (哪家, 多少岁, 何时何地), since evidence never says those."""
    rest = word
    while (found := _QUESTION_WORD.match(rest)) and found.end():
        rest = rest[found.end():]
    return word if rest == word else rest if len(rest) >= 2 else ""
