"""Every route's DynamoDB call budget, in one table (benchmarks/round_trips.CASES), on moto and on
DynamoDB Local: a request that makes more calls than its budget fails here, before it ships.

The same table is measured by `make bench` (docs/PERFORMANCE.md, "Round trips")."""

from __future__ import annotations

import pytest

from benchmarks.common import JsonClient
from benchmarks.round_trips import CASES, Case, registered_routes
from chalicelib.services import matching
from tests.factories import register_mentee, register_mentor


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_request_stays_within_its_call_budget(api, calls, case: Case):
    if case.route not in registered_routes():
        pytest.skip(f"{case.route} is not registered")
    client = JsonClient(api.http)  # the cases' client; bodies that are not JSON come back as they are
    request = case.prepare(client)
    calls.reset()
    status, body = client.request(request.method, request.path, request.body, request.token, request.headers)
    assert status == request.status, body
    assert calls.count <= case.budget, calls.operations


def test_every_route_has_a_call_budget():
    budgeted = {case.route for case in CASES}
    assert registered_routes() - budgeted == set(), "add a Case to benchmarks/round_trips.CASES"


def test_suggestions_read_across_the_date_line_within_four_calls(api, calls, monkeypatch):
    # Pages of 2: the zones after Auckland's are at the start of the directory, read by a third Query.
    monkeypatch.setattr(matching, "CANDIDATES_PER_QUERY", 2)
    los_angeles = {register_mentor(api, timezone="America/Los_Angeles").id for _ in range(2)}
    for zone in ("Asia/Tokyo", "Asia/Tokyo", "Europe/Berlin", "Europe/Berlin"):
        register_mentor(api, timezone=zone)
    mentee = register_mentee(api, timezone="Pacific/Auckland", frameworks=[])
    calls.reset()
    response = api.get("/matches/suggestions", token=mentee.token)
    assert response.status_code == 200, response.json
    assert calls.count <= 4, calls.operations
    assert los_angeles <= {s["mentor"]["id"] for s in response.json["suggestions"]}


def test_a_crowded_zone_is_read_further_within_four_calls(api, calls, monkeypatch):
    # Pages of 2: the first page never leaves Berlin, so the second is Berlin's next page.
    monkeypatch.setattr(matching, "CANDIDATES_PER_QUERY", 2)
    berlin = [register_mentor(api, timezone="Europe/Berlin").id for _ in range(4)]
    london = register_mentor(api, timezone="Europe/London").id
    mentee = register_mentee(api, timezone="Europe/Berlin", frameworks=[])
    calls.reset()
    response = api.get("/matches/suggestions?limit=4", token=mentee.token)
    assert response.status_code == 200, response.json
    assert calls.count <= 4, calls.operations
    assert calls.by_operation() == {"Query": 3}  # own items, Berlin's first page, Berlin's next page
    assert sorted(s["mentor"]["id"] for s in response.json["suggestions"]) == sorted(berlin)
    assert london not in {s["mentor"]["id"] for s in response.json["suggestions"]}


def test_a_transition_of_an_unknown_match_is_a_404_after_one_call(api, calls):
    mentor = register_mentor(api)
    calls.reset()
    response = api.post("/matches/01ARZ3NDEKTSV4RRFFQ69G5FAV/decline", {}, token=mentor.token)
    assert response.status_code == 404, response.json
    assert calls.operations == ["BatchGetItem"]
