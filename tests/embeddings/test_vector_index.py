"""VectorIndex on real FAISS: exact flat while small, IVF-fp16 past the threshold (lowered here so
the tests stay fast), removal, persistence."""

import os

import faiss
import numpy as np
import pytest

from embeddings.vector_index import VectorIndex

DIM = 96
FLAT_MAX = 5_000  # the production threshold is higher; the switch is what is under test


def clustered(count: int, seed: int = 0, clusters: int = 200) -> np.ndarray:
    """Normalised vectors around random centres: neighbours are close, as with real embeddings."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((clusters, DIM)).astype(np.float32)
    vectors = centres[rng.integers(0, clusters, count)] + 0.35 * rng.standard_normal((count, DIM)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def exact_top(vectors: np.ndarray, ids: np.ndarray, query: np.ndarray, k: int) -> np.ndarray:
    return ids[np.argsort(-(vectors @ query), kind="stable")[:k]]


@pytest.fixture(scope="module")
def large() -> tuple[np.ndarray, np.ndarray, VectorIndex]:
    vectors = clustered(20_000)
    ids = np.arange(20_000, dtype=np.int64) * 3 + 7  # ids unrelated to positions
    return ids, vectors, VectorIndex.build(ids, vectors, flat_max=FLAT_MAX)


def test_small_corpus_is_flat_and_exact():
    vectors = clustered(1_000, seed=1)
    ids = np.arange(1_000, dtype=np.int64) + 100
    index = VectorIndex.build(ids, vectors, flat_max=FLAT_MAX)
    assert index.kind == "flat" and len(index) == 1_000
    for query in clustered(20, seed=2):
        found, scores = index.search(query, 10)
        assert found.tolist() == exact_top(vectors, ids, query, 10).tolist()
        assert np.all(np.diff(scores) <= 1e-6)


def test_large_corpus_is_ivf_with_recall_at_10_of_at_least_095(large):
    ids, vectors, index = large
    assert index.kind == "ivf-fp16" and len(index) == len(ids)
    assert index.index.nprobe > 1  # set explicitly, not faiss's default of a single list
    queries = clustered(200, seed=3)
    truth = ids[np.argsort(-(queries @ vectors.T), axis=1)[:, :10]]
    recall = np.mean([len(set(index.search(query, 10)[0].tolist()) & set(true.tolist())) / 10
                      for query, true in zip(queries, truth, strict=True)])
    assert recall >= 0.95


@pytest.mark.parametrize("count", [1_000, 8_000])
def test_removed_ids_are_never_returned(count):
    vectors = clustered(count, seed=4)
    ids = np.arange(count, dtype=np.int64) * 2
    index = VectorIndex.build(ids, vectors, flat_max=FLAT_MAX)
    assert index.kind == ("flat" if count <= FLAT_MAX else "ivf-fp16")
    queries = vectors[:50]
    # Remove exactly the vectors that are the best answers to the queries, plus a random spread.
    removed = np.unique(np.concatenate([ids[:50], np.random.default_rng(5).choice(ids, count // 4, replace=False)]))
    index.remove(removed)
    assert len(index) == count - len(removed)
    banned = set(removed.tolist())
    kept = ~np.isin(ids, removed)
    for query in queries:
        found, _ = index.search(query, 20)
        assert len(found) == 20 and not banned & set(found.tolist())
        if index.kind == "flat":
            assert found.tolist() == exact_top(vectors[kept], ids[kept], query, 20).tolist()


@pytest.mark.parametrize("count", [1_000, 8_000])
def test_stored_vectors_come_back_by_id_and_removed_ones_do_not(count):
    vectors = clustered(count, seed=10)
    ids = np.arange(count, dtype=np.int64) * 5 + 1
    index = VectorIndex.build(ids, vectors, flat_max=FLAT_MAX)
    rows = np.array([3, 0, count - 1, 17])
    found = index.vectors(ids[rows])
    assert found.shape == (4, DIM)
    # Flat stores float32 as given; IVF stores fp16 residuals, close enough to rescore with.
    np.testing.assert_allclose(found, vectors[rows], atol=0 if index.kind == "flat" else 1e-3)
    assert index.vectors(np.array([], np.int64)).shape == (0, DIM)
    index.remove(ids[[0]])
    with pytest.raises(RuntimeError):
        index.vectors(ids[[0]])


def test_adding_past_the_threshold_switches_to_ivf_without_losing_vectors():
    vectors = clustered(8_000, seed=6)
    ids = np.arange(8_000, dtype=np.int64) + 1_000_000
    index = VectorIndex(DIM, flat_max=FLAT_MAX)
    for first in range(0, 8_000, 2_000):
        index.add(ids[first : first + 2_000], vectors[first : first + 2_000])
        assert index.kind == ("flat" if first + 2_000 <= FLAT_MAX else "ivf-fp16")
    assert len(index) == 8_000
    hits = [index.search(vectors[row], 1)[0][0] == ids[row] for row in range(0, 8_000, 40)]
    assert np.mean(hits) >= 0.98


def test_needs_rebuild_when_an_ivf_shrinks_to_flat_size(large):
    ids, vectors, _ = large
    index = VectorIndex.build(ids[:8_000], vectors[:8_000], flat_max=FLAT_MAX)
    assert not index.needs_rebuild
    index.remove(ids[:6_000])
    assert index.needs_rebuild


def test_empty_index_and_k_beyond_size():
    index = VectorIndex(DIM)
    assert len(index) == 0 and index.search(clustered(1)[0], 5)[0].size == 0
    index.add(np.array([4, 9]), clustered(2))
    found, scores = index.search(clustered(1, seed=9)[0], 10)
    assert sorted(found.tolist()) == [4, 9] and len(scores) == 2


@pytest.mark.parametrize("count", [1_000, 8_000])
def test_save_and_load_round_trip(tmp_path, count):
    vectors = clustered(count, seed=7)
    ids = np.arange(count, dtype=np.int64) + 5
    index = VectorIndex.build(ids, vectors, flat_max=FLAT_MAX)
    index.remove(ids[:10])
    path = tmp_path / "vectors.faiss"
    index.save(path)
    loaded = VectorIndex.load(path, flat_max=FLAT_MAX)
    assert loaded.kind == index.kind and len(loaded) == len(index) and loaded.dim == DIM
    if loaded.kind == "ivf-fp16":
        assert loaded.index.nprobe == index.index.nprobe and loaded.index.parallel_mode == 0
    np.testing.assert_allclose(loaded.vectors(ids[10:20]), vectors[10:20], atol=1e-3)
    for query in clustered(10, seed=8):
        expected, expected_scores = index.search(query, 10)
        found, scores = loaded.search(query, 10)
        assert found.tolist() == expected.tolist()
        np.testing.assert_allclose(scores, expected_scores, rtol=1e-6)


def test_save_replaces_atomically_and_leaves_no_temporary_file(tmp_path, monkeypatch):
    path = tmp_path / "vectors.faiss"
    index = VectorIndex.build(np.arange(100), clustered(100))
    index.save(path)
    index.save(path)  # over an existing file
    assert os.listdir(tmp_path) == ["vectors.faiss"]
    before = path.read_bytes()

    def broken_write(index: faiss.Index, target: str) -> None:
        with open(target, "wb") as handle:
            handle.write(b"half a file")
        raise RuntimeError("disk full")

    monkeypatch.setattr(faiss, "write_index", broken_write)
    with pytest.raises(RuntimeError):
        VectorIndex.build(np.arange(50), clustered(50, seed=1)).save(path)
    assert os.listdir(tmp_path) == ["vectors.faiss"] and path.read_bytes() == before
