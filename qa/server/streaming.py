"""Server-sent events: the framing, and the answer cut into pieces for a client to show as they come."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator

from flask import Response

# A piece ends after a run of punctuation (and the citation markers right behind it), so a
# client never receives half of a "[12]" marker and every piece reads as a clause; "2.93" stays whole.
_PIECE = re.compile(r".+?(?:(?:[，。！？；：、!?;]|[,.:](?!\d))+(?:\[\d+\])*|\n+|\[\d+\]|\Z)", re.S)


def pieces(text: str) -> list[str]:
    """``text`` in clause-sized pieces that join back to exactly ``text``."""
    return _PIECE.findall(text)


def frame(data: object, event: str | None = None) -> str:
    """One event; ``data`` is JSON-encoded unless it is already a string (OpenAI's ``[DONE]``)."""
    payload = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False)
    return (f"event: {event}\n" if event else "") + f"data: {payload}\n\n"


def answer_events(answer: dict) -> Iterator[str]:
    """``passages``, ``answer`` deltas, ``citations``, then ``done`` with the whole answer object."""
    yield frame({"passages": answer["passages"]}, "passages")
    for piece in pieces(answer["answer"]):
        yield frame({"delta": piece}, "answer")
    yield frame({"citations": answer["citations"]}, "citations")
    yield frame(answer, "done")


def event_stream(events: Iterable[str]) -> Response:
    response = Response(events, mimetype="text/event-stream")
    response.headers["Cache-Control"] = "no-cache"
    response.headers["X-Accel-Buffering"] = "no"  # a reverse proxy in front must not hold the events back
    return response
