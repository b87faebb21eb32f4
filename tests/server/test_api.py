"""The web service through Flask's test client: every route, every kind of bad input, real index and model."""

from __future__ import annotations

import json
import re
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qa.answer.result import NO_ANSWER as NO_ANSWER_TEXT
from qa.server import create_app
from qa.server.payload import MAX_BODY_BYTES, MAX_MESSAGES
from qa.server.streaming import pieces
from tests.builders import (
    DIDI,
    DIDI_FOLLOW_UP,
    DIDI_SOURCE,
    NO_ANSWER,
    QINHUANGDAO,
    QINHUANGDAO_SOURCE,
    SEEDS,
    XINJIANG,
    XINJIANG_FOOTNOTE,
    XINJIANG_SOURCE,
    XINJIANG_TITLE,
    assert_answer_stream,
    parse_sse,
)

ANSWER_KEYS = ["question", "answer", "answerable", "confidence", "uncertain", "span", "citations", "passages"]


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}, body
    assert body["error"]["code"] == code, body
    assert body["error"]["message"]
    text = response.get_data(as_text=True)
    assert "Traceback" not in text and "<html" not in text.lower()
    return body["error"]


def seed_text(source: str) -> str:
    return (SEEDS / source).read_text(encoding="utf-8")


# ---------------------------------------------------------------- answers


def test_ask_quotes_the_right_seed_file(client):
    response = client.post("/api/ask", json={"question": XINJIANG})
    assert response.status_code == 200 and response.mimetype == "application/json"
    answer = response.get_json()
    assert list(answer) == ANSWER_KEYS
    assert answer["question"] == XINJIANG and answer["answerable"]
    assert "21.97万人" in answer["answer"] and answer["span"] == "21.97万人"
    citation = answer["citations"][0]
    assert citation["source"] == XINJIANG_SOURCE and citation["date"] == "2021-11-03"
    assert seed_text(XINJIANG_SOURCE)[citation["start"] : citation["end"]] == citation["quote"]
    assert f"{citation['quote']}[1]" in answer["answer"]
    assert len(answer["passages"]) == 5 and answer["passages"][0]["source"] == XINJIANG_SOURCE


def server_timing(response) -> dict[str, float]:
    stages = [stage.strip().partition(";dur=") for stage in response.headers["Server-Timing"].split(",")]
    return {name: float(duration) for name, _, duration in stages}


def test_an_answer_says_where_the_servers_time_went(client):
    # A question asked for the first time: its vector is the model's forward pass, not the cache's.
    timings = server_timing(client.post("/api/ask", json={"question": XINJIANG + "（计时）"}))
    assert list(timings) == ["understand", "encode", "search", "read", "app"]
    assert all(duration >= 0 for duration in timings.values())
    assert timings["encode"] > 1.0  # a forward pass of the model, at least a millisecond on any machine
    assert timings["app"] >= sum(duration for name, duration in timings.items() if name != "app")
    assert list(server_timing(client.post("/api/chat", json={"messages": [
        {"role": "user", "content": XINJIANG}], "stream": True}))) == ["understand", "encode", "search", "read", "app"]
    assert list(server_timing(client.get("/api/health"))) == ["app"]
    assert list(server_timing(client.post("/api/ask", json={}))) == ["app"]  # a refused request: no stages


def test_ask_k_sets_the_number_of_passages(client):
    answer = client.post("/api/ask", json={"question": XINJIANG, "k": 2, "retriever": "bm25"}).get_json()
    assert len(answer["passages"]) == 2 and answer["citations"][0]["source"] == XINJIANG_SOURCE


def test_ask_says_so_when_the_seeds_hold_no_answer(client):
    answer = client.post("/api/ask", json={"question": NO_ANSWER}).get_json()
    assert not answer["answerable"] and answer["citations"] == [] and answer["span"] is None
    assert answer["answer"] == NO_ANSWER_TEXT


def test_chat_reads_a_follow_up_in_the_context_of_earlier_turns(client):
    first = client.post("/api/chat", json={"messages": [{"role": "user", "content": DIDI}]}).get_json()
    assert first["span"] == "郭鑫" and first["citations"][0]["source"] == DIDI_SOURCE
    messages = [{"role": "system", "content": "只根据资料回答"}, {"role": "user", "content": DIDI},
                {"role": "assistant", "content": first["answer"]}, {"role": "user", "content": DIDI_FOLLOW_UP}]
    answer = client.post("/api/chat", json={"messages": messages}).get_json()
    assert answer["question"] == DIDI_FOLLOW_UP
    assert "近1000人" in answer["answer"] and answer["citations"][0]["source"] == DIDI_SOURCE


