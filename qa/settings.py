"""Settings from the environment, read in this one place: every front end asks here."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from qa.errors import QAError

DATA_DIR_ENV = "QA_DATA_DIR"
MODEL_ENV = "QA_EMBEDDING_MODEL"
ADMIN_TOKEN_ENV = "QA_ADMIN_TOKEN"
READ_THREADS_ENV = "QA_READ_THREADS"
READ_QUEUE_ENV = "QA_READ_QUEUE"
WRITE_THREADS_ENV = "QA_WRITE_THREADS"
WRITE_QUEUE_ENV = "QA_WRITE_QUEUE"
QUERY_CACHE_ENV = "QA_QUERY_CACHE"
WORKERS_ENV = "QA_WORKERS"
QUERY_ENCODER_ENV = "QA_QUERY_ENCODER"
BACKEND_ENV = "QA_BACKEND"
MILVUS_URI_ENV = "QA_MILVUS_URI"
MILVUS_TOKEN_ENV = "QA_MILVUS_TOKEN"
# Where the index keeps its truth and searches (qa.index.backends): local needs nothing started.
BACKENDS = ("local", "milvus")
DEFAULT_BACKEND = "local"
# What turns a question into its vector: the bundled model's forward pass, or the static encoder distilled
# from it (embeddings.static), kept behind this setting until it answers as well (README, "Speed").
QUERY_ENCODERS = ("model", "static")
DEFAULT_QUERY_ENCODER = "model"
DEFAULT_DATA_DIR = "data"
# Reads answered at once, and reads that may wait for them before the server refuses more (503).
# Two cores answer about 22 questions a second, so a full queue of 8 behind 4 running drains in
# about half a second: that is the worst wait of an admitted read.
DEFAULT_READ_THREADS = 4
DEFAULT_READ_QUEUE = 8
# Writes take the index's write lock one at a time; a few may wait for it.
DEFAULT_WRITE_THREADS = 2
DEFAULT_WRITE_QUEUE = 6
# Query vectors kept in memory (1.5 kB each for the bundled model); 0 turns the cache off.
DEFAULT_QUERY_CACHE = 4096
# Processes of `qa serve`, each with the whole engine: one keeps a single process, as before.
DEFAULT_WORKERS = 1


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    model: str | None  # None: the bundled default model
    admin_token: str | None  # None: document writes are switched off
    read_threads: int = DEFAULT_READ_THREADS
    read_queue: int = DEFAULT_READ_QUEUE
    write_threads: int = DEFAULT_WRITE_THREADS
    write_queue: int = DEFAULT_WRITE_QUEUE
    query_cache: int = DEFAULT_QUERY_CACHE
    workers: int = DEFAULT_WORKERS
    backend: str = DEFAULT_BACKEND
    milvus_uri: str | None = None  # None: a milvus-lite file in the data directory
    milvus_token: str | None = None  # "user:password" or an API key, for a Milvus that authenticates
    query_encoder: str = DEFAULT_QUERY_ENCODER

    @classmethod
    def from_env(cls, data_dir: str | os.PathLike | None = None, model: str | None = None,
                 admin_token: str | None = None, read_threads: int | None = None,
                 read_queue: int | None = None, workers: int | str | None = None) -> Settings:
        """Explicit values first, then the environment, then the defaults (``workers`` may be the
        text of the ``--workers`` option, checked here like the environment's)."""
        return cls(Path(data_dir or os.environ.get(DATA_DIR_ENV) or DEFAULT_DATA_DIR),
                   model or os.environ.get(MODEL_ENV) or None,
                   admin_token or os.environ.get(ADMIN_TOKEN_ENV) or None,
                   _count(read_threads, READ_THREADS_ENV, DEFAULT_READ_THREADS, 1),
                   _count(read_queue, READ_QUEUE_ENV, DEFAULT_READ_QUEUE, 0),
                   _count(None, WRITE_THREADS_ENV, DEFAULT_WRITE_THREADS, 1),
                   _count(None, WRITE_QUEUE_ENV, DEFAULT_WRITE_QUEUE, 0),
                   _count(None, QUERY_CACHE_ENV, DEFAULT_QUERY_CACHE, 0),
                   _count(workers, WORKERS_ENV if workers is None else "--workers", DEFAULT_WORKERS, 1),
                   _choice(BACKEND_ENV, BACKENDS, DEFAULT_BACKEND), os.environ.get(MILVUS_URI_ENV) or None,
                   os.environ.get(MILVUS_TOKEN_ENV) or None,
                   _choice(QUERY_ENCODER_ENV, QUERY_ENCODERS, DEFAULT_QUERY_ENCODER))


def _choice(name: str, choices: tuple[str, ...], default: str) -> str:
    """The variable ``name``, one of ``choices``, else ``default``."""
    value = os.environ.get(name) or default
    if value not in choices:
        raise QAError(f"{name} must be one of {', '.join(choices)}, not {value!r}", "invalid_setting")
    return value


def _count(explicit: int | str | None, name: str, default: int, minimum: int) -> int:
    """``explicit``, else the variable ``name``, else ``default``: a whole number of at least ``minimum``."""
    value: int | str = explicit if explicit is not None else (os.environ.get(name) or default)
    try:
        number = int(value)
    except ValueError:
        raise QAError(f"{name} must be a whole number, not {value!r}", "invalid_setting") from None
    if number < minimum:
        raise QAError(f"{name} must be at least {minimum}, not {number}", "invalid_setting")
    return number
