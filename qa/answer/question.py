"""Question analysis: the expected answer type and the keywords that evidence must contain."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from qa.text.bigrams import LATIN_OR_NUMBER, char_bigrams
from qa.text.lexicon import (
    AS_WHAT_BEFORE,
    ASKED_UNITS,
    ASKING_BESIDE_JI,
    ASPECT_PARTICLES,
    CLAUSE_MARKS,
    COLONS,
    CONTEST_NAMES,
    CURRENCY_UNITS,
    DEPUTY_MARK,
    ENGLISH_PERSON_NOUNS,
    ERA_NAMES,
    GENERIC_ROLES,
    HAN_DIGITS,
    INTERCHANGEABLE_UNITS,
    MEASURE_WORDS,
    ONE_PERSON_MEASURES,
    PERSON_NOUN_ENDINGS,
    QUESTION_WORDS,
    RANKS,
    ROLE_TITLES,
    SENTENCE_TERMINATORS,
    TERM_CLOSERS,
    TERM_OPENERS,
    TIME_UNIT_WORDS,
    TIME_UNITS,
    WHICH_MEASURES,
    WHICH_ONE_MEASURES,
    WORDS_HOLDING_JI,
    alternation,
)
from qa.text.normalize import digit_counts, normalize
from qa.text.tagging import tag
from qa.text.tokens import keywords, segmenter

# Which year (西元几年, 几几年) and which century (几世纪): dates, not counts of years or centuries.
_YEAR = rf"{alternation(ERA_NAMES)}几年|几几年"
_CENTURY = r"几世纪|哪一?个?世纪"
# Which dynasty, decade or age: answered by a date-like span (宋朝, 1990年代, 白垩纪晚期), as 哪个世纪 is.
_ERA_ASKED = r"(?:哪一?个?|什么)(?:朝代|年代|时代)"

# 日期 asks a date, but a day followed by 期间 (7月1日到8月8日期间) only dates what is asked.
_DATE_WORD = rf"(?<![0-9{HAN_DIGITS}])日期"

# Order matters: the first pattern that matches decides ("哪几个" is a list, not a number).
_TYPE_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    # 哪三个地方 asks for three of them, as 哪几个 asks for some.
    ("list", re.compile(rf"哪些|哪几|哪(?!一)[{HAN_DIGITS}]|有什么|which (?:\w+ )?(?:are|were)|what are|list")),
    ("date", re.compile(
        rf"什么时候|何时|何年|哪一?天|哪一?年|几月|几号|哪一?个月|什么时间|{_DATE_WORD}|{_YEAR}|{_CENTURY}|{_ERA_ASKED}"
        r"|when\b|what (?:date|day|year|time)|which (?:day|year)")),
    ("number", re.compile(r"多少|几|多大|多长|多高|多重|多久|多远|多深|多宽|多厚"
                          r"|how (?:many|much|long|old|far|large|tall|high|wide|deep|heavy)")),
    ("person", re.compile(
        rf"谁|何人|哪一?位|姓名|{alternation(ROLE_TITLES + GENERIC_ROLES)}(?:的名字)?叫什么"
        r"|who\b|whom\b")),
    # 在哪 asks where (在哪里 is read whole: the words after it are 召开, not 里召开), 在哪个公众号 asks which one;
    # 重要性在于哪里 asks what, not where. 哪一个 is 哪个 as Taiwan writes it (DRCD: a quarter of its
    # questions), and so is 哪一 before a noun (哪一州, 哪一地區). 哪个省级部门 asks for a body, not a province.
    ("place", re.compile(
        rf"(?<!在于)在?(?:哪里|哪儿)|(?<!在于)在哪(?!一?[{WHICH_MEASURES}])|何地|何处|什么地方"
        r"|哪一?个?(?:省|市|区|县|州|洲|大洲|半岛|岛|国家|城市|地方|地区|工地|驿站|街道|乡|村|镇)(?!级)|哪一?座|哪一?国"
        r"|where\b")),
    # 称之为什么 and 命名为什么 ask what a thing is called, as 叫什么 does.
    ("name", re.compile(rf"哪一?[{WHICH_ONE_MEASURES}]|叫什么|什么名字|名称|名叫|称号|[称名译]之?为什么|which\b"
                        r"|what is the name")),
    ("reason", re.compile(rf"(?<![{AS_WHAT_BEFORE}])为什么|为何|原因|怎么会|why\b")),
    ("method", re.compile(r"怎么|如何|怎样|通过什么|采取了?什么|how\b")),
]

ANSWER_TYPES = (*(name for name, _ in _TYPE_PATTERNS), "factoid")
_ONE_PERSON = re.compile(rf"哪一?[{ONE_PERSON_MEASURES}]")
# 多久…一次 and 每隔多久 ask how often: answered by a period with 每 (每季度召开一次), not by a duration.
_FREQUENCY = re.compile(r"(?:多久|多长时间|几[天年周]|几个月|几小时)[^，,。？?]*?一次|每隔?(?:多久|多长时间|几)")
# A count the question quotes (几“送”, 几个“同频共振”, “几送”活动) may ask which numbered slogan or campaign
# (“六送”, “五大服务”).
_QUOTED_COUNT = re.compile(rf"(?:几|多少)个?[{TERM_OPENERS}]|[{TERM_OPENERS}][^{TERM_CLOSERS}]*(?:几|多少)")

_LATIN = re.compile(r"[a-z]")
_HOLDING_JI = re.compile(alternation(WORDS_HOLDING_JI))
_BESIDE_JI = re.compile(ASKING_BESIDE_JI)
_SOME_JI = re.compile(r"(?<![哪第])几")
# Question words say what is asked, not what the evidence contains; particles carry nothing.
_QUESTION_WORDS = re.compile(QUESTION_WORDS + r"|[的了是吗呢吧啊么？?，,。！!、：:“”\"'《》（）()\s]")
# A small count written before Han text joins it ("3年" of 这三年), as evidence writes it (近3年来).
_TERM = re.compile(rf"(?:[0-9]{{1,2}}(?=[\u4e00-\u9fff]))?[\u4e00-\u9fff]+|{LATIN_OR_NUMBER}")
_HAN = re.compile(r"[\u4e00-\u9fff]")


@dataclass(frozen=True)
class Question:
    text: str
    answer_type: str  # list, date, number, person, place, name, reason, method or factoid
    keywords: tuple[str, ...]  # jieba tokens, stopwords and question words removed
    terms: tuple[str, ...]  # character bigrams of the content, and whole Latin/number tokens
    english: bool  # mostly Latin script: keywords will not match Chinese evidence
    # Measure words a quantity answer may carry, or the calendar part a date answer must name
    # (哪一年 → 年); empty: any.
    units: frozenset[str] = frozenset()
    # The title of the person asked for (谁是主任), or a place in a contest whose holder is asked after
    # (冠军来自哪家公司): evidence that answers names the holder by it.
    role: str | None = None
    # The words just before and after the asking phrase (天城文在|何时|成为梵语): the answer sits between
    # them in evidence that states what was asked.
    slot: tuple[str, str] = ("", "")
    # Of a list question, the type each of its items has (哪些省份: place), where one is found by its form or tag.
    item_type: str | None = None

    @property
    def wants_span(self) -> bool:
        return self.answer_type in ("number", "date", "person", "place", "name")

    @property
    def candidate_type(self) -> str | None:
        """The type of what a unit that answers holds: the answer, or each item of a list ("list": an item of an
        enumeration, where the items have no type of their own)."""
        if self.wants_span:
            return self.number_form or self.answer_type
        return self.item_type or ("list" if self.answer_type == "list" else None)

    @property
    def short_answer(self) -> bool:
        """A short span answers it: a typed one, or what fills the asking phrase's place (什么服务月)."""
        return self.wants_span or self.answer_type == "factoid"

    @functools.cached_property
    def asks_one_person(self) -> bool:
        """Whether it asks for one named person (哪位, 哪名), not any who (谁 is as often a group): read once, since
        every candidate sentence asks it."""
        return self.answer_type == "person" and _ONE_PERSON.search(self.text) is not None

    @functools.cached_property
    def number_form(self) -> str | None:
        """Of a number question, a form of quantity other than a count or amount: "frequency" (多久召开一次), or
        "quoted count" (几“送”: the news numbers its slogans and campaigns so, and may answer with one of them quoted,
        “八送”, as well as with a count of a quoted thing, 9个“双百行动组”)."""
        if self.answer_type != "number":
            return None
        normalized = normalize(self.text)
        if _QUOTED_COUNT.search(normalized):
            return "quoted count"
        return "frequency" if _FREQUENCY.search(normalized) else None

    @property
    def asks_office(self) -> bool:
        """Whether it asks who holds an office (主任是谁), not a place in a contest (冠军是谁)."""
        return self.role is not None and self.role.removeprefix(DEPUTY_MARK) in ROLE_TITLES

    @property
    def must_hold(self) -> bool:
        """Only a unit holding a fitting answer of the type can answer: a quantity for 多少, a date that
        names the asked part for 哪一年 or 哪一天, both spotted by their form. 什么时候 is answered by an
        event or a period as often as by a date (唐末, 四国征伐后, 高二的时候), and people and places are
        spotted by jieba's tags, which miss too many names: those are left to the verifier."""
        return self.answer_type == "number" or (self.answer_type == "date" and bool(self.units))