def test_chat_with_one_message_answers_like_ask(client):
    chat = client.post("/api/chat", json={"messages": [{"role": "user", "content": XINJIANG}], "k": 3})
    ask = client.post("/api/ask", json={"question": XINJIANG, "k": 3})
    assert chat.get_json() == ask.get_json()


def _stream(response) -> list[tuple[str, object]]:
    assert response.status_code == 200 and response.mimetype == "text/event-stream"
    assert response.headers["Cache-Control"] == "no-cache"
    return [(name, json.loads(data)) for name, data in parse_sse(response.get_data(as_text=True))]


def test_chat_streams_passages_answer_pieces_citations_then_the_whole_answer(client):
    body = {"messages": [{"role": "user", "content": XINJIANG}]}
    expected = client.post("/api/chat", json=body).get_json()
    events = _stream(client.post("/api/chat", json={**body, "stream": True}))
    assert_answer_stream(events, expected)
    assert sum(name == "answer" for name, _ in events) > 1  # the answer really comes in pieces


def test_accept_event_stream_asks_for_a_stream_unless_stream_is_false(client):
    body = {"messages": [{"role": "user", "content": NO_ANSWER}]}
    headers = {"Accept": "text/event-stream"}
    expected = client.post("/api/chat", json=body).get_json()
    assert_answer_stream(_stream(client.post("/api/chat", json=body, headers=headers)), expected)
    plain = client.post("/api/chat", json={**body, "stream": False}, headers=headers)
    assert plain.mimetype == "application/json" and plain.get_json() == expected
    assert client.post("/api/chat", json=body, headers={"Accept": "*/*"}).mimetype == "application/json"


def test_ask_streams_too(client):
    expected = client.post("/api/ask", json={"question": DIDI}).get_json()
    assert_answer_stream(_stream(client.post("/api/ask", json={"question": DIDI, "stream": True})), expected)


@given(st.text(alphabet=st.sampled_from("新疆2.93万个，。！?,.:\n[]1") | st.characters(), max_size=80))
def test_answer_pieces_join_back_and_never_split_a_marker(text):
    parts = pieces(text)
    assert "".join(parts) == text and all(parts)
    assert not any(re.search(r"\[\d*$", part) and re.match(r"\d*\]", after) for part, after in pairwise(parts))


def test_questions_at_the_limits_are_answered(client):
    longest = "新疆今年新增了多少工会会员" + "？" * (2000 - 13)
    assert client.post("/api/ask", json={"question": longest}).status_code == 200
    turns = [{"role": "user", "content": DIDI}, {"role": "assistant", "content": "郭鑫"}] * 24
    messages = [{"role": "system", "content": "."}, *turns, {"role": "user", "content": DIDI_FOLLOW_UP}]
    assert len(messages) == MAX_MESSAGES
    assert client.post("/api/chat", json={"messages": messages}).status_code == 200


# ---------------------------------------------------------------- search, documents, status


def test_search_returns_scored_passages_best_first(client):
    response = client.get("/api/search", query_string={"q": QINHUANGDAO, "k": 3})
    assert response.status_code == 200
    result = response.get_json()
    assert result["query"] == QINHUANGDAO and len(result["passages"]) == 3
    assert result["passages"][0]["source"] == QINHUANGDAO_SOURCE
    scores = [passage["score"] for passage in result["passages"]]
    assert scores == sorted(scores, reverse=True)
    assert len(client.get("/api/search", query_string={"q": QINHUANGDAO}).get_json()["passages"]) == 10
    dense = client.get("/api/search", query_string={"q": QINHUANGDAO, "k": 1, "retriever": "dense"}).get_json()
    assert dense["passages"][0]["source"] == QINHUANGDAO_SOURCE


def test_document_holds_the_cited_quote_at_its_offsets(client):
    citation = client.post("/api/ask", json={"question": XINJIANG}).get_json()["citations"][0]
    response = client.get(f"/api/documents/{citation['doc_id']}")
    assert response.status_code == 200
    document = response.get_json()
    assert document["doc_id"] == citation["doc_id"] and document["source"] == XINJIANG_SOURCE
    assert document["title"] == XINJIANG_TITLE and document["date"] == "2021-11-03"
    paragraph = document["paragraphs"][citation["paragraph"]]
    assert citation["quote"] in paragraph["text"]
    assert paragraph["start"] <= citation["start"] < citation["end"] <= paragraph["end"]


