"""SQLite holds the truth: sources, articles, sentences, chunks, their vectors and tokens.

The FAISS and BM25 indexes are derived from it and can always be rebuilt from it. Each write
is one transaction and bumps ``generation``, which the derived indexes are stamped with.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from qa.index.prepare import PreparedArticle
from qa.index.records import Extent
from qa.ingest.article import Article
from qa.text.tagging import encode, tag

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sources (name TEXT PRIMARY KEY, text TEXT NOT NULL, sha256 TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS documents (
    doc_id TEXT PRIMARY KEY, source TEXT NOT NULL, ordinal INTEGER NOT NULL, kind TEXT NOT NULL,
    title TEXT NOT NULL, subtitle TEXT, byline TEXT, reporters TEXT NOT NULL, dateline TEXT, date TEXT,
    paragraphs TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS documents_source ON documents (source);
CREATE TABLE IF NOT EXISTS sentences (
    sentence_id INTEGER PRIMARY KEY AUTOINCREMENT, doc_id TEXT NOT NULL, ordinal INTEGER NOT NULL,
    paragraph INTEGER NOT NULL, start INTEGER NOT NULL, end INTEGER NOT NULL, text TEXT NOT NULL,
    source_start INTEGER NOT NULL, source_end INTEGER NOT NULL, vector BLOB NOT NULL, tags TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS sentences_doc ON sentences (doc_id);
CREATE TABLE IF NOT EXISTS chunks (
    chunk_id INTEGER PRIMARY KEY AUTOINCREMENT, doc_id TEXT NOT NULL, ordinal INTEGER NOT NULL,
    first_sentence INTEGER NOT NULL, last_sentence INTEGER NOT NULL, text TEXT NOT NULL,
    tokens TEXT NOT NULL, vector BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS chunks_doc ON chunks (doc_id);
"""

# Documents, sentences and chunks rows, as read_rows takes them.
RowsRead = tuple[list[sqlite3.Row], list[sqlite3.Row], list[sqlite3.Row]]


