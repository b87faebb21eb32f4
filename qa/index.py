"""The index front door: add, delete, search, save, load.

State lives in one data directory: ``qa.sqlite`` (the truth: articles, sentences, chunks,
tokens, vectors), ``embeddings.sqlite`` (the embedding cache) and ``vectors.faiss`` (derived,
stamped with the SQLite generation it was built from and rebuilt when stale). Readers work on
an immutable :class:`Snapshot`; a write derives a new one from the current one, touching only the
rows, vectors and BM25 entries of the documents it changes, and swaps it in with one assignment,
so a search sees either the old or the new state, never half of a change.
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import os
import threading
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from embeddings.cache import CachedEncoder, progress_bar
from embeddings.model import load_model, model_name
from embeddings.vector_index import VectorIndex
from qa.bm25_index import Bm25Index
from qa.chunking import article_sentences, chunk_article
from qa.errors import IndexMissing, QAError
from qa.models import Article
from qa.store import PreparedArticle, Store
from qa.textnorm import match_form
from qa.tokens import tokenize

DATA_DIR_ENV = "QA_DATA_DIR"
RETRIEVERS = ("hybrid", "dense", "bm25")
RRF_K = 60
CANDIDATES = 50


def data_dir(path: str | os.PathLike | None = None) -> Path:
    return Path(path or os.environ.get(DATA_DIR_ENV) or "data")


@dataclass(frozen=True)
class DocumentInfo:
    doc_id: str
    source: str
    ordinal: int
    kind: str
    title: str
    subtitle: str | None
    byline: str | None
    reporters: list[str]
    dateline: str | None
    date: str | None


@dataclass(frozen=True)
class SentenceRow:
    sentence_id: int
    doc_id: str
    ordinal: int  # position of the sentence in its article
    paragraph: int
    start: int
    end: int
    text: str
    source_start: int
    source_end: int


@dataclass(frozen=True)
class ChunkRow:
    chunk_id: int
    doc_id: str
    ordinal: int
    first_row: int  # rows of its sentences in Snapshot.sentences, inclusive
    last_row: int
    text: str


@dataclass(frozen=True)
class Hit:
    chunk: ChunkRow
    score: float  # fused score (RRF for hybrid), higher is better
    dense: float  # cosine similarity of the chunk to the query
    bm25: float


Extent = tuple[int, int, int, int]  # a document's sentence ids [lo, hi) and chunk ids [lo, hi)


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
    vectors: VectorIndex
    bm25: Bm25Index
    sentence_ids: np.ndarray
    chunk_ids: np.ndarray
    extents: dict[str, Extent]
    chunk_row: RowIndex = field(init=False)

    def __post_init__(self) -> None:
        self.chunk_row = RowIndex(self.chunk_ids)

    def chunk_sentences(self, chunk: ChunkRow) -> range:
        return range(chunk.first_row, chunk.last_row + 1)

    @functools.cached_property
    def term_frequency(self) -> Counter[str]:
        """In how many chunks each character bigram occurs: rare bigrams are the telling ones."""
        counts: Counter[str] = Counter()
        for chunk in self.chunks:
            counts.update(_bigrams(chunk.text))
        return counts

    def term_weight(self, term: str) -> float:
        """Inverse document frequency of a match term over the chunks (unseen terms weigh most)."""
        return math.log((len(self.chunks) + 1) / (self.term_frequency.get(term, 0) + 0.5))


@dataclass
class Rows:
    """Rows read back from SQLite, ready to join a snapshot."""

    documents: list[DocumentInfo]
    sentences: list[SentenceRow]  # first_row/last_row of ``chunks`` count from the first of these
    sentence_ids: np.ndarray
    sentence_vectors: np.ndarray
    chunks: list[ChunkRow]
    chunk_ids: np.ndarray
    chunk_vectors: np.ndarray
    chunk_tokens: list[list[str]]
    extents: dict[str, Extent]


@dataclass
class AddReport:
    added_sources: list[str] = field(default_factory=list)
    doc_ids: list[str] = field(default_factory=list)  # of the documents added or replaced
    unchanged_sources: list[str] = field(default_factory=list)
    documents: int = 0
    chunks: int = 0
    sentences: int = 0


class NewsIndex:
    def __init__(self, directory: Path, encoder: CachedEncoder, store: Store) -> None:
        self.directory = directory
        self.encoder = encoder
        self.store = store
        self.write_lock = threading.Lock()
        self.snapshot = self._build_snapshot()
        if self._repaired:
            self.save()

    @classmethod
    def open(cls, directory: str | os.PathLike | None = None, model: str | None = None,
             create: bool = False) -> NewsIndex:
        """Open the index in ``directory``; ``create`` makes an empty one if there is none."""
        directory = data_dir(directory)
        database = directory / "qa.sqlite"
        if not database.exists() and not create:
            raise IndexMissing(f"no index in {directory}/ — run `qa index` first")
        directory.mkdir(parents=True, exist_ok=True)
        store = Store(database)
        stored_model = store.meta("model")
        wanted = model_name(model) if model or not stored_model else stored_model
        if stored_model and stored_model != wanted and store.count("chunks"):
            raise QAError(
                f"index in {directory}/ was built with model {stored_model!r}, not {wanted!r}; "
                "use another --data-dir or re-index")
        store.set_meta("model", wanted)
        encoder = CachedEncoder(load_model(wanted), wanted, directory / "embeddings.sqlite")
        return cls(directory, encoder, store)

    @property
    def model_name(self) -> str:
        return self.encoder.model_name

    # -- writes -----------------------------------------------------------------------------

    def add(self, articles: Iterable[Article], sources: dict[str, str], progress: bool = False) -> AddReport:
        """Index the articles of each source; a source whose text is unchanged is skipped,
        a changed one replaces everything indexed from it before."""
        by_source: dict[str, list[Article]] = {name: [] for name in sources}
        for article in articles:
            by_source.setdefault(article.source, []).append(article)
        report = AddReport()
        with self.write_lock:
            pending: list[tuple[str, str, list[Article]]] = []
            for name, text in sources.items():
                digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
                if self.store.source_hash(name) == digest:
                    report.unchanged_sources.append(name)
                else:
                    pending.append((name, digest, by_source[name]))
            prepared = self._prepare([article for _, _, group in pending for article in group], progress)
            removed: list[str] = []
            try:
                for name, digest, group in pending:
                    items = [prepared[article.doc_id] for article in group]
                    removed += self.store.replace_source(name, sources[name], digest, items)
                    report.doc_ids += [item.article.doc_id for item in items]
                    report.added_sources.append(name)
                    report.documents += len(items)
                    report.chunks += sum(len(item.chunks) for item in items)
                    report.sentences += sum(len(item.sentences) for item in items)
            finally:
                # Whatever was committed is served, even when a later source failed.
                if removed or report.doc_ids:
                    self._apply(removed, report.doc_ids)
        return report

    def delete(self, doc_ids: list[str]) -> list[str]:
        """Delete documents by id; returns the ids that were found and deleted."""
        with self.write_lock:
            deleted = self.store.delete_documents(doc_ids)
            if deleted:
                self._apply(deleted, [])
        return deleted

    def _prepare(self, articles: list[Article], progress: bool) -> dict[str, PreparedArticle]:
        plans = []
        for article in articles:
            sentences = article_sentences(article)
            chunks = chunk_article(article)
            plans.append((article, sentences, chunks))
        sentence_texts = [sentence.text for _, sentences, _ in plans for sentence in sentences]
        chunk_texts = [passage_text(article.title, chunk.text) for article, _, chunks in plans for chunk in chunks]
        with progress_bar(len(sentence_texts) + len(chunk_texts), "embedding", progress) as bar:
            sentence_vectors = self.encoder.encode_documents(sentence_texts, bar.update)
            chunk_vectors = self.encoder.encode_documents(chunk_texts, bar.update)
        prepared: dict[str, PreparedArticle] = {}
        sentence_at = chunk_at = 0
        for article, sentences, chunks in plans:
            tokens = [tokenize(passage_text(article.title, chunk.text)) for chunk in chunks]
            prepared[article.doc_id] = PreparedArticle(
                article, sentences, sentence_vectors[sentence_at : sentence_at + len(sentences)],
                chunks, tokens, chunk_vectors[chunk_at : chunk_at + len(chunks)])
            sentence_at += len(sentences)
            chunk_at += len(chunks)
        return prepared

    def _apply(self, removed: list[str], added: list[str]) -> None:
        """Swap in a snapshot with the ``removed`` documents gone and the ``added`` ones (as now
        committed) in, touching only their rows; then persist the vector index."""
        old = self.snapshot
        rows = _rows(*self.store.rows_of(added), self.encoder.dim)
        gone = sorted(old.extents[doc_id] for doc_id in set(removed) if doc_id in old.extents)
        sentence_ranges = [_row_range(old.sentence_ids, lo, hi) for lo, hi, _, _ in gone]
        chunk_ranges = [_row_range(old.chunk_ids, lo, hi) for _, _, lo, hi in gone]
        keep_sentences = _keep_mask(len(old.sentences), sentence_ranges)
        keep_chunks = _keep_mask(len(old.chunks), chunk_ranges)
        sentences = _without(old.sentences, sentence_ranges)
        chunks = _shifted_chunks(old.chunks, chunk_ranges, sentence_ranges)
        base = len(sentences)
        chunks += [replace(chunk, first_row=chunk.first_row + base, last_row=chunk.last_row + base)
                   for chunk in rows.chunks]
        chunk_ids = np.concatenate([old.chunk_ids[keep_chunks], rows.chunk_ids])
        chunk_vectors = np.concatenate([old.chunk_vectors[keep_chunks], rows.chunk_vectors])
        # Readers may be searching the old index: change a copy (a memory copy, see VectorIndex.copy).
        vectors = old.vectors.copy()
        vectors.remove(old.chunk_ids[~keep_chunks])
        vectors.add(rows.chunk_ids, rows.chunk_vectors)
        if vectors.needs_rebuild:
            vectors = VectorIndex.build(chunk_ids, chunk_vectors)
        gone_ids = set(removed)
        documents = {doc_id: info for doc_id, info in old.documents.items() if doc_id not in gone_ids}
        documents.update((info.doc_id, info) for info in rows.documents)
        extents = {doc_id: extent for doc_id, extent in old.extents.items() if doc_id not in gone_ids}
        extents.update(rows.extents)
        snapshot = Snapshot(
            documents, sentences + rows.sentences,
            np.concatenate([old.sentence_vectors[keep_sentences], rows.sentence_vectors]), chunks, chunk_vectors,
            vectors, old.bm25.changed(keep_chunks, rows.chunk_tokens),
            np.concatenate([old.sentence_ids[keep_sentences], rows.sentence_ids]), chunk_ids, extents)
        if "term_frequency" in old.__dict__:
            # Kept current by the difference, so that no reader pays for a recount after a write.
            counts = old.term_frequency.copy()
            for start, end in chunk_ranges:
                for chunk in old.chunks[start:end]:
                    counts.subtract(_bigrams(chunk.text))
            for chunk in rows.chunks:
                counts.update(_bigrams(chunk.text))
            snapshot.term_frequency = +counts
        self.snapshot = snapshot
        self.save()

    # -- persistence --------------------------------------------------------------------------

    def save(self) -> None:
        """Persist the derived vector index, stamped with the generation it reflects."""
        self.snapshot.vectors.save(self.directory / "vectors.faiss")
        stamp = self.directory / "vectors.json"
        temporary = stamp.with_name(stamp.name + ".tmp")
        temporary.write_text(json.dumps({"generation": self.store.committed_generation, "model": self.model_name}))
        os.replace(temporary, stamp)

    def _saved_vectors(self, generation: int, chunk_ids: np.ndarray) -> VectorIndex | None:
        """The saved vector index if it was stamped with ``generation`` and holds exactly ``chunk_ids``.

        A crash between a SQLite commit and the vector save leaves an older stamp, a crash during the
        save an older file (saves rename a finished file into place): either way it is rebuilt."""
        try:
            stamp = json.loads((self.directory / "vectors.json").read_text())
            if stamp.get("generation") != generation or stamp.get("model") != self.model_name:
                return None
            vectors = VectorIndex.load(self.directory / "vectors.faiss")
        except (OSError, ValueError, RuntimeError):
            return None
        if vectors.dim != self.encoder.dim or not np.array_equal(np.sort(vectors.ids()), chunk_ids):
            return None
        return vectors

    def _build_snapshot(self) -> Snapshot:
        documents, sentences, chunks, generation = self.store.all_rows()
        self.store.committed_generation = generation
        rows = _rows(documents, sentences, chunks, self.encoder.dim)
        vectors = self._saved_vectors(generation, rows.chunk_ids)
        self._repaired = vectors is None
        if vectors is None:
            vectors = VectorIndex.build(rows.chunk_ids, rows.chunk_vectors)
        return Snapshot({info.doc_id: info for info in rows.documents}, rows.sentences, rows.sentence_vectors,
                        rows.chunks, rows.chunk_vectors, vectors, Bm25Index(rows.chunk_tokens), rows.sentence_ids,
                        rows.chunk_ids, rows.extents)

    # -- reads --------------------------------------------------------------------------------

    def search(self, query: str, k: int = 5, retriever: str = "hybrid",
               query_vector: np.ndarray | None = None, snapshot: Snapshot | None = None) -> list[Hit]:
        """The ``k`` best chunks for ``query``: dense, BM25, or both fused by reciprocal rank.
        A caller that reads the hits' rows passes the snapshot it reads them in."""
        if retriever not in RETRIEVERS:
            raise ValueError(f"retriever must be one of {', '.join(RETRIEVERS)}")
        snapshot = snapshot or self.snapshot
        if not snapshot.chunks:
            return []
        if query_vector is None:
            query_vector = self.encoder.encode_query(query)
        bm25_scores = snapshot.bm25.scores(tokenize(query))
        fused: dict[int, float] = {}
        if retriever in ("dense", "hybrid"):
            chunk_ids, _ = snapshot.vectors.search(query_vector, CANDIDATES)
            for rank, chunk_id in enumerate(chunk_ids):
                row = snapshot.chunk_row[int(chunk_id)]
                fused[row] = fused.get(row, 0.0) + 1.0 / (RRF_K + rank + 1)
        if retriever in ("bm25", "hybrid"):
            for rank, row in enumerate(_top_rows(bm25_scores, CANDIDATES)):
                fused[row] = fused.get(row, 0.0) + 1.0 / (RRF_K + rank + 1)
        rows = np.fromiter(fused, dtype=np.int64, count=len(fused))
        dense_scores = dict(zip(fused, snapshot.chunk_vectors[rows] @ query_vector, strict=True))
        best = sorted(fused, key=lambda row: (-fused[row], -dense_scores[row]))[:k]
        return [Hit(snapshot.chunks[row], fused[row], float(dense_scores[row]), float(bm25_scores[row]))
                for row in best]

    def document(self, doc_id: str) -> dict | None:
        """The whole article: metadata and paragraphs with their offsets into the source."""
        row = self.store.document(doc_id)
        if row is None:
            return None
        paragraphs = json.loads(row["paragraphs"])
        return {
            "doc_id": row["doc_id"], "title": row["title"], "subtitle": row["subtitle"], "date": row["date"],
            "source": row["source"], "kind": row["kind"], "byline": row["byline"],
            "reporters": json.loads(row["reporters"]), "dateline": row["dateline"],
            "paragraphs": [
                {"index": index, "text": paragraph["text"], "start": paragraph["spans"][0][0] if paragraph["spans"]
                 else 0, "end": paragraph["spans"][-1][1] if paragraph["spans"] else 0}
                for index, paragraph in enumerate(paragraphs)
            ],
        }

    def source_text(self, name: str) -> str | None:
        return self.store.source_text(name)

    def documents(self, source: str | None = None) -> list[DocumentInfo]:
        """The documents served now (of one source file when ``source`` is given), by source and position."""
        found = [info for info in self.snapshot.documents.values() if source is None or info.source == source]
        return sorted(found, key=lambda info: (info.source, info.ordinal))

    def stats(self) -> dict:
        snapshot = self.snapshot
        return {
            "documents": len(snapshot.documents),
            "sources": len({document.source for document in snapshot.documents.values()}),
            "chunks": len(snapshot.chunks),
            "sentences": len(snapshot.sentences),
            "model": self.model_name,
            "dimension": self.encoder.dim,
            "index_size": len(snapshot.vectors),
            "data_dir": str(self.directory),
        }


