"""Candidate features of a question set over an index, as the answer models are trained and measured on.

Each question is read as `QA.ask` reads it (understand, embed, search, describe) and every candidate unit is
labelled: it holds a gold answer and comes from the gold source file. Follow-ups are left out: read without
the answers given before them, they would teach the models questions that have lost their subject. Query
vectors are cached beside the output (keyed by what the encoder reads of the text searched), so changing a
feature costs no forward pass; --vectors names another set's cache where the questions are its own (the off-topic
questions are CMRC train's), so that each question is embedded once.

Usage: python bench/answer_data.py --data-dir DIR --questions FILE [FILE ...] --out FILE.npz [--query-encoder static]
       [--vectors FILE.queries.npz]
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
from tqdm import tqdm

from embeddings.cache import model_form
from qa.answer import reader
from qa.answer.features import FEATURES, describe, unit_text
from qa.cli.evaluate import Item, contains_gold, load_items
from qa.engine import QA
from qa.index import NewsIndex
from qa.settings import QUERY_ENCODERS


def question_set(paths: list[Path]) -> list[Item]:
    return [item for path in paths for item in load_items(path) if not item.history and item.question.strip()]


class VectorCache:
    """Query vectors by what the encoders read of the text searched (``model_form``: 凉茶舖 and 凉茶铺 are one
    question to them), in one .npz file. A vector stored under a text the encoders do not read as it stands
    was made before they read simplified script, and is dropped."""

    def __init__(self, path: Path, encode: Callable[[str], np.ndarray]) -> None:
        self.path = path
        self.encode = encode
        self.vectors: dict[str, np.ndarray] = {}
        self.changed = False
        if path.exists():
            with np.load(path) as stored:
                stored_vectors = dict(zip(json.loads(str(stored["texts"])), stored["vectors"], strict=True))
            self.vectors = {text: vector for text, vector in stored_vectors.items() if model_form(text) == text}
            self.changed = len(self.vectors) < len(stored_vectors)

    def get(self, text: str) -> np.ndarray:
        read = model_form(text)
        if read not in self.vectors:
            self.vectors[read] = self.encode(text)
            self.changed = True
        return self.vectors[read]

    def save(self) -> None:
        if self.changed:
            texts = list(self.vectors)
            np.savez(self.path, texts=json.dumps(texts, ensure_ascii=False),
                     vectors=np.stack([self.vectors[text] for text in texts]))


def build(index: NewsIndex, items: list[Item], vectors: VectorCache) -> dict[str, np.ndarray]:
    """Stacked candidate features with labels, and per question: its slice, whether it is answerable."""
    snapshot = index.snapshot
    blocks, labels, starts, answerable, ids = [], [], [0], [], []
    for item in tqdm(items, desc="questions", unit="q"):
        query = reader.understand(item.question, None, snapshot)
        vector = vectors.get(query.retrieval_query)
        hits = index.search(query.retrieval_query, reader.CANDIDATE_PASSAGES, "hybrid",
                               query_vector=vector, snapshot=snapshot)
        candidates = describe(query.question, hits, snapshot, vector, query.name_terms, query.context_terms)
        gold = item.answers if item.answerable else []
        labels += [float(bool(gold)
                         and snapshot.documents[snapshot.sentences[unit.first].doc_id].source == item.source_file
                         and contains_gold(unit_text(snapshot, unit), gold))
                   for unit in candidates.units]
        blocks.append(candidates.matrix)
        starts.append(starts[-1] + len(candidates))
        answerable.append(item.answerable)
        ids.append(item.id)
    return {"features": np.concatenate(blocks).astype(np.float32), "labels": np.asarray(labels, np.float32),
            "starts": np.asarray(starts, np.int64), "answerable": np.asarray(answerable, bool),
            "ids": np.asarray(ids), "names": np.asarray(FEATURES)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", type=Path, required=True, help="an index built with `qa index`")
    parser.add_argument("--questions", type=Path, nargs="+", required=True, help="qa eval question files")
    parser.add_argument("--out", type=Path, required=True, help="the .npz to write")
    parser.add_argument("--query-encoder", choices=QUERY_ENCODERS, default="model",
                        help="what makes the query vectors: the bundled model or the static encoder")
    parser.add_argument("--vectors", type=Path, help="the query vector cache (default: beside --out)")
    args = parser.parse_args()
    index = NewsIndex.open(args.data_dir)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    encode = QA(index, query_encoder=args.query_encoder).encode_query
    vectors = VectorCache(args.vectors or args.out.with_suffix(".queries.npz"), encode)
    try:
        data = build(index, question_set(args.questions), vectors) | {"query_encoder": np.asarray(args.query_encoder)}
    finally:
        vectors.save()
    np.savez_compressed(args.out, **data)
    questions = len(data["starts"]) - 1
    print(f"{questions} questions, {len(data['labels'])} candidates, "
          f"{int(data['answerable'].sum())} answerable, "
          f"{int(sum(data['labels'][a:b].any() for a, b in zip(data['starts'][:-1], data['starts'][1:], strict=True)))}"
          " with a gold candidate")


if __name__ == "__main__":
    main()
