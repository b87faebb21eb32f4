"""Example questions for an empty conversation, made from the indexed corpus without a generative model.

A sentence that states a quantity, a date or a person becomes a cloze question: the clause around
the fact, with the fact replaced by its question word (新增会员21.97万人 → 新增会员多少万人？,
2021年 → 哪一年, 工会主席郭鑫 → 工会主席是谁？). Only questions that the engine answers by citing
that very sentence are offered, so the first click of a reader shows a cited answer rather than a
refusal. Checking them takes a few seconds, so they are made on a thread of their own, at start and
after every write, and a caller gets what is ready without waiting.
"""

from __future__ import annotations

import itertools
import logging
import re
import threading
import weakref
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from qa.answer.result import Answer
from qa.answer.spans import candidates
from qa.index.records import SentenceRow
from qa.index.snapshot import Snapshot
from qa.limits import MAX_EXAMPLES
from qa.text.lexicon import COUNT_NUMERALS, GENERIC_ROLES, HAN_DIGITS, LEANS_BACK, QUOTE_PAIRS, ROLE_TITLES, alternation
from qa.text.normalize import normalize
from qa.text.tagging import tag

Ask = Callable[[str], Answer]
# Each check is a full answer (about 0.2 s on two cores): making the list after a write is bounded by this.
MAX_ASKS = 20
# A chip reads at a glance; shorter clauses lack the context that makes a question answerable.
MIN_CHARS, MAX_CHARS = 10, 28
# Person names are cut by jieba's POS tagger, which is slow, so only the first sentences of an
# article (where news states its main facts) are tagged.
PERSON_SENTENCES = 3
KINDS = ("number", "date", "person")

_CLAUSE = re.compile(r"[^，,；;：:。！!？?]+")
_ASIDE = re.compile(r"（[^（）]*）|\([^()]*\)")
# Openers that lean on an earlier sentence (其中, 他): the question would not say what it is about.
_DANGLING = re.compile("^" + alternation(LEANS_BACK + ("其中", "那", "并且", "而且", "且", "也", "还", "但是", "之后")))
# A second number makes a question hard to read (全市多少家企业已建会294家); a reporting frame
# (记者…获悉) or a pointer back (这一项目) leaves it without its subject.
_VAGUE = re.compile(r"[0-9０-９]|(?:获悉|了解到|介绍|表示|指出|透露|告诉|说)$|这一|这些|这个|这次|该|此次|上述")
# Lead-ins that add nothing to a question.
_LEAD_IN = re.compile(r"^(?:据了解|据介绍|据悉|据统计|据报道|记者了解到|记者获悉|记者从\S{2,12}获悉)")
_QUANTITY = re.compile(r"^(?:近|约|超过|超|逾|达|共计|共|累计)?(?P<ordinal>第)?"
                       rf"[0-9０-９.,，．\-–~～至到{HAN_DIGITS}]+(?P<unit>.*?)(?:以上|左右|多)?$")
_FULL_DATE = re.compile(r".+月.+[日号]$")
_YEAR = re.compile(r"^[0-9]{4}年$")
_MONTH = re.compile(r"^[0-9]{4}年[0-9]{1,2}月$")
# Quoted names and slogans (brackets are asides, taken out before).
_QUOTED = re.compile("|".join(f"{re.escape(left)}[^{re.escape(right)}]*{re.escape(right)}"
                              for left, right in QUOTE_PAIRS if left not in "（("))
_ROLE = re.compile(alternation(ROLE_TITLES + GENERIC_ROLES) + "$")


@dataclass(frozen=True)
class Cloze:
    question: str
    row: int  # the sentence, in Snapshot.sentences, that answers it
    kind: str


@dataclass(frozen=True)
class Example:
    question: str
    doc_id: str  # the article whose sentence answers it


