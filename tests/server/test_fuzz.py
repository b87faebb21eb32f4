"""Property-based fuzzing of the HTTP API from its OpenAPI description: no request gets a 5xx.

Schemathesis turns every operation of /openapi.json into a Hypothesis strategy of requests, both
ones that fit the schema and ones that break it (wrong types, missing fields, odd strings); each
is sent to the real app over an index of its own, with the admin token on about half of them so
that documents really are added and deleted along the way.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.generation.modes import GenerationMode

from qa.engine import QA
from qa.server import create_app
from qa.server.openapi import document
from tests.builders import SMALL_TEXTS, corpus

REQUESTS = 2000
TOKEN = "fuzz-token"


@pytest.mark.slow
def test_no_generated_request_gets_a_server_error(tmp_path):
    qa = QA.open(tmp_path, create=True)
    qa.index.add(*corpus(SMALL_TEXTS))
    app = create_app({"QA": qa, "ADMIN_TOKEN": TOKEN, "TESTING": True})
    schema = schemathesis.openapi.from_dict(document())
    operations = [result.ok() for result in schema.get_all_operations()]
    strategies = [operation.as_strategy(generation_mode=mode) for operation in operations
                  for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)]
    sent: list[tuple[str, str, int]] = []

    @settings(max_examples=REQUESTS, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(data=st.data())
    def one_request(data: st.DataObject) -> None:
        case = data.draw(st.one_of(strategies))
        headers = {"Authorization": f"Bearer {TOKEN}"} if data.draw(st.booleans()) else {}
        response = case.call(app=app, headers=headers)
        sent.append((case.method, case.formatted_path, response.status_code))
        assert response.status_code < 500, (case.method, case.path, case.body, response.text[:300])

    one_request()
    assert len(sent) >= REQUESTS
    statuses = {status for _, _, status in sent}
    assert {200, 400, 404} <= statuses, statuses
    print(f"{len(sent)} requests over {len(operations)} operations; statuses {sorted(statuses)}")
