"""/openapi.json: a structurally valid OpenAPI 3.1 document that every real response of every route matches."""

from __future__ import annotations

import contextlib
import json
import re
from urllib.parse import quote

import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate as validate_openapi
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from qa.engine import QA
from qa.server import create_app
from qa.server.admission import RETRY_AFTER_SECONDS
from qa.server.openapi import document
from tests.builders import DIDI, DIDI_FOLLOW_UP, NO_ANSWER, XINJIANG, parse_sse
from tests.server.test_overload import filled

DOC_URI = "urn:newsqa:openapi"
METHODS = {"GET", "POST", "PUT", "PATCH", "DELETE"}
USER = [{"role": "user", "content": XINJIANG}]
FOLLOW_UP = [{"role": "user", "content": DIDI}, {"role": "assistant", "content": "郭鑫"},
             {"role": "user", "content": DIDI_FOLLOW_UP}]

# (path template, method, URL, request keyword arguments, expected status, expected media type);
# "without_web_ui" sends the request to an app whose web folder is empty, "writable" to an app over an
# index of its own with an admin token (the shared seed index is never written to; its app has no token);
# "full_lane" sends it while every place of that lane of the app is taken.
ADMIN = {"Authorization": "Bearer s3cret"}
RECORD = {"title": "快递小哥入会", "text": "北京市邮政快递业工会吸纳快递员入会。", "date": "2021-11-03"}
CALLS = [
    ("/api/ask", "post", "/api/ask", {"json": {"question": XINJIANG}}, 200, "application/json"),
    ("/api/ask", "post", "/api/ask", {"json": {"question": NO_ANSWER, "k": 3}}, 200, "application/json"),
    ("/api/ask", "post", "/api/ask", {"json": {"question": DIDI, "stream": True}}, 200, "text/event-stream"),
    ("/api/ask", "post", "/api/ask", {"json": {"question": ""}}, 400, "application/json"),
    ("/api/ask", "post", "/api/ask", {"data": b"{" * (1024 * 1024 + 1)}, 413, "application/json"),
    ("/api/chat", "post", "/api/chat", {"json": {"messages": FOLLOW_UP}}, 200, "application/json"),
    ("/api/chat", "post", "/api/chat", {"json": {"messages": USER, "stream": True}}, 200, "text/event-stream"),
    ("/api/chat", "post", "/api/chat", {"json": {"messages": [{"role": "user", "content": NO_ANSWER}]},
                                        "headers": {"Accept": "text/event-stream"}}, 200, "text/event-stream"),
    ("/api/chat", "post", "/api/chat", {"json": {"messages": [*USER, {"role": "assistant", "content": "?"}]}},
     400, "application/json"),
    ("/api/chat", "post", "/api/chat", {"data": b" " * (1024 * 1024 + 1)}, 413, "application/json"),
    ("/api/search", "get", "/api/search?q=工会会员&k=4", {}, 200, "application/json"),
    ("/api/search", "get", "/api/search?k=4", {}, 400, "application/json"),
    ("/api/ask", "post", "/api/ask", {"json": {"question": XINJIANG}, "full_lane": "reads"}, 503, "application/json"),
    ("/api/chat", "post", "/api/chat", {"json": {"messages": USER}, "full_lane": "reads"}, 503, "application/json"),
    ("/api/search", "get", "/api/search?q=工会会员", {"full_lane": "reads"}, 503, "application/json"),
    ("/v1/chat/completions", "post", "/v1/chat/completions", {"json": {"messages": USER}, "full_lane": "reads"},
     503, "application/json"),
    ("/api/documents", "post", "/api/documents", {"json": RECORD, "headers": ADMIN, "writable": True,
                                                  "full_lane": "writes"}, 503, "application/json"),
    ("/api/documents/{doc_id}", "delete", "/api/documents/<cited>", {"headers": ADMIN, "writable": True,
                                                                    "full_lane": "writes"}, 503, "application/json"),
    ("/api/examples", "get", "/api/examples?n=3", {}, 200, "application/json"),
    ("/api/examples", "get", "/api/examples?n=0", {}, 400, "application/json"),
    ("/api/documents/{doc_id}", "get", "/api/documents/<cited>", {}, 200, "application/json"),
    ("/api/documents/{doc_id}", "get", "/api/documents/ffffffffffffffff", {}, 404, "application/json"),
    ("/api/documents", "get", "/api/documents?limit=3", {}, 200, "application/json"),
    ("/api/documents", "get", "/api/documents?offset=-1", {}, 400, "application/json"),
    ("/api/documents", "post", "/api/documents", {"json": RECORD}, 403, "application/json"),
    ("/api/documents", "post", "/api/documents", {"json": RECORD, "writable": True}, 401, "application/json"),
    ("/api/documents", "post", "/api/documents", {"json": RECORD, "headers": ADMIN, "writable": True}, 201,
     "application/json"),
    ("/api/documents", "post", "/api/documents", {"json": RECORD, "headers": ADMIN, "writable": True}, 200,
     "application/json"),
    ("/api/documents", "post", "/api/documents", {"json": {"title": "无正文"}, "headers": ADMIN, "writable": True},
     400, "application/json"),
    ("/api/documents", "post", "/api/documents", {"data": b" " * (1024 * 1024 + 1), "headers": ADMIN,
                                                  "writable": True}, 413, "application/json"),
    ("/api/documents/{doc_id}", "delete", "/api/documents/<added>", {"headers": ADMIN, "writable": True}, 200,
     "application/json"),
    ("/api/documents/{doc_id}", "delete", "/api/documents/<added>", {"headers": ADMIN, "writable": True}, 404,
     "application/json"),
    ("/api/documents/{doc_id}", "delete", "/api/documents/<added>", {"writable": True}, 401, "application/json"),
    ("/api/documents/{doc_id}", "delete", "/api/documents/<cited>", {}, 403, "application/json"),
    ("/api/health", "get", "/api/health", {}, 200, "application/json"),
    ("/api/stats", "get", "/api/stats", {}, 200, "application/json"),
    ("/v1/models", "get", "/v1/models", {}, 200, "application/json"),
    ("/v1/chat/completions", "post", "/v1/chat/completions", {"json": {"model": "newsqa", "messages": USER}},
     200, "application/json"),
    ("/v1/chat/completions", "post", "/v1/chat/completions",
     {"json": {"model": "newsqa", "messages": USER, "stream": True}}, 200, "text/event-stream"),
    ("/v1/chat/completions", "post", "/v1/chat/completions", {"json": {"messages": "hi"}}, 400, "application/json"),
    ("/v1/chat/completions", "post", "/v1/chat/completions", {"data": b"[" * (1024 * 1024 + 1)}, 413,
     "application/json"),
    ("/openapi.json", "get", "/openapi.json", {}, 200, "application/json"),
    ("/", "get", "/", {}, 200, "text/html"),
    ("/", "get", "/", {"without_web_ui": True}, 404, "application/json"),
    ("/{filename}", "get", "/app.js", {}, 200, None),
    ("/{filename}", "get", "/missing.css", {}, 404, "application/json"),
]


