"""The chat page: static files from the top-level ``web/`` folder, index.html at ``/``."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, current_app, send_from_directory
from flask.blueprints import BlueprintSetupState
from werkzeug.routing import PathConverter

WEB_DIR = Path(__file__).resolve().parents[2] / "web"

bp = Blueprint("web", __name__)


class WebPath(PathConverter):
    """Any path outside /api and /v1, so an unknown API route is a 404 and not a 405 for a POST."""

    regex = r"(?!(?:api|v1)(?:/|$))[^/].*?"


@bp.record_once
def _add_converter(state: BlueprintSetupState) -> None:
    # Runs before the rules below are added: they need the converter to compile.
    state.app.url_map.converters["web_path"] = WebPath


@bp.get("/")
def index() -> Response:
    return _send("index.html")


@bp.get("/<web_path:filename>")
def static_file(filename: str) -> Response:
    return _send(filename)


def _send(filename: str) -> Response:
    # A missing file (index.html too, while web/ is not built) or a path escaping the folder
    # raises NotFound, which the error handlers answer as JSON.
    return send_from_directory(current_app.config["WEB_DIR"], filename)
