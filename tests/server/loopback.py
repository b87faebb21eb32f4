"""A waitress server run on a thread of the test, and shut down on its own loop."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from waitress import wasyncore
from waitress.server import BaseWSGIServer

# How long one round of the server's loop waits for its sockets: the longest a stop waits to be seen.
ROUND_SECONDS = 0.05


@contextmanager
def running(server: BaseWSGIServer) -> Iterator[str]:
    """``server`` serving on loopback while the block runs; its base URL.

    The loop runs in short rounds and stops on a flag, then closes every socket on its own thread, so that its
    poll never finds a socket gone under it. It is not stopped through the server's trigger pipe: once a CI run
    found the pipe's write end closed when the block ended (EBADF), while every request had been answered.
    """
    stopping = threading.Event()

    def serve() -> None:
        while not stopping.is_set():
            wasyncore.loop(timeout=ROUND_SECONDS, map=server._map, use_poll=server.adj.asyncore_use_poll, count=1)
        wasyncore.close_all(server._map)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"
    finally:
        stopping.set()
        thread.join(timeout=60)
        server.task_dispatcher.shutdown()