@pytest.fixture(scope="module")
def spec() -> dict:
    return document()


@pytest.fixture(scope="module")
def registry(spec) -> Registry:
    return Registry().with_resource(DOC_URI, Resource.from_contents(spec, default_specification=DRAFT202012))


def check(instance: object, pointer: list[str], registry: Registry) -> None:
    """Validate against the schema at ``pointer`` inside the document, so its $refs resolve there."""
    fragment = "/".join(quote(part.replace("~", "~0").replace("/", "~1"), safe="~") for part in pointer)
    Draft202012Validator({"$ref": f"{DOC_URI}#/{fragment}"}, registry=registry).validate(instance)


@pytest.fixture(scope="module")
def clients(seed_qa, tmp_path_factory) -> dict:
    web = tmp_path_factory.mktemp("web")
    (web / "index.html").write_text("<!doctype html><title>新闻问答</title>", encoding="utf-8")
    (web / "app.js").write_text("console.log('ok');\n", encoding="utf-8")
    clients = {has_ui: create_app({"QA": seed_qa, "WEB_DIR": folder, "TESTING": True}).test_client()
               for has_ui, folder in ((True, web), (False, tmp_path_factory.mktemp("no-web")))}
    own = QA.open(tmp_path_factory.mktemp("writable-index"), create=True)
    clients["writable"] = create_app({"QA": own, "ADMIN_TOKEN": "s3cret", "TESTING": True}).test_client()
    return clients


