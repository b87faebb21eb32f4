"""Candidate answer units of the top passages, each described by the features the ranker reads.

A unit is a clause (one sentence row: the text splits at ；) or, where a 。-sentence was split into
clauses, that whole sentence as well: the ranker chooses which of the two to quote. Features describe
the question, the unit, its neighbours, its paragraph and its article; every one is a plain number, so
the same code feeds training (bench/train_answer.py) and serving.
"""

from __future__ import annotations

import functools
import math
import operator
from contextlib import AbstractContextManager
from dataclasses import dataclass

import numpy as np
from threadpoolctl import ThreadpoolController

from embeddings.static import word_vectors
from qa.answer.question import ANSWER_TYPES, Question
from qa.answer.spans import fitting, mentions
from qa.index.records import Hit
from qa.index.snapshot import Snapshot
from qa.text.bigrams import char_bigrams
from qa.text.lexicon import AVERAGES, CLOSERS, ENUMERATION_COMMA, SEMICOLONS, SUPERLATIVES
from qa.text.normalize import match_form
from qa.text.tagging import Tagged

# Passages whose sentences are candidates.
CANDIDATE_PASSAGES = 8
# BM25's saturation and length normalisation, the usual defaults.
BM25_K1 = 1.2
BM25_B = 0.75

FEATURES = (
    "dense", "dense_gap", "passage_rank", "inverse_rank",
    "topical", "support", "unit_coverage", "context_coverage", "article_coverage",
    "bm25", "bigram_share", "common_share",
    "keywords_unit", "keywords_missing", "missing_weight", "soft_coverage", "soft_missing",
    "untitled_coverage", "untitled_soft",
    "typed", "typed_new", "typed_count", "type_unmet", "slot_fit", "slot_unit",
    "constraints_unit", "constraints_paragraph", "constraints_title", "constraints_article",
    "constraints_missing", "constraints_asked", "superlative_unsaid", "role_unsaid", "average_for_extreme",
    "position", "first_in_article", "unit_chars", "clauses", "whole_sentence", "enumeration",
    "english", "must_hold", *(f"type_{name}" for name in ANSWER_TYPES),
)


@dataclass(frozen=True)
class Unit:
    first: int  # rows in Snapshot.sentences, inclusive
    last: int
    passage_rank: int


@dataclass(frozen=True)
class Candidates:
    units: list[Unit]
    matrix: np.ndarray  # one row of FEATURES per unit

    def __len__(self) -> int:
        return len(self.units)


def candidate_units(hits: list[Hit], snapshot: Snapshot) -> list[Unit]:
    """Every clause of the top passages, and every whole sentence that was split into clauses."""
    ranks: dict[int, int] = {}
    for rank, hit in enumerate(hits[:CANDIDATE_PASSAGES]):
        for row in snapshot.chunk_sentences(hit.chunk):
            ranks.setdefault(row, rank)
    units = [Unit(row, row, rank) for row, rank in ranks.items()]
    for row, rank in ranks.items():
        if _continues(snapshot, row - 1, row):
            continue  # not the first clause of its sentence
        last = row
        while _continues(snapshot, last, last + 1):
            last += 1
        if last > row:
            units.append(Unit(row, last, rank))
    return units


def _continues(snapshot: Snapshot, left: int, right: int) -> bool:
    """Whether row ``right`` is the next clause of the sentence that row ``left`` belongs to."""
    if left < 0 or right >= len(snapshot.sentences):
        return False
    first, second = snapshot.sentences[left], snapshot.sentences[right]
    return (first.doc_id == second.doc_id and first.paragraph == second.paragraph
            and first.text.rstrip().rstrip(CLOSERS).endswith(tuple(SEMICOLONS)))


def unit_text(snapshot: Snapshot, unit: Unit) -> str:
    return "".join(snapshot.sentences[row].text for row in range(unit.first, unit.last + 1))


def unit_tagged(snapshot: Snapshot, unit: Unit) -> Tagged:
    return functools.reduce(operator.add, (snapshot.sentences[row].tagged for row in range(unit.first, unit.last + 1)))


