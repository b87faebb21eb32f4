"""Fixtures for every test folder: one index of the seed newspapers per test session, and the web app over it.

What tests build from (paths, articles, the command line, questions about the seeds) is in builders.py.
"""

from __future__ import annotations

import pytest

from tests.builders import SEEDS


@pytest.fixture(scope="session")
def seed_qa(tmp_path_factory):
    """A ``QA`` over the five seed files, indexed once (embedding them is the slow part)."""
    from qa.engine import QA

    qa = QA.open(tmp_path_factory.mktemp("seed-index"), create=True)
    report, errors = qa.add_paths([SEEDS])
    assert not errors, errors
    assert len(report.added_sources) == 5
    return qa


@pytest.fixture
def app(seed_qa):
    from qa.server import create_app

    return create_app({"QA": seed_qa, "TESTING": True})


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture(params=["local", "milvus"])
def backend(request, monkeypatch):
    """Each backend in turn, as QA_BACKEND chooses it for this test and every process it starts; the
    Milvus one is a milvus-lite file in the test's data directory."""
    if request.param == "milvus":
        pytest.importorskip("pymilvus")
    monkeypatch.setenv("QA_BACKEND", request.param)
    monkeypatch.delenv("QA_MILVUS_URI", raising=False)
    return request.param
