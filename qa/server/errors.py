"""Every failure as ``{"error": {"code": "...", "message": "..."}}``: never an HTML page, never a traceback."""

from __future__ import annotations

from flask import Flask, Response, current_app, jsonify, request
from werkzeug.exceptions import HTTPException

from qa.errors import QAError
from qa.server.payload import MAX_BODY_BYTES

_HTTP_CODES = {
    400: "bad_request",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
}


def error_response(status: int, code: str, message: str) -> Response:
    response = jsonify({"error": {"code": code, "message": message}})
    response.status_code = status
    return response


def register(app: Flask) -> None:
    app.register_error_handler(QAError, _qa_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _internal_error)


def _qa_error(error: QAError) -> Response:
    return error_response(error.status, error.code, str(error))


def _http_error(error: HTTPException) -> Response | HTTPException:
    if error.code is None:
        return error
    if error.code == 413:
        message = f"request body is larger than {MAX_BODY_BYTES} bytes"
    else:
        message = error.description or error.name
    response = error_response(error.code, _HTTP_CODES.get(error.code, error.name.lower().replace(" ", "_")), message)
    # Keep what the exception says besides its HTML body, e.g. the Allow header of a 405.
    for name, value in error.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value
    return response


def _internal_error(error: Exception) -> Response:
    # The details go to the server log only; the client learns nothing about the internals.
    current_app.logger.error("unhandled error on %s %s", request.method, request.path, exc_info=error)
    return error_response(500, "internal_error", "the server could not answer this request")
