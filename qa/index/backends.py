"""Where the index keeps its truth and how it searches: the one choice between backends.

- ``local`` (the default): SQLite in the data directory, FAISS and BM25 in this process, the vector
  index saved beside the database; nothing to start.
- ``milvus``: Milvus at a URI (a milvus-lite file, or a Milvus server that several ``qa serve``
  processes share); it stores the rows and ranks in Milvus. The data directory keeps only this
  process's embedding cache.
"""

from __future__ import annotations

import fcntl
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from qa.errors import BackendFailed, IndexMissing, QAError
from qa.index.records import Rows
from qa.index.search import ChunkSearch, LocalSearch
from qa.index.store import Store
from qa.index.vector_file import load_vectors, save_vectors

if TYPE_CHECKING:
    from qa.index.milvus_store import MilvusStore

DATABASE_FILE = "qa.sqlite"
LOCK_FILE = "vectors.lock"
# The milvus-lite file a ``milvus`` backend uses when no URI is given, in the data directory.
MILVUS_LITE_FILE = "milvus.db"
# How long a call to Milvus may take. A server that does not answer in 10 s is reported as unreachable; a
# milvus-lite file is served on a thread of this process, which can only be slow: on two busy cores one missed
# 10 s before its first call (the test suite beside two `qa eval` runs).
SERVER_TIMEOUT_S = 10
LITE_TIMEOUT_S = 60


class Backend(Protocol):
    name: str  # one of qa.settings.BACKENDS
    # The SQLite store, or Milvus's with the same methods.
    store: Store | MilvusStore

    def exists(self) -> bool:
        """Whether an index was made here before."""
        ...

    def open_search(self, rows: Rows, generation: int, model: str) -> tuple[ChunkSearch, bool]:
        """The search over ``rows`` (of ``generation``), and whether what was saved of it had to be rebuilt."""
        ...

    def save(self, search: ChunkSearch, generation: int, model: str) -> None:
        """Persist what this process derived, if anything."""
        ...


@dataclass
class LocalBackend:
    directory: Path
    store: Store
    name = "local"

    @classmethod
    def open(cls, directory: Path) -> LocalBackend:
        directory.mkdir(parents=True, exist_ok=True)
        return cls(directory, Store(directory / DATABASE_FILE))

    def exists(self) -> bool:
        return (self.directory / DATABASE_FILE).exists()

    def open_search(self, rows: Rows, generation: int, model: str) -> tuple[LocalSearch, bool]:
        dim = rows.chunk_vectors.shape[1]
        vectors = load_vectors(self.directory, generation, model, dim, rows.chunk_ids)
        return LocalSearch.of(rows, vectors), vectors is None

    def save(self, search: ChunkSearch, generation: int, model: str) -> None:
        """Save the vector index, stamped with its generation.

        Processes sharing the directory save in turn (a file lock), and one whose state a later
        commit has overtaken leaves the file to that commit's writer: saving it would only stamp an
        older generation, which makes the next open rebuild."""
        assert isinstance(search, LocalSearch)
        with _locked(self.directory / LOCK_FILE):
            if self.store.latest_generation() == generation:
                save_vectors(self.directory, search.vectors, generation, model)


@dataclass
class MilvusBackend:
    uri: str
    store: MilvusStore  # imported with pymilvus, only when this backend is chosen
    name = "milvus"

    @classmethod
    def open(cls, uri: str, token: str | None = None) -> MilvusBackend:
        try:
            from pymilvus import MilvusClient
            from pymilvus.exceptions import MilvusException

            from qa.index.milvus_store import MilvusStore, ReportingClient
        except ImportError:
            raise QAError("the milvus backend needs the [milvus] extra: pip install 'qa[milvus]'",
                          "missing_extra") from None
        # pymilvus and milvus-lite log each failure with its traceback (and pymilvus warns on every query
        # iterator milvus-lite cannot time): a failure reaches the user as one line, from the error raised here.
        for name in ("pymilvus", "milvus_lite"):
            logging.getLogger(name).setLevel(logging.CRITICAL)
        lite = "://" not in uri
        if lite:
            Path(uri).parent.mkdir(parents=True, exist_ok=True)
        try:
            client = MilvusClient(uri, token=token or "", timeout=LITE_TIMEOUT_S if lite else SERVER_TIMEOUT_S)
        except MilvusException as error:
            if lite:
                raise BackendFailed(f"cannot open the milvus-lite file {uri}: another process may hold it (to "
                                    "share one index, serve it with `milvus-lite server` and set QA_MILVUS_URI to "
                                    "its http:// address)") from None
            raise BackendFailed(f"cannot reach Milvus at {uri}: {error.message}") from None
        return cls(uri, MilvusStore(ReportingClient(client, uri), lite_file=uri if lite else None))

    def exists(self) -> bool:
        return self.store.meta("model") is not None

    def open_search(self, rows: Rows, generation: int, model: str) -> tuple[ChunkSearch, bool]:
        from qa.index.milvus_search import MilvusSearch

        return MilvusSearch(self.store.client, self.store.names["chunks"], len(rows.chunk_ids)), False

    def save(self, search: ChunkSearch, generation: int, model: str) -> None:
        """Nothing to save: Milvus holds the index."""


def open_backend(kind: str, directory: Path, milvus_uri: str | None = None, create: bool = False,
                 milvus_token: str | None = None) -> Backend:
    """The ``kind`` of backend (one of qa.settings.BACKENDS) over ``directory``, or Milvus at ``milvus_uri``
    (default: a milvus-lite file in ``directory``; ``milvus_token`` where it authenticates); ``create``
    makes an empty index if there is none."""
    if kind == "milvus":
        uri = milvus_uri or str(directory / MILVUS_LITE_FILE)
        where = f"Milvus at {uri}"
        made = "://" in uri or Path(uri).exists()
    else:
        where, made = f"{directory}/", (directory / DATABASE_FILE).exists()
    if not made and not create:
        raise IndexMissing(f"no index in {where} — run `qa index` first")
    backend: Backend = MilvusBackend.open(uri, milvus_token) if kind == "milvus" else LocalBackend.open(directory)
    if not create and not backend.exists():
        raise IndexMissing(f"no index in {where} — run `qa index` first")
    return backend


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    """An exclusive lock on ``path`` across processes, released when the block ends (or the process dies)."""
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