def analyze(text: str) -> Question:
    normalized = normalize(text)
    # What the question asks is read with the words that only hold 几 blanked out.
    asking = _HOLDING_JI.sub(lambda word: " " * len(word.group()), normalized)
    reading = _reading(asking)
    typed = next(((name, found) for name, pattern in _TYPE_PATTERNS if (found := pattern.search(reading))), None)
    answer_type = typed[0] if typed else "factoid"
    english = len(_LATIN.findall(normalized)) > 2 * len(_HAN.findall(normalized))
    return Question(text, answer_type, tuple(keywords(text)), tuple(content_terms(digit_counts(normalized))), english,
                    expected_units(asking) if answer_type == "number"
                    else date_part(asking) if answer_type == "date" else frozenset(),
                    _asked_role(asking, answer_type),
                    _slot(asking, typed[1] if typed else _ASKING.search(asking)),
                    _item_type(asking) if answer_type == "list" else None)


def _reading(asking: str) -> str:
    """``asking`` with what only looks like an asking word blanked out, so that the type is read from what the
    question asks: a 多 that ends a dictionary word (许多高校 holds no 多高, 多伦多大学 no 多大; a name jieba's HMM
    ran into 多, 张怀秋多大, still asks 多大), and 几 as "some" beside another asking word (幾千年來…哪位學者,
    20幾所高等院校…在哪裡). The rest of the analysis reads ``asking``: the words by the asking phrase stay whole."""
    chars, offset = list(asking), 0
    for word in segmenter().cut(asking):
        offset += len(word)
        if len(word) > 1 and word.endswith("多") and segmenter().FREQ.get(word):
            chars[offset - 1] = " "
    reading = "".join(chars)
    return _SOME_JI.sub(" ", reading) if _BESIDE_JI.search(reading) else reading


