"""``qa serve``: the app under waitress, a production WSGI server with a pool of request threads."""

from __future__ import annotations

import logging

import waitress
from flask import Flask
from waitress.server import BaseWSGIServer, MultiSocketServer

from qa.server import create_app
from qa.server.admission import Lanes


def serve(data_dir: str | None, model: str | None, host: str, port: int, threads: int | None,
          queue: int | None) -> int:
    """Serve until interrupted; ``threads`` reads are answered at once and ``queue`` more wait (None: the settings)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app = create_app({"DATA_DIR": data_dir, "MODEL": model, "READ_THREADS": threads, "READ_QUEUE": queue})
    # Lazy loads (jieba's dictionaries, the model's first run) happen now, not in the first user's request.
    app.extensions["qa"].ask("工会")
    server = create_server(app, host, port)
    lanes: Lanes = app.extensions["lanes"]
    # One URL per bound socket ("localhost" may bind two); the real port when --port 0 asked for any.
    listening = getattr(server, "effective_listen", None) or [(server.effective_host, server.effective_port)]
    for bound_host, bound_port in listening:
        shown = f"[{bound_host}]" if ":" in str(bound_host) else bound_host
        print(f"qa serve: listening on http://{shown}:{bound_port}/ with {lanes.reads.running} reads at once, "
              f"{lanes.reads.waiting} waiting, {lanes.writes.running} writes ({lanes.threads} threads)", flush=True)
    server.run()
    return 0


def create_server(app: Flask, host: str, port: int) -> BaseWSGIServer | MultiSocketServer:
    """Waitress with a thread for every place in the app's lanes and spare ones besides."""
    # Waitress's own backlog of requests waiting for a thread stays short, since no lane can hold all the threads.
    return waitress.create_server(app, host=host, port=port, threads=app.extensions["lanes"].threads,
                                  ident="newsqa")