def test_unknown_document_is_a_json_404(client):
    assert_error(client.get("/api/documents/0000000000000000"), 404, "document_not_found")


def test_health_and_stats(client, seed_qa):
    expected = seed_qa.stats()
    health = client.get("/api/health")
    assert health.status_code == 200
    assert health.get_json() == {"status": "ok", "documents": expected["documents"], "model": expected["model"]}
    stats = client.get("/api/stats").get_json()
    assert stats["sources"] == 5 and stats["documents"] > 5 and stats["chunks"] == stats["index_size"] > 0
    del expected["data_dir"]  # a path on the server's disk is not the client's business
    assert stats == expected


# ---------------------------------------------------------------- OpenAI-compatible


def test_models_lists_the_one_model(client):
    body = client.get("/v1/models").get_json()
    assert body["object"] == "list" and [model["id"] for model in body["data"]] == ["newsqa"]


def test_chat_completion_carries_footnotes_and_the_citation_list(client):
    messages = [{"role": "system", "content": "你是新闻助手"},
                {"role": "user", "content": [{"type": "text", "text": XINJIANG}]}]
    response = client.post("/v1/chat/completions", json={"model": "anything", "messages": messages})
    assert response.status_code == 200
    completion = response.get_json()
    answer = client.post("/api/ask", json={"question": XINJIANG}).get_json()
    assert completion["object"] == "chat.completion" and completion["model"] == "newsqa"
    choice = completion["choices"][0]
    assert choice["finish_reason"] == "stop" and choice["message"]["role"] == "assistant"
    assert choice["message"]["content"] == f"{answer['answer']}\n\n{XINJIANG_FOOTNOTE}"
    assert completion["citations"] == answer["citations"]


def test_chat_completion_stream_is_data_chunks_then_done(client):
    body = {"model": "newsqa", "messages": [{"role": "user", "content": XINJIANG}]}
    content = client.post("/v1/chat/completions", json=body).get_json()["choices"][0]["message"]["content"]
    response = client.post("/v1/chat/completions", json={**body, "stream": True})
    assert response.status_code == 200 and response.mimetype == "text/event-stream"
    text = response.get_data(as_text=True)
    assert text.endswith("data: [DONE]\n\n") and "event:" not in text
    events = parse_sse(text)
    chunks = [json.loads(data) for _, data in events[:-1]]
    assert events[-1] == ("message", "[DONE]")
    assert {chunk["id"] for chunk in chunks} == {chunks[0]["id"]}
    assert chunks[0]["choices"][0]["delta"]["role"] == "assistant"
    assert "".join(chunk["choices"][0]["delta"].get("content", "") for chunk in chunks) == content
    assert chunks[-1]["choices"][0]["finish_reason"] == "stop"
    assert chunks[-1]["citations"][0]["source"] == XINJIANG_SOURCE


def test_unanswerable_completion_has_no_footnotes(client):
    body = {"model": "newsqa", "messages": [{"role": "user", "content": NO_ANSWER}]}
    completion = client.post("/v1/chat/completions", json=body).get_json()
    assert completion["choices"][0]["message"]["content"] == NO_ANSWER_TEXT
    assert completion["citations"] == []


# ---------------------------------------------------------------- bad input

