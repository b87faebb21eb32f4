"""Candidate chunks ranked inside Milvus: dense search on the chunk vectors, BM25 on the chunk tokens,
and the two fused there by reciprocal rank (the local backend's fusion, with the same constant)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from pymilvus import AnnSearchRequest, MilvusClient, RRFRanker

from qa.index.fusion import CANDIDATES, RRF_K, reciprocal_rank
from qa.index.records import Rows

# Asked beyond the limit: Milvus may rank chunks this replica does not serve (a write it has not
# caught up with, the rows of a killed write), and those are passed over.
SLACK = 10


@dataclass(frozen=True)
class MilvusSearch:
    client: MilvusClient
    collection: str
    size: int

    def ranked(self, tokens: list[str], query_vector: np.ndarray, retriever: str, limit: int,
               chunk_row: Mapping[int, int]) -> dict[int, float]:
        wanted = limit + SLACK
        # An empty query has no BM25 terms: the local BM25 ranks nothing for it either.
        searches = {"dense": ([np.asarray(query_vector, np.float32).tolist()], "vector", {"metric_type": "IP"}),
                    "bm25": ([" ".join(tokens)], "sparse", {"metric_type": "BM25"})}
        used = [name for name in ("dense", "bm25") if retriever in (name, "hybrid") and (name == "dense" or tokens)]
        if len(used) == 2:
            requests = [AnnSearchRequest(data, field, params, limit=CANDIDATES)
                        for data, field, params in searches.values()]
            hits = self.client.hybrid_search(self.collection, requests, RRFRanker(RRF_K), limit=wanted)[0]
            scored = [(hit["chunk_id"], float(hit["distance"])) for hit in hits]
        elif used:
            data, field, params = searches[used[0]]
            hits = self.client.search(self.collection, data=data, anns_field=field, search_params=params,
                                      limit=min(wanted, CANDIDATES))[0]
            # One ranking scores as the local fusion scores it: by reciprocal rank.
            scored = list(reciprocal_rank([[hit["chunk_id"] for hit in hits]]).items())
        else:
            return {}
        ranked: dict[int, float] = {}
        for chunk_id, score in scored:  # a chunk Milvus returns twice keeps its first, higher place
            if chunk_id in chunk_row:
                ranked.setdefault(chunk_row[chunk_id], score)
        return ranked

    def changed(self, removed_ids: np.ndarray, keep: np.ndarray, rows: Rows, chunk_ids: np.ndarray,
                chunk_vectors: np.ndarray) -> MilvusSearch:
        # Milvus already holds the write: only the count of served chunks changes.
        return MilvusSearch(self.client, self.collection, len(chunk_ids))
