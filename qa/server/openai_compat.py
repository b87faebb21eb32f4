"""The OpenAI chat-completions protocol under /v1, so that existing chat clients work unchanged.

The answer text carries its citations as numbered footnotes in ``content``; the full citation
objects travel in an extra top-level ``citations`` field (on the last chunk when streaming).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator

from flask import Blueprint, Response, current_app, jsonify

from qa.answer.result import Answer, Citation
from qa.server import payload, streaming
from qa.server.admission import READS, in_lane
from qa.server.context import engine

MODEL_ID = "newsqa"
# Clients send instructions as system or developer messages and may replay tool turns; an
# extractive engine has no use for them, so they are accepted and left out of the history.
OPENAI_ROLES = ("system", "developer", "user", "assistant", "tool")

bp = Blueprint("openai", __name__, url_prefix="/v1")


@bp.get("/models")
def models() -> Response:
    return jsonify({"object": "list", "data": [
        {"id": MODEL_ID, "object": "model", "created": current_app.extensions["started"], "owned_by": "newsqa"},
    ]})


@bp.post("/chat/completions")
@in_lane(READS)
def chat_completions() -> Response:
    body = payload.json_body()
    if "model" in body:
        # Any model name is answered by the one model there is: clients insist on sending one.
        payload.text(body["model"], "model")
    checked = payload.messages(_plain_messages(body.get("messages")), OPENAI_ROLES)
    question, history = payload.conversation(checked)
    stream = payload.flag(body.get("stream"), "stream")
    answer = engine().ask(question, history=history)
    content = with_footnotes(answer)
    completion_id, created = f"chatcmpl-{uuid.uuid4().hex}", int(time.time())
    if stream:
        return streaming.event_stream(_chunks(completion_id, created, content, answer.citations))
    return jsonify({
        "id": completion_id, "object": "chat.completion", "created": created, "model": MODEL_ID,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop",
                     "logprobs": None}],
        "citations": [citation.to_dict() for citation in answer.citations],
    })


def with_footnotes(answer: Answer) -> str:
    """The answer text (and what is said beside an uncertain one) followed by one "[n] 标题（日期，source）"
    line per citation."""
    notes = [f"[{item.n}] {item.title}（{'，'.join(filter(None, (item.date, item.source)))}）"
             for item in answer.citations]
    text = "\n".join(filter(None, (answer.answer, answer.uncertainty_note())))
    return text + ("\n\n" + "\n".join(notes) if notes else "")


def _chunks(completion_id: str, created: int, content: str, citations: list[Citation]) -> Iterator[str]:
    def chunk(delta: dict, finish_reason: str | None = None, **extra: object) -> str:
        return streaming.frame({
            "id": completion_id, "object": "chat.completion.chunk", "created": created, "model": MODEL_ID,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason, "logprobs": None}], **extra,
        })

    yield chunk({"role": "assistant", "content": ""})
    for piece in streaming.pieces(content):
        yield chunk({"content": piece})
    yield chunk({}, "stop", citations=[citation.to_dict() for citation in citations])
    yield streaming.frame("[DONE]")


def _plain_messages(value: object) -> object:
    """OpenAI content may be a list of parts or null; the engine reads plain text."""
    if not isinstance(value, list):
        return value
    return [{**message, "content": _plain_content(message.get("content"))} if isinstance(message, dict) else message
            for message in value]


def _plain_content(content: object) -> object:
    if content is None:  # an assistant turn that only called tools
        return ""
    if isinstance(content, list):
        texts = [part.get("text") for part in content if isinstance(part, dict) and part.get("type") == "text"]
        if all(isinstance(text, str) for text in texts):
            return "\n".join(texts)
    return content  # anything else is left for the checks to reject
