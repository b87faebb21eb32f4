"""Candidate answer units of the top passages, each described by the features the ranker reads.

A unit is a clause (one sentence row: the text splits at ；, and at a list trailed off with …… inside a
paragraph) or, where a 。-sentence was split into clauses, that whole sentence as well: the ranker chooses
which of the two to quote. Features describe the question, the unit, its neighbours, its paragraph and its
article; every one is a plain number, so the same code feeds training (bench/train_answer.py) and serving.
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
from qa.answer.question import ANSWER_TYPES, Question, says_role
from qa.answer.quoting import continues, same_paragraph, sentence_start
from qa.answer.spans import fitting, mentions
from qa.index.records import Hit
from qa.index.snapshot import Snapshot
from qa.text.bigrams import char_bigrams
from qa.text.lexicon import AVERAGES, ENUMERATION_COMMA, SAME_DAY, SUPERLATIVES
from qa.text.normalize import match_form, opening
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
    "typed", "typed_new", "typed_count", "type_unmet", "unmet_in_report", "typed_coverage", "slot_fit", "slot_unit",
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
    """Every clause of the top passages, every whole sentence that was split into clauses, and a sentence that
    points at the day the one before it named (当日是全国消防日) together with that one, which holds the date."""
    ranks: dict[int, int] = {}
    for rank, hit in enumerate(hits[:CANDIDATE_PASSAGES]):
        for row in snapshot.chunk_sentences(hit.chunk):
            ranks.setdefault(row, rank)
    units = [Unit(row, row, rank) for row, rank in ranks.items()]
    for row, rank in ranks.items():
        if continues(snapshot, row - 1, row):
            continue  # not the first clause of its sentence
        last = row
        while continues(snapshot, last, last + 1):
            last += 1
        if last > row:
            units.append(Unit(row, last, rank))
        if _same_day(snapshot, row):
            units.append(Unit(sentence_start(snapshot, row - 1), last, rank))
    return units


def _same_day(snapshot: Snapshot, row: int) -> bool:
    """Whether sentence ``row`` opens on a word for the day the sentence right before it, in its paragraph, named."""
    return opening(snapshot.sentences[row].text).startswith(SAME_DAY) and same_paragraph(snapshot, row - 1, row)


def unit_text(snapshot: Snapshot, unit: Unit) -> str:
    return "".join(snapshot.sentences[row].text for row in range(unit.first, unit.last + 1))


def unit_tagged(snapshot: Snapshot, unit: Unit) -> Tagged:
    return functools.reduce(operator.add, (snapshot.sentences[row].tagged for row in range(unit.first, unit.last + 1)))


def describe(question: Question, hits: list[Hit], snapshot: Snapshot, query_vector: np.ndarray,
             extra_terms: tuple[str, ...] = (), subject_terms: tuple[str, ...] = ()) -> Candidates:
    """The candidate units of ``hits`` and their features: what needs the text is read unit by unit, and
    what weighs the question's terms is worked out for all units at once, as arrays of unit by term.
    ``extra_terms`` are matched as the question's own; ``subject_terms`` (a follow-up's, from the turns
    before) name the conversation's subject, which a unit says where its article does."""
    units = candidate_units(hits, snapshot)
    if not units:
        return Candidates([], np.empty((0, len(FEATURES)), np.float32))
    rows = sorted({row for unit in units for row in range(unit.first, unit.last + 1)})
    column = {row: number for number, row in enumerate(rows)}  # a unit's rows are adjacent columns
    # Each unit's columns, one after the other, and where each unit's begin: for maxima over a unit's rows.
    unit_columns = np.concatenate([np.arange(column[unit.first], column[unit.last] + 1) for unit in units])
    unit_starts = np.cumsum([0] + [unit.last - unit.first + 1 for unit in units[:-1]])
    row_dense = (snapshot.sentence_vectors[rows] @ query_vector).astype(np.float64)
    terms = question.terms + tuple(dict.fromkeys(term for term in extra_terms + subject_terms
                                                 if term not in question.terms))
    weights = np.array([snapshot.term_weight(term) for term in terms], np.float64)
    asked = match_form(question.text)
    constraints = mentions(question.text)
    keywords = tuple(dict.fromkeys(form for form in map(match_form, question.keywords) if form))
    singles_out = any(word in asked for word in SUPERLATIVES)
    # A mean and an extreme are both figures: the rule is one of quantities (最终 and 首次 ask no extreme).
    extreme_asked = question.answer_type == "number" and singles_out and not any(word in asked for word in AVERAGES)
    top_weight = float(weights.max(initial=0.0)) or 1.0
    doc_ids = [snapshot.sentences[unit.first].doc_id for unit in units]
    articles = [_article(snapshot, doc_id) for doc_id in doc_ids]
    # What depends only on the article, worked out once for all of its units.
    by_article = {doc_id: article for doc_id, article in zip(doc_ids, articles, strict=True)}
    title_holds = {doc_id: [term in article.title for term in terms] for doc_id, article in by_article.items()}
    article_holds = {doc_id: [term in article.text for term in terms] for doc_id, article in by_article.items()}
    article_met = {doc_id: (_met(constraints, article.title), _met(constraints, article.text),
                            _fraction([_said(constraint, article.text) == 0 for constraint in constraints], 0.0))
                   for doc_id, article in by_article.items()}
    texts = [article.unit_text(unit.first, unit.last) for unit, article in zip(units, articles, strict=True)]
    contexts = [article.row_text(unit.first - 1) + article.row_text(unit.last + 1)
                for unit, article in zip(units, articles, strict=True)]
    mean_chars = sum(map(len, texts)) / len(texts)
    typed = {row: fitting(snapshot.sentences[row].tagged, question) for row in rows} if question.candidate_type else {}
    slot_terms = tuple(dict.fromkeys(pair for part in question.slot for pair in char_bigrams(match_form(part))))
    # Unit by term: how often the unit says it, whether its neighbours or its headline do.
    counts = np.array([[text.count(term) for term in terms] for text in texts], np.float64).reshape(len(units), -1)
    in_article = np.array([article_holds[doc_id] for doc_id in doc_ids], bool).reshape(counts.shape)
    # The answer to a follow-up refers to the conversation's subject (他们, 该厂) or leaves it unsaid: the
    # article names it, often sentences away, so a term of the earlier turns is said where the article says it.
    said = counts > 0
    from_subject = np.zeros(len(terms), bool)
    if subject_terms:
        own = set(question.terms + extra_terms)
        from_subject = np.array([term in subject_terms and term not in own for term in terms], bool)
        said |= in_article & from_subject
    typed_coverage = _typed_coverage(typed, terms, weights, from_subject, snapshot)
    in_context = np.array([[term in context for term in terms] for context in contexts], bool).reshape(said.shape)
    in_title = np.array([title_holds[doc_id] for doc_id in doc_ids], bool).reshape(said.shape)
    # How close the unit comes to saying each term: 1 where it does, else its nearest word's likeness.
    likeness = _likeness(terms, rows, snapshot)[:, unit_columns]
    alike = np.where(said, 1.0, np.maximum.reduceat(likeness, unit_starts, axis=1).T if terms else 0.0)
    # The sentence that names an article's subject says the headline's terms; the one that answers says
    # the rest (它用以区别…), and it often names the subject by a pronoun only.
    off_title = np.where(in_title, 0.0, weights)
    topical_support = coverages(weights, said, in_title, in_context)
    matrix = np.empty((len(units), len(FEATURES)), np.float32)
    matrix[:, _columns("dense", "inverse_rank")] = np.column_stack([
        np.maximum.reduceat(row_dense[unit_columns], unit_starts),
        np.maximum.reduceat(row_dense[unit_columns], unit_starts) - row_dense.max(),
        [unit.passage_rank for unit in units], [1 / (1 + unit.passage_rank) for unit in units]])
    matrix[:, _columns("topical", "bigram_share")] = np.column_stack([
        *topical_support, _weighed(said, weights), _weighed(in_context, weights),
        _weighed(in_article, weights),
        _bm25(counts, weights, np.array([len(text) for text in texts], np.float64), mean_chars),
        _weighed(said[:, :len(question.terms)], np.ones(len(question.terms)))])
    matrix[:, _columns("missing_weight", "untitled_soft")] = np.column_stack([
        np.max(np.where(said, 0.0, weights), axis=1, initial=0.0) / top_weight,
        _weighed(alike, weights), np.max((1.0 - alike) * weights, axis=1, initial=0.0) / top_weight,
        # A headline that says every term leaves the unit nothing to say: as complete as can be.
        _weighed(said, off_title, empty=1.0), _weighed(alike, off_title, empty=1.0)])
    question_part = [float(question.english), float(question.must_hold),
                     *(float(question.answer_type == name) for name in ANSWER_TYPES)]
    # What depends only on the paragraph, worked out once for all of its units.
    by_paragraph: dict[tuple[str, int], float] = {}
    for index, (unit, text, context, article) in enumerate(zip(units, texts, contexts, articles, strict=True)):
        sentence = snapshot.sentences[unit.first]
        place = (sentence.doc_id, sentence.paragraph)
        if place not in by_paragraph:
            by_paragraph[place] = _met(constraints, article.paragraph(sentence.paragraph))
        unit_typed = [typed[row] for row in range(unit.first, unit.last + 1)] if typed else [(0, False, 0.0)]
        typed_new = any(new for _, new, _ in unit_typed)
        type_unmet = bool(question.candidate_type) and not typed_new
        says_superlative = any(word in text for word in SUPERLATIVES)
        matrix[index, _columns("common_share", "keywords_missing")] = [
            longest_common(asked, text) / max(1, len(asked)),
            _fraction([word in text for word in keywords]),
            _fraction([word not in text and word not in context and word not in article.title for word in keywords],
                      0.0)]
        matrix[index, _columns("typed", FEATURES[-1])] = [
            float(any(count for count, _, _ in unit_typed)), float(typed_new),
            min(5, sum(count for count, _, _ in unit_typed)),
            float(type_unmet), float(type_unmet and article.news_report),
            max((typed_coverage.get(row, 0.0) for row in range(unit.first, unit.last + 1)), default=0.0),
            max(slot for _, _, slot in unit_typed),
            _fraction([term in text for term in slot_terms], 0.0),
            _met(constraints, text), by_paragraph[place], *article_met[sentence.doc_id],
            min(4, len(constraints)), float(singles_out and not says_superlative),
            float(_role_unsaid(question, text, typed_new)),
            float(extreme_asked and not says_superlative and any(word in text for word in AVERAGES)),
            article.position(unit.first), float(unit.first == article.first_row), math.log1p(len(text)),
            unit.last - unit.first + 1, float(unit.last > unit.first), min(5, text.count(ENUMERATION_COMMA)),
            *question_part,
        ]
    return Candidates(units, matrix)


