"""Settings, limits and errors: what every layer reads of the environment and of a request."""

from __future__ import annotations

from pathlib import Path

import pytest

from embeddings.bundled import DEFAULT_MODEL
from qa import limits
from qa.answer.selection import CALIBRATIONS, UNCALIBRATED, calibration_for
from qa.errors import QAError
from qa.settings import Settings


def test_explicit_values_win_over_the_environment_which_wins_over_the_defaults(monkeypatch):
    for name in ("QA_DATA_DIR", "QA_EMBEDDING_MODEL", "QA_ADMIN_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    assert Settings.from_env() == Settings(Path("data"), None, None)
    monkeypatch.setenv("QA_DATA_DIR", "/srv/index")
    monkeypatch.setenv("QA_EMBEDDING_MODEL", "some/model")
    monkeypatch.setenv("QA_ADMIN_TOKEN", "s3cret")
    assert Settings.from_env() == Settings(Path("/srv/index"), "some/model", "s3cret")
    assert Settings.from_env("here", "other/model", "t") == Settings(Path("here"), "other/model", "t")


@pytest.mark.parametrize(("check", "code"), [
    (lambda: limits.question(None), "missing_field"),
    (lambda: limits.question(7), "invalid_type"),
    (lambda: limits.question(" \n"), "empty_question"),
    (lambda: limits.question("问" * (limits.MAX_QUESTION_CHARS + 1)), "question_too_long"),
    (lambda: limits.question("\ud800"), "invalid_encoding"),
    (lambda: limits.integer(True, "k", 1, limits.MAX_K), "invalid_type"),
    (lambda: limits.integer(limits.MAX_K + 1, "k", 1, limits.MAX_K), "invalid_value"),
    (lambda: limits.choice("sql", "retriever", ("hybrid", "dense", "bm25")), "invalid_value"),
])
def test_each_limit_raises_a_qa_error_with_its_own_code(check, code):
    with pytest.raises(QAError) as raised:
        check()
    assert raised.value.code == code and raised.value.status == 400 and str(raised.value)


def test_a_question_within_the_limits_comes_back_stripped():
    assert limits.question("  全国消防日是哪一天？\n") == "全国消防日是哪一天？"
    assert limits.question("问" * limits.MAX_QUESTION_CHARS) == "问" * limits.MAX_QUESTION_CHARS


def test_the_bundled_model_is_calibrated_by_the_name_it_is_indexed_under():
    assert calibration_for(DEFAULT_MODEL) is CALIBRATIONS[DEFAULT_MODEL]
    assert calibration_for("some/other-model") is UNCALIBRATED
