"""Milvus holds the truth, as SQLite does for the local backend: sources, articles, sentences and
chunks with their vectors, and a BM25 field over each chunk's tokens that Milvus ranks itself.

Milvus has no transactions, so a write is made visible by one upsert, its commit point:
- rows are immutable and their ids are never reused (a counter in ``meta`` hands out id ranges);
- a write inserts its sentences, chunks and texts first, tagged with the generation it will have;
- then it upserts the source's row, which names the generation of the source's *manifest* (the
  documents it serves, with each document's generation and id ranges): that is the commit point;
- then it announces the generation in ``meta`` and deletes the rows it superseded.

Rows outside every manifest belong to a write that was killed, or to one whose clean-up was: they
are never served, and an open collects them (on a Milvus server, once a later write has announced
their generation, since until then they may be another process's write in progress). A kill
between the commit point and the announcement is repaired on open (the highest generation any
source names is announced).
Long texts (a source, its manifest, a document's paragraphs) are stored in parts, since a VARCHAR
holds at most 64 kB.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

import numpy as np
from pymilvus import DataType, Function, FunctionType, MilvusClient
from pymilvus.exceptions import MilvusException

from qa.errors import BackendFailed, QAError
from qa.index.prepare import PreparedArticle
from qa.index.records import Extent
from qa.index.store import document_values

if TYPE_CHECKING:
    from pymilvus.client.iterator.query_iterator import QueryIterator

# A VARCHAR holds at most this many bytes; texts are cut in parts that fit even at 4 bytes a character.
VARCHAR_BYTES = 65_535
PART_CHARS = 16_000
NAME_BYTES = 2_048
# Rows are read, and deleted by id, in pages of this many.
PAGE = 4_096
# Names a filter expression lists at most (an expression is a message of its own: it stays small).
NAMES_PER_QUERY = 512
# A read that finds rows superseded under it reads the state again, this many times at most.
READ_ATTEMPTS = 8
# Milvus requires a vector field in every collection; the tables without vectors carry this one.
PLACEHOLDER = [0.0, 0.0]
# Milvus's BM25 over this project's own tokens (space-joined, split back by the standard analyzer):
# chosen over its jieba analyzer by bench/milvus_bm25.py (README, "Scaling out").
ANALYZER = {"tokenizer": "standard"}

# Each table's primary key. A key names one entity, but Milvus may return it twice: it does not make keys
# unique on insert, and milvus-lite replays a write-ahead log it had already flushed when its process
# was killed while closing (its recovery does not skip logs older than its manifest's active one). Rows
# here are written once per key, so the copies are the same row, and every read keeps one.
KEYS = {"meta": "key", "sources": "name", "texts": "key", "sentences": "sentence_id", "chunks": "chunk_id"}
# Each table's indexes, by field: (index type, metric). Sentences are read, never searched: the cheapest index
# Milvus accepts; the tables without vectors index their placeholder.
INDEXES = {"meta": {"placeholder": ("FLAT", "L2")}, "sources": {"placeholder": ("FLAT", "L2")},
           "texts": {"placeholder": ("FLAT", "L2")}, "sentences": {"vector": ("FLAT", "IP")},
           "chunks": {"vector": ("AUTOINDEX", "IP"), "sparse": ("SPARSE_INVERTED_INDEX", "BM25")}}

# A document's row as the SQLite store's documents table has it (read_rows and stored_document read it).
DOCUMENT_FIELDS = ("doc_id", "source", "ordinal", "kind", "title", "subtitle", "byline", "reporters", "dateline",
                   "date", "paragraphs")
SENTENCE_FIELDS = ("sentence_id", "doc_id", "ordinal", "paragraph", "start", "end", "text", "source_start",
                   "source_end", "tags", "vector")
CHUNK_FIELDS = ("chunk_id", "doc_id", "ordinal", "first_sentence", "last_sentence", "text", "terms", "vector")

T = TypeVar("T")
Row = dict[str, object]
RowsRead = tuple[list[Row], list[Row], list[Row]]


@dataclass(frozen=True)
class Entry:
    """One document of a source's manifest: the generation of its rows and their id ranges."""

    doc_id: str
    generation: int
    extent: Extent

    def to_list(self) -> list:
        return [self.doc_id, self.generation, *self.extent]

    @classmethod
    def of(cls, item: list) -> Entry:
        return cls(item[0], item[1], tuple(item[2:6]))


