"""Train the span model (which typed candidate of the chosen unit is the short answer) and write it to
qa/answer/trained/spans.json.

Usage: python bench/train_spans.py --train bench/out/answer/cmrc_train/questions.jsonl ...
       --tune bench/out/answer/cmrc_trial/questions.jsonl ... [--report FILE.jsonl ...] [--out qa/answer/trained]

Every set is a question file with gold answers and the evidence sentence that holds them (bench/sets/
open_domain.py writes them): each answerable question is read against its evidence sentence, its typed
candidates (qa.answer.span_choice) described and labelled 2 where one is a gold answer, 1 where it is part
of one or holds one with at most OVERHANG characters more (韩滉 of 唐代画家韩滉), else 0. Logistic
regression (pointwise, on "2 or 1") and LightGBM lambdarank (on the grades) are fitted on train's questions
with two candidates or more and one right; the one whose first candidate is right more often on tune is
written out. Tune picks that and nothing else; --report sets are only scored. Each row of the printed
table is over the questions with two candidates or more (with one, there is nothing to choose), beside
the hand rule the model replaced: the candidate the slot words surround best, then the one nearest a keyword.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path

import lightgbm
import numpy as np
from train_answer import fit_linear, seeded_fits, walked

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from qa.answer.question import analyze  # noqa: E402
from qa.answer.span_choice import SPAN_FEATURES, SPAN_FILE, span_candidates, span_features  # noqa: E402
from qa.text.normalize import compact  # noqa: E402
from qa.text.tagging import tag  # noqa: E402

# A candidate that holds a gold answer and at most this many characters more still answers (达97% for 97%).
OVERHANG = 2
_SLOT, _GAP = (SPAN_FEATURES.index(name) for name in ("slot_share", "keyword_gap"))


@dataclass
class SpanSet:
    name: str
    features: np.ndarray
    grades: np.ndarray  # 2 exact, 1 part of a gold answer or holding one, 0 wrong
    starts: np.ndarray  # candidate rows of question n: starts[n]:starts[n + 1]

    def groups(self) -> list[slice]:
        return [slice(a, b) for a, b in zip(self.starts[:-1], self.starts[1:], strict=True)]


def grade(candidate: str, golds: set[str]) -> int:
    if candidate in golds:
        return 2
    if any(candidate in gold or (gold in candidate and len(candidate) - len(gold) <= OVERHANG) for gold in golds):
        return 1
    return 0


def read_set(paths: list[str]) -> SpanSet:
    """Every answerable question of ``paths`` that a short span answers, whose evidence sentence holds a gold
    answer and offers two typed candidates or more."""
    rows, grades, starts = [], [], [0]
    for path in paths:
        for line in Path(path).read_text(encoding="utf-8").splitlines():
            item = json.loads(line)
            if item.get("type") == "unanswerable" or not item.get("evidence") or item.get("history"):
                continue
            golds = {compact(answer) for answer in item["answers"] if answer.strip()}
            if not any(gold in compact(item["evidence"]) for gold in golds):
                continue
            question = analyze(item["question"])
            if not question.short_answer:  # a list's items are typed too, but the service cuts no span for it
                continue
            tagged = tag(item["evidence"])
            spans = span_candidates(tagged, question)
            if len(spans) < 2:
                continue
            rows.append(span_features(tagged, question, spans))
            grades += [grade(compact(tagged.text[start:end]), golds) for start, end in spans]
            starts.append(starts[-1] + len(spans))
    return SpanSet("+".join(Path(path).parent.name + "/" + Path(path).stem for path in paths),
                   np.concatenate(rows), np.asarray(grades), np.asarray(starts))


def hand_rule(features: np.ndarray) -> np.ndarray:
    """The rule the model replaced: slot words beside it first, then nearness to a keyword."""
    return features[:, _SLOT] * 100 - features[:, _GAP]


def firsts(split: SpanSet, scores: np.ndarray) -> np.ndarray:
    """The grade of each question's best-scored candidate (ties: the first)."""
    return np.array([split.grades[group][np.argmax(scores[group])] for group in split.groups()])


def measure(split: SpanSet, scores: np.ndarray) -> dict:
    chosen = firsts(split, scores)
    reachable = np.array([split.grades[group].max() for group in split.groups()])
    return {"questions": len(chosen), "right": round(float((chosen > 0).mean()), 4),
            "exact": round(float((chosen == 2).mean()), 4), "best possible": round(float((reachable > 0).mean()), 4)}


def trainable(split: SpanSet) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows, grades and group sizes of the questions where some candidate is right."""
    keep = [group for group in split.groups() if split.grades[group].max() > 0]
    rows = np.concatenate([np.arange(group.start, group.stop) for group in keep])
    return split.features[rows], split.grades[rows], np.array([group.stop - group.start for group in keep])


# More of the question's words beside a candidate never makes it a worse answer, nor does a keyword further
# off make it a better one: the trees are held to that, so that what CMRC's labels say by accident (a long
# gold answer holds both candidates) does not turn it around.
RISING = ("slot_before", "slot_after", "slot_share", "keywords_near", "keyword_chars_near", "keywords_clause")
FALLING = ("keyword_gap",)


def fit_ranker(split: SpanSet) -> list[lightgbm.Booster]:
    features, grades, sizes = trainable(split)
    monotone = [1 if name in RISING else -1 if name in FALLING else 0 for name in SPAN_FEATURES]
    params = {"n_estimators": 100, "learning_rate": 0.1, "num_leaves": 15, "min_child_samples": 20,
              "subsample": 0.8, "subsample_freq": 1, "colsample_bytree": 0.8, "monotone_constraints": monotone}
    return seeded_fits(lightgbm.LGBMRanker, params, features, grades, group=sizes, feature_name=list(SPAN_FEATURES))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--train", nargs="+", required=True)
    parser.add_argument("--tune", nargs="+", required=True)
    parser.add_argument("--report", nargs="*", default=[], help="question files only scored, each on its own")
    parser.add_argument("--out", type=Path, default=ROOT / "qa" / "answer" / "trained")
    args = parser.parse_args()
    train, tune = read_set(args.train), read_set(args.tune)
    reports = [read_set([path]) for path in args.report]
    features, grades, _ = trainable(train)
    linear = fit_linear(features, (grades > 0).astype(int), SPAN_FEATURES)
    ensemble, trees = walked(fit_ranker(train), SPAN_FEATURES, tune.features)
    scorers = {"hand rule": hand_rule, "logistic regression": linear.decision, "LightGBM lambdarank": ensemble.decision}
    table = {name: {split.name: measure(split, score(split.features)) for split in (train, tune, *reports)}
             for name, score in scorers.items()}
    kind = max(("logistic regression", "LightGBM lambdarank"), key=lambda name: table[name][tune.name]["right"])
    stored = {"model": trees if kind == "LightGBM lambdarank" else linear.to_dict(),
              "about": {"kind": kind, "train": args.train, "tune": args.tune, "measured": table}}
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / SPAN_FILE).write_text(json.dumps(stored, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"written: {kind} → {args.out / SPAN_FILE}")
    print("| scorer | set | questions (2+ candidates) | first right | first exact | best possible |")
    print("|---|---|---:|---:|---:|---:|")
    for name, by_set in table.items():
        for set_name, row in by_set.items():
            print(f"| {name} | {set_name} | {row['questions']} | {row['right']:.3f} | {row['exact']:.3f} "
                  f"| {row['best possible']:.3f} |")


if __name__ == "__main__":
    main()
