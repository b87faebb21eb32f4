"""What a newspaper page is read as: tokens, one per cleaned line, and the captions and boxes grouped from them.

:mod:`qa.ingest.lines` makes the tokens, :mod:`qa.ingest.captions` folds some of them into
``Caption`` and ``Box`` items, :mod:`qa.ingest.columns` re-joins the lines a column break split,
and :mod:`qa.ingest.assembly` turns the items into articles.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum, auto

from qa.text.source import SourceText


class Kind(Enum):
    BODY = auto()
    HEAD = auto()
    BYLINE_LINE = auto()  # 本报记者 康劲 庞慧敏
    BYLINE_PARA = auto()  # 本报讯（记者…）正文…; body holds the text after the byline
    CREDIT = auto()  # photo credit line
    JUMP = auto()  # a line holding only （下转第3版）
    DATELINE_END = auto()  # (新华社乌鲁木齐6月28日电) closing a story
    BOX_LABEL = auto()  # 阅 读 提 示
    AD = auto()  # a lone 广告 mark


@dataclass
class Token:
    """One non-blank line, cleaned."""

    kind: Kind
    body: SourceText
    start: int  # source offset of the line, for reading order
    gap: int  # blank lines above it
    level: int = 0  # markdown heading level
    byline: str | None = None
    reporters: list[str] = field(default_factory=list)
    dateline: str | None = None
    jumps_from: bool = False  # (上接第N版)
    jumps_to: bool = False  # (下转第N版)
    ad: bool = False
    inline_credit: bool = False  # BODY whose trailing credit (in byline) marks a photo caption

    @property
    def text(self) -> str:
        return self.body.text


@dataclass
class Caption:
    """A photo caption: its headline lines, its text lines and the credit that closes it."""

    heads: list[Token]
    texts: list[Token]
    credit: Token


@dataclass
class Box:
    """A 阅读提示 box: the summary paragraph under the label."""

    content: Token


Item = Token | Caption | Box
