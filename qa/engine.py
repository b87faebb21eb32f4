"""The question-answering front door shared by the CLI, the REST API and the web UI."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from qa import answer as extract
from qa.conversation import contextualize
from qa.crosslingual import pinyin_names
from qa.dedup import distinct
from qa.errors import QAError
from qa.examples import MAX_EXAMPLES, ExampleCache
from qa.index import RETRIEVERS, AddReport, Hit, NewsIndex, Snapshot
from qa.question import analyze

MAX_QUESTION_CHARS = 2000
MAX_K = 50


def check_question(question: object) -> str:
    if not isinstance(question, str):
        raise QAError("question must be a string")
    question = question.strip()
    if not question:
        raise QAError("question is empty")
    if len(question) > MAX_QUESTION_CHARS:
        raise QAError(f"question is longer than {MAX_QUESTION_CHARS} characters")
    return question


class QA:
    def __init__(self, index: NewsIndex) -> None:
        self.index = index
        self._examples = ExampleCache()

    @classmethod
    def open(cls, data_dir: str | os.PathLike | None = None, model: str | None = None,
             create: bool = False) -> QA:
        return cls(NewsIndex.open(data_dir, model=model, create=create))

    def add_paths(self, paths: Iterable[Path], progress: bool = False) -> tuple[AddReport, list[str]]:
        """Index files and folders; returns what was indexed and one error line per bad file."""
        articles, sources, errors = [], {}, []
        for path in paths:
            from qa.ingest import load_path

            loaded = load_path(Path(path))
            articles.extend(loaded.articles)
            sources.update(loaded.sources)
            errors.extend(loaded.errors)
        return self.index.add(articles, sources, progress=progress), errors

    def ask(self, question: str, history: list[dict[str, str]] | None = None, k: int = 5,
            retriever: str = "hybrid") -> dict:
        """The answer object for ``question``, reading it in the context of ``history``."""
        question = check_question(question)
        if not 1 <= k <= MAX_K:
            raise QAError(f"k must be between 1 and {MAX_K}")
        if retriever not in RETRIEVERS:
            raise QAError(f"retriever must be one of {', '.join(RETRIEVERS)}")
        turn = contextualize(question, history)
        analysis = analyze(turn.question)
        snapshot = self.index.snapshot
        retrieval_query, context_terms = turn.retrieval_query, turn.context_terms
        if analysis.english:
            names = tuple(pinyin_names(turn.question, snapshot))
            retrieval_query, context_terms = " ".join((retrieval_query, *names)), context_terms + names
        query_vector = self.index.encoder.encode_query(retrieval_query)
        hits = self.index.search(retrieval_query, max(k, extract.CANDIDATE_PASSAGES), retriever,
                                 query_vector=query_vector, snapshot=snapshot)
        passages = [passage(snapshot, hits[i]) for i in distinct([hit.chunk.text for hit in hits])[:k]]
        scored = extract.score_sentences(analysis, hits, snapshot, query_vector, context_terms)
        calibration = extract.CALIBRATIONS.get(self.index.model_name, extract.UNCALIBRATED)
        chosen = extract.select(analysis, scored, snapshot, calibration)
        if not chosen:
            confidence = extract.confidence(analysis, scored[0]) if scored else 0.0
            return _answer_object(question, extract.NO_ANSWER, False, confidence, None, [], passages)
        chosen_rows = {item.row for item in chosen}
        citations = [citation(snapshot, *extract.quote_rows(snapshot, item.row, chosen_rows - {item.row}), n)
                     for n, item in enumerate(chosen, start=1)]
        text = "".join(f"{item['quote']}[{item['n']}]" for item in citations)
        return _answer_object(question, text, True, extract.confidence(analysis, chosen[0]),
                              extract.span_for(analysis, snapshot, chosen[0]), citations, passages)

    def search(self, query: str, k: int = 10, retriever: str = "hybrid") -> list[dict]:
        query = check_question(query)
        if not 1 <= k <= MAX_K:
            raise QAError(f"k must be between 1 and {MAX_K}")
        snapshot = self.index.snapshot
        # Fetched with room to spare, so that k remain once near-duplicates are dropped.
        hits = self.index.search(query, min(2 * k, MAX_K), retriever, snapshot=snapshot)
        return [passage(snapshot, hits[i]) for i in distinct([hit.chunk.text for hit in hits])[:k]]

    def document(self, doc_id: str) -> dict | None:
        return self.index.document(doc_id)

    def stats(self) -> dict:
        return self.index.stats()

    def examples(self, n: int = 4) -> list[str]:
        """Up to ``n`` questions from different articles that this engine answers with a citation."""
        if not 1 <= n <= MAX_EXAMPLES:
            raise QAError(f"n must be between 1 and {MAX_EXAMPLES}")
        return self._examples.get(self, n)


def passage(snapshot: Snapshot, hit: Hit) -> dict:
    document = snapshot.documents[hit.chunk.doc_id]
    first = snapshot.sentences[hit.chunk.first_row]
    last = snapshot.sentences[hit.chunk.last_row]
    return {"doc_id": document.doc_id, "title": document.title, "source": document.source,
            "text": hit.chunk.text, "score": round(hit.score, 6), "start": first.source_start,
            "end": last.source_end}


def citation(snapshot: Snapshot, first_row: int, last_row: int, n: int) -> dict:
    """The quote of sentence rows ``first_row``..``last_row`` (adjacent in the source, one paragraph)."""
    first, last = snapshot.sentences[first_row], snapshot.sentences[last_row]
    document = snapshot.documents[first.doc_id]
    quote = "".join(snapshot.sentences[row].text for row in range(first_row, last_row + 1))
    return {"n": n, "doc_id": document.doc_id, "title": document.title, "date": document.date,
            "source": document.source, "paragraph": first.paragraph, "quote": quote,
            "start": first.source_start, "end": last.source_end}


def _answer_object(question: str, text: str, answerable: bool, confidence: float, span: str | None,
                   citations: list[dict], passages: list[dict]) -> dict:
    return {"question": question, "answer": text, "answerable": answerable,
            "confidence": round(confidence, 4), "span": span, "citations": citations, "passages": passages}
