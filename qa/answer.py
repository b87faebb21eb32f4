"""From retrieved passages to a cited, extractive answer (or a reasoned abstention).

Every sentence of the top passages is rescored on its own: dense similarity to the question
(relative to the best, since the bundled model's cosines sit in a narrow band), how much of
the question's keywords it and its neighbours cover, whether it holds something of the
expected answer type, and the rank of its passage. The answer is the best sentence(s), quoted
verbatim with ``[n]`` markers; the short span is cut from the first one.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from qa.index import Hit, Snapshot
from qa.question import Question
from qa.spans import best_span, candidates
from qa.textnorm import compact

NO_ANSWER = "资料中没有找到相关答案。"
CANDIDATE_PASSAGES = 8
MAX_LIST_ITEMS = 5

# Weights of the sentence score; see bench/README for how they were chosen on the dev set.
W_DENSE = 4.0
W_COVERAGE = 1.0
W_TYPE = 0.5
W_PASSAGE = 0.3
# Abstain when the best sentence covers less than this share of the question's keywords
# (English questions are judged on dense similarity instead).
MIN_COVERAGE = 0.5
MIN_ENGLISH_DENSE = 0.77


@dataclass(frozen=True)
class ScoredSentence:
    row: int  # row in Snapshot.sentences
    score: float
    dense: float
    coverage: float
    typed: bool
    passage_rank: int


def keyword_weight(keyword: str) -> float:
    """Longer words are more specific; single characters barely count."""
    return min(len(keyword), 4) / 4 if len(keyword) > 1 or keyword.isdigit() else 0.1


def coverage(keywords: tuple[str, ...], text: str, context: str) -> float:
    """Weighted share of ``keywords`` found in ``text`` (full credit) or ``context`` (half)."""
    total = sum(keyword_weight(keyword) for keyword in keywords)
    if not total:
        return 0.0
    found = 0.0
    for keyword in keywords:
        if keyword in text:
            found += keyword_weight(keyword)
        elif keyword in context:
            found += keyword_weight(keyword) / 2
    return found / total


def score_sentences(question: Question, hits: list[Hit], snapshot: Snapshot, query_vector: np.ndarray,
                    extra_keywords: tuple[str, ...] = ()) -> list[ScoredSentence]:
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
    keywords = question.keywords + tuple(word for word in extra_keywords if word not in question.keywords)
    scored: list[ScoredSentence] = []
    for row, similarity in zip(ordered, dense, strict=True):
        sentence = snapshot.sentences[row]
        text = compact(sentence.text)
        context = compact(_neighbours(snapshot, row) + snapshot.documents[sentence.doc_id].title)
        covered = coverage(keywords, text, context)
        typed = bool(candidates(sentence.text, question.answer_type)) if question.wants_span else False
        rank = rows[row]
        score = (W_DENSE * (float(similarity) - best_dense) + W_COVERAGE * covered + W_TYPE * typed
                 + W_PASSAGE / (1 + rank))
        scored.append(ScoredSentence(row, score, float(similarity), covered, typed, rank))
    scored.sort(key=lambda item: -item.score)
    return scored


def _neighbours(snapshot: Snapshot, row: int) -> str:
    """The sentences just before and after, within the same article."""
    doc_id = snapshot.sentences[row].doc_id
    parts = [snapshot.sentences[other].text for other in (row - 1, row + 1)
             if 0 <= other < len(snapshot.sentences) and snapshot.sentences[other].doc_id == doc_id]
    return "".join(parts)


def confidence(question: Question, best: ScoredSentence) -> float:
    """A 0..1 belief that the best sentence answers the question."""
    if question.english:
        return float(np.clip((best.dense - 0.75) / 0.15, 0.0, 1.0))
    typed = 1.0 if best.typed or not question.wants_span else 0.6
    return float(np.clip(best.coverage, 0.0, 1.0) * typed)


def is_answerable(question: Question, best: ScoredSentence) -> bool:
    if question.english:
        return best.dense >= MIN_ENGLISH_DENSE
    return best.coverage >= MIN_COVERAGE and (best.typed or not question.wants_span)


def choose(question: Question, scored: list[ScoredSentence], snapshot: Snapshot) -> list[ScoredSentence]:
    """The sentence(s) to quote: one, or for list questions every close runner-up, without repeats."""
    best = scored[0]
    chosen = [best]
    if question.answer_type != "list":
        return chosen
    seen = {compact(snapshot.sentences[best.row].text)}
    for item in scored[1:]:
        if len(chosen) >= MAX_LIST_ITEMS or item.score < best.score - 0.25:
            break
        text = compact(snapshot.sentences[item.row].text)
        if any(text in other or other in text for other in seen):
            continue
        seen.add(text)
        chosen.append(item)
    return chosen


def span_for(question: Question, snapshot: Snapshot, item: ScoredSentence) -> str | None:
    if not question.wants_span:
        return None
    return best_span(snapshot.sentences[item.row].text, question.answer_type, question.text, question.keywords)