class ExampleCache:
    """The examples of the latest snapshot, made on a background thread; reading them never waits.

    A write swaps in a new snapshot object, so its identity tells a stale list from a current one
    (weak references let old snapshots go). Until the new list is made, the old one is served
    without the examples whose article is no longer served.
    """

    def __init__(self, ask: Ask) -> None:
        self._ask = ask
        self._lock = threading.Lock()
        self._wanted = threading.Condition(self._lock)
        self._pending: weakref.ref[Snapshot] | None = None  # the snapshot to make examples of next
        self._made_for: weakref.ref[Snapshot] | None = None
        self._examples: list[Example] = []
        self._worker: threading.Thread | None = None

    def get(self, snapshot: Snapshot, n: int) -> tuple[list[str], bool]:
        """Up to ``n`` examples as far as they are made, and whether they are the current snapshot's."""
        with self._lock:
            ready = self._is_current(snapshot)
            if not ready:
                self._want(snapshot)
            examples = [example for example in self._examples if ready or example.doc_id in snapshot.documents]
            return [example.question for example in examples[:n]], ready

    def prepare(self, snapshot: Snapshot) -> None:
        """Start making the examples of ``snapshot`` now, so that they are ready before anyone asks."""
        with self._lock:
            self._want(snapshot)

    def refresh(self, snapshot: Snapshot) -> None:
        """After a write: make the new snapshot's examples, if examples are being served at all."""
        with self._lock:
            if self._worker is not None:
                self._want(snapshot)

    def _is_current(self, snapshot: Snapshot) -> bool:
        return self._made_for is not None and self._made_for() is snapshot

    def _want(self, snapshot: Snapshot) -> None:
        if self._is_current(snapshot):
            return
        self._pending = weakref.ref(snapshot)
        if self._worker is None:
            self._worker = threading.Thread(target=self._work, name="examples", daemon=True)
            self._worker.start()
        self._wanted.notify()

    def _work(self) -> None:
        while True:
            with self._lock:
                while (snapshot := self._pending and self._pending()) is None:
                    self._wanted.wait()
                self._pending = None
            try:
                examples = generate(self._ask, snapshot)
            except Exception:  # a failure costs the examples of this snapshot, not the thread
                logging.getLogger(__name__).exception("could not make the example questions")
                examples = []
            with self._lock:
                self._examples, self._made_for = examples, weakref.ref(snapshot)
            del snapshot  # no strong reference while waiting: a replaced snapshot can go


def generate(ask: Ask, snapshot: Snapshot, limit: int = MAX_EXAMPLES, asks: int = MAX_ASKS) -> list[Example]:
    """Up to ``limit`` questions from different articles that ``ask`` answers from their own sentence,
    the kinds of question taking turns so that the first few show what the service can answer."""
    found: dict[str, list[Example]] = {kind: [] for kind in KINDS}
    for cloze in itertools.islice(_clozes(snapshot), asks):
        if len(found[cloze.kind]) < limit and _answers_itself(ask, cloze, snapshot):
            found[cloze.kind].append(Example(cloze.question, snapshot.sentences[cloze.row].doc_id))
            # Rarer kinds (dates) are worth a few more asks while there is room for them.
            if all(found.values()) and sum(map(len, found.values())) >= limit:
                break
    interleaved = [example for turn in itertools.zip_longest(*found.values()) for example in turn if example]
    return interleaved[:limit]


def _answers_itself(ask: Ask, cloze: Cloze, snapshot: Snapshot) -> bool:
    answer = ask(cloze.question)
    if not answer.answerable or not answer.citations:
        return False
    cited, sentence = answer.citations[0], snapshot.sentences[cloze.row]
    # The quote may take in a neighbouring sentence; it must hold this one.
    return cited.doc_id == sentence.doc_id and cited.start <= sentence.source_start < sentence.source_end <= cited.end


def _clozes(snapshot: Snapshot) -> Iterator[Cloze]:
    """One question per article, the sources taking turns, each from its front page on."""
    by_source: dict[str, list[str]] = {}
    for info in sorted(snapshot.documents.values(), key=lambda info: (info.source, info.ordinal, info.doc_id)):
        if info.kind == "article":
            by_source.setdefault(info.source, []).append(info.doc_id)
    turns = [_source_clozes(snapshot, doc_ids) for doc_ids in by_source.values()]
    seen: set[str] = set()
    while turns:
        for turn in list(turns):
            cloze = next(turn, None)
            if cloze is None:
                turns.remove(turn)
            elif cloze.question not in seen:
                seen.add(cloze.question)
                yield cloze


