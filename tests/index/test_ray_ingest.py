"""`qa index --ray` on a real local Ray: the index it builds is the one an in-process run builds, and a
run killed halfway keeps what it committed, so that the next run skips it."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from qa.engine import QA, RaySettings
from tests.builders import CMRC_CORPUS, CMRC_QUESTIONS, assert_one_line_error, run_qa

ray = pytest.importorskip("ray")

FILES = 8
QUESTIONS = 4


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("corpus")
    for path in sorted(CMRC_CORPUS.glob("*.txt"))[:FILES]:
        shutil.copy(path, folder / path.name)
    return folder


@pytest.fixture(scope="module")
def in_process(tmp_path_factory, corpus) -> QA:
    qa = QA.open(tmp_path_factory.mktemp("in-process"), create=True)
    qa.add_paths([corpus])
    return qa


@pytest.fixture(scope="module")
def local_ray():
    """One local Ray for the module's in-process runs (each run reuses a Ray already connected)."""
    ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield
    ray.shutdown()


def index_contents(data_dir: Path) -> dict:
    """Everything an index holds but its row ids: sources, documents, sentences and chunks by document and
    position (texts, offsets, tags, tokens), and their vectors."""
    database = sqlite3.connect(data_dir / "qa.sqlite")
    try:
        def rows(sql: str) -> list[tuple]:
            return database.execute(sql).fetchall()

        sentence_columns = ", ".join(name for _, name, *_ in rows("PRAGMA table_info(sentences)")
                                     if name not in ("sentence_id", "vector"))
        chunk_columns = ", ".join(name for _, name, *_ in rows("PRAGMA table_info(chunks)")
                                  if name not in ("chunk_id", "vector"))
        return {
            "sources": rows("SELECT name, text, sha256 FROM sources ORDER BY name"),
            "documents": rows("SELECT * FROM documents ORDER BY doc_id"),
            "sentences": rows(f"SELECT {sentence_columns} FROM sentences ORDER BY doc_id, ordinal"),
            "chunks": rows(f"SELECT {chunk_columns} FROM chunks ORDER BY doc_id, ordinal"),
            "sentence_vectors": vectors(rows("SELECT vector FROM sentences ORDER BY doc_id, ordinal")),
            "chunk_vectors": vectors(rows("SELECT vector FROM chunks ORDER BY doc_id, ordinal")),
        }
    finally:
        database.close()


def vectors(rows: list[tuple]) -> np.ndarray:
    return np.stack([np.frombuffer(blob, np.float32) for blob, in rows])


def assert_same_index(data_dir: Path, expected_dir: Path) -> None:
    got, expected = index_contents(data_dir), index_contents(expected_dir)
    for key in ("sources", "documents", "sentences", "chunks"):
        assert got[key] == expected[key], key
    for key in ("sentence_vectors", "chunk_vectors"):
        assert got[key].shape == expected[key].shape
        np.testing.assert_allclose(got[key], expected[key], atol=1e-6, rtol=0)


