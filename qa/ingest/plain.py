"""Single-article files: first non-blank line is the title, the rest is the body.

This is the layout of the CMRC sample corpus (``标题\\n\\n正文\\n``). Body paragraphs are the
blank-line separated blocks; inside a block a single line break ends a paragraph only after
terminal punctuation, otherwise it is a wrapped line and is deleted (the two lines re-join).

The module also holds the small text primitives the newspaper parser shares: line ranges,
span deletion and the "does this line end a sentence" test.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from qa.ingest.article import Article, Paragraph
from qa.text.lexicon import CLOSERS, COLONS, SENTENCE_TERMINATORS, char_class
from qa.text.source import SourceText, Span

# A sentence ender or a colon (the line introduces what follows) ends a paragraph; closing quotes
# and brackets only count when a sentence ender sits inside them (…。” ends one, …温暖行动” does not).
_TERMINATED = re.compile(f"{char_class(SENTENCE_TERMINATORS + COLONS)}{char_class(CLOSERS)}*$")
# A trailing signature such as （梁伟强） or (中光) after the last sentence.
_SIGNATURE = re.compile(r"[（(][^（()）]{1,15}[）)]$")
_BOLD = re.compile(r"\*\*")
_EDGE_SPACE = re.compile(r"^\s+|\s+$")
# ATX markdown heading: leading #s (and an optional closing run of #s).
_HEADING_OPEN = re.compile(r"^(#{1,6})[ \t\u3000]*(?=[^#\s])")
_HEADING_CLOSE = re.compile(r"[ \t\u3000]+#+$")


def line_ranges(text: str) -> list[Span]:
    """(start, end) of every line's content, line terminators excluded."""
    ranges: list[Span] = []
    offset = 0
    for line in text.splitlines(keepends=True):
        content = line.rstrip("\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")
        ranges.append((offset, offset + len(content)))
        offset += len(line)
    return ranges


def is_blank(text: str) -> bool:
    return not text.strip()


def delete(source: str, body: SourceText, ranges: Iterable[Span]) -> SourceText:
    """``body`` with the given ranges of its text removed (ranges index ``body.text``)."""
    spans: list[Span] = []
    cursor = 0
    for start, end in sorted(ranges):
        if start > cursor:
            spans.extend(body.slice(cursor, start).spans)
        cursor = max(cursor, end)
    spans.extend(body.slice(cursor, len(body.text)).spans)
    return SourceText.from_slices(source, spans)


def trim(source: str, body: SourceText) -> SourceText:
    """Delete leading and trailing whitespace (full-width spaces and stray CRs included)."""
    return delete(source, body, (m.span() for m in _EDGE_SPACE.finditer(body.text)))


def clean_line(source: str, span: Span) -> SourceText:
    """One line with ``**`` bold markers and edge whitespace deleted."""
    body = SourceText.from_slices(source, [span])
    body = delete(source, body, (m.span() for m in _BOLD.finditer(body.text)))
    return trim(source, body)


def strip_heading(source: str, line: SourceText) -> tuple[SourceText, int]:
    """Delete a markdown heading's ``#`` markers; returns the text and the level (0: not a heading)."""
    opening = _HEADING_OPEN.match(line.text)
    if not opening:
        return line, 0
    cuts = [opening.span()]
    closing = _HEADING_CLOSE.search(line.text)
    if closing and closing.start() > opening.end():
        cuts.append(closing.span())
    return delete(source, line, cuts), len(opening.group(1))


def join(source: str, first: SourceText, second: SourceText) -> SourceText:
    """Two pieces as one text; whatever lay between them in the source is skipped."""
    return SourceText.from_slices(source, first.spans + second.spans)


def is_terminated(text: str) -> bool:
    """True when ``text`` ends a sentence, so a following line starts a new paragraph."""
    text = text.rstrip()
    signature = _SIGNATURE.search(text)
    if signature and signature.start() > 0:
        text = text[: signature.start()].rstrip()
    return bool(_TERMINATED.search(text))


def parse_plain(source_name: str, text: str) -> list[Article]:
    """One article: title from the first non-blank line, paragraphs from the rest."""
    title: SourceText | None = None
    paragraphs: list[SourceText] = []
    open_paragraph = False
    for span in line_ranges(text):
        line, _ = strip_heading(text, clean_line(text, span))
        if not line.text:
            open_paragraph = False
            continue
        if title is None:
            title = line
            continue
        if open_paragraph:
            paragraphs[-1] = join(text, paragraphs[-1], line)
        else:
            paragraphs.append(line)
        open_paragraph = not is_terminated(paragraphs[-1].text)
    if title is None:
        return []
    # A title-only file still carries text worth finding: the title doubles as its paragraph.
    bodies = paragraphs or [title]
    return [Article(source=source_name, title=title.text, paragraphs=[Paragraph(body) for body in bodies])]
