"""The question-answering front door shared by the CLI, the REST API and the web UI.

:class:`QA` asks (conversation, analysis, retrieval, reading), searches, and changes and lists the
archive; no front end reaches past it to the index or the reader.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Iterable, MutableMapping
from pathlib import Path

from embeddings.cache import QueryVectors
from embeddings.static import static_encoder, word_vectors
from qa import limits
from qa.answer import reader, span_choice
from qa.answer.crosslingual import pinyin_names
from qa.answer.examples import ExampleCache
from qa.answer.models import AnswerModels, bundled
from qa.answer.result import Answer, Passage
from qa.answer.selection import calibration_for
from qa.index import AddReport, DocumentInfo, NewsIndex, StoredDocument
from qa.index.ray_ingest import RaySettings, ingest
from qa.ingest import LoadReport, load_path
from qa.settings import Settings
from qa.text.normalize import normalize
from qa.text.tagging import tag

__all__ = ["QA", "RaySettings"]


class QA:
    def __init__(self, index: NewsIndex, query_cache: int | None = None, query_encoder: str | None = None) -> None:
        """``query_cache``: how many query vectors to keep (None: the settings; 0: none); ``query_encoder``:
        "model" or "static" (None: the settings)."""
        self.index = index
        self.calibration = calibration_for(index.model_name)
        settings = Settings.from_env()
        size = settings.query_cache if query_cache is None else query_cache
        self.query_encoder = query_encoder or settings.query_encoder
        # The query vector of a text, uncached: the bundled model's forward pass or the static encoder.
        self.encode_query = (index.encoder.encode_query if self.query_encoder == "model"
                             else static_encoder(index.model_name).encode_query)
        # Popular questions and the examples are asked again and again: their vector is made once.
        self.query_vector = QueryVectors(self.encode_query, normalize, size)
        self._examples = ExampleCache(self.ask)

    @functools.cached_property
    def models(self) -> AnswerModels:
        """The ranker and verifier trained on this engine's query vectors, read on first use (indexing needs
        neither)."""
        return bundled(self.query_encoder)

    def warm(self) -> None:
        """Read the answer and span models, the word vectors and the tagger's dictionary, spell the corpus's
        words in pinyin and run the query encoder once, now, so that the first question, Chinese or English,
        waits for none of them (it took 115 ms against 31 for the next)."""
        _ = self.models
        span_choice.bundled()
        word_vectors()
        tag("预热")
        pinyin_names("", self.index.snapshot)
        self.encode_query("预热")

    @classmethod
    def open(cls, data_dir: str | Path | None = None, model: str | None = None, create: bool = False) -> QA:
        """The engine over the index in ``data_dir`` (default: from the settings)."""
        settings = Settings.from_env(data_dir, model)
        return cls(NewsIndex.open(settings.data_dir, model=settings.model, create=create))

    # -- reads --------------------------------------------------------------------------------

    def ask(self, question: object, history: list[dict[str, str]] | None = None, k: object = 5,
            retriever: object = "hybrid", timings: MutableMapping[str, float] | None = None) -> Answer:
        """The answer to ``question``, read in the context of ``history``. ``timings``, when given,
        receives the milliseconds each stage took: "understand", "encode" (the query vector: the
        model's forward pass, unless cached), "search" and "read" (ranking, verifying, quoting)."""
        asked, k, retriever = _checked(question, "question", k, retriever)
        clock = _StageClock(timings)
        snapshot = self.index.snapshot
        query = reader.understand(asked, history, snapshot)
        clock.lap("understand")
        query_vector = self.query_vector(query.retrieval_query)
        clock.lap("encode")
        hits = self.index.search(query.retrieval_query, max(k, reader.CANDIDATE_PASSAGES), retriever,
                                 query_vector=query_vector, snapshot=snapshot)
        clock.lap("search")
        answer = reader.read(query, hits, snapshot, query_vector, k, self.models, self.calibration)
        clock.lap("read")
        return answer

    def search(self, query: object, k: object = 10, retriever: object = "hybrid") -> list[Passage]:
        query, k, retriever = _checked(query, "q", k, retriever)
        snapshot = self.index.snapshot
        # Fetched with room to spare, so that k remain once near-duplicates are dropped.
        hits = self.index.search(query, min(2 * k, limits.MAX_K), retriever, query_vector=self.query_vector(query),
                                 snapshot=snapshot)
        return reader.passages(snapshot, hits, k)

    def document(self, doc_id: str) -> StoredDocument | None:
        return self.index.document(doc_id)

    def documents(self, source: str | None = None) -> list[DocumentInfo]:
        return self.index.documents(source)

    def served(self, doc_ids: list[str]) -> list[DocumentInfo]:
        """The documents among ``doc_ids`` that are served now, in that order."""
        documents = self.index.snapshot.documents
        return [documents[doc_id] for doc_id in doc_ids if doc_id in documents]

    def stats(self) -> dict:
        return self.index.stats()

    def examples(self, n: object = 4) -> tuple[list[str], bool]:
        """Up to ``n`` questions from different articles that this engine answers with a citation, as
        far as they are made, and whether they are made for the documents served now. Never waits:
        they are made in the background (see :meth:`prepare_examples`)."""
        n = limits.integer(n, "n", 1, limits.MAX_EXAMPLES)
        return self._examples.get(self.index.snapshot, n)

    def prepare_examples(self) -> None:
        """Make the examples now, in the background, and again after every write: a server calls this
        at start, so that the first page already has them."""
        self._examples.prepare(self.index.snapshot)

    def refresh(self) -> None:
        """Catch up with writes another process committed (another worker of ``qa serve --workers N``,
        a ``qa add``): a server calls this before each request. Without such a write it is one small read."""
        if self.index.refresh():
            self._examples.refresh(self.index.snapshot)

    # -- writes -------------------------------------------------------------------------------

    def add(self, loaded: LoadReport, progress: bool = False) -> AddReport:
        """Index what was loaded; a source whose text is unchanged is skipped."""
        report = self.index.add(loaded.articles, loaded.sources, progress=progress)
        self._examples.refresh(self.index.snapshot)
        return report

    def add_paths(self, paths: Iterable[Path], progress: bool = False,
                  ray: RaySettings | None = None) -> tuple[AddReport, list[str]]:
        """Index files and folders, in this process or, with ``ray``, on a Ray pipeline; returns what was
        indexed and one error line per bad file."""
        if ray is not None:
            run = ingest(self.index, paths, ray, progress)
            self._examples.refresh(self.index.snapshot)
            return run.report, run.errors
        loaded = LoadReport()
        for path in paths:
            loaded.merge(load_path(Path(path)))
        return self.add(loaded, progress), loaded.errors

    def delete(self, doc_ids: list[str]) -> list[str]:
        """Delete documents by id; returns the ids that were found and deleted."""
        deleted = self.index.delete(doc_ids)
        self._examples.refresh(self.index.snapshot)
        return deleted


class _StageClock:
    """Milliseconds since the last lap, written under a stage's name; nothing when there is nowhere to write."""

    def __init__(self, timings: MutableMapping[str, float] | None) -> None:
        self.timings = timings
        self.last = time.perf_counter()

    def lap(self, stage: str) -> None:
        if self.timings is not None:
            now = time.perf_counter()
            self.timings[stage] = (now - self.last) * 1000
            self.last = now


def _checked(question: object, name: str, k: object, retriever: object) -> tuple[str, int, str]:
    """The question, ``k`` and retriever of an ask or a search, within the limits."""
    return (limits.question(question, name), limits.integer(k, "k", 1, limits.MAX_K),
            limits.choice(retriever, "retriever", limits.RETRIEVERS))