def describe(question: Question, hits: list[Hit], snapshot: Snapshot, query_vector: np.ndarray,
             extra_terms: tuple[str, ...] = ()) -> Candidates:
    """The candidate units of ``hits`` and their features."""
    units = candidate_units(hits, snapshot)
    if not units:
        return Candidates([], np.empty((0, len(FEATURES)), np.float32))
    rows = sorted({row for unit in units for row in range(unit.first, unit.last + 1)})
    dense_of = dict(zip(rows, (snapshot.sentence_vectors[rows] @ query_vector).tolist(), strict=True))
    best_dense = max(dense_of.values())
    terms = question.terms + tuple(term for term in extra_terms if term not in question.terms)
    weights = [snapshot.term_weight(term) for term in terms]
    asked = match_form(question.text)
    constraints = mentions(question.text)
    keywords = tuple(dict.fromkeys(match_form(word) for word in question.keywords if match_form(word)))
    singles_out = any(word in asked for word in SUPERLATIVES)
    # A mean and an extreme are both figures: the rule is one of quantities (最终 and 首次 ask no extreme).
    extreme_asked = question.answer_type == "number" and singles_out and not any(word in asked for word in AVERAGES)
    top_weight = max(weights, default=1.0) or 1.0
    texts = [_article(snapshot, snapshot.sentences[unit.first].doc_id).unit_text(unit.first, unit.last)
             for unit in units]
    mean_chars = sum(map(len, texts)) / len(texts)
    typed = {row: fitting(snapshot.sentences[row].tagged, question) for row in rows} if question.wants_span else {}
    slot_terms = tuple(dict.fromkeys(pair for part in question.slot for pair in char_bigrams(match_form(part))))
    likeness = _likeness(terms, rows, snapshot)
    column = {row: number for number, row in enumerate(rows)}  # a unit's rows are adjacent columns
    # What depends only on the article or the paragraph, worked out once for all of its units.
    by_article: dict[str, list[float]] = {}
    # Per article: the weights of the terms its headline does not say. The sentence that names an article's
    # subject says the headline's terms; the one that answers says the rest (它用以区别…), and it often
    # names the subject by a pronoun only.
    untitled: dict[str, list[float]] = {}
    by_paragraph: dict[tuple[str, int], float] = {}
    question_part = [float(question.english), float(question.must_hold),
                     *(float(question.answer_type == name) for name in ANSWER_TYPES)]
    matrix = np.empty((len(units), len(FEATURES)), np.float32)
    for index, (unit, text) in enumerate(zip(units, texts, strict=True)):
        sentence = snapshot.sentences[unit.first]
        article = _article(snapshot, sentence.doc_id)
        if sentence.doc_id not in by_article:
            by_article[sentence.doc_id] = [
                _share(terms, weights, article.text), _met(constraints, article.title),
                _met(constraints, article.text), _fraction([_said(c, article.text) == 0 for c in constraints], 0.0)]
            untitled[sentence.doc_id] = [0.0 if term in article.title else weight
                                         for term, weight in zip(terms, weights, strict=True)]
        title_met, article_met, article_missing = by_article[sentence.doc_id][1:]
        off_title = untitled[sentence.doc_id]
        place = (sentence.doc_id, sentence.paragraph)
        if place not in by_paragraph:
            by_paragraph[place] = _met(constraints, article.paragraph(sentence.paragraph))
        context = article.row_text(unit.first - 1) + article.row_text(unit.last + 1)
        title = article.title
        dense = max(dense_of[row] for row in range(unit.first, unit.last + 1))
        topical, support = coverage(terms, weights, text, context, title)
        unit_typed = [typed[row] for row in range(unit.first, unit.last + 1)] if typed else [(0, False, 0.0)]
        # Each term's count in the unit, read once for the shares, BM25 and what is missing.
        counts = [text.count(term) for term in terms]
        missing = [weight for count, weight in zip(counts, weights, strict=True) if not count]
        typed_new = any(new for _, new, _ in unit_typed)
        says_superlative = any(word in text for word in SUPERLATIVES)
        # How close the unit comes to saying each term: 1 where it does, else its nearest word's likeness.
        alike = np.where(np.asarray(counts) > 0, 1.0,
                         likeness[:, column[unit.first] : column[unit.last] + 1].max(axis=1))
        matrix[index] = [
            dense, dense - best_dense, unit.passage_rank, 1 / (1 + unit.passage_rank),
            topical, support, _counted_share(counts, weights), _share(terms, weights, context),
            by_article[sentence.doc_id][0],
            bm25(counts, weights, len(text), mean_chars), _counted_share(counts[:len(question.terms)]),
            longest_common(asked, text) / max(1, len(asked)),
            _fraction([word in text for word in keywords]),
            _fraction([word not in text and word not in context and word not in title for word in keywords], 0.0),
            max(missing, default=0.0) / top_weight,
            _soft_share(alike, weights),
            float(np.max((1.0 - alike) * weights, initial=0.0)) / top_weight,
            # A headline that says every term leaves the unit nothing to say: as complete as can be.
            _counted_share(counts, off_title, empty=1.0), _soft_share(alike, off_title, empty=1.0),
            float(any(count for count, _, _ in unit_typed)), float(typed_new),
            min(5, sum(count for count, _, _ in unit_typed)), float(question.wants_span and not typed_new),
            max(slot for _, _, slot in unit_typed),
            _share(slot_terms, None, text),
            _met(constraints, text), by_paragraph[place], title_met, article_met, article_missing,
            min(4, len(constraints)), float(singles_out and not says_superlative),
            float(question.role is not None and question.role not in text),
            float(extreme_asked and not says_superlative and any(word in text for word in AVERAGES)),
            article.position(unit.first), float(unit.first == article.first_row), math.log1p(len(text)),
            unit.last - unit.first + 1, float(unit.last > unit.first), min(5, text.count(ENUMERATION_COMMA)),
            *question_part,
        ]
    return Candidates(units, matrix)


