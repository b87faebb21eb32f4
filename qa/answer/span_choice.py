"""Which candidate of the chosen unit is the short answer: a learned choice among its typed candidates.

A unit often holds several candidates of the asked type (two people, a date and a period, a country and
its city). Each is described by plain numbers: how much of the question's slot words stand beside it
(qa.answer.question, ``slot``), how near the question's keywords come to it and on which side, where it
stands, what jieba tagged it, whether the question already half says it. ``bench/train_spans.py`` fits
the model that scores them (``trained/spans.json``; it reads no query vector, so both query encoders share
it) on the gold sentences of CMRC train; the README section "Answer spans" says how it was chosen and
measured. Without a candidate, what stands in the slot is the span (spans.slot_span).
"""

from __future__ import annotations

import functools
import json
import re
from importlib import resources
from pathlib import Path

import numpy as np

from qa.answer.models import LinearModel, TreeEnsemble, stored_model
from qa.answer.question import ANSWER_TYPES, Question
from qa.answer.spans import CLAUSE_BREAK, slot_sides, slot_span, typed_candidates, unsaid
from qa.text.bigrams import char_bigrams
from qa.text.lexicon import COPULAS, QUOTE_PAIRS, TOTAL_WORDS, alternation
from qa.text.normalize import normalize
from qa.text.tagging import Tagged, tagging_form

SPAN_FILE = "spans.json"
# How far (characters) a keyword counts as near a candidate, and the cap on a measured gap.
NEAR = 8
FAR = 30

SPAN_FEATURES = (
    "slot_before", "slot_after", "slot_share", "has_before", "has_after",
    "keyword_gap", "keyword_left_gap", "keyword_right_gap", "keywords_near", "keywords_clause",
    "position", "order", "candidates", "chars", "question_overlap", "repeats",
    "keyword_chars_near", "copula_before", "of_before", "of_after", "enclosed", "clause_start", "role_before",
    "latin",
    "tag_person", "tag_place", "tag_organisation", "tag_proper", "tag_number",
    *(f"type_{name}" for name in ANSWER_TYPES),
)

_LATIN = re.compile(r"[a-z]")
_CLOSER_OF = {pair[0]: pair[1] for pair in QUOTE_PAIRS}


def span_candidates(tagged: Tagged, question: Question) -> list[tuple[int, int]]:
    """The unit's typed candidates that the question does not already say, each range once."""
    asked = normalize(question.text)
    kept: list[tuple[int, int]] = []
    for start, end in dict.fromkeys(typed_candidates(tagged, question)):
        if unsaid(tagged.text[start:end], asked):
            kept.append((start, end))
    return kept


