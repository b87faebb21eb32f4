"""Page text to tokens: every non-blank line cleaned and classified, and the issue date.

* Lines. ``**`` markers, ``#`` heading markers, jump markers such as （下转第3版） /
  (上接第1版) and a trailing ``广告`` mark are deleted; the jump direction is remembered.
  Masthead and boilerplate lines (:mod:`qa.ingest.layout`) are not text and give no token;
  a line left empty by the deletions gives none either, except a 下转 line, which ends
  its story (``Kind.JUMP``), and an 上接 line hands its mark on to the next line.
* Each remaining line is, first match winning: a markdown heading, a lone 广告 mark, a
  阅读提示 box label, a closing dateline (新华社…电), a photo-credit line, a byline line, a
  paragraph opened by a news byline (本报讯（记者…）…, whose body is the text after it), a
  headline-shaped line, or body text, which may end in a photo credit of its own.
"""

from __future__ import annotations

import re

from qa.ingest.headlines import headline_shaped
from qa.ingest.items import Kind, Token
from qa.ingest.layout import (
    AD_MARK,
    BOILERPLATE,
    BOILERPLATE_MAX,
    BOX_LABEL,
    BYLINE_LINE,
    CREDIT_LINE,
    CREDIT_MAX,
    CREDITS,
    DATELINE_END,
    JUMP,
    JUMPS_FROM,
    JUMPS_TO,
    MASTHEAD_DATE,
    NEWS_LEAD,
    REPORTER_ROLE,
    TRAILING_AD,
    TRAILING_CREDIT,
    credit_names,
    masthead_date,
    reporter_names,
)
from qa.ingest.plain import clean_line, delete, is_blank, line_ranges, strip_heading, trim
from qa.text.source import SourceText


def _classify(source: str, body: SourceText, level: int, start: int, gap: int) -> Token | None:
    """Turn a cleaned line into a token; None for boilerplate."""
    text = body.text
    token = Token(Kind.BODY, body, start, gap, level)
    if level:
        token.kind = Kind.HEAD
        return token
    if text == AD_MARK:
        token.kind = Kind.AD
        return token
    if len(text) <= BOILERPLATE_MAX and (BOILERPLATE.search(text) or MASTHEAD_DATE.match(text)):
        return None
    if re.sub(r"\s", "", text) == BOX_LABEL:
        token.kind = Kind.BOX_LABEL
        return token
    if match := DATELINE_END.match(text):
        token.kind, token.dateline = Kind.DATELINE_END, match["dateline"]
        return token
    if len(text) <= CREDIT_MAX and CREDIT_LINE.match(text):
        token.kind, token.byline, token.reporters = Kind.CREDIT, text, credit_names(text)
        return token
    if len(text) <= CREDIT_MAX and BYLINE_LINE.match(text):
        token.kind, token.byline, token.reporters = Kind.BYLINE_LINE, text, reporter_names(text)
        return token
    if lead := NEWS_LEAD.match(text):
        end = lead.end()
        credits = CREDITS.match(text, end)
        if credits and REPORTER_ROLE.search(credits["credits"]):
            token.reporters = reporter_names(credits["credits"])
            end = credits.end()
        token.kind, token.byline, token.dateline = Kind.BYLINE_PARA, text[:end].strip(), lead["dateline"]
        token.body = trim(source, body.slice(end, len(text)))
        return token
    if headline_shaped(text):
        token.kind = Kind.HEAD
        return token
    if credit := TRAILING_CREDIT.search(text):
        token.inline_credit, token.byline = True, credit["credit"].strip()
        token.reporters = credit_names(token.byline)
        token.body = trim(source, body.slice(0, credit.start()))
    return token


def read_lines(source: str) -> tuple[list[Token], str | None]:
    """Tokens of the page text, and the issue date from its masthead."""
    tokens: list[Token] = []
    issue_date: str | None = None
    gap = 0
    jumps_from = False  # a lone (上接第N版) line hands its mark to the next line
    for start, end in line_ranges(source):
        if is_blank(source[start:end]):
            gap += 1
            continue
        body, level = strip_heading(source, clean_line(source, (start, end)))
        marks = list(JUMP.finditer(body.text))
        ad_mark = TRAILING_AD.search(body.text)  # the line is trimmed, so text precedes the mark
        cuts = [m.span() for m in marks] + ([ad_mark.span()] if ad_mark else [])
        body = trim(source, delete(source, body, cuts)) if cuts else body
        to_page = any(m["dir"] in JUMPS_TO for m in marks)
        from_page = jumps_from or any(m["dir"] in JUMPS_FROM for m in marks)
        if not body.text:
            if to_page:
                tokens.append(Token(Kind.JUMP, body, start, gap, jumps_to=True))
            jumps_from = from_page
            gap = 0
            continue
        if not tokens and issue_date is None:
            issue_date = masthead_date(body.text)
        token = _classify(source, body, level, start, gap)
        gap = 0
        if token is None:
            continue
        token.jumps_to, token.jumps_from, token.ad = to_page, from_page, ad_mark is not None
        jumps_from = False
        tokens.append(token)
    return tokens, issue_date