def passage_text(title: str, text: str) -> str:
    """What is embedded and BM25-indexed for a chunk: its article's headline gives it context."""
    return f"{title}\n{text}"


def _bigrams(text: str) -> set[str]:
    text = match_form(text)
    return {text[i : i + 2] for i in range(len(text) - 1)}


def _rows(documents: list, sentences: list, chunks: list, dim: int) -> Rows:
    infos = [
        DocumentInfo(row["doc_id"], row["source"], row["ordinal"], row["kind"], row["title"], row["subtitle"],
                     row["byline"], json.loads(row["reporters"]), row["dateline"], row["date"])
        for row in documents
    ]
    sentence_rows = [
        SentenceRow(row["sentence_id"], row["doc_id"], row["ordinal"], row["paragraph"], row["start"], row["end"],
                    row["text"], row["source_start"], row["source_end"])
        for row in sentences
    ]
    sentence_ids = np.array([row.sentence_id for row in sentence_rows], np.int64)
    first = np.searchsorted(sentence_ids, [row["first_sentence"] for row in chunks]).tolist()
    last = np.searchsorted(sentence_ids, [row["last_sentence"] for row in chunks]).tolist()
    chunk_rows = [ChunkRow(row["chunk_id"], row["doc_id"], row["ordinal"], first_row, last_row, row["text"])
                  for row, first_row, last_row in zip(chunks, first, last, strict=True)]
    chunk_ids = np.array([row.chunk_id for row in chunk_rows], np.int64)
    extents: dict[str, list[int]] = {}
    for row in sentence_rows:
        extent = extents.setdefault(row.doc_id, [row.sentence_id, 0, 0, 0])
        extent[1] = row.sentence_id + 1
    for row in chunk_rows:
        extent = extents.setdefault(row.doc_id, [0, 0, 0, 0])
        if not extent[3]:
            extent[2] = row.chunk_id
        extent[3] = row.chunk_id + 1
    return Rows(infos, sentence_rows, sentence_ids, _matrix([row["vector"] for row in sentences], dim), chunk_rows,
                chunk_ids, _matrix([row["vector"] for row in chunks], dim),
                [json.loads(row["tokens"]) for row in chunks],
                {doc_id: (lo, hi, chunk_lo, chunk_hi) for doc_id, (lo, hi, chunk_lo, chunk_hi) in extents.items()})


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
    if not shift:
        return chunks
    return [replace(chunk, first_row=chunk.first_row - shift, last_row=chunk.last_row - shift) for chunk in chunks]


def _matrix(blobs: list[bytes], dim: int) -> np.ndarray:
    if not blobs:
        return np.empty((0, dim), np.float32)
    return np.frombuffer(b"".join(blobs), dtype=np.float32).reshape(len(blobs), dim)


def _top_rows(scores: np.ndarray, k: int) -> np.ndarray:
    """Rows of the ``k`` highest positive scores, best first."""
    k = min(k, len(scores))
    if k <= 0:
        return np.empty(0, np.int64)
    rows = np.argpartition(-scores, k - 1)[:k]
    rows = rows[np.argsort(-scores[rows], kind="stable")]
    return rows[scores[rows] > 0]
