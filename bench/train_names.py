"""Find the common words jieba's dictionary tags as a person's name, and write them to
qa/answer/trained/not_names.txt, which person candidates leave out.

Usage: python bench/train_names.py --questions bench/out/answer/cmrc_train/questions.jsonl [--out qa/answer/trained]

jieba's dictionary tags 79,000 words as names (nr, nrt, nrfg), and many are not: 祝福, 弘扬, 温馨, 文明 and 惠民
stand in news every day, and each is a person candidate that lets a sentence answer 哪位书法家 or 讲解员叫什么名字.
What a word means is what the bundled model knows: a logistic regression on its query vectors, fitted on the
person names that answer CMRC train's person questions (2 to 4 Han characters, or a transliterated name with ·)
against a seeded sample of the dictionary's common words (verbs, adjectives, nouns, idioms, places and
bodies, freq >= MIN_FREQ), reads every name-tagged word of the dictionary. A word under the threshold is
written out. The threshold is where NAME_RECALL of the training names score above it, each scored by a model
fitted without it (5 folds). A name jieba finds by its HMM is no dictionary word and stays a candidate.

Vectors are kept in bench/out/names/vectors.npz, so a second run embeds nothing (a cold one: about 10
minutes). Run twice, it writes the same file.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from pathlib import Path

import numpy as np
from common import OUT, ROOT, kept_query_vectors
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_predict

sys.path.insert(0, str(ROOT))

from qa.answer.question import analyze  # noqa: E402
from qa.answer.spans import NAME_FLAGS, NOT_NAMES_FILE  # noqa: E402
from qa.text.tagging import tagger_dictionary  # noqa: E402

SEED = 0
NEGATIVES = 4000
MIN_FREQ = 20
# Common words: the dictionary's flags for verbs, adjectives, adverbs, nouns, idioms, places and bodies.
COMMON_FLAGS = ("v", "vn", "a", "ad", "an", "d", "n", "i", "l", "nz", "s", "ns", "nt")
NAME_RECALL = 0.99
REGULARISATION = 0.3
CACHE = OUT / "names" / "vectors.npz"
_HAN = re.compile(r"[\u4e00-\u9fff]+")


def answer_names(questions: Path) -> list[str]:
    """The person names that answer the set's person questions."""
    names = set()
    for line in questions.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        if not row.get("answers") or analyze(row["question"]).answer_type != "person":
            continue
        answer = row["answers"][0]
        if (_HAN.fullmatch(answer) and 2 <= len(answer) <= 4) or ("·" in answer and len(answer) <= 12):
            names.add(answer)
    return sorted(names)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=Path, required=True, help="the training split's question file")
    parser.add_argument("--out", type=Path, default=NOT_NAMES_FILE.parent)
    args = parser.parse_args()

    dictionary = tagger_dictionary()
    names = answer_names(args.questions)
    common = sorted(word for word, (freq, flag) in dictionary.items()
                    if flag in COMMON_FLAGS and freq >= MIN_FREQ and _HAN.fullmatch(word) and 2 <= len(word) <= 4)
    negatives = random.Random(SEED).sample(common, NEGATIVES)
    rows = kept_query_vectors(names + negatives, CACHE, "embedding words")
    labels = np.array([1] * len(names) + [0] * len(negatives))
    model = LogisticRegression(C=REGULARISATION, class_weight="balanced", max_iter=3000)
    held_out = cross_val_predict(model, rows, labels, method="predict_proba",
                                 cv=StratifiedKFold(5, shuffle=True, random_state=SEED))[:, 1]
    threshold = float(np.quantile(held_out[labels == 1], 1 - NAME_RECALL))
    model.fit(rows, labels)
    tagged_names = sorted(word for word, (_, flag) in dictionary.items() if flag in NAME_FLAGS)
    scores = model.predict_proba(kept_query_vectors(tagged_names, CACHE, "embedding words"))[:, 1]
    not_names = [word for word, score in zip(tagged_names, scores, strict=True) if score < threshold]
    out = args.out / NOT_NAMES_FILE.name
    out.write_text("".join(f"{word}\n" for word in not_names), encoding="utf-8")
    common_held_out = float((held_out[labels == 0] < threshold).mean())
    print(json.dumps({"names": len(names), "common words": len(negatives), "threshold": round(threshold, 4),
                      "common words under it (held out)": round(common_held_out, 4),
                      "name-tagged words": len(tagged_names), "written": len(not_names), "out": str(out)},
                     ensure_ascii=False))


if __name__ == "__main__":
    main()
