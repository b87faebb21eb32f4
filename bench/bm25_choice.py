"""bm25s or rank_bm25? Index build time and query latency on the same jieba tokens.

Usage: python bench/bm25_choice.py [CORPUS_DIR ...]   (default: seeds/ and tests/data/cmrc/corpus)
Corpora are cut into ~200-character pieces and replicated to reach 10k documents, so the
query cost at a realistic size shows. Agreement compares each library's top 10 with rank_bm25's
Okapi ranking (bm25s scores with Lucene's IDF, so a few documents differ).
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import bm25s
import numpy as np
from rank_bm25 import BM25Okapi

from qa.text.tokens import tokenize

QUERIES = ["新疆新增了多少工会会员", "全国消防日是哪一天", "密云区劳模免费体检项目", "快递外卖新业态劳动者慰问",
           "江苏工会创业贷小额贷款", "太行山抗战游击战打法", "工会驿站地图平台推送", "秦皇岛建会入会"]


def pieces(folders: list[Path], size: int = 200) -> list[str]:
    texts = [path.read_text(encoding="utf-8") for folder in folders for path in sorted(folder.rglob("*.txt"))]
    return [text[i : i + size] for text in texts for i in range(0, len(text), size)]


def timed(function, repeat: int = 1) -> list[float]:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def build_model(name: str, corpus: list[list[str]]):
    """Index the corpus with one library; return its query -> scores function."""
    if name == "rank_bm25":
        return BM25Okapi(corpus).get_scores
    model = bm25s.BM25()
    model.index(corpus, show_progress=False)

    def score(tokens: list[str]) -> np.ndarray:
        known = [token for token in tokens if token in model.vocab_dict]
        return model.get_scores(known) if known else np.zeros(len(corpus))

    return score


def main() -> None:
    folders = [Path(arg) for arg in sys.argv[1:]] or [Path("seeds"), Path("tests/data/cmrc/corpus")]
    base = [tokenize(text) for text in pieces([f for f in folders if f.exists()])]
    corpus = (base * (10_000 // max(len(base), 1) + 1))[:10_000]
    queries = [tokenize(query) for query in QUERIES]
    print(f"{len(corpus)} documents, {len(queries)} queries\n")
    print("| library | build ms | query p50 ms | query max ms | top-10 agreement |")
    print("|---|---|---|---|---|")
    reference = BM25Okapi(corpus).get_scores
    for name in ("rank_bm25", "bm25s"):
        build = timed(lambda name=name: build_model(name, corpus))
        score = build_model(name, corpus)
        latencies = [sample for query in queries for sample in timed(lambda q=query, score=score: score(q), repeat=5)]
        agreement = statistics.mean(top10_agreement(score(query), reference(query)) for query in queries)
        print(f"| {name} | {build[0]:.0f} | {statistics.median(latencies):.2f} | {max(latencies):.2f} | "
              f"{agreement:.2f} |")


def top10_agreement(scores: np.ndarray, reference: np.ndarray) -> float:
    """Share of the top 10 by ``scores`` that is top 10 by the reference (Okapi) scores, ties
    included: the replicated corpus holds many identical documents, any of which may be listed."""
    cutoff = np.sort(reference)[-10]
    return float(np.mean(reference[np.argsort(-np.asarray(scores))[:10]] >= cutoff))

if __name__ == "__main__":
    main()
