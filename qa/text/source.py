"""Text that remembers where it came from (DrQA-style offsets).

Cleaning only ever *deletes* characters of the source (markdown markers, jump markers, line
breaks between columns), so a cleaned text is the concatenation of a few source slices;
``spans`` lists them. That is what lets any quote be mapped back to, and highlighted in, the
original file.
"""

from __future__ import annotations

from dataclasses import dataclass

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
