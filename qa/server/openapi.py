"""The OpenAPI 3.1 description of every route, served at /openapi.json.

Server-sent event streams have no schema language in OpenAPI 3.1, so a ``text/event-stream``
media type names the schema of each event's JSON data in the extension ``x-events``
(event name → schema); tests hold the real streams to it.
"""

from __future__ import annotations

import dataclasses
import functools
import types
import typing
from importlib.metadata import PackageNotFoundError, version

from flask import Blueprint, Response, jsonify

from qa.answer.result import Answer, Citation, Passage
from qa.ingest.records import MAX_SOURCE_NAME
from qa.limits import MAX_EXAMPLES, MAX_K, MAX_QUESTION_CHARS, RETRIEVERS
from qa.server.admission import RETRY_AFTER_SECONDS
from qa.server.documents import MAX_LIST
from qa.server.openai_compat import MODEL_ID, OPENAI_ROLES
from qa.server.payload import CHAT_ROLES, MAX_BODY_BYTES, MAX_MESSAGES
from qa.settings import BACKENDS

bp = Blueprint("openapi", __name__)


@bp.get("/openapi.json")
def openapi_json() -> Response:
    return jsonify(document())


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _object(properties: dict, optional: tuple[str, ...] = (), open_ended: bool = False) -> dict:
    """An object schema whose properties are all required unless named in ``optional``."""
    return {"type": "object", "required": [name for name in properties if name not in optional],
            "properties": properties, "additionalProperties": open_ended}