# The item types a list's gold sentence holds, found by form and tag: it does for 119 of CMRC train's 125 lists of
# places, 4 of 4 of people and 3 of 3 of dates, but for only 367 of its 642 lists of names, which stay untyped.
_ITEM_TYPES = ("place", "person", "date")
_SOME = re.compile(rf"哪(?:些|几|[{HAN_DIGITS}]+)")


def _item_type(asking: str) -> str | None:
    """The type of one item of a list, read from the question asked of one: 哪些省份 as 哪个省份, 哪几位 as
    哪位, 哪三个地方 as 哪个地方."""
    one, replaced = _SOME.subn(lambda some: "哪个" if some.group() == "哪些" else "哪", asking, count=1)
    if not replaced:
        return None
    item = next((name for name, pattern in _TYPE_PATTERNS if name != "list" and pattern.search(one)), None)
    return item if item in _ITEM_TYPES else None


# A factoid question's asking phrase: what the typed patterns leave (什么, 哪, 何).
_ASKING = re.compile(rf"什么|哪里|哪儿|哪一?[{WHICH_MEASURES}]?|何|谁|多少|几")
SLOT_CHARS = 6
# What ends a clause, in a question or in evidence.
CLAUSE_BREAKS = CLAUSE_MARKS + SENTENCE_TERMINATORS + COLONS
_CLAUSE_BREAK = re.compile(rf"[{re.escape(CLAUSE_BREAKS)}\s]")


