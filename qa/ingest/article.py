"""What ingest makes of a source file: articles of paragraphs, each paragraph keeping its source offsets."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from qa.text.source import SourceText


@dataclass
class Paragraph:
    """One paragraph of an article."""

    body: SourceText

    @property
    def text(self) -> str:
        return self.body.text

    @property
    def start(self) -> int:
        return self.body.spans[0][0] if self.body.spans else 0

    @property
    def end(self) -> int:
        return self.body.spans[-1][1] if self.body.spans else 0


@dataclass
class Article:
    """One article cut from a source file (a newspaper issue or a single-article file)."""

    source: str  # file name as indexed, e.g. 000_8ff553cfc552c22b.txt
    title: str
    paragraphs: list[Paragraph]
    subtitle: str | None = None  # kicker / subtitle lines, joined with a newline
    byline: str | None = None  # e.g. 本报讯（记者吴铎思 通讯员哈斯叶提·卡斯木）
    reporters: list[str] = field(default_factory=list)
    dateline: str | None = None  # e.g. 本报北京6月28日电
    date: str | None = None  # ISO date of the issue, e.g. 2021-11-03
    ordinal: int = 0  # position of the article in its source file
    kind: str = "article"  # "article", or "caption" for a photo caption kept as its own item

    @property
    def doc_id(self) -> str:
        """Stable id: the same file and the same article position give the same id."""
        digest = hashlib.sha1(f"{self.source}\x00{self.ordinal}".encode()).hexdigest()
        return digest[:16]

    @property
    def text(self) -> str:
        return "\n".join(paragraph.text for paragraph in self.paragraphs)