def _json(schema: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _events(description: str, events: dict[str, dict]) -> dict:
    return {"schema": {"type": "string", "description": description}, "x-events": events}


STRING, INTEGER, NUMBER, BOOLEAN = {"type": "string"}, {"type": "integer"}, {"type": "number"}, {"type": "boolean"}
NULLABLE_STRING = {"type": ["string", "null"]}
_JSON_TYPES = {str: "string", int: "integer", float: "number", bool: "boolean", type(None): "null"}


def _type_schema(hint: object) -> dict:
    """The JSON schema of a field's type: a scalar, an optional scalar, or a list of records."""
    if typing.get_origin(hint) is list:
        (item,) = typing.get_args(hint)
        return {"type": "array", "items": _ref(item.__name__)}
    if isinstance(hint, types.UnionType):
        return {"type": [_JSON_TYPES[part] for part in typing.get_args(hint)]}
    return {"type": _JSON_TYPES[hint]}


def _record(cls: type) -> dict:
    """The object schema of a result dataclass: every field required, described by its metadata."""
    hints = typing.get_type_hints(cls)
    return _object({item.name: {**_type_schema(hints[item.name]), **item.metadata}
                    for item in dataclasses.fields(cls)})


K = {"type": "integer", "minimum": 1, "maximum": MAX_K, "default": 5, "description": "passages to return"}
RETRIEVER = {"type": "string", "enum": list(RETRIEVERS), "default": "hybrid"}
STREAM = {"type": "boolean", "description": "answer as server-sent events; without it, `Accept: "
          "text/event-stream` asks for them"}

SCHEMAS = {
    "Error": _object({"error": _object({"code": STRING, "message": STRING})}),
    **{cls.__name__: _record(cls) for cls in (Passage, Citation, Answer)},
    "AskRequest": _object({"question": {"type": "string", "minLength": 1, "maxLength": MAX_QUESTION_CHARS},
                           "k": K, "retriever": RETRIEVER, "stream": STREAM},
                          optional=("k", "retriever", "stream"), open_ended=True),
    "Message": _object({"role": {"type": "string", "enum": list(CHAT_ROLES)}, "content": STRING}, open_ended=True),
    "ChatRequest": _object({
        "messages": {"type": "array", "items": _ref("Message"), "minItems": 1, "maxItems": MAX_MESSAGES,
                     "description": "the conversation; the last message is the user's question"},
        "k": K, "retriever": RETRIEVER, "stream": STREAM,
    }, optional=("k", "retriever", "stream"), open_ended=True),
    "SearchResult": _object({"query": STRING, "passages": {"type": "array", "items": _ref("Passage")}}),
    "Paragraph": _object({"index": INTEGER, "text": STRING, "start": INTEGER, "end": INTEGER}),
    "Document": _object({
        "doc_id": STRING, "title": STRING, "subtitle": NULLABLE_STRING, "date": NULLABLE_STRING, "source": STRING,
        "kind": STRING, "byline": NULLABLE_STRING, "reporters": {"type": "array", "items": STRING},
        "dateline": NULLABLE_STRING, "paragraphs": {"type": "array", "items": _ref("Paragraph")},
    }),
    "DocumentSummary": _object({"doc_id": STRING, "title": STRING, "date": NULLABLE_STRING, "source": STRING,
                                "kind": STRING}),
    "DocumentList": _object({"total": {"type": "integer", "minimum": 0},
                             "documents": {"type": "array", "items": _ref("DocumentSummary")}}),
    "DocumentRecord": _object({
        "title": {"type": "string", "minLength": 1, "description": "one line"},
        "text": {"type": "string", "minLength": 1, "description": "paragraphs separated by blank lines"},
        "date": {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$", "description": "ISO date of publication"},
        "source": {"type": "string", "minLength": 1, "maxLength": MAX_SOURCE_NAME,
                   "description": "source name; a later record with the same source replaces this one. Default: "
                                  "named by the content, so posting the same article twice adds it once"},
    }, optional=("date", "source")),
    "Upload": {"type": "object", "description": "one or more files under any field names: .txt (a newspaper "
               "issue or one article), .md, .html, .jsonl of DocumentRecord lines; UTF-8 or GB18030",
               "additionalProperties": {"type": "string", "format": "binary"}},
    "AddResult": _object({
        "added": {"type": "array", "items": _ref("DocumentSummary"), "description": "documents added or replaced"},
        "unchanged_sources": {"type": "array", "items": STRING, "description": "sources already indexed as sent"},
        "errors": {"type": "array", "items": STRING, "description": "one `name: reason` line per unusable file"},
    }),
    "Deleted": _object({"deleted": STRING}),
    "Examples": _object({
        "examples": {"type": "array", "maxItems": MAX_EXAMPLES, "items": {"type": "string", "pattern": "？$"},
                     "description": "questions from different articles, each answered with a citation; empty for "
                                    "an empty index, and while the first list is still being made"},
        "ready": {"type": "boolean", "description": "false while the list for the documents served now is being "
                                                    "made (in the background, at start and after each write): "
                                                    "ask again shortly for the rest"},
    }),
    "Health": _object({"status": {"const": "ok"}, "documents": INTEGER, "model": STRING}),
    "Stats": _object({"documents": INTEGER, "sources": INTEGER, "chunks": INTEGER, "sentences": INTEGER,
                      "model": STRING, "dimension": INTEGER, "index_size": INTEGER,
                      "backend": {"enum": list(BACKENDS)}}),
    "PassagesEvent": _object({"passages": {"type": "array", "items": _ref("Passage")}}),
    "AnswerDeltaEvent": _object({"delta": {"type": "string", "minLength": 1}}),
    "CitationsEvent": _object({"citations": {"type": "array", "items": _ref("Citation")}}),
    "Model": _object({"id": {"const": MODEL_ID}, "object": {"const": "model"}, "created": INTEGER,
                      "owned_by": STRING}),
    "ModelList": _object({"object": {"const": "list"}, "data": {"type": "array", "items": _ref("Model")}}),
    "OpenAIMessage": _object({
        "role": {"type": "string", "enum": list(OPENAI_ROLES)},
        "content": {"description": "text, a list of parts (text parts are read), or null",
                    "anyOf": [STRING, {"type": "array", "items": {"type": "object"}}, {"type": "null"}]},
    }, optional=("content",), open_ended=True),
    "ChatCompletionRequest": _object({
        "model": {"type": "string", "description": f"any name; answered by `{MODEL_ID}`"},
        "messages": {"type": "array", "items": _ref("OpenAIMessage"), "minItems": 1, "maxItems": MAX_MESSAGES},
        "stream": BOOLEAN,
    }, optional=("model", "stream"), open_ended=True),
    "ChatCompletion": _object({
        "id": STRING, "object": {"const": "chat.completion"}, "created": INTEGER, "model": STRING,
        "choices": {"type": "array", "minItems": 1, "items": _object({
            "index": INTEGER,
            "message": _object({"role": {"const": "assistant"}, "content": {
                "type": "string", "description": "the answer, then a footnote per citation: [n] 标题（日期，source）",
            }}),
            "finish_reason": {"const": "stop"}, "logprobs": {"type": "null"},
        })},
        "citations": {"type": "array", "items": _ref("Citation")},
    }),
    "ChatCompletionChunk": _object({
        "id": STRING, "object": {"const": "chat.completion.chunk"}, "created": INTEGER, "model": STRING,
        "choices": {"type": "array", "minItems": 1, "items": _object({
            "index": INTEGER,
            "delta": _object({"role": {"const": "assistant"}, "content": STRING}, optional=("role", "content")),
            "finish_reason": {"type": ["string", "null"]}, "logprobs": {"type": "null"},
        })},
        "citations": {"type": "array", "items": _ref("Citation"), "description": "on the last chunk only"},
    }, optional=("citations",)),
}

ERRORS = {
    "400": _json(_ref("Error"), "bad input: malformed JSON, not UTF-8, a missing, empty or too long question, "
                 "a wrong type, too many messages, the last message not from the user"),
    "413": _json(_ref("Error"), f"request body over {MAX_BODY_BYTES} bytes"),
}

OVERLOADED = {"503": {
    **_json(_ref("Error"), "the server is busy: every place for this kind of request is taken (code `overloaded`)"),
    "headers": {"Retry-After": {"description": "seconds to wait before trying again",
                                "schema": {"type": "integer", "const": RETRY_AFTER_SECONDS}}},
}}


BEARER = [{"adminToken": []}]
WRITE_ERRORS = {
    "401": _json(_ref("Error"), "no `Authorization: Bearer` header, or not the admin token"),
    "403": _json(_ref("Error"), "document changes are disabled: the server has no admin token configured"),
}


def _answer_responses() -> dict:
    return {
        "200": {"description": "the answer object, or its server-sent events", "content": {
            "application/json": {"schema": _ref("Answer")},
            "text/event-stream": _events(
                "`passages` first, then `answer` events whose deltas join to the answer text, then `citations`, "
                "then `done` with the whole answer object",
                {"passages": _ref("PassagesEvent"), "answer": _ref("AnswerDeltaEvent"),
                 "citations": _ref("CitationsEvent"), "done": _ref("Answer")}),
        }},
        **ERRORS,
        **OVERLOADED,
    }


def _body(name: str) -> dict:
    return {"required": True, "content": {"application/json": {"schema": _ref(name)}}}


def _query(name: str, schema: dict, description: str, required: bool = False) -> dict:
    return {"name": name, "in": "query", "required": required, "schema": schema, "description": description}


PATHS = {
    "/api/ask": {"post": {
        "summary": "Answer one question", "operationId": "ask", "requestBody": _body("AskRequest"),
        "responses": _answer_responses(),
    }},
    "/api/chat": {"post": {
        "summary": "Answer the last user message, reading it in the context of the earlier turns",
        "operationId": "chat", "requestBody": _body("ChatRequest"), "responses": _answer_responses(),
    }},
    "/api/search": {"get": {
        "summary": "Passages for a query, best first", "operationId": "search",
        "parameters": [_query("q", {"type": "string", "minLength": 1, "maxLength": MAX_QUESTION_CHARS}, "the query",
                              required=True),
                       _query("k", {**K, "default": 10}, "passages to return"),
                       _query("retriever", RETRIEVER, "dense, BM25, or both fused")],
        "responses": {"200": _json(_ref("SearchResult"), "passages with scores"), "400": ERRORS["400"],
                      **OVERLOADED},
    }},
    "/api/documents": {
        "get": {
            "summary": "The indexed documents, by source and position", "operationId": "listDocuments",
            "parameters": [_query("source", STRING, "only the documents of this source"),
                           _query("limit", {"type": "integer", "minimum": 1, "maximum": MAX_LIST, "default": 100},
                                  "documents to return"),
                           _query("offset", {"type": "integer", "minimum": 0, "default": 0}, "documents to skip")],
            "responses": {"200": _json(_ref("DocumentList"), "the total and one page of documents"),
                          "400": ERRORS["400"]},
        },
        "post": {
            "summary": "Add documents: one JSON record, or uploaded files", "operationId": "addDocuments",
            "security": BEARER,
            "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("DocumentRecord")},
                                                          "multipart/form-data": {"schema": _ref("Upload")}}},
            "responses": {
                "201": _json(_ref("AddResult"), "added (or replaced); readers see each document whole or not at all"),
                "200": _json(_ref("AddResult"), "nothing changed: the same content is indexed already"),
                "400": _json(_ref("Error"), "an invalid record, or no usable file (the message lists the reasons)"),
                **WRITE_ERRORS,
                "413": ERRORS["413"],
                **OVERLOADED,
            },
        },
    },
    "/api/documents/{doc_id}": {
        "get": {
            "summary": "A whole article, paragraphs with their offsets into the source", "operationId": "document",
            "parameters": [{"name": "doc_id", "in": "path", "required": True, "schema": STRING}],
            "responses": {"200": _json(_ref("Document"), "the article"),
                          "404": _json(_ref("Error"), "no document with this id")},
        },
        "delete": {
            "summary": "Delete a document; no route retrieves it again", "operationId": "deleteDocument",
            "security": BEARER,
            "parameters": [{"name": "doc_id", "in": "path", "required": True, "schema": STRING}],
            "responses": {"200": _json(_ref("Deleted"), "deleted"), **WRITE_ERRORS,
                          "404": _json(_ref("Error"), "no document with this id"), **OVERLOADED},
        },
    },
    "/api/examples": {"get": {
        "summary": "Example questions drawn from the indexed articles, which the service answers itself",
        "operationId": "examples",
        "parameters": [_query("n", {"type": "integer", "minimum": 1, "maximum": MAX_EXAMPLES, "default": 4},
                              "questions to return")],
        "responses": {"200": _json(_ref("Examples"), "what is ready now, at once; the same questions until the "
                                                     "documents change"),
                      "400": ERRORS["400"]},
    }},
    "/api/health": {"get": {"summary": "Liveness", "operationId": "health",
                            "responses": {"200": _json(_ref("Health"), "the service answers")}}},
    "/api/stats": {"get": {"summary": "What the index holds", "operationId": "stats",
                           "responses": {"200": _json(_ref("Stats"), "counts, model and index size")}}},
    "/v1/models": {"get": {"summary": "OpenAI-compatible model list", "operationId": "listModels",
                           "responses": {"200": _json(_ref("ModelList"), "the one model")}}},
    "/v1/chat/completions": {"post": {
        "summary": "OpenAI-compatible chat completion", "operationId": "createChatCompletion",
        "requestBody": _body("ChatCompletionRequest"),
        "responses": {
            "200": {"description": "a completion, or its chunks when `stream` is true", "content": {
                "application/json": {"schema": _ref("ChatCompletion")},
                "text/event-stream": _events("`data: {chunk}` lines, then `data: [DONE]`",
                                             {"message": _ref("ChatCompletionChunk")}),
            }},
            **ERRORS,
            **OVERLOADED,
        },
    }},
    "/openapi.json": {"get": {"summary": "This document", "operationId": "openapi",
                              "responses": {"200": _json({"type": "object"}, "OpenAPI 3.1")}}},
    "/": {"get": {"summary": "The chat page", "operationId": "webIndex", "responses": {
        "200": {"description": "index.html", "content": {"text/html": {"schema": STRING}}},
        "404": _json(_ref("Error"), "the web UI is not installed"),
    }}},
    "/{filename}": {"get": {
        "summary": "Files of the chat page", "operationId": "webFile",
        "parameters": [{"name": "filename", "in": "path", "required": True, "schema": STRING}],
        "responses": {"200": {"description": "the file"}, "404": _json(_ref("Error"), "no such file")},
    }},
}


@functools.cache
def document() -> dict:
    try:
        release = version("newsqa")
    except PackageNotFoundError:  # running from a source tree that was never installed
        release = "0.0.0"
    return {
        "openapi": "3.1.0",
        "info": {"title": "新闻问答 API", "version": release,
                 "description": "Extractive, cited answers from Chinese news. Every error is "
                                "`{\"error\": {\"code\", \"message\"}}`; an unknown route is a 404, a wrong method "
                                "a 405, both with that body; a busy server refuses what it cannot answer soon with a "
                                "503 and `Retry-After`."},
        "paths": PATHS,
        "components": {"schemas": SCHEMAS, "securitySchemes": {"adminToken": {
            "type": "http", "scheme": "bearer", "description": "the server's QA_ADMIN_TOKEN"}}},
    }
