"""Train the answer-unit ranker and the answer/abstain verifier, and write them to qa/answer/trained/.

Usage: python bench/train_answer.py --train bench/out/answer/model/train_full.npz 'bench/out/answer/model/seeds.npz*20'
       --tune bench/out/answer/model/tune.npz [--false-abstain 0.10] [--out qa/answer/trained] [--report FILE.npz ...]

The .npz files are candidate features from bench/answer_data.py (see the README section "Trained answer
models" for the whole pipeline: sets, indexes, features, this script). Train is CMRC 2018 train (the
whole split and its contrast questions) with the seed questions, tune is CMRC 2018 trial and its contrast questions:
the ranker kind, the verifier's kind and threshold are chosen on tune, and the only thing fitted on it
is the verifier's Platt map (two numbers, so that confidence is the share of right answers). --report
files are only scored with the finished models. Every file must have been read with one query encoder
(answer_data.py --query-encoder): the dense features are cosines to its vectors, and the models fit them;
the static encoder's models go to --out qa/answer/trained/static.

- Ranker: logistic regression (pointwise) and LightGBM lambdarank are both fitted on the answerable
  training questions that have a gold candidate, on the candidates the service could judge
  (models.can_answer: a unit passed over for not saying the asked title or a fitting quantity is never
  quoted, so it is not ranked against), and both are measured (hit@1 on tune, printed: the unit the service
  judges, models.judged, holds the answer).
  Lambdarank was the better by 4 points when this was written, and it is the one written out.
- Verifier: on the judged candidate's features (models.judged: the best-ranked one, or for a number or
  date question the best-ranked one holding a fitting quantity or date) and the ranker's margin over the
  other units that can answer (models.field_features), labelled
  "it holds the gold answer" (unanswerable questions: never). Logistic regression and LightGBM binary
  trees are both fitted; the one written out is the one that abstains more on tune's unanswerable
  questions (contrast, and the near misses below) at the same false-abstain. On train it sees ranker
  scores from 5-fold cross-fitting, so that it learns from scores like the ones it will meet. Beside the
  contrast questions it learns from near misses made the gold-removed way, at the level of the
  candidates: an answerable question with every candidate that holds its answer taken out (its article
  is still there, the unit that answers is not).
- Threshold: the lowest verifier probability at which tune's false-abstain (qa eval's: the share of
  answerable questions not answered, counting those no candidate could answer) is at most --false-abstain.
"""

from __future__ import annotations

import argparse
import functools
import json
import sys
from dataclasses import dataclass
from pathlib import Path

import lightgbm
import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from qa.answer.features import FEATURES  # noqa: E402
from qa.answer.models import (  # noqa: E402
    RANKER_FILE,
    VERIFIER_FEATURES,
    VERIFIER_FILE,
    AnswerModels,
    Calibrated,
    LinearModel,
    TreeEnsemble,
    can_answer,
    field_features,
    judged,
)
from qa.cli.evaluate import calibration_error, reliability  # noqa: E402

FOLDS = 5
# L2 strength of both logistic models (sklearn's C): a broad optimum on tune, 0.1-10 within 0.5 points.
REGULARISATION = 1.0


@dataclass
class Split:
    name: str
    features: np.ndarray
    labels: np.ndarray
    starts: np.ndarray
    answerable: np.ndarray
    query_encoder: str  # what made the query vectors its dense features are cosines to
    origins: np.ndarray | None = None  # of a gold-removed split: the question each one was made from

    @classmethod
    def load(cls, path: Path) -> Split:
        with np.load(path) as data:
            if tuple(data["names"]) != FEATURES:
                raise SystemExit(f"{path}: built with other features; rebuild it with bench/answer_data.py")
            return cls(path.stem, data["features"].astype(np.float64), data["labels"], data["starts"],
                       data["answerable"], str(data["query_encoder"]))

    def groups(self) -> list[slice]:
        return [slice(a, b) for a, b in zip(self.starts[:-1], self.starts[1:], strict=True)]

    def question_of_rows(self) -> np.ndarray:
        return np.repeat(np.arange(len(self.starts) - 1), np.diff(self.starts))

    def with_gold(self) -> np.ndarray:
        """Per question: answerable, and some candidate holds the answer."""
        return np.array([self.answerable[n] and self.labels[group].any() for n, group in enumerate(self.groups())])


