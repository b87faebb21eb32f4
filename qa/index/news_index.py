"""The index front door: add, delete, search, document, save, open.

State lives in one data directory: ``qa.sqlite`` (the truth: articles, sentences, chunks,
tokens, vectors), ``embeddings.sqlite`` (the embedding cache) and ``vectors.faiss`` (derived,
stamped with the SQLite generation it was built from and rebuilt when stale). Readers work on
an immutable :class:`Snapshot`; a write derives a new one from the current one and swaps it in
with one assignment, so a search sees either the old or the new state, never half of a change.

Several processes may serve one directory (``qa serve --workers N``, or a ``qa add`` beside a
server): :meth:`NewsIndex.refresh` compares the generation its snapshot reflects with the one
last committed and, when another process has written, brings the snapshot up to date from the
rows that differ.
"""

from __future__ import annotations

import fcntl
import hashlib
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from embeddings.cache import CachedEncoder
from embeddings.model import load_model, model_name
from embeddings.vector_index import VectorIndex
from qa.errors import IndexMissing, QAError
from qa.index.fusion import CANDIDATES, reciprocal_rank, top_rows
from qa.index.prepare import PreparedArticle, prepare_articles
from qa.index.records import AddReport, DocumentInfo, Hit, StoredDocument, read_rows, stored_document
from qa.index.snapshot import Snapshot, derive
from qa.index.store import Store
from qa.index.vector_file import load_vectors, save_vectors
from qa.ingest.article import Article
from qa.text.tokens import tokenize


