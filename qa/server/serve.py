"""``qa serve``: the app under waitress, a production WSGI server with a pool of request threads."""

from __future__ import annotations

import logging
import socket

import waitress
from flask import Flask
from waitress.server import BaseWSGIServer, MultiSocketServer

from qa.errors import QAError
from qa.server import create_app
from qa.server.admission import Lanes
from qa.server.workers import Worker


def serve(data_dir: str | None, model: str | None, host: str, port: int, threads: int | None,
          queue: int | None, worker: Worker | None = None) -> int:
    """Serve until interrupted; ``threads`` reads are answered at once and ``queue`` more wait (None: the
    settings). A ``worker`` of ``qa serve --workers N`` serves on the sockets its parent bound and tells
    the parent, not the terminal, that it is ready or why it could not start."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # faiss says at INFO which CPU build it loads, once the engine is imported: no news to an operator.
    logging.getLogger("faiss.loader").setLevel(logging.WARNING)
    try:
        app = create_app({"DATA_DIR": data_dir, "MODEL": model, "READ_THREADS": threads, "READ_QUEUE": queue,
                          "WORKER": worker.number if worker else None})
        # Lazy loads (jieba's dictionaries, the model's first run) happen now, not in the first user's request.
        app.extensions["qa"].ask("工会")
    except (QAError, OSError, ValueError) as error:
        if worker is None:
            raise
        worker.failed(str(error))  # the parent prints it once, not once per worker
        return 1
    lanes: Lanes = app.extensions["lanes"]
    capacity = (f"{lanes.reads.running} reads at once, {lanes.reads.waiting} waiting, {lanes.writes.running} writes "
                f"({lanes.threads} threads)")
    if worker is not None:
        server = create_server(app, sockets=worker.listening())
        worker.ready(capacity)
        server.run()
        return 0
    server = create_server(app, host, port)
    # One URL per bound socket ("localhost" may bind two); the real port when --port 0 asked for any.
    listening = getattr(server, "effective_listen", None) or [(server.effective_host, server.effective_port)]
    for bound_host, bound_port in listening:
        shown = f"[{bound_host}]" if ":" in str(bound_host) else bound_host
        print(f"qa serve: listening on http://{shown}:{bound_port}/ with {capacity}", flush=True)
    server.run()
    return 0


def create_server(app: Flask, host: str = "127.0.0.1", port: int = 0,
                  sockets: list[socket.socket] | None = None) -> BaseWSGIServer | MultiSocketServer:
    """Waitress with a thread for every place in the app's lanes and spare ones besides, listening on
    ``host`` and ``port``, or on ``sockets`` already bound."""
    # Waitress's own backlog of requests waiting for a thread stays short, since no lane can hold all the threads.
    where: dict = {"sockets": sockets} if sockets else {"host": host, "port": port}
    return waitress.create_server(app, threads=app.extensions["lanes"].threads, ident="newsqa", **where)