def _likeness(terms: tuple[str, ...], rows: list[int], snapshot: Snapshot) -> np.ndarray:
    """Per term and row of ``rows``: the cosine of the term to the row's nearest word piece (static word
    vectors): paraphrase (出生 in the question, 生于 in the evidence) is near, not equal."""
    likeness = np.zeros((len(terms), len(rows)), np.float32)
    if not terms:
        return likeness
    pieces = [_article(snapshot, snapshot.sentences[row].doc_id).pieces(row) for row in rows]
    sizes = np.array([len(ids) for ids in pieces])
    if not sizes.any():
        return likeness
    words = word_vectors()
    # Each distinct piece once: the top passages repeat their words.
    distinct, where = np.unique(np.concatenate(pieces), return_inverse=True)
    with _one_blas_thread():
        cosines = (np.stack([_term_vector(term) for term in terms]) @ words.vectors[distinct].T)[:, where]
    filled = np.flatnonzero(sizes)
    likeness[:, filled] = np.maximum.reduceat(cosines, np.concatenate([[0], np.cumsum(sizes)[:-1]])[filled], axis=1)
    return likeness


@functools.cache
def _blas() -> ThreadpoolController:
    return ThreadpoolController()


def _one_blas_thread() -> AbstractContextManager[object]:
    """A product this small gains nothing from BLAS threads, and they keep spinning after it, taking the
    cores from the next question's forward pass (asks over CMRC trial: p50 38 ms with them, 21 without)."""
    return _blas().limit(limits=1, user_api="blas")


@functools.lru_cache(maxsize=65536)
def _term_vector(term: str) -> np.ndarray:
    return word_vectors().word(term)


def coverage(terms: tuple[str, ...], weights: list[float], text: str, context: str,
             title: str) -> tuple[float, float]:
    """IDF-weighted shares of ``terms`` the unit ``text`` covers: (topical, support).

    Every sentence of an article is about its headline's subject, named there or not, so for
    ranking (topical) a term in the title counts as in the sentence. To claim an answer
    (support) the sentence must say it itself: title and neighbouring sentences count half.
    """
    total = topical = support = 0.0
    for term, weight in zip(terms, weights, strict=True):
        total += weight
        if term in text:
            topical += weight
            support += weight
        elif term in title:
            topical += weight
            support += weight / 2
        elif term in context:
            topical += weight / 2
            support += weight / 2
    return (topical / total, support / total) if total else (0.0, 0.0)


def _share(terms: tuple[str, ...], weights: list[float] | None, text: str) -> float:
    """The (IDF-weighted, when ``weights`` are given) share of ``terms`` found in ``text``."""
    return _counted_share([term in text for term in terms], weights)