class NewsIndex:
    def __init__(self, directory: Path, encoder: CachedEncoder, store: Store) -> None:
        self.directory = directory
        self.encoder = encoder
        self.store = store
        self.write_lock = threading.Lock()
        # Held while the snapshot and its generation are replaced (a write's swap, a refresh), not for a
        # whole write: a refresh must not wait for this process's own write to finish embedding.
        self._swapping = threading.Lock()
        self.snapshot, self.generation, repaired = self._load_snapshot()
        if repaired:
            self.save()

    @classmethod
    def open(cls, directory: Path, model: str | None = None, create: bool = False) -> NewsIndex:
        """Open the index in ``directory``; ``create`` makes an empty one if there is none."""
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
        with self.write_lock:
            unchanged = [name for name, text in sources.items() if self.is_indexed(name, text)]
            pending = [name for name in sources if name not in unchanged]
            prepared = prepare_articles([article for name in pending for article in by_source[name]], self.encoder,
                                        progress)
            report = self._write((name, sources[name], [prepared[article.doc_id] for article in by_source[name]])
                                 for name in pending)
        report.unchanged_sources = unchanged
        return report

    def is_indexed(self, name: str, text: str) -> bool:
        """Whether source ``name`` is indexed with exactly this text (a write of it would change nothing)."""
        return self.store.source_hash(name) == source_digest(text)

    def add_prepared(self, sources: Iterable[tuple[str, str, list[PreparedArticle]]]) -> AddReport:
        """Write sources prepared elsewhere (name, text, its prepared articles), each in a transaction of
        its own as it comes, so that a run stopped halfway keeps what it committed."""
        with self.write_lock:
            return self._write(sources)

    def _write(self, sources: Iterable[tuple[str, str, list[PreparedArticle]]]) -> AddReport:
        report = AddReport()
        removed: list[str] = []
        start, commits = self.generation, 0
        try:
            for name, text, items in sources:
                removed += self.store.replace_source(name, text, source_digest(text), items)
                commits += 1
                report.doc_ids += [item.article.doc_id for item in items]
                report.added_sources.append(name)
                report.documents += len(items)
                report.chunks += sum(len(item.chunks) for item in items)
                report.sentences += sum(len(item.sentences) for item in items)
        finally:
            # Whatever was committed is served, even when a later source failed.
            if commits:
                self._swap(removed, report.doc_ids, start, commits)
        return report

    def delete(self, doc_ids: list[str]) -> list[str]:
        """Delete documents by id; returns the ids that were found and deleted."""
        with self.write_lock:
            start = self.generation
            deleted = self.store.delete_documents(doc_ids)
            if deleted:
                self._swap(deleted, [], start, 1)
        return deleted

    def _swap(self, removed: list[str], added: list[str], start: int, commits: int) -> None:
        """Swap in the snapshot with the ``removed`` documents gone and the ``added`` ones (as now
        committed) in, after ``commits`` transactions of this process made on a snapshot of generation
        ``start``; then persist the vector index."""
        with self._swapping:
            committed = self.store.committed_generation
            if self.generation == start and start + commits == committed:
                # The snapshot is still the state before this write and no other process committed
                # in between: it plus this write is exactly the new state.
                rows = read_rows(*self.store.rows_of(added), self.encoder.dim)
                self.snapshot = derive(self.snapshot, removed, rows)
                self.generation = committed
            elif self.generation < committed:
                self._catch_up()
            # Otherwise a refresh on another thread has already read this write back.
        self.save()

    def refresh(self) -> bool:
        """Bring the snapshot up to what is committed, if another process has written since it was
        made; True when it changed. Without such a write this costs one small read."""
        if self.store.latest_generation() == self.generation:
            return False
        with self._swapping:
            return self._catch_up()

    def _catch_up(self) -> bool:
        """Derive the snapshot of the committed state from the rows that differ (``_swapping`` held);
        True when anything differed. The differences and their rows are read as one state, so a
        document comes back whole."""
        snapshot = self.snapshot
        served = {doc_id: snapshot.extents.get(doc_id) for doc_id in snapshot.documents}
        generation, stale, rows = self.store.committed_changes(served)
        changed = bool(stale or any(rows))
        if changed:
            self.snapshot = derive(snapshot, stale, read_rows(*rows, self.encoder.dim))
        # After the snapshot: a reader that sees the new generation skips the refresh, so it must find the new state.
        self.generation = generation
        return changed

    # -- persistence --------------------------------------------------------------------------

    def save(self) -> None:
        """Persist the derived vector index, stamped with the generation it reflects.

        Processes sharing the directory save in turn (a file lock), and one whose state a later
        commit has overtaken leaves the file to that commit's writer: saving it would only stamp an
        older generation, which makes the next open rebuild."""
        with self._swapping:
            snapshot, generation = self.snapshot, self.generation
        with _locked(self.directory / LOCK_FILE):
            if self.store.latest_generation() == generation:
                save_vectors(self.directory, snapshot.vectors, generation, self.model_name)

    def _load_snapshot(self) -> tuple[Snapshot, int, bool]:
        """The snapshot of what SQLite holds, its generation, and whether the saved vector index had to be rebuilt."""
        documents, sentences, chunks, generation = self.store.all_rows()
        self.store.committed_generation = generation
        rows = read_rows(documents, sentences, chunks, self.encoder.dim)
        vectors = load_vectors(self.directory, generation, self.model_name, self.encoder.dim, rows.chunk_ids)
        repaired = vectors is None
        if vectors is None:
            vectors = VectorIndex.build(rows.chunk_ids, rows.chunk_vectors)
        return Snapshot.from_rows(rows, vectors), generation, repaired

    # -- reads --------------------------------------------------------------------------------

    def search(self, query: str, k: int = 5, retriever: str = "hybrid",
               query_vector: np.ndarray | None = None, snapshot: Snapshot | None = None) -> list[Hit]:
        """The ``k`` best chunks for ``query``: dense, BM25, or both fused by reciprocal rank.
        A caller that reads the hits' rows passes the snapshot it reads them in; the engine has
        checked ``retriever`` (one of RETRIEVERS)."""
        snapshot = snapshot or self.snapshot
        if not snapshot.chunks:
            return []
        if query_vector is None:
            query_vector = self.encoder.encode_query(query)
        bm25_scores = snapshot.bm25.scores(tokenize(query))
        rankings: list[list[int]] = []
        if retriever in ("dense", "hybrid"):
            chunk_ids, _ = snapshot.vectors.search(query_vector, CANDIDATES)
            rankings.append([snapshot.chunk_row[int(chunk_id)] for chunk_id in chunk_ids])
        if retriever in ("bm25", "hybrid"):
            rankings.append(top_rows(bm25_scores, CANDIDATES).tolist())
        fused = reciprocal_rank(rankings)
        rows = np.fromiter(fused, dtype=np.int64, count=len(fused))
        dense_scores = dict(zip(fused, snapshot.chunk_vectors[rows] @ query_vector, strict=True))
        best = sorted(fused, key=lambda row: (-fused[row], -dense_scores[row]))[:k]
        return [Hit(snapshot.chunks[row], fused[row], float(dense_scores[row]), float(bm25_scores[row]))
                for row in best]

    def document(self, doc_id: str) -> StoredDocument | None:
        """The whole article: metadata and paragraphs with their offsets into the source."""
        row = self.store.document(doc_id)
        return None if row is None else stored_document(row)

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


LOCK_FILE = "vectors.lock"


def source_digest(text: str) -> str:
    """What tells an unchanged source from a changed one."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    """An exclusive lock on ``path`` across processes, released when the block ends (or the process dies)."""
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
