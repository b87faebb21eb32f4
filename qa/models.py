"""The records that flow through the pipeline: articles, paragraphs, sentences, chunks.

Every piece of cleaned text remembers where it came from. Cleaning only ever *deletes*
characters of the source (markdown markers, jump markers, line breaks between columns),
so a cleaned text is the concatenation of a few source slices; ``spans`` lists them.
That is what lets any quote be mapped back to, and highlighted in, the original file.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

Span = tuple[int, int]


@dataclass
class SourceText:
    """Cleaned text plus the source slices it was cut from (DrQA-style offsets)."""

    text: str
    spans: list[Span]

    @classmethod
    def from_slices(cls, source: str, spans: list[Span]) -> SourceText:
        merged: list[Span] = []
        for start, end in spans:
            if end <= start:
                continue
            if merged and merged[-1][1] == start:
                merged[-1] = (merged[-1][0], end)
            else:
                merged.append((start, end))
        return cls("".join(source[s:e] for s, e in merged), merged)

    def source_offset(self, index: int) -> int:
        """Source offset of the character at ``index`` of ``text`` (``len(text)`` maps past the end)."""
        consumed = 0
        for start, end in self.spans:
            width = end - start
            if index < consumed + width:
                return start + index - consumed
            consumed += width
        return self.spans[-1][1] if self.spans else 0

    def source_range(self, start: int, end: int) -> Span:
        """Source (start, end) covering ``text[start:end]``; ``end`` is exclusive."""
        if end <= start:
            offset = self.source_offset(start)
            return offset, offset
        return self.source_offset(start), self.source_offset(end - 1) + 1

    def slice(self, start: int, end: int) -> SourceText:
        """The sub-text ``text[start:end]`` with its own source slices."""
        pieces: list[Span] = []
        consumed = 0
        for span_start, span_end in self.spans:
            width = span_end - span_start
            lo, hi = max(start, consumed), min(end, consumed + width)
            if lo < hi:
                pieces.append((span_start + lo - consumed, span_start + hi - consumed))
            consumed += width
        return SourceText(self.text[start:end], pieces)


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
