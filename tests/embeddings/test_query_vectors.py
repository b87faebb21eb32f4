"""The query-vector cache: a question asked again (in any width, case or script) costs no forward pass
of the model and gets the same answer; the cache holds a bounded number of questions.

The model is the real bundled one; the test only counts the calls that reach it.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from embeddings.cache import QueryVectors
from qa.engine import QA
from qa.index import NewsIndex
from tests.builders import DIDI, NO_ANSWER, XINJIANG


class CountingModel:
    """The real model, counting the query forward passes that reach it."""

    def __init__(self, model: object) -> None:
        self.model = model
        self.query_passes = 0

    def encode_query(self, sentences: str | Sequence[str], show_progress_bar: bool | None = None) -> np.ndarray:
        self.query_passes += 1
        return self.model.encode_query(sentences, show_progress_bar=show_progress_bar)

    def __getattr__(self, name: str) -> object:
        return getattr(self.model, name)


def counted(seed_qa: QA, query_cache: int | None = None) -> tuple[QA, CountingModel]:
    """An engine of its own (so its own cache) over the seed index, with its model's passes counted."""
    index = NewsIndex.open(seed_qa.index.directory)
    model = index.encoder.model = CountingModel(index.encoder.model)
    return QA(index, query_cache=query_cache), model


def test_a_repeated_question_costs_no_second_forward_pass_and_gets_the_same_answer(seed_qa):
    qa, model = counted(seed_qa)
    first = qa.ask(XINJIANG).to_dict()
    assert model.query_passes == 1
    again = qa.ask(XINJIANG).to_dict()
    assert model.query_passes == 1
    assert again == first and first["answerable"]
    # The same question written with a half-width mark, in traditional script or with its spaces
    # around: the same normalised text, the same vector.
    for variant in ("新疆今年新增了多少工会会员?", "新疆今年新增了多少工會會員？", f"  {XINJIANG} "):
        qa.ask(variant)
    assert model.query_passes == 1
    # A search for the question's text reads the same vector; a new question needs its own pass.
    assert qa.search(XINJIANG)
    assert model.query_passes == 1
    qa.ask(DIDI)
    assert model.query_passes == 2


def test_the_cache_holds_at_most_its_size_least_recently_used_out_first(seed_qa):
    qa, model = counted(seed_qa, query_cache=2)
    for question in (XINJIANG, DIDI, NO_ANSWER):
        qa.ask(question)
    assert model.query_passes == 3
    qa.ask(NO_ANSWER)
    qa.ask(DIDI)
    assert model.query_passes == 3
    qa.ask(XINJIANG)  # the least recently used: gone when the third question came in
    assert model.query_passes == 4


def test_a_cache_of_size_zero_runs_the_model_every_time(seed_qa):
    qa, model = counted(seed_qa, query_cache=0)
    qa.ask(XINJIANG)
    qa.ask(XINJIANG)
    assert model.query_passes == 2


def test_threads_asking_the_same_questions_get_the_answers_a_single_thread_gets(seed_qa):
    questions = [XINJIANG, DIDI, NO_ANSWER] * 8
    expected = {question: seed_qa.ask(question).to_dict() for question in set(questions)}
    qa, model = counted(seed_qa)
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(lambda question: qa.ask(question).to_dict(), questions))
    assert answers == [expected[question] for question in questions]
    passes = model.query_passes
    assert 3 <= passes <= len(questions)
    qa.ask(DIDI)
    assert model.query_passes == passes


def test_cached_vectors_are_read_only_so_no_caller_changes_anothers():
    cache = QueryVectors(lambda text: np.ones(4, np.float32), str.lower, 8)
    vector = cache("Q")
    assert cache("q") is vector
    with pytest.raises(ValueError):
        vector[0] = 2.0