def questions(corpus: Path) -> list[str]:
    names = {path.name for path in corpus.iterdir()}
    lines = [line for line in CMRC_QUESTIONS.read_text(encoding="utf-8").splitlines() if line.strip()]
    asked = [re.search(r'"question": "([^"]+)"', line)[1] for line in lines
             if re.search(r'"source_file": "([^"]+)"', line)[1] in names]
    return asked[:: max(1, len(asked) // QUESTIONS)][:QUESTIONS]


def test_an_index_built_on_ray_equals_one_built_in_process(tmp_path, corpus, in_process, local_ray):
    qa = QA.open(tmp_path, create=True)
    report, errors = qa.add_paths([corpus], ray=RaySettings(workers=2))
    assert not errors and len(report.added_sources) == FILES
    assert_same_index(tmp_path, in_process.index.directory)
    for question in questions(corpus):
        got, expected = qa.ask(question), in_process.ask(question)
        assert got.answer == expected.answer, question
        assert [citation.__dict__ for citation in got.citations] == [c.__dict__ for c in expected.citations]
    again, _ = qa.add_paths([corpus], ray=RaySettings(workers=1))
    assert not again.added_sources and len(again.unchanged_sources) == FILES


def served_contents(qa: QA) -> dict:
    """What an index serves, whatever its backend, but its row ids: documents, sentences and chunks by
    document and position, with their vectors."""
    snapshot = qa.index.snapshot
    sentences = sorted(range(len(snapshot.sentences)), key=lambda row: (snapshot.sentences[row].doc_id,
                                                                          snapshot.sentences[row].ordinal))
    chunks = sorted(range(len(snapshot.chunks)), key=lambda row: (snapshot.chunks[row].doc_id,
                                                                  snapshot.chunks[row].ordinal))
    return {
        "documents": sorted(snapshot.documents.values(), key=lambda info: info.doc_id),
        "sentences": [(row.doc_id, row.ordinal, row.paragraph, row.start, row.end, row.text, row.source_start,
                       row.source_end, row.tags) for row in (snapshot.sentences[index] for index in sentences)],
        "chunks": [(row.doc_id, row.ordinal, row.text, len(snapshot.chunk_sentences(row)))
                   for row in (snapshot.chunks[index] for index in chunks)],
        "sentence_vectors": snapshot.sentence_vectors[sentences],
        "chunk_vectors": snapshot.chunk_vectors[chunks],
    }


def test_ray_writes_to_the_chosen_backend(tmp_path, corpus, in_process, local_ray, monkeypatch):
    pytest.importorskip("pymilvus")
    monkeypatch.setenv("QA_BACKEND", "milvus")
    monkeypatch.delenv("QA_MILVUS_URI", raising=False)
    qa = QA.open(tmp_path, create=True)
    try:
        report, errors = qa.add_paths([corpus], ray=RaySettings(workers=2))
        assert not errors and len(report.added_sources) == FILES and qa.stats()["backend"] == "milvus"
        got, expected = served_contents(qa), served_contents(in_process)
        for key in ("documents", "sentences", "chunks"):
            assert got[key] == expected[key], key
        for key in ("sentence_vectors", "chunk_vectors"):
            np.testing.assert_allclose(got[key], expected[key], atol=1e-6, rtol=0)
        for question in questions(corpus):
            assert qa.ask(question).answer == in_process.ask(question).answer, question
    finally:
        qa.index.store.close()


def ray_processes_of(root: int) -> set[int]:
    """The processes descended from ``root``: the driver's Ray (GCS, raylet, workers, actors)."""
    table = subprocess.run(["ps", "-eo", "pid=,ppid="], capture_output=True, text=True, check=True).stdout
    children: dict[int, list[int]] = {}
    for line in table.splitlines():
        pid, ppid = map(int, line.split())
        children.setdefault(ppid, []).append(pid)
    found, todo = set(), [root]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def alive(pids: set[int]) -> set[int]:
    return {pid for pid in pids if _running(pid)}


def _running(pid: int) -> bool:
    """Whether the process exists and is not a zombie; it may vanish while its stat is read."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(") ")[-1][:1]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"


def committed_sources(data_dir: Path) -> int:
    try:
        database = sqlite3.connect(f"file:{data_dir / 'qa.sqlite'}?mode=ro", uri=True, timeout=1)
        try:
            return database.execute("SELECT COUNT(*) FROM sources").fetchone()[0]
        finally:
            database.close()
    except sqlite3.OperationalError:  # not created yet, or its schema not yet written
        return 0


def test_a_run_killed_halfway_keeps_its_commits_and_the_next_run_skips_them(tmp_path, corpus, in_process):
    data_dir = tmp_path / "data"
    # `--ray PATH`: a path is not taken for an address.
    command = [sys.executable, "-m", "qa", "index", "--ray", str(corpus), "--ray-workers", "1",
               "--data-dir", str(data_dir), "--quiet"]
    # A session of its own, so that the kill reaches the driver and every Ray process it started.
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    deadline = time.monotonic() + 180
    while committed_sources(data_dir) == 0 and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    started = ray_processes_of(process.pid)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
    committed = committed_sources(data_dir)
    assert 0 < committed < FILES, f"the kill came at {committed} of {FILES} sources"
    deadline = time.monotonic() + 30
    while alive(started) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not alive(started), subprocess.run(["ps", "-o", "pid,args", "-p", ",".join(map(str, alive(started)))],
                                              capture_output=True, text=True).stdout

    rerun = run_qa(*command[3:])
    assert rerun.returncode == 0, rerun.stderr
    assert f"indexed {FILES - committed} new or changed files" in rerun.stdout
    assert f"{committed} unchanged" in rerun.stdout
    assert_same_index(data_dir, in_process.index.directory)


def test_an_unreachable_cluster_is_one_line_and_loses_nothing(tmp_path, corpus, in_process):
    data_dir = in_process.index.directory
    before = index_contents(data_dir)
    with socket.socket() as probe:  # a port nothing listens on once the probe is closed
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = run_qa("add", str(corpus), "--ray", f"127.0.0.1:{port}", "--data-dir", str(data_dir), "--quiet")
    assert result.returncode == 1
    assert_one_line_error(result, f"cannot reach the Ray cluster at 127.0.0.1:{port}")
    after = index_contents(data_dir)
    assert after.keys() == before.keys() and all(np.array_equal(after[key], before[key]) for key in before)


def test_bad_ray_options_are_one_line(tmp_path, corpus):
    assert_one_line_error(run_qa("index", str(corpus), "--ray-workers", "2", "--data-dir", str(tmp_path)),
                          "--ray-workers needs --ray")
    assert_one_line_error(run_qa("index", str(corpus), "--ray", "ray://head:10001", "--data-dir", str(tmp_path)),
                          "Ray Data does not run through Ray Client")


def test_without_ray_installed_it_is_one_line(tmp_path, corpus):
    # sys.modules["ray"] = None makes `import ray` fail as it does where the [ray] extra is not installed.
    code = "import sys; sys.modules['ray'] = None; from qa.cli import main; sys.exit(main(sys.argv[1:]))"
    result = subprocess.run([sys.executable, "-c", code, "index", str(corpus), "--ray", "--data-dir", str(tmp_path)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert_one_line_error(result, "--ray needs Ray: pip install 'newsqa[ray]'")
