"""What one add or delete costs the index, at seed size and at 10k+ chunks.

Usage: python bench/bench_writes.py [--copies 40] [--repeats 5]
Seed size: the seeds indexed with the real model (the warm cache in bench/out/ is reused when present).
10k+: the 300 CMRC sample paragraphs under --copies source names, chunked for real but with random unit
vectors written straight to SQLite (embedding 40k texts would take an hour on 2 cores and says nothing
about the index): they go through ``qa.index.prepare.prepare_articles`` with a stand-in encoder. Each write
is timed whole (``NewsIndex.add``/``delete``: SQLite transaction, snapshot update, FAISS save) with the new
article's embeddings already cached, and its new snapshot's derivation alone (``qa.index.snapshot.derive``).
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import numpy as np
from common import SEED_CACHE, SEEDS, spread

from qa.index import NewsIndex, news_index
from qa.index.prepare import prepare_articles
from qa.ingest import load_path
from qa.ingest.article import Article, Paragraph
from qa.text.source import SourceText

CMRC = Path(__file__).resolve().parent / "data" / "cmrc_train_sample" / "corpus"
NEW = ("快递小哥入会", "北京市邮政快递业工会吸纳快递员入会。今年已有三千名快递小哥成为会员。")


def article(name: str, title: str, body: str) -> tuple[Article, str]:
    start = len(title) + 2
    return Article(name, title, [Paragraph(SourceText(body, [(start, start + len(body))]))]), f"{title}\n\n{body}\n"


class RandomEncoder:
    """Stands in for the embedding cache in ``prepare_articles``: a random unit vector per text."""

    def __init__(self, dim: int, seed: int = 0) -> None:
        self.dim = dim
        self.rng = np.random.default_rng(seed)

    def encode_documents(self, texts: Sequence[str], progress: Callable[[int], None] | None = None) -> np.ndarray:
        vectors = self.rng.standard_normal((len(texts), self.dim)).astype(np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        if progress:
            progress(len(texts))
        return vectors


def fill_synthetic(index: NewsIndex, copies: int) -> None:
    """CMRC paragraphs under ``copies`` names each, random vectors, written in one pass per source."""
    encoder = RandomEncoder(index.encoder.dim)
    loaded = load_path(CMRC)
    for copy in range(copies):
        items = [Article(f"{copy:03d}_{original.source}", original.title, original.paragraphs)
                 for original in loaded.articles]
        prepared = prepare_articles(items, encoder)
        for item, original in zip(items, loaded.articles, strict=True):
            index.store.replace_source(item.source, loaded.sources[original.source], item.source,
                                       [prepared[item.doc_id]])


@contextmanager
def timed_derive(samples: list[float]) -> Iterator[None]:
    """Time each ``derive`` of a new snapshot, wrapping the name the index module calls it by."""
    derive = news_index.derive

    def timed(*args, **kwargs):
        began = time.perf_counter()
        try:
            return derive(*args, **kwargs)
        finally:
            samples.append((time.perf_counter() - began) * 1000)

    news_index.derive = timed
    try:
        yield
    finally:
        news_index.derive = derive


def time_writes(index: NewsIndex, repeats: int) -> dict:
    index.add(*_new(0))  # embeds the new article once; the timed adds below find it cached
    index.delete([doc_id for doc_id in index.snapshot.documents if index.snapshot.documents[doc_id].source == "new0"])
    derived: list[float] = []
    adds, deletes, middle = [], [], []
    with timed_derive(derived):
        for number in range(repeats):
            began = time.perf_counter()
            index.add(*_new(number))
            adds.append((time.perf_counter() - began) * 1000)
            new = [doc_id for doc_id, info in index.snapshot.documents.items() if info.source == f"new{number}"]
            began = time.perf_counter()
            index.delete(new)
            deletes.append((time.perf_counter() - began) * 1000)
            documents = list(index.snapshot.documents)
            began = time.perf_counter()
            index.delete([documents[len(documents) // 2]])  # rows after it move up
            middle.append((time.perf_counter() - began) * 1000)
    return {"chunks": len(index.snapshot.chunks), "sentences": len(index.snapshot.sentences), "add": spread(adds),
            "delete": spread(deletes), "delete_middle": spread(middle), "derive": spread(derived)}


def _new(number: int) -> tuple[list[Article], dict[str, str]]:
    item, text = article(f"new{number}", *NEW)
    return [item], {f"new{number}": text}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=40, help="copies of the 300 CMRC paragraphs (default 40)")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as temporary:
        seed_dir = Path(temporary) / "seed"
        seed_dir.mkdir()
        if SEED_CACHE.exists():
            shutil.copy(SEED_CACHE, seed_dir / "embeddings.sqlite")
        index = NewsIndex.open(seed_dir, create=True)
        loaded = load_path(SEEDS)
        index.add(loaded.articles, loaded.sources)
        rows.append(("seeds", time_writes(index, args.repeats)))
        large_dir = Path(temporary) / "large"
        large_dir.mkdir()
        shutil.copy(seed_dir / "embeddings.sqlite", large_dir / "embeddings.sqlite")
        index = NewsIndex.open(large_dir, create=True)
        fill_synthetic(index, args.copies)
        began = time.perf_counter()
        index = NewsIndex.open(large_dir)
        opened = (time.perf_counter() - began) * 1000
        rows.append((f"CMRC x{args.copies} (full load {opened:.0f} ms)", time_writes(index, args.repeats)))
    print(f"Median (min–max) of {args.repeats} writes, ms; an add is one one-paragraph article with cached "
          "embeddings; 'snapshot derive' is qa.index.snapshot.derive alone, the new snapshot built from the "
          "old one (all writes; the rows' read-back and the FAISS save are outside it)\n")
    print("| corpus | chunks | sentences | add | delete it | delete one mid-corpus | snapshot derive |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, row in rows:
        print(f"| {name} | {row['chunks']} | {row['sentences']} | {row['add']} | {row['delete']} "
              f"| {row['delete_middle']} | {row['derive']} |")


if __name__ == "__main__":
    main()
