"""FAISS inner-product index over normalised vectors, addressed by caller-chosen int64 ids.

The index type follows the corpus size. Thresholds measured with ``bench/bench_scale.py`` on the
2-core machine, 384-dim e5 vectors, one query per call on one thread:

* up to ``FLAT_MAX`` (50k) vectors, exact flat search. It costs 0.24 ms at 10k, 1.1 ms at 25k
  and 2.6 ms at 50k, needs no training (a rebuild is instant) and keeps the vectors losslessly.
  Past 50k it grows to 5.7 ms at 100k and 56 ms at 1M, beyond the whole overhead budget of an
  ask (0.3 x a ~16 ms query embedding).
* beyond, IVF with fp16-encoded residuals (IVF-fp16). At 1M: 1.3 ms, recall@10 1.000 against
  exact, 0.8 GB (flat: 1.5 GB), built in a minute; ids are removed natively. The alternatives, at
  1M: IVF-SQ8 halves the memory at the same speed but capped recall at 0.98, where near-duplicates
  crowd the top 10; HNSW-SQ8 (M 32, efSearch 128) built as fast and answered in 0.2 ms, but
  reached recall 0.87 and cannot remove ids; IVF-PQ48 topped out at recall 0.58 (at 100k).
"""

from __future__ import annotations

import math
import os
import tempfile
from pathlib import Path

import faiss
import numpy as np

FLAT_MAX = 50_000
# Queries come one at a time, and waking FAISS's OpenMP pool for one query costs more than it saves: on
# the seeds it made an ask 8 ms slower (bench_overhead.py), and the spinning threads slowed the next
# embedding. On a 2-core server the other core serves a concurrent request (or the embedding) instead.
faiss.omp_set_num_threads(1)
# k-means wants ~40 points per list (faiss warns below 39); a fixed multiple bounds the build at 1M.
TRAIN_PER_LIST = 64
SEED = 1234


def ivf_lists(count: int) -> int:
    """Inverted lists for ``count`` vectors: the power of two nearest 4·sqrt(count), at least 64."""
    return 1 << max(6, round(math.log2(4 * math.sqrt(max(count, 1)))))


