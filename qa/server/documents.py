"""Managing the archive under /api/documents: list, add (a JSON record or uploaded files), delete.

Writes need the admin token (:mod:`qa.server.auth`). They run in the request thread under the
index's write lock while other requests keep answering from the snapshot they started with, in a
lane of their own (:mod:`qa.server.admission`), so that no load of reads keeps them waiting.
"""

from __future__ import annotations

import hashlib
from pathlib import PurePath

from flask import Blueprint, Response, jsonify, request

from qa.ingest import LoadReport, load_bytes
from qa.ingest.records import RecordError, check_record, group_records
from qa.server import payload
from qa.server.admission import WRITES, in_lane
from qa.server.auth import Unauthorized, admin_only
from qa.server.context import engine
from qa.server.errors import error_response
from qa.server.payload import ApiError

MAX_LIST = 1000

bp = Blueprint("documents", __name__, url_prefix="/api")


@bp.errorhandler(Unauthorized)
def _unauthorized(error: Unauthorized) -> Response:
    response = error_response(error.status, error.code, str(error))
    response.headers["WWW-Authenticate"] = 'Bearer realm="newsqa"'
    return response


@bp.get("/documents")
def list_documents() -> Response:
    source = request.args.get("source")
    if source is not None:
        source = payload.text(source, "source")
    limit = payload.query_integer("limit", 100, 1, MAX_LIST)
    offset = payload.query_integer("offset", 0, 0, 2**31 - 1)
    documents = engine().documents(source)
    return jsonify({"total": len(documents),
                    "documents": [info.summary() for info in documents[offset : offset + limit]]})


@bp.post("/documents")
@admin_only
@in_lane(WRITES)
def add_documents() -> Response:
    loaded = _uploaded() if request.mimetype == "multipart/form-data" else _record()
    if not loaded.sources:
        raise ApiError(400, "no_documents", "nothing to add: " + ("; ".join(loaded.errors) or "no files"))
    qa = engine()
    report = qa.add(loaded)
    added = [info.summary() for info in qa.served(report.doc_ids)]
    response = jsonify({"added": added, "unchanged_sources": report.unchanged_sources, "errors": loaded.errors})
    response.status_code = 201 if report.added_sources else 200
    return response


@bp.delete("/documents/<doc_id>")
@admin_only
@in_lane(WRITES)
def delete_document(doc_id: str) -> Response:
    if not engine().delete([doc_id]):
        raise ApiError(404, "document_not_found", f"no document with id {doc_id!r}")
    return jsonify({"deleted": doc_id})


def _record() -> LoadReport:
    """One article from a JSON body; without a source it is named by its content, so that posting
    the same article again changes nothing."""
    try:
        record = check_record(payload.json_body())
    except RecordError as error:
        raise ApiError(400, "invalid_record", str(error)) from None
    digest = hashlib.sha256(f"{record['title']}\x00{record['text']}".encode()).hexdigest()[:16]
    records = group_records([record], f"api-{digest}")
    return LoadReport(records.articles, records.sources, records.errors)


def _uploaded() -> LoadReport:
    """Every uploaded file, whatever its form field; bad files are reported and the rest loaded."""
    report = LoadReport()
    for _, upload in request.files.items(multi=True):
        # Only the last path component: a client's folder names mean nothing here.
        name = PurePath(payload.text(upload.filename or "", "file name").replace("\\", "/")).name
        if not name or name.startswith(".") or any(character in name for character in "\x00\r\n"):
            report.errors.append(f"{upload.filename or '(unnamed)'}: a file needs a name such as issue.txt")
            continue
        if name in report.sources:
            report.errors.append(f"{name}: uploaded twice")
            continue
        loaded = load_bytes(name, upload.read())
        report.errors.extend(loaded.errors)
        for source, text in loaded.sources.items():
            if source in report.sources:
                report.errors.append(f"{name}: source {source!r} is already in this upload")
                continue
            report.sources[source] = text
            report.articles.extend(article for article in loaded.articles if article.source == source)
    return report
