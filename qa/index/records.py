"""What the index serves, as typed rows: documents, sentences, chunks, hits, and a write's report.

SQLite rows become these once, here (:func:`read_rows`), so no layer above reads a column by name.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field

import numpy as np

from qa.text.tagging import Tagged, decode

Extent = tuple[int, int, int, int]  # a document's sentence ids [lo, hi) and chunk ids [lo, hi)


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

    def summary(self) -> dict:
        """What a listing shows of the document."""
        return {"doc_id": self.doc_id, "title": self.title, "date": self.date, "source": self.source,
                "kind": self.kind}


@dataclass(frozen=True)
class ParagraphInfo:
    index: int
    text: str
    start: int  # offsets into the source file's text
    end: int


@dataclass(frozen=True)
class StoredDocument:
    """A whole article as stored: metadata and paragraphs with their offsets into the source."""

    info: DocumentInfo
    paragraphs: list[ParagraphInfo]

    def to_dict(self) -> dict:
        info = self.info
        return {"doc_id": info.doc_id, "title": info.title, "subtitle": info.subtitle, "date": info.date,
                "source": info.source, "kind": info.kind, "byline": info.byline, "reporters": info.reporters,
                "dateline": info.dateline,
                "paragraphs": [{"index": p.index, "text": p.text, "start": p.start, "end": p.end}
                               for p in self.paragraphs]}


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
    tags: str  # encoded POS tags of ``text`` (qa.text.tagging)

    @property
    def tagged(self) -> Tagged:
        return decode(self.text, self.tags)


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


@dataclass
class AddReport:
    added_sources: list[str] = field(default_factory=list)
    doc_ids: list[str] = field(default_factory=list)  # of the documents added or replaced
    unchanged_sources: list[str] = field(default_factory=list)
    documents: int = 0
    chunks: int = 0
    sentences: int = 0


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


def document_info(row: sqlite3.Row) -> DocumentInfo:
    return DocumentInfo(row["doc_id"], row["source"], row["ordinal"], row["kind"], row["title"], row["subtitle"],
                        row["byline"], json.loads(row["reporters"]), row["dateline"], row["date"])


def stored_document(row: sqlite3.Row) -> StoredDocument:
    paragraphs = [ParagraphInfo(index, paragraph["text"], paragraph["spans"][0][0] if paragraph["spans"] else 0,
                                paragraph["spans"][-1][1] if paragraph["spans"] else 0)
                  for index, paragraph in enumerate(json.loads(row["paragraphs"]))]
    return StoredDocument(document_info(row), paragraphs)


def read_rows(documents: list[sqlite3.Row], sentences: list[sqlite3.Row], chunks: list[sqlite3.Row],
              dim: int) -> Rows:
    """Typed rows, vectors and extents of the documents, sentences and chunks read from the store."""
    infos = [document_info(row) for row in documents]
    sentence_rows = [
        SentenceRow(row["sentence_id"], row["doc_id"], row["ordinal"], row["paragraph"], row["start"], row["end"],
                    row["text"], row["source_start"], row["source_end"], row["tags"])
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


def _matrix(blobs: list[bytes], dim: int) -> np.ndarray:
    if not blobs:
        return np.empty((0, dim), np.float32)
    return np.frombuffer(b"".join(blobs), dtype=np.float32).reshape(len(blobs), dim)
