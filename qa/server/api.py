"""The product's own API under /api: answers (JSON or server-sent events), search, documents, examples, status."""

from __future__ import annotations

import time

from flask import Blueprint, Response, g, jsonify, request

from qa.limits import MAX_EXAMPLES, MAX_K
from qa.server import payload, streaming
from qa.server.admission import READS, in_lane
from qa.server.context import engine
from qa.server.payload import ApiError

bp = Blueprint("api", __name__, url_prefix="/api")


@bp.before_request
def _start_clock() -> None:
    g.started = time.perf_counter()


@bp.after_request
def _server_timing(response: Response) -> Response:
    """The request's time inside the app ("app": routing, admission, the view, JSON), after the stages a
    view put in the Server-Timing header (the W3C spec's): a client or a benchmark tells the forward pass
    and the app from the server and network around them without a profiler."""
    if "started" in g:
        total = f"app;dur={(time.perf_counter() - g.started) * 1000:.2f}"
        stages = response.headers.get("Server-Timing")
        response.headers["Server-Timing"] = f"{stages}, {total}" if stages else total
    return response


@bp.post("/ask")
@in_lane(READS)
def ask() -> Response:
    body = payload.json_body()
    return _answer(payload.question(body.get("question")), [], body)


@bp.post("/chat")
@in_lane(READS)
def chat() -> Response:
    body = payload.json_body()
    question, history = payload.conversation(payload.messages(body.get("messages"), payload.CHAT_ROLES))
    return _answer(question, history, body)


def _answer(question: str, history: list[dict[str, str]], body: dict) -> Response:
    k, retriever = payload.answer_options(body)
    stream = payload.wants_stream(body)
    # The answer is complete before the first byte goes out, so a failure is still a plain JSON
    # error with its status code rather than a stream cut short.
    timings: dict[str, float] = {}
    answer = engine().ask(question, history=history, k=k, retriever=retriever, timings=timings)
    response = (streaming.event_stream(streaming.answer_events(answer)) if stream
                else jsonify(answer.to_dict()))
    response.headers["Server-Timing"] = ", ".join(f"{stage};dur={ms:.2f}" for stage, ms in timings.items())
    return response


@bp.get("/search")
@in_lane(READS)
def search() -> Response:
    query = payload.question(request.args.get("q"), "q")
    k = payload.query_integer("k", 10, 1, MAX_K)
    retriever = payload.retriever(request.args.get("retriever"))
    passages = engine().search(query, k=k, retriever=retriever)
    return jsonify({"query": query, "passages": [passage.to_dict() for passage in passages]})


@bp.get("/documents/<doc_id>")
def document(doc_id: str) -> Response:
    found = engine().document(doc_id)
    if found is None:
        raise ApiError(404, "document_not_found", f"no document with id {doc_id!r}")
    return jsonify(found.to_dict())


@bp.get("/examples")
def examples() -> Response:
    n = payload.query_integer("n", 4, 1, MAX_EXAMPLES)
    examples, ready = engine().examples(n)
    return jsonify({"examples": examples, "ready": ready})


@bp.get("/health")
def health() -> Response:
    stats = engine().stats()
    return jsonify({"status": "ok", "documents": stats["documents"], "model": stats["model"]})


@bp.get("/stats")
def stats() -> Response:
    # The data directory is a path on the server's disk: not the clients' business.
    return jsonify({key: value for key, value in engine().stats().items() if key != "data_dir"})
