"""Which BM25 a Milvus backend should use, by measurement (issue 13): Milvus's BM25 function over the
chunk text with its jieba analyzer, or the same function over this project's own tokens (space-joined,
split back by the standard analyzer), against the in-process BM25 the local backend serves.

For each answerable question: is a chunk of its source article, holding its first answer, ranked first
among the BM25 candidates, or among the first five. No embedding is needed, so it runs in about a minute.

    .venv/bin/python bench/milvus_bm25.py [--sets seeds cmrc_sample]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from pymilvus import DataType, Function, FunctionType, MilvusClient

from bench.common import DEV_SET, ROOT, SEEDS, table
from qa.index.bm25 import Bm25Index
from qa.index.chunking import article_sentences, chunk_sentences
from qa.index.fusion import top_rows
from qa.index.prepare import passage_text
from qa.ingest import load_path
from qa.text.tokens import tokenize

CMRC_SAMPLE = ROOT / "bench" / "data" / "cmrc_train_sample"
SETS = {"seeds": (SEEDS, DEV_SET), "cmrc_sample": (CMRC_SAMPLE / "corpus", CMRC_SAMPLE / "questions.jsonl")}
CUTOFF = 5
# Milvus's analyzers, as the same client spells them for milvus-lite and a Milvus server.
ANALYZERS = {"milvus jieba on text": {"tokenizer": "jieba"}, "milvus on own tokens": {"tokenizer": "standard"}}


def chunks_of(corpus: Path) -> list[tuple[str, str]]:
    """(source, passage text) of every chunk, as the index embeds and BM25-indexes them."""
    found = []
    for article in load_path(corpus).articles:
        for chunk in chunk_sentences(article_sentences(article)):
            found.append((article.source, passage_text(article.title, chunk.text)))
    return found


def milvus_ranking(client: MilvusClient, name: str, analyzer: dict, passages: list[str], own_tokens: bool):
    schema = client.create_schema(auto_id=False)
    schema.add_field("row", DataType.INT64, is_primary=True)
    schema.add_field("terms", DataType.VARCHAR, max_length=65535, enable_analyzer=True, analyzer_params=analyzer)
    schema.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
    schema.add_function(Function(name="bm25", function_type=FunctionType.BM25, input_field_names=["terms"],
                                 output_field_names=["sparse"]))
    index = client.prepare_index_params()
    index.add_index("sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25")
    client.create_collection(name, schema=schema, index_params=index)
    terms = [" ".join(tokenize(text)) if own_tokens else text for text in passages]
    client.insert(name, [{"row": row, "terms": text} for row, text in enumerate(terms)])

    def rank(question: str) -> list[int]:
        query = " ".join(tokenize(question)) if own_tokens else question
        hits = client.search(name, data=[query], anns_field="sparse", limit=CUTOFF,
                             search_params={"metric_type": "BM25"})[0]
        return [hit["row"] for hit in hits]

    return rank


def measure(corpus: Path, questions_file: Path, folder: Path, set_name: str) -> list[list[object]]:
    chunks = chunks_of(corpus)
    questions = [json.loads(line) for line in questions_file.read_text(encoding="utf-8").splitlines() if line]
    questions = [q for q in questions if q.get("answers")]
    local = Bm25Index([tokenize(text) for _, text in chunks])
    rankers = {"in-process BM25 (local backend)": lambda q: top_rows(local.scores(tokenize(q)), CUTOFF).tolist()}
    client = MilvusClient(str(folder / f"{set_name}.db"))
    for number, (label, analyzer) in enumerate(ANALYZERS.items()):
        rankers[label] = milvus_ranking(client, f"c{number}", analyzer, [text for _, text in chunks],
                                        own_tokens="own" in label)
    rows = []
    for label, rank in rankers.items():
        first = within = 0
        started = time.perf_counter()
        for question in questions:
            ranked = rank(question["question"])
            right = [row for row in ranked if chunks[row][0] == question["source_file"]
                     and question["answers"][0] in chunks[row][1]]
            first += bool(ranked) and ranked[0] in right
            within += bool(right)
        per_query = (time.perf_counter() - started) / len(questions) * 1000
        rows.append([set_name, label, len(questions), f"{first / len(questions):.3f}",
                     f"{within / len(questions):.3f}", f"{per_query:.1f}"])
    client.close()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", nargs="+", choices=sorted(SETS), default=sorted(SETS))
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for name in args.sets:
            rows += measure(*SETS[name], Path(folder), name)
    print(table(["set", "BM25", "questions", "answer chunk first", f"answer chunk in top {CUTOFF}", "ms/query"],
                rows))


if __name__ == "__main__":
    main()