class Store:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.connection = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self.connection.execute("PRAGMA journal_mode=WAL")
        self.connection.execute("PRAGMA synchronous=FULL")
        self.connection.executescript(SCHEMA)
        self._add_tags()
        self.committed_generation = self.generation
        # Request threads read through connections of their own: on the shared one a read would run
        # inside a write transaction in progress and see rows that are not committed yet.
        self._readers = threading.local()

    def _add_tags(self) -> None:
        """Tag the sentences of a store written before sentences carried their tags (once, on open)."""
        if _has_tags(self.connection):
            return
        with self.transaction() as connection:
            # Checked again inside the write lock: another process may have just done it.
            if _has_tags(connection):
                return
            connection.execute("ALTER TABLE sentences ADD COLUMN tags TEXT NOT NULL DEFAULT ''")
            rows = connection.execute("SELECT sentence_id, text FROM sentences").fetchall()
            connection.executemany("UPDATE sentences SET tags = ? WHERE sentence_id = ?",
                                   [(encode(tag(text)), sentence_id) for sentence_id, text in rows])

    def close(self) -> None:
        self.connection.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        self.connection.execute("BEGIN IMMEDIATE")
        try:
            yield self.connection
        except BaseException:
            self.connection.execute("ROLLBACK")
            raise
        self.connection.execute(
            "INSERT INTO meta VALUES ('generation', '1') "
            "ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + 1"
        )
        # Read inside the transaction: the generation this write made, even if another process writes next.
        generation = self.generation
        self.connection.execute("COMMIT")
        self.committed_generation = generation

    def meta(self, key: str) -> str | None:
        row = self.connection.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        self.connection.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    @property
    def generation(self) -> int:
        return int(self.meta("generation") or 0)

    def latest_generation(self) -> int:
        """The generation last committed by any process: one indexed read on this thread's own
        connection, cheap enough to make before every request, and never inside a write in progress."""
        row = self._reader().execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()
        return int(row[0]) if row else 0

    def committed_changes(self, served: Mapping[str, Extent | None]) -> tuple[int, list[str], RowsRead]:
        """What differs between the documents ``served`` (id: sentence and chunk id ranges, None for
        a document without rows) and what is committed now: the generation, the ids to drop from the
        served state, and the rows of the documents to (re)add, all read as one state.

        Row ids are never reused (AUTOINCREMENT), so a replaced document shows as changed ranges
        even though its id stays. Read on this thread's own connection, so that it sees only
        committed rows while this process may have a write transaction open on the shared one."""
        connection = self._reader()
        connection.execute("BEGIN")
        try:
            committed: dict[str, list[int]] = {row[0]: [0, 0, 0, 0] for row in
                                               connection.execute("SELECT doc_id FROM documents")}
            for column, table, offset in (("sentence_id", "sentences", 0), ("chunk_id", "chunks", 2)):
                for doc_id, low, high in connection.execute(
                        f"SELECT doc_id, MIN({column}), MAX({column}) + 1 FROM {table} GROUP BY doc_id"):
                    committed.setdefault(doc_id, [0, 0, 0, 0])[offset:offset + 2] = [low, high]
            current = {doc_id: tuple(extent) if any(extent) else None for doc_id, extent in committed.items()}
            stale = [doc_id for doc_id, extent in served.items() if current.get(doc_id, False) != extent]
            fresh = [doc_id for doc_id, extent in current.items() if served.get(doc_id, False) != extent]
            generation = int((connection.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()
                              or (0,))[0])
            return generation, stale, self._rows_of(fresh, connection)
        finally:
            connection.execute("COMMIT")

    def source_hash(self, name: str) -> str | None:
        row = self.connection.execute("SELECT sha256 FROM sources WHERE name = ?", (name,)).fetchone()
        return row[0] if row else None

    def source_text(self, name: str) -> str | None:
        row = self._reader().execute("SELECT text FROM sources WHERE name = ?", (name,)).fetchone()
        return row[0] if row else None

    def replace_source(self, name: str, text: str, sha256: str, prepared: list[PreparedArticle]) -> list[str]:
        """Swap everything indexed from source ``name`` for ``prepared`` in one transaction;
        returns the ids of the documents it had before."""
        with self.transaction() as connection:
            doc_ids = [row[0] for row in connection.execute(
                "SELECT doc_id FROM documents WHERE source = ?", (name,))]
            _delete_documents(connection, doc_ids)
            connection.execute("INSERT OR REPLACE INTO sources VALUES (?, ?, ?)", (name, text, sha256))
            for item in prepared:
                _insert_article(connection, item)
        return doc_ids

    def delete_documents(self, doc_ids: list[str]) -> list[str]:
        """Delete the given documents; returns the ids that existed. Sources left empty go too."""
        if not self._existing(doc_ids):
            return []  # no transaction: a new generation would make the saved vectors look stale
        with self.transaction() as connection:
            marks = ",".join("?" * len(doc_ids))
            rows = connection.execute(
                f"SELECT doc_id, source FROM documents WHERE doc_id IN ({marks})", doc_ids).fetchall()
            _delete_documents(connection, [doc_id for doc_id, _ in rows])
            for source in {source for _, source in rows}:
                connection.execute(
                    "DELETE FROM sources WHERE name = ? AND NOT EXISTS "
                    "(SELECT 1 FROM documents WHERE source = ?)", (source, source))
        return [doc_id for doc_id, _ in rows]

    def _existing(self, doc_ids: list[str]) -> list[str]:
        marks = ",".join("?" * len(doc_ids))
        return [row[0] for row in self.connection.execute(
            f"SELECT doc_id FROM documents WHERE doc_id IN ({marks})", doc_ids)]

    def documents(self) -> list[sqlite3.Row]:
        return self._rows("SELECT * FROM documents ORDER BY source, ordinal")

    def rows_of(self, doc_ids: list[str]) -> RowsRead:
        """Documents, sentences and chunks rows of the given documents, in one read transaction."""
        with self.read():
            return self._rows_of(doc_ids, self.connection)

    def _rows_of(self, doc_ids: list[str], connection: sqlite3.Connection) -> RowsRead:
        marks = ",".join("?" * len(doc_ids))
        return (self._rows(f"SELECT * FROM documents WHERE doc_id IN ({marks}) ORDER BY source, ordinal",
                           tuple(doc_ids), connection),
                self._rows(f"SELECT * FROM sentences WHERE doc_id IN ({marks}) ORDER BY sentence_id",
                           tuple(doc_ids), connection),
                self._rows(f"SELECT * FROM chunks WHERE doc_id IN ({marks}) ORDER BY chunk_id", tuple(doc_ids),
                           connection))

    def all_rows(self) -> tuple[list[sqlite3.Row], list[sqlite3.Row], list[sqlite3.Row], int]:
        """Every documents, sentences and chunks row and the generation they are, read as one state."""
        with self.read():
            return self.documents(), self.sentences(), self.chunks(), self.generation

    @contextmanager
    def read(self) -> Iterator[None]:
        # One snapshot of the database for several SELECTs, even while another process writes.
        self.connection.execute("BEGIN")
        try:
            yield
        finally:
            self.connection.execute("COMMIT")

    def document(self, doc_id: str) -> sqlite3.Row | None:
        rows = self._rows("SELECT * FROM documents WHERE doc_id = ?", (doc_id,), self._reader())
        return rows[0] if rows else None

    def sentences(self) -> list[sqlite3.Row]:
        return self._rows("SELECT * FROM sentences ORDER BY sentence_id")

    def chunks(self) -> list[sqlite3.Row]:
        return self._rows("SELECT * FROM chunks ORDER BY chunk_id")

    def count(self, table: str) -> int:
        return int(self.connection.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])

    def _reader(self) -> sqlite3.Connection:
        connection = getattr(self._readers, "connection", None)
        if connection is None:
            connection = self._readers.connection = sqlite3.connect(self.path, isolation_level=None)
        return connection

    def _rows(self, sql: str, params: tuple = (), connection: sqlite3.Connection | None = None) -> list[sqlite3.Row]:
        cursor = (connection or self.connection).cursor()
        cursor.row_factory = sqlite3.Row
        return cursor.execute(sql, params).fetchall()


