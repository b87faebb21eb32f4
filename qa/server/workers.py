"""``qa serve --workers N``: N processes answer on one listening socket, each with the whole engine.

The parent binds the socket and starts N ``qa serve`` children that inherit it and run waitress on
it (waitress's ``sockets=``). All of them accept from the one queue of the kernel, so a worker busy
answering (its threads holding the CPU and the GIL) is slower to accept and an idle one takes the
next connection, and a ``--port 0`` picks one port for all. (``SO_REUSEPORT`` would give each worker
its own queue and spread connections by a hash of the address, busy or not.) Each child opens the
index itself; a write made through one reaches the others through the store's generation, which
every request checks (:meth:`qa.engine.QA.refresh`).

The parent waits for every child to say it is ready (over a pipe), then prints the listening line.
A child that fails to start makes the parent stop the others and exit 1 with that child's error on
one line; so does a child that dies later. SIGTERM and SIGINT stop the children.
"""

from __future__ import annotations

import ctypes
import os
import select
import signal
import socket
import subprocess
import sys
from dataclasses import dataclass

from waitress.adjustments import Adjustments

# How often the parent looks at its starting children between messages.
POLL_SECONDS = 0.2
STOP_SECONDS = 10.0
# One write to a pipe of at most PIPE_BUF (4,096) bytes is atomic: the children's messages never interleave.
MAX_MESSAGE = 3000
READY, FAILED = "ready", "failed"
PR_SET_PDEATHSIG = 1


@dataclass(frozen=True)
class Worker:
    """What one child is handed: its number, the write end of the parent's pipe, the listening sockets."""

    number: int
    pipe: int
    sockets: tuple[int, ...]

    def encode(self) -> str:
        return f"{self.number}:{self.pipe}:{','.join(map(str, self.sockets))}"

    @classmethod
    def decode(cls, text: str) -> Worker:
        number, pipe, sockets = text.split(":")
        return cls(int(number), int(pipe), tuple(int(fd) for fd in sockets.split(",")))

    def listening(self) -> list[socket.socket]:
        return [socket.socket(fileno=fd) for fd in self.sockets]

    def ready(self, description: str) -> None:
        self._tell(READY, description)

    def failed(self, message: str) -> None:
        self._tell(FAILED, message)

    def _tell(self, kind: str, text: str) -> None:
        line = f"{kind} {self.number} {' '.join(text.split())}"[:MAX_MESSAGE] + "\n"
        os.write(self.pipe, line.encode())
        os.close(self.pipe)


class WorkerFailed(Exception):
    """A child failed to start, or died: the message is the line the parent prints."""


class Stopped(Exception):
    """SIGTERM reached the parent."""


def supervise(workers: int, host: str, port: int, options: list[str]) -> int:
    """Start ``workers`` children of ``qa serve OPTIONS`` on sockets bound here; return when they are stopped."""
    sockets = listen(host, port)
    read_end, write_end = os.pipe()
    children: dict[int, subprocess.Popen] = {}
    signal.signal(signal.SIGTERM, _stop_signal)
    try:
        for number in range(1, workers + 1):
            worker = Worker(number, write_end, tuple(sock.fileno() for sock in sockets))
            children[number] = subprocess.Popen(
                [sys.executable, "-m", "qa", "serve", *options, "--worker", worker.encode()],
                pass_fds=(write_end, *worker.sockets), preexec_fn=_die_with_parent, env=child_environment(workers))
        os.close(write_end)  # the children hold it now: the pipe ends when the last of them closes it
        description = _wait_ready(children, read_end)
        for bound in sockets:
            address, bound_port = bound.getsockname()[:2]
            shown = f"[{address}]" if ":" in address else address
            print(f"qa serve: listening on http://{shown}:{bound_port}/ with {workers} workers, each {description}",
                  flush=True)
        number, status = _wait_for_exit(children)
        raise WorkerFailed(f"worker {number} exited with status {status} while serving; stopped the others")
    except WorkerFailed as failure:
        print(f"qa: error: {failure}", file=sys.stderr)
        return 1
    except Stopped:
        return 0
    finally:
        _stop(children)
        os.close(read_end)
        for sock in sockets:
            sock.close()


def child_environment(workers: int) -> dict[str, str]:
    """This process's environment, with the cores shared out among ``workers`` engines.

    Each engine's OpenMP runtime starts a thread per core and spins between its parallel steps; two
    engines on two cores spun against each other and two workers answered 7-19 a second where one
    answered 40-45. One thread each gave 48-49 (``bench_server.py --workers-only``). An operator's own
    OMP_NUM_THREADS wins.
    """
    cores = len(os.sched_getaffinity(0))
    return {"OMP_NUM_THREADS": str(max(1, cores // workers)), **os.environ}


def listen(host: str, port: int) -> list[socket.socket]:
    """Listening sockets for ``host`` and ``port``, resolved and set up as waitress does its own."""
    adjustments = Adjustments(host=host, port=port)
    sockets = []
    for family, kind, protocol, address in adjustments.listen:
        sock = socket.socket(family, kind, protocol)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if family == socket.AF_INET6:
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        sock.bind(address)
        sock.listen(adjustments.backlog)
        sockets.append(sock)
    return sockets


def _wait_ready(children: dict[int, subprocess.Popen], pipe: int) -> str:
    """The capacity line of the ready children, once all are; WorkerFailed as soon as one fails."""
    ready: dict[int, str] = {}
    pending = b""
    while len(ready) < len(children):
        readable, _, _ = select.select([pipe], [], [], POLL_SECONDS)
        received = os.read(pipe, 65536) if readable else b""  # b"" also at the end: every child closed it
        pending += received
        *lines, pending = pending.split(b"\n")
        for line in lines:
            kind, number, text = line.decode(errors="replace").split(" ", 2)
            if kind == FAILED:
                raise WorkerFailed(text)
            ready[int(number)] = text
        # A child that wrote before it exited has its message read above, on this round or the next.
        for number, child in children.items():
            if number not in ready and child.poll() is not None and not received:
                raise WorkerFailed(f"worker {number} exited with status {child.returncode} while starting")
    return ready[1]


def _wait_for_exit(children: dict[int, subprocess.Popen]) -> tuple[int, int]:
    """The number and exit status of the first child to end (waiting without reaping, so Popen reaps it)."""
    ended = os.waitid(os.P_ALL, 0, os.WEXITED | os.WNOWAIT)
    for number, child in children.items():
        if child.pid == ended.si_pid:
            return number, child.wait()
    raise WorkerFailed(f"an unknown child (pid {ended.si_pid}) ended")


def _stop(children: dict[int, subprocess.Popen]) -> None:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a second SIGTERM must not cut the stopping short
    for child in children.values():
        if child.poll() is None:
            child.terminate()
    for child in children.values():
        try:
            child.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


def _stop_signal(signum: int, frame: object) -> None:
    raise Stopped


def _die_with_parent() -> None:
    """In the child before it runs: SIGTERM when the parent dies, even by SIGKILL, so no worker is orphaned."""
    if sys.platform == "linux":
        ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
