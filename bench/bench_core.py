"""Core benchmark: seed indexing (cold, model load included), warm `ask` latency, peak RSS.

Usage: python bench/bench_core.py [--questions eval/seed_dev.jsonl] [--corpus seeds]
Prints a markdown table for the README. Indexing runs in a fresh temporary data directory,
so the embedding cache starts empty (cold); a second pass over the same files shows the cache.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--questions", type=Path, default=Path("eval/seed_dev.jsonl"))
    parser.add_argument("--corpus", type=Path, default=Path("seeds"))
    parser.add_argument("--rounds", type=int, default=3, help="passes over the questions for latency")
    args = parser.parse_args()

    started = time.perf_counter()
    from qa.engine import QA  # the import (torch, sentence-transformers) is part of a cold start

    with tempfile.TemporaryDirectory() as directory:
        qa = QA.open(directory, create=True)
        loaded = time.perf_counter()
        report, _ = qa.add_paths([args.corpus])
        indexed = time.perf_counter()
        qa.index.store.connection.execute("DELETE FROM sources")  # forget hashes, keep the embedding cache
        reindex_started = time.perf_counter()
        qa.add_paths([args.corpus])
        reindexed = time.perf_counter()

        questions = [json.loads(line)["question"] for line in args.questions.read_text().splitlines() if line.strip()]
        for question in questions:  # warm-up: first calls fill caches and page in the model
            qa.ask(question)
        ask_ms, embed_ms = [], []
        for _ in range(args.rounds):
            for question in questions:
                tick = time.perf_counter()
                qa.index.encoder.encode_query(question)
                embed_ms.append((time.perf_counter() - tick) * 1000)
                tick = time.perf_counter()
                qa.ask(question)
                ask_ms.append((time.perf_counter() - tick) * 1000)
    peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    rows = [
        ("seed files / articles / chunks / sentences",
         f"{len(report.added_sources)} / {report.documents} / {report.chunks} / {report.sentences}"),
        ("import + model load (s)", f"{loaded - started:.1f}"),
        ("seed indexing, cold, model load included (s)", f"{indexed - started:.1f}"),
        ("re-indexing the same text, embedding cache warm (s)", f"{reindexed - reindex_started:.1f}"),
        (f"warm ask latency p50 / p99 (ms, {len(ask_ms)} asks)",
         f"{statistics.median(ask_ms):.1f} / {percentile(ask_ms, 0.99):.1f}"),
        ("query embedding alone p50 (ms)", f"{statistics.median(embed_ms):.1f}"),
        ("peak RSS (MB)", f"{peak_rss_mb:.0f}"),
    ]
    print(f"Core benchmark ({sys.platform}, Python {sys.version.split()[0]})\n")
    print("| measure | value |\n|---|---|")
    for name, value in rows:
        print(f"| {name} | {value} |")


if __name__ == "__main__":
    main()
