"""A static query encoder distilled from the bundled model: its tokenizer's pieces each have a vector,
and a question's vector is their mean, normalised. No forward pass: well under a millisecond.

Trained by ``bench/train_static_encoder.py`` (the files in ``embeddings/static/``); its vectors live in
the bundled model's space, so it can stand in for the model's query side against an index the model
built. Whether it should is measured by ``bench/bench_query_encoders.py``.
"""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np

from embeddings.bundled import DEFAULT_MODEL
from embeddings.cache import model_form
from qa.errors import QAError

STATIC_DIR = Path(__file__).resolve().parent / "static"


@functools.cache
def static_encoder(model_name: str) -> StaticQueryEncoder:
    """The static encoder standing in for ``model_name``'s query side (loaded once a process)."""
    if model_name != DEFAULT_MODEL:
        raise QAError(f"the static query encoder is distilled from {DEFAULT_MODEL}, not {model_name}; "
                      "use QA_QUERY_ENCODER=model", "invalid_setting")
    return StaticQueryEncoder.load()


@functools.cache
def word_vectors() -> WordVectors:
    """The static encoder's pieces as word vectors, for any index: they say which words of the model's
    vocabulary mean alike (出生 and 生于), whatever model embedded the passages."""
    return WordVectors.load()


class StaticQueryEncoder:
    def __init__(self, tokenizer, vectors: np.ndarray) -> None:
        self.tokenizer = tokenizer
        self.vectors = vectors

    @classmethod
    def load(cls, directory: Path = STATIC_DIR) -> StaticQueryEncoder:
        from tokenizers import Tokenizer

        stored = np.load(directory / "vectors.npz")
        vectors = stored["codes"].astype(np.float32) * stored["scales"][:, None]
        return cls(Tokenizer.from_file(str(directory / "tokenizer.json")), vectors)

    @property
    def dim(self) -> int:
        return self.vectors.shape[1]

    def encode_query(self, text: str) -> np.ndarray:
        return mean_direction(self.vectors, self.tokenizer.encode(model_form(text)).ids)


def mean_direction(vectors: np.ndarray, ids: list[int] | np.ndarray) -> np.ndarray:
    """The unit vector of the mean of ``vectors[ids]`` (zero for no pieces: no direction)."""
    if not len(ids):
        return np.zeros(vectors.shape[1], np.float32)
    vector = vectors[ids].mean(axis=0)
    return vector / (np.linalg.norm(vector) or 1.0)


def quantized(vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Int8 codes and a float32 scale per row: a quarter of the float32 size, within 0.4 % per value."""
    scales = np.abs(vectors).max(axis=1) / 127
    scales[scales == 0] = 1.0
    return np.round(vectors / scales[:, None]).astype(np.int8), scales.astype(np.float32)


class WordVectors:
    """The static encoder's piece vectors, unit length, to compare words by meaning."""

    def __init__(self, encoder: StaticQueryEncoder) -> None:
        self.tokenizer = encoder.tokenizer
        norms = np.linalg.norm(encoder.vectors, axis=1, keepdims=True)
        self.vectors = encoder.vectors / np.where(norms > 0, norms, 1.0)

    @classmethod
    def load(cls, directory: Path = STATIC_DIR) -> WordVectors:
        return cls(StaticQueryEncoder.load(directory))

    def pieces(self, text: str) -> np.ndarray:
        """The piece ids of a text in simplified script."""
        return np.asarray(self.tokenizer.encode(text).ids, np.int32)

    def word(self, text: str) -> np.ndarray:
        """One unit vector for a short text (a word, a character bigram): its pieces' mean."""
        return mean_direction(self.vectors, self.pieces(text))
