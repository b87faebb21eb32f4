"""A `qa add` process killed (SIGKILL) at random moments, again and again, leaves an index that
loads whole: every document all there or not at all, no duplicates, no orphan rows or vectors."""

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
from pathlib import Path

import numpy as np
import pytest

from embeddings.vector_index import VectorIndex
from qa.engine import QA
from qa.index.chunking import article_sentences, chunk_sentences
from qa.ingest import load_path
from tests.builders import CMRC_CORPUS

KILLS = 30
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
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def check_whole(data_dir: Path, shapes: dict[str, tuple[int, int]]) -> int:
    """Open the index and check it; returns the number of documents it holds."""
    qa = QA.open(data_dir)
    try:
        snapshot = qa.index.snapshot
        database = sqlite3.connect(data_dir / "qa.sqlite")
        sources = dict(database.execute("SELECT name, text FROM sources"))
        documents = database.execute("SELECT doc_id, source FROM documents").fetchall()
        assert len({source for _, source in documents}) == len(documents) == len(sources)
        for doc_id, source in documents:
            sentences = database.execute("SELECT COUNT(*) FROM sentences WHERE doc_id = ?", (doc_id,)).fetchone()[0]
            chunks = database.execute("SELECT COUNT(*) FROM chunks WHERE doc_id = ?", (doc_id,)).fetchone()[0]
            assert (sentences, chunks) == shapes[sources[source]], source
        for table in ("sentences", "chunks"):
            orphans = f"SELECT COUNT(*) FROM {table} WHERE doc_id NOT IN (SELECT doc_id FROM documents)"
            assert database.execute(orphans).fetchone()[0] == 0, table
        duplicates = "SELECT COUNT(*) FROM (SELECT 1 FROM sentences GROUP BY doc_id, ordinal HAVING COUNT(*) > 1)"
        assert database.execute(duplicates).fetchone()[0] == 0
        chunk_ids = np.array([row[0] for row in database.execute("SELECT chunk_id FROM chunks ORDER BY chunk_id")],
                             np.int64)
        database.close()
        assert np.array_equal(np.sort(snapshot.vectors.ids()), chunk_ids)
        assert np.array_equal(np.sort(VectorIndex.load(data_dir / "vectors.faiss").ids()), chunk_ids)
        assert sorted(snapshot.documents) == sorted(doc_id for doc_id, _ in documents)
        assert len(snapshot.chunks) == len(snapshot.chunk_vectors) == snapshot.bm25.size == len(chunk_ids)
        return len(documents)
    finally:
        qa.index.store.close()
        qa.index.encoder.connection.close()


@pytest.mark.slow
def test_killed_ingestion_leaves_every_document_whole_or_absent(tmp_path):
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
        assert qa_add(folders[version], warm).wait(timeout=300) == 0
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
    assert qa_add(folders[1], timing).wait(timeout=300) == 0
    full_run = time.perf_counter() - timed
    mixed = tmp_path / "mixed"
    mixed.mkdir()
    kills = runs = 0
    while kills < KILLS and runs < 3 * KILLS:
        runs += 1
        for name in versions:  # each run changes about half of the files
            shutil.copy(folders[rng.randrange(2)] / name, mixed / name)
        process = qa_add(mixed, data_dir)
        time.sleep(rng.uniform(0.2, full_run))
        if process.poll() is None:
            os.kill(process.pid, signal.SIGKILL)
            kills += 1
        process.wait()
        check_whole(data_dir, shapes)
    assert kills == KILLS, f"only {kills} of {runs} runs were still ingesting when killed"
    assert qa_add(mixed, data_dir).wait(timeout=300) == 0
    assert check_whole(data_dir, shapes) == FILES
    print(f"{kills} kills in {runs} runs, {time.perf_counter() - started:.0f}s")