def ivf_probes(lists: int) -> int:
    """Lists to scan per query: 1/32 of them. At 1M (4096 lists) recall@10 was already 0.988 at 8
    probes and 0.998 at 32, but the synthetic vectors there cluster around their real parents, which
    flatters IVF; on the real 10k vectors 1/32 (16 of 512) gave 0.98. 128 probes cost 1.3 ms at 1M."""
    return max(8, lists // 32)


class VectorIndex:
    def __init__(self, dim: int, index: faiss.Index | None = None, flat_max: int = FLAT_MAX) -> None:
        self.dim = dim
        self.flat_max = flat_max
        self.index = index if index is not None else faiss.IndexIDMap2(faiss.IndexFlatIP(dim))
        self._set_search_parameters()

    @classmethod
    def build(cls, ids: np.ndarray, vectors: np.ndarray, flat_max: int = FLAT_MAX) -> VectorIndex:
        """An index over ``vectors`` of the type their number calls for (see the module docstring)."""
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        ids = np.asarray(ids, dtype=np.int64)
        if len(ids) <= flat_max:
            index = cls(vectors.shape[1], flat_max=flat_max)
        else:
            index = cls(vectors.shape[1], trained_ivf(vectors), flat_max)
        index.add(ids, vectors)
        return index

    @property
    def kind(self) -> str:
        """``flat`` or ``ivf-fp16``; an index built elsewhere is named by its class and used as is."""
        inner = self.index
        if isinstance(inner, faiss.IndexIDMap | faiss.IndexIDMap2):
            inner = faiss.downcast_index(inner.index)
        if isinstance(inner, faiss.IndexFlat):
            return "flat"
        if isinstance(inner, faiss.IndexIVFScalarQuantizer) and inner.sq.qtype == faiss.ScalarQuantizer.QT_fp16:
            return "ivf-fp16"
        return type(inner).__name__

    @property
    def needs_rebuild(self) -> bool:
        """True when the size has drifted from what the type was chosen for (an IVF that shrank to
        flat size, or whose list count is off by 2x): ``build`` from the source vectors then.
        Incremental adds never need it for correctness, only for speed or exactness."""
        if not isinstance(self.index, faiss.IndexIVF):
            return False
        if len(self) <= self.flat_max // 2:
            return True
        ratio = self.index.nlist / ivf_lists(len(self))
        return not 0.5 <= ratio <= 2

    def __len__(self) -> int:
        return int(self.index.ntotal)

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        if not len(ids):
            return
        self.index.add_with_ids(np.ascontiguousarray(vectors, dtype=np.float32), np.asarray(ids, dtype=np.int64))
        if self.kind == "flat" and len(self) > self.flat_max:
            self._promote()

    def copy(self) -> VectorIndex:
        """An independent copy (a memory copy of the index: no training, no re-adding), so that a
        writer can change it while readers keep searching the original."""
        return VectorIndex(self.dim, faiss.clone_index(self.index), self.flat_max)

    def ids(self) -> np.ndarray:
        """Every stored id, in no particular order."""
        if isinstance(self.index, faiss.IndexIDMap | faiss.IndexIDMap2):
            return faiss.vector_to_array(self.index.id_map).astype(np.int64)
        lists = self.index.invlists
        parts = [faiss.rev_swig_ptr(lists.get_ids(number), lists.list_size(number)).copy()
                 for number in range(self.index.nlist) if lists.list_size(number)]
        return np.concatenate(parts).astype(np.int64) if parts else np.empty(0, np.int64)

    def remove(self, ids: np.ndarray) -> None:
        if len(ids):
            self.index.remove_ids(np.asarray(ids, dtype=np.int64))

    def search(self, vector: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Ids and inner-product scores of the ``k`` nearest vectors, best first."""
        if not len(self) or k <= 0:
            return np.empty(0, np.int64), np.empty(0, np.float32)
        query = np.ascontiguousarray(vector, dtype=np.float32).reshape(1, -1)
        scores, ids = self.index.search(query, min(k, len(self)))
        keep = ids[0] >= 0
        return ids[0][keep], scores[0][keep]

    def vectors(self, ids: np.ndarray) -> np.ndarray:
        """The stored vectors of ``ids`` (exact for flat, within fp16 rounding for IVF), for rescoring
        candidates without keeping a second float32 copy of the corpus; an unknown id raises."""
        ids = np.asarray(ids, dtype=np.int64)
        if not len(ids):
            return np.empty((0, self.dim), np.float32)
        return self.index.reconstruct_batch(ids)

    def save(self, path: Path) -> None:
        """Write to a temporary file beside ``path`` and rename it over ``path``, so readers never
        see half a file and a failed write leaves nothing behind."""
        path = Path(path)
        handle, temporary = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
        os.close(handle)
        try:
            faiss.write_index(self.index, temporary)
            os.replace(temporary, path)
        except BaseException:
            os.unlink(temporary)
            raise

    @classmethod
    def load(cls, path: Path, flat_max: int = FLAT_MAX) -> VectorIndex:
        index = faiss.read_index(str(path))
        return cls(index.d, index, flat_max)

    def _promote(self) -> None:
        """Flat grew past ``flat_max``: rebuild as IVF from its exact vectors (lossless)."""
        flat = faiss.downcast_index(self.index.index)
        vectors = faiss.rev_swig_ptr(flat.get_xb(), len(self) * self.dim).reshape(len(self), self.dim).copy()
        ids = faiss.vector_to_array(self.index.id_map)
        self.index = trained_ivf(vectors)
        self._set_search_parameters()
        self.index.add_with_ids(vectors, ids)

    def _set_search_parameters(self) -> None:
        # Set on every construction and load rather than trusting what a file carries.
        if isinstance(self.index, faiss.IndexIVF):
            self.index.nprobe = ivf_probes(self.index.nlist)
            # An id -> list position table, so that ``vectors`` can find an id (removal keeps it current).
            if self.index.direct_map.type != faiss.DirectMap.Hashtable:
                self.index.set_direct_map_type(faiss.DirectMap.Hashtable)
            # parallel_mode stays 0 (threads split queries, so one query runs on one thread): splitting
            # one query's lists over threads (mode 1) measured 0.1 ms -> 25 ms per query when other
            # processes were busy, as OpenMP threads wait at barriers for a descheduled peer.
            self.index.parallel_mode = 0


def trained_ivf(vectors: np.ndarray, encoding: int = faiss.ScalarQuantizer.QT_fp16) -> faiss.IndexIVFScalarQuantizer:
    """An empty IVF index with scalar-quantised residuals, its lists and quantiser trained on
    ``vectors`` (a sample of them when there are many); the caller adds the vectors."""
    count, dim = vectors.shape
    lists = ivf_lists(count)
    index = faiss.IndexIVFScalarQuantizer(faiss.IndexFlatIP(dim), dim, lists, encoding, faiss.METRIC_INNER_PRODUCT)
    index.cp.seed = SEED
    sample = min(count, lists * TRAIN_PER_LIST)
    rows = np.random.default_rng(SEED).choice(count, sample, replace=False) if sample < count else slice(None)
    index.train(np.ascontiguousarray(vectors[rows]))
    return index
