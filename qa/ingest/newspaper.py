"""Newspaper-issue page text (工人日报-style) cut into articles, captions kept apart.

The input is page text as exported from a newspaper: every paragraph on its own line,
blank lines between them, headlines as bare short lines or markdown headings, optional
``**bold**``, half- or full-width punctuation. Cleaning only deletes source characters, so
every paragraph keeps exact source spans.

This module is the front door; the rules live with the stage that applies them, in this order:

1. :mod:`qa.ingest.lines`: each line cleaned (markers deleted) and classified; masthead and
   boilerplate lines dropped, the issue date read from the masthead (:mod:`qa.ingest.layout`
   holds the patterns of bylines, credits, datelines, jump markers and mastheads).
2. :mod:`qa.ingest.captions`: photo captions and 阅读提示 boxes folded into single items.
3. :mod:`qa.ingest.columns`: lines a column break split re-joined into one paragraph.
4. :mod:`qa.ingest.assembly`: headline blocks, bylines and text put together into articles,
   round-ups, misplaced headlines, continuations and advertorials sorted out, and the
   articles numbered in reading order.

:mod:`qa.ingest.headlines` says which lines are headline-shaped and which line of a headline
block is the title.
"""

from __future__ import annotations

from qa.ingest.article import Article
from qa.ingest.assembly import assemble
from qa.ingest.captions import group
from qa.ingest.columns import join_columns
from qa.ingest.headlines import headline_shaped
from qa.ingest.layout import BYLINE_LINE, CREDIT_LINE, CREDIT_MAX, JUMP, MASTHEAD_DATE, NEWS_LEAD
from qa.ingest.lines import read_lines
from qa.ingest.plain import clean_line, is_blank, line_ranges, strip_heading

# Headline-shaped lines after the first that make a file without any other mark an issue.
_ISSUE_HEADLINES = 2


def looks_like_issue(text: str) -> bool:
    """Whether a file is newspaper page text rather than one plain "title, blank line, body" article.

    Any masthead date, news byline, photo credit, jump marker or markdown heading decides it;
    otherwise two or more headline-shaped lines after the first line do.
    """
    headline_lines = 0
    first = True
    for start, end in line_ranges(text):
        if is_blank(text[start:end]):
            continue
        line, level = strip_heading(text, clean_line(text, (start, end)))
        content = line.text
        if level or JUMP.search(content) or MASTHEAD_DATE.match(content) or NEWS_LEAD.match(content):
            return True
        if len(content) <= CREDIT_MAX and (BYLINE_LINE.match(content) or CREDIT_LINE.match(content)):
            return True
        if not first and headline_shaped(content):
            headline_lines += 1
        first = False
    return headline_lines >= _ISSUE_HEADLINES


def parse_issue(source_name: str, text: str) -> list[Article]:
    """Articles and photo captions of one newspaper-issue file, in reading order."""
    tokens, issue_date = read_lines(text)
    return assemble(source_name, join_columns(text, group(tokens)), issue_date)
