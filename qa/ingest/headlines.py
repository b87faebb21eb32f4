"""Headlines: which lines are headline-shaped, and which line of a headline block is the title.

* Headline-shaped lines: at most 40 characters (80 for ——decks), no sentence end inside,
  balanced quotes and brackets, at most one comma, not opening like a news sentence (a date
  or 近日/目前/此外… followed by a comma). Consecutive ones form a headline block.
* Headline blocks. Lines starting with —— are subtitles, lines ending with —— are
  over-lines; of the rest the title is the line that least looks like a deck (deck signs:
  a genre label such as 新闻特写, a two-phrase couplet split by a space, a counted number
  like 2.93万个, a wholly quoted line, a list with several 、), ties going to the first.
  The other lines go to ``subtitle``. In markdown, the deepest heading is the title and a
  shallower heading directly above it (## 抗疫情促发展 工会在行动) is a section label kept as
  the subtitle of every article under it.
* Articles with no headline at all (000: the 新华社北京11月2日电（记者安蓓） item after the
  习近平 greetings; 002: the 吉林 产改 advertorial opening 《论语·里仁》书云…) are titled by
  their first sentence, cut to 30 characters plus "…".

Headlines are also compared with text by their character bigrams (``overlap``), and with one
another by their Han characters alone (``title_key``).
"""

from __future__ import annotations

import re

from qa.ingest.items import Token
from qa.ingest.layout import SPACE
from qa.text.bigrams import char_bigrams
from qa.text.lexicon import (
    APPROXIMATORS,
    CLAUSE_MARKS,
    CLOSERS,
    COLONS,
    COMMAS,
    ENUMERATION_COMMA,
    FULL_STOPS,
    NEWS_OPENERS,
    NO_LINE_START,
    PAIR_OPENERS,
    QUOTE_PAIRS,
    SENTENCE_TERMINATORS,
    alternation,
    char_class,
)

_HEADLINE_MAX = 40
_DECK_MAX = 80
# A headline-block line opening with it is a subtitle, one ending with it an over-line.
DECK_MARK = "——"
_SENTENCE_END_INSIDE = re.compile(char_class(SENTENCE_TERMINATORS))
# A date or a time/discourse adverb and a comma open a news sentence, never a headline.
_SENTENCE_OPENING = re.compile(
    r"^(?:(?:\d{2,4}年)?(?:\d{1,2}月)?(?:\d{1,2}日)?(?<=[年月日])"
    rf"|{alternation(NEWS_OPENERS)}){char_class(COMMAS)}"
)
# A headline never breaks off after a comma, a colon or an opening quote or bracket.
_OPEN_ENDINGS = CLAUSE_MARKS + COLONS + PAIR_OPENERS

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
# One half of a couplet deck (整合资源拓宽领域 分类施策巩固成果): a short phrase, no space or punctuation.
_PHRASE = rf"[^\s{re.escape(CLAUSE_MARKS + SENTENCE_TERMINATORS + COLONS)}]{{4,14}}"
_COUPLET = re.compile(rf"^{_PHRASE}{SPACE}+{_PHRASE}$")
# The units of a tally (2.93万个, 30多家, 100%), a deck sign. Narrower than lexicon QUANTITY_UNITS on
# purpose: a year, a duration or an age (2021年, 30天, 18岁) is as common in a main title as in a deck.
_TALLY_UNITS = ("个", "万", "亿", "人", "项", "家", "名", "场", "次", "元", "%")
_COUNTED = re.compile(rf"\d+(?:\.\d+)?{alternation(APPROXIMATORS)}?{alternation(_TALLY_UNITS)}")
_CJK_RUN = re.compile(r"[\u4e00-\u9fff]+")
_FIRST_SENTENCE = re.compile(f"{char_class(FULL_STOPS)}{char_class(CLOSERS)}*")
_DERIVED_TITLE_MAX = 30


def _balanced(text: str) -> bool:
    return all(text.count(a) == text.count(b) for a, b in QUOTE_PAIRS)


def headline_shaped(text: str) -> bool:
    """Whether a line could be a headline (or a ——deck) by its shape alone."""
    # A line opening on a mark that cannot open a line is the rest of the line above it.
    if not text or text[0] in NO_LINE_START or not _balanced(text) or _SENTENCE_OPENING.match(text):
        return False
    if _SENTENCE_END_INSIDE.search(text):
        return False
    if is_deck_line(text):
        return len(text) <= _DECK_MAX
    return (
        len(text) <= _HEADLINE_MAX and sum(text.count(comma) for comma in COMMAS) <= 1 and text[-1] not in _OPEN_ENDINGS
    )


def is_deck_line(text: str) -> bool:
    """A line opening with —— (a subtitle) or ending with it (an over-line)."""
    return text.startswith(DECK_MARK) or text.endswith(DECK_MARK)


def _deck_score(text: str) -> int:
    """How much a headline-block line looks like a deck rather than the main title."""
    if text in _GENRE_LABELS:
        return 3
    score = 0
    score += bool(_COUPLET.match(text))
    score += bool(_COUNTED.search(text))
    score += text.startswith("“") and text.endswith("”") and text.count("“") == 1
    score += text.count(ENUMERATION_COMMA) >= 2
    return score


def choose_title(heads: list[Token]) -> tuple[str, list[str], list[str]]:
    """(title, subtitle lines, markdown section lines) of a headline block."""
    deepest = max(head.level for head in heads)
    section = [head.text for head in heads if head.level and head.level < deepest]
    lines = [head for head in heads if head.level == deepest]
    candidates = [head for head in lines if not is_deck_line(head.text)] or lines
    # Markdown ranks headings itself; bare lines are weighed by how deck-like they read.
    title = candidates[-1] if deepest else min(candidates, key=lambda head: _deck_score(head.text))
    return title.text, [head.text for head in lines if head is not title], section


def derived_title(text: str) -> str:
    """Title for an article printed without a headline: its first sentence, cut short."""
    match = _FIRST_SENTENCE.search(text)
    sentence = text[: match.end()] if match else text
    # A bare full stop is dropped; one inside closing quotes stays with them.
    if match and match.end() == match.start() + 1:
        sentence = sentence[:-1]
    return sentence if len(sentence) <= _DERIVED_TITLE_MAX else sentence[:_DERIVED_TITLE_MAX] + "…"


def han_bigrams(text: str) -> set[str]:
    """Character bigrams of the Han runs of ``text`` (punctuation and digits break a run)."""
    return {gram for run in _CJK_RUN.findall(text) for gram in char_bigrams(run)}


def overlap(line: str, text: str) -> float:
    """Share of the line's Han bigrams that occur in ``text``."""
    grams = han_bigrams(line)
    return len(grams & han_bigrams(text)) / len(grams) if grams else 0.0


def title_key(title: str) -> str:
    """A headline reduced to its Han characters, for matching a continuation to its start."""
    return "".join(_CJK_RUN.findall(title))
