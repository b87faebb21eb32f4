"""What one add or delete costs the index, at seed size and at 10k+ chunks.

Usage: python bench/bench_writes.py [--copies 40] [--repeats 5]
Seed size: the seeds indexed with the real model (the warm cache in bench/out/ is reused when present).
10k+: the 300 CMRC sample paragraphs under --copies source names, chunked for real but with random unit
vectors written straight to SQLite (embedding 40k texts would take an hour on 2 cores and says nothing
about the index). Each write is timed whole (``NewsIndex.add``/``delete``: SQLite transaction, snapshot
update, FAISS save) with the new article's embeddings already cached, and its snapshot update alone.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np
from common import SEED_CACHE, SEEDS, spread

from qa.chunking import article_sentences, chunk_article
from qa.index import NewsIndex, passage_text
from qa.ingest import load_path
from qa.models import Article, Paragraph, SourceText
from qa.store import PreparedArticle
from qa.tokens import tokenize

CMRC = Path(__file__).resolve().parent / "data" / "cmrc_train_sample" / "corpus"
NEW = ("快递小哥入会", "北京市邮政快递业工会吸纳快递员入会。今年已有三千名快递小哥成为会员。")


def article(name: str, title: str, body: str) -> tuple[Article, str]:
    start = len(title) + 2
    return Article(name, title, [Paragraph(SourceText(body, [(start, start + len(body))]))]), f"{title}\n\n{body}\n"


def fill_synthetic(index: NewsIndex, copies: int) -> None:
    """CMRC paragraphs under ``copies`` names each, random vectors, written in one pass per source."""
    rng = np.random.default_rng(0)
    loaded = load_path(CMRC)
    for copy in range(copies):
        for original in loaded.articles:
            name = f"{copy:03d}_{original.source}"
            item = Article(name, original.title, original.paragraphs)
            sentences, chunks = article_sentences(item), chunk_article(item)
            vectors = rng.standard_normal((len(sentences) + len(chunks), index.encoder.dim)).astype(np.float32)
            vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
            tokens = [tokenize(passage_text(item.title, chunk.text)) for chunk in chunks]
            index.store.replace_source(name, loaded.sources[original.source], name, [PreparedArticle(
                item, sentences, vectors[: len(sentences)], chunks, tokens, vectors[len(sentences) :])])


def time_writes(index: NewsIndex, repeats: int) -> dict:
    index.add(*_new(0))  # embeds the new article once; the timed adds below find it cached
    index.delete([doc_id for doc_id in index.snapshot.documents if index.snapshot.documents[doc_id].source == "new0"])
    apply = index._apply
    applied: list[float] = []

    def timed_apply(removed: list[str], added: list[str]) -> None:
        began = time.perf_counter()
        apply(removed, added)
        applied.append((time.perf_counter() - began) * 1000)

    index._apply = timed_apply
    adds, deletes, middle = [], [], []
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
    del index._apply
    return {"chunks": len(index.snapshot.chunks), "sentences": len(index.snapshot.sentences), "add": spread(adds),
            "delete": spread(deletes), "delete_middle": spread(middle), "apply": spread(applied)}


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
          "embeddings; 'snapshot' is the snapshot update alone (all writes)\n")
    print("| corpus | chunks | sentences | add | delete it | delete one mid-corpus | snapshot update |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, row in rows:
        print(f"| {name} | {row['chunks']} | {row['sentences']} | {row['add']} | {row['delete']} "
              f"| {row['delete_middle']} | {row['apply']} |")


if __name__ == "__main__":
    main()