def test_document_is_valid_openapi_3_1(spec):
    assert spec["openapi"].startswith("3.1.")
    validate_openapi(spec)
    for schema in spec["components"]["schemas"].values():
        Draft202012Validator.check_schema(schema)


def test_served_document_is_the_document(client, spec):
    response = client.get("/openapi.json")
    assert response.status_code == 200 and response.get_json() == json.loads(json.dumps(spec))


def test_every_route_is_described_and_nothing_else(app, spec):
    routes = set()
    for rule in app.url_map.iter_rules():
        template = re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule)
        routes |= {(template, method.lower()) for method in rule.methods & METHODS}
    described = {(path, method) for path, item in spec["paths"].items() for method in item}
    assert routes == described


def test_example_requests_match_the_request_schemas(spec, registry):
    for template, method, _, options, status, _ in CALLS:
        if status == 200 and "json" in options:
            check(options["json"], ["paths", template, method, "requestBody", "content", "application/json",
                                    "schema"], registry)


def test_real_responses_match_the_document(clients, spec, registry):
    cited = clients[True].post("/api/ask", json={"question": XINJIANG}).get_json()["citations"][0]["doc_id"]
    added = None
    for template, method, url, options, status, media_type in CALLS:
        client = clients["writable"] if options.get("writable") else clients[not options.get("without_web_ui")]
        request = {key: value for key, value in options.items()
                   if key not in ("without_web_ui", "writable", "full_lane")}
        lane = getattr(client.application.extensions["lanes"], options.get("full_lane", "reads"))
        with filled(lane) if "full_lane" in options else contextlib.nullcontext():
            response = client.open(url.replace("<cited>", cited).replace("<added>", str(added)),
                                   method=method.upper(), **request)
        if template == "/api/documents" and method == "post" and response.status_code == 201:
            added = response.get_json()["added"][0]["doc_id"]
        where = f"{method.upper()} {url} → {response.status_code}"
        assert response.status_code == status, where
        if status == 503:
            assert response.headers["Retry-After"] == str(RETRY_AFTER_SECONDS), where
        documented = spec["paths"][template][method]["responses"][str(status)]
        if media_type is None:
            assert "content" not in documented, where
            continue
        assert response.mimetype == media_type and media_type in documented["content"], where
        pointer = ["paths", template, method, "responses", str(status), "content", media_type]
        if media_type == "application/json":
            check(response.get_json(), [*pointer, "schema"], registry)
        elif media_type == "text/event-stream":
            events = parse_sse(response.get_data(as_text=True))
            assert events and {name for name, _ in events} <= set(documented["content"][media_type]["x-events"])
            for name, data in events:
                if data != "[DONE]":  # OpenAI's end-of-stream sentinel is not JSON
                    check(json.loads(data), [*pointer, "x-events", name], registry)
    exercised = {(template, method, str(status)) for template, method, _, _, status, _ in CALLS}
    documented = {(path, method, status) for path, item in spec["paths"].items() for method, operation in item.items()
                  for status in operation["responses"]}
    assert documented == exercised
