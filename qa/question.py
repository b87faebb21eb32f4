"""Question analysis: the expected answer type and the keywords that evidence must contain."""

from __future__ import annotations

import re
from dataclasses import dataclass

from qa.textnorm import normalize
from qa.tokens import keywords

# Order matters: the first pattern that matches decides ("哪几个" is a list, not a number).
_TYPE_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("list", re.compile(r"哪些|哪几|有什么|which (?:\w+ )?(?:are|were)|what are|list")),
    ("date", re.compile(
        r"什么时候|何时|哪一?天|哪一?年|几月|几号|哪个月|什么时间|日期"
        r"|when\b|what (?:date|day|year|time)|which (?:day|year)")),
    ("number", re.compile(r"多少|几|多大|多长|多高|多重|多久|多远|比例|百分之|how (?:many|much|long|old|far)")),
    ("person", re.compile(
        r"谁|哪位|姓名|(?:主席|书记|负责人|姑娘|小伙|师傅|工匠|劳模|记者|主任|局长|经理|队长|总统|代表)(?:的名字)?叫什么"
        r"|who\b|whom\b")),
    ("place", re.compile(r"哪里|哪儿|在哪|什么地方|哪个(?:省|市|区|县|国家|城市|地方|工地|驿站|村|镇)|哪座|where\b")),
    ("reason", re.compile(r"为什么|为何|原因|怎么会|why\b")),
    ("method", re.compile(r"怎么|如何|怎样|通过什么|采取了?什么|how\b")),
]

_LATIN = re.compile(r"[a-z]")
_HAN = re.compile(r"[\u4e00-\u9fff]")


@dataclass(frozen=True)
class Question:
    text: str
    answer_type: str  # list, date, number, person, place, reason, method or factoid
    keywords: tuple[str, ...]  # jieba tokens, stopwords and question words removed
    english: bool  # mostly Latin script: keywords will not match Chinese evidence

    @property
    def wants_span(self) -> bool:
        return self.answer_type in ("number", "date", "person", "place")


def analyze(text: str) -> Question:
    normalized = normalize(text)
    answer_type = next((name for name, pattern in _TYPE_PATTERNS if pattern.search(normalized)), "factoid")
    english = len(_LATIN.findall(normalized)) > 2 * len(_HAN.findall(normalized))
    return Question(text, answer_type, tuple(keywords(text)), english)
