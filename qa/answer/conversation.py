"""Follow-up questions read in the context of the conversation before retrieval.

Each turn is decided on its own: it continues the conversation or starts a new subject.
"那吉林呢？" swaps the new entity into the previous question; a question that leans on earlier
turns, by a pronoun (它是哪一年启动的？) or by naming no subject of its own (持续多长时间？,
主要内容是什么？), is retrieved together with the previous question, whose terms then count (at
half weight, as context) when sentences are scored. A question that names its own subject
(全国消防日是哪一天？) inherits nothing, however short.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from qa.answer.question import content_terms
from qa.text.lexicon import ATTRIBUTE_NOUNS, ENGLISH_PRONOUNS, PRONOUNS, STOPWORDS, alternation
from qa.text.normalize import normalize, to_simplified
from qa.text.tagging import tag

# The longer openers first: a regex alternation takes the first that fits, and 那 of 那么 would leave 么.
_ELLIPSIS = re.compile(r"^(?:那么|那在|那|还有|如果是)?\s*(?P<topic>.{1,20}?)\s*(?:呢|的呢|怎么样|如何)\s*[?？]?$")
_ANAPHORA = re.compile(
    rf"^(?:那|那么)|{alternation(PRONOUNS)}|该|此|这(?:个|些|里|家|位|项|次|场)?|那(?:个|些|里|家|位|项|次|场)|其"
)
_ENTITY_FLAGS = ("ns", "nr", "nt", "nz")
# Question words (哪个, 什么, 多少, 几, 多长…, 何…): the noun right after one names what is asked
# (哪个城市, 多少人), not what the question is about.
_QUESTION_WORD = re.compile(r"^(?:哪|什么|多少|几|多[长久大高重远宽深]|何|谁)")
_LATIN_WORD = re.compile(r"[a-z]+")


@dataclass(frozen=True)
class Contextualized:
    question: str  # what the user asked, rewritten when it was an elliptical follow-up
    retrieval_query: str  # what is searched
    context_terms: tuple[str, ...]  # match terms of earlier turns


def contextualize(question: str, history: list[dict[str, str]] | None) -> Contextualized:
    asked = [turn["content"] for turn in (history or []) if turn.get("role") == "user" and turn.get("content")]
    return _resolve(question, asked)


def _resolve(question: str, previous: list[str]) -> Contextualized:
    if not previous:
        return Contextualized(question, question, ())
    # The previous question may itself have leant on the one before ("它是在哪个城市启动的？"):
    # read it resolved, so that a chain of follow-ups keeps the conversation's subject.
    before = _resolve(previous[-1], previous[:-1])
    # Read in simplified script, as the patterns are written (那麼天津呢 is 那么天津呢); the topic keeps its case.
    ellipsis = _ELLIPSIS.match(to_simplified(question.strip()))
    if ellipsis:
        if before.context_terms:
            # The previous question named its subject only through the turns before it (它们提供哪些服务？):
            # the new entity takes the place of that subject there.
            context = _swap_entity(before.retrieval_query, ellipsis.group("topic"))
            return Contextualized(before.question, context, tuple(content_terms(normalize(context))))
        rewritten = _swap_entity(before.question, ellipsis.group("topic"))
        return Contextualized(rewritten, rewritten, ())
    if _leans_back(question):
        last = before.retrieval_query
        return Contextualized(question, f"{last} {question}", tuple(content_terms(normalize(last))))
    return Contextualized(question, question, ())


def _leans_back(question: str) -> bool:
    """Whether the question continues the conversation: a pronoun or demonstrative points back, or it
    names no subject of its own."""
    normalized = normalize(question)
    words = _LATIN_WORD.findall(normalized)
    return bool(_ANAPHORA.search(normalized) or ENGLISH_PRONOUNS.intersection(words)) or not _has_subject(question)


def _has_subject(question: str) -> bool:
    """Whether the question names something of its own: an entity, a noun that is neither the asked
    category (哪个城市) nor an attribute of something unnamed (时间, 内容), or an English content word."""
    asked = False
    for word, flag, _ in tag(normalize(question)).words:
        if _QUESTION_WORD.match(word):
            asked = True
            continue
        if flag == "eng" and word not in STOPWORDS and word not in ENGLISH_PRONOUNS:
            return True
        nominal = flag in _ENTITY_FLAGS or (flag.startswith("n") and len(word) > 1)
        if nominal and not asked and word not in ATTRIBUTE_NOUNS:
            return True
        asked = asked and not nominal and flag in ("m", "q", "x", "uj")
    return False


def _swap_entity(previous: str, topic: str) -> str:
    """Replace the first entity of ``previous`` that has the same kind as ``topic``."""
    topic_flags = {flag for _, flag, _ in tag(topic).words}
    for word, flag, start in tag(previous).words:
        if flag in _ENTITY_FLAGS and (flag in topic_flags or not topic_flags & set(_ENTITY_FLAGS)):
            return previous[:start] + topic + previous[start + len(word):]
    return f"{topic} {previous}"
