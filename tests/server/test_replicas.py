"""Two `qa serve` processes answering from one Milvus, as stateless replicas behind a load balancer
would: a real `milvus-lite server` on loopback, each replica with a data directory of its own (only its
embedding cache). A document added through one is answered by the other; one deleted through the
other is gone from both."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from qa.engine import QA
from qa.ingest import LoadReport
from tests.builders import ROOT, SMALL_TEXTS, corpus, http_json, wait_for_url

pytest.importorskip("pymilvus")

TOKEN = "replicas-test-token"
EXPRESS = {"title": "快递小哥入会", "source": "express.txt",
           "text": "北京市邮政快递业工会吸纳快递员入会。今年共有三千名快递员加入了工会。"}
EXPRESS_QUESTION = "北京今年共有多少名快递员加入了工会？"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_milvus(uri: str, process: subprocess.Popen, timeout: float = 60.0) -> None:
    from pymilvus import MilvusClient
    from pymilvus.exceptions import MilvusException

    deadline = time.monotonic() + timeout
    while True:
        assert process.poll() is None, "milvus-lite server exited"
        try:
            MilvusClient(uri, timeout=2).close()
            return
        except MilvusException:
            assert time.monotonic() < deadline, f"milvus-lite server at {uri} did not start"
            time.sleep(0.5)


def call(url: str, method: str = "GET", body: dict | None = None, admin: bool = False) -> tuple[int, dict]:
    status, _, answer = http_json(url, method, body, TOKEN if admin else None)
    return status, answer


@pytest.fixture(scope="module")
def replicas(tmp_path_factory):
    folder = tmp_path_factory.mktemp("replicas")
    uri = f"http://127.0.0.1:{free_port()}"
    milvus_log = (folder / "milvus.log").open("wb")
    milvus = subprocess.Popen([str(Path(sys.executable).parent / "milvus-lite"), "server", "--data-dir",
                               str(folder / "milvus"), "--host", "127.0.0.1", "--port", uri.rsplit(":", 1)[1]],
                              stdout=milvus_log, stderr=subprocess.STDOUT)
    environment = {**os.environ, "QA_BACKEND": "milvus", "QA_MILVUS_URI": uri, "QA_ADMIN_TOKEN": TOKEN}
    servers: list[subprocess.Popen] = []
    try:
        wait_for_milvus(uri, milvus)
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("QA_BACKEND", "milvus")
            patch.setenv("QA_MILVUS_URI", uri)
            qa = QA.open(folder / "indexer", create=True)
            qa.add(LoadReport(*corpus(SMALL_TEXTS)))
            qa.index.store.close()
        logs = []
        for number in (1, 2):
            logs.append(folder / f"replica-{number}.log")
            with logs[-1].open("wb") as output:
                servers.append(subprocess.Popen(
                    [sys.executable, "-m", "qa", "serve", "--host", "127.0.0.1", "--port", "0", "--data-dir",
                     str(folder / f"replica-{number}")], cwd=ROOT, stdout=output, stderr=subprocess.STDOUT,
                    env=environment))
        urls = [wait_for_url(server, log, timeout=300) for server, log in zip(servers, logs, strict=True)]
        yield urls
        for log in logs:
            assert "Traceback" not in log.read_text(errors="replace")
    finally:
        for process in [*servers, milvus]:
            process.terminate()
            process.wait(timeout=60)
        milvus_log.close()


def cited_sources(answer: dict) -> set[str]:
    return {citation["source"] for citation in answer["citations"]} | {p["source"] for p in answer["passages"]}


def listed(url: str) -> set[str]:
    status, body = call(url + "api/documents?limit=1000")
    assert status == 200, body
    return {item["doc_id"] for item in body["documents"]}


def test_a_document_added_through_one_replica_is_answered_by_the_other_and_deleted_from_both(replicas):
    first, second = replicas
    assert call(first + "api/stats")[1]["documents"] == call(second + "api/stats")[1]["documents"] == 3
    status, added = call(first + "api/documents", "POST", EXPRESS, admin=True)
    assert status == 201, added
    doc_id = added["added"][0]["doc_id"]
    status, answer = call(second + "api/ask", "POST", {"question": EXPRESS_QUESTION})
    assert status == 200 and answer["answerable"], answer
    assert answer["citations"][0]["source"] == "express.txt" and "三千名" in answer["answer"]
    assert doc_id in listed(second)
    assert call(second + f"api/documents/{doc_id}")[0] == 200

    status, _ = call(second + f"api/documents/{doc_id}", "DELETE", admin=True)
    assert status == 200
    for url in replicas:
        status, answer = call(url + "api/ask", "POST", {"question": EXPRESS_QUESTION, "k": 10})
        assert status == 200 and "express.txt" not in cited_sources(answer), answer
        assert doc_id not in listed(url)
        assert call(url + f"api/documents/{doc_id}")[0] == 404
    assert call(first + "api/stats")[1]["documents"] == call(second + "api/stats")[1]["documents"] == 3
