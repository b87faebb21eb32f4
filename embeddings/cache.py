"""Embeddings cached by (model, text hash), so re-indexing unchanged text costs nothing; query
vectors of recent questions in memory, so a question asked again costs no forward pass."""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
from tqdm import tqdm

from embeddings.model import Embedder
from qa.text.normalize import to_simplified

_BATCH = 32


def text_key(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def model_form(text: str) -> str:
    """What the encoders read of a text: Chinese in simplified script, documents and questions alike (the
    static encoder's pieces are learnt from simplified text too, and a traditional question would fall
    apart into rare characters).

    Read in traditional script (CMRC trial through OpenCC), a question and its answering sentence lie at a
    cosine about 0.013 lower than the same pair in simplified, and every other pair lower too, so the answer
    models, which mostly learn from simplified text, took traditional answers for weaker ones.
    """
    return to_simplified(text)


class CachedEncoder:
    """Document embeddings through an on-disk cache (keyed by the text the model reads, so a traditional
    text and its simplified form share one vector); queries straight through the model."""

    def __init__(self, model: Embedder, model_name: str, path: Path) -> None:
        self.model = model
        self.model_name = model_name
        self.connection = sqlite3.connect(path, check_same_thread=False)
        self.connection.execute(
            "CREATE TABLE IF NOT EXISTS embeddings (model TEXT, key TEXT, vector BLOB, PRIMARY KEY (model, key))"
        )
        self.dim = int(model.get_embedding_dimension() or 0)
        self.hits = 0
        self.misses = 0

    def encode_query(self, text: str) -> np.ndarray:
        return np.asarray(self.model.encode_query([model_form(text)], show_progress_bar=False)[0], dtype=np.float32)

    def encode_documents(
        self, texts: Sequence[str], progress: Callable[[int], None] | None = None
    ) -> np.ndarray:
        read = [model_form(text) for text in texts]
        keys = [text_key(text) for text in read]
        found = self._lookup(set(keys))
        missing = list(dict.fromkeys(key for key in keys if key not in found))
        self.hits += len(texts) - len(missing)
        self.misses += len(missing)
        text_of = dict(zip(keys, read, strict=True))
        for first in range(0, len(missing), _BATCH):
            batch = missing[first : first + _BATCH]
            vectors = self.model.encode_document([text_of[key] for key in batch], show_progress_bar=False)
            rows = [(self.model_name, key, np.asarray(vector, np.float32).tobytes()) for key, vector in
                    zip(batch, vectors, strict=True)]
            self.connection.executemany("INSERT OR REPLACE INTO embeddings VALUES (?, ?, ?)", rows)
            self.connection.commit()
            found.update((key, np.asarray(vector, np.float32)) for key, vector in zip(batch, vectors, strict=True))
            if progress:
                progress(len(batch))
        if not texts:
            return np.empty((0, self.dim), np.float32)
        return np.stack([found[key] for key in keys]).astype(np.float32)

    def _lookup(self, keys: set[str]) -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        ordered = list(keys)
        for first in range(0, len(ordered), 500):
            batch = ordered[first : first + 500]
            marks = ",".join("?" * len(batch))
            for key, blob in self.connection.execute(
                f"SELECT key, vector FROM embeddings WHERE model = ? AND key IN ({marks})",
                [self.model_name, *batch],
            ):
                found[key] = np.frombuffer(blob, dtype=np.float32)
        return found


class QueryVectors:
    """The query vectors of the ``size`` questions asked most recently (least recently used out first).

    ``key`` maps a question to its cache key: questions that differ only in ways the model should
    not care about (width, case, traditional or simplified script) share one vector, that of the
    form asked first. Vectors are returned read-only, since every caller of a key shares one.
    """

    def __init__(self, encode: Callable[[str], np.ndarray], key: Callable[[str], str], size: int) -> None:
        self._encode = encode
        self._key = key
        self.size = size
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def __call__(self, text: str) -> np.ndarray:
        key = self._key(text)
        with self._lock:
            vector = self._vectors.get(key)
            if vector is not None:
                self._vectors.move_to_end(key)
                return vector
        # Outside the lock: two threads asking one new question may both run the model, but no
        # question waits for another's forward pass.
        vector = self._encode(text)
        vector.flags.writeable = False
        with self._lock:
            if self.size:
                self._vectors[key] = vector
                while len(self._vectors) > self.size:
                    self._vectors.popitem(last=False)
        return vector


def progress_bar(total: int, description: str, enabled: bool) -> tqdm:
    return tqdm(total=total, desc=description, unit="text", disable=not enabled or total == 0)
