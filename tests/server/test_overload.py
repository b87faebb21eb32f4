"""Graceful overload: a full read lane is answered 503 with Retry-After and the JSON error body,
while writes and /api/health, each in a lane of their own, keep being served.

The lanes are real and the server is real (waitress on loopback, over an index of the test's own);
a test fills a lane by taking its places itself, as busy requests would, so what is refused does
not depend on how fast the machine answers.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest

from qa.engine import QA
from qa.errors import QAError
from qa.server import create_app
from qa.server.admission import RETRY_AFTER_SECONDS, SPARE_THREADS, Lane, Lanes
from qa.server.serve import create_server
from qa.settings import Settings
from tests.builders import DIDI, SMALL_TEXTS, corpus
from tests.server.loopback import running

TOKEN = "s3cret-token"
ADMIN = {"Authorization": f"Bearer {TOKEN}"}
QUESTION = "新疆新增了多少工会会员？"
RECORD = {"title": "快递小哥入会", "text": "北京市邮政快递业工会吸纳快递员入会。今年有三千名快递员入会。",
          "date": "2021-11-03"}
# Every read route, as (method, path, body).
READS = [
    ("POST", "/api/ask", {"question": QUESTION}),
    ("POST", "/api/ask", {"question": QUESTION, "stream": True}),
    ("POST", "/api/chat", {"messages": [{"role": "user", "content": QUESTION}]}),
    ("GET", "/api/search?q=%E5%B7%A5%E4%BC%9A", None),
    ("POST", "/v1/chat/completions", {"model": "newsqa", "messages": [{"role": "user", "content": QUESTION}]}),
]


@pytest.fixture
def served(tmp_path) -> Iterator[tuple[str, dict]]:
    """A waitress server over an index of its own: one read answered at once, one waiting, the rest refused."""
    qa = QA.open(tmp_path / "index", create=True)
    qa.index.add(*corpus({name: SMALL_TEXTS[name] for name in ("a.txt", "c.txt")}))
    app = create_app({"QA": qa, "ADMIN_TOKEN": TOKEN, "READ_THREADS": 1, "READ_QUEUE": 1})
    with running(create_server(app, "127.0.0.1", 0)) as base:
        yield base, app.extensions["lanes"]


def call(url: str, method: str, body: object = None, headers: dict | None = None) -> tuple[int, dict, object]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method,
                                     headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            status, headers_in, text = response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as error:
        status, headers_in, text = error.code, error.headers, error.read().decode()
    is_json = headers_in.get_content_type() == "application/json"
    return status, dict(headers_in), json.loads(text) if is_json else text


@contextmanager
def filled(lane: Lane) -> Iterator[None]:
    """Every place of ``lane`` taken, by threads that run or wait as busy requests would."""
    release = threading.Event()

    def occupy() -> None:
        assert lane.enter()
        release.wait()
        lane.leave()

    threads = [threading.Thread(target=occupy) for _ in range(lane.capacity)]
    for thread in threads:
        thread.start()
    try:
        wait_until(lambda: lane.admitted == lane.capacity)
        yield
    finally:
        release.set()
        for thread in threads:
            thread.join(timeout=60)


def wait_until(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 60
    while not condition():
        assert time.monotonic() < deadline, "the condition never came true"
        time.sleep(0.01)


def assert_refused(status: int, headers: dict, body: object) -> None:
    assert status == 503, body
    assert headers["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert isinstance(body, dict) and body["error"]["code"] == "overloaded" and "busy" in body["error"]["message"]


def test_a_full_read_lane_refuses_every_read_route_and_serves_writes_and_health(served):
    base, lanes = served
    with filled(lanes.reads):
        for method, path, body in READS:
            assert_refused(*call(base + path, method, body))
        status, _, health = call(base + "/api/health", "GET")
        assert status == 200 and health["status"] == "ok"
        status, _, added = call(base + "/api/documents", "POST", RECORD, ADMIN)
        assert status == 201, added
        doc_id = added["added"][0]["doc_id"]
        assert call(f"{base}/api/documents/{doc_id}", "DELETE", None, ADMIN)[0] == 200
        # Cheap reads outside the lane are served too.
        assert call(base + "/api/stats", "GET")[0] == 200
    # Once the places are free again, the same requests are answered.
    for method, path, body in READS:
        status, _, answer = call(base + path, method, body)
        assert status == 200, answer


def test_a_full_write_lane_refuses_writes_but_not_reads_and_checks_the_token_first(served):
    base, lanes = served
    with filled(lanes.writes):
        assert_refused(*call(base + "/api/documents", "POST", RECORD, ADMIN))
        assert_refused(*call(base + "/api/documents/ffffffffffffffff", "DELETE", None, ADMIN))
        # Without the token a write is turned away before it could take a place.
        assert call(base + "/api/documents", "POST", RECORD)[0] == 401
        status, _, answer = call(base + "/api/ask", "POST", {"question": QUESTION})
        assert status == 200 and answer["answerable"], answer
    assert call(base + "/api/documents", "POST", RECORD, ADMIN)[0] == 201


def test_a_waiting_read_is_answered_once_a_running_one_leaves(served):
    base, lanes = served
    lanes.reads.enter()  # the one running place is busy: the next read waits in the queue
    results: list[tuple[int, dict, object]] = []
    waiting = threading.Thread(target=lambda: results.append(call(base + "/api/ask", "POST", {"question": QUESTION})))
    waiting.start()
    try:
        wait_until(lambda: lanes.reads.admitted == 2)
        # The busy place and the waiting request fill the lane, so a third read is refused.
        assert_refused(*call(base + "/api/ask", "POST", {"question": QUESTION}))
        assert not results, "the waiting read was answered while the running place was still busy"
    finally:
        lanes.reads.leave()
        waiting.join(timeout=120)
    assert results and results[0][0] == 200, results


def test_waitress_has_a_thread_for_every_place_and_spare_ones(served):
    _, lanes = served
    assert lanes.threads == lanes.reads.capacity + lanes.writes.capacity + SPARE_THREADS


def test_the_lane_refuses_only_beyond_its_capacity():
    lane = Lane("reads", running=2, waiting=1)
    assert [lane.enter() for _ in range(2)] == [True, True]
    entered = threading.Event()
    waiter = threading.Thread(target=lambda: (lane.enter(), entered.set()))
    waiter.start()
    # The third request waits for a running slot; a fourth finds the lane full.
    wait_until(lambda: lane.admitted == 3)
    assert not entered.is_set()
    assert lane.enter() is False
    lane.leave()
    waiter.join(timeout=60)
    assert entered.is_set() and lane.admitted == 2
    for _ in range(2):
        lane.leave()
    assert lane.admitted == 0 and lane.enter() is True


def test_a_burst_on_a_real_qa_serve_is_answered_or_refused_never_failed(seed_qa, tmp_path):
    from tests.server.test_server_process import start, wait_for_url

    log = tmp_path / "qa-serve.log"
    process = start(seed_qa.index.directory, log, "--threads", "1", "--queue", "1")
    try:
        base = wait_for_url(process, log).rstrip("/")
        barrier = threading.Barrier(24)
        results: list[tuple[int, dict, object]] = []

        def burst() -> None:
            barrier.wait()
            results.append(call(base + "/api/ask", "POST", {"question": DIDI}))

        threads = [threading.Thread(target=burst) for _ in range(24)]
        for thread in threads:
            thread.start()
        health = call(base + "/api/health", "GET")
        for thread in threads:
            thread.join(timeout=120)
    finally:
        process.terminate()
        process.wait(timeout=30)
    assert health[0] == 200
    answered = [body for status, _, body in results if status == 200]
    refused = [(status, headers, body) for status, headers, body in results if status != 200]
    assert len(results) == 24 and answered and refused
    assert all(body["answerable"] for body in answered)
    for status, headers, body in refused:
        assert_refused(status, headers, body)
    assert "Traceback" not in log.read_text(errors="replace")


def test_lane_sizes_come_from_the_settings_explicit_values_first(monkeypatch):
    monkeypatch.setenv("QA_READ_THREADS", "3")
    monkeypatch.setenv("QA_READ_QUEUE", "0")
    monkeypatch.setenv("QA_WRITE_THREADS", "1")
    lanes = Lanes.from_settings(Settings.from_env())
    assert (lanes.reads.running, lanes.reads.waiting, lanes.writes.running) == (3, 0, 1)
    lanes = Lanes.from_settings(Settings.from_env(read_threads=2, read_queue=5))
    assert (lanes.reads.running, lanes.reads.waiting) == (2, 5)
    monkeypatch.setenv("QA_READ_QUEUE", "lots")
    with pytest.raises(QAError) as raised:
        Settings.from_env()
    assert raised.value.code == "invalid_setting" and "QA_READ_QUEUE" in str(raised.value)


def test_waiting_requests_run_in_the_order_they_came():
    lane = Lane("reads", running=1, waiting=2)
    assert lane.enter()
    order: list[str] = []
    done = {name: threading.Event() for name in "AB"}

    def request(name: str) -> None:
        lane.enter()
        order.append(name)
        done[name].wait()
        lane.leave()

    first = threading.Thread(target=request, args=("A",))
    first.start()
    wait_until(lambda: lane.admitted == 2)
    second = threading.Thread(target=request, args=("B",))
    second.start()
    wait_until(lambda: lane.admitted == 3)
    lane.leave()
    wait_until(lambda: order == ["A"])
    done["A"].set()
    wait_until(lambda: order == ["A", "B"])
    done["B"].set()
    first.join(timeout=60)
    second.join(timeout=60)
    assert lane.admitted == 0 and lane.enter()