def _slot(normalized: str, asking: re.Match[str] | None) -> tuple[str, str]:
    """Up to SLOT_CHARS characters of the question's clause on each side of its asking phrase."""
    if asking is None:
        return "", ""
    before = _CLAUSE_BREAK.split(normalized[: asking.start()])[-1][-SLOT_CHARS:]
    after = _CLAUSE_BREAK.split(normalized[asking.end() :])[0][:SLOT_CHARS]
    # The evidence says what the verb took without the particle (采取了什么模式 → 采取“固定利率+工会贴息”的模式):
    # CMRC train's 308 such 什么 questions, cut 27 answers exactly with it, 38 without.
    return before.removesuffix(next((mark for mark in ASPECT_PARTICLES if before.endswith(mark)), "")), after


_UNIT_GROUPS = [frozenset(group) for group in INTERCHANGEABLE_UNITS]
# A sum of money asked by name (多少钱; 多少日圆 asks money, not days), and what money is called in a question.
_MONEY_ASKED = re.compile(rf"多少钱|(?:多少|几)[十百千万亿]*{alternation(CURRENCY_UNITS)}")
_MONEY_WORDS = re.compile(r"收入|营收|金额|资金|贷款|经费|费用|投资|价格|工资|补助|奖金|补贴|利润|产值")
# A share of a whole (多少百分比的产值, 占多少比例) is a percentage or a fraction, whatever it is a share of.
_SHARE = re.compile(r"百分比|比例|比率|比重|百分之几|百分之多少|几成|率(?:有|是|为|达到?)?(?:多高|多大|多少)")
# 多少 or 几 before a unit, not before a word that only begins with one (多少年轻人).
_HOW_MANY = rf"(?:多少|几)(?!{alternation(TIME_UNIT_WORDS)})"
_DURATION = re.compile(rf"多长时间|多久|{_HOW_MANY}(?:年|天|个月|小时|分钟)|how long")
_TIME_UNITS = frozenset(TIME_UNITS)
_ASKED_UNIT = re.compile(rf"{_HOW_MANY}({alternation(ASKED_UNITS)})")
# An office asked after: its title right before 是谁 (主任是谁, 主席叫什么) or after 哪位 (哪位校长), or after 谁是 or
# 谁担任 in the same clause (谁担任行政院院长). A title elsewhere (清华校长曹云祥请谁主持研究院, 派谁给惊奇队长送信)
# is not what is asked.
_OFFICE_ASKED = re.compile(rf"(?P<before>{alternation(ROLE_TITLES)})(?:是|为|叫)?(?:谁|何人|叫什么)"
                           rf"|哪一?位(?P<which>{alternation(ROLE_TITLES)})"
                           rf"|谁(?:是|为|担任|出任)[^{re.escape(CLAUSE_BREAKS)}]*?(?P<after>{alternation(ROLE_TITLES)})")
_RANKS = re.compile(rf"{alternation(RANKS)}(?!{alternation(CONTEST_NAMES)})")
# Each measure's words as one pattern; an English word only whole (weight, not weightlifting).
_MEASURES = [(re.compile("|".join(rf"\b{re.escape(word)}\b" if word.isascii() else re.escape(word) for word in words)),
              frozenset(units)) for words, units in MEASURE_WORDS]


