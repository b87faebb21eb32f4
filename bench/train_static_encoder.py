"""Distil the bundled model's query side into a static encoder (issue 14): a tokenizer trained here and
one vector per token, whose mean reproduces the model's query vector, written to embeddings/static/.

Usage: make static-encoder, or python bench/train_static_encoder.py [--vocab 8192] [--sentences 6000] [--epochs 30]

Trains on CMRC 2018 train only (its questions, and sentences of its paragraphs asked as queries, which
widen the vocabulary the questions alone would reach): the seed questions, CMRC trial and DRCD stay
unseen, so the quality measured on them (bench/bench_query_encoders.py) is a result. The teacher's
query vectors are kept in bench/out/static/teacher.npz, keyed by text, so a re-run embeds nothing twice.

- Tokenizer: byte-pair merges (HuggingFace ``tokenizers``) learnt from the training texts in simplified
  script (``model_form``, as questions are read at query time), NFKC-normalised and split at punctuation
  and digit runs, ``--vocab`` pieces (characters, then the words merged from them).
- Vectors: a mean-pooled bag of the pieces (torch ``EmbeddingBag``), fitted by Adam to the teacher's
  normalised query vectors with a cosine loss; written int8 with a scale per row (a quarter of float32).
Held-out figure printed at the end: the mean cosine to the teacher on CMRC trial's questions.
"""

from __future__ import annotations

import argparse
import json
import random
import re
from pathlib import Path

import numpy as np
import torch
from common import OUT, ROOT, kept_query_vectors
from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, trainers
from tqdm import tqdm

from embeddings.cache import model_form
from embeddings.static import STATIC_DIR, StaticQueryEncoder, quantized

CMRC = ROOT / "bench" / "data" / "cmrc2018"
TEACHER = OUT / "static" / "teacher.npz"
SENTENCE_END = re.compile(r"(?<=[。！？；])")
SEED = 13


def cmrc_texts(split: str, sentences: int) -> tuple[list[str], list[str]]:
    """The questions of a CMRC split, and up to ``sentences`` sentences of its paragraphs (evenly drawn)."""
    data = json.loads((CMRC / f"cmrc2018_{split}.json").read_text(encoding="utf-8"))["data"]
    questions, found = [], []
    for article in data:
        for paragraph in article["paragraphs"]:
            questions += [qa["question"].strip() for qa in paragraph["qas"]]
            found += [part.strip() for part in SENTENCE_END.split(paragraph["context"]) if len(part.strip()) > 4]
    found = sorted(set(found))
    random.Random(SEED).shuffle(found)
    return list(dict.fromkeys(questions)), found[:sentences]


def train_tokenizer(texts: list[str], vocab: int) -> Tokenizer:
    # BPE, not Unigram: tokenizers' Unigram trainer gives another vocabulary on every run, BPE the same one.
    tokenizer = Tokenizer(models.BPE(unk_token="<unk>"))
    tokenizer.normalizer = normalizers.Sequence([normalizers.NFKC(), normalizers.Lowercase()])
    tokenizer.pre_tokenizer = pre_tokenizers.Sequence([pre_tokenizers.WhitespaceSplit(),
                                                       pre_tokenizers.Punctuation(),
                                                       pre_tokenizers.Digits(individual_digits=False)])
    tokenizer.train_from_iterator(texts, trainers.BpeTrainer(vocab_size=vocab, special_tokens=["<unk>"],
                                                             show_progress=False))
    return tokenizer


def fit_vectors(tokenizer: Tokenizer, texts: list[str], targets: np.ndarray, epochs: int) -> np.ndarray:
    torch.manual_seed(SEED)
    # One thread: the gradient sums then come in one order, and a re-run writes the same file.
    torch.set_num_threads(1)
    ids = [encoding.ids for encoding in tokenizer.encode_batch(texts)]
    bag = torch.nn.EmbeddingBag(tokenizer.get_vocab_size(), targets.shape[1], mode="mean")
    torch.nn.init.normal_(bag.weight, std=0.05)
    optimizer = torch.optim.Adam(bag.parameters(), lr=0.02)
    goal = torch.from_numpy(targets)
    order = list(range(len(texts)))
    for _ in tqdm(range(epochs), desc="fitting token vectors", unit="epoch"):
        random.Random(SEED + _).shuffle(order)
        for start in range(0, len(order), 256):
            rows = order[start:start + 256]
            flat = torch.tensor([token for row in rows for token in ids[row]], dtype=torch.long)
            offsets = torch.tensor(np.cumsum([0] + [len(ids[row]) for row in rows[:-1]]), dtype=torch.long)
            predicted = torch.nn.functional.normalize(bag(flat, offsets), dim=1)
            loss = (1 - (predicted * goal[rows]).sum(dim=1)).mean()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    return bag.weight.detach().numpy()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vocab", type=int, default=8192)
    parser.add_argument("--sentences", type=int, default=6000)
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--out", type=Path, default=STATIC_DIR)
    args = parser.parse_args()
    questions, sentences = cmrc_texts("train", args.sentences)
    texts = questions + sentences
    targets = kept_query_vectors(texts, TEACHER, "teacher query vectors")
    read = [model_form(text) for text in texts]
    tokenizer = train_tokenizer(read, args.vocab)
    vectors = fit_vectors(tokenizer, read, targets, args.epochs)
    args.out.mkdir(parents=True, exist_ok=True)
    tokenizer.save(str(args.out / "tokenizer.json"))
    codes, scales = quantized(vectors)
    np.savez_compressed(args.out / "vectors.npz", codes=codes, scales=scales)
    held_out, _ = cmrc_texts("trial", 0)
    encoder = StaticQueryEncoder.load(args.out)
    teacher = kept_query_vectors(held_out, TEACHER, "teacher query vectors")
    cosine = (np.stack([encoder.encode_query(text) for text in held_out]) * teacher).sum(axis=1)
    print(f"trained on {len(questions)} questions and {len(sentences)} sentences, vocabulary "
          f"{tokenizer.get_vocab_size()}; CMRC trial questions (held out): mean cosine to the model "
          f"{cosine.mean():.3f}, median {np.median(cosine):.3f}")


if __name__ == "__main__":
    main()