USER = [{"role": "user", "content": XINJIANG}]
BAD_REQUESTS = [
    # (method, path, request keyword arguments, status, code)
    ("POST", "/api/ask", {"data": b'{"question": '}, 400, "invalid_json"),
    ("POST", "/api/ask", {"data": b""}, 400, "invalid_json"),
    ("POST", "/api/ask", {"data": b"[" * 100_000}, 400, "invalid_json"),
    ("POST", "/api/ask", {"json": [XINJIANG]}, 400, "invalid_type"),
    ("POST", "/api/ask", {"json": {}}, 400, "missing_field"),
    ("POST", "/api/ask", {"json": {"question": ""}}, 400, "empty_question"),
    ("POST", "/api/ask", {"json": {"question": " \n\t"}}, 400, "empty_question"),
    ("POST", "/api/ask", {"json": {"question": 42}}, 400, "invalid_type"),
    ("POST", "/api/ask", {"json": {"question": [XINJIANG]}}, 400, "invalid_type"),
    ("POST", "/api/ask", {"json": {"question": "问" * 2001}}, 400, "question_too_long"),
    ("POST", "/api/ask", {"json": {"question": XINJIANG, "k": "5"}}, 400, "invalid_type"),
    ("POST", "/api/ask", {"json": {"question": XINJIANG, "k": True}}, 400, "invalid_type"),
    ("POST", "/api/ask", {"json": {"question": XINJIANG, "k": 0}}, 400, "invalid_value"),
    ("POST", "/api/ask", {"json": {"question": XINJIANG, "k": 51}}, 400, "invalid_value"),
    ("POST", "/api/ask", {"json": {"question": XINJIANG, "stream": "yes"}}, 400, "invalid_type"),
    ("POST", "/api/ask", {"json": {"question": XINJIANG, "retriever": "magic"}}, 400, "invalid_value"),
    ("POST", "/api/ask", {"data": '{"question": "新疆工会"}'.encode("gb18030")}, 400, "invalid_encoding"),
    ("POST", "/api/ask", {"data": b'{"question": "\\ud800"}'}, 400, "invalid_encoding"),
    ("POST", "/api/ask", {"data": b" " * (MAX_BODY_BYTES + 1)}, 413, "payload_too_large"),
    ("POST", "/api/chat", {"data": b"{'messages': []}"}, 400, "invalid_json"),
    ("POST", "/api/chat", {"data": b'{"messages": [{"role": "user", "content": "\xff"}]}'}, 400, "invalid_encoding"),
    ("POST", "/api/chat", {"json": {"question": XINJIANG}}, 400, "missing_field"),
    ("POST", "/api/chat", {"json": {"messages": XINJIANG}}, 400, "invalid_type"),
    ("POST", "/api/chat", {"json": {"messages": []}}, 400, "invalid_value"),
    ("POST", "/api/chat", {"json": {"messages": USER * (MAX_MESSAGES + 1)}}, 400, "too_many_messages"),
    ("POST", "/api/chat", {"json": {"messages": [XINJIANG]}}, 400, "invalid_type"),
    ("POST", "/api/chat", {"json": {"messages": [{"role": "bot", "content": XINJIANG}]}}, 400, "invalid_value"),
    ("POST", "/api/chat", {"json": {"messages": [{"role": "user", "content": 7}]}}, 400, "invalid_type"),
    ("POST", "/api/chat", {"json": {"messages": [{"role": "user"}]}}, 400, "invalid_type"),
    ("POST", "/api/chat", {"json": {"messages": [*USER, {"role": "assistant", "content": "好"}]}}, 400,
     "last_message_not_user"),
    ("POST", "/api/chat", {"json": {"messages": [{"role": "user", "content": "  "}]}}, 400, "empty_question"),
    ("POST", "/api/chat", {"json": {"messages": [{"role": "user", "content": "问" * 2001}]}}, 400,
     "question_too_long"),
    ("POST", "/api/chat", {"json": {"messages": USER, "stream": 1}}, 400, "invalid_type"),
    ("POST", "/api/chat", {"data": b'{"messages": ' + b"x" * MAX_BODY_BYTES + b"}"}, 413, "payload_too_large"),
    ("GET", "/api/search", {}, 400, "missing_field"),
    ("GET", "/api/search?q=", {}, 400, "empty_question"),
    ("GET", "/api/search?q=%20%20", {}, 400, "empty_question"),
    ("GET", "/api/search?q=工会&k=ten", {}, 400, "invalid_type"),
    ("GET", "/api/search?q=工会&k=0", {}, 400, "invalid_value"),
    ("GET", "/api/search?q=工会&retriever=sql", {}, 400, "invalid_value"),
    ("GET", "/api/search?q=" + "问" * 2001, {}, 400, "question_too_long"),
    ("POST", "/v1/chat/completions", {"data": b"not json"}, 400, "invalid_json"),
    ("POST", "/v1/chat/completions", {"data": "\ufeff{}".encode("utf-16")}, 400, "invalid_encoding"),
    ("POST", "/v1/chat/completions", {"json": {"model": "newsqa"}}, 400, "missing_field"),
    ("POST", "/v1/chat/completions", {"json": {"model": 4, "messages": USER}}, 400, "invalid_type"),
    ("POST", "/v1/chat/completions", {"json": {"messages": USER, "stream": "true"}}, 400, "invalid_type"),
    ("POST", "/v1/chat/completions", {"json": {"messages": USER * (MAX_MESSAGES + 1)}}, 400, "too_many_messages"),
    ("POST", "/v1/chat/completions", {"json": {"messages": [*USER, {"role": "assistant", "content": None}]}}, 400,
     "last_message_not_user"),
    ("POST", "/v1/chat/completions", {"json": {"messages": [{"role": "user", "content": [{"type": "image_url"}]}]}},
     400, "empty_question"),
    ("POST", "/v1/chat/completions", {"data": b" " * (MAX_BODY_BYTES + 1)}, 413, "payload_too_large"),
    ("GET", "/api/nope", {}, 404, "not_found"),
    ("POST", "/api/nope", {}, 404, "not_found"),
    ("GET", "/api/documents/", {}, 404, "not_found"),
    ("GET", "/v1/nope", {}, 404, "not_found"),
    ("GET", "/no-such-file.js", {}, 404, "not_found"),
    ("GET", "/api/ask", {}, 405, "method_not_allowed"),
    ("GET", "/api/chat", {}, 405, "method_not_allowed"),
    ("POST", "/api/health", {}, 405, "method_not_allowed"),
    ("PUT", "/api/search?q=工会", {}, 405, "method_not_allowed"),
    ("PUT", "/api/documents/0000000000000000", {}, 405, "method_not_allowed"),
    ("DELETE", "/api/documents/0000000000000000", {}, 403, "writes_disabled"),
    ("GET", "/v1/chat/completions", {}, 405, "method_not_allowed"),
    ("DELETE", "/v1/models", {}, 405, "method_not_allowed"),
    ("POST", "/openapi.json", {}, 405, "method_not_allowed"),
]


