"""/api/documents on an index of its own: the admin token, adding (JSON and uploads), deleting, and
answering while documents come and go (a real waitress server on loopback, threads asking)."""

from __future__ import annotations

import io
import json
import threading
import urllib.request

import pytest
import waitress

from qa.engine import QA
from qa.server import create_app
from tests.builders import SMALL_TEXTS, corpus
from tests.server.loopback import running

TOKEN = "s3cret-token"
ADMIN = {"Authorization": f"Bearer {TOKEN}"}
FIRE = {"title": "消防安全宣传", "text": "11月9日是全国消防日。各地消防救援队伍开展了消防安全宣传活动。",
        "source": "fire.txt"}
COURIER = {"title": "快递小哥入会", "text": "北京市邮政快递业工会吸纳快递员入会。今年有三千名快递员入会。",
           "date": "2021-11-03"}


@pytest.fixture
def qa(tmp_path, backend):
    qa = QA.open(tmp_path / "index", create=True)
    qa.index.add(*corpus({name: SMALL_TEXTS[name] for name in ("a.txt", "c.txt")}))
    yield qa
    # Released here, not at exit: a milvus-lite server left running holds its threads and descriptors
    # through every later test in the session.
    qa.index.store.close()


@pytest.fixture
def client(qa):
    return create_app({"QA": qa, "ADMIN_TOKEN": TOKEN, "TESTING": True}).test_client()


def sources_cited(response) -> set[str]:
    return {citation["source"] for citation in response.get_json()["citations"]}


def test_writes_are_disabled_without_a_token_and_need_the_right_one(qa, monkeypatch):
    monkeypatch.delenv("QA_ADMIN_TOKEN", raising=False)
    closed = create_app({"QA": qa, "TESTING": True}).test_client()
    response = closed.post("/api/documents", json=COURIER, headers=ADMIN)
    assert response.status_code == 403 and response.get_json()["error"]["code"] == "writes_disabled"
    assert closed.delete("/api/documents/x", headers=ADMIN).status_code == 403
    # The token is read from the environment with the other settings, when the app is made.
    monkeypatch.setenv("QA_ADMIN_TOKEN", TOKEN)
    opened = create_app({"QA": qa, "TESTING": True}).test_client()
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Basic {TOKEN}"},
                    {"Authorization": "Bearer"}):
        response = opened.post("/api/documents", json=COURIER, headers=headers)
        assert response.status_code == 401 and response.get_json()["error"]["code"] == "unauthorized"
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert opened.post("/api/documents", json=COURIER, headers=ADMIN).status_code == 201
    assert len(qa.index.documents()) == 3


def test_a_posted_record_is_listed_answered_and_added_once(client):
    response = client.post("/api/documents", json=COURIER, headers=ADMIN)
    assert response.status_code == 201, response.get_json()
    added = response.get_json()["added"]
    assert [(item["title"], item["date"]) for item in added] == [("快递小哥入会", "2021-11-03")]
    listed = client.get("/api/documents").get_json()
    assert listed["total"] == 3 and added[0] in listed["documents"]
    assert client.get(f"/api/documents?source={added[0]['source']}").get_json()["documents"] == added
    answer = client.post("/api/ask", json={"question": "有多少名快递员入会？"}).get_json()
    assert answer["answerable"] and "三千名" in answer["answer"]
    again = client.post("/api/documents", json=COURIER, headers=ADMIN)
    assert again.status_code == 200 and again.get_json()["added"] == []
    assert client.get("/api/documents").get_json()["total"] == 3


def test_a_changed_record_replaces_the_old_version_of_its_source(client):
    assert client.post("/api/documents", json=FIRE, headers=ADMIN).status_code == 201
    changed = {**FIRE, "text": "今年的消防宣传月主题是落实消防责任。"}
    assert client.post("/api/documents", json=changed, headers=ADMIN).status_code == 201
    documents = client.get("/api/documents?source=fire.txt").get_json()["documents"]
    assert len(documents) == 1
    paragraphs = client.get(f"/api/documents/{documents[0]['doc_id']}").get_json()["paragraphs"]
    assert [paragraph["text"] for paragraph in paragraphs] == ["今年的消防宣传月主题是落实消防责任。"]
    passages = client.get("/api/search?q=全国消防日&k=10").get_json()["passages"]
    assert all("11月9日" not in passage["text"] for passage in passages)


@pytest.mark.parametrize("record, fragment", [
    ({"title": "标题"}, "text"), ({"title": "", "text": "正文。"}, "title"),
    ({"title": "两行\n标题", "text": "正文。"}, "one line"), ({**COURIER, "date": "2021-13-01"}, "date"),
    ({**COURIER, "source": "a/b.txt"}, "source"), ({**COURIER, "extra": 1}, "extra"),
])
def test_invalid_records_are_refused_with_the_reason(client, record, fragment):
    response = client.post("/api/documents", json=record, headers=ADMIN)
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "invalid_record" and fragment in error["message"]


