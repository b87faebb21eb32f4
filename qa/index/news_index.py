"""The index front door: add, delete, search, document, save, open.

The truth (articles, sentences, chunks, tokens, vectors) lives in the backend
(:mod:`qa.index.backends`): by default ``qa.sqlite`` in the data directory, with ``vectors.faiss``
derived from it (stamped with the generation it was built from and rebuilt when stale); or Milvus.
The data directory always holds ``embeddings.sqlite``, the embedding cache. Readers work on
an immutable :class:`Snapshot`; a write derives a new one from the current one and swaps it in
with one assignment, so a search sees either the old or the new state, never half of a change.

Several processes may serve one directory (``qa serve --workers N``, or a ``qa add`` beside a
server): :meth:`NewsIndex.refresh` compares the generation its snapshot reflects with the one
last committed and, when another process has written, brings the snapshot up to date from the
rows that differ.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from embeddings.cache import CachedEncoder
from embeddings.model import load_model, model_name
from qa.errors import QAError
from qa.index.backends import Backend, open_backend
from qa.index.prepare import PreparedArticle, prepare_articles
from qa.index.records import AddReport, DocumentInfo, Hit, StoredDocument, read_rows, stored_document
from qa.index.snapshot import Snapshot, derive
from qa.ingest.article import Article
from qa.settings import Settings
from qa.text.tokens import tokenize


class NewsIndex:
    def __init__(self, directory: Path, encoder: CachedEncoder, backend: Backend) -> None:
        self.directory = directory
        self.encoder = encoder
        self.backend = backend
        self.store = backend.store
        self.write_lock = threading.Lock()
        # Held while the snapshot and its generation are replaced (a write's swap, a refresh), not for a
        # whole write: a refresh must not wait for this process's own write to finish embedding.
        self._swapping = threading.Lock()
        self.snapshot, self.generation, repaired = self._load_snapshot()
        if repaired:
            self.save()

    @classmethod
    def open(cls, directory: Path, model: str | None = None, create: bool = False, backend: str | None = None,
             milvus_uri: str | None = None) -> NewsIndex:
        """Open the index in ``directory`` (with the ``milvus`` backend: in Milvus at ``milvus_uri``,
        the directory keeping the embedding cache); ``create`` makes an empty one if there is none.
        The backend and URI default to the settings'."""
        settings = Settings.from_env(directory)
        chosen = open_backend(backend or settings.backend, directory, milvus_uri or settings.milvus_uri, create,
                              settings.milvus_token)
        directory.mkdir(parents=True, exist_ok=True)
        store = chosen.store
        stored_model = store.meta("model")
        wanted = model_name(model) if model or not stored_model else stored_model
        if stored_model and stored_model != wanted and store.count("chunks"):
            raise QAError(
                f"index in {directory}/ was built with model {stored_model!r}, not {wanted!r}; "
                "use another --data-dir or re-index")
        store.set_meta("model", wanted)
        encoder = CachedEncoder(load_model(wanted), wanted, directory / "embeddings.sqlite")
        return cls(directory, encoder, chosen)

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
        """Persist what the backend derived in this process (the local vector index), stamped with
        the generation it reflects."""
        with self._swapping:
            snapshot, generation = self.snapshot, self.generation
        self.backend.save(snapshot.search, generation, self.model_name)

    def _load_snapshot(self) -> tuple[Snapshot, int, bool]:
        """The snapshot of what the backend holds, its generation, and whether what the backend saved of its
        search (the local vector index) had to be rebuilt."""
        documents, sentences, chunks, generation = self.store.all_rows()
        self.store.committed_generation = generation
        rows = read_rows(documents, sentences, chunks, self.encoder.dim)
        search, repaired = self.backend.open_search(rows, generation, self.model_name)
        return Snapshot.from_rows(rows, search), generation, repaired

    # -- reads --------------------------------------------------------------------------------

    def search(self, query: str, k: int = 5, retriever: str = "hybrid",
               query_vector: np.ndarray | None = None, snapshot: Snapshot | None = None) -> list[Hit]:
        """The ``k`` best chunks for ``query``: dense, BM25, or both fused by reciprocal rank (ranked
        by the backend's search). A caller that reads the hits' rows passes the snapshot it reads them
        in; the engine has checked ``retriever`` (one of RETRIEVERS)."""
        snapshot = snapshot or self.snapshot
        if not snapshot.chunks:
            return []
        if query_vector is None:
            query_vector = self.encoder.encode_query(query)
        fused = snapshot.search.ranked(tokenize(query), query_vector, retriever, k, snapshot.chunk_row)
        rows = np.fromiter(fused, dtype=np.int64, count=len(fused))
        dense_scores = dict(zip(fused, snapshot.chunk_vectors[rows] @ query_vector, strict=True))
        best = sorted(fused, key=lambda row: (-fused[row], -dense_scores[row]))[:k]
        return [Hit(snapshot.chunks[row], fused[row], float(dense_scores[row])) for row in best]

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
            "index_size": snapshot.search.size,
            "backend": self.backend.name,
            "data_dir": str(self.directory),
        }


def source_digest(text: str) -> str:
    """What tells an unchanged source from a changed one."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
