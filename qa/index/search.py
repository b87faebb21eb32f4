"""How a snapshot finds candidate chunks: one interface, an implementation per backend.

The local backend ranks in this process, over FAISS and the in-process BM25 derived from the
rows; the Milvus backend (:mod:`qa.index.milvus_search`) asks Milvus, which holds the vectors and
the BM25 field and fuses the two itself. Either way a ranking names rows of the snapshot: a chunk
the snapshot does not serve (written since, or left by a killed write) is never returned.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from embeddings.vector_index import VectorIndex
from qa.index.bm25 import Bm25Index
from qa.index.fusion import CANDIDATES, reciprocal_rank, top_rows
from qa.index.records import Rows


class ChunkSearch(Protocol):
    @property
    def size(self) -> int:
        """Chunks this search can return (what ``stats`` reports as the index size)."""
        ...

    def ranked(self, tokens: list[str], query_vector: np.ndarray, retriever: str, limit: int,
               chunk_row: Mapping[int, int]) -> dict[int, float]:
        """Row → fused score of at least the ``limit`` best chunks the snapshot serves (``chunk_row``:
        chunk id → row), by dense, BM25 or both fused by reciprocal rank."""
        ...

    def changed(self, removed_ids: np.ndarray, keep: np.ndarray, rows: Rows, chunk_ids: np.ndarray,
                chunk_vectors: np.ndarray) -> ChunkSearch:
        """The search after a write: chunks ``removed_ids`` (rows not in ``keep``) gone, ``rows`` added;
        ``chunk_ids`` and ``chunk_vectors`` are the whole new state. Readers may hold this one."""
        ...


@dataclass(frozen=True)
class LocalSearch:
    """FAISS over the chunk vectors and BM25 over their tokens, in this process."""

    vectors: VectorIndex
    bm25: Bm25Index

    @classmethod
    def of(cls, rows: Rows, vectors: VectorIndex | None = None) -> LocalSearch:
        """Over ``rows``, with their vector index when one was loaded (else built)."""
        return cls(vectors or VectorIndex.build(rows.chunk_ids, rows.chunk_vectors), Bm25Index(rows.chunk_tokens))

    @property
    def size(self) -> int:
        return len(self.vectors)

    def ranked(self, tokens: list[str], query_vector: np.ndarray, retriever: str, limit: int,
               chunk_row: Mapping[int, int]) -> dict[int, float]:
        rankings: list[list[int]] = []
        if retriever in ("dense", "hybrid"):
            chunk_ids, _ = self.vectors.search(query_vector, CANDIDATES)
            rankings.append([chunk_row[int(chunk_id)] for chunk_id in chunk_ids])
        if retriever in ("bm25", "hybrid"):
            rankings.append(top_rows(self.bm25.scores(tokens), CANDIDATES).tolist())
        return reciprocal_rank(rankings)

    def changed(self, removed_ids: np.ndarray, keep: np.ndarray, rows: Rows, chunk_ids: np.ndarray,
                chunk_vectors: np.ndarray) -> LocalSearch:
        # A memory copy (see VectorIndex.copy): readers may be searching the old index.
        vectors = self.vectors.copy()
        vectors.remove(removed_ids)
        vectors.add(rows.chunk_ids, rows.chunk_vectors)
        if vectors.needs_rebuild:
            vectors = VectorIndex.build(chunk_ids, chunk_vectors)
        return LocalSearch(vectors, self.bm25.changed(keep, rows.chunk_tokens))
