"""The answer layer's front door, as DrQA's reader: a question read in its conversation, then the
retrieved passages read for the sentence(s) that answer it.

:func:`understand` turns what was asked (and the turns before) into a :class:`Query`: what to
search, the analysed question, the terms earlier turns contribute. :func:`read` takes the query and
the hits retrieved for it, and gives the typed :class:`Answer`: quoted sentences with citations and
a short span, or an abstention with the closest passages.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from qa.answer.conversation import contextualize
from qa.answer.crosslingual import pinyin_names
from qa.answer.features import CANDIDATE_PASSAGES, describe, unit_tagged
from qa.answer.models import AnswerModels
from qa.answer.question import Question, analyze
from qa.answer.quoting import quote_rows
from qa.answer.result import NO_ANSWER, Answer, Citation, Passage
from qa.answer.selection import Calibration, select
from qa.answer.span_choice import best_span
from qa.index.records import Hit
from qa.index.snapshot import Snapshot
from qa.text.bigrams import distinct

__all__ = ["CANDIDATE_PASSAGES", "Query", "passages", "read", "understand"]


@dataclass(frozen=True)
class Query:
    asked: str  # the question as the user wrote it
    question: Question  # the analysis of the question as read in context
    retrieval_query: str  # what is searched
    context_terms: tuple[str, ...]  # match terms of the earlier turns: the conversation's subject
    name_terms: tuple[str, ...] = ()  # the Chinese names an English question's names were looked up as


def understand(asked: str, history: list[dict[str, str]] | None, snapshot: Snapshot) -> Query:
    """The question in the context of the conversation, analysed, with what to search for it."""
    turn = contextualize(asked, history)
    question = analyze(turn.question)
    if not question.english:
        return Query(asked, question, turn.retrieval_query, turn.context_terms)
    names = tuple(pinyin_names(turn.question, snapshot))
    return Query(asked, question, " ".join((turn.retrieval_query, *names)), turn.context_terms, names)


def read(query: Query, hits: list[Hit], snapshot: Snapshot, query_vector: np.ndarray, k: int,
         models: AnswerModels, calibration: Calibration) -> Answer:
    """The cited answer to ``query`` from ``hits`` (read in ``snapshot``), with the ``k`` best passages."""
    question = query.question
    shown = passages(snapshot, hits, k)
    candidates = describe(question, hits, snapshot, query_vector, query.name_terms, query.context_terms)
    decision = select(question, candidates, snapshot, models, calibration, query.name_terms)
    confidence = round(decision.confidence, 4)
    if not decision.chosen:
        return Answer(query.asked, NO_ANSWER, False, confidence, None, [], shown)
    chosen_rows = {row for unit in decision.chosen for row in range(unit.first, unit.last + 1)}
    citations = []
    for n, unit in enumerate(decision.chosen, start=1):
        own = set(range(unit.first, unit.last + 1))
        citations.append(_citation(snapshot, *quote_rows(snapshot, unit.first, unit.last, chosen_rows - own), n))
    text = "".join(f"{citation.quote}[{citation.n}]" for citation in citations)
    span = best_span(unit_tagged(snapshot, decision.chosen[0]), question) if question.short_answer else None
    return Answer(query.asked, text, True, confidence, span, citations, shown)


def passages(snapshot: Snapshot, hits: list[Hit], k: int) -> list[Passage]:
    """The ``k`` best hits as passages, near-duplicates shown once."""
    return [_passage(snapshot, hits[i]) for i in distinct([hit.chunk.text for hit in hits])[:k]]


def _passage(snapshot: Snapshot, hit: Hit) -> Passage:
    document = snapshot.documents[hit.chunk.doc_id]
    first = snapshot.sentences[hit.chunk.first_row]
    last = snapshot.sentences[hit.chunk.last_row]
    return Passage(document.doc_id, document.title, document.source, hit.chunk.text, round(hit.score, 6),
                   first.source_start, last.source_end)


def _citation(snapshot: Snapshot, first_row: int, last_row: int, n: int) -> Citation:
    """The quote of sentence rows ``first_row``..``last_row`` (adjacent in the source, one paragraph)."""
    first, last = snapshot.sentences[first_row], snapshot.sentences[last_row]
    document = snapshot.documents[first.doc_id]
    quote = "".join(snapshot.sentences[row].text for row in range(first_row, last_row + 1))
    return Citation(n, document.doc_id, document.title, document.date, document.source, first.paragraph, quote,
                    first.source_start, last.source_end)
