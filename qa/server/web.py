"""The chat page: static files of the package ``qa.web``, index.html at ``/``.

The source tree keeps them in the top-level ``web/`` folder; the build maps that folder to
``qa.web`` (pyproject.toml), so an installed wheel and an editable checkout find them alike.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from flask import Blueprint, Response, current_app, send_from_directory
from flask.blueprints import BlueprintSetupState
from werkzeug.exceptions import NotFound
from werkzeug.routing import PathConverter

WEB_PACKAGE = "qa.web"
PACKAGE_SUFFIXES = frozenset({".py", ".pyc"})


def web_dir() -> Path | None:
    """The folder of the chat page's files, or None when the package was installed without them."""
    spec = importlib.util.find_spec(WEB_PACKAGE)
    return Path(spec.origin).parent if spec and spec.origin else None

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
    # A missing file (index.html too, when no web files are installed) or a path escaping the
    # folder raises NotFound, which the error handlers answer as JSON.
    folder = current_app.config["WEB_DIR"]
    if folder is None:
        raise NotFound("the web UI is not installed")
    # The folder is a Python package (so that the wheel carries it); its package files are not the page's.
    if Path(filename).suffix in PACKAGE_SUFFIXES or "__pycache__" in Path(filename).parts:
        raise NotFound()
    return send_from_directory(folder, filename)