@dataclass(frozen=True)
class SourceRow:
    name: str
    sha256: str  # "" for a source whose documents were all deleted (a tombstone)
    generation: int  # of the write that made this row: its manifest's parts carry it
    text_generation: int  # of the write that stored the source's text

    @property
    def live(self) -> bool:
        return bool(self.sha256)


class ReportingClient:
    """A MilvusClient whose failures are raised as :class:`BackendFailed`, naming the server: a user reads one
    line (CLI) or a JSON 503 (API), never a traceback. A write it stops is collected at the next open."""

    def __init__(self, client: MilvusClient, uri: str) -> None:
        self._client = client
        self._uri = uri

    def __getattr__(self, name: str) -> object:
        attribute = getattr(self._client, name)
        return functools.partial(self.reported, attribute) if callable(attribute) else attribute

    def reported(self, call: Callable[..., T], *args: object, **kwargs: object) -> T:
        try:
            return call(*args, **kwargs)
        except MilvusException as error:
            raise BackendFailed(f"Milvus at {self._uri} failed: {error.message}") from None

    def query_iterator(self, *args: object, **kwargs: object) -> ReportingPages:
        """A paged read, whose pages are read (and may fail) after this call returns."""
        return ReportingPages(self.reported(self._client.query_iterator, *args, **kwargs), self)


class ReportingPages:
    """A pymilvus query iterator whose page reads fail as :class:`ReportingClient`'s calls do."""

    def __init__(self, pages: QueryIterator, client: ReportingClient) -> None:
        self._pages = pages
        self._client = client

    def next(self) -> list[dict]:
        return self._client.reported(self._pages.next)

    def close(self) -> None:
        self._client.reported(self._pages.close)