def _columns(first: str, last: str) -> slice:
    """The matrix columns of FEATURES ``first`` to ``last``: a block written at once is named, not counted, so
    that a feature added to FEATURES cannot shift what the block fills (numpy refuses a block of another width)."""
    return slice(FEATURES.index(first), FEATURES.index(last) + 1)


def _typed_coverage(typed: dict[int, tuple[int, bool, float]], terms: tuple[str, ...], weights: np.ndarray,
                    from_subject: np.ndarray, snapshot: Snapshot) -> dict[int, float]:
    """Per row that holds a candidate of the asked type saying what the question does not: the weighted share of
    the question's terms that row itself says. A whole sentence may say the question's subject in one clause and
    hold a fitting figure in another, about something else (光明康复行动 in one, another programme's 5000万元 in a
    later one). A term of the conversation's subject counts where the article says it, as for the unit."""
    rows = [row for row, (_, new, _) in typed.items() if new]
    if not rows:
        return {}
    articles = [_article(snapshot, snapshot.sentences[row].doc_id) for row in rows]
    said = np.array([[term in article.row_text(row) or (subject and term in article.text)
                      for term, subject in zip(terms, from_subject, strict=True)]
                     for row, article in zip(rows, articles, strict=True)], bool).reshape(len(rows), len(terms))
    return dict(zip(rows, _weighed(said, weights).tolist(), strict=True))


