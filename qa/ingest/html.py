"""HTML pages to the text that is stored and cited: headline, blank line, one paragraph per block.

The markup is read with the standard library's HTML parser (a tolerant tokenizer: unclosed tags,
stray end tags and entities are handled as browsers do for text). The headline is the first
``<h1>``, else ``<title>``. Text inside ``<script>``, ``<style>``, navigation, forms and page
chrome is dropped; every block element (``<p>``, ``<div>``, ``<li>``, headings, table cells,
``<br>``) ends a paragraph. Whitespace runs collapse to one space as a browser renders them, and
vanish between two CJK characters (a line break inside Chinese text is not a word gap).

Offsets of an HTML source index this extracted text, which is what the index stores as the
source's text; the markup itself is not kept.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

BLOCKS = frozenset("""address article aside blockquote br caption dd div dl dt figcaption figure h1 h2 h3 h4 h5 h6
                      header hr li main ol p pre section table td th tr ul""".split())
SKIPPED = frozenset("script style noscript template nav footer form button select svg iframe object".split())
_SPACE = re.compile(r"\s+")
_CJK = "\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef"
_CJK_GAP = re.compile(rf"(?<=[{_CJK}]) (?=[{_CJK}])")


class _Extractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.skipping: list[str] = []
        self.title: list[str] = []
        self.in_title = False
        self.heading: str | None = None  # the first <h1>'s text once it has closed
        self.in_h1 = False
        self.h1: list[str] = []
        self.blocks: list[str] = []
        self.current: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in SKIPPED:
            self.skipping.append(tag)
        if tag == "title":
            self.in_title = True
        if tag in BLOCKS:
            self._end_block()
        if tag == "h1" and self.heading is None and not self.skipping:
            self.in_h1 = True

    def handle_endtag(self, tag: str) -> None:
        if self.skipping and tag == self.skipping[-1]:
            self.skipping.pop()
        if tag == "title":
            self.in_title = False
        if tag == "h1" and self.in_h1:
            self.in_h1 = False
            self.heading = _clean("".join(self.h1))
            self.current = []  # the headline is the title, not a paragraph
        if tag in BLOCKS:
            self._end_block()

    def handle_startendtag(self, tag: str, attrs: list) -> None:
        if tag in BLOCKS:
            self._end_block()

    def handle_data(self, data: str) -> None:
        if self.in_title:
            self.title.append(data)
        elif not self.skipping:
            (self.h1 if self.in_h1 else self.current).append(data)

    def _end_block(self) -> None:
        text = _clean("".join(self.current))
        if text:
            self.blocks.append(text)
        self.current = []


def _clean(text: str) -> str:
    return _CJK_GAP.sub("", _SPACE.sub(" ", text)).strip()


def html_text(markup: str) -> str:
    """The page as plain text: the headline, a blank line, then its paragraphs separated by blank
    lines; empty when the page has no text."""
    extractor = _Extractor()
    extractor.feed(markup)
    extractor.close()
    extractor._end_block()
    title = extractor.heading or _clean("".join(extractor.title))
    blocks = [block for block in extractor.blocks if block != title]
    if not title and blocks:
        title, blocks = blocks[0], blocks[1:]
    return "\n\n".join([title, *blocks]) + "\n" if title else ""