def standardise(matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    mean = matrix.mean(axis=0)
    scale = matrix.std(axis=0)
    return mean, np.where(scale > 1e-9, scale, 1.0)


def fit_linear(matrix: np.ndarray, labels: np.ndarray, names: tuple[str, ...]) -> LinearModel:
    mean, scale = standardise(matrix)
    model = LogisticRegression(C=REGULARISATION, max_iter=5000)
    model.fit((matrix - mean) / scale, labels)
    return LinearModel(names, mean, scale, model.coef_[0].astype(np.float64), float(model.intercept_[0]))


def ranking_rows(split: Split, questions: np.ndarray) -> np.ndarray:
    """Candidate rows the rankers learn from: of the chosen questions, the candidates the service could judge
    (models.can_answer), where one of them holds the answer. The others are passed over whatever their score,
    so they are not ranked against."""
    able = can_answer_rows(split)
    owner = split.question_of_rows()
    return np.isin(owner, np.intersect1d(questions, owner[able & (split.labels > 0)])) & able


def can_answer_rows(split: Split) -> np.ndarray:
    """Per candidate row, whether the service could judge it (models.can_answer, per question)."""
    able = np.zeros(len(split.labels), bool)
    for group in split.groups():
        able[group] = can_answer(split.features[group])
    return able


def fit_pointwise(split: Split, questions: np.ndarray) -> LinearModel:
    rows = ranking_rows(split, questions)
    return fit_linear(split.features[rows], split.labels[rows], FEATURES)


# Rankers and verifiers are each fitted with this many LightGBM seeds and averaged: one fit samples rows
# and columns, and from seed to seed that moved tune's ranker hit@1 by 1.4 points and its abstention by
# one, as much as the changes measured on it.
SEEDS = 5
# LightGBM sums histograms over its threads in no fixed order unless told to: the same data then gives
# trees a last bit apart, and the committed model files would not be re-created byte for byte.
REPRODUCIBLE = {"deterministic": True, "force_col_wise": True, "n_jobs": 2, "verbose": -1}


def seeded_fits(estimator: type[lightgbm.LGBMModel], params: dict, *data: np.ndarray, **fit: object
                ) -> list[lightgbm.Booster]:
    """``estimator`` fitted on ``data`` once per seed, 0 to SEEDS - 1."""
    return [estimator(**params, random_state=seed, **REPRODUCIBLE).fit(*data, **fit).booster_
            for seed in range(SEEDS)]


def fit_ranker(split: Split, questions: np.ndarray) -> list[lightgbm.Booster]:
    rows = ranking_rows(split, questions)
    sizes = np.bincount(split.question_of_rows()[rows])
    sizes = sizes[sizes > 0]
    # 60 trees at a rate of 0.15 rank as well on tune as 300 at 0.05 (hit@1 0.803 and 0.804; 100 at 0.1:
    # 0.801) and keep the service's walk through them (times the seeds) near half a millisecond.
    # Only the first place is quoted and judged: pairs are weighed down to rank 3 (LightGBM's default, 30, weighs
    # the order far below). Three seed draws each on tune: ranker hit@1 0.837, 0.835, 0.839 against 0.836, 0.836,
    # 0.833, and the verifier, which reads the ranker's margin, abstains on 0.963, 0.965, 0.965 of the contrast
    # questions at the same false-abstain against 0.952, 0.957, 0.957.
    params = {"n_estimators": 60, "learning_rate": 0.15, "num_leaves": 15, "min_child_samples": 20,
              "subsample": 0.8, "subsample_freq": 1, "colsample_bytree": 0.8, "lambdarank_truncation_level": 3}
    return seeded_fits(lightgbm.LGBMRanker, params, split.features[rows], split.labels[rows], group=sizes,
                       feature_name=list(FEATURES))


def mean_score(boosters: list[lightgbm.Booster], matrix: np.ndarray) -> np.ndarray:
    return np.mean([booster.predict(matrix, raw_score=True) for booster in boosters], axis=0)


def as_trees(booster: lightgbm.Booster) -> dict:
    """The booster's trees as the arrays :class:`TreeEnsemble` walks (from LightGBM's model dump)."""
    trees = []
    for info in booster.dump_model()["tree_info"]:
        tree: dict[str, list] = {"feature": [], "threshold": [], "left": [], "right": [], "leaf": []}
        if flatten(info["tree_structure"], tree) < 0:  # a lone leaf: one split every row passes to the left
            tree.update(feature=[0], threshold=[float("inf")], left=[-1], right=[-1])
        trees.append(tree)
    return {"features": list(booster.feature_name()), "trees": trees}


def flatten(node: dict, tree: dict[str, list]) -> int:
    """Append ``node``'s subtree to ``tree``; its reference there (``~k`` for leaf k)."""
    if "split_index" not in node:
        tree["leaf"].append(node["leaf_value"])
        return ~(len(tree["leaf"]) - 1)
    if node["decision_type"] != "<=" or node["missing_type"] != "None":
        raise SystemExit(f"a split TreeEnsemble cannot walk: {node['decision_type']}, {node['missing_type']}")
    number = len(tree["feature"])
    tree["feature"].append(node["split_feature"])
    tree["threshold"].append(node["threshold"])
    tree["left"].append(0)
    tree["right"].append(0)
    tree["left"][number] = flatten(node["left_child"], tree)
    tree["right"][number] = flatten(node["right_child"], tree)
    return number


def save(models: AnswerModels, stored: dict, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / RANKER_FILE).write_text(json.dumps(stored["ranker"], separators=(",", ":")) + "\n", encoding="utf-8")
    content = {"about": models.about, "threshold": models.threshold, "model": stored["verifier"],
               "calibration": {"slope": models.verifier.slope, "intercept": models.verifier.intercept}}
    (folder / VERIFIER_FILE).write_text(json.dumps(content, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def gold_removed(split: Split) -> Split:
    """Near misses from the answerable questions: each one again, without the candidates that answer it."""
    blocks, labels, starts, origins = [], [], [0], []
    gap, dense = FEATURES.index("dense_gap"), FEATURES.index("dense")
    for number, group in enumerate(split.groups()):
        keep = split.labels[group] == 0
        if not split.answerable[number] or keep.all() or not keep.any():
            continue
        block = split.features[group][keep].copy()
        block[:, gap] = block[:, dense] - block[:, dense].max()
        blocks.append(block)
        labels.append(np.zeros(len(block), np.float32))
        starts.append(starts[-1] + len(block))
        origins.append(number)
    return Split(f"{split.name}, gold removed", np.concatenate(blocks), np.concatenate(labels),
                 np.asarray(starts), np.zeros(len(starts) - 1, bool), split.query_encoder, np.asarray(origins))


def joined(first: Split, second: Split) -> Split:
    return Split(f"{first.name} + {second.name}", np.concatenate([first.features, second.features]),
                 np.concatenate([first.labels, second.labels]),
                 np.concatenate([first.starts, second.starts[1:] + first.starts[-1]]),
                 np.concatenate([first.answerable, second.answerable]), first.query_encoder)


def best_candidates(split: Split, scores: np.ndarray) -> np.ndarray:
    """Per question, the row of the candidate the service judges (models.judged; -1: none can answer)."""
    rows = []
    for group in split.groups():
        row = judged(split.features[group], scores[group]) if group.stop > group.start else None
        rows.append(-1 if row is None else group.start + row)
    return np.array(rows)


def hit_at_1(split: Split, scores: np.ndarray) -> float:
    best = best_candidates(split, scores)
    answerable = np.flatnonzero(split.answerable)
    return float(np.mean([best[n] >= 0 and split.labels[best[n]] > 0 for n in answerable]))


def verifier_data(split: Split, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per question with a candidate to judge (models.judged, as the service picks it): the verifier's
    input, its label, and the question's number. The others are abstained on before any verifier."""
    rows, labels, kept = [], [], []
    for number, group in enumerate(split.groups()):
        if group.stop == group.start or (best := judged(split.features[group], scores[group])) is None:
            continue
        rows.append(field_features(split.features[group], scores[group], best))
        labels.append(float(split.answerable[number] and split.labels[group.start + best] > 0))
        kept.append(number)
    return np.asarray(rows), np.asarray(labels), np.asarray(kept)


def cross_fitted_scores(split: Split, questions: np.ndarray, near_misses: Split) -> tuple[np.ndarray, np.ndarray]:
    """Ranker scores of every training candidate, and of every near miss made from it, from a ranker
    that did not see their question (5 folds over the questions)."""
    scores, near_scores = np.zeros(len(split.labels)), np.zeros(len(near_misses.labels))
    numbers = np.arange(len(split.starts) - 1)
    owner = split.question_of_rows()
    near_owner = np.repeat(near_misses.origins, np.diff(near_misses.starts))
    for train_part, held_out in GroupKFold(n_splits=FOLDS).split(numbers, groups=numbers):
        rankers = fit_ranker(split, np.intersect1d(questions, train_part))
        rows, near_rows = np.isin(owner, held_out), np.isin(near_owner, held_out)
        scores[rows] = mean_score(rankers, split.features[rows])
        near_scores[near_rows] = mean_score(rankers, near_misses.features[near_rows])
    return scores, near_scores


def threshold_for(split: Split, probabilities: np.ndarray, kept: np.ndarray, false_abstain: float) -> float:
    """The lowest probability at which at most ``false_abstain`` of the split's answerable questions are
    abstained on (qa eval's false-abstain), counting those abstained on before the verifier."""
    answerable = int(split.answerable.sum())
    judged_answerable = np.sort(probabilities[split.answerable[kept]])
    allowed = int(false_abstain * answerable) - (answerable - len(judged_answerable))
    if allowed <= 0:
        return 0.0
    return float(judged_answerable[min(allowed, len(judged_answerable) - 1)])


def decisions(split: Split, models: AnswerModels) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per question: answered, answered right, and the confidence, as the service decides them."""
    scores = models.rank(split.features)
    rows, right, kept = verifier_data(split, scores)
    answered, correct = np.zeros(len(split.answerable), bool), np.zeros(len(split.answerable), bool)
    confidence = np.zeros(len(split.answerable))
    if len(kept):
        confidence[kept] = models.verifier.probability(rows)
        answered[kept] = confidence[kept] >= models.threshold
        correct[kept] = answered[kept] & (right > 0)
    return answered, correct, confidence


def report(split: Split, models: AnswerModels) -> dict:
    answered, correct, confidence = decisions(split, models)
    answerable = split.answerable
    # qa eval's own table: one row per question answered (an abstention is left out there too).
    table = reliability([{"answerable": True, "confidence": float(c), "correct": bool(r)}
                         for c, r in zip(confidence[answered], correct[answered], strict=True)])
    outcome = {"questions": len(answerable),
               "abstain (unanswerable)": round(float(1 - answered[~answerable].mean()), 4) if (~answerable).any()
               else None}
    if not answerable.any():
        return outcome
    return outcome | {
        "answerable": int(answerable.sum()),
        "hit@1 (ranker)": round(hit_at_1(split, models.rank(split.features)), 4),
        "gold among candidates": round(float(split.with_gold()[answerable].mean()), 4),
        "hit@1 (answered and right)": round(float(correct[answerable].mean()), 4),
        "false-abstain": round(float(1 - answered[answerable].mean()), 4),
        "precision of answers": round(float(correct[answered].mean()), 4) if answered.any() else None,
        "ECE (answers)": calibration_error(table), "reliability": table,
    }


def calibrated(verifier: LinearModel | TreeEnsemble, rows: np.ndarray, right: np.ndarray) -> Calibrated:
    """The verifier with a Platt map fitted on tune's judged questions, so that its probability is the
    share of right answers there (the one thing fitted on tune besides the threshold)."""
    raw = np.clip(verifier.probability(rows), 1e-9, 1 - 1e-9)
    logit = np.log(raw / (1 - raw))[:, None]
    model = LogisticRegression(C=1e6, max_iter=1000).fit(logit, right)
    return Calibrated(verifier, float(model.coef_[0][0]), float(model.intercept_[0]))


def fit_trees(matrix: np.ndarray, labels: np.ndarray, names: tuple[str, ...]) -> list[lightgbm.Booster]:
    # Shallow trees, slowly: on tune 200 trees of 15 leaves abstain as well as 300 of 31, and walk in 0.3 ms.
    params = {"n_estimators": 200, "learning_rate": 0.05, "num_leaves": 15, "min_child_samples": 40,
              "subsample": 0.8, "subsample_freq": 1, "colsample_bytree": 0.8}
    return seeded_fits(lightgbm.LGBMClassifier, params, matrix, labels, feature_name=list(names))


def walked(boosters: list[lightgbm.Booster], names: tuple[str, ...], check: np.ndarray) -> tuple[TreeEnsemble, dict]:
    """The boosters' mean raw score as the arrays the service walks (every tree, its leaves divided by
    their number), checked to score ``check`` as LightGBM does."""
    dumped = [as_trees(booster) for booster in boosters]
    trees = {"features": dumped[0]["features"],
             "trees": [{**tree, "leaf": [value / len(boosters) for value in tree["leaf"]]}
                       for each in dumped for tree in each["trees"]]}
    ensemble = TreeEnsemble.from_dict(trees, names)
    gap = np.abs(ensemble.decision(check) - mean_score(boosters, check)).max()
    if gap > 1e-9:
        raise SystemExit(f"the trees score {gap} away from LightGBM's")
    return ensemble, trees


def fit(train: Split, tune: Split, false_abstain: float) -> tuple[AnswerModels, dict]:
    """The ranker and verifier trained on ``train``, with the verifier's kind and threshold chosen on
    ``tune``; and both as they are saved."""
    questions = np.flatnonzero(train.with_gold())
    pointwise_hit = hit_at_1(tune, fit_pointwise(train, questions).decision(tune.features))
    ranker, ranker_trees = walked(fit_ranker(train, questions), FEATURES, tune.features)
    ranker_hit = hit_at_1(tune, ranker.decision(tune.features))
    near_misses = gold_removed(train)
    scores, near_scores = cross_fitted_scores(train, questions, near_misses)
    rows, labels, _ = verifier_data(joined(train, near_misses), np.concatenate([scores, near_scores]))
    tune_rows, tune_right, tune_kept = verifier_data(tune, ranker.decision(tune.features))
    linear = fit_linear(rows, labels, VERIFIER_FEATURES)
    trees, tree_dict = walked(fit_trees(rows, labels, VERIFIER_FEATURES), VERIFIER_FEATURES, tune_rows)
    kinds: dict[str, LinearModel | TreeEnsemble] = {"logistic": linear, "trees": trees}
    stored = {"logistic": linear.to_dict(), "trees": tree_dict}
    measured, candidates = {}, {}
    for kind, raw in kinds.items():
        verifier = calibrated(raw, tune_rows, tune_right)
        threshold = threshold_for(tune, verifier.probability(tune_rows), tune_kept, false_abstain)
        candidates[kind] = AnswerModels(ranker, verifier, threshold, {})
        abstain = [report(split, candidates[kind])["abstain (unanswerable)"] for split in (tune, gold_removed(tune))]
        measured[kind] = {"threshold": round(threshold, 4), "abstain (contrast, near misses)": abstain}
    # At the same false-abstain on tune, the kind that abstains more on tune's unanswerable questions.
    chosen = max(kinds, key=lambda kind: (sum(measured[kind]["abstain (contrast, near misses)"]), kind == "logistic"))
    about = {"trained_on": train.name, "tuned_on": tune.name, "query_encoder": train.query_encoder,
             "false_abstain_on_tune": false_abstain,
             "ranker_hit@1_on_tune": {"logistic": round(pointwise_hit, 4), "lambdarank": round(ranker_hit, 4)},
             "verifier_on_tune": measured, "verifier": chosen,
             "questions": {"train": len(train.starts) - 1, "train near misses": len(near_misses.starts) - 1,
                           "tune": len(tune.starts) - 1}}
    models = candidates[chosen]
    return AnswerModels(ranker, models.verifier, models.threshold, about), {"ranker": ranker_trees,
                                                                             "verifier": stored[chosen]}


def weighted(spec: str) -> Split:
    """A training file, "PATH" or "PATH*N" (its questions repeated N times, to weigh a small domain)."""
    path, _, times = spec.partition("*")
    split = Split.load(Path(path))
    repeated = split
    for _ in range(int(times or 1) - 1):
        repeated = joined(repeated, split)
    repeated.name = f"{split.name}*{times}" if times else split.name
    return repeated


def subset(split: Split, numbers: list[int]) -> Split:
    groups = split.groups()
    blocks = [split.features[groups[n]] for n in numbers]
    return Split(split.name, np.concatenate(blocks), np.concatenate([split.labels[groups[n]] for n in numbers]),
                 np.concatenate([[0], np.cumsum([len(block) for block in blocks])]), split.answerable[numbers],
                 split.query_encoder)


def cross_validated(parts: list[str], held: int, tune: Split, false_abstain: float, folds: int = 4) -> dict:
    """Training part ``held`` scored the way unseen questions of its kind will be: each of its questions
    by models trained on every other part and on the other folds of its own."""
    splits = [weighted(spec) for spec in parts]
    own = Split.load(Path(parts[held].partition("*")[0]))
    times = int(parts[held].partition("*")[2] or 1)
    answerable, answered, correct, ranked_right = [], [], [], []
    for fold in range(folds):
        numbers = np.arange(len(own.starts) - 1)
        kept = subset(own, list(numbers[numbers % folds != fold]))
        scored = subset(own, list(numbers[numbers % folds == fold]))
        train = kept
        for _ in range(times - 1):
            train = joined(train, kept)
        for number, split in enumerate(splits):
            if number != held:
                train = joined(train, split)
        models, _ = fit(train, tune, false_abstain)
        given, right, _ = decisions(scored, models)
        best = best_candidates(scored, models.rank(scored.features))
        answerable.append(scored.answerable)
        answered.append(given)
        correct.append(right)
        ranked_right.append((best >= 0) & (scored.labels[best] > 0))
    has, given, right, ranked = (np.concatenate(parts) for parts in (answerable, answered, correct, ranked_right))
    return {"questions": len(has),
            "hit@1 (answered and right)": round(float(right[has].mean()), 4),
            "ranker hit@1": round(float(ranked[has].mean()), 4),
            "false-abstain": round(float(1 - given[has].mean()), 4),
            "abstain (unanswerable)": round(float(1 - given[~has].mean()), 4) if (~has).any() else None}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--train", nargs="+", required=True, metavar="PATH[*N]",
                        help="training feature files; *N repeats one's questions N times")
    parser.add_argument("--tune", type=Path, nargs="+", required=True,
                        help="tuning feature files, joined (simplified and traditional script)")
    parser.add_argument("--report", type=Path, nargs="*", default=[])
    # Issue 12 allows at most 0.08 of answerable questions abstained on; a lower rate lets through answers
    # that are mostly wrong (README, Quality, "Stop 38").
    parser.add_argument("--false-abstain", type=float, default=0.075,
                        help="share of tune's answerable questions the threshold may abstain on (default 0.075)")
    parser.add_argument("--cross-validate", type=int, metavar="K",
                        help="also score training file K (0-based) by 4-fold cross-validation")
    parser.add_argument("--out", type=Path, default=ROOT / "qa" / "answer" / "trained")
    args = parser.parse_args()
    splits = [weighted(spec) for spec in args.train]
    tunes = [Split.load(path) for path in args.tune]
    reports = [Split.load(path) for path in args.report]
    read_with = [(split.name, split.query_encoder) for split in [*splits, *tunes, *reports]]
    if len({encoder for _, encoder in read_with}) > 1:
        listed = ", ".join(f"{name}: {encoder}" for name, encoder in read_with)
        raise SystemExit(f"feature files read with different query encoders ({listed}): models fit one "
                         "encoder's cosines; read them all with one (answer_data.py --query-encoder)")
    train, tune = splits[0], functools.reduce(joined, tunes)
    for split in splits[1:]:
        train = joined(train, split)
    models, stored = fit(train, tune, args.false_abstain)
    save(models, stored, args.out)
    print(json.dumps(models.about, ensure_ascii=False))
    print(f"threshold {models.threshold:.4f}; wrote {args.out}")
    for split in [*tunes, *map(gold_removed, tunes), *reports]:
        print(split.name, json.dumps(report(split, models), ensure_ascii=False))
    if args.cross_validate is not None:
        print(f"{args.train[args.cross_validate]}, 4-fold cross-validated",
              json.dumps(cross_validated(args.train, args.cross_validate, tune, args.false_abstain)))


if __name__ == "__main__":
    main()
