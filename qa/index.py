"""The index front door: add, delete, search, save, load.

State lives in one data directory: ``qa.sqlite`` (the truth: articles, sentences, chunks,
tokens, vectors), ``embeddings.sqlite`` (the embedding cache) and ``vectors.faiss`` (derived,
stamped with the SQLite generation it was built from and rebuilt when stale). Readers work on
an immutable :class:`Snapshot`; a write builds a new one and swaps it in with one assignment,
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
from collections.abc import Iterable
from dataclasses import dataclass, field
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


@dataclass
class Snapshot:
    documents: dict[str, DocumentInfo]
    sentences: list[SentenceRow]
    sentence_vectors: np.ndarray
    chunks: list[ChunkRow]
    chunk_vectors: np.ndarray
    vectors: VectorIndex
    bm25: Bm25Index
    chunk_row: dict[int, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.chunk_row = {chunk.chunk_id: row for row, chunk in enumerate(self.chunks)}

    def chunk_sentences(self, chunk: ChunkRow) -> range:
        return range(chunk.first_row, chunk.last_row + 1)

    @functools.cached_property
    def term_frequency(self) -> Counter[str]:
        """In how many chunks each character bigram occurs: rare bigrams are the telling ones."""
        counts: Counter[str] = Counter()
        for chunk in self.chunks:
            text = match_form(chunk.text)
            counts.update({text[i : i + 2] for i in range(len(text) - 1)})
        return counts

    def term_weight(self, term: str) -> float:
        """Inverse document frequency of a match term over the chunks (unseen terms weigh most)."""
        return math.log((len(self.chunks) + 1) / (self.term_frequency.get(term, 0) + 0.5))


@dataclass
class AddReport:
    added_sources: list[str] = field(default_factory=list)
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
            for name, digest, group in pending:
                items = [prepared[article.doc_id] for article in group]
                self.store.replace_source(name, sources[name], digest, items)
                report.added_sources.append(name)
                report.documents += len(items)
                report.chunks += sum(len(item.chunks) for item in items)
                report.sentences += sum(len(item.sentences) for item in items)
            if pending:
                self._refresh()
        return report

    def delete(self, doc_ids: list[str]) -> list[str]:
        """Delete documents by id; returns the ids that were found and deleted."""
        with self.write_lock:
            deleted = self.store.delete_documents(doc_ids)
            if deleted:
                self._refresh()
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

    def _refresh(self) -> None:
        self.snapshot = self._build_snapshot()
        self.save()

    # -- persistence --------------------------------------------------------------------------

    def save(self) -> None:
        """Persist the derived vector index, stamped with the generation it reflects."""
        self.snapshot.vectors.save(self.directory / "vectors.faiss")
        stamp = self.directory / "vectors.json"
        temporary = stamp.with_name(stamp.name + ".tmp")
        temporary.write_text(json.dumps({"generation": self.store.generation, "model": self.model_name}))
        os.replace(temporary, stamp)

    def _saved_vectors(self) -> VectorIndex | None:
        try:
            stamp = json.loads((self.directory / "vectors.json").read_text())
            if stamp.get("generation") != self.store.generation or stamp.get("model") != self.model_name:
                return None
            return VectorIndex.load(self.directory / "vectors.faiss")
        except (OSError, ValueError, RuntimeError):
            return None

    def _build_snapshot(self) -> Snapshot:
        documents = {
            row["doc_id"]: DocumentInfo(
                row["doc_id"], row["source"], row["ordinal"], row["kind"], row["title"], row["subtitle"],
                row["byline"], json.loads(row["reporters"]), row["dateline"], row["date"])
            for row in self.store.documents()
        }
        sentence_rows = self.store.sentences()
        sentences = [
            SentenceRow(row["sentence_id"], row["doc_id"], row["ordinal"], row["paragraph"], row["start"],
                        row["end"], row["text"], row["source_start"], row["source_end"])
            for row in sentence_rows
        ]
        sentence_vectors = _matrix([row["vector"] for row in sentence_rows], self.encoder.dim)
        row_of_sentence = {sentence.sentence_id: row for row, sentence in enumerate(sentences)}
        chunk_rows = self.store.chunks()
        chunks = [
            ChunkRow(row["chunk_id"], row["doc_id"], row["ordinal"], row_of_sentence[row["first_sentence"]],
                     row_of_sentence[row["last_sentence"]], row["text"])
            for row in chunk_rows
        ]
        chunk_vectors = _matrix([row["vector"] for row in chunk_rows], self.encoder.dim)
        vectors = self._saved_vectors()
        if vectors is None or len(vectors) != len(chunks):
            vectors = VectorIndex(self.encoder.dim)
            vectors.add(np.array([chunk.chunk_id for chunk in chunks], np.int64), chunk_vectors)
        bm25 = Bm25Index([json.loads(row["tokens"]) for row in chunk_rows])
        return Snapshot(documents, sentences, sentence_vectors, chunks, chunk_vectors, vectors, bm25)

    # -- reads --------------------------------------------------------------------------------

    def search(self, query: str, k: int = 5, retriever: str = "hybrid",
               query_vector: np.ndarray | None = None) -> list[Hit]:
        """The ``k`` best chunks for ``query``: dense, BM25, or both fused by reciprocal rank."""
        if retriever not in RETRIEVERS:
            raise ValueError(f"retriever must be one of {', '.join(RETRIEVERS)}")
        snapshot = self.snapshot
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
