"""The trained answer models: a ranker of candidate units and a verifier that answers or abstains.

Both are read from ``qa/answer/trained/`` (``trained/static/`` for the static query encoder), which
``bench/train_answer.py`` writes (the README section
"Trained answer models" says how they were trained, tuned and measured): the ranker is a LightGBM
lambdarank model; the verifier, logistic regression over standardised features or LightGBM binary trees
(whichever measured better), gives the probability that is the answer's ``confidence``. Trees are stored
as arrays (from LightGBM's own model dump) and walked here with numpy: importing lightgbm imports
scikit-learn where it is installed, which would cost a cold start two seconds, and serving needs nothing
of lightgbm but its trees.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

import numpy as np

from qa.answer.features import FEATURES
from qa.settings import DEFAULT_QUERY_ENCODER

# What the verifier reads beside the best candidate's features: the ranker's view of the field.
FIELD_FEATURES = ("rank_score", "rank_margin", "rank_share", "candidates")
VERIFIER_FEATURES = (*(f"best_{name}" for name in FEATURES), *FIELD_FEATURES)
# Where the models fitted to each query encoder live (qa.settings.QUERY_ENCODERS): the dense features are
# cosines to the query vector, and the static encoder's cosines are not the model's.
TRAINED_FOLDERS = {"model": ("trained",), "static": ("trained", "static")}
RANKER_FILE = "ranker.json"
VERIFIER_FILE = "verifier.json"
# What loading a model file written for other features says: every model here is re-created by one command.
STALE_MODEL = "the model file was trained on other features; re-train it (make models)"


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
            raise ValueError(STALE_MODEL)
        return cls(expected, *(np.asarray(data[key], np.float64) for key in ("mean", "scale", "weights")),
                   float(data["bias"]))


@dataclass(frozen=True)
class TreeEnsemble:
    """Regression trees whose outputs add up (a LightGBM model of ``<=`` splits), all in flat arrays.

    Node ``n`` splits on ``feature[n]`` at ``threshold[n]``; its children are ``left[n]`` and
    ``right[n]``, where a negative child ``~k`` is leaf ``k``. Tree ``t`` starts at node ``roots[t]``, and its
    nodes run up to the next tree's root.
    """

    features: tuple[str, ...]
    roots: np.ndarray
    feature: np.ndarray
    threshold: np.ndarray
    left: np.ndarray
    right: np.ndarray
    leaf: np.ndarray

    def probability(self, matrix: np.ndarray) -> np.ndarray:
        """Of a LightGBM binary model: its raw score through the logistic function."""
        return 1.0 / (1.0 + np.exp(-self.decision(matrix)))

    def decision(self, matrix: np.ndarray) -> np.ndarray:
        """The trees' summed output per row. Rather than walking each tree a level at a time, every split of
        every tree is compared at once, and a tree's exit leaf is its leftmost leaf that no split turning
        right has ruled out (QuickScorer, Lucchese et al., SIGIR 2015): a few array operations in all,
        where a walk takes a few per level (0.47 against 0.23 ms for the ranker over 22 candidates)."""
        values = np.asarray(matrix, np.float64)
        layout = self._exits
        turns_right = ~(values[:, self.feature] <= self.threshold)
        possible = np.bitwise_and.reduceat(~(layout.left_leaves * turns_right), self.roots, axis=1)
        leftmost = np.log2((possible & (~possible + 1)).astype(np.float64)).astype(np.int64)
        # Summed tree by tree down a contiguous array, as a walk sums them: the same float, bit for bit.
        return np.ascontiguousarray(layout.leaf_values[layout.first_leaf[:, None] + leftmost.T]).sum(axis=0)

    @functools.cached_property
    def _exits(self) -> _ExitLayout:
        return _ExitLayout.of(self)

    @classmethod
    def from_dict(cls, data: dict, expected: tuple[str, ...]) -> TreeEnsemble:
        if tuple(data["features"]) != expected:
            raise ValueError(STALE_MODEL)
        roots, feature, threshold, left, right, leaf = [], [], [], [], [], []
        for tree in data["trees"]:
            nodes, leaves = len(feature), len(leaf)

            def shifted(children: list[int], nodes: int = nodes, leaves: int = leaves) -> list[int]:
                return [child + nodes if child >= 0 else ~(~child + leaves) for child in children]

            roots.append(nodes)
            feature += tree["feature"]
            threshold += tree["threshold"]
            left += shifted(tree["left"])
            right += shifted(tree["right"])
            leaf += tree["leaf"]
        return cls(expected, np.asarray(roots, np.int64), np.asarray(feature, np.int64),
                   np.asarray(threshold, np.float64), np.asarray(left, np.int64), np.asarray(right, np.int64),
                   np.asarray(leaf, np.float64))


@dataclass(frozen=True)
class _ExitLayout:
    """A tree ensemble's leaves numbered left to right within each tree, as bits: ``left_leaves[n]`` holds the
    bits of the leaves under node ``n``'s left child, which a row turning right at ``n`` cannot reach; tree
    ``t``'s leaf at bit ``b`` is ``leaf_values[first_leaf[t] + b]``."""

    left_leaves: np.ndarray
    first_leaf: np.ndarray
    leaf_values: np.ndarray

    @classmethod
    def of(cls, trees: TreeEnsemble) -> _ExitLayout:
        left_leaves = [0] * len(trees.feature)
        first_leaf: list[int] = []
        leaf_values: list[float] = []

        def number(node: int, order: list[int]) -> None:
            """Append the leaves under ``node`` to ``order``, left to right."""
            if node < 0:
                order.append(~node)
                return
            start = len(order)
            number(int(trees.left[node]), order)
            left_leaves[node] = sum(1 << bit for bit in range(start, len(order)))
            number(int(trees.right[node]), order)

        widest = 0
        for root in trees.roots:
            order: list[int] = []
            number(int(root), order)
            first_leaf.append(len(leaf_values))
            leaf_values += [float(trees.leaf[leaf]) for leaf in order]
            widest = max(widest, len(order))
        bits = next((dtype for dtype in (np.uint16, np.uint32, np.uint64) if np.iinfo(dtype).bits >= widest), None)
        if bits is None:
            raise ValueError(f"a tree of {widest} leaves: at most 64 fit the exit layout")
        return cls(np.asarray(left_leaves, bits), np.asarray(first_leaf, np.int64), np.asarray(leaf_values))


