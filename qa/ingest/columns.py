"""Column breaks: lines that one sentence was split across, joined back into one paragraph.

* A paragraph that does not end a sentence (。！？；：… or a closing quote or bracket right
  after one) is continued by the next text line, even across a photo or a box in between:
  ``…存在的问题`` + ``和难点，…`` is one paragraph whose spans skip the break.
* Headline-shaped lines are protected: one is only continued by a line that must be a
  continuation (opens with punctuation or 和/及/的) or when a word runs across the break
  (jieba: …一个个重 / 大胜利…), and is only glued on when it opens with such punctuation.
"""

from __future__ import annotations

from qa.ingest.items import Caption, Item, Kind, Token
from qa.ingest.plain import is_terminated, join
from qa.text.lexicon import JOINING_WORDS, NO_LINE_START
from qa.text.tokens import segmenter

_WORD_WINDOW = 6  # characters either side of a line break looked at for a word running across it


def _must_continue(text: str) -> bool:
    """Whether a line opens the way only the rest of a sentence can (punctuation, 和/及/的)."""
    return text[0] in NO_LINE_START or text.startswith(JOINING_WORDS)


def _continues(first: Token, second: Token) -> bool:
    """Whether ``second`` carries on the sentence ``first`` broke off (a column break)."""
    if first.kind not in (Kind.BODY, Kind.BYLINE_PARA, Kind.HEAD) or second.kind not in (Kind.BODY, Kind.HEAD):
        return False
    if first.level or second.level or first.jumps_to or second.jumps_from or first.inline_credit:
        return False
    if not first.text or is_terminated(first.text):
        return False
    if _must_continue(second.text):
        return True
    if second.kind is Kind.HEAD:
        return False
    # A short unfinished line over body text: a headline, unless a word runs across the break
    # (…一个个重 / 大胜利… reads 重大胜利).
    return first.kind is not Kind.HEAD or _word_across(first.text, second.text)


def _word_across(first: str, second: str) -> bool:
    head, tail = first[-_WORD_WINDOW:], second[:_WORD_WINDOW]
    return any(start < len(head) < end for _, start, end in segmenter().tokenize(head + tail))


def join_columns(source: str, items: list[Item]) -> list[Item]:
    """The items with every line that carries on the text line before it joined onto that line."""
    joined: list[Item] = []
    for item in items:
        if isinstance(item, Token):
            previous = next((it for it in reversed(joined) if isinstance(it, Token)), None)
            if previous is not None and _continues(previous, item):
                previous.body = join(source, previous.body, item.body)
                previous.kind = Kind.BODY if previous.kind is Kind.HEAD else previous.kind
                previous.jumps_to, previous.ad = item.jumps_to, previous.ad or item.ad
                continue
            joined.append(item)
        elif isinstance(item, Caption):
            item.texts = [t for t in join_columns(source, list(item.texts)) if isinstance(t, Token)]
            joined.append(item)
        else:
            joined.append(item)
    return joined
