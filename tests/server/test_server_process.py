"""`qa serve` as a real process on a loopback port: the official openai client, the SSE stream, concurrency."""

from __future__ import annotations

import http.client
import json
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from openai import OpenAI

from tests.builders import (
    DIDI,
    DIDI_FOLLOW_UP,
    DIDI_SOURCE,
    QINHUANGDAO,
    QINHUANGDAO_SOURCE,
    ROOT,
    XINJIANG,
    XINJIANG_FOOTNOTE,
    XINJIANG_SOURCE,
    assert_answer_stream,
    parse_sse,
    wait_for_url,
)


def start(data_dir: Path, log: Path, *options: str) -> subprocess.Popen:
    command = [sys.executable, "-m", "qa", "serve", "--host", "127.0.0.1", "--port", "0", "--data-dir",
               str(data_dir), *options]
    with log.open("wb") as output:
        return subprocess.Popen(command, cwd=ROOT, stdout=output, stderr=subprocess.STDOUT)


@pytest.fixture(scope="module")
def server(seed_qa, tmp_path_factory):
    log = tmp_path_factory.mktemp("serve") / "qa-serve.log"
    # Room in the read lane for the twenty requests sent at once below; test_overload.py fills it.
    process = start(seed_qa.index.directory, log, "--threads", "8", "--queue", "12")
    try:
        yield wait_for_url(process, log)
    finally:
        process.terminate()
        process.wait(timeout=30)
    assert "Traceback" not in log.read_text(errors="replace")


def post(url: str, body: object, headers: dict | None = None) -> tuple[int, str, dict | str]:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            status, content_type, text = response.status, response.headers["Content-Type"], response.read().decode()
    except urllib.error.HTTPError as error:
        status, content_type, text = error.code, error.headers["Content-Type"], error.read().decode()
    return status, content_type, json.loads(text) if content_type == "application/json" else text


def test_openai_client_plain(server):
    client = OpenAI(base_url=server + "v1", api_key="not-needed", max_retries=0)
    assert [model.id for model in client.models.list()] == ["newsqa"]
    completion = client.chat.completions.create(model="newsqa", messages=[{"role": "user", "content": XINJIANG}])
    content = completion.choices[0].message.content
    assert "21.97万人" in content and content.endswith(XINJIANG_FOOTNOTE)
    assert completion.choices[0].finish_reason == "stop"
    assert completion.model_extra["citations"][0]["source"] == XINJIANG_SOURCE


def test_openai_client_streamed(server):
    client = OpenAI(base_url=server + "v1", api_key="not-needed", max_retries=0)
    messages = [{"role": "user", "content": DIDI}, {"role": "assistant", "content": "郭鑫"},
                {"role": "user", "content": DIDI_FOLLOW_UP}]
    plain = client.chat.completions.create(model="newsqa", messages=messages).choices[0].message.content
    chunks = list(client.chat.completions.create(model="newsqa", messages=messages, stream=True))
    assert len(chunks) > 3
    assert "".join(chunk.choices[0].delta.content or "" for chunk in chunks) == plain
    assert "近1000人" in plain
    assert chunks[-1].choices[0].finish_reason == "stop"
    assert chunks[-1].model_extra["citations"][0]["source"] == DIDI_SOURCE


def test_api_chat_event_stream_read_line_by_line(server):
    body = {"messages": [{"role": "user", "content": XINJIANG}]}
    _, _, expected = post(server + "api/chat", body)
    address = urlsplit(server)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=60)
    connection.request("POST", "/api/chat", body=json.dumps({**body, "stream": True}),
                       headers={"Content-Type": "application/json"})
    response = connection.getresponse()
    assert response.status == 200 and response.headers["Content-Type"].startswith("text/event-stream")
    assert response.headers["Transfer-Encoding"] == "chunked"  # sent as it is produced, with no length up front
    lines = []
    for raw in response:  # the body as it arrives, one line at a time
        lines.append(raw.decode("utf-8"))
    connection.close()
    events = [(name, json.loads(data)) for name, data in parse_sse("".join(lines))]
    assert_answer_stream(events, expected)


def test_twenty_concurrent_requests_are_all_answered_correctly(server):
    cases = [
        ("api/ask", {"question": XINJIANG}, lambda body: body["citations"][0]["source"] == XINJIANG_SOURCE
         and "21.97万人" in body["answer"]),
        ("api/ask", {"question": DIDI}, lambda body: body["span"] == "郭鑫"),
        ("api/chat", {"messages": [{"role": "user", "content": DIDI}, {"role": "assistant", "content": "郭鑫"},
                                   {"role": "user", "content": DIDI_FOLLOW_UP}]},
         lambda body: "近1000人" in body["answer"] and body["citations"][0]["source"] == DIDI_SOURCE),
        ("api/ask", {"question": QINHUANGDAO, "k": 3},
         lambda body: body["passages"][0]["source"] == QINHUANGDAO_SOURCE and len(body["passages"]) == 3),
        ("v1/chat/completions", {"model": "newsqa", "messages": [{"role": "user", "content": XINJIANG}]},
         lambda body: body["choices"][0]["message"]["content"].endswith(XINJIANG_FOOTNOTE)),
    ]
    start = threading.Barrier(20)

    def one(number: int) -> bool:
        path, body, correct = cases[number % len(cases)]
        start.wait()  # all twenty in flight together
        status, _, answer = post(server + path, body)
        return status == 200 and correct(answer)

    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(one, range(20)))
    assert results == [True] * 20


def test_bad_requests_over_the_wire_are_json_and_harmless(server):
    status, content_type, body = post(server + "api/ask", b'{"question": ')
    assert (status, content_type, body["error"]["code"]) == (400, "application/json", "invalid_json")
    status, _, body = post(server + "api/ask", b" " * (2 * 1024 * 1024))
    assert (status, body["error"]["code"]) == (413, "payload_too_large")
    address = urlsplit(server)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=60)
    # Chunked, so no Content-Length announces the size in advance.
    connection.request("POST", "/api/ask", body=iter([b" " * 65536] * 20), encode_chunked=True)
    response = connection.getresponse()
    assert response.status == 413 and json.loads(response.read())["error"]["code"] == "payload_too_large"
    connection.close()
    with pytest.raises(urllib.error.HTTPError) as missing:
        urllib.request.urlopen(server + "no/such/page", timeout=30)
    assert missing.value.code == 404 and missing.value.headers["Content-Type"] == "application/json"
    status, _, body = post(server + "api/ask", {"question": XINJIANG})
    assert status == 200 and body["citations"][0]["source"] == XINJIANG_SOURCE


def test_serve_without_an_index_fails_in_one_line(tmp_path):
    log = tmp_path / "qa-serve.log"
    process = start(tmp_path / "empty", log)
    assert process.wait(timeout=120) == 1
    output = log.read_text(errors="replace").strip()
    assert output.startswith("qa: error: no index") and len(output.splitlines()) == 1
