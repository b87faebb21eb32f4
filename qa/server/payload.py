"""Reading and checking request input.

Every way a request can be wrong becomes a :class:`QAError` with its own code before any work is
done (the limits of a question are :mod:`qa.limits`, shared with the CLI), so the engine only
ever sees well-formed input and a bad request costs nothing.
"""

from __future__ import annotations

import json

from flask import request

from qa import limits
from qa.errors import QAError

MAX_BODY_BYTES = 1024 * 1024
MAX_MESSAGES = 50
CHAT_ROLES = ("user", "assistant", "system")


class ApiError(QAError):
    """A request the client has to change, with the HTTP status it is answered with."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message, code)
        self.status = status


def json_body() -> dict:
    """The request body as a JSON object, whatever Content-Type the client claimed."""
    raw = request.get_data(cache=False)  # over MAX_CONTENT_LENGTH this raises 413 itself
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ApiError(400, "invalid_encoding", f"request body is not UTF-8 (byte {error.start})") from None
    try:
        body = json.loads(text)
    except ValueError as error:
        raise ApiError(400, "invalid_json", f"request body is not valid JSON: {error}") from None
    except RecursionError:  # a 1 MB body can nest deeper than the parser's stack
        raise ApiError(400, "invalid_json", "request body is nested too deeply") from None
    if not isinstance(body, dict):
        raise ApiError(400, "invalid_type", "request body must be a JSON object")
    return body


text = limits.text
question = limits.question


def integer(value: object, name: str, default: int, low: int, high: int) -> int:
    return default if value is None else limits.integer(value, name, low, high)


def query_integer(name: str, default: int, low: int, high: int) -> int:
    raw = request.args.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ApiError(400, "invalid_type", f"{name} must be an integer") from None
    return integer(value, name, default, low, high)


def retriever(value: object) -> str:
    return "hybrid" if value is None else limits.choice(value, "retriever", limits.RETRIEVERS)


def answer_options(body: dict) -> tuple[int, str]:
    """``k`` and ``retriever`` of an ask or chat body."""
    return integer(body.get("k"), "k", 5, 1, limits.MAX_K), retriever(body.get("retriever"))


def flag(value: object, name: str) -> bool | None:
    if value is not None and not isinstance(value, bool):
        raise ApiError(400, "invalid_type", f"{name} must be true or false")
    return value


def wants_stream(body: dict) -> bool:
    """An explicit ``stream`` decides; without one, an ``Accept: text/event-stream`` asks for events."""
    stream = flag(body.get("stream"), "stream")
    if stream is None:
        # Only an explicit mention counts: */* from curl or a browser must still get JSON.
        return any(mimetype == "text/event-stream" for mimetype, _ in request.accept_mimetypes)
    return stream


def messages(value: object, roles: tuple[str, ...]) -> list[dict[str, str]]:
    """A checked conversation whose last message is the user's question."""
    if value is None:
        raise ApiError(400, "missing_field", "messages is required")
    if not isinstance(value, list):
        raise ApiError(400, "invalid_type", "messages must be a list")
    if not value:
        raise ApiError(400, "invalid_value", "messages is empty")
    if len(value) > MAX_MESSAGES:
        raise ApiError(400, "too_many_messages", f"more than {MAX_MESSAGES} messages")
    checked = []
    for number, message in enumerate(value):
        if not isinstance(message, dict):
            raise ApiError(400, "invalid_type", f"messages[{number}] must be an object")
        role = message.get("role")
        if not isinstance(role, str) or role not in roles:
            raise ApiError(400, "invalid_value", f"messages[{number}].role must be one of {', '.join(roles)}")
        checked.append({"role": role, "content": text(message.get("content"), f"messages[{number}].content")})
    if checked[-1]["role"] != "user":
        raise ApiError(400, "last_message_not_user", "the last message must come from the user")
    return checked


def conversation(checked: list[dict[str, str]]) -> tuple[str, list[dict[str, str]]]:
    """The question (the last message) and the earlier user and assistant turns as its history."""
    history = [message for message in checked[:-1] if message["role"] in ("user", "assistant")]
    return question(checked[-1]["content"], "the last message"), history