def _counted_share(found: list[int] | list[bool], weights: list[float] | None = None, empty: float = 0.0) -> float:
    """The (IDF-weighted) share of terms whose counts in a text, or whether it holds them, are ``found``;
    ``empty`` where there is nothing to weigh."""
    if not found:
        return empty
    weights = weights or [1.0] * len(found)
    total = sum(weights)
    return sum(weight for count, weight in zip(found, weights, strict=True) if count) / total if total else empty


def _soft_share(alike: np.ndarray, weights: list[float], empty: float = 0.0) -> float:
    """The weighted share of the terms a text says, each counted by how near it comes (``alike``, 0..1);
    ``empty`` where there is nothing to weigh."""
    total = sum(weights)
    return float(np.dot(alike, weights) / total) if total else empty


def _fraction(found: list[bool], empty: float = 1.0) -> float:
    return sum(found) / len(found) if found else empty


def _met(constraints: tuple[str, ...], text: str) -> float:
    """How much of the question's constraints ``text`` says (1 when it asks none)."""
    return sum(_said(constraint, text) for constraint in constraints) / len(constraints) if constraints else 1.0


def _said(constraint: str, text: str) -> float:
    """1 when ``text`` names the constraint; else the share of its bigrams it holds, since news
    shortens names (广西区总工会 for 广西壮族自治区总工会)."""
    if constraint in text:
        return 1.0
    pairs = [constraint[i : i + 2] for i in range(len(constraint) - 1)]
    return sum(pair in text for pair in pairs) / len(pairs) if pairs else 0.0


def bm25(counts: list[int], weights: list[float], length: int, mean_chars: float) -> float:
    """BM25 of a text of ``length`` characters that holds the question's match terms ``counts`` times,
    over the IDF total (so 0..~2.2 for any question)."""
    total = sum(weights)
    if not total:
        return 0.0
    norm = BM25_K1 * (1 - BM25_B + BM25_B * length / max(1.0, mean_chars))
    score = 0.0
    for frequency, weight in zip(counts, weights, strict=True):
        if frequency:
            score += weight * frequency * (BM25_K1 + 1) / (frequency + norm)
    return score / total


def longest_common(short: str, long: str) -> int:
    """Length of the longest substring of ``short`` that occurs in ``long``."""
    best = 0
    for start in range(len(short)):
        end = start + best + 1
        while end <= len(short) and short[start:end] in long:
            best = end - start
            end += 1
    return best


def _article(snapshot: Snapshot, doc_id: str) -> _Article:
    """The article's match-form view, kept on the snapshot: the same articles come back question after question."""
    key = (_Article, doc_id)
    article = snapshot.derived.get(key)
    if article is None:
        article = snapshot.derived.setdefault(key, _Article(snapshot, doc_id))
    return article


class _Article:
    def __init__(self, snapshot: Snapshot, doc_id: str) -> None:
        rows = snapshot.document_rows(doc_id)
        self.first_row, self.rows = rows.start, len(rows)
        self._texts = [match_form(snapshot.sentences[row].text) for row in rows]
        self._paragraphs = [snapshot.sentences[row].paragraph for row in rows]
        self.title = match_form(snapshot.documents[doc_id].title)
        self.text = self.title + "".join(self._texts)
        self._paragraph_text: dict[int, str] = {}
        self._pieces: dict[int, np.ndarray] = {}

    def unit_text(self, first: int, last: int) -> str:
        return "".join(self._texts[first - self.first_row : last - self.first_row + 1])

    def row_text(self, row: int) -> str:
        offset = row - self.first_row
        return self._texts[offset] if 0 <= offset < self.rows else ""

    def paragraph(self, number: int) -> str:
        if number not in self._paragraph_text:
            self._paragraph_text[number] = "".join(
                text for text, paragraph in zip(self._texts, self._paragraphs, strict=True) if paragraph == number)
        return self._paragraph_text[number]

    def pieces(self, row: int) -> np.ndarray:
        """The row's word pieces (static word vectors), read once."""
        if row not in self._pieces:
            self._pieces[row] = word_vectors().pieces(self.row_text(row))
        return self._pieces[row]

    def position(self, row: int) -> float:
        return (row - self.first_row) / max(1, self.rows - 1)

