"""Writes change the snapshot in place of a rebuild, and the result equals a rebuild from SQLite."""

import numpy as np
import pytest

from qa.index import NewsIndex
from qa.index.bm25 import Bm25Index
from tests.builders import SMALL_TEXTS, corpus

TEXTS = {**SMALL_TEXTS, "d.txt": ("快递小哥入会", "北京市邮政快递业工会吸纳快递员入会。今年三千名快递员入会。")}
QUERIES = ["新疆新增了多少工会会员", "全国消防日是哪一天", "快递员入会", "体检项目"]


def snapshot_state(index: NewsIndex) -> dict:
    snapshot = index.snapshot
    sentences = snapshot.sentences
    return {
        "documents": sorted(snapshot.documents),
        "sentences": sorted((s.sentence_id, s.doc_id, s.text) for s in sentences),
        "chunks": sorted((c.chunk_id, c.doc_id, c.text, sentences[c.first_row].sentence_id,
                          sentences[c.last_row].sentence_id) for c in snapshot.chunks),
        "vector_ids": sorted(snapshot.search.vectors.ids().tolist()),
        "terms": dict(snapshot.term_frequency),
        "search": {(query, retriever): [(hit.chunk.chunk_id, round(hit.score, 6))
                                        for hit in index.search(query, 5, retriever)]
                   for query in QUERIES for retriever in ("hybrid", "dense", "bm25")},
    }


@pytest.fixture
def index(tmp_path):
    index = NewsIndex.open(tmp_path, create=True)
    index.add(*corpus({name: TEXTS[name] for name in ("a.txt", "b.txt", "c.txt")}))
    index.snapshot.term_frequency  # noqa: B018 - computed, so that writes keep it current by difference
    return index


def test_a_sequence_of_writes_equals_a_rebuild(index, tmp_path):
    index.add(*corpus({"d.txt": TEXTS["d.txt"]}))
    index.add(*corpus({"b.txt": ("消防安全宣传", "今年的消防宣传月主题是落实消防责任。全国消防日在11月9日。")}))
    first = next(d.doc_id for d in index.snapshot.documents.values() if d.source == "a.txt")
    index.delete([first])
    index.add(*corpus({"a.txt": TEXTS["a.txt"]}))
    index.delete([next(d.doc_id for d in index.snapshot.documents.values() if d.source == "c.txt")])
    assert snapshot_state(index) == snapshot_state(NewsIndex.open(tmp_path))


def test_rows_of_every_chunk_are_its_own_sentences_after_a_delete_in_the_middle(index):
    index.add(*corpus({"d.txt": TEXTS["d.txt"]}))
    index.delete([next(d.doc_id for d in index.snapshot.documents.values() if d.source == "b.txt")])
    snapshot = index.snapshot
    for chunk in snapshot.chunks:
        texts = [snapshot.sentences[row].text for row in snapshot.chunk_sentences(chunk)]
        assert all(snapshot.sentences[row].doc_id == chunk.doc_id for row in snapshot.chunk_sentences(chunk))
        assert "".join(texts) == chunk.text.replace("\n", "")
    assert len(snapshot.sentence_vectors) == len(snapshot.sentences)
    search = snapshot.search
    assert len(snapshot.chunk_vectors) == len(snapshot.chunks) == len(search.vectors) == search.bm25.size


def test_a_write_leaves_the_snapshot_readers_hold_untouched(index):
    before = index.snapshot
    state = (len(before.chunks), len(before.search.vectors), before.search.bm25.size, sorted(before.documents))
    index.add(*corpus({"d.txt": TEXTS["d.txt"]}))
    index.delete([next(iter(before.documents))])
    assert (len(before.chunks), len(before.search.vectors), before.search.bm25.size, sorted(before.documents)) == state
    assert index.snapshot is not before


def test_bm25_updated_in_place_scores_like_a_rebuild():
    docs = [["新疆", "工会", "会员"], ["消防", "宣传"], ["工会", "体检", "体检"], ["快递", "工会"]]
    old = Bm25Index(docs[:3])
    keep = np.array([True, False, True])
    changed = old.changed(keep, [docs[3]])
    rebuilt = Bm25Index([docs[0], docs[2], docs[3]])
    for query in (["工会"], ["体检", "快递"], ["消防"], ["没有"]):
        np.testing.assert_allclose(changed.scores(query), rebuilt.scores(query), rtol=1e-6)
    assert old.scores(["快递"]).tolist() == [0, 0, 0]  # the old version knows no later term


def test_bm25_scores_are_lucene_bm25_as_bm25s_computes_them():
    bm25s = pytest.importorskip("bm25s")
    docs = [["新疆", "工会", "会员", "会员"], ["消防", "宣传"], ["工会", "体检", "体检", "项目"], ["快递", "工会"]]
    reference = bm25s.BM25(k1=1.2, b=0.75)
    reference.index(docs, show_progress=False)
    for query in (["工会"], ["体检", "会员", "工会"], ["工会", "工会"]):
        np.testing.assert_allclose(Bm25Index(docs).scores(query), reference.get_scores(query), rtol=1e-5)