def test_uploaded_files_are_added_and_bad_ones_reported_by_name(client):
    html = ("<html><head><title>网站</title><script>var x = '不要';</script></head><body><nav>首页</nav>"
            "<h1>劳模免费体检</h1><p>密云区总工会为劳模免费体检，<br>体检项目共计21项。</p></body></html>")
    jsonl = "\n".join(json.dumps(record, ensure_ascii=False) for record in (COURIER, FIRE)) + "\n{broken\n"
    files = {
        "page": (io.BytesIO(html.encode("utf-8")), "health.html"),
        "records": (io.BytesIO(jsonl.encode("utf-8")), "batch.jsonl"),
        "gbk": (io.BytesIO("职工书屋\n\n全市建成职工书屋一百家。\n".encode("gbk")), "books.txt"),
        "binary": (io.BytesIO(b"\x00\x01\x02\xff" * 10), "photo.txt"),
        "empty": (io.BytesIO(b""), "empty.md"),
    }
    response = client.post("/api/documents", data=files, headers=ADMIN, content_type="multipart/form-data")
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert {item["source"] for item in body["added"]} == {"health.html", "batch.jsonl", "fire.txt", "books.txt"}
    assert any(line.startswith("photo.txt: binary") for line in body["errors"])
    assert any(line.startswith("empty.md: empty") for line in body["errors"])
    assert any(line.startswith("batch.jsonl:3:") for line in body["errors"])
    page = next(item for item in body["added"] if item["source"] == "health.html")
    assert page["title"] == "劳模免费体检"
    answer = client.post("/api/ask", json={"question": "全市建成了多少家职工书屋？"}).get_json()
    assert "health.html" not in sources_cited(client.post("/api/ask", json={"question": "var x"}))
    citation = answer["citations"][0]
    stored = client.application.extensions["qa"].index.source_text(citation["source"])
    assert stored[citation["start"] : citation["end"]] == citation["quote"]


def test_an_upload_with_no_usable_file_is_a_400(client):
    files = {"binary": (io.BytesIO(b"\x00\x01" * 10), "photo.txt"), "image": (io.BytesIO(b"GIF89a"), "a.gif")}
    response = client.post("/api/documents", data=files, headers=ADMIN, content_type="multipart/form-data")
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "no_documents" and "photo.txt" in error["message"] and "a.gif" in error["message"]


def test_a_deleted_document_is_never_retrieved_again_by_any_route(client):
    doc_id = client.post("/api/documents", json=FIRE, headers=ADMIN).get_json()["added"][0]["doc_id"]
    question = "全国消防日是哪一天？"
    assert "fire.txt" in sources_cited(client.post("/api/ask", json={"question": question}))
    response = client.delete(f"/api/documents/{doc_id}", headers=ADMIN)
    assert response.status_code == 200 and response.get_json() == {"deleted": doc_id}
    assert client.delete(f"/api/documents/{doc_id}", headers=ADMIN).status_code == 404
    bodies = [
        client.post("/api/ask", json={"question": question, "k": 10}).get_data(as_text=True),
        client.post("/api/ask", json={"question": question, "stream": True}).get_data(as_text=True),
        client.post("/api/chat", json={"messages": [{"role": "user", "content": question}]}).get_data(as_text=True),
        client.post("/v1/chat/completions", json={"messages": [{"role": "user", "content": question}]}
                    ).get_data(as_text=True),
        client.get("/api/search?q=全国消防日&k=50").get_data(as_text=True),
        client.get("/api/documents?limit=1000").get_data(as_text=True),
    ]
    for retriever in ("dense", "bm25"):
        bodies.append(client.get(f"/api/search?q=消防日&retriever={retriever}").get_data(as_text=True))
    assert all(doc_id not in body and "fire.txt" not in body for body in bodies)
    assert client.get(f"/api/documents/{doc_id}").status_code == 404


def _call(url: str, body: dict | None = None, headers: dict | None = None, method: str = "POST") -> tuple[int, dict]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method,
                                     headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_the_server_keeps_answering_while_documents_come_and_go(qa):
    app = create_app({"QA": qa, "ADMIN_TOKEN": TOKEN})
    with running(waitress.create_server(app, host="127.0.0.1", port=0, threads=4)) as base:
        expected = _call(f"{base}/api/ask", {"question": "新疆新增了多少工会会员？"})[1]["citations"]
        results: list[tuple[int, dict]] = []
        writing = threading.Event()
        writing.set()

        def ask() -> None:
            while writing.is_set():
                results.append(_call(f"{base}/api/ask", {"question": "新疆新增了多少工会会员？"}))

        askers = [threading.Thread(target=ask) for _ in range(3)]
        for thread in askers:
            thread.start()
        try:
            for round_number in range(3):
                record = {**COURIER, "text": f"{COURIER['text']}第{round_number}轮。", "source": "courier.txt"}
                status, body = _call(f"{base}/api/documents", record, ADMIN)
                assert status == 201, body
                status, body = _call(f"{base}/api/documents", FIRE, ADMIN)
                assert status in (200, 201), body
                listed = _call(f"{base}/api/documents?source=fire.txt", method="GET")[1]["documents"]
                assert _call(f"{base}/api/documents/{listed[0]['doc_id']}", None, ADMIN, method="DELETE")[0] == 200
        finally:
            writing.clear()
            for thread in askers:
                thread.join()
    assert len(results) >= 3
    assert all(status == 200 for status, _ in results), [body for status, body in results if status != 200][:1]
    assert all(body["citations"] == expected for _, body in results)