def _has_tags(connection: sqlite3.Connection) -> bool:
    return "tags" in {row[1] for row in connection.execute("PRAGMA table_info(sentences)")}


def _delete_documents(connection: sqlite3.Connection, doc_ids: list[str]) -> None:
    for table in ("chunks", "sentences", "documents"):
        connection.executemany(f"DELETE FROM {table} WHERE doc_id = ?", [(doc_id,) for doc_id in doc_ids])


def document_values(article: Article) -> tuple:
    """An article's row of the documents table, in its column order (the Milvus store keeps the same row)."""
    paragraphs = [{"text": p.text, "spans": p.body.spans} for p in article.paragraphs]
    return (article.doc_id, article.source, article.ordinal, article.kind, article.title, article.subtitle,
            article.byline, json.dumps(article.reporters, ensure_ascii=False), article.dateline, article.date,
            json.dumps(paragraphs, ensure_ascii=False))


def _insert_article(connection: sqlite3.Connection, item: PreparedArticle) -> None:
    article = item.article
    connection.execute("INSERT INTO documents VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", document_values(article))
    sentence_ids: list[int] = []
    for ordinal, (sentence, vector, tags) in enumerate(
            zip(item.sentences, item.sentence_vectors, item.sentence_tags, strict=True)):
        cursor = connection.execute(
            "INSERT INTO sentences (doc_id, ordinal, paragraph, start, end, text, source_start, source_end, "
            "vector, tags) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (article.doc_id, ordinal, sentence.paragraph, sentence.start, sentence.end, sentence.text,
             sentence.source_start, sentence.source_end, np.asarray(vector, np.float32).tobytes(), tags),
        )
        sentence_ids.append(int(cursor.lastrowid or 0))
    position = {sentence: index for index, sentence in enumerate(item.sentences)}
    for chunk, tokens, vector in zip(item.chunks, item.chunk_tokens, item.chunk_vectors, strict=True):
        connection.execute(
            "INSERT INTO chunks (doc_id, ordinal, first_sentence, last_sentence, text, tokens, vector) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (article.doc_id, chunk.ordinal, sentence_ids[position[chunk.sentences[0]]],
             sentence_ids[position[chunk.sentences[-1]]], chunk.text, json.dumps(tokens, ensure_ascii=False),
             np.asarray(vector, np.float32).tobytes()),
        )
