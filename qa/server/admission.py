"""Admission: each kind of request has a lane of bounded size; a request beyond it is refused at once with a 503.

A lane runs at most ``running`` requests at once and lets at most ``waiting`` more wait for them,
in arrival order. Waiting happens on a request thread, so waitress is given a thread for every
place in every lane plus spare ones (:data:`SPARE_THREADS`): a refusal, ``/api/health`` and the
other cheap routes always find a thread, and the reads can never hold the one a write needs.
Refusing costs a lock and a small JSON body, so an overloaded server answers in well under a
millisecond of its own time instead of queueing every request for minutes.
"""

from __future__ import annotations

import functools
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import ParamSpec

from flask import Response, current_app

from qa.server.errors import error_response
from qa.settings import Settings

# Threads outside every lane: refusals, /api/health, /api/stats, the examples, documents and static files.
SPARE_THREADS = 4
# A full lane drains in well under a second (its waiting places are sized for that), so one second
# is a fair first guess for a client that backs off.
RETRY_AFTER_SECONDS = 1
READS, WRITES = "reads", "writes"

Params = ParamSpec("Params")


class Lane:
    """A bounded first-come-first-served queue in front of a bounded number of running requests."""

    def __init__(self, name: str, running: int, waiting: int) -> None:
        self.name = name
        self.running = running
        self.waiting = waiting
        self._lock = threading.Lock()
        self._admitted = 0
        self._busy = 0
        # A leaving request hands its slot straight to the oldest waiter, so a newcomer can never
        # overtake the queue (a plain semaphore lets it, and the queue's tail latency grows).
        self._queue: deque[threading.Event] = deque()

    @property
    def capacity(self) -> int:
        """Requests the lane holds at once, running and waiting."""
        return self.running + self.waiting

    @property
    def admitted(self) -> int:
        """Requests in the lane now, running or waiting."""
        return self._admitted

    def enter(self) -> bool:
        """Take a place, waiting for a running slot if need be; False at once when the lane is full."""
        with self._lock:
            if self._admitted >= self.capacity:
                return False
            self._admitted += 1
            if self._busy < self.running:
                self._busy += 1
                return True
            turn = threading.Event()
            self._queue.append(turn)
        turn.wait()
        return True

    def leave(self) -> None:
        with self._lock:
            self._admitted -= 1
            if self._queue:
                self._queue.popleft().set()
            else:
                self._busy -= 1


@dataclass(frozen=True)
class Lanes:
    reads: Lane
    writes: Lane

    @classmethod
    def from_settings(cls, settings: Settings) -> Lanes:
        return cls(Lane(READS, settings.read_threads, settings.read_queue),
                   Lane(WRITES, settings.write_threads, settings.write_queue))

    @property
    def threads(self) -> int:
        """Waitress threads that leave the spare ones free whatever the lanes hold."""
        return self.reads.capacity + self.writes.capacity + SPARE_THREADS


def lanes() -> Lanes:
    return current_app.extensions["lanes"]


def in_lane(name: str) -> Callable[[Callable[Params, Response]], Callable[Params, Response]]:
    """A view decorator: the view runs only with a place in lane ``name`` (READS or WRITES)."""

    def decorate(view: Callable[Params, Response]) -> Callable[Params, Response]:
        @functools.wraps(view)
        def admitted(*args: Params.args, **kwargs: Params.kwargs) -> Response:
            lane: Lane = getattr(lanes(), name)
            if not lane.enter():
                return refusal(lane)
            try:
                return view(*args, **kwargs)
            finally:
                lane.leave()

        return admitted

    return decorate


def refusal(lane: Lane) -> Response:
    response = error_response(503, "overloaded", f"the server is busy: all {lane.capacity} places for {lane.name} "
                                                 f"are taken; retry in {RETRY_AFTER_SECONDS} s")
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
