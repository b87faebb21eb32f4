"""BM25 over jieba tokens (bm25s: sparse-matrix scoring, see bench/bm25_choice.py for the measurement)."""

from __future__ import annotations

import bm25s
import numpy as np


class Bm25Index:
    def __init__(self, corpus_tokens: list[list[str]]) -> None:
        self.size = len(corpus_tokens)
        self.model = bm25s.BM25(k1=1.2, b=0.75)
        if self.size:
            self.model.index(corpus_tokens, show_progress=False)

    def scores(self, query_tokens: list[str]) -> np.ndarray:
        """BM25 score of every document, in corpus order."""
        known = [token for token in query_tokens if token in self.model.vocab_dict] if self.size else []
        if not known:
            return np.zeros(self.size, np.float32)
        return np.asarray(self.model.get_scores(known), dtype=np.float32)
