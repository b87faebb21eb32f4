"""``qa serve``: the app under waitress, a production WSGI server with a pool of request threads."""

from __future__ import annotations

import logging

import waitress

from qa.server import create_app


def serve(data_dir: str | None, model: str | None, host: str, port: int, threads: int) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app = create_app({"DATA_DIR": data_dir, "MODEL": model})
    # Lazy loads (jieba's dictionaries, the model's first run) happen now, not in the first user's request.
    app.extensions["qa"].ask("工会")
    server = waitress.create_server(app, host=host, port=port, threads=threads, ident="newsqa")
    # One URL per bound socket ("localhost" may bind two); the real port when --port 0 asked for any.
    listening = getattr(server, "effective_listen", None) or [(server.effective_host, server.effective_port)]
    for bound_host, bound_port in listening:
        shown = f"[{bound_host}]" if ":" in str(bound_host) else bound_host
        print(f"qa serve: listening on http://{shown}:{bound_port}/ with {threads} threads", flush=True)
    server.run()
    return 0
