"""Word tokens for BM25 and keyword matching: jieba over normalised text, stopwords dropped."""

from __future__ import annotations

import functools
import logging
import re

import jieba

from qa.textnorm import normalize

# Function words and question words carry no topic; matching on them only adds noise.
STOPWORDS = frozenset(
    """
    的 了 是 在 和 与 及 或 也 都 就 而 并 又 被 把 对 从 向 为 以 于 由 等 这 那 其 之 着 过 得 地 个
    吗 呢 吧 啊 呀 么 哪 哪些 哪个 哪里 哪儿 哪年 哪天 哪位 什么 怎么 怎样 如何 为什么 为何 多少 几
    几个 谁 何时 何地 是否 有没有 请问 一下 一共 总共 共 还 有 没有 会 能 要 可以 这个 那个 这些 那些
    他们 她们 我们 你们 它们 他 她 它 我 你 该 此 每 各 个 次 年 月 日 一天 哪一天 哪一年 第几 几轮
    几类 几项 多少次 今年 去年 目前 现在 当时 那次 那场 那份 那位 这次 这场 叫 叫做 名字 称为 自己 the
    a an of to in on at for by is are was were be been what which who whom when where why how many much
    does do did has have had with from that this these those it its as and or
    """.split()
)

_WORDLIKE = re.compile(r"\w", re.UNICODE)


@functools.cache
def _jieba() -> jieba.Tokenizer:
    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    return tokenizer


def tokenize(text: str) -> list[str]:
    """Search-mode jieba tokens (words plus their sub-words) of the normalised text."""
    return [
        token
        for token in _jieba().cut_for_search(normalize(text))
        if _WORDLIKE.search(token) and token.strip() and token not in STOPWORDS
    ]


def keywords(text: str) -> list[str]:
    """Distinct precise-mode jieba words of the normalised text: what evidence should mention."""
    words = (token for token in _jieba().cut(normalize(text)) if _WORDLIKE.search(token))
    return list(dict.fromkeys(word for word in words if word not in STOPWORDS))