def expected_units(normalized: str) -> frozenset[str]:
    """Measure words a quantity answering this question may carry; empty when anything goes."""
    if _SHARE.search(normalized):
        return frozenset()
    if _MONEY_ASKED.search(normalized):
        return frozenset(["元"])
    # A span of time or a count in its own measure word is what is asked, whatever money the question speaks
    # of (创业贷款帮了多少家小微企业, 补贴发放了多少个月).
    if _DURATION.search(normalized):
        return _TIME_UNITS
    asked = _ASKED_UNIT.search(normalized)
    if asked is None and _MONEY_WORDS.search(normalized):
        return frozenset(["元"])
    unit = asked.group(1) if asked else "人" if _counts_people(normalized) else None
    if unit is None and "第几" in normalized:  # a rank: 面积第几大 is answered by 第13大, in no unit of area
        return frozenset()
    if unit is None:
        return frozenset(unit for pattern, units in _MEASURES if pattern.search(normalized) for unit in units)
    return next((group for group in _UNIT_GROUPS if unit in group), frozenset([unit]))


_COUNTED = re.compile(r"(?:多少|几)([\u4e00-\u9fff]+)")
_COUNTED_IN_ENGLISH = re.compile(r"\bhow many ([a-z-]+)(?: ([a-z]+))?")


def _counts_people(normalized: str) -> bool:
    """Whether the question counts people by their kind (多少工会会员, 几名 aside): the nouns right after
    多少 end in a person's ending (lexicon.PERSON_NOUN_ENDINGS); in English, the noun after how many (and
    an adjective) is a kind of people (lexicon.ENGLISH_PERSON_NOUNS)."""
    if english := _COUNTED_IN_ENGLISH.search(normalized):
        return not ENGLISH_PERSON_NOUNS.isdisjoint(english.groups())
    counted = _COUNTED.search(normalized)
    if not counted:
        return False
    nouns = []
    for word, flag, _ in tag(counted.group(1)).words:
        if not flag.startswith("n"):
            break
        nouns.append(word)
    return bool(nouns) and len(nouns[-1]) > 1 and nouns[-1][-1] in PERSON_NOUN_ENDINGS


# The part of a date a question asks for, the finest first (几月几日 asks for the day).
_DATE_PARTS = [
    (re.compile(r"哪一?天|哪日|几号|几日|what (?:day|date)|which day"), frozenset("日号")),
    (re.compile(r"几月|哪个月|what month"), frozenset("月")),
    (re.compile(rf"哪一?年|何年|{_YEAR}|what year|which year"), frozenset("年")),
    (re.compile(_CENTURY), frozenset("世纪")),
]


def date_part(normalized: str) -> frozenset[str]:
    return next((part for pattern, part in _DATE_PARTS if pattern.search(normalized)), frozenset())


def _asked_role(normalized: str, answer_type: str) -> str | None:
    """The office whose holder a person question asks for, a deputy's with its mark (副主席), or the place in
    a contest a question asks the holder of (冠军来自哪家公司)."""
    office = _OFFICE_ASKED.search(normalized) if answer_type == "person" else None
    if office is None:
        rank = _RANKS.search(normalized)
        return rank.group() if rank else None
    name = next(name for name, title in office.groupdict().items() if title)
    title = office.group(name)
    return DEPUTY_MARK + title if _deputy_before(normalized, office.start(name)) else title


def says_role(text: str, role: str) -> bool:
    """Whether ``text`` names the office ``role``: 主席 said only in 副主席 is another office (none of CMRC's
    and the seeds' 64 answers to a title question was said so; the service had answered 新疆总工会主席是谁 with
    the deputy)."""
    if role.startswith(DEPUTY_MARK):
        return role in text
    return any(not _deputy_before(text, match.start()) for match in re.finditer(re.escape(role), text))


def _deputy_before(text: str, start: int) -> bool:
    """Whether the title at ``start`` of ``text`` is a deputy's (副 before it)."""
    return text[max(0, start - len(DEPUTY_MARK)):start] == DEPUTY_MARK


def content_terms(normalized: str) -> list[str]:
    """Segmentation-free match units: Han character bigrams within runs, Latin words and numbers.

    jieba often cuts a question and its evidence differently (被任为主教 → 任/为主/教), bigrams
    do not care.
    """
    terms: list[str] = []
    for run in _TERM.findall(_QUESTION_WORDS.sub(" ", normalized)):
        if run.isascii() or len(run) == 1:
            terms.append(run)
        else:
            terms.extend(char_bigrams(run))
    return list(dict.fromkeys(terms))
