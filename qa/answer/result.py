"""The answer object, typed: what every front end reads and what the REST contract serialises.

``to_dict`` is the one serialisation; the OpenAPI schema is derived from these classes, and a
field's ``metadata`` carries what the schema says about it beyond its type.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

NO_ANSWER = "资料中没有找到相关答案。"
# Confidence is calibrated (the share of such answers that are right): under one half an answer is more
# likely wrong than right, and every front end says so beside it.
UNCERTAIN_BELOW = 0.5
UNCERTAIN_NOTE = "把握不大（可信度 {percent}%），请对照原文核实。"


class Serialisable:
    """A dataclass whose JSON form is its fields, in order, nested records as objects."""

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)  # type: ignore[call-overload]


@dataclass(frozen=True)
class Passage(Serialisable):
    doc_id: str
    title: str
    source: str
    text: str
    score: float
    start: int = field(metadata={"description": "offset of the passage in the source file's text"})
    end: int


@dataclass(frozen=True)
class Citation(Serialisable):
    n: int = field(metadata={"description": "the [n] marker in the answer text"})
    doc_id: str
    title: str
    date: str | None
    source: str
    paragraph: int
    quote: str = field(metadata={"description": "the quoted sentences, verbatim: source_text[start:end]"})
    start: int
    end: int


@dataclass(frozen=True)
class Answer(Serialisable):
    question: str
    answer: str = field(metadata={"description": "quoted sentences, each followed by its [n] marker"})
    answerable: bool
    confidence: float = field(metadata={"minimum": 0, "maximum": 1})
    uncertain: bool = field(init=False, metadata={"description": "answered at a confidence under 0.5, so more "
                                                                 "likely wrong than right: front ends say so"})
    span: str | None = field(metadata={"description": "the short answer inside the quote, where found"})
    citations: list[Citation]
    passages: list[Passage]

    def __post_init__(self) -> None:
        object.__setattr__(self, "uncertain", self.answerable and self.confidence < UNCERTAIN_BELOW)

    def uncertainty_note(self) -> str | None:
        """What a front end says beside an uncertain answer (None for a sure one or an abstention)."""
        # Rounded half up, as the chat page rounds it.
        return UNCERTAIN_NOTE.format(percent=int(self.confidence * 100 + 0.5)) if self.uncertain else None
