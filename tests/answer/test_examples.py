"""Example questions from the indexed corpus: answered by the engine itself, deterministic, cached per snapshot."""

from __future__ import annotations

import time

import pytest

from qa.answer.examples import MAX_EXAMPLES
from qa.engine import QA
from qa.errors import QAError

STATION = ("大连市总工会推出职工服务新举措\n\n"
           "大连市总工会今年新建职工驿站120个，为户外劳动者提供饮水、休息和充电服务。\n")


def test_every_example_is_a_question_the_service_answers_with_a_citation(client):
    examples = client.get("/api/examples").get_json()["examples"]
    assert len(examples) == 4
    cited = set()
    for question in examples:
        assert question.endswith("？") and len(question) <= 29, question
        answer = client.post("/api/ask", json={"question": question}).get_json()
        assert answer["answerable"] is True and answer["citations"], question
        cited.add(answer["citations"][0]["doc_id"])
    assert len(cited) == len(examples), "each example comes from a different article"


def test_examples_take_turns_across_sources_and_kinds_of_question(client, seed_qa):
    examples = client.get(f"/api/examples?n={MAX_EXAMPLES}").get_json()["examples"]
    assert len(examples) == MAX_EXAMPLES
    answers = [seed_qa.ask(question) for question in examples]
    assert len({answer.citations[0].doc_id for answer in answers}) == MAX_EXAMPLES
    assert len({answer.citations[0].source for answer in answers}) == 5, "every seed issue has its turn"
    first = examples[:4]
    assert any("多少" in question for question in first) and any("谁" in question for question in first)


def test_n_takes_the_first_n_of_the_same_list(client):
    longest = client.get(f"/api/examples?n={MAX_EXAMPLES}").get_json()["examples"]
    for n in (1, 3, 4):
        assert client.get(f"/api/examples?n={n}").get_json()["examples"] == longest[:n]


def test_examples_are_deterministic_for_an_index_state(seed_qa):
    # A second engine over the same index has its own cache, so it generates the list again.
    assert QA(seed_qa.index).examples(MAX_EXAMPLES) == seed_qa.examples(MAX_EXAMPLES)


@pytest.mark.parametrize("query", ["n=0", f"n={MAX_EXAMPLES + 1}", "n=-1", "n=four", "n=2.5", "n="])
def test_bad_n_is_a_json_400(client, query):
    response = client.get(f"/api/examples?{query}")
    assert response.status_code == 400 and response.is_json
    assert response.get_json()["error"]["code"] in ("invalid_type", "invalid_value")


def test_engine_refuses_n_out_of_range(seed_qa):
    for n in (0, MAX_EXAMPLES + 1):
        with pytest.raises(QAError):
            seed_qa.examples(n)


def test_examples_follow_the_documents_and_are_cached_between_writes(tmp_path):
    qa = QA.open(tmp_path / "index", create=True)
    assert qa.examples() == []
    article = tmp_path / "station.txt"
    article.write_text(STATION, encoding="utf-8")
    report, errors = qa.add_paths([article])
    assert not errors
    assert qa.examples() == ["大连市总工会今年新建职工驿站多少个？"]
    started = time.perf_counter()
    assert qa.examples() == ["大连市总工会今年新建职工驿站多少个？"]
    assert time.perf_counter() - started < 0.1, "a second call reads the cache instead of asking again"
    qa.index.delete(report.doc_ids)
    assert qa.examples() == []
