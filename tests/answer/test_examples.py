"""Example questions from the indexed corpus: answered by the engine itself, deterministic, made per
snapshot in the background and read without waiting."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest

from qa.answer.examples import MAX_EXAMPLES, ExampleCache, _readable, generate
from qa.engine import QA
from qa.errors import QAError

STATION = ("大连市总工会推出职工服务新举措\n\n"
           "大连市总工会今年新建职工驿站120个，为户外劳动者提供饮水、休息和充电服务。\n")

OTHER = ("天津市总工会启动服务月活动\n\n"
         "天津市总工会今年为职工办理实事360件，覆盖全市各区。\n")


def made(examples: Callable[[], tuple[list[str], bool]]) -> list[str]:
    """The examples once they are made for the documents served now (they are made in the background)."""
    deadline = time.monotonic() + 300
    while True:
        questions, ready = examples()
        if ready:
            return questions
        assert time.monotonic() < deadline, "the examples were never made"
        time.sleep(0.05)


def served(client, n: int = 4) -> list[str]:
    def get() -> tuple[list[str], bool]:
        body = client.get(f"/api/examples?n={n}").get_json()
        return body["examples"], body["ready"]

    return made(get)


def test_every_example_is_a_question_the_service_answers_with_a_citation(client):
    examples = served(client)
    assert len(examples) == 4
    cited = set()
    for question in examples:
        assert question.endswith("？") and len(question) <= 29, question
        answer = client.post("/api/ask", json={"question": question}).get_json()
        assert answer["answerable"] is True and answer["citations"], question
        cited.add(answer["citations"][0]["doc_id"])
    assert len(cited) == len(examples), "each example comes from a different article"


def test_examples_take_turns_across_sources_and_kinds_of_question(client, seed_qa):
    examples = served(client, MAX_EXAMPLES)
    assert len(examples) == MAX_EXAMPLES
    answers = [seed_qa.ask(question) for question in examples]
    assert len({answer.citations[0].doc_id for answer in answers}) == MAX_EXAMPLES
    assert len({answer.citations[0].source for answer in answers}) == 5, "every seed issue has its turn"
    first = examples[:4]
    assert any("多少" in question for question in first) and any("谁" in question for question in first)


def test_n_takes_the_first_n_of_the_same_list(client):
    longest = served(client, MAX_EXAMPLES)
    for n in (1, 3, 4):
        assert client.get(f"/api/examples?n={n}").get_json() == {"examples": longest[:n], "ready": True}


def test_examples_are_deterministic_for_an_index_state(seed_qa):
    # A second engine over the same index has its own cache, so it generates the list again.
    other = QA(seed_qa.index)
    assert made(lambda: other.examples(MAX_EXAMPLES)) == made(lambda: seed_qa.examples(MAX_EXAMPLES))


@pytest.mark.parametrize("query", ["n=0", f"n={MAX_EXAMPLES + 1}", "n=-1", "n=four", "n=2.5", "n="])
def test_bad_n_is_a_json_400(client, query):
    response = client.get(f"/api/examples?{query}")
    assert response.status_code == 400 and response.is_json
    assert response.get_json()["error"]["code"] in ("invalid_type", "invalid_value")


def test_engine_refuses_n_out_of_range(seed_qa):
    for n in (0, MAX_EXAMPLES + 1):
        with pytest.raises(QAError):
            seed_qa.examples(n)


def test_examples_follow_the_documents_and_are_made_again_after_each_write(tmp_path):
    qa = QA.open(tmp_path / "index", create=True)
    assert made(qa.examples) == []
    station, other = tmp_path / "station.txt", tmp_path / "other.txt"
    station.write_text(STATION, encoding="utf-8")
    other.write_text(OTHER, encoding="utf-8")
    report, errors = qa.add_paths([station])
    assert not errors
    assert made(qa.examples) == ["大连市总工会今年新建职工驿站多少个？"]
    assert qa.examples() == (["大连市总工会今年新建职工驿站多少个？"], True), "kept until the next write"
    added, errors = qa.add_paths([other])
    assert not errors
    # Until the new list is made, the old one is served: its article is still there.
    questions, ready = qa.examples()
    assert ready or questions == ["大连市总工会今年新建职工驿站多少个？"]
    assert sorted(made(qa.examples)) == ["大连市总工会今年新建职工驿站多少个？",
                                         "天津市总工会今年为职工办理实事多少件？"]
    qa.index.delete(report.doc_ids)
    # An example whose article is gone is never served, not even before the new list is made.
    assert "大连市总工会今年新建职工驿站多少个？" not in qa.examples()[0]
    assert made(qa.examples) == ["天津市总工会今年为职工办理实事多少件？"]


def test_reading_the_examples_never_waits_for_them_to_be_made(seed_qa):
    # The real engine answers the checks, but only once the test opens the gate: until then the
    # list is being made, and reading it must still answer at once.
    gate = threading.Event()

    def ask(question: str):
        gate.wait()
        return seed_qa.ask(question)

    cache = ExampleCache(ask)
    snapshot = seed_qa.index.snapshot
    cache.prepare(snapshot)
    read: list[tuple[list[str], bool]] = []
    reader = threading.Thread(target=lambda: read.append(cache.get(snapshot, 4)))
    reader.start()
    reader.join(timeout=60)
    gate_was_closed = not gate.is_set()
    gate.set()
    assert gate_was_closed and read == [([], False)], "reading waited for the examples to be made"
    expected = [example.question for example in generate(seed_qa.ask, snapshot)]
    assert made(lambda: cache.get(snapshot, MAX_EXAMPLES)) == expected and len(expected) == MAX_EXAMPLES


@pytest.mark.parametrize(("simplified", "traditional"), [
    ("新疆今年新增了多少工会会员？", "新疆今年新增了多少工會會員？"),
    ("该公司今年新增了多少工会会员？", "該公司今年新增了多少工會會員？"),
    ("其中多少家企业建立了工会？", "其中多少家企業建立了工會？"),
    ("这一项目今年投入了多少资金？", "這一項目今年投入了多少資金？"),
])
def test_an_example_reads_as_well_or_as_badly_in_either_script(simplified, traditional):
    # The word lists that reject a question leaning on another sentence (该, 其中, 这一) are simplified.
    assert _readable(traditional) == _readable(simplified)
