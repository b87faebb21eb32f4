"""Server-sent events: the framing, and the answer cut into pieces for a client to show as they come."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator

from flask import Response

from qa.answer.result import Answer
from qa.text.lexicon import CLAUSE_MARKS, COLONS, SENTENCE_TERMINATORS, char_class

# A piece ends after a run of punctuation (and the citation markers right behind it), so a
# client never receives half of a "[12]" marker and every piece reads as a clause; a half-width
# comma, colon or full stop only before a non-digit, so that "2.93" and "3,724" stay whole.
_FULL_WIDTH_MARKS = "".join(mark for mark in SENTENCE_TERMINATORS + COLONS + CLAUSE_MARKS if mark not in ",.:")
_PIECE = re.compile(rf".+?(?:(?:{char_class(_FULL_WIDTH_MARKS)}|[,.:](?!\d))+(?:\[\d+\])*|\n+|\[\d+\]|\Z)", re.S)


def pieces(text: str) -> list[str]:
    """``text`` in clause-sized pieces that join back to exactly ``text``."""
    return _PIECE.findall(text)


def frame(data: object, event: str | None = None) -> str:
    """One event; ``data`` is JSON-encoded unless it is already a string (OpenAI's ``[DONE]``)."""
    payload = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False)
    return (f"event: {event}\n" if event else "") + f"data: {payload}\n\n"


def answer_events(answer: Answer) -> Iterator[str]:
    """``passages``, ``answer`` deltas, ``citations``, then ``done`` with the whole answer object."""
    whole = answer.to_dict()
    yield frame({"passages": whole["passages"]}, "passages")
    for piece in pieces(answer.answer):
        yield frame({"delta": piece}, "answer")
    yield frame({"citations": whole["citations"]}, "citations")
    yield frame(whole, "done")


def event_stream(events: Iterable[str]) -> Response:
    response = Response(events, mimetype="text/event-stream")
    response.headers["Cache-Control"] = "no-cache"
    response.headers["X-Accel-Buffering"] = "no"  # a reverse proxy in front must not hold the events back
    return response