@pytest.mark.parametrize(("method", "path", "options", "status", "code"), BAD_REQUESTS,
                         ids=[f"{method} {path[:30]} {code}" for method, path, _, _, code in BAD_REQUESTS])
def test_bad_requests_get_a_json_error(client, method, path, options, status, code):
    assert_error(client.open(path, method=method, **options), status, code)


def test_method_not_allowed_names_the_allowed_methods(client):
    response = client.get("/api/ask")
    assert_error(response, 405, "method_not_allowed")
    assert "POST" in response.headers["Allow"]


def test_a_failing_request_never_affects_the_next(client):
    for bad in (b"{", b'{"question": 1}', b" " * (MAX_BODY_BYTES + 1), b"\xff\xfe"):
        assert client.post("/api/ask", data=bad).status_code in (400, 413)
        answer = client.post("/api/ask", json={"question": XINJIANG}).get_json()
        assert answer["citations"][0]["source"] == XINJIANG_SOURCE


def test_an_internal_error_is_json_without_internals(seed_qa, caplog):
    app = create_app({"QA": seed_qa})

    @app.get("/api/explode")
    def explode():
        raise RuntimeError("secret detail: /etc/shadow")

    client = app.test_client()
    error = assert_error(client.get("/api/explode"), 500, "internal_error")
    assert "secret" not in error["message"] and "RuntimeError" not in error["message"]
    assert "secret detail" in caplog.text  # the server's log keeps what the client does not see
    assert client.get("/api/health").status_code == 200


# ---------------------------------------------------------------- the web page


def test_web_folder_is_served_with_index_at_root(seed_qa, tmp_path):
    (tmp_path / "js").mkdir()
    (tmp_path / "index.html").write_text("<!doctype html><title>新闻问答</title>", encoding="utf-8")
    (tmp_path / "js" / "app.js").write_text("export const ok = true;\n", encoding="utf-8")
    client = create_app({"QA": seed_qa, "WEB_DIR": tmp_path}).test_client()
    index = client.get("/")
    assert index.status_code == 200 and index.mimetype == "text/html" and "新闻问答" in index.get_data(as_text=True)
    script = client.get("/js/app.js")
    assert script.status_code == 200 and "javascript" in script.mimetype
    assert_error(client.get("/../pyproject.toml"), 404, "not_found")
    assert_error(client.get("/js/../../pyproject.toml"), 404, "not_found")
    (tmp_path / "__init__.py").write_text('"""The chat page."""\n', encoding="utf-8")
    assert_error(client.get("/__init__.py"), 404, "not_found")  # the package's own file, not the page's


def test_missing_web_ui_is_a_json_404(seed_qa, tmp_path):
    client = create_app({"QA": seed_qa, "WEB_DIR": tmp_path}).test_client()
    assert_error(client.get("/"), 404, "not_found")
