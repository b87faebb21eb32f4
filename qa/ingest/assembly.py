"""Articles assembled from a page's items: which headline, byline and paragraphs belong together.

* Articles. A news byline (本报讯（记者…）, 本报北京6月28日电(记者…), 新华社北京11月2日电,
  a 本报记者 康劲 line) always opens an article; the headline block right above it is its
  headline. A headline block followed by plain text opens an article too, unless it is a
  one-line subhead inside a running story (markdown: a deeper heading level), which stays
  in the story as a paragraph. Stories run on across photos, but a headline block after a
  photo starts a new story; a 下转 marker or a closing (新华社…电) ends one.
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
* ``ordinal`` is the reading order of the articles and captions (by where each begins).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from qa.ingest.article import Article, Paragraph
from qa.ingest.headlines import DECK_MARK, choose_title, derived_title, han_bigrams, overlap, title_key
from qa.ingest.items import Box, Caption, Item, Kind, Token
from qa.ingest.layout import is_spaced_label
from qa.text.source import SourceText

_MISPLACED_HEADLINE_OVERLAP = 0.5
_CAPTION_TITLE_CHARS = 20
_CAPTION_TITLE_PREFIX = "图片："
_MIN_CONTINUATION_KEY = 4  # Han characters a continuation's headline needs to be matched by


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


class _Assembler:
    def __init__(self, source_name: str) -> None:
        self.source_name = source_name
        self.drafts: list[_Draft] = []
        self.current: _Draft | None = None
        self.roundup: tuple[str, list[str]] | None = None
        self.section: _Section | None = None
        self.boxes: list[SourceText] = []  # 阅读提示 printed before its story's headline

    def assemble(self, items: list[Item], issue_date: str | None) -> list[Article]:
        heads: list[Token] = []  # the headline block being read
        for item in items:
            if isinstance(item, Token) and item.kind is Kind.HEAD:
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

    def _item(self, item: Item) -> None:
        if isinstance(item, Caption):
            self._caption(item)
        elif isinstance(item, Box):
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

    def _byline(self, token: Token) -> None:
        draft = self.current
        if draft is None or not draft.fresh or draft.byline is not None:
            draft = self._open(token.start)
        draft.byline, draft.reporters, draft.dateline = token.byline, token.reporters, token.dateline
        draft.bylined, draft.fresh = True, False
        if token.kind is Kind.BYLINE_PARA and token.text:
            self._add(draft, token)

    def _body(self, token: Token) -> None:
        draft = self.current
        if draft is None or draft.closed or (token.jumps_from and not draft.fresh):
            draft = self._open(token.start)
        draft.jumps_from = draft.jumps_from or token.jumps_from
        self._add(draft, token)

    def _add(self, draft: _Draft, token: Token) -> None:
        draft.paragraphs.append(token.body)
        draft.fresh = draft.after_photo = False
        draft.ad = draft.ad or token.ad
        if token.jumps_to:
            draft.jumps_to = draft.closed = True

    def _caption(self, caption: Caption) -> None:
        heads = list(caption.heads)
        # A caption's heading block may start with the story-above's own headline printed under it.
        while len(heads) > 1 and self._echoes_current(heads[0]):
            self._misplaced_headline(heads.pop(0))
        anchor = (heads or caption.texts)[0].start
        draft = _Draft(anchor, kind="caption", fresh=False, closed=True)
        draft.paragraphs = [token.body for token in caption.texts]
        draft.byline, draft.reporters = caption.credit.byline, caption.credit.reporters
        if heads:
            draft.title, draft.subtitle, _ = choose_title(heads)
        else:
            draft.title = _CAPTION_TITLE_PREFIX + draft.paragraphs[0].text[:_CAPTION_TITLE_CHARS]
        self.drafts.append(draft)
        if self.current is not None:
            self.current.after_photo = True

    # -- headlines

    def _headline(self, heads: list[Token], following: Item | None) -> None:
        current = self.current
        if isinstance(following, Token) and following.kind in (Kind.BYLINE_LINE, Kind.BYLINE_PARA):
            self._open_headed(heads, bylined=True)
        elif isinstance(following, Box) or (isinstance(following, Token) and following.kind is Kind.BODY):
            if isinstance(following, Token) and following.jumps_from:
                self._open_headed(heads)
            elif current is not None and current.title is None and current.bylined and not current.closed:
                current.title, current.subtitle, _ = choose_title(heads)
                current.level = max(head.level for head in heads)
            elif current is not None and not current.closed and not current.after_photo and self._subhead(heads):
                current.paragraphs.extend(head.body for head in heads)
            else:
                self._open_headed(heads)
        else:
            for head in heads:
                self._misplaced_headline(head)

    def _subhead(self, heads: list[Token]) -> bool:
        assert self.current is not None
        if any(head.level for head in heads):
            return all(head.level > self.current.level for head in heads)
        return len(heads) == 1 and not heads[0].text.startswith(DECK_MARK)

    def _open_headed(self, heads: list[Token], bylined: bool = False) -> None:
        draft = self._open(heads[0].start)
        if bylined and heads[-1].level == 0 and is_spaced_label(heads[-1].text):
            label = re.sub(r"\s", "", heads[-1].text)
            if heads[:-1]:
                title, subtitle, _ = choose_title(heads[:-1])
                self.roundup = (title, subtitle)
            if self.roundup is not None:
                draft.title, draft.subtitle = f"{self.roundup[0]}（{label}）", list(self.roundup[1])
            else:
                draft.title = label
            return
        self.roundup = None
        draft.title, draft.subtitle, section = choose_title(heads)
        draft.level = max(head.level for head in heads)
        if section:
            self.section = _Section(min(head.level for head in heads), section)
        elif self.section is not None and draft.level <= self.section.level:
            self.section = None
        if self.section is not None:
            draft.subtitle = self.section.lines + draft.subtitle

    def _echoes_current(self, head: Token) -> bool:
        current = self.current
        return current is not None and overlap(head.text, current.text()) >= _MISPLACED_HEADLINE_OVERLAP

    def _misplaced_headline(self, head: Token) -> None:
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
                key = title_key(draft.title)
                waiting = [
                    d
                    for d in waiting
                    if d.title
                    and len(key) >= _MIN_CONTINUATION_KEY
                    and (key in title_key(d.title) or title_key(d.title) in key)
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
            headline = han_bigrams(draft.title)
            for index in range(1, len(draft.paragraphs)):
                paragraph = draft.paragraphs[index]
                if not han_bigrams(paragraph.text) & headline:
                    advert = _Draft(paragraph.spans[0][0], paragraphs=draft.paragraphs[index:])
                    draft.paragraphs = draft.paragraphs[:index]
                    self.drafts.append(advert)
                    break

    def _article(self, draft: _Draft, ordinal: int, issue_date: str | None) -> Article:
        return Article(
            source=self.source_name,
            title=draft.title or derived_title(draft.paragraphs[0].text),
            paragraphs=[Paragraph(body) for body in draft.paragraphs],
            subtitle="\n".join(draft.subtitle) or None,
            byline=draft.byline,
            reporters=list(draft.reporters),
            dateline=draft.dateline,
            date=issue_date,
            ordinal=ordinal,
            kind=draft.kind,
        )


def assemble(source_name: str, items: list[Item], issue_date: str | None) -> list[Article]:
    """The articles and captions of one page's items, in reading order, dated ``issue_date``."""
    return _Assembler(source_name).assemble(items, issue_date)
