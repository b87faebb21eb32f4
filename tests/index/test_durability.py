"""A `qa add` process killed (SIGKILL) at random moments, again and again, leaves an index that
loads whole: every document all there or not at all, no duplicates, no orphan rows or vectors.
On each backend: SQLite's transactions, and Milvus's commit point (a source's row) with the
collection of what a killed write left when the index is next opened."""

from __future__ import annotations

import os
import random
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from embeddings.vector_index import VectorIndex
from qa.engine import QA
from qa.errors import BackendFailed, IndexMissing
from qa.index.chunking import article_sentences, chunk_sentences
from qa.ingest import load_path
from tests.builders import CMRC_CORPUS

KILLS = 30
MILVUS_KILLS = 12
FILES = 12


def short_articles() -> dict[str, tuple[str, str]]:
    """Two versions of a dozen short articles (a title and two sentences of a CMRC paragraph)."""
    versions = {}
    for number, path in enumerate(sorted(CMRC_CORPUS.glob("*.txt")) * 2):
        if len(versions) == FILES:
            break
        title, body = path.read_text(encoding="utf-8").split("\n", 1)
        sentences = re.findall(r"[^。！？]+[。！？]", body.strip())
        first = "".join(sentences[number // 10 * 2 : number // 10 * 2 + 2]) or body.strip()[:80]
        versions[f"article_{number:02d}.txt"] = (f"{title}\n\n{first}\n", f"{title}\n\n{first}\n\n本文已更新。\n")
    return versions


def expected_shapes(folder: Path) -> dict[str, tuple[int, int]]:
    """Per source text: its sentence and chunk counts, as the index must hold them."""
    report = load_path(folder)
    counts = {}
    for article in report.articles:
        sentences = article_sentences(article)
        counts[report.sources[article.source]] = (len(sentences), len(chunk_sentences(sentences)))
    return counts


def qa_add(folder: Path, data_dir: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "qa", "add", str(folder), "--data-dir", str(data_dir), "--quiet"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def finished(process: subprocess.Popen) -> None:
    """Wait for a run that must succeed; where it fails, the assertion shows its one line of error."""
    _, error = process.communicate(timeout=300)
    assert process.returncode == 0, error


# Source texts by name, (doc_id, source) of each document, (doc_id, ordinal) of each sentence row and
# (doc_id, chunk_id) of each chunk row, as a backend holds them.
Stored = tuple[dict[str, str], list[tuple[str, str]], list[tuple[str, int]], list[tuple[str, int]]]


def stored_in_sqlite(data_dir: Path) -> Stored:
    """What the local backend's database holds, every row of it."""
    database = sqlite3.connect(data_dir / "qa.sqlite")
    try:
        sources = dict(database.execute("SELECT name, text FROM sources"))
        documents = database.execute("SELECT doc_id, source FROM documents").fetchall()
        sentences = database.execute("SELECT doc_id, ordinal FROM sentences").fetchall()
        chunks = database.execute("SELECT doc_id, chunk_id FROM chunks").fetchall()
    finally:
        database.close()
    return sources, documents, sentences, chunks


def stored_in_milvus(qa: QA) -> Stored:
    """What the Milvus backend holds: the documents its manifests name, and every sentence and chunk
    row in its collections, whether a manifest names it or not (read with pymilvus)."""
    from qa.index.milvus_store import KEYS

    client, names = qa.index.store.client, qa.index.store.names
    documents = [(info.doc_id, info.source) for info in qa.index.snapshot.documents.values()]
    sources = {source: qa.index.source_text(source) for _, source in documents}

    def every(table: str, field: str) -> list[tuple[str, int]]:
        if not client.has_collection(names[table]):  # a run killed before its first write made them
            return []
        rows = client.query(names[table], filter='doc_id != ""', output_fields=["doc_id", field], limit=16_384)
        # One row per key: Milvus may return a key twice (see milvus_store.KEYS), which is still one row.
        return list({row[KEYS[table]]: (row["doc_id"], row[field]) for row in rows}.values())

    return sources, documents, every("sentences", "ordinal"), every("chunks", "chunk_id")


def check_whole(data_dir: Path, shapes: dict[str, tuple[int, int]], backend: str) -> int:
    """Open the index and check what its backend holds; returns the number of documents it holds."""
    qa = QA.open(data_dir)
    try:
        snapshot = qa.index.snapshot
        sources, documents, sentences, chunks = (stored_in_milvus(qa) if backend == "milvus"
                                                 else stored_in_sqlite(data_dir))
        assert len({source for _, source in documents}) == len(documents) == len(sources)
        sentence_counts = Counter(doc_id for doc_id, _ in sentences)
        chunk_counts = Counter(doc_id for doc_id, _ in chunks)
        for doc_id, source in documents:
            assert (sentence_counts[doc_id], chunk_counts[doc_id]) == shapes[sources[source]], source
        # No orphan rows, and no sentence twice.
        assert set(sentence_counts) | set(chunk_counts) <= {doc_id for doc_id, _ in documents}
        assert len(set(sentences)) == len(sentences)
        chunk_ids = np.array(sorted(chunk_id for _, chunk_id in chunks), np.int64)
        assert np.array_equal(snapshot.chunk_ids, chunk_ids)
        assert sorted(snapshot.documents) == sorted(doc_id for doc_id, _ in documents)
        assert len(snapshot.chunks) == len(snapshot.chunk_vectors) == snapshot.search.size == len(chunk_ids)
        if backend == "local":
            assert np.array_equal(np.sort(snapshot.search.vectors.ids()), chunk_ids)
            assert np.array_equal(np.sort(VectorIndex.load(data_dir / "vectors.faiss").ids()), chunk_ids)
            assert snapshot.search.bm25.size == len(chunk_ids)
        return len(documents)
    finally:
        close(qa)


def close(qa: QA) -> None:
    """Release what an open QA holds: the backend's store (milvus-lite's file lock) and the embedding cache."""
    qa.index.store.close()
    qa.index.encoder.connection.close()


@pytest.fixture
def milvus_articles(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    """The Milvus backend for this test, a folder of the short articles' first versions, and a data directory."""
    pytest.importorskip("pymilvus")
    monkeypatch.setenv("QA_BACKEND", "milvus")
    monkeypatch.delenv("QA_MILVUS_URI", raising=False)
    folder, data_dir = tmp_path / "articles", tmp_path / "data"
    folder.mkdir()
    for name, (text, _) in short_articles().items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder, data_dir


@pytest.mark.slow
def test_killed_ingestion_leaves_every_document_whole_or_absent(tmp_path, backend):
    # Each kill on Milvus costs a milvus-lite start and the collection of what the killed run left.
    kills = KILLS if backend == "local" else MILVUS_KILLS
    versions = short_articles()
    folders = {}
    for version in (0, 1):
        folders[version] = tmp_path / f"v{version}"
        folders[version].mkdir()
        for name, texts in versions.items():
            (folders[version] / name).write_text(texts[version], encoding="utf-8")
    shapes = {**expected_shapes(folders[0]), **expected_shapes(folders[1])}
    # Embed both versions once, so that the runs below spend their time indexing, not embedding.
    warm = tmp_path / "warm"
    started = time.perf_counter()
    for version in (0, 1):
        finished(qa_add(folders[version], warm))
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    shutil.copy(warm / "embeddings.sqlite", data_dir / "embeddings.sqlite")
    rng = random.Random(6)
    # Timed as the killed runs go, from a warm embedding cache: a cold run takes many times longer on a
    # busy machine, and sleeps drawn up to that length would outlast most runs before the kill comes.
    timing = tmp_path / "timing"
    timing.mkdir()
    shutil.copy(warm / "embeddings.sqlite", timing / "embeddings.sqlite")
    timed = time.perf_counter()
    finished(qa_add(folders[1], timing))
    full_run = time.perf_counter() - timed
    mixed = tmp_path / "mixed"
    mixed.mkdir()
    killed = runs = 0
    made = False  # whether an index has been seen: from then on it must always open
    while killed < kills and runs < 3 * kills:
        runs += 1
        for name in versions:  # each run changes about half of the files
            shutil.copy(folders[rng.randrange(2)] / name, mixed / name)
        process = qa_add(mixed, data_dir)
        time.sleep(rng.uniform(0.2, full_run))
        if process.poll() is None:
            os.kill(process.pid, signal.SIGKILL)
            killed += 1
            process.communicate()
        else:
            finished(process)
        try:
            check_whole(data_dir, shapes, backend)
            made = True
        except IndexMissing:
            # Killed before the index was first made: nothing was indexed, and a later run makes it.
            assert not made, "an index that was made went missing"
    assert killed == kills, f"only {killed} of {runs} runs were still ingesting when killed"
    finished(qa_add(mixed, data_dir))
    assert check_whole(data_dir, shapes, backend) == FILES
    print(f"{killed} kills in {runs} runs, {time.perf_counter() - started:.0f}s")


def test_a_log_milvus_lite_replays_after_flushing_it_leaves_the_index_whole(milvus_articles):
    """milvus-lite killed while it closes, after its flush and before it removes its write-ahead logs,
    replays those logs on its next open, and every row they wrote is then read twice (a kill in that
    window left 5 of 60 such files so). The index opens whole all the same."""
    from pymilvus import MilvusClient

    from qa.index.milvus_store import KEYS

    folder, data_dir = milvus_articles
    qa = QA.open(data_dir, create=True)
    assert not qa.add_paths([folder])[1]
    logs = {path: path.read_bytes() for path in (data_dir / "milvus.db").glob("collections/*/wal/*.arrow")}
    assert logs, "the writes are not in milvus-lite's logs before it closes"
    close(qa)
    assert not any(path.exists() for path in logs), "closing did not flush and remove the logs"
    for path, data in logs.items():  # as a kill after the flush leaves them
        path.write_bytes(data)

    lite_file = str(data_dir / "milvus.db")
    client = MilvusClient(lite_file)
    try:
        client.load_collection("qa_sentences")
        rows = client.query("qa_sentences", filter="sentence_id >= 0", output_fields=[KEYS["sentences"]])
        assert len(rows) == 2 * len({row[KEYS["sentences"]] for row in rows}), "the logs were not replayed"
    finally:
        client.close()
        from milvus_lite.server_manager import server_manager_instance

        server_manager_instance.release_server(lite_file)
    assert check_whole(data_dir, expected_shapes(folder), "milvus") == FILES


def test_a_run_killed_while_it_makes_the_collections_leaves_what_the_next_run_finishes(milvus_articles):
    """A first write makes the sentence collection, then the chunk one, each made, then indexed, then loaded:
    a kill between two steps leaves the sentences without the chunks, or a collection without its index.
    The next run makes and indexes what is missing (a kill between the two collections once left an
    index that no later run could write to, a one-in-many kill of the test above)."""
    folder, data_dir = milvus_articles
    qa = QA.open(data_dir, create=True)
    store = qa.index.store
    store._create_data_tables(qa.index.encoder.dim)
    client, names = store.client, store.names
    client.drop_collection(names["chunks"])
    for table, field in (("sentences", "vector"), ("texts", "placeholder")):
        client.release_collection(names[table])
        client.drop_index(names[table], field)
        assert not client.list_indexes(names[table])
    close(qa)

    qa = QA.open(data_dir)
    try:
        assert not qa.add_paths([folder])[1]
    finally:
        close(qa)
    assert check_whole(data_dir, expected_shapes(folder), "milvus") == FILES


def test_a_milvus_that_fails_under_a_write_is_reported_in_one_error_and_loses_nothing(milvus_articles):
    """The server goes away between the open and a write: the write raises the error the CLI prints as one
    line and the API answers with a 503, not pymilvus's own; the index opens whole again afterwards."""
    from milvus_lite.server_manager import server_manager_instance

    folder, data_dir = milvus_articles
    qa = QA.open(data_dir, create=True)
    assert not qa.add_paths([folder])[1]
    server_manager_instance.release_server(qa.index.store.lite_file)
    doc_id = next(iter(qa.index.snapshot.documents))
    with pytest.raises(BackendFailed, match=r"^Milvus at .*milvus\.db failed: ") as failure:
        qa.delete([doc_id])
    assert failure.value.status == 503
    close(qa)
    assert check_whole(data_dir, expected_shapes(folder), "milvus") == FILES


def test_a_milvus_that_fails_between_the_pages_of_a_read_is_reported_in_one_error(milvus_articles):
    """A read of more rows than a page comes in pages read after the call that starts it: a server that goes
    away between two pages fails the read with the same one-line error as any other call."""
    from milvus_lite.server_manager import server_manager_instance

    folder, data_dir = milvus_articles
    qa = QA.open(data_dir, create=True)
    assert not qa.add_paths([folder])[1]
    store = qa.index.store
    pages = store.client.query_iterator(store.names["sentences"], batch_size=1, filter="", output_fields=["doc_id"])
    assert pages.next()
    server_manager_instance.release_server(store.lite_file)
    with pytest.raises(BackendFailed, match=r"^Milvus at .*milvus\.db failed: "):
        pages.next()
    close(qa)
    assert check_whole(data_dir, expected_shapes(folder), "milvus") == FILES
