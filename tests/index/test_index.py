"""The index front door on the real model and real FAISS, over a small corpus built in the test."""

import numpy as np
import pytest

from qa.errors import IndexMissing
from qa.index import NewsIndex
from qa.text.tagging import tag
from tests.builders import SMALL_TEXTS, corpus


@pytest.fixture
def index(tmp_path, backend):
    """The small corpus indexed on each backend in turn."""
    index = NewsIndex.open(tmp_path, create=True)
    index.add(*corpus(SMALL_TEXTS))
    yield index
    index.store.close()


@pytest.fixture
def local_index(tmp_path):
    """The small corpus on the local backend, whose files some tests break on purpose."""
    index = NewsIndex.open(tmp_path, create=True, backend="local")
    index.add(*corpus(SMALL_TEXTS))
    return index


def top_source(index: NewsIndex, query: str, retriever: str = "hybrid") -> str:
    hit = index.search(query, k=1, retriever=retriever)[0]
    return index.snapshot.documents[hit.chunk.doc_id].source


@pytest.mark.parametrize("retriever", ["hybrid", "dense", "bm25"])
def test_each_retriever_finds_the_matching_article(index, retriever):
    assert top_source(index, "新疆新增了多少工会会员", retriever) == "a.txt"
    assert top_source(index, "全国消防日是哪一天", retriever) == "b.txt"


def test_dense_retrieval_answers_english_questions_over_chinese_text(index):
    assert top_source(index, "How many items does the free medical check-up include?", "dense") == "c.txt"


def test_sentence_offsets_point_into_the_stored_source(index):
    snapshot = index.snapshot
    for sentence in snapshot.sentences:
        source = index.source_text(snapshot.documents[sentence.doc_id].source)
        assert source[sentence.source_start : sentence.source_end] == sentence.text


def test_unchanged_sources_are_skipped_and_cost_no_embedding(index):
    misses = index.encoder.misses
    report = index.add(*corpus(SMALL_TEXTS))
    assert report.added_sources == [] and sorted(report.unchanged_sources) == sorted(SMALL_TEXTS)
    assert index.encoder.misses == misses


def test_changed_source_replaces_its_articles(index):
    changed = {"b.txt": ("消防安全宣传", "今年的消防宣传月主题是落实消防责任。")}
    index.add(*corpus(changed))
    assert index.stats()["documents"] == 3
    texts = [s.text for s in index.snapshot.sentences]
    assert "11月9日是全国消防日。" not in texts and "今年的消防宣传月主题是落实消防责任。" in texts


def test_deleted_documents_are_never_retrieved_again(index, tmp_path):
    doc_id = next(d.doc_id for d in index.snapshot.documents.values() if d.source == "b.txt")
    assert index.delete([doc_id]) == [doc_id]
    assert index.delete([doc_id]) == []
    for retriever in ("hybrid", "dense", "bm25"):
        hits = index.search("全国消防日是哪一天", k=10, retriever=retriever)
        assert all(hit.chunk.doc_id != doc_id for hit in hits)
    reopened = NewsIndex.open(tmp_path)
    assert doc_id not in reopened.snapshot.documents
    assert reopened.snapshot.search.size == len(reopened.snapshot.chunks) == index.snapshot.search.size


def test_reload_gives_the_same_results_and_repairs_a_stale_or_broken_vector_file(local_index, tmp_path):
    index = local_index
    query = index.encoder.encode_query("体检项目")
    before = [(h.chunk.chunk_id, round(h.score, 6)) for h in index.search("体检项目", 3, query_vector=query)]
    assert [(h.chunk.chunk_id, round(h.score, 6)) for h in
            NewsIndex.open(tmp_path).search("体检项目", 3, query_vector=query)] == before
    (tmp_path / "vectors.faiss").write_bytes(b"not a faiss index")
    repaired = NewsIndex.open(tmp_path)
    assert [(h.chunk.chunk_id, round(h.score, 6)) for h in repaired.search("体检项目", 3, query_vector=query)] == before
    assert np.allclose(repaired.snapshot.chunk_vectors, index.snapshot.chunk_vectors)


def test_opening_a_missing_index_says_so(tmp_path, backend):
    with pytest.raises(IndexMissing, match="qa index"):
        NewsIndex.open(tmp_path / "nowhere")


def test_every_sentence_is_stored_with_its_tags_and_an_older_store_gets_them_on_open(local_index, tmp_path):
    index = local_index
    tagged = [sentence.tagged for sentence in index.snapshot.sentences]
    assert tagged == [tag(sentence.text) for sentence in index.snapshot.sentences]
    index.store.connection.execute("ALTER TABLE sentences DROP COLUMN tags")
    index.store.close()
    reopened = NewsIndex.open(tmp_path)
    assert [sentence.tagged for sentence in reopened.snapshot.sentences] == tagged
    assert top_source(reopened, "全国消防日是哪一天") == "b.txt"
