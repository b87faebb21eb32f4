"""Short answer spans inside a sentence: numbers with measure words, dates, people, places, names."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from pathlib import Path

from qa.answer.question import CLAUSE_BREAKS, Question, says_role
from qa.text.lexicon import (
    ADMINISTRATIVE_LEVELS,
    AREA_UNITS,
    BODY_MEASURES,
    BOUND_WORDS,
    COUNT_NUMERALS,
    CURRENCY_UNITS,
    DETERMINERS,
    ENUMERATION_COMMA,
    ERA_NAMES,
    FRACTION_WORDS,
    FREQUENCY_PERIODS,
    GEOLOGIC_PERIODS,
    HAN_DIGITS,
    LATIN_UNITS,
    LENGTH_UNITS,
    PLACE_PARTS,
    QUANTITY_UNITS,
    QUOTE_CLOSERS,
    QUOTE_OPENERS,
    ROLE_TITLES,
    TERM_CLOSERS,
    TERM_OPENERS,
    TITLE_MARKS,
    TOTAL_WORDS,
    WEIGHT_UNITS,
    alternation,
)
from qa.text.normalize import match_form, normalize
from qa.text.tagging import Tagged, Word, tag
from qa.text.tokens import asked_about

# 3,724 and 7.14; a range (10-18公分, 9至10月) reads as one quantity.
_DIGITS = r"[0-9０-９]+(?:[,，][0-9]{3})*(?:[.．][0-9０-９]+)?(?:[-–—~～至到][0-9０-９]+(?:[.．][0-9０-９]+)?)?"
_HAN_DIGITS = rf"[{HAN_DIGITS}]+"
_MAGNITUDE = r"(?:多|余)?[万亿千百]*(?:多|余)?"
_UNITS = rf"(?:{alternation((*QUANTITY_UNITS, *CURRENCY_UNITS))}|\s?{alternation(LATIN_UNITS)}(?![a-z]))"
# A ratio (1:7, 3比1; NFKC makes the full-width colon half width) and a fraction (三分之一, 百分之三十).
_RATIO = rf"{_DIGITS}(?::|比){_DIGITS}"
_FRACTION = rf"{_HAN_DIGITS}分之(?:{_DIGITS}|{_HAN_DIGITS})"
_FRACTION_WORDS = re.compile(alternation(FRACTION_WORDS))
NUMBER = re.compile(
    rf"(?:{alternation(BOUND_WORDS + TOTAL_WORDS)})?"
    rf"(?:{_FRACTION_WORDS.pattern}|第?(?:{_RATIO}|{_FRACTION}|{_DIGITS}|{_HAN_DIGITS}){_MAGNITUDE}{_UNITS}?)(?:以上|左右|多)?"
)
# A year before or of the common era (公元前322年), and the part of a decade or century (初期, 后期, 中叶).
_ERA = rf"(?:{alternation(ERA_NAMES)}前?)?"
_PART = r"(?:初|中|末|前|后)?(?:期|叶)?"
DATE = re.compile(
    # A year of an era in Han numerals (民国七十一年, 公元元年).
    rf"{alternation(ERA_NAMES)}(?:元|[{HAN_DIGITS}]+)年"
    rf"|{_ERA}(?:{_DIGITS}|[〇零一二三四五六七八九]{{4}})年(?:{_DIGITS}|[一二三四五六七八九十]+)月"
    rf"(?:{_DIGITS}|[一二三四五六七八九十]+)[日号]"
    rf"|{_ERA}(?:{_DIGITS})年(?:{_DIGITS})月|(?:{_DIGITS}|[一二三四五六七八九十]+)月(?:{_DIGITS}|[一二三四五六七八九十]+)[日号]"
    # A decade and a year's season are one date (1970年代, 1998年秋), not a year with a word after it (2008年冬奥会
    # is a year).
    rf"|{_DIGITS}年代{_PART}|{_ERA}{_DIGITS}年(?:[春夏秋冬](?:[季天]|(?![\u4e00-\u9fff])))?"
    # A month alone dates a yearly event (每年6月或7月繁殖).
    rf"|(?:{_DIGITS}|[一二三四五六七八九十]+)月(?:份|初|中旬|上旬|下旬|底)?"
    # Centuries, dynasties and seasons date events as well as a calendar date does.
    rf"|(?:{_DIGITS}|[一二三四五六七八九十]+)世纪(?:{_DIGITS}年代)?{_PART}"
    r"|(?:夏|商|周|秦|西汉|东汉|汉|三国|西晋|东晋|晋|南北朝|隋|唐|五代|北宋|南宋|宋|辽|金|元|明|清)(?:朝|代)"
    r"(?:初年|末年|初期|末期|中期|时期)?|春秋(?:时期)?|战国(?:时期)?"
    # A dynasty named in two characters or more needs no 朝 (北宋, 西周).
    r"|(?:西周|东周|西汉|东汉|西晋|东晋|北宋|南宋|五代十国)(?:初年|末年|初期|末期|中期|时期)?"
    rf"|{alternation(GEOLOGIC_PERIODS)}(?:早期|中期|晚期|初期|末期)?"
    r"|(?:春|夏|秋|冬)(?:季|天|末|初)|(?:初|仲|暮)(?:春|夏|秋|冬)"
)
_COUNT_NUMERALS = f"[{COUNT_NUMERALS}]"
# How often: a period with 每 (每季度, 每隔3天), or one a count of times follows (一年召开一次, 半年一次).
_COUNT_OF_PERIODS = rf"(?:{_DIGITS}|{_COUNT_NUMERALS}+|半)个?"
FREQUENCY = re.compile(rf"每隔?(?:{_COUNT_OF_PERIODS})?{alternation(FREQUENCY_PERIODS)}"
                       rf"|{_COUNT_OF_PERIODS}{alternation(FREQUENCY_PERIODS)}(?=[\u4e00-\u9fff]{{0,4}}?{_COUNT_NUMERALS}次)")
_QUOTED = re.compile(rf"[{QUOTE_OPENERS}]([^{QUOTE_CLOSERS}]{{2,30}})[{QUOTE_CLOSERS}]")
_PLACE_SUFFIX = re.compile(
    r"(?:省|市|区|县|郡|镇|乡|村|街道|社区|工地|驿站|广场|园区|大厅|中心|基地|州|国|岛|群岛|半岛|洋|海|湾|港|湖|江|河|"
    r"山|山脉|洞|城|站|机场|大学|学院|医院|公园|寺|宫)$")
# What an organisation's name ends in (科乐美集团, 汉弥顿出版社, 爱荷华大学).
_ORGANISATION_SUFFIX = re.compile(
    r"(?:公司|有限公司|集团|会社|出版社|报社|通讯社|大学|学院|中学|小学|学校|俱乐部|球会|银行|电视台|电台|协会|学会|委员会|"
    r"研究所|研究院|基金会|乐团|剧团|乐队|球队|工作室|博物馆|图书馆|事务所|医院)$")
_NAME_JOINER = "·•‧・"
# jieba's person tags: Chinese names, transliterated ones, and foreign given+family names.
NAME_FLAGS = ("nr", "nrt", "nrfg")
# The common words jieba's dictionary tags as names (祝福, 弘扬, 文明), found by bench/train_names.py.
NOT_NAMES_FILE = Path(__file__).parent / "trained" / "not_names.txt"
_LATIN_NAME = re.compile(r"(?<![A-Za-z])[A-Z][a-z]+(?:[ ·.-][A-Z][a-z]+)+(?![A-Za-z])")


@functools.lru_cache(maxsize=65536)
def candidates(tagged: Tagged, answer_type: str) -> tuple[tuple[int, int], ...]:
    """(start, end) ranges in the text of strings that could answer a question of that type
    (cached: the sentences of the top passages come back question after question)."""
    return tuple(_candidates(tagged, answer_type))


# A count of years (29年, 14.3年) reads as a date too; a year of the calendar has four digits or an era.
_YEARS = re.compile(r"[0-9]{1,3}(?:[.．][0-9]+)?年")


def _candidates(tagged: Tagged, answer_type: str) -> list[tuple[int, int]]:
    sentence, words = tagged.form, tagged.words
    if answer_type == "number":
        # A count inside quote marks is part of a name (the “十个一” campaign): of the 1,842 quantities in CMRC's,
        # DRCD's and the seeds' evidence sentences that the question does not say, 1 stands so, and no answer.
        # Quoted words that hold a clause are speech, and speech gives figures (“…总共才需三四元。”).
        skipped = [match.span() for match in DATE.finditer(sentence) if not _YEARS.fullmatch(match.group())]
        skipped += [match.span() for match in _QUOTED.finditer(sentence) if not CLAUSE_BREAK.search(match.group(1))]
        return [match.span() for match in NUMBER.finditer(sentence)
                if _is_quantity(match.group()) and not any(s <= match.start() < e for s, e in skipped)]
    if answer_type == "quoted count":
        # 几个“双百行动组” counts a quoted thing (成立了9个“双百行动组”), 几“送” asks which numbered slogan (“六送”).
        slogans = [(start, end) for start, end in _quoted(sentence)
                   if sentence[start - 1] in TERM_OPENERS and _NUMBERED.match(sentence, start)]
        return [*candidates(tagged, "number"), *slogans]
    if answer_type == "frequency":
        return [match.span() for match in FREQUENCY.finditer(sentence)]
    if answer_type == "date":
        return [match.span() for match in DATE.finditer(sentence)]
    if answer_type == "person":
        # A common word the dictionary takes for a name (祝福, 弘扬) is no one; it may still name a thing (伊拉克
        # 航空 for 哪家航空公司), so name questions keep it.
        return ([(start, end) for start, end in _people(words) if sentence[start:end] not in _not_names()]
                + [match.span() for match in _LATIN_NAME.finditer(tagged.text)] + _groups_of_people(words))
    if answer_type == "place":
        # A place of one character is a piece jieba tagged as one (“福”字, 曼, 东): of 102 such candidates in the
        # gold sentences of CMRC's, DRCD's and the seeds' place questions, one answered (南).
        return [(start, end) for start, end in _places(words, len(sentence)) if end - start > 1] + _titles(sentence)
    if answer_type in ("name", "body"):
        # 叫什么名字 asks for a person's name as often as for a thing's. A body is named, not quoted: a slogan or a
        # campaign in quote marks (“五一”特别节目 for 哪家电视台) is none, a title may be (《大公报》).
        quoted = _quoted(sentence) if answer_type == "name" else _titles(sentence)
        return quoted + _organisations(words, len(sentence)) + _proper_nouns(words) + _people(words)
    if answer_type == "factoid":
        return _quoted(sentence)
    if answer_type == "list":
        return _enumerated(words)
    return []


_QUOTE_MARKS = QUOTE_OPENERS + QUOTE_CLOSERS
# A numbered slogan or campaign: a count, then what is counted (六送, 五大服务, 两新组织).
_NUMBERED = re.compile(rf"(?:[0-9]+|{_COUNT_NUMERALS}+)[\u4e00-\u9fff]")


def _enumerated(words: tuple[Word, ...]) -> list[tuple[int, int]]:
    """The words on either side of each enumeration comma (城乡教育、公共卫生 → 教育, 公共卫生): a list whose
    items have no type of their own is answered by an enumeration, and one whose items the question already
    says (顺丰、美团、饿了么 for 给…顺丰、美团、饿了么站点送去的医药箱里都配了哪些药品) answers nothing new."""
    beside: list[tuple[int, int]] = []
    for index, (word, _, _) in enumerate(words):
        if word != ENUMERATION_COMMA:
            continue
        for step in (-1, 1):
            at = index + step
            while 0 <= at < len(words) and words[at][0] in _QUOTE_MARKS:  # “最美职工”、“…”
                at += step
            if 0 <= at < len(words) and words[at][0] != ENUMERATION_COMMA:
                beside.append((words[at][2], words[at][2] + len(words[at][0])))
    return list(dict.fromkeys(beside))


@functools.cache
def _not_names() -> frozenset[str]:
    return frozenset(NOT_NAMES_FILE.read_text(encoding="utf-8").split())


def _quoted(sentence: str) -> list[tuple[int, int]]:
    """What quote marks enclose: a title with its 《》 (CMRC train's gold answers write them, 173 of 176
    times), a quoted term without its marks (they are kept and dropped about equally often)."""
    return [match.span() if match.group()[0] == TITLE_MARKS[0] else match.span(1)
            for match in _QUOTED.finditer(sentence)]


def _titles(sentence: str) -> list[tuple[int, int]]:
    """The titles in 《》 of a sentence: where a work was serialised or a rule is laid down (在哪里连载,
    在哪边有所规定) answers a place question; a quoted slogan or campaign (“工会进万家”) does not. Of the 1,834
    place questions of CMRC train, trial and DRCD dev, 139 find a quoted term in their evidence sentence and 8
    a gold answer only quote marks enclose: 6 of these are titles."""
    return [span for span in _quoted(sentence) if sentence[span[0]] == TITLE_MARKS[0]]


def _proper_nouns(words: tuple[Word, ...]) -> list[tuple[int, int]]:
    """Organisation and other proper-noun words (jieba's nt, nz) of two characters or more."""
    return [(start, start + len(word)) for word, flag, start in words
            if flag in ("nt", "nz") and len(word) > 1]


_BARE_NUMBER = re.compile(rf"(?:{_DIGITS}|{_HAN_DIGITS})")


def _is_quantity(text: str) -> bool:
    """A count or amount answers "多少": a number with a measure word, magnitude or %, an ordinal, a ratio
    or a fraction (一半以上).

    Bare numbers are mostly parts of dates, codes or names, single 一/二 are words, not counts,
    and 一 with a measure word (是一项长期性工作) is mostly the indefinite article.
    """
    if _FRACTION_WORDS.search(text):
        return True
    if _BARE_NUMBER.fullmatch(text) or re.fullmatch(r"第?[一二两]|一[^\d万亿千百多余]", text):
        return False
    return bool(re.search(r"[0-9０-９零一二两三四五六七八九十百千]", text))


def _people(words: tuple[Word, ...]) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    covered = 0
    for index, (word, flag, start) in enumerate(words):
        if flag not in NAME_FLAGS or start < covered:
            continue
        first, last = index, _name_end(words, index)
        if last > index:
            while first > 0 and len(words[first - 1][0]) == 1 and words[first - 1][1] in _NAME_PIECE_FLAGS:
                first -= 1
        elif len(word) < 2 and _titled(words, index) and _given_name(words, index + 1):
            last = index + 1  # after a title, a surname jieba cut from a given name it took for a word (部长朱 永安)
        elif len(word) < 2:
            continue
        covered = words[last][2] + len(words[last][0])
        spans.append((words[first][2], covered))
    return spans


def _titled(words: tuple[Word, ...], index: int) -> bool:
    """Whether ``words[index]`` follows a title (部长, 主席): news names a person right after one."""
    return index > 0 and words[index - 1][0].endswith(ROLE_TITLES)


def _given_name(words: tuple[Word, ...], index: int) -> bool:
    """Whether ``words[index]`` can be the given name after a lone surname: one or two Han characters of a
    nominal or name word, the end of a word run (a given name is not the head of a longer noun)."""
    if index >= len(words):
        return False
    word, flag, _ = words[index]
    return (len(word) <= 2 and _HAN_START.match(word) is not None and flag in _GIVEN_NAME_FLAGS
            and (index + 1 == len(words) or words[index + 1][1] not in _NOMINAL_FLAGS))


def _name_end(words: tuple[Word, ...], last: int) -> int:
    """The last piece of the name that begins at ``words[last]``. jieba cuts a transliterated name into
    pieces, tagged as names (凯瑟琳 贝尔, 诺森 三世, 陈家 欣) or as anything else around a "·" (施陶丁 格,
    奥沙利 文, 塞 波斯 汀 of 阿贝·塞波斯汀): the run of such pieces is one name."""
    while True:
        if last + 1 < len(words) and (words[last + 1][1] in NAME_FLAGS or _REGNAL.fullmatch(words[last + 1][0])):
            last += 1
        elif (last + 2 < len(words) and words[last + 1][0] in _NAME_JOINER and _HAN_START.match(words[last + 2][0])
              and words[last + 2][1] not in _NOT_AFTER_JOINER):
            last += 2
            while (last + 1 < len(words) and words[last + 1][1] in _NAME_PIECE_FLAGS
                   and _HAN_START.match(words[last + 1][0])):
                last += 1
        else:
            return last


_FUNCTION_FLAGS = {"p", "uj", "ul", "d", "c", "x", "r", "f", "m"}
# What the piece after a name's "·" is not: a function word (a syllable tagged as a numeral, 克 of 埃利希·克斯特纳,
# is a piece).
_NOT_AFTER_JOINER = _FUNCTION_FLAGS - {"m"}
# What a piece of a name after its "·" may be tagged, and the regnal number that ends a ruler's (三世).
_NAME_PIECE_FLAGS = {*NAME_FLAGS, "nz", "ns", "ng", "j"}
_REGNAL = re.compile(r"[一二三四五六七八九十]+世")
# What jieba tags a given name it does not know as one, after a surname it cut off (永安, 明, 晓红).
_GIVEN_NAME_FLAGS = {"ns", "n", "nz", "ng", "a", "nr"}
_HAN_START = re.compile(r"[\u4e00-\u9fff]")
# Nominal words, and fixed expressions (饮食文化 of 重庆熊阿嫂饮食文化有限公司).
_NOMINAL_FLAGS = {"n", "nz", "ns", "nt", "j", "b", "m", "nrt", "a", "vn", "ng", "l"}
# What the noun a name question asks one of may be tagged (not a count, an attribute or an adjective).
_HEAD_FLAGS = _NOMINAL_FLAGS - {"m", "a", "b"}
# The words before it that say which one (兰潭 of 兰潭水库): nominal words and names, not counts.
_NAMING_FLAGS = (_NOMINAL_FLAGS - {"m"}) | set(NAME_FLAGS)


# 谁 in news is as often a group (为劳模体检, 帮助农民工) as one named person.
_PEOPLE_SUFFIX = re.compile(r"(?:员|工|者|模|师|手|户|兵|警|民|众|属|童|孩子|老人|家庭|群体|代表)$")


def _groups_of_people(words: tuple[Word, ...]) -> list[tuple[int, int]]:
    return [(start, start + len(word)) for word, flag, start in words
            if flag in ("n", "nz", "j") and len(word) > 1 and _PEOPLE_SUFFIX.search(word)]


def _places(words: tuple[Word, ...], length: int) -> list[tuple[int, int]]:
    """Runs of nominal words that end in a place word (ns/nt, or a 省/市/区/工地-like suffix). A
    transliterated or little-known name is often tagged as a person's (英国 伯明罕, 台中市 沙鹿): it continues
    a run (it does not begin one: 座落 is tagged so too), and a 市 or 区 that jieba keeps apart after it
    (伯明罕 市) ends the place. A part of it said right after it belongs to it (长沙县 东南部: CMRC train's
    place answers take the part along 35 times, leave it out twice)."""
    spans = _runs(words, length, _is_place, lambda run: _is_place(run[-1]) or (
        len(run) > 1 and _PLACE_SUFFIX.fullmatch(run[-1][0]) is not None), names_begin=False, counts_begin=False)
    parts = {start: start + len(word) for word, _, start in words if word in PLACE_PARTS}
    return [(start, parts.get(end, end)) for start, end in spans if _named(words, start, end, _PLACE_SUFFIX)]


def _organisations(words: tuple[Word, ...], length: int) -> list[tuple[int, int]]:
    """Runs of nominal words that end in an organisation's word (日本 科乐美 集团, 东宝 电影 公司): the name
    before 公司 or 大学 is often one jieba does not know, tagged as a person's, and it may begin the run."""
    spans = _runs(words, length, _is_organisation, lambda run: _is_organisation(run[-1]), names_begin=True,
                  counts_begin=True)
    return [(start, end) for start, end in spans if _named(words, start, end, _ORGANISATION_SUFFIX)]


def _named(words: tuple[Word, ...], start: int, end: int, suffix: re.Pattern[str]) -> bool:
    """Whether a run names one place or body: not its kind alone (医院, 中心), nor the kind after a word that
    only points at one (全省, 本市, 我国), unless jieba knows the word as a name (本州 is an island)."""
    text = "".join(word for word, _, at in words if start <= at < end)
    if suffix.fullmatch(text):
        return False
    first = next(word for word in words if word[2] == start)
    return not (first[1] not in _PLACE_FLAGS and first[0][0] in DETERMINERS and suffix.fullmatch(first[0][1:]))


def _runs(words: tuple[Word, ...], length: int, joins: Callable[[Word], bool],
          ends: Callable[[list[Word]], bool], names_begin: bool, counts_begin: bool) -> list[tuple[int, int]]:
    """Runs of nominal words (and of words that ``joins`` lets in), each cut back to where ``ends`` holds.
    With ``counts_begin`` off, a count (一位 of 一位葡萄牙赛车手) does not begin one."""
    spans: list[tuple[int, int]] = []
    run: list[Word] = []
    for word in [*words, ("。", "x", length)]:
        if not (run or counts_begin) and word[1] == "m":
            continue
        if word[1] in _NOMINAL_FLAGS or ((run or names_begin) and word[1] in NAME_FLAGS) or joins(word):
            run.append(word)
            continue
        while run and not ends(run):
            run.pop()
        if run:
            spans.append((run[0][2], run[-1][2] + len(run[-1][0])))
        run = []
    return spans


_PLACE_FLAGS = ("ns", "nt")


def _is_place(word: Word) -> bool:
    return word[1] in _PLACE_FLAGS or (len(word[0]) >= 2 and _PLACE_SUFFIX.search(word[0]) is not None)


def _is_organisation(word: Word) -> bool:
    return len(word[0]) >= 2 and _ORGANISATION_SUFFIX.search(word[0]) is not None


def typed_candidates(tagged: Tagged, question: Question) -> list[tuple[int, int]]:
    """Candidates of the question's answer type (a list's: its items' type) that also fit its constraints: the
    measure word of a quantity (多少件 → 件), the part of a date (哪一年 → 年), the title held by a person
    (主任 → a name beside 主任); and for a name or untyped question, the kind it asks one of, named
    (哪个变电站 → 同乐变电站)."""
    sentence = tagged.form
    noun = _asked_noun(question.slot[1]) if question.answer_type in ("name", "factoid") else None
    found = list(candidates(tagged, "body" if _asks_body(question, noun) else
                            question.candidate_type or question.answer_type))
    if question.units and question.answer_type == "date":
        found = [(start, end) for start, end in found if set(sentence[start:end]) & question.units]
    elif question.units and not question.number_form:
        found = [(start, end) for start, end in found if _unit_of(sentence[start:end]) in question.units]
    if question.role and not says_role(sentence, question.role):
        return []
    if question.answer_type == "person" and (question.role or question.asks_one_person):
        # The holder of an office or of a place in a contest, and the one person 哪位 asks for, is named, not a
        # group (none of the 30 answers of CMRC train, trial and the seeds to 谁是主任 or 冠军是谁 is one, nor
        # any of the 64 to 哪位 or 哪名; 成员 had answered 市政府副秘书长是谁, 劳动者 哪位领导宣布启动).
        groups = set(_groups_of_people(tagged.words))
        found = [span for span in found if span not in groups]
    if noun:
        found += _named_kind(tagged.words, noun)
    return found


_BODY_ASKED = re.compile(rf"哪一?[{BODY_MEASURES}]")


def _asks_body(question: Question, noun: str | None) -> bool:
    """Whether a name question asks which body (哪家, 哪所, 哪个电视台): of the 239 such questions of CMRC train,
    trial, DRCD dev and the seed sets, a quoted term was the only new candidate of the gold sentence once."""
    return question.answer_type == "name" and bool(
        _BODY_ASKED.search(question.text) or (noun and _ORGANISATION_SUFFIX.search(noun)))


@functools.lru_cache(maxsize=4096)
def _asked_noun(after: str) -> str | None:
    """The noun a name or untyped question asks one of: the word after its asking phrase (哪一个[水库], 什么[车站]).
    The first word measured better than the last of the nouns there (173 against 167 of CMRC train's
    name answers a candidate): 足球 of 哪个足球俱乐部 still finds 摩纳哥足球俱乐部 as a nominal run."""
    words = tag(after).words if after else ()
    return words[0][0] if words and words[0][1] in _HEAD_FLAGS else None


def _named_kind(words: tuple[Word, ...], noun: str) -> list[tuple[int, int]]:
    """The asked noun with the words that name which one it is before it (兰潭 水库 for 哪个水库, 岛原 半岛)."""
    spans: list[tuple[int, int]] = []
    for index, (word, _, start) in enumerate(words):
        if not word.endswith(noun):
            continue
        first = index
        while first > 0 and words[first - 1][1] in _NAMING_FLAGS:
            first -= 1
        if first < index or len(word) > len(noun):
            spans.append((words[first][2], start + len(word)))
    return spans


def fitting(tagged: Tagged, question: Question) -> tuple[int, bool, float]:
    """How many candidates in the text fit the question, whether one says what the question does not,
    and how much of the question's slot words (qa.answer.question, ``slot``) stand right beside one, on
    the same sides: 天城文在[12世纪]成为梵语 for 天城文在何时成为梵语, 现有[7.6万名]职工 for 多少职工."""
    found = typed_candidates(tagged, question)
    asked = normalize(question.text)
    new = any(unsaid(tagged.text[start:end], asked) for start, end in found)
    return len(found), new, max((_slot_score(tagged.form, start, end, question) for start, end in found), default=0.0)


def unsaid(candidate: str, asked: str) -> bool:
    """Whether a candidate says what the (normalised) question does not: 《雷雨》 is said by 雷雨是谁写的, and
    荆州市 by 在荆州什么地方 (of the 1,704 gold sentences of CMRC's, DRCD's and the seeds' place questions that hold
    a candidate the question does not say, 2 hold no other than such a place)."""
    text = normalize(candidate.strip()).strip(TITLE_MARKS)
    return bool(text) and text not in asked and not (
        len(text) > 2 and text[-1] in ADMINISTRATIVE_LEVELS and text[:-1] in asked)


# Characters (的, 了, 是) that may stand between a candidate and the slot words beside it.
SLOT_GAP = 2
# The longest span cut between the slot words, and the shortest piece of a slot word that anchors it.
MAX_SLOT_SPAN = 16
MIN_ANCHOR = 2
CLAUSE_BREAK = re.compile(rf"[{re.escape(CLAUSE_BREAKS)}]")


def _slot_score(form: str, start: int, end: int, question: Question) -> float:
    """The share of the slot's characters that the text repeats next to ``form[start:end]``."""
    before, after = question.slot
    if not before and not after:
        return 0.0
    return sum(slot_sides(form, start, end, question)) / (len(before) + len(after))


def slot_sides(form: str, start: int, end: int, question: Question) -> tuple[int, int]:
    """How many characters of the slot the text repeats next to ``form[start:end]``, on each side: the
    longest end of the words before the asking phrase just before it, the longest start of those after
    just after."""
    before, after = question.slot
    left = next((size for size in range(len(before), 0, -1)
                 if before[-size:] in form[max(0, start - size - SLOT_GAP) : start]), 0)
    right = next((size for size in range(len(after), 0, -1) if after[:size] in form[end : end + size + SLOT_GAP]), 0)
    return left, right


def slot_span(tagged: Tagged, question: Question) -> str | None:
    """What stands in the text where the question has its asking phrase: after the longest end of the
    words before it and before the longest start of the words after it (湖北启动了[“工会送温暖”]服务月)."""
    before, after = question.slot
    form = tagged.form
    start = end = None
    for size in range(len(before), MIN_ANCHOR - 1, -1):
        if (found := form.find(before[-size:])) >= 0:
            start = found + size
            break
    for size in range(len(after), MIN_ANCHOR - 1, -1):
        if (found := form.find(after[:size], start or 0)) >= 0:
            end = found
            break
    if start is None and end is None:
        return None
    # A side the text does not anchor (谁获得了…, …的作者是谁) runs to the edge of the clause.
    if start is None:
        start = _clause_edge(form, end, -1)
    if end is None:
        end = _clause_edge(form, start, 1)
    start, end = _without_particles(tagged.words, start, end)
    if not 0 < end - start <= MAX_SLOT_SPAN or CLAUSE_BREAK.search(form[start:end]):
        return None
    # Quotation marks go, a title's 《》 stay: they are part of how a title is written.
    span = tagged.text[start:end].strip().strip(TERM_OPENERS + TERM_CLOSERS)
    return span if span and normalize(span) not in normalize(question.text) else None


def _without_particles(words: tuple[Word, ...], start: int, end: int) -> tuple[int, int]:
    """``start``-``end`` less a structural particle word at either edge: what stood in the slot was 浪漫喜剧的 of
    以浪漫喜剧的方式, the answer 浪漫喜剧."""
    for word, flag, at in words:
        if flag.startswith("u") and start <= at < end:
            if at == start:
                start += len(word)
            elif at + len(word) == end:
                end = at
    return start, end


def _clause_edge(form: str, at: int, step: int) -> int:
    """Where the clause around ``at`` begins (``step`` -1) or ends (1)."""
    if step < 0:
        breaks = [match.end() for match in CLAUSE_BREAK.finditer(form, 0, at)]
        return breaks[-1] if breaks else 0
    found = CLAUSE_BREAK.search(form, at)
    return found.start() if found else len(form)


# A physical measure's unit is its whole name (平方米, not 米): a question asking an area wants one.
_MEASURE_UNIT = re.compile(alternation(AREA_UNITS + LENGTH_UNITS + WEIGHT_UNITS) + "$")


def _unit_of(quantity: str) -> str:
    """The measure word a quantity ends with (元 for any amount of money, '' for none)."""
    stripped = re.sub(r"(?:以上|左右|多)$", "", quantity)
    if stripped.endswith(CURRENCY_UNITS):
        return "元"
    if measured := _MEASURE_UNIT.search(stripped):
        return measured.group()
    for unit in ("人次", "小时", "分钟"):
        if stripped.endswith(unit):
            return unit
    return stripped[-1] if stripped and not stripped[-1].isdigit() else ""


# An asking phrase that asks one of a kind (哪个城市, 什么东西) or some (哪些东西, 哪两个城市); 为什么 asks why, of
# the subject after it.
_ASKING = re.compile(rf"(?:哪[一些几{HAN_DIGITS}]?|(?<!为)什么|多少|几)[个座家位所条款种]?$")
# A term quoted around an asking word (“几送”活动, 「能够超越什么的作品」) is what is asked: evidence fills it in.
_ASKING_INSIDE = re.compile(r"哪|(?<!为)什么|多少|几")
# jieba's tags of named entities: people, places, organisations, other proper nouns.
_ENTITY_FLAGS = frozenset(NAME_FLAGS + ("ns", "nt", "nz"))


def _asked_kind(words: tuple[Word, ...], number: int) -> bool:
    """Whether ``words[number]`` is the kind a question asks one of (哪个城市, 哪一大洋区): it comes right after an
    asking phrase, and no noun follows it that it would only narrow down (哪一個土耳其國王 asks for a king, of
    Turkey). Of the questions of CMRC and DRCD and the seeds, the evidence sentence says such a narrowing word in
    23 of 34, the subject after 为什么 in 71 of 94, a bare kind in 50 of 133; any mention, 77 %."""
    before = "".join(word for word, _, _ in words[max(0, number - 2):number])
    follows = words[number + 1][1] if number + 1 < len(words) else ""
    return bool(number and _ASKING.search(before)) and not follows.startswith("n")


@functools.lru_cache(maxsize=4096)
def mentions(text: str) -> tuple[str, ...]:
    """What a question pins its subject down by, in match form: named entities, numbers, dates and
    quoted terms. Evidence that leaves one of them out answers a different question."""
    normalized = normalize(text)
    found = [match.group(1) for match in _QUOTED.finditer(normalized)
             if match.group()[0] in TITLE_MARKS or not _ASKING_INSIDE.search(match.group(1))]
    found += [match.group() for match in DATE.finditer(normalized) if re.search(r"[0-9]", match.group())]
    found += [match.group() for match in NUMBER.finditer(normalized)
              if _is_quantity(match.group()) and re.search(r"[0-9]", match.group())]
    words = tag(normalized).words
    # A word jieba keeps whole with its question word (哪些项目) is what is asked, not what pins the subject down.
    found += [word for number, (word, flag, _) in enumerate(words)
              if flag in _ENTITY_FLAGS and len(word) > 1 and asked_about(word) == word
              and not _asked_kind(words, number)]
    kept = [match_form(item) for item in found]
    return tuple(dict.fromkeys(item for item in kept if item and not any(item in other for other in kept
                                                                          if other != item)))
