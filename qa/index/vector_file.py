"""The derived vector index on disk, stamped with the SQLite generation and model it was built from."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

from embeddings.vector_index import VectorIndex

VECTORS_FILE = "vectors.faiss"
STAMP_FILE = "vectors.json"


def save_vectors(directory: Path, vectors: VectorIndex, generation: int, model_name: str) -> None:
    """Write the index, then its stamp; both are renamed into place, so a crash leaves an older pair."""
    vectors.save(directory / VECTORS_FILE)
    stamp = directory / STAMP_FILE
    temporary = stamp.with_name(stamp.name + ".tmp")
    temporary.write_text(json.dumps({"generation": generation, "model": model_name}))
    os.replace(temporary, stamp)


def load_vectors(directory: Path, generation: int, model_name: str, dim: int,
                 chunk_ids: np.ndarray) -> VectorIndex | None:
    """The saved vector index if it was stamped with ``generation`` and holds exactly ``chunk_ids``.

    A crash between a SQLite commit and the vector save leaves an older stamp, a crash during the
    save an older file (saves rename a finished file into place): either way the caller rebuilds."""
    try:
        stamp = json.loads((directory / STAMP_FILE).read_text())
        if stamp.get("generation") != generation or stamp.get("model") != model_name:
            return None
        vectors = VectorIndex.load(directory / VECTORS_FILE)
    except (OSError, ValueError, RuntimeError):
        return None
    if vectors.dim != dim or not np.array_equal(np.sort(vectors.ids()), chunk_ids):
        return None
    return vectors