def _role_unsaid(question: Question, text: str, typed_new: bool) -> bool:
    """Whether a unit leaves unsaid the office (or the place in a contest) the question asks the holder of:
    it does not say the title, or, asked who holds an office, names nobody beside it. News names an office's
    holder with the title (主席胡焯); a sentence that gives the office alone (市政府副秘书长为召集人) does not
    say who holds it."""
    if question.role is None:
        return False
    return not says_role(text, question.role) or (question.asks_office and not typed_new)


def coverages(weights: np.ndarray, said: np.ndarray, in_title: np.ndarray,
               in_context: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """IDF-weighted shares of the terms each unit covers: (topical, support).

    Every sentence of an article is about its headline's subject, named there or not, so for
    ranking (topical) a term in the title counts as in the sentence. To claim an answer
    (support) the sentence must say it itself: title and neighbouring sentences count half.
    """
    by_title = ~said & in_title
    by_context = ~said & ~in_title & in_context
    topical = (said | by_title) + 0.5 * by_context
    support = said + 0.5 * (by_title | by_context)
    return _weighed(topical, weights), _weighed(support, weights)


def _weighed(found: np.ndarray, weights: np.ndarray, empty: float = 0.0) -> np.ndarray:
    """Per row of ``found`` (unit by term: whether the unit holds the term, or how far, 0..1), the weighted
    share of the terms it holds; ``empty`` where there is nothing to weigh."""
    total = weights.sum(axis=-1)
    if not found.shape[-1]:
        return np.full(len(found), empty)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, (found * weights).sum(axis=-1) / total, empty)


def _bm25(counts: np.ndarray, weights: np.ndarray, lengths: np.ndarray, mean_chars: float) -> np.ndarray:
    """BM25 of each unit, which holds the question's match terms ``counts`` times, over the IDF total (so
    0..~2.2 for any question)."""
    total = weights.sum()
    if not total:
        return np.zeros(len(counts))
    norm = BM25_K1 * (1 - BM25_B + BM25_B * lengths / max(1.0, mean_chars))
    return (weights * counts * (BM25_K1 + 1) / (counts + norm[:, None])).sum(axis=1) / total


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


def longest_common(short: str, long: str) -> int:
    """Length of the longest substring of ``short`` that occurs in ``long``."""
    best = 0
    for start in range(len(short)):
        end = start + best + 1
        while end <= len(short) and short[start:end] in long:
            best = end - start
            end += 1
    return best


def article_text(snapshot: Snapshot, doc_id: str) -> str:
    """The article's headline and text in match form (simplified script, folded case)."""
    return _article(snapshot, doc_id).text


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
        info = snapshot.documents[doc_id]
        self.title = match_form(info.title)
        # A signed or datelined report names its people, places and bodies in Chinese, which the tagger reads;
        # an encyclopaedia's transliterated and Latin names slip past it (README, "Stop 55").
        self.news_report = bool(info.byline or info.dateline or info.reporters)
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

