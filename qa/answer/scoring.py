"""Every sentence of the top passages rescored on its own.

The score adds dense similarity to the question (relative to the best, since the bundled model's
cosines sit in a narrow band), how much of the question's keywords the sentence and its neighbours
cover, whether it holds something of the expected answer type, and the rank of its passage.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from qa.answer.question import Question
from qa.answer.spans import typed_candidates
from qa.index.records import Hit
from qa.index.snapshot import Snapshot
from qa.text.normalize import match_form

# Passages whose sentences are candidates.
CANDIDATE_PASSAGES = 8

# Weights of the sentence score, chosen by a grid search over sentence features of the seed dev set
# and the CMRC train sample (hit@1 of the chosen sentence); the search was not kept, and a trained
# ranker is to replace these weights. A broad plateau: dense 1.25-1.5 and type 0.05-0.15 all scored
# within 0.3 points. A large type bonus let any sentence with a date or a place in it beat the
# sentence that answers (所属唱片公司是GIZA Studio lost to 于京都府京都市出生).
W_DENSE = 1.5
W_COVERAGE = 1.0
W_TYPE = 0.1
W_PASSAGE = 0.2


@dataclass(frozen=True)
class ScoredSentence:
    row: int  # row in Snapshot.sentences
    score: float
    dense: float
    coverage: float  # topical coverage of the question's terms, which ranks sentences
    support: float  # what the sentence and its neighbours say themselves, which may answer
    typed: bool
    passage_rank: int


def coverage(terms: tuple[str, ...], weight: Callable[[str], float], text: str, context: str,
             title: str) -> tuple[float, float]:
    """IDF-weighted shares of ``terms`` the sentence ``text`` covers: (topical, support).

    Every sentence of an article is about its headline's subject, named there or not, so for
    ranking (topical) a term in the title counts as in the sentence. To claim an answer
    (support) the sentence must say it itself: title and neighbouring sentences count half.
    """
    total = topical = support = 0.0
    for term in terms:
        term_weight = weight(term)
        total += term_weight
        if term in text:
            topical += term_weight
            support += term_weight
        elif term in title:
            topical += term_weight
            support += term_weight / 2
        elif term in context:
            topical += term_weight / 2
            support += term_weight / 2
    return (topical / total, support / total) if total else (0.0, 0.0)


def score_sentences(question: Question, hits: list[Hit], snapshot: Snapshot, query_vector: np.ndarray,
                    extra_terms: tuple[str, ...] = ()) -> list[ScoredSentence]:
    """Every sentence of the top passages, best first."""
    rows: dict[int, int] = {}
    for rank, hit in enumerate(hits[:CANDIDATE_PASSAGES]):
        for row in snapshot.chunk_sentences(hit.chunk):
            rows.setdefault(row, rank)
    if not rows:
        return []
    ordered = list(rows)
    dense = snapshot.sentence_vectors[ordered] @ query_vector
    best_dense = float(dense.max())
    terms = question.terms + tuple(term for term in extra_terms if term not in question.terms)
    scored: list[ScoredSentence] = []
    for row, similarity in zip(ordered, dense, strict=True):
        sentence = snapshot.sentences[row]
        covered, support = coverage(terms, snapshot.term_weight, match_form(sentence.text),
                                    match_form(_neighbours(snapshot, row)),
                                    match_form(snapshot.documents[sentence.doc_id].title))
        typed = bool(typed_candidates(sentence.text, question)) if question.wants_span else False
        rank = rows[row]
        score = (W_DENSE * (float(similarity) - best_dense) + W_COVERAGE * covered + W_TYPE * typed
                 + W_PASSAGE / (1 + rank))
        scored.append(ScoredSentence(row, score, float(similarity), covered, support, typed, rank))
    scored.sort(key=lambda item: -item.score)
    return scored


def _neighbours(snapshot: Snapshot, row: int) -> str:
    """The sentences just before and after, within the same article."""
    doc_id = snapshot.sentences[row].doc_id
    parts = [snapshot.sentences[other].text for other in (row - 1, row + 1)
             if 0 <= other < len(snapshot.sentences) and snapshot.sentences[other].doc_id == doc_id]
    return "".join(parts)
