"""A waitress server run on a thread of the test, and shut down on its own loop."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from waitress.server import BaseWSGIServer


@contextmanager
def running(server: BaseWSGIServer) -> Iterator[str]:
    """``server`` serving on loopback while the block runs; its base URL."""
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"
    finally:
        # Closed on the server's own loop thread, so that its poll never finds a socket gone under it.
        server.trigger.pull_trigger(server.close)
        thread.join(timeout=60)
        server.task_dispatcher.shutdown()
