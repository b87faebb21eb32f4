"""The static query encoder distilled from the bundled model (embeddings/static.py), on the committed
files: its vectors live in the model's space, and the engine asks with it when the setting says so."""

from __future__ import annotations

import numpy as np
import pytest

from embeddings.static import StaticQueryEncoder, quantized, static_encoder, word_vectors
from qa.engine import QA
from qa.errors import QAError
from qa.settings import Settings
from tests.builders import XINJIANG, XINJIANG_SOURCE


def test_it_points_where_the_model_points_on_questions_it_never_saw(seed_qa):
    # The seed questions are not in its training data (CMRC train only).
    questions = ["新疆今年新增了多少工会会员？", "全国消防日是哪一天？", "快递员入会的有多少人？",
                 "淮河能源集团现有多少名职工？", "劳模免费体检包括哪些项目？"]
    encoder = static_encoder(seed_qa.index.model_name)
    static = np.stack([encoder.encode_query(question) for question in questions])
    model = np.stack([seed_qa.index.encoder.encode_query(question) for question in questions])
    assert static.shape == model.shape and np.allclose(np.linalg.norm(static, axis=1), 1.0, atol=1e-5)
    assert np.median((static * model).sum(axis=1)) > 0.85
    # And nowhere in particular for unrelated questions: the distance is the model's, not a constant.
    assert (static[0] @ model[0]) > (static[0] @ model[1])


def test_the_engine_asks_with_it_when_the_setting_says_so(seed_qa, monkeypatch):
    monkeypatch.setenv("QA_QUERY_ENCODER", "static")
    assert Settings.from_env().query_encoder == "static"
    qa = QA(seed_qa.index, query_cache=0)
    result = qa.ask(XINJIANG)
    assert result.citations and result.citations[0].source == XINJIANG_SOURCE
    assert np.allclose(qa.query_vector(XINJIANG), static_encoder(seed_qa.index.model_name).encode_query(XINJIANG))


def test_a_bad_setting_or_another_model_is_refused_in_one_line(monkeypatch):
    monkeypatch.setenv("QA_QUERY_ENCODER", "tiny")
    with pytest.raises(QAError, match="QA_QUERY_ENCODER must be one of model, static"):
        Settings.from_env()
    with pytest.raises(QAError, match="distilled from"):
        static_encoder("some/other-model")


def test_int8_codes_keep_every_vector_within_half_a_step():
    vectors = np.random.default_rng(3).normal(size=(50, 384)).astype(np.float32)
    vectors[7] = 0.0  # a piece never seen in training keeps its zero vector
    codes, scales = quantized(vectors)
    assert codes.dtype == np.int8
    assert np.abs(codes * scales[:, None] - vectors).max() <= scales.max() / 2 + 1e-6
    assert not StaticQueryEncoder.load().encode_query("").any()  # no pieces: no direction


@pytest.mark.parametrize(("word", "alike", "unlike"), [("出生", "生于", "面积"), ("创立", "成立", "苹果"),
                                                      ("母亲", "妈妈", "跑道")])
def test_its_pieces_say_which_words_mean_alike(word, alike, unlike):
    # The answer features read paraphrase from these (qa.answer.features: soft coverage).
    words = word_vectors()
    assert np.linalg.norm(words.word(word)) == pytest.approx(1.0, abs=1e-5)
    assert words.word(word) @ words.word(alike) > words.word(word) @ words.word(unlike) + 0.2
