"""Newspaper-issue page text (工人日报-style) cut into articles, captions kept apart.

The input is page text as exported from a newspaper: every paragraph on its own line,
blank lines between them, headlines as bare short lines or markdown headings, optional
``**bold**``, half- or full-width punctuation. Cleaning only deletes source characters, so
every paragraph keeps exact source spans.

Rules, in the order the parser applies them:

* Lines. ``**`` markers, ``#`` heading markers, jump markers such as （下转第3版） /
  (上接第1版) and a trailing ``广告`` mark are deleted; the jump direction is remembered.
  Masthead and boilerplate lines (issue date, 辛丑年…第N期 今日八版, 主管主办, 出版物号,
  中工网 / URLs, a lone 广告) are not text.
* Issue date. Only a masthead line such as ``2021年11月3日 星期三`` above the first story
  dates the issue (the weekday, when printed, must agree). Without one the date is None:
  datelines (本报北京6月28日电) carry no year and years in the text (2022年以来) name events,
  not the issue, so neither is reliable enough to guess from.
* Photo captions. A credit line (新华社发（张驰摄）, 本报记者 王伟伟 摄, 杨楠 摄/人民图片) or a
  credit trailing a paragraph (…比赛。本报记者 李昱霖 本报通讯员 陈剑超) closes a caption. The
  caption runs back over the paragraphs above it up to its headline line; without a headline
  it is the paragraphs after the last wide gap (2+ blank lines), else the one paragraph above
  the credit. It becomes an article of kind ``caption``, titled by its headline or
  ``图片：`` + its first 20 characters, with the credit as byline.
* 阅读提示 boxes are the story's summary: the box text stays as a paragraph of the story
  it is printed in; the label line is dropped.
* Column breaks. A paragraph that does not end a sentence (。！？；：… or a closing quote or
  bracket right after one) is continued by the next text line, even across a photo or a
  box in between: ``…存在的问题`` + ``和难点，…`` is one paragraph whose spans skip the
  break. Headline-shaped lines are protected: one is only continued by a line that must be
  a continuation (opens with punctuation or 和/及/的) or when a word runs across the break
  (jieba: …一个个重 / 大胜利…), and is only glued on when it opens with such punctuation.
* Headline-shaped lines: at most 40 characters (80 for ——decks), no sentence end inside,
  balanced quotes and brackets, at most one comma, not opening like a news sentence (a date
  or 近日/目前/此外… followed by a comma). Consecutive ones form a headline block.
* Articles. A news byline (本报讯（记者…）, 本报北京6月28日电(记者…), 新华社北京11月2日电,
  a 本报记者 康劲 line) always opens an article; the headline block right above it is its
  headline. A headline block followed by plain text opens an article too, unless it is a
  one-line subhead inside a running story (markdown: a deeper heading level), which stays
  in the story as a paragraph. Stories run on across photos, but a headline block after a
  photo starts a new story; a 下转 marker or a closing (新华社…电) ends one.
* Headline blocks. Lines starting with —— are subtitles, lines ending with —— are
  over-lines; of the rest the title is the line that least looks like a deck (deck signs:
  a genre label such as 新闻特写, a two-phrase couplet split by a space, a counted number
  like 2.93万个, a wholly quoted line, a list with several 、), ties going to the first.
  The other lines go to ``subtitle``. In markdown, the deepest heading is the title and a
  shallower heading directly above it (## 抗疫情促发展 工会在行动) is a section label kept as
  the subtitle of every article under it.
* Round-ups: a letter-spaced region label (天 津, 吉 林) over a byline starts one report of a
  round-up; it is titled ``<round-up headline>（天津）`` and shares the round-up's subtitle.
* Misplaced headlines. An article opened by a byline with no headline adopts the first
  headline block printed inside it (004: 本报记者 张世光… then 新闻特写 / 见屏如面). A headline
  line left without text of its own (followed by a photo or the end) whose words mostly
  (half of its character bigrams) occur in the story above is that story's headline printed
  under it (003: 提供「时时、处处、事事」暖心服务…); the story's earlier title, usually a
  column label, moves to the subtitle.
* Continuations. Text opened by (上接第N版) is merged into an earlier article of the file
  that has a 下转 marker when their headlines match (one contains the other) or, without a
  headline, when exactly one such article is waiting; otherwise it stays an article of its
  own under the continuation's headline.
* Advertorials. A bylined news item followed by a 广告 mark has an advertisement run into
  it; the advertisement starts at the first paragraph sharing no character bigram with the
  item's headline and is cut off as its own article.
* Articles with no headline at all (000: the 新华社北京11月2日电（记者安蓓） item after the
  习近平 greetings; 002: the 吉林 产改 advertorial opening 《论语·里仁》书云…) are titled by
  their first sentence, cut to 30 characters plus "…".
* ``ordinal`` is the reading order of the articles and captions (by where each begins).
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import re
from dataclasses import dataclass, field
from enum import Enum, auto

import jieba

from qa.ingest.plain import (
    CLOSERS,
    clean_line,
    delete,
    is_blank,
    is_terminated,
    join,
    line_ranges,
    strip_heading,
    trim,
)
from qa.models import Article, Paragraph, SourceText


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


_SPACE = r"[ \t\u3000]"
_NAME = r"[\u4e00-\u9fff·]{2,10}"
_ROLE = r"(?:本报|新华社|中新社|人民日报)?(?:特派|特约|见习|实习|摄影)?(?:记者|通讯员|实习生)"
_ROLE_PREFIX = re.compile(rf"^{_ROLE}")
_BYLINE_LINE = re.compile(rf"^(?:{_ROLE}(?:{_SPACE}+{_NAME})+{_SPACE}*)+$")
_NEWS_LEAD = re.compile(r"^(?:本报讯|(?P<dateline>(?:本报|新华社|中新社)[\u4e00-\u9fff]{1,10}?\d{1,2}月\d{1,2}日电))")
_CREDITS = re.compile(rf"{_SPACE}*[（(](?P<credits>[^（()）]{{1,80}})[）)]")
_CREDIT_LINE = re.compile(
    rf"^(?:(?:新华社|中新社|人民网)?发{_SPACE}*[（(][^（()）]{{1,30}}?摄[）)]"
    rf"|(?:{_ROLE}{_SPACE}*)?{_NAME}(?:{_SPACE}+(?:{_ROLE}{_SPACE}*)?{_NAME})*{_SPACE}+摄(?:[/／]\S{{1,12}})?)$"
)
_TRAILING_CREDIT = re.compile(
    rf"(?<=[。！？!?”]){_SPACE}*(?P<credit>(?:{_ROLE}{_SPACE}+{_NAME}{_SPACE}*)+(?:摄)?"
    r"|(?:新华社|中新社)?发[（(][^（()）]{1,30}摄[）)])$"
)
_DATELINE_END = re.compile(r"^[（(](?P<dateline>(?:新华社|本报|中新社)[^（()）]{2,20}电)[）)]$")
_JUMP = re.compile(
    rf"[（(]{_SPACE}*(?P<dir>下转|上接|转|接)第?{_SPACE}*[0-9一二三四五六七八九十〇零]+{_SPACE}*版{_SPACE}*[）)]"
)
_TRAILING_AD = re.compile(rf"{_SPACE}+广告$")
_MASTHEAD_DATE = re.compile(
    rf"^(?P<y>\d{{4}})年(?P<m>\d{{1,2}})月(?P<d>\d{{1,2}})日(?:{_SPACE}*(?:星期|周)(?P<w>[一二三四五六日天]))?$"
)
_BOILERPLATE = re.compile(
    r"^[甲乙丙丁戊己庚辛壬癸][子丑寅卯辰巳午未申酉戌亥]年|第\s*\d+\s*期|今日[一二三四五六七八九十\d]+版"
    r"|主管主办|出版物号|^中工网|https?://|www\."
)
_SPACED_LABEL = re.compile(rf"^[\u4e00-\u9fff](?:{_SPACE}+[\u4e00-\u9fff]){{1,5}}$")
_WEEKDAYS = "一二三四五六日"

_GLUE_PUNCT = "，,、。．；;：:！!？?" + CLOSERS + "〉"
# What a continued line may open with: punctuation, or words that cannot start a paragraph.
_GLUE_START = _GLUE_PUNCT + "和及的"
_SENTENCE_END_INSIDE = re.compile(r"[。！？!?；;…]")
# A date or a time/discourse adverb and a comma open a news sentence, never a headline.
_SENTENCE_OPENING = re.compile(
    r"^(?:(?:\d{2,4}年)?(?:\d{1,2}月)?(?:\d{1,2}日)?(?<=[年月日])"
    r"|近日|日前|目前|近年来|今年以来|此前|当天|当日|随后|同时|此外|据悉|据了解|据介绍)[，,]"
)
_PAIRS = ("“”", "‘’", "「」", "『』", "《》", "（）", "()")
_HEADLINE_MAX = 40
_CREDIT_MAX = 40  # byline and photo-credit lines are short
_BOILERPLATE_MAX = 60  # longer lines mentioning a URL or 第N期 are text
_DECK_MAX = 80
_MAX_CAPTION_PARAGRAPHS = 6
_MISPLACED_HEADLINE_OVERLAP = 0.5
_DERIVED_TITLE_MAX = 30
_CAPTION_TITLE_CHARS = 20
_WORD_WINDOW = 6  # characters either side of a line break looked at for a word running across it

_GENRE_LABELS = frozenset(
    {
        "新闻特写",
        "特写",
        "短评",
        "时评",
        "快评",
        "述评",
        "综述",
        "通讯",
        "评论",
        "编者按",
        "特稿",
        "新闻观察",
        "记者观察",
        "一线观察",
        "图片新闻",
        "新闻链接",
        "延伸阅读",
        "相关新闻",
    }
)
_COUPLET = re.compile(rf"^[^\s，,。：:；;、！!？?]{{4,14}}{_SPACE}+[^\s，,。：:；;、！!？?]{{4,14}}$")
_COUNTED = re.compile(r"\d+(?:\.\d+)?(?:多|余)?(?:个|万|亿|人|项|家|名|场|次|元|%)")
_CJK_RUN = re.compile(r"[\u4e00-\u9fff]+")


@dataclass
class _Token:
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
class _Caption:
    heads: list[_Token]
    texts: list[_Token]
    credit: _Token


@dataclass
class _Box:
    content: _Token


_Item = _Token | _Caption | _Box


@dataclass
class _Draft:
    anchor: int
    title: str | None = None
    subtitle: list[str] = field(default_factory=list)
    paragraphs: list[SourceText] = field(default_factory=list)
    byline: str | None = None
    reporters: list[str] = field(default_factory=list)
    dateline: str | None = None
    kind: str = "article"
    level: int = 0  # markdown level of the headline
    fresh: bool = True  # headline read, nothing else yet
    bylined: bool = False
    closed: bool = False  # 下转 or a closing dateline: nothing more belongs here
    after_photo: bool = False
    jumps_from: bool = False
    jumps_to: bool = False
    ad: bool = False

    def text(self) -> str:
        return "".join(paragraph.text for paragraph in self.paragraphs)


@dataclass
class _Section:
    level: int
    lines: list[str]


# ---------------------------------------------------------------- line level


def _names(credit: str) -> list[str]:
    """Reporter / photographer names in a credit, role labels and 摄 removed."""
    credit = re.sub("[/／].*$", "", credit)
    names: list[str] = []
    for part in re.split(r"[\s、，,]+", credit):
        name = _ROLE_PREFIX.sub("", part).removesuffix("摄")
        if name:
            names.append(name)
    return names


def _credit_names(credit: str) -> list[str]:
    bracketed = re.search("[（(]([^（()）]*)[）)]", credit)
    return _names(bracketed.group(1) if bracketed else credit)


def _balanced(text: str) -> bool:
    return all(text.count(a) == text.count(b) for a, b in _PAIRS)


def _headline_shaped(text: str) -> bool:
    if not text or text[0] in _GLUE_PUNCT or not _balanced(text) or _SENTENCE_OPENING.match(text):
        return False
    if _SENTENCE_END_INSIDE.search(text):
        return False
    if text.startswith("——") or text.endswith("——"):
        return len(text) <= _DECK_MAX
    return (
        len(text) <= _HEADLINE_MAX and text.count("，") + text.count(",") <= 1 and text[-1] not in "，,、：:（(“‘《「"
    )


def _is_spaced_label(token: _Token) -> bool:
    return token.level == 0 and bool(_SPACED_LABEL.match(token.text))


def _bigrams(text: str) -> set[str]:
    return {run[i : i + 2] for run in _CJK_RUN.findall(text) for i in range(len(run) - 1)}


def _overlap(line: str, text: str) -> float:
    grams = _bigrams(line)
    return len(grams & _bigrams(text)) / len(grams) if grams else 0.0


def _masthead_date(text: str) -> str | None:
    match = _MASTHEAD_DATE.match(text)
    if not match:
        return None
    try:
        day = dt.date(int(match["y"]), int(match["m"]), int(match["d"]))
    except ValueError:
        return None
    weekday = match["w"]
    if weekday and _WEEKDAYS[day.weekday()] != weekday.replace("天", "日"):
        return None
    return day.isoformat()


def _classify(source: str, body: SourceText, level: int, start: int, gap: int) -> _Token | None:
    """Turn a cleaned line into a token; None for boilerplate."""
    text = body.text
    token = _Token(Kind.BODY, body, start, gap, level)
    if level:
        token.kind = Kind.HEAD
        return token
    if text == "广告":
        token.kind = Kind.AD
        return token
    if len(text) <= _BOILERPLATE_MAX and (_BOILERPLATE.search(text) or _MASTHEAD_DATE.match(text)):
        return None
    if re.sub(r"\s", "", text) == "阅读提示":
        token.kind = Kind.BOX_LABEL
        return token
    if match := _DATELINE_END.match(text):
        token.kind, token.dateline = Kind.DATELINE_END, match["dateline"]
        return token
    if len(text) <= _CREDIT_MAX and _CREDIT_LINE.match(text):
        token.kind, token.byline, token.reporters = Kind.CREDIT, text, _credit_names(text)
        return token
    if len(text) <= _CREDIT_MAX and _BYLINE_LINE.match(text):
        token.kind, token.byline, token.reporters = Kind.BYLINE_LINE, text, _names(text)
        return token
    if lead := _NEWS_LEAD.match(text):
        end = lead.end()
        credits = _CREDITS.match(text, end)
        if credits and re.search("记者|通讯员|实习生", credits["credits"]):
            token.reporters = _names(credits["credits"])
            end = credits.end()
        token.kind, token.byline, token.dateline = Kind.BYLINE_PARA, text[:end].strip(), lead["dateline"]
        token.body = trim(source, body.slice(end, len(text)))
        return token
    if _headline_shaped(text):
        token.kind = Kind.HEAD
        return token
    if credit := _TRAILING_CREDIT.search(text):
        token.inline_credit, token.byline = True, credit["credit"].strip()
        token.reporters = _credit_names(token.byline)
        token.body = trim(source, body.slice(0, credit.start()))
    return token


def _tokens(source: str) -> tuple[list[_Token], str | None]:
    """Tokens of the page text, and the issue date from its masthead."""
    tokens: list[_Token] = []
    issue_date: str | None = None
    gap = 0
    jumps_from = False  # a lone (上接第N版) line hands its mark to the next line
    for start, end in line_ranges(source):
        if is_blank(source[start:end]):
            gap += 1
            continue
        body, level = strip_heading(source, clean_line(source, (start, end)))
        marks = list(_JUMP.finditer(body.text))
        ad_mark = _TRAILING_AD.search(body.text)  # the line is trimmed, so text precedes the mark
        cuts = [m.span() for m in marks] + ([ad_mark.span()] if ad_mark else [])
        body = trim(source, delete(source, body, cuts)) if cuts else body
        to_page = any(m["dir"] in ("下转", "转") for m in marks)
        from_page = jumps_from or any(m["dir"] in ("上接", "接") for m in marks)
        if not body.text:
            if to_page:
                tokens.append(_Token(Kind.JUMP, body, start, gap, jumps_to=True))
            jumps_from = from_page
            gap = 0
            continue
        if not tokens and issue_date is None:
            issue_date = _masthead_date(body.text)
        token = _classify(source, body, level, start, gap)
        gap = 0
        if token is None:
            continue
        token.jumps_to, token.jumps_from, token.ad = to_page, from_page, ad_mark is not None
        jumps_from = False
        tokens.append(token)
    return tokens, issue_date


# ---------------------------------------------------------------- block level


def _group(tokens: list[_Token]) -> list[_Item]:
    """Fold photo captions and 阅读提示 boxes into single items, leaving the text flow around them."""
    owner: dict[int, _Item | None] = {}  # None: a credit with nothing to caption, dropped
    for index, token in enumerate(tokens):
        if token.kind is Kind.CREDIT or token.inline_credit:
            found = _caption_at(tokens, index, owner)
            owner[index] = None
            if found is not None:
                caption, members = found
                owner.update(dict.fromkeys([*members, index], caption))
        elif token.kind is Kind.BOX_LABEL and index + 1 < len(tokens) and tokens[index + 1].kind is Kind.BODY:
            owner[index] = owner[index + 1] = _Box(tokens[index + 1])
    items: list[_Item] = []
    for index, token in enumerate(tokens):
        if index not in owner:
            items.append(token)
            continue
        item = owner[index]
        if item is not None and (not items or items[-1] is not item):
            items.append(item)
    return items


def _caption_at(tokens: list[_Token], credit: int, owner: dict[int, _Item | None]) -> tuple[_Caption, list[int]] | None:
    """The caption a credit closes, and the token indices it takes."""
    texts = [credit] if tokens[credit].inline_credit else []
    index = credit - 1
    wide_gap = False
    while index >= 0 and index not in owner and len(texts) < _MAX_CAPTION_PARAGRAPHS:
        token = tokens[index]
        if token.kind is not Kind.BODY or token.jumps_to or token.jumps_from or token.inline_credit:
            break
        if tokens[index + 1].gap >= 2:
            wide_gap = True
            break
        texts.insert(0, index)
        index -= 1
    heads: list[int] = []
    if not wide_gap:
        while index >= 0 and index not in owner and tokens[index].kind is Kind.HEAD:
            heads.insert(0, index)
            if tokens[index].gap >= 2:
                break
            index -= 1
    if not heads and not wide_gap:
        texts = texts[-1:]
    if not texts:
        return None
    caption = _Caption([tokens[i] for i in heads], [tokens[i] for i in texts], tokens[credit])
    return caption, heads + texts


def _continues(first: _Token, second: _Token) -> bool:
    """Whether ``second`` carries on the sentence ``first`` broke off (a column break)."""
    if first.kind not in (Kind.BODY, Kind.BYLINE_PARA, Kind.HEAD) or second.kind not in (Kind.BODY, Kind.HEAD):
        return False
    if first.level or second.level or first.jumps_to or second.jumps_from or first.inline_credit:
        return False
    if not first.text or is_terminated(first.text):
        return False
    if second.text[0] in _GLUE_START:
        return True
    if second.kind is Kind.HEAD:
        return False
    # A short unfinished line over body text: a headline, unless a word runs across the break
    # (…一个个重 / 大胜利… reads 重大胜利).
    return first.kind is not Kind.HEAD or _word_across(first.text, second.text)


@functools.cache
def _segmenter() -> jieba.Tokenizer:
    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    return tokenizer


def _word_across(first: str, second: str) -> bool:
    head, tail = first[-_WORD_WINDOW:], second[:_WORD_WINDOW]
    return any(start < len(head) < end for _, start, end in _segmenter().tokenize(head + tail))


def _join_columns(source: str, items: list[_Item]) -> list[_Item]:
    joined: list[_Item] = []
    for item in items:
        if isinstance(item, _Token):
            previous = next((it for it in reversed(joined) if isinstance(it, _Token)), None)
            if previous is not None and _continues(previous, item):
                previous.body = join(source, previous.body, item.body)
                previous.kind = Kind.BODY if previous.kind is Kind.HEAD else previous.kind
                previous.jumps_to, previous.ad = item.jumps_to, previous.ad or item.ad
                continue
            joined.append(item)
        elif isinstance(item, _Caption):
            item.texts = [t for t in _join_columns(source, list(item.texts)) if isinstance(t, _Token)]
            joined.append(item)
        else:
            joined.append(item)
    return joined


# ---------------------------------------------------------------- article level


def _deck_score(text: str) -> int:
    """How much a headline-block line looks like a deck rather than the main title."""
    if text in _GENRE_LABELS:
        return 3
    score = 0
    score += bool(_COUPLET.match(text))
    score += bool(_COUNTED.search(text))
    score += text.startswith("“") and text.endswith("”") and text.count("“") == 1
    score += text.count("、") >= 2
    return score


def _choose_title(heads: list[_Token]) -> tuple[str, list[str], list[str]]:
    """(title, subtitle lines, markdown section lines) of a headline block."""
    deepest = max(head.level for head in heads)
    section = [head.text for head in heads if head.level and head.level < deepest]
    lines = [head for head in heads if head.level == deepest]
    candidates = [h for h in lines if not h.text.startswith("——") and not h.text.endswith("——")] or lines
    # Markdown ranks headings itself; bare lines are weighed by how deck-like they read.
    title = candidates[-1] if deepest else min(candidates, key=lambda head: _deck_score(head.text))
    return title.text, [head.text for head in lines if head is not title], section


def _derived_title(text: str) -> str:
    """Title for an article printed without a headline: its first sentence, cut short."""
    match = re.search(f"[。！？!?][{re.escape(CLOSERS)}]*", text)
    sentence = text[: match.end()] if match else text
    if match and match.end() == match.start() + 1:
        sentence = sentence[:-1]
    return sentence if len(sentence) <= _DERIVED_TITLE_MAX else sentence[:_DERIVED_TITLE_MAX] + "…"


def _title_key(title: str) -> str:
    return "".join(_CJK_RUN.findall(title))


class _IssueParser:
    def __init__(self, source_name: str, source: str) -> None:
        self.source_name = source_name
        self.source = source
        self.drafts: list[_Draft] = []
        self.current: _Draft | None = None
        self.roundup: tuple[str, list[str]] | None = None
        self.section: _Section | None = None
        self.boxes: list[SourceText] = []  # 阅读提示 printed before its story's headline

    def parse(self) -> list[Article]:
        tokens, issue_date = _tokens(self.source)
        items = _join_columns(self.source, _group(tokens))
        heads: list[_Token] = []  # the headline block being read
        for item in items:
            if isinstance(item, _Token) and item.kind is Kind.HEAD:
                heads.append(item)
                continue
            if heads:
                self._headline(heads, item)
                heads = []
            self._item(item)
        if heads:
            self._headline(heads, None)
        self._merge_continuations()
        self._split_advertorials()
        drafts = sorted((d for d in self.drafts if d.paragraphs), key=lambda d: d.anchor)
        return [self._article(draft, ordinal, issue_date) for ordinal, draft in enumerate(drafts)]

    # -- items

    def _item(self, item: _Item) -> None:
        if isinstance(item, _Caption):
            self._caption(item)
        elif isinstance(item, _Box):
            if self.current is None:
                self.boxes.append(item.content.body)
            else:
                self.current.paragraphs.append(item.content.body)
        elif item.kind in (Kind.BYLINE_LINE, Kind.BYLINE_PARA):
            self._byline(item)
        elif item.kind is Kind.BODY:
            self._body(item)
        elif item.kind is Kind.JUMP and self.current is not None:
            self.current.jumps_to = self.current.closed = True
        elif item.kind is Kind.DATELINE_END and self.current is not None:
            self.current.dateline = self.current.dateline or item.dateline
            self.current.byline = self.current.byline or item.dateline
            self.current.closed = True
        elif item.kind is Kind.AD and self.current is not None:
            self.current.ad = True

    def _open(self, anchor: int) -> _Draft:
        draft = _Draft(anchor, paragraphs=self.boxes)
        self.boxes = []
        self.drafts.append(draft)
        self.current = draft
        return draft

    def _byline(self, token: _Token) -> None:
        draft = self.current
        if draft is None or not draft.fresh or draft.byline is not None:
            draft = self._open(token.start)
        draft.byline, draft.reporters, draft.dateline = token.byline, token.reporters, token.dateline
        draft.bylined, draft.fresh = True, False
        if token.kind is Kind.BYLINE_PARA and token.text:
            self._add(draft, token)

    def _body(self, token: _Token) -> None:
        draft = self.current
        if draft is None or draft.closed or (token.jumps_from and not draft.fresh):
            draft = self._open(token.start)
        draft.jumps_from = draft.jumps_from or token.jumps_from
        self._add(draft, token)

    def _add(self, draft: _Draft, token: _Token) -> None:
        draft.paragraphs.append(token.body)
        draft.fresh = draft.after_photo = False
        draft.ad = draft.ad or token.ad
        if token.jumps_to:
            draft.jumps_to = draft.closed = True

    def _caption(self, caption: _Caption) -> None:
        heads = list(caption.heads)
        # A caption's heading block may start with the story-above's own headline printed under it.
        while len(heads) > 1 and self._echoes_current(heads[0]):
            self._misplaced_headline(heads.pop(0))
        anchor = (heads or caption.texts)[0].start
        draft = _Draft(anchor, kind="caption", fresh=False, closed=True)
        draft.paragraphs = [token.body for token in caption.texts]
        draft.byline, draft.reporters = caption.credit.byline, caption.credit.reporters
        if heads:
            draft.title, draft.subtitle, _ = _choose_title(heads)
        else:
            draft.title = "图片：" + draft.paragraphs[0].text[:_CAPTION_TITLE_CHARS]
        self.drafts.append(draft)
        if self.current is not None:
            self.current.after_photo = True

    # -- headlines

    def _headline(self, heads: list[_Token], following: _Item | None) -> None:
        current = self.current
        if isinstance(following, _Token) and following.kind in (Kind.BYLINE_LINE, Kind.BYLINE_PARA):
            self._open_headed(heads, bylined=True)
        elif isinstance(following, _Box) or (isinstance(following, _Token) and following.kind is Kind.BODY):
            if isinstance(following, _Token) and following.jumps_from:
                self._open_headed(heads)
            elif current is not None and current.title is None and current.bylined and not current.closed:
                current.title, current.subtitle, _ = _choose_title(heads)
                current.level = max(head.level for head in heads)
            elif current is not None and not current.closed and not current.after_photo and self._subhead(heads):
                current.paragraphs.extend(head.body for head in heads)
            else:
                self._open_headed(heads)
        else:
            for head in heads:
                self._misplaced_headline(head)

    def _subhead(self, heads: list[_Token]) -> bool:
        assert self.current is not None
        if any(head.level for head in heads):
            return all(head.level > self.current.level for head in heads)
        return len(heads) == 1 and not heads[0].text.startswith("——")

    def _open_headed(self, heads: list[_Token], bylined: bool = False) -> None:
        draft = self._open(heads[0].start)
        if bylined and _is_spaced_label(heads[-1]):
            label = re.sub(r"\s", "", heads[-1].text)
            if heads[:-1]:
                title, subtitle, _ = _choose_title(heads[:-1])
                self.roundup = (title, subtitle)
            if self.roundup is not None:
                draft.title, draft.subtitle = f"{self.roundup[0]}（{label}）", list(self.roundup[1])
            else:
                draft.title = label
            return
        self.roundup = None
        draft.title, draft.subtitle, section = _choose_title(heads)
        draft.level = max(head.level for head in heads)
        if section:
            self.section = _Section(min(head.level for head in heads), section)
        elif self.section is not None and draft.level <= self.section.level:
            self.section = None
        if self.section is not None:
            draft.subtitle = self.section.lines + draft.subtitle

    def _echoes_current(self, head: _Token) -> bool:
        current = self.current
        return current is not None and _overlap(head.text, current.text()) >= _MISPLACED_HEADLINE_OVERLAP

    def _misplaced_headline(self, head: _Token) -> None:
        """A headline line with no text of its own: the story above's headline, or a deck of it."""
        current = self.current
        if current is None:
            return
        if current.title is None or self._echoes_current(head):
            if current.title is not None:
                current.subtitle.insert(0, current.title)
            current.title = head.text
        else:
            current.subtitle.append(head.text)

    # -- whole file

    def _merge_continuations(self) -> None:
        for draft in sorted(self.drafts, key=lambda d: d.anchor):
            if not draft.jumps_from:
                continue
            waiting = [d for d in self.drafts if d.jumps_to and d.anchor < draft.anchor and d.kind == "article"]
            if draft.title:
                key = _title_key(draft.title)
                waiting = [
                    d
                    for d in waiting
                    if d.title and len(key) >= 4 and (key in _title_key(d.title) or _title_key(d.title) in key)
                ]
            elif len(waiting) != 1:
                continue
            if not waiting:
                continue
            target = waiting[-1]
            target.paragraphs.extend(draft.paragraphs)
            target.jumps_to = draft.jumps_to
            self.drafts.remove(draft)

    def _split_advertorials(self) -> None:
        for draft in list(self.drafts):
            if not (draft.ad and draft.bylined and draft.title and draft.kind == "article"):
                continue
            headline = _bigrams(draft.title)
            for index in range(1, len(draft.paragraphs)):
                paragraph = draft.paragraphs[index]
                if not _bigrams(paragraph.text) & headline:
                    advert = _Draft(paragraph.spans[0][0], paragraphs=draft.paragraphs[index:])
                    draft.paragraphs = draft.paragraphs[:index]
                    self.drafts.append(advert)
                    break

    def _article(self, draft: _Draft, ordinal: int, issue_date: str | None) -> Article:
        return Article(
            source=self.source_name,
            title=draft.title or _derived_title(draft.paragraphs[0].text),
            paragraphs=[Paragraph(body) for body in draft.paragraphs],
            subtitle="\n".join(draft.subtitle) or None,
            byline=draft.byline,
            reporters=list(draft.reporters),
            dateline=draft.dateline,
            date=issue_date,
            ordinal=ordinal,
            kind=draft.kind,
        )


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
        if level or _JUMP.search(content) or _MASTHEAD_DATE.match(content) or _NEWS_LEAD.match(content):
            return True
        if len(content) <= _CREDIT_MAX and (_BYLINE_LINE.match(content) or _CREDIT_LINE.match(content)):
            return True
        if not first and _headline_shaped(content):
            headline_lines += 1
        first = False
    return headline_lines >= 2


def parse_issue(source_name: str, text: str) -> list[Article]:
    """Articles and photo captions of one newspaper-issue file, in reading order."""
    return _IssueParser(source_name, text).parse()