def _source_clozes(snapshot: Snapshot, doc_ids: list[str]) -> Iterator[Cloze]:
    for doc_id in doc_ids:
        cloze = _first_cloze(snapshot, doc_id)
        if cloze is not None:
            yield cloze


def _first_cloze(snapshot: Snapshot, doc_id: str) -> Cloze | None:
    """The question from the article's earliest sentence that makes one: news states its main facts first."""
    for row in snapshot.document_rows(doc_id):
        sentence = snapshot.sentences[row]
        for kind in KINDS if sentence.ordinal < PERSON_SENTENCES else ("number", "date"):
            question = _cloze(sentence, kind)
            if question is not None:
                return Cloze(question, row, kind)
    return None


def _cloze(sentence: SentenceRow, kind: str) -> str | None:
    """A question whose answer is a ``kind`` span of the sentence, or None where none reads well."""
    for clause_match in _CLAUSE.finditer(_ASIDE.sub("", sentence.text)):
        clause = clause_match.group().strip()
        quoted = [match.span() for match in _QUOTED.finditer(clause)]
        for start, end in candidates(tag(clause), kind):
            # 落实“五个坚决” names a slogan: its number is not a fact to ask about.
            if any(low < end and start < high for low, high in quoted):
                continue
            question = _question(_tidy(clause[:start]), clause[start:end], clause[end:], kind)
            if question is not None and _readable(question):
                return question + "？"
    return None


def _question(before: str, span: str, after: str, kind: str) -> str | None:
    if kind == "number":
        match = _QUANTITY.match(span)
        # Percentages read as 多少 only with a rewrite; 千年 and 百万 are magnitudes, not counts.
        if match is None or re.search(r"[%％]", span) or not re.search(rf"[0-9０-９{COUNT_NUMERALS}]", span):
            return None
        # 300多项 and 200余万元 are asked as 多少项, 多少万元.
        unit = re.sub("[多余]", "", match.group("unit"))
        # 十七届 without 第 names a congress rather than counting anything; 试用多少年来 is not Chinese.
        if (unit == "届" and not match.group("ordinal")) or (unit == "年" and after.startswith("来")):
            return None
        return before + ("第几" if match.group("ordinal") else "多少") + unit + after
    if kind == "date":
        if _FULL_DATE.match(span):
            return before + "哪一天" + after
        if _MONTH.match(span):
            return before + "哪个月" + after
        # Bare 3年 is a duration, not a year: only a four-digit year is asked as 哪一年.
        return before + "哪一年" + after if _YEAR.match(span) else None
    # A name after its title (工会主席郭鑫) asks who holds the title; a name elsewhere in a clause
    # makes a 谁 question that rarely reads as Chinese.
    if re.fullmatch(r"[\u4e00-\u9fff]{2,4}", span) and _ROLE.search(before):
        # 会议通过了全总党组书记陈刚…: the title is what follows the clause's verb.
        return before.rsplit("了", 1)[-1] + "是谁"
    return None


def _tidy(prefix: str) -> str:
    return _LEAD_IN.sub("", prefix).strip()


def _readable(question: str) -> bool:
    """Short enough for a chip, balanced quotes, and opening on its subject or a time: a clause that
    opens on a verb or preposition (庆祝两国建交…, 比去年同期…) had its subject in another clause."""
    # The word lists are simplified: a traditional 該 or 其中 reads as 该 and 其中 do.
    simplified = normalize(question)
    if not MIN_CHARS <= len(question) <= MAX_CHARS or _DANGLING.match(simplified) or _VAGUE.search(simplified):
        return False
    if simplified.startswith(("哪", "多少", "第几")):  # 多少名职工参加了… says nothing of who or where
        return False
    if any(question.count(left) != question.count(right) for left, right in QUOTE_PAIRS):
        return False
    flag = tag(simplified).words[0][1]
    return flag[:1] in ("n", "t", "s", "j") or flag == "r"
