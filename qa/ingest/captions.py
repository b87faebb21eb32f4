"""Photo captions and 阅读提示 boxes folded out of the line flow into single items.

* Photo captions. A credit line (新华社发（张驰摄）, 本报记者 王伟伟 摄, 杨楠 摄/人民图片) or a
  credit trailing a paragraph (…比赛。本报记者 李昱霖 本报通讯员 陈剑超) closes a caption. The
  caption runs back over the paragraphs above it up to its headline line; without a headline
  it is the paragraphs after the last wide gap (2+ blank lines), else the one paragraph above
  the credit. It becomes an article of kind ``caption``, titled by its headline or
  ``图片：`` + its first 20 characters, with the credit as byline (:mod:`qa.ingest.assembly`).
* 阅读提示 boxes are the story's summary: the box text stays as a paragraph of the story
  it is printed in; the label line is dropped.
"""

from __future__ import annotations

from qa.ingest.items import Box, Caption, Item, Kind, Token

_MAX_CAPTION_PARAGRAPHS = 6
_WIDE_GAP = 2  # blank lines that set a photo and its caption apart from the story above


def group(tokens: list[Token]) -> list[Item]:
    """Fold photo captions and 阅读提示 boxes into single items, leaving the text flow around them."""
    owner: dict[int, Item | None] = {}  # None: a credit with nothing to caption, dropped
    for index, token in enumerate(tokens):
        if token.kind is Kind.CREDIT or token.inline_credit:
            found = _caption_at(tokens, index, owner)
            owner[index] = None
            if found is not None:
                caption, members = found
                owner.update(dict.fromkeys([*members, index], caption))
        elif token.kind is Kind.BOX_LABEL and index + 1 < len(tokens) and tokens[index + 1].kind is Kind.BODY:
            owner[index] = owner[index + 1] = Box(tokens[index + 1])
    items: list[Item] = []
    for index, token in enumerate(tokens):
        if index not in owner:
            items.append(token)
            continue
        item = owner[index]
        if item is not None and (not items or items[-1] is not item):
            items.append(item)
    return items


def _caption_at(tokens: list[Token], credit: int, owner: dict[int, Item | None]) -> tuple[Caption, list[int]] | None:
    """The caption a credit closes, and the token indices it takes."""
    texts = [credit] if tokens[credit].inline_credit else []
    index = credit - 1
    wide_gap = False
    while index >= 0 and index not in owner and len(texts) < _MAX_CAPTION_PARAGRAPHS:
        token = tokens[index]
        if token.kind is not Kind.BODY or token.jumps_to or token.jumps_from or token.inline_credit:
            break
        if tokens[index + 1].gap >= _WIDE_GAP:
            wide_gap = True
            break
        texts.insert(0, index)
        index -= 1
    heads: list[int] = []
    if not wide_gap:
        while index >= 0 and index not in owner and tokens[index].kind is Kind.HEAD:
            heads.insert(0, index)
            if tokens[index].gap >= _WIDE_GAP:
                break
            index -= 1
    if not heads and not wide_gap:
        texts = texts[-1:]
    if not texts:
        return None
    caption = Caption([tokens[i] for i in heads], [tokens[i] for i in texts], tokens[credit])
    return caption, heads + texts
