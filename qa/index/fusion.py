"""Dense and BM25 candidates fused by reciprocal rank."""

from __future__ import annotations

import numpy as np

RRF_K = 60
# Candidates each retriever contributes to the fusion.
CANDIDATES = 50


def reciprocal_rank(rankings: list[list[int]]) -> dict[int, float]:
    """Row → sum over the rankings of 1 / (RRF_K + rank), in first-seen order."""
    fused: dict[int, float] = {}
    for ranking in rankings:
        for rank, row in enumerate(ranking):
            fused[row] = fused.get(row, 0.0) + 1.0 / (RRF_K + rank + 1)
    return fused


def top_rows(scores: np.ndarray, k: int) -> np.ndarray:
    """Rows of the ``k`` highest positive scores, best first."""
    k = min(k, len(scores))
    if k <= 0:
        return np.empty(0, np.int64)
    rows = np.argpartition(-scores, k - 1)[:k]
    rows = rows[np.argsort(-scores[rows], kind="stable")]
    return rows[scores[rows] > 0]
