"""Each turn of a conversation continues it or starts a new subject, decided on the question itself."""

from __future__ import annotations

import pytest

from qa.answer import reader
from qa.answer.conversation import contextualize
from qa.answer.features import FEATURES, describe, unit_text
from qa.text.normalize import match_form


def turns(*questions: str) -> list[dict[str, str]]:
    history: list[dict[str, str]] = []
    for question in questions:
        history += [{"role": "user", "content": question}, {"role": "assistant", "content": "…"}]
    return history


STATIONS = turns("北京的工会驿站有多少家？", "它们提供哪些服务？")


@pytest.mark.parametrize("question", [
    "全国消防日是哪一天？",
    "中国女子拳击首枚奥运金牌是谁获得的？",
    "Who won China's first Olympic gold in women's boxing?",
    "2021年的冠军是谁？",
])
def test_a_question_that_names_its_own_subject_inherits_nothing(question):
    turn = contextualize(question, STATIONS)
    assert (turn.question, turn.retrieval_query, turn.context_terms) == (question, question, ())


@pytest.mark.parametrize("question", [
    "有多少人参加？",  # no subject: 人 is what is counted
    "持续多长时间？",
    "是在哪个城市启动的？",  # 城市 is the asked category
    "主要内容是什么？",  # 内容 is an attribute of something unnamed
    "服务时间是几点？",
    "它们什么时候开放？",  # a pronoun
    "那里的驿站有多少家？",
    "When did it open?",
])
def test_a_question_that_leans_on_the_conversation_keeps_its_subject(question):
    turn = contextualize(question, STATIONS)
    assert turn.question == question
    assert "北京" in turn.retrieval_query and "驿站" in turn.retrieval_query and "北京" in turn.context_terms


def test_a_follow_up_after_a_new_subject_continues_the_new_one():
    turn = contextualize("持续多长时间？", turns("北京的工会驿站有多少家？", "全国消防日是哪一天？"))
    assert "消防" in turn.retrieval_query and "北京" not in turn.retrieval_query


def test_an_elliptical_question_swaps_its_entity_into_the_subject_of_the_chain():
    direct = contextualize("那天津呢？", turns("北京的工会驿站有多少家？"))
    assert direct.question == direct.retrieval_query == "天津的工会驿站有多少家？"
    # The previous turn named the subject only through the one before it: the swap reaches that one.
    chained = contextualize("那天津呢？", STATIONS)
    assert chained.question == "它们提供哪些服务？"
    assert "天津的工会驿站" in chained.retrieval_query and "北京" not in chained.retrieval_query
    assert "天津" in chained.context_terms


@pytest.mark.parametrize("opener", ["那", "那么", "那在", "还有", ""])
def test_every_opener_of_an_elliptical_question_leaves_the_entity_whole(opener):
    # 那 is also how 那么 and 那在 begin: it must not take their first character and leave 么天津.
    turn = contextualize(f"{opener}天津呢？", turns("北京的工会驿站有多少家？"))
    assert turn.question == "天津的工会驿站有多少家？"


TRADITIONAL_STATIONS = turns("北京的工會驛站有多少家？")


@pytest.mark.parametrize("question", ["這家驛站幾點開門？", "該驛站提供哪些服務？", "它們什麼時候開放？"])
def test_a_follow_up_in_traditional_script_leans_back_as_in_simplified(question):
    turn = contextualize(question, TRADITIONAL_STATIONS)
    assert turn.question == question and "北京" in turn.retrieval_query and "北京" in turn.context_terms


def test_an_elliptical_question_in_traditional_script_swaps_its_entity():
    turn = contextualize("那麼天津呢？", TRADITIONAL_STATIONS)
    assert turn.question == turn.retrieval_query == "天津的工會驛站有多少家？"
    assert contextualize("全國消防日是哪一天？", TRADITIONAL_STATIONS).context_terms == ()


def test_a_new_subject_is_answered_as_if_asked_alone(seed_qa):
    question = "全国消防日是哪一天？"
    history = turns("辽宁滴滴出行的工会主席叫什么？", "他们公司现在有多少工会会员？")
    assert seed_qa.ask(question, history=history) == seed_qa.ask(question)


def test_a_follow_up_is_answered_by_a_sentence_whose_article_names_the_subject(seed_qa):
    # The answer to a follow-up refers to the conversation's subject (它, 该厂) or leaves it unsaid; the
    # article names it sentences away. Its terms count as said by a unit whose article says them, and only there.
    history = turns("中原油田天然气产销厂的“心灵驿站”是哪一年创立的？")
    question = "今年以来它一共服务了多少人次？"
    snapshot = seed_qa.index.snapshot
    query = reader.understand(question, history, snapshot)
    assert "中原" in query.context_terms
    vector = seed_qa.query_vector(query.retrieval_query)
    hits = seed_qa.index.search(query.retrieval_query, reader.CANDIDATE_PASSAGES, "hybrid", query_vector=vector,
                                snapshot=snapshot)
    read_in_article = describe(query.question, hits, snapshot, vector, (), query.context_terms)
    read_in_unit = describe(query.question, hits, snapshot, vector, query.context_terms)
    coverage = FEATURES.index("unit_coverage")
    gained = read_in_article.matrix[:, coverage] > read_in_unit.matrix[:, coverage]

    def article(unit):
        doc_id = snapshot.sentences[unit.first].doc_id
        rows = snapshot.document_rows(doc_id)
        return match_form(snapshot.documents[doc_id].title + "".join(snapshot.sentences[row].text for row in rows))

    answering = ["600余人次" in unit_text(snapshot, unit) for unit in read_in_article.units]
    assert any(answering) and gained[answering].all() and not gained.all()
    for unit, more in zip(read_in_article.units, gained, strict=True):
        assert not more or any(term in article(unit) for term in query.context_terms)
    answer = seed_qa.ask(question, history=history)
    assert answer.answerable and "600余人次" in answer.citations[0].quote