class MilvusStore:
    """The SQLite :class:`~qa.index.store.Store`'s methods over Milvus collections named ``prefix_*``."""

    def __init__(self, client: ReportingClient, prefix: str = "qa", lite_file: str | None = None) -> None:
        """``lite_file``: the milvus-lite file the client opened in this process, which ``close`` releases."""
        self.client = client
        self.lite_file = lite_file
        self.names = {table: f"{prefix}_{table}" for table in ("meta", "sources", "texts", "sentences", "chunks")}
        self._create_tables()
        sources = self._sources()
        self.committed_generation = self._repair(sources)
        self._collect(sources)

    def close(self) -> None:
        self.client.close()
        if self.lite_file:
            # The embedded server holds the file's lock until released: another process may open it then.
            from milvus_lite.server_manager import server_manager_instance

            server_manager_instance.release_server(self.lite_file)

    # -- meta ---------------------------------------------------------------------------------

    def meta(self, key: str) -> str | None:
        rows = self.client.query(self.names["meta"], ids=[key], output_fields=["value"])
        return str(rows[0]["value"]) if rows else None

    def set_meta(self, key: str, value: str) -> None:
        self.client.upsert(self.names["meta"], [{"key": key, "value": value, "placeholder": PLACEHOLDER}])

    @property
    def generation(self) -> int:
        return int(self.meta("generation") or 0)

    def latest_generation(self) -> int:
        """The generation last announced by any process: one read by primary key."""
        return self.generation

    def _reserve(self, count: int) -> int:
        """The first of ``count`` fresh row ids, never handed out before (one writer at a time)."""
        first = int(self.meta("next_id") or 1)
        self.set_meta("next_id", str(first + count))
        return first

    # -- what is committed ----------------------------------------------------------------------

    def _sources(self, names: list[str] | None = None) -> dict[str, SourceRow]:
        """The rows of the sources ``names`` (None: of all)."""
        fields = ["name", "sha256", "generation", "text_generation"]
        if names == []:
            return {}
        rows = (self.client.query(self.names["sources"], ids=names, output_fields=fields) if names is not None
                else self._all("sources", "generation >= 0", fields))
        return {row["name"]: SourceRow(row["name"], row["sha256"], row["generation"], row["text_generation"])
                for row in rows}

    def _manifests(self, sources: Iterable[SourceRow]) -> dict[str, list[Entry]]:
        texts = self._texts("manifest", {source.name: source.generation for source in sources if source.live})
        return {name: [Entry.of(item) for item in json.loads(text)] for name, text in texts.items()}

    def _served(self, doc_ids: list[str] | None = None) -> dict[str, tuple[str, Entry]]:
        """doc_id → (source, manifest entry) of the documents committed now (None: of all, else of ``doc_ids``):
        the manifests of the sources that ever stored a document of that id."""
        if doc_ids is None:
            sources = self._sources()
        else:
            names = {row["owner"] for start in range(0, len(doc_ids), NAMES_PER_QUERY) for row in self._all(
                "texts", f'kind == "document" and part == 0 and name in '
                f'[{", ".join(_literal(doc_id) for doc_id in doc_ids[start:start + NAMES_PER_QUERY])}]', ["owner"])}
            sources = self._sources(sorted(names))
        wanted = None if doc_ids is None else set(doc_ids)
        return {entry.doc_id: (name, entry) for name, entries in self._manifests(sources.values()).items()
                for entry in entries if wanted is None or entry.doc_id in wanted}

    def _read(self, attempt: Callable[[], T | None]) -> T:
        """``attempt()``'s result, once it is not None: None means a write superseded rows while they
        were read, so the state is read again."""
        for _ in range(READ_ATTEMPTS):
            result = attempt()
            if result is not None:
                return result
        raise QAError("the index in Milvus names rows it does not hold; re-index the affected sources",
                      "index_inconsistent")

    def committed_changes(self, served: Mapping[str, Extent | None]) -> tuple[int, list[str], RowsRead]:
        """What differs between the documents ``served`` and what is committed now (see Store). The
        generation is read first, so a write that lands meanwhile is seen again by the next refresh."""
        def attempt() -> tuple[int, list[str], RowsRead] | None:
            generation = self.latest_generation()
            current = self._served()
            extents = {doc_id: entry.extent if any(entry.extent) else None for doc_id, (_, entry) in current.items()}
            stale = [doc_id for doc_id, extent in served.items() if extents.get(doc_id, False) != extent]
            fresh = [doc_id for doc_id, extent in extents.items() if served.get(doc_id, False) != extent]
            rows = self._rows_of({doc_id: current[doc_id] for doc_id in fresh})
            return None if rows is None else (generation, stale, rows)

        return self._read(attempt)

    def source_hash(self, name: str) -> str | None:
        source = self._sources([name]).get(name)
        return source.sha256 if source and source.live else None

    def source_text(self, name: str) -> str | None:
        source = self._sources([name]).get(name)
        return self._text("source", name, source.text_generation) if source and source.live else None

    def document(self, doc_id: str) -> Row | None:
        """The document's row as served now: of the generation its source's manifest names."""
        found = self._served([doc_id]).get(doc_id)
        text = None if found is None else self._text("document", doc_id, found[1].generation)
        return None if text is None else _document_row(text)

    def count(self, table: str) -> int:
        """Rows of ``table`` ("sentences" or "chunks") that are served."""
        low = 0 if table == "sentences" else 2
        return sum(entry.extent[low + 1] - entry.extent[low] for _, entry in self._served().values())

    def rows_of(self, doc_ids: list[str]) -> RowsRead:
        return self._read(lambda: self._rows_of(self._served(doc_ids)))

    def all_rows(self) -> tuple[list[Row], list[Row], list[Row], int]:
        def attempt() -> tuple[list[Row], list[Row], list[Row], int] | None:
            generation = self.latest_generation()
            rows = self._rows_of(self._served())
            return None if rows is None else (*rows, generation)

        return self._read(attempt)

    def _rows_of(self, documents: Mapping[str, tuple[str, Entry]]) -> RowsRead | None:
        """Documents, sentences and chunks rows of ``documents``, in the SQLite store's order; None when
        a write superseded some of them while they were read (the caller reads the state again)."""
        entries = [entry for _, entry in documents.values()]
        sentences = self._rows_in("sentences", SENTENCE_FIELDS, entries, 0)
        chunks = self._rows_in("chunks", CHUNK_FIELDS, entries, 2)
        texts = self._texts("document", {entry.doc_id: entry.generation for entry in entries})
        expected = (sum(entry.extent[1] - entry.extent[0] for entry in entries),
                    sum(entry.extent[3] - entry.extent[2] for entry in entries))
        if len(texts) != len(entries) or (len(sentences), len(chunks)) != expected:
            return None
        document_rows = [_document_row(text) for text in texts.values()]
        for row in sentences + chunks:
            row["vector"] = np.asarray(row["vector"], np.float32).tobytes()
        for row in chunks:
            row["tokens"] = json.dumps(str(row.pop("terms")).split(), ensure_ascii=False)
        document_rows.sort(key=lambda row: (row["source"], row["ordinal"]))
        return document_rows, sentences, chunks

    def _rows_in(self, table: str, fields: tuple[str, ...], entries: list[Entry], low: int) -> list[Row]:
        key = KEYS[table]
        ranges = sorted((entry.extent[low], entry.extent[low + 1]) for entry in entries
                        if entry.extent[low + 1] > entry.extent[low])
        found: list[Row] = []
        # Contiguous ranges are read as one: a document's ids follow the one written just before it.
        for start, end in _merged(ranges):
            found += self._all(table, f"{key} >= {start} and {key} < {end}", list(fields))
        return sorted(found, key=lambda row: row[key])

    # -- writes -------------------------------------------------------------------------------

    def replace_source(self, name: str, text: str, sha256: str, prepared: list[PreparedArticle]) -> list[str]:
        """Swap everything indexed from source ``name`` for ``prepared``, made visible at once by the
        source's row; returns the ids of the documents it had before."""
        _check_fits(name, prepared)
        dims = {item.chunk_vectors.shape[1] for item in prepared if len(item.chunk_vectors)}
        if dims:
            self._create_data_tables(dims.pop())
        old_source = self._sources([name]).get(name)
        generation = self._next_generation([old_source] if old_source else [])
        old = self._manifests([old_source]).get(name, []) if old_source else []
        taken = [doc_id for doc_id, (owner, _) in self._served([item.article.doc_id for item in prepared]).items()
                 if owner != name]
        if taken:
            raise QAError(f"document id {taken[0]!r} of {name!r} is already indexed from another source",
                          "duplicate_document")
        next_id = self._reserve(sum(len(item.sentences) + len(item.chunks) for item in prepared))
        entries = []
        for item in prepared:
            entries.append(self._insert_article(item, generation, next_id))
            next_id += len(item.sentences) + len(item.chunks)
        self._put_text("source", name, name, generation, text)
        self._commit(name, sha256, generation, generation, entries)
        superseded = [] if old_source is None else [("source", name, old_source.text_generation),
                                                     ("manifest", name, old_source.generation)]
        self._drop(old, superseded)
        return [entry.doc_id for entry in old]

    def delete_documents(self, doc_ids: list[str]) -> list[str]:
        """Delete the given documents; returns the ids that existed. A source left empty becomes a tombstone."""
        wanted = set(doc_ids)
        owners = sorted({owner for owner, _ in self._served(sorted(wanted)).values()})
        sources = self._sources(owners)
        affected = self._manifests(sources.values())
        if not affected:
            return []  # nothing announced: replicas have nothing to catch up with
        generation = self._next_generation(list(sources.values()))
        removed: list[Entry] = []
        texts: list[tuple[str, str, int]] = []
        for name, entries in affected.items():
            kept = [entry for entry in entries if entry.doc_id not in wanted]
            removed += [entry for entry in entries if entry.doc_id in wanted]
            source = sources[name]
            texts.append(("manifest", name, source.generation))
            if kept:
                self._commit(name, source.sha256, generation, source.text_generation, kept, announce=False)
            else:
                self._commit(name, "", generation, 0, [], announce=False)
                texts.append(("source", name, source.text_generation))
        self._announce(generation)
        self._drop(removed, texts)
        return [entry.doc_id for entry in removed]

    def _next_generation(self, touched: list[SourceRow]) -> int:
        """The generation of the next write: past the one announced and past any a killed write left
        unannounced on the sources it touches (its texts must not be taken for this write's)."""
        return max([self.generation, *(source.generation for source in touched)]) + 1

    def _insert_article(self, item: PreparedArticle, generation: int, first_id: int) -> Entry:
        article = item.article
        self._put_text("document", article.doc_id, article.source, generation,
                       json.dumps(document_values(article), ensure_ascii=False))
        sentence_ids = list(range(first_id, first_id + len(item.sentences)))
        chunk_first = first_id + len(item.sentences)
        if item.sentences:
            self.client.insert(self.names["sentences"], [
                {"sentence_id": sentence_id, "doc_id": article.doc_id, "generation": generation, "ordinal": ordinal,
                 "paragraph": sentence.paragraph, "start": sentence.start, "end": sentence.end, "text": sentence.text,
                 "source_start": sentence.source_start, "source_end": sentence.source_end, "tags": tags,
                 "vector": np.asarray(vector, np.float32).tolist()}
                for ordinal, (sentence_id, sentence, vector, tags) in enumerate(
                    zip(sentence_ids, item.sentences, item.sentence_vectors, item.sentence_tags, strict=True))])
        position = {sentence: index for index, sentence in enumerate(item.sentences)}
        if item.chunks:
            self.client.insert(self.names["chunks"], [
                {"chunk_id": chunk_first + number, "doc_id": article.doc_id, "generation": generation,
                 "ordinal": chunk.ordinal, "first_sentence": sentence_ids[position[chunk.sentences[0]]],
                 "last_sentence": sentence_ids[position[chunk.sentences[-1]]], "text": chunk.text,
                 "terms": " ".join(tokens), "vector": np.asarray(vector, np.float32).tolist()}
                for number, (chunk, tokens, vector) in enumerate(
                    zip(item.chunks, item.chunk_tokens, item.chunk_vectors, strict=True))])
        sentence_extent = (first_id, chunk_first) if item.sentences else (0, 0)
        chunk_extent = (chunk_first, chunk_first + len(item.chunks)) if item.chunks else (0, 0)
        return Entry(article.doc_id, generation, (*sentence_extent, *chunk_extent))

    def _commit(self, name: str, sha256: str, generation: int, text_generation: int, entries: list[Entry],
                announce: bool = True) -> None:
        """Write the manifest's parts, then the source's row naming them: from that upsert on, readers
        serve the new state (the commit point); then announce it."""
        self._put_text("manifest", name, name, generation, json.dumps([entry.to_list() for entry in entries],
                                                                       ensure_ascii=False))
        self.client.upsert(self.names["sources"], [{"name": name, "sha256": sha256, "generation": generation,
                                                    "text_generation": text_generation,
                                                    "placeholder": PLACEHOLDER}])
        if announce:
            self._announce(generation)

    def _announce(self, generation: int) -> None:
        self.set_meta("generation", str(generation))
        self.committed_generation = generation

    def _drop(self, entries: list[Entry], texts: list[tuple[str, str, int]]) -> None:
        """Delete the rows and texts of superseded ``entries`` and the given (kind, name, generation) texts."""
        texts = texts + [("document", entry.doc_id, entry.generation) for entry in entries]
        for entry in entries:
            low_sentence, high_sentence, low_chunk, high_chunk = entry.extent
            if high_sentence > low_sentence:
                self.client.delete(self.names["sentences"],
                                   filter=f"sentence_id >= {low_sentence} and sentence_id < {high_sentence}")
            if high_chunk > low_chunk:
                self.client.delete(self.names["chunks"],
                                   filter=f"chunk_id >= {low_chunk} and chunk_id < {high_chunk}")
        for kind, name, generation in texts:
            self.client.delete(self.names["texts"], filter=_text_filter(kind, name, generation))

    # -- texts in parts -----------------------------------------------------------------------

    def _put_text(self, kind: str, name: str, owner: str, generation: int, text: str) -> None:
        # A killed write of the same generation may have left parts of this text: none may remain.
        self.client.delete(self.names["texts"], filter=_text_filter(kind, name, generation))
        parts = [text[start:start + PART_CHARS] for start in range(0, len(text), PART_CHARS)] or [""]
        self.client.upsert(self.names["texts"], [
            {"key": f"{kind}:{generation}:{number}:{name}", "kind": kind, "name": name, "owner": owner,
             "generation": generation, "part": number, "parts": len(parts), "text": part,
             "placeholder": PLACEHOLDER}
            for number, part in enumerate(parts)])

    def _text(self, kind: str, name: str, generation: int) -> str | None:
        return self._texts(kind, {name: generation}).get(name)

    def _texts(self, kind: str, wanted: Mapping[str, int]) -> dict[str, str]:
        """The whole texts of ``kind`` by name, each of the generation ``wanted`` gives it; a text with a
        part missing is left out. Read a page of names at a time, not one query a text."""
        names = sorted(wanted)
        parts: dict[str, list[Row]] = {}
        for start in range(0, len(names), NAMES_PER_QUERY):
            chosen = ", ".join(_literal(name) for name in names[start:start + NAMES_PER_QUERY])
            for row in self._all("texts", f"kind == {_literal(kind)} and name in [{chosen}]",
                                 ["name", "generation", "part", "parts", "text"]):
                if row["generation"] == wanted[row["name"]]:
                    parts.setdefault(row["name"], []).append(row)
        return {name: "".join(row["text"] for row in sorted(rows, key=lambda row: row["part"]))
                for name, rows in parts.items() if len(rows) == rows[0]["parts"]}

    # -- open: tables, repair, collection ---------------------------------------------------------

    def _repair(self, sources: dict[str, SourceRow]) -> int:
        """Announce the highest generation a source's row names, if a killed write committed without
        announcing it; returns the generation announced."""
        announced = self.generation
        highest = max((source.generation for source in sources.values()), default=0)
        if highest > announced:
            self._announce(highest)
        return max(highest, announced)

    def _collect(self, sources: dict[str, SourceRow]) -> None:
        """Delete the rows and texts no manifest of ``sources`` names. On a Milvus server, only those of
        generations already announced: a write in progress in another process writes the next one, so its
        rows are left alone (a killed write's go once a later write announces that generation). A
        milvus-lite file is this process's alone, so every such row is a killed write's."""
        collectable = "generation >= 0" if self.lite_file else f"generation <= {self.generation}"
        manifests = self._manifests(sources.values())
        live_texts = {("manifest", name, source.generation) for name, source in sources.items() if source.live}
        live_texts |= {("source", name, source.text_generation) for name, source in sources.items() if source.live}
        live_texts |= {("document", entry.doc_id, entry.generation) for entries in manifests.values()
                       for entry in entries}
        dead_texts = {(row["kind"], row["name"], row["generation"]) for row in self._all(
            "texts", collectable, ["kind", "name", "generation"])} - live_texts
        self._drop([], sorted(dead_texts))
        if not self.client.has_collection(self.names["sentences"]):
            return
        entries = [entry for entries in manifests.values() for entry in entries]
        for table, low in (("sentences", 0), ("chunks", 2)):
            key = KEYS[table]
            live = _merged(sorted((entry.extent[low], entry.extent[low + 1]) for entry in entries))
            dead = [row[key] for row in self._all(table, collectable, [key]) if not _within(row[key], live)]
            for start in range(0, len(dead), PAGE):
                self.client.delete(self.names[table], ids=dead[start:start + PAGE])

    def _create_tables(self) -> None:
        """Make the tables that are missing, and ready those a run made: a run killed while it made them
        may have left one without its index, or the sentences without the chunks (made at its first write)."""
        for table in ("sentences", "chunks"):
            if self.client.has_collection(self.names[table]):
                self._ready(table)
        for table, key_bytes, fields in (
                ("meta", 256, [("value", DataType.VARCHAR, {"max_length": 4_096})]),
                ("sources", NAME_BYTES, [("sha256", DataType.VARCHAR, {"max_length": 64}),
                                         ("generation", DataType.INT64, {}),
                                         ("text_generation", DataType.INT64, {})]),
                ("texts", NAME_BYTES + 64, [("kind", DataType.VARCHAR, {"max_length": 16}),
                                            ("name", DataType.VARCHAR, {"max_length": NAME_BYTES}),
                                            ("owner", DataType.VARCHAR, {"max_length": NAME_BYTES}),
                                            ("generation", DataType.INT64, {}),
                                            ("part", DataType.INT64, {}), ("parts", DataType.INT64, {}),
                                            ("text", DataType.VARCHAR, {"max_length": VARCHAR_BYTES})])):
            schema = self.client.create_schema(auto_id=False)
            schema.add_field(KEYS[table], DataType.VARCHAR, is_primary=True, max_length=key_bytes)
            for field, kind, options in fields:
                schema.add_field(field, kind, **options)
            schema.add_field("placeholder", DataType.FLOAT_VECTOR, dim=len(PLACEHOLDER))
            self._create(table, schema)

    def _create_data_tables(self, dim: int) -> None:
        if all(self.client.has_collection(self.names[table]) for table in ("sentences", "chunks")):
            return
        sentences = self.client.create_schema(auto_id=False)
        sentences.add_field(KEYS["sentences"], DataType.INT64, is_primary=True)
        _add_common(sentences)
        for field in ("paragraph", "start", "end", "source_start", "source_end"):
            sentences.add_field(field, DataType.INT64)
        sentences.add_field("text", DataType.VARCHAR, max_length=VARCHAR_BYTES)
        sentences.add_field("tags", DataType.VARCHAR, max_length=VARCHAR_BYTES)
        sentences.add_field("vector", DataType.FLOAT_VECTOR, dim=dim)
        self._create("sentences", sentences)
        chunks = self.client.create_schema(auto_id=False)
        chunks.add_field(KEYS["chunks"], DataType.INT64, is_primary=True)
        _add_common(chunks)
        chunks.add_field("first_sentence", DataType.INT64)
        chunks.add_field("last_sentence", DataType.INT64)
        chunks.add_field("text", DataType.VARCHAR, max_length=VARCHAR_BYTES)
        chunks.add_field("terms", DataType.VARCHAR, max_length=VARCHAR_BYTES, enable_analyzer=True,
                         analyzer_params=ANALYZER)
        chunks.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
        chunks.add_field("vector", DataType.FLOAT_VECTOR, dim=dim)
        chunks.add_function(Function(name="bm25", function_type=FunctionType.BM25, input_field_names=["terms"],
                                     output_field_names=["sparse"]))
        self._create("chunks", chunks)

    def _create(self, table: str, schema) -> None:
        """Make ``table`` unless a run made it, and ready it."""
        if not self.client.has_collection(self.names[table]):
            # Strong: a read sees every write acknowledged before it, whichever process made it.
            self.client.create_collection(self.names[table], schema=schema, consistency_level="Strong")
        self._ready(table)

    def _ready(self, table: str) -> None:
        """Index what ``table`` lacks and load it: collections are released when the server restarts
        (milvus-lite: with its process)."""
        name = self.names[table]
        missing = [field for field in INDEXES[table] if not self.client.list_indexes(name, field_name=field)]
        if missing:
            params = self.client.prepare_index_params()
            for field in missing:
                index_type, metric = INDEXES[table][field]
                params.add_index(field, index_type=index_type, metric_type=metric)
            # Not waited for by polling (pymilvus sleeps half a second per index): loading waits for it.
            self.client.create_index(name, params, sync=False)
        self.client.load_collection(name)

    def _all(self, table: str, expression: str, fields: list[str]) -> list[Row]:
        """Every row of ``table`` (a key of ``names``) that matches ``expression``, read in pages."""
        name = self.names[table]
        if not self.client.has_collection(name):
            return []
        # Most reads are a few rows: one query; only a read that fills a page goes on with an iterator.
        rows = self.client.query(name, filter=expression, output_fields=fields, limit=PAGE)
        if len(rows) == PAGE:
            rows = []
            iterator = self.client.query_iterator(name, batch_size=PAGE, filter=expression, output_fields=fields)
            try:
                while batch := iterator.next():
                    rows += batch
            finally:
                iterator.close()
        key = KEYS[table]
        return list({row[key]: dict(row) for row in rows}.values())


