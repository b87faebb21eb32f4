"""One immutable state of the index, and the next one derived from it by a write.

A write never changes a snapshot that readers may hold: :func:`derive` builds the next one from
the current one, touching only the rows, vectors and BM25 entries of the documents it changes.
"""

from __future__ import annotations

import math
import threading
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace

import numpy as np

from qa.index.records import ChunkRow, DocumentInfo, Extent, Rows, SentenceRow
from qa.index.search import ChunkSearch
from qa.text.bigrams import match_terms
from qa.text.normalize import match_form


class RowIndex(Mapping[int, int]):
    """Row of an id among ascending ids, by binary search: nothing to renumber when rows move."""

    def __init__(self, ids: np.ndarray) -> None:
        self.ids = ids

    def __getitem__(self, key: int) -> int:
        row = int(np.searchsorted(self.ids, key))
        if row < len(self.ids) and self.ids[row] == key:
            return row
        raise KeyError(key)

    def __iter__(self) -> Iterator[int]:
        return iter(self.ids.tolist())

    def __len__(self) -> int:
        return len(self.ids)


@dataclass
class Snapshot:
    """One state of the index. Sentences and chunks are in id order, so each document's rows are
    contiguous and a chunk's sentences are ``sentences[first_row : last_row + 1]``; ``extents``
    gives each document's id ranges, from which a write finds the rows it removes."""

    documents: dict[str, DocumentInfo]
    sentences: list[SentenceRow]
    sentence_vectors: np.ndarray
    chunks: list[ChunkRow]
    chunk_vectors: np.ndarray
    search: ChunkSearch
    sentence_ids: np.ndarray
    chunk_ids: np.ndarray
    extents: dict[str, Extent]
    # Counted on first use; a snapshot derived from a counted one gets its counts by difference.
    counted_terms: Counter[str] | None = None
    chunk_row: RowIndex = field(init=False)
    # What the layers above derive from this state and keep while it is served, by key (the answer
    # layer's match-form view of each article): a write makes a new snapshot, so nothing goes stale.
    derived: dict[object, object] = field(init=False, default_factory=dict)
    _counting: threading.Lock = field(init=False, default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.chunk_row = RowIndex(self.chunk_ids)

    @classmethod
    def from_rows(cls, rows: Rows, search: ChunkSearch) -> Snapshot:
        return cls({info.doc_id: info for info in rows.documents}, rows.sentences, rows.sentence_vectors,
                   rows.chunks, rows.chunk_vectors, search, rows.sentence_ids, rows.chunk_ids, rows.extents)

    def chunk_sentences(self, chunk: ChunkRow) -> range:
        return range(chunk.first_row, chunk.last_row + 1)

    def document_rows(self, doc_id: str) -> range:
        """Rows of a document's sentences: its id range located among the ascending sentence ids."""
        low, high, _, _ = self.extents[doc_id]
        return range(*(int(row) for row in np.searchsorted(self.sentence_ids, [low, high])))

    @property
    def term_frequency(self) -> Counter[str]:
        """In how many chunks each match term (qa.text.bigrams.match_terms) occurs: rare terms are the telling ones.
        A question term counted nowhere weighs most, so a Han character or a number it holds alone is counted
        too: else 由 of 是由谁作曲的 or a year weighed as a word no chunk says."""
        with self._counting:
            if self.counted_terms is None:
                counts: Counter[str] = Counter()
                for chunk in self.chunks:
                    counts.update(chunk_terms(chunk))
                self.counted_terms = counts
            return self.counted_terms

    def term_weight(self, term: str) -> float:
        """Inverse document frequency of a match term over the chunks (unseen terms weigh most)."""
        return math.log((len(self.chunks) + 1) / (self.term_frequency.get(term, 0) + 0.5))


def chunk_terms(chunk: ChunkRow) -> set[str]:
    return match_terms(match_form(chunk.text))


def derive(old: Snapshot, removed: list[str], rows: Rows) -> Snapshot:
    """The snapshot after a write: ``old`` with the ``removed`` documents gone and ``rows`` (the
    documents as now committed) appended. Readers may be searching ``old``, so nothing of it changes."""
    gone = sorted(old.extents[doc_id] for doc_id in set(removed) if doc_id in old.extents)
    sentence_ranges = [_row_range(old.sentence_ids, lo, hi) for lo, hi, _, _ in gone]
    chunk_ranges = [_row_range(old.chunk_ids, lo, hi) for _, _, lo, hi in gone]
    keep_sentences = _keep_mask(len(old.sentences), sentence_ranges)
    keep_chunks = _keep_mask(len(old.chunks), chunk_ranges)
    sentences = _without(old.sentences, sentence_ranges)
    chunks = _shifted_chunks(old.chunks, chunk_ranges, sentence_ranges)
    chunks += _shift(rows.chunks, -len(sentences))
    chunk_ids = np.concatenate([old.chunk_ids[keep_chunks], rows.chunk_ids])
    chunk_vectors = np.concatenate([old.chunk_vectors[keep_chunks], rows.chunk_vectors])
    search = old.search.changed(old.chunk_ids[~keep_chunks], keep_chunks, rows, chunk_ids, chunk_vectors)
    gone_ids = set(removed)
    documents = {doc_id: info for doc_id, info in old.documents.items() if doc_id not in gone_ids}
    documents.update((info.doc_id, info) for info in rows.documents)
    extents = {doc_id: extent for doc_id, extent in old.extents.items() if doc_id not in gone_ids}
    extents.update(rows.extents)
    counted = None
    if old.counted_terms is not None:
        # Kept current by the difference, so that no reader pays for a recount after a write.
        counted = old.counted_terms.copy()
        for start, end in chunk_ranges:
            for chunk in old.chunks[start:end]:
                counted.subtract(chunk_terms(chunk))
        for chunk in rows.chunks:
            counted.update(chunk_terms(chunk))
        counted = +counted
    return Snapshot(
        documents, sentences + rows.sentences,
        np.concatenate([old.sentence_vectors[keep_sentences], rows.sentence_vectors]), chunks, chunk_vectors,
        search, np.concatenate([old.sentence_ids[keep_sentences], rows.sentence_ids]), chunk_ids, extents, counted)


def _row_range(ids: np.ndarray, lo: int, hi: int) -> tuple[int, int]:
    return int(np.searchsorted(ids, lo)), int(np.searchsorted(ids, hi))


def _keep_mask(size: int, ranges: list[tuple[int, int]]) -> np.ndarray:
    keep = np.ones(size, bool)
    for start, end in ranges:
        keep[start:end] = False
    return keep


def _without(items: list, ranges: list[tuple[int, int]]) -> list:
    """``items`` less the sorted, disjoint row ``ranges``, by slicing (no per-item Python work)."""
    kept, cursor = [], 0
    for start, end in ranges:
        kept += items[cursor:start]
        cursor = end
    return kept + items[cursor:]


def _shifted_chunks(chunks: list[ChunkRow], chunk_ranges: list[tuple[int, int]],
                    sentence_ranges: list[tuple[int, int]]) -> list[ChunkRow]:
    """The chunks outside ``chunk_ranges``, their sentence rows moved up past the removed sentences.

    Chunks before the first removal are kept as they are; only those after it are renumbered."""
    kept, cursor, shift = [], 0, 0
    for (start, end), (sentence_start, sentence_end) in zip(chunk_ranges, sentence_ranges, strict=True):
        kept += _shift(chunks[cursor:start], shift)
        cursor, shift = end, shift + sentence_end - sentence_start
    return kept + _shift(chunks[cursor:], shift)


def _shift(chunks: list[ChunkRow], shift: int) -> list[ChunkRow]:
    """The chunks with their sentence rows moved up by ``shift`` (down, when negative)."""
    if not shift:
        return chunks
    return [replace(chunk, first_row=chunk.first_row - shift, last_row=chunk.last_row - shift) for chunk in chunks]
