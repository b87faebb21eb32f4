"""Follow-up questions read in the context of the conversation before retrieval.

"那吉林呢？" swaps the new entity into the previous question; "它是哪一年启动的？" and other
questions that lean on earlier turns are retrieved together with the previous question, whose
terms then count (at half weight, as context) when sentences are scored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import jieba.posseg

from qa.answer.question import content_terms
from qa.text.lexicon import PRONOUNS, alternation
from qa.text.normalize import normalize
from qa.text.tokens import keywords

_ELLIPSIS = re.compile(r"^(?:那|那么|那在|还有|如果是)?\s*(?P<topic>.{1,20}?)\s*(?:呢|的呢|怎么样|如何)\s*[?？]?$")
_ANAPHORA = re.compile(
    rf"^(?:那|那么)|{alternation(PRONOUNS)}|该|此|这(?:个|些|里|家|位|项|次|场)?|那(?:个|些|里|家|位|项|次|场)|其"
)
_ENTITY_FLAGS = ("ns", "nr", "nt", "nz")


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
    ellipsis = _ELLIPSIS.match(question.strip())
    if ellipsis:
        rewritten = _swap_entity(before.question, ellipsis.group("topic"))
        return Contextualized(rewritten, rewritten, ())
    if _ANAPHORA.search(question) or len(keywords(question)) <= 3:
        last = before.retrieval_query
        return Contextualized(question, f"{last} {question}", tuple(content_terms(normalize(last))))
    return Contextualized(question, question, ())


def _swap_entity(previous: str, topic: str) -> str:
    """Replace the first entity of ``previous`` that has the same kind as ``topic``."""
    topic_flags = {pair.flag for pair in jieba.posseg.cut(topic)}
    for pair in jieba.posseg.cut(previous):
        if pair.flag in _ENTITY_FLAGS and (pair.flag in topic_flags or not topic_flags & set(_ENTITY_FLAGS)):
            return previous.replace(pair.word, topic, 1)
    return f"{topic} {previous}"
