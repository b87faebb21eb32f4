"""Two indexes over one directory (as two workers of `qa serve` hold): each catches up with the other's
writes, and what it then serves equals a fresh open of the directory."""

import pytest

from qa.index import NewsIndex
from qa.index.vector_file import load_vectors
from tests.builders import SMALL_TEXTS, corpus

QUERIES = ["新疆新增了多少工会会员", "全国消防日是哪一天", "快递员入会", "体检项目"]
EXPRESS = {"d.txt": ("快递小哥入会", "北京市邮政快递业工会吸纳快递员入会。今年三千名快递员入会。")}
FIRE_AGAIN = {"b.txt": ("消防安全宣传", "今年的消防宣传月主题是落实消防责任。全国消防日在11月9日。")}


def served(index: NewsIndex) -> dict:
    snapshot = index.snapshot
    return {
        "documents": sorted((info.doc_id, info.title) for info in snapshot.documents.values()),
        "sentences": [(s.sentence_id, s.doc_id, s.text) for s in snapshot.sentences],
        "chunks": [(c.chunk_id, c.text, snapshot.sentences[c.first_row].sentence_id,
                    snapshot.sentences[c.last_row].sentence_id) for c in snapshot.chunks],
        "searchable": snapshot.search.size,
        "search": {(query, retriever): [(hit.chunk.chunk_id, round(hit.score, 6))
                                        for hit in index.search(query, 5, retriever)]
                   for query in QUERIES for retriever in ("hybrid", "bm25")},
    }


def rows(state: dict) -> dict:
    return {key: value for key, value in state.items() if key != "search"}


def opened_pair(directory):
    first = NewsIndex.open(directory, create=True)
    first.add(*corpus(SMALL_TEXTS))
    return first, NewsIndex.open(directory)


@pytest.fixture
def pair(tmp_path, backend):
    writer, reader = opened_pair(tmp_path)
    yield writer, reader
    for index in (reader, writer):
        index.store.close()


@pytest.fixture
def local_pair(tmp_path, monkeypatch):
    """On the local backend, whose vector file the processes share."""
    monkeypatch.delenv("QA_BACKEND", raising=False)
    return opened_pair(tmp_path)


def doc_of(index: NewsIndex, source: str) -> str:
    return next(info.doc_id for info in index.snapshot.documents.values() if info.source == source)


def test_an_add_a_replacement_and_a_delete_reach_the_other_index(pair, tmp_path):
    writer, reader = pair
    assert reader.refresh() is False  # nothing written since it opened
    for write in (lambda: writer.add(*corpus(EXPRESS)), lambda: writer.add(*corpus(FIRE_AGAIN)),
                  lambda: writer.delete([doc_of(writer, "a.txt")])):
        before = rows(served(reader))
        write()
        # Until it looks (a shared Milvus ranks the new rows at once, so only the rows are compared).
        assert rows(served(reader)) == before
        assert reader.refresh() is True
        assert served(reader) == served(writer) == served(NewsIndex.open(tmp_path))
    assert "快递小哥入会" in {title for _, title in served(reader)["documents"]}
    assert doc_of(reader, "b.txt") == doc_of(writer, "b.txt")  # replaced in place: same id, new text
    assert "消防宣传月" in " ".join(text for _, _, text in served(reader)["sentences"])


def test_writes_of_both_interleaved_end_in_one_state(pair, tmp_path):
    first, second = pair
    first.add(*corpus(EXPRESS))
    # The second writes without having looked: its write finds another process's commit before its own.
    second.delete([doc_of(second, "c.txt")])
    assert "d.txt" in {info.source for info in second.snapshot.documents.values()}
    first.refresh()
    fresh = NewsIndex.open(tmp_path)
    assert served(first) == served(second) == served(fresh)
    assert {info.source for info in fresh.snapshot.documents.values()} == {"a.txt", "b.txt", "d.txt"}


def test_after_interleaved_writes_the_vector_file_is_the_latest_states(local_pair, tmp_path):
    first, second = local_pair
    first.add(*corpus(EXPRESS))
    second.delete([doc_of(second, "c.txt")])
    fresh = NewsIndex.open(tmp_path)
    # The next open needs no rebuild.
    assert load_vectors(tmp_path, fresh.generation, fresh.model_name, fresh.encoder.dim, fresh.snapshot.chunk_ids)


def test_the_stale_index_saves_no_older_vectors_over_the_newer(local_pair, tmp_path):
    first, second = local_pair
    first.add(*corpus(EXPRESS))
    second.save()  # its snapshot is a generation behind: it leaves the newer file alone
    fresh = NewsIndex.open(tmp_path)
    assert load_vectors(tmp_path, fresh.generation, fresh.model_name, fresh.encoder.dim, fresh.snapshot.chunk_ids)