@dataclass(frozen=True)
class Calibrated:
    """A verifier whose probabilities are mapped through a logistic fit on the tune split (Platt scaling):
    the verifier learns from as many near misses as answers, so its raw probabilities run low."""

    verifier: LinearModel | TreeEnsemble
    slope: float
    intercept: float

    @property
    def features(self) -> tuple[str, ...]:
        return self.verifier.features

    def probability(self, matrix: np.ndarray) -> np.ndarray:
        return platt(self.verifier.probability(matrix), self.slope, self.intercept)


def platt(probabilities: np.ndarray, slope: float, intercept: float) -> np.ndarray:
    clipped = np.clip(probabilities, 1e-9, 1 - 1e-9)
    return 1.0 / (1.0 + np.exp(-(slope * np.log(clipped / (1 - clipped)) + intercept)))


_TYPED_NEW = FEATURES.index("typed_new")
_MUST_HOLD = FEATURES.index("must_hold")
_ROLE_UNSAID = FEATURES.index("role_unsaid")
_AVERAGE_FOR_EXTREME = FEATURES.index("average_for_extreme")


def can_answer(matrix: np.ndarray) -> np.ndarray:
    """Per candidate, whether it can answer: where only a unit holding an answer of the asked kind can
    (Question.must_hold: 多少, 哪一天), it must hold one; a question for the holder of a title (谁是主任) or of a
    place in a contest (冠军来自哪家公司) is answered only where the title or the place is said, since evidence
    names a holder by it (17 of 18 such title questions of CMRC and the seeds, 41 of 42 such place questions
    of CMRC); and a unit that gives an average and no extreme does not answer a number question for an
    extreme (日均 for 最高的一天)."""
    able = (matrix[:, _ROLE_UNSAID] == 0) & (matrix[:, _AVERAGE_FOR_EXTREME] == 0)
    if len(matrix) and matrix[0, _MUST_HOLD]:
        able &= matrix[:, _TYPED_NEW] > 0
    return able


def judged(matrix: np.ndarray, scores: np.ndarray) -> int | None:
    """The candidate the verifier judges: the best-ranked one that can answer (:func:`can_answer`), None
    without one."""
    order = np.argsort(-scores, kind="stable")
    fitting = order[can_answer(matrix)[order]]
    return int(fitting[0]) if len(fitting) else None


def field_features(matrix: np.ndarray, scores: np.ndarray, best: int) -> np.ndarray:
    """The verifier's input for a question: the best candidate's features and how it stands out among the
    candidates that can answer. One ranked above it that cannot (走进…中心小学 before the sentence that names
    the school's 校长) is no rival: it was passed over, and it does not lower the margin."""
    rivals = can_answer(matrix)
    rivals[best] = False
    others = scores[rivals]
    margin = float(scores[best] - others.max()) if len(others) else 10.0
    shifted = np.exp(others - scores[best])
    return np.concatenate([matrix[best], [scores[best], margin, 1.0 / (1.0 + shifted.sum()), len(scores)]])


@dataclass(frozen=True)
class AnswerModels:
    ranker: TreeEnsemble
    verifier: Calibrated
    threshold: float  # answer when the verifier's probability reaches it
    about: dict  # how they were trained and tuned, as the training script recorded it

    def rank(self, matrix: np.ndarray) -> np.ndarray:
        return self.ranker.decision(matrix)

    def verify(self, matrix: np.ndarray, scores: np.ndarray, best: int) -> float:
        """The probability that candidate ``best`` answers the question."""
        return float(self.verifier.probability(field_features(matrix, scores, best)[None, :])[0])


def stored_model(data: dict, expected: tuple[str, ...]) -> LinearModel | TreeEnsemble:
    """A model as the training scripts store it: trees where it has them, else a linear model."""
    kind = TreeEnsemble if "trees" in data else LinearModel
    return kind.from_dict(data, expected)


def load(folder: Traversable | Path) -> AnswerModels:
    ranker = json.loads((folder / RANKER_FILE).read_text(encoding="utf-8"))
    verifier = json.loads((folder / VERIFIER_FILE).read_text(encoding="utf-8"))
    calibrated = Calibrated(stored_model(verifier["model"], VERIFIER_FEATURES),
                            float(verifier["calibration"]["slope"]), float(verifier["calibration"]["intercept"]))
    return AnswerModels(TreeEnsemble.from_dict(ranker, FEATURES), calibrated, float(verifier["threshold"]),
                        verifier["about"])


@functools.cache
def bundled(query_encoder: str = DEFAULT_QUERY_ENCODER) -> AnswerModels:
    """The models shipped for ``query_encoder``'s vectors, read once per process."""
    return load(resources.files("qa.answer").joinpath(*TRAINED_FOLDERS[query_encoder]))