def _add_common(schema) -> None:
    schema.add_field("doc_id", DataType.VARCHAR, max_length=NAME_BYTES)
    schema.add_field("generation", DataType.INT64)
    schema.add_field("ordinal", DataType.INT64)


def _document_row(text: str) -> Row:
    """A document's stored text as the row the SQLite store's documents table holds."""
    return dict(zip(DOCUMENT_FIELDS, json.loads(text), strict=True))


def _text_filter(kind: str, name: str, generation: int) -> str:
    return f"kind == {_literal(kind)} and name == {_literal(name)} and generation == {generation}"


def _literal(value: str) -> str:
    """``value`` as a string literal of a Milvus filter expression."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + escaped.replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t") + '"'


def _merged(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sorted ``[start, end)`` ranges with the touching and overlapping ones joined."""
    merged: list[list[int]] = []
    for start, end in ranges:
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(start, end) for start, end in merged]


def _within(value: int, ranges: list[tuple[int, int]]) -> bool:
    index = int(np.searchsorted([start for start, _ in ranges], value, side="right")) - 1
    return index >= 0 and value < ranges[index][1]


def _check_fits(name: str, prepared: list[PreparedArticle]) -> None:
    """Refuse, before anything is written, what a Milvus VARCHAR cannot hold."""
    fields = [("the source name", name, NAME_BYTES)]
    for item in prepared:
        label = f"document {item.article.doc_id!r}"
        fields.append((f"the id of {label}", item.article.doc_id, NAME_BYTES))
        fields += [(f"a sentence of {label}", sentence.text, VARCHAR_BYTES) for sentence in item.sentences]
        fields += [(f"a chunk of {label}", chunk.text, VARCHAR_BYTES) for chunk in item.chunks]
        fields += [(f"a chunk's tokens of {label}", " ".join(tokens), VARCHAR_BYTES) for tokens in item.chunk_tokens]
    for label, text, limit in fields:
        if len(text.encode("utf-8")) > limit:
            raise QAError(f"{label} of {name!r} is too long for the Milvus backend (at most {limit} bytes)",
                          "too_long")
