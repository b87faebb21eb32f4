"""`qa serve --workers 2` as real processes on one loopback port: a write made through either worker
is served by both, writes through both at once end in one state, and a failed start is one line."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from qa.engine import QA
from qa.index import NewsIndex
from qa.ingest import LoadReport
from tests.builders import ROOT, SMALL_TEXTS, corpus, http_json

TOKEN = "workers-test-token"
LISTENING = re.compile(r"listening on (http://\S+/) with 2 workers")
EXPRESS = {"title": "快递小哥入会", "source": "express.txt",
           "text": "北京市邮政快递业工会吸纳快递员入会。今年共有三千名快递员加入了工会。"}
EXPRESS_QUESTION = "北京今年共有多少名快递员加入了工会？"
# Concurrent requests per round: with several in flight, whichever worker is busy answering leaves
# the next connection to the other, so a few rounds reach both.
ROUND = 8
MAX_ROUNDS = 25


def start(data_dir: Path, log: Path, *options: str) -> subprocess.Popen:
    command = [sys.executable, "-m", "qa", "serve", "--host", "127.0.0.1", "--port", "0", "--data-dir",
               str(data_dir), "--workers", "2", *options]
    with log.open("wb") as output:
        return subprocess.Popen(command, cwd=ROOT, stdout=output, stderr=subprocess.STDOUT,
                                env={**os.environ, "QA_ADMIN_TOKEN": TOKEN})


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("workers-index")
    articles, sources = corpus(SMALL_TEXTS)
    QA.open(data_dir, create=True).add(LoadReport(articles, sources))
    log = data_dir / "qa-serve.log"
    process = start(data_dir, log)
    try:
        deadline = time.monotonic() + 300
        while not (found := LISTENING.search(log.read_text(errors="replace"))):
            assert process.poll() is None and time.monotonic() < deadline, log.read_text(errors="replace")[-3000:]
            time.sleep(0.2)
        yield found.group(1), data_dir, process.pid
    finally:
        process.terminate()
        assert process.wait(timeout=60) == 0  # SIGTERM stops the workers, and the parent exits cleanly
    assert "Traceback" not in log.read_text(errors="replace")


def call(url: str, method: str = "GET", body: dict | None = None, admin: bool = False) -> tuple[int, str, dict]:
    status, headers, answer = http_json(url, method, body, TOKEN if admin else None)
    return status, headers["X-Worker"], answer


def from_every_worker(url: str, method: str = "GET", body: dict | None = None) -> dict[str, list[dict]]:
    """The responses to the same request, sent in rounds until both workers have answered it."""
    answers: dict[str, list[dict]] = defaultdict(list)
    with ThreadPoolExecutor(max_workers=ROUND) as pool:
        for _ in range(MAX_ROUNDS):
            for status, worker, answer in pool.map(lambda _: call(url, method, body), range(ROUND)):
                assert status == 200, answer
                answers[worker].append(answer)
            if len(answers) == 2:
                break
    assert sorted(answers) == ["1", "2"]
    return answers


def cited_sources(answer: dict) -> set[str]:
    return {citation["source"] for citation in answer["citations"]} | {p["source"] for p in answer["passages"]}


def test_a_document_added_through_one_worker_is_answered_by_both_and_deleted_from_both(server):
    url, _, _ = server
    status, writer, added = call(url + "api/documents", "POST", EXPRESS, admin=True)
    assert status == 201 and writer in ("1", "2")
    doc_id = added["added"][0]["doc_id"]
    asked = {"question": EXPRESS_QUESTION}
    for answers in from_every_worker(url + "api/ask", "POST", asked).values():
        assert all(answer["answerable"] and answer["citations"][0]["source"] == "express.txt"
                   and "三千名" in answer["answer"] for answer in answers)
    for listings in from_every_worker(url + "api/documents").values():
        assert all(doc_id in {item["doc_id"] for item in listing["documents"]} for listing in listings)

    status, _, _ = call(url + f"api/documents/{doc_id}", "DELETE", admin=True)
    assert status == 200
    for answers in from_every_worker(url + "api/ask", "POST", asked).values():
        assert all("express.txt" not in cited_sources(answer) for answer in answers)
    for listings in from_every_worker(url + "api/documents").values():
        assert all(doc_id not in {item["doc_id"] for item in listing["documents"]} for listing in listings)


def test_the_workers_share_the_cores_out_between_their_engines(server):
    _, _, parent = server
    children = Path(f"/proc/{parent}/task/{parent}/children").read_text().split()
    assert len(children) == 2
    cores = len(os.sched_getaffinity(0))
    expected = os.environ.get("OMP_NUM_THREADS", str(max(1, cores // 2)))
    for child in children:
        environment = dict(entry.split("=", 1) for entry in
                           Path(f"/proc/{child}/environ").read_text(errors="replace").split("\0") if "=" in entry)
        assert environment["OMP_NUM_THREADS"] == expected


def test_the_parent_supervises_without_an_engine_of_its_own(server):
    # It had imported everything the CLI imports, 180 MB that it never used.
    _, _, parent = server
    children = Path(f"/proc/{parent}/task/{parent}/children").read_text().split()
    parent_maps = Path(f"/proc/{parent}/maps").read_text()
    child_maps = Path(f"/proc/{children[0]}/maps").read_text()
    for library in ("faiss", "numpy"):
        assert library in child_maps and library not in parent_maps


def test_writes_through_both_workers_at_once_end_in_one_state(server):
    url, data_dir, _ = server
    cities = ["北京", "上海", "广州", "深圳", "成都", "武汉", "西安", "南京"]
    records = [{"title": f"{city}职工书屋落成", "source": f"library-{n}.txt",
                "text": f"{city}市总工会的职工书屋昨天落成，藏书{n}千册。"} for n, city in enumerate(cities, 1)]
    with ThreadPoolExecutor(max_workers=len(records)) as pool:
        written = list(pool.map(lambda record: call(url + "api/documents", "POST", record, admin=True), records))
    assert [status for status, _, _ in written] == [201] * len(records)
    assert {worker for _, worker, _ in written} == {"1", "2"}  # both wrote
    fresh = NewsIndex.open(data_dir)  # what SQLite holds, read from scratch
    expected = {"documents": len(fresh.snapshot.documents), "chunks": len(fresh.snapshot.chunks),
                "index_size": len(fresh.snapshot.search.vectors)}
    assert expected["documents"] == len(SMALL_TEXTS) + len(records)
    for stats in from_every_worker(url + "api/stats").values():
        assert all({key: stat[key] for key in expected} == expected for stat in stats)
    for answers in from_every_worker(url + "api/ask", "POST", {"question": "成都的职工书屋藏书多少册？"}).values():
        assert all(answer["passages"][0]["source"] == "library-5.txt" and "5千册" in answer["answer"]
                   for answer in answers)


def test_a_worker_that_cannot_start_stops_the_rest_with_one_line(tmp_path):
    log = tmp_path / "qa-serve.log"
    process = start(tmp_path / "empty", log)
    assert process.wait(timeout=300) == 1
    output = log.read_text(errors="replace").strip()
    assert output.startswith("qa: error: no index") and len(output.splitlines()) == 1, output
