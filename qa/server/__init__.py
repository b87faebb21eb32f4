"""The web service: the product's API, the OpenAI-compatible API and the chat page in one Flask app."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask, Response


def create_app(config: dict | None = None) -> Flask:
    """The application; ``config`` may hold DATA_DIR and MODEL, or a ready ``QA`` under "QA",
    ADMIN_TOKEN for the document write routes, READ_THREADS and READ_QUEUE for the size of the
    read lane (:mod:`qa.server.admission`), and WORKER, the number of this process among the workers
    of ``qa serve --workers N``; what it leaves out comes from the settings
    (:class:`qa.settings.Settings`, read from the environment).

    The engine is loaded here, once per process, and shared by every request thread: its
    reads work on an immutable snapshot, so they need no lock of ours. Before each request the
    engine catches up with what other processes wrote to the index (:meth:`QA.refresh`).

    What it needs is imported here, as the Flask tutorial's factory does: the parent of ``qa serve --workers N``
    (:mod:`qa.server.workers`) lives in this package and holds no engine.
    """
    from flask import Flask

    from qa.engine import QA
    from qa.server import api, documents, errors, openai_compat, openapi, web
    from qa.server.admission import Lanes
    from qa.server.payload import MAX_BODY_BYTES
    from qa.settings import Settings

    app = Flask(__name__, static_folder=None)
    app.config.update(DATA_DIR=None, MODEL=None, QA=None, ADMIN_TOKEN=None, READ_THREADS=None, READ_QUEUE=None,
                      WORKER=None, WEB_DIR=web.web_dir(), MAX_CONTENT_LENGTH=MAX_BODY_BYTES)
    app.config.update(config or {})
    app.json.ensure_ascii = False
    app.json.sort_keys = False  # the answer object reads best in its own order
    settings = Settings.from_env(app.config["DATA_DIR"], app.config["MODEL"], app.config["ADMIN_TOKEN"],
                                 app.config["READ_THREADS"], app.config["READ_QUEUE"])
    app.extensions["settings"] = settings
    app.extensions["lanes"] = Lanes.from_settings(settings)
    app.extensions["qa"] = app.config["QA"] or QA.open(settings.data_dir, model=settings.model)
    app.extensions["qa"].warm()
    app.extensions["qa"].prepare_examples()
    app.extensions["started"] = int(time.time())
    app.before_request(app.extensions["qa"].refresh)
    if app.config["WORKER"]:
        worker = str(app.config["WORKER"])

        @app.after_request
        def _worker_header(response: Response) -> Response:
            # Which of the workers answered: they share one port, and a client or a test may want to know.
            response.headers["X-Worker"] = worker
            return response

    errors.register(app)
    for blueprint in (api.bp, documents.bp, openai_compat.bp, openapi.bp, web.bp):
        app.register_blueprint(blueprint)
    return app