def span_features(tagged: Tagged, question: Question, spans: list[tuple[int, int]]) -> np.ndarray:
    """One row of SPAN_FEATURES per candidate range in ``spans``."""
    form = tagged.form
    asked = normalize(question.text)
    asked_bigrams = set(char_bigrams(asked))
    anchors = [match.span() for keyword in question.keywords for match in re.finditer(re.escape(keyword), form)]
    clause_breaks = [0, *(match.end() for match in CLAUSE_BREAK.finditer(form)), len(form) + 1]
    before, after = question.slot
    rows = []
    for number, (start, end) in enumerate(spans):
        text = form[start:end]
        left, right = slot_sides(form, start, end, question)
        left_gaps = [start - anchor_end for anchor_start, anchor_end in anchors if anchor_end <= start]
        right_gaps = [anchor_start - end for anchor_start, anchor_end in anchors if anchor_start >= end]
        gap = min([*left_gaps, *right_gaps, FAR] if not any(s < end and e > start for s, e in anchors) else [0])
        clause_start = max(position for position in clause_breaks if position <= start)
        clause_end = min(position for position in clause_breaks if position > start)
        near = {keyword for keyword in question.keywords if keyword in form[max(0, start - NEAR):end + NEAR]}
        in_clause = {keyword for keyword in question.keywords if keyword in form[clause_start:clause_end]}
        bigrams = list(char_bigrams(text)) or [text]
        flags = {flag for word, flag, offset in tagged.words if offset < end and offset + len(word) > start}
        rows.append([
            left / len(before) if before else 0.0,
            right / len(after) if after else 0.0,
            (left + right) / max(1, len(before) + len(after)),
            float(bool(before)), float(bool(after)),
            min(gap, FAR), min(left_gaps, default=FAR), min(right_gaps, default=FAR),
            len(near) / max(1, len(question.keywords)), len(in_clause) / max(1, len(question.keywords)),
            start / max(1, len(form)), number / max(1, len(spans) - 1), float(len(spans)), float(end - start),
            sum(bigram in asked_bigrams for bigram in bigrams) / len(bigrams), float(form.count(text)),
            sum(map(len, near)) / max(1, sum(map(len, question.keywords))),
            float(form[max(0, start - 2):start].endswith(COPULAS)),
            float(form[start - 1:start] == "的"), float(form[end:end + 1] == "的"),
            float(_enclosed(form, start, end)), float(start - clause_start <= 1),
            float(bool(question.role) and question.role in form[max(0, start - 6):start]),
            float(bool(_LATIN.search(text))),
            float(any(flag.startswith("nr") for flag in flags)), float("ns" in flags), float("nt" in flags),
            float("nz" in flags), float("m" in flags),
            *(float(question.answer_type == name) for name in ANSWER_TYPES),
        ])
    return np.asarray(rows, np.float64).reshape(len(spans), len(SPAN_FEATURES))


def _enclosed(form: str, start: int, end: int) -> bool:
    """Whether the candidate stands inside a quote pair or brackets, or is a title with its marks: “辽宁舰”,
    《SOUL EATER》."""
    outside, inside = _CLOSER_OF.get(form[start - 1:start]), _CLOSER_OF.get(form[start:start + 1])
    return (outside is not None and form[end:end + 1] == outside) or (
        inside is not None and end - start > 2 and form[end - 1:end] == inside)


SpanModel = LinearModel | TreeEnsemble


def load(path: Path) -> SpanModel:
    """The span model in ``path`` (as bench/train_spans.py writes it)."""
    return _from_stored(Path(path).read_text(encoding="utf-8"))


@functools.cache
def bundled() -> SpanModel:
    """The span model shipped in ``qa/answer/trained/``, read once per process."""
    return _from_stored(resources.files("qa.answer").joinpath("trained", SPAN_FILE).read_text(encoding="utf-8"))


def _from_stored(text: str) -> SpanModel:
    return stored_model(json.loads(text)["model"], SPAN_FEATURES)


def best_span(tagged: Tagged, question: Question, model: SpanModel | None = None) -> str | None:
    """The candidate the span model scores highest; without one, what stands in the question's slot."""
    spans = span_candidates(tagged, question)
    if not spans:
        return slot_span(tagged, question)
    if len(spans) > 1:
        scores = (model or bundled()).decision(span_features(tagged, question, spans))
        spans = [spans[int(np.argmax(scores))]]
    start, end = spans[0]
    return asked_part(tagged.text[start:end].strip(), question)


_TOTAL = re.compile(rf"^{alternation(TOTAL_WORDS)}(?=\S)")


def asked_part(span: str, question: Question) -> str:
    """The part of a candidate the question asks for: a date up to the calendar part asked (哪一年 of
    1945年11月29日 is 1945年, 几世纪 of 6世纪中 is 6世纪), a quantity without the word that says it is a
    total (共150名 is 150名; 近 and 超过 stay: they are part of what is known)."""
    if question.answer_type == "number":
        return _TOTAL.sub("", span)
    if question.answer_type == "date" and question.units:
        form = tagging_form(span)
        first = next((at for at, char in enumerate(form) if char in question.units), None)
        if first is not None:
            last = first
            while last + 1 < len(form) and form[last + 1] in question.units:
                last += 1
            return span[: last + 1]
    return span
