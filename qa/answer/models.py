"""The trained answer models: a ranker of candidate units and a verifier that answers or abstains.

Both are read from ``qa/answer/trained/``, which ``bench/train_answer.py`` writes (the README section
"Trained answer models" says how they were trained, tuned and measured): the ranker is a LightGBM
lambdarank model (its text format), the verifier a logistic regression over standardised features,
whose output is the answer's ``confidence``.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

import lightgbm
import numpy as np

from qa.answer.features import FEATURES

# What the verifier reads beside the best candidate's features: the ranker's view of the field.
FIELD_FEATURES = ("rank_score", "rank_margin", "rank_share", "candidates")
VERIFIER_FEATURES = (*(f"best_{name}" for name in FEATURES), *FIELD_FEATURES)
RANKER_FILE = "ranker.txt"
VERIFIER_FILE = "verifier.json"


@dataclass(frozen=True)
class LinearModel:
    features: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    weights: np.ndarray
    bias: float

    def decision(self, matrix: np.ndarray) -> np.ndarray:
        return ((matrix - self.mean) / self.scale) @ self.weights + self.bias

    def probability(self, matrix: np.ndarray) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-self.decision(matrix)))

    def to_dict(self) -> dict:
        return {"features": list(self.features), "mean": self.mean.tolist(), "scale": self.scale.tolist(),
                "weights": self.weights.tolist(), "bias": self.bias}

    @classmethod
    def from_dict(cls, data: dict, expected: tuple[str, ...]) -> LinearModel:
        if tuple(data["features"]) != expected:
            raise ValueError("the model file was trained on other features; re-train it (bench/train_answer.py)")
        return cls(expected, *(np.asarray(data[key], np.float64) for key in ("mean", "scale", "weights")),
                   float(data["bias"]))


def field_features(matrix: np.ndarray, scores: np.ndarray, best: int) -> np.ndarray:
    """The verifier's input for a question: the best candidate's features and how it stands out."""
    others = np.delete(scores, best)
    margin = float(scores[best] - others.max()) if len(others) else 10.0
    shifted = np.exp(scores - scores[best])
    return np.concatenate([matrix[best], [scores[best], margin, 1.0 / shifted.sum(), len(scores)]])


@dataclass(frozen=True)
class AnswerModels:
    ranker: lightgbm.Booster
    verifier: LinearModel
    threshold: float  # answer when the verifier's probability reaches it
    about: dict  # how they were trained and tuned, as the training script recorded it

    def rank(self, matrix: np.ndarray) -> np.ndarray:
        return np.asarray(self.ranker.predict(matrix, num_threads=1), np.float64)

    def verify(self, matrix: np.ndarray, scores: np.ndarray, best: int) -> float:
        """The probability that candidate ``best`` answers the question."""
        return float(self.verifier.probability(field_features(matrix, scores, best)[None, :])[0])

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.ranker.save_model(str(folder / RANKER_FILE))
        content = {"about": self.about, "threshold": self.threshold, "model": self.verifier.to_dict()}
        (folder / VERIFIER_FILE).write_text(json.dumps(content, ensure_ascii=False, indent=1) + "\n",
                                            encoding="utf-8")


def load(folder: Traversable | Path) -> AnswerModels:
    ranker = lightgbm.Booster(model_str=(folder / RANKER_FILE).read_text(encoding="utf-8"))
    if tuple(ranker.feature_name()) != FEATURES:
        raise ValueError("the ranker was trained on other features; re-train it (bench/train_answer.py)")
    verifier = json.loads((folder / VERIFIER_FILE).read_text(encoding="utf-8"))
    return AnswerModels(ranker, LinearModel.from_dict(verifier["model"], VERIFIER_FEATURES),
                        float(verifier["threshold"]), verifier["about"])


@functools.cache
def bundled() -> AnswerModels:
    """The models shipped in ``qa/answer/trained/``, read once per process."""
    return load(resources.files("qa.answer") / "trained")
