"""Offers from the waitlist racing requests, frees and each other, through a real `chalice local`
(the requests) and the change stream's offers run in-process on the same DynamoDB Local table:
no mentor is ever over capacity, each waiting mentee is offered at most one match, and first come
first served holds."""

from __future__ import annotations

import pytest
import requests

from chalicelib.config import Settings
from chalicelib.services import waitlist
from chalicelib.storage import db
from scripts.local_stream import StreamReader
from tests.factories import mentee_body, mentor_body
from tests.integration.test_match_races import _post, _race, _register


def _get(base_url, path, token):
    response = requests.get(base_url + path, headers={"Authorization": f"Bearer {token}"}, timeout=30)
    return response.status_code, response.json()


@pytest.fixture
def outbox(tmp_path, monkeypatch):
    """The stream's emails (verification links, notifications) go to files, not SES."""
    from chalicelib import mail

    monkeypatch.setenv("MAIL_OUTBOX_DIR", str(tmp_path / "outbox"))
    mail.default_transport.cache_clear()
    yield tmp_path / "outbox"
    mail.default_transport.cache_clear()


def test_racing_frees_requests_and_offers_never_overbook_and_offer_each_entry_once(live_api, live_table,
                                                                                    dynamodb_local, outbox):
    db.configure(Settings(table_name=live_table, region="us-east-1", endpoint=dynamodb_local))
    reader = StreamReader(live_table, endpoint=dynamodb_local, region="us-east-1")
    fw = {"frameworks": ["pytorch"]}
    held_mentee = _register(live_api, mentee_body())
    busy = _register(live_api, mentor_body(capacity=1, **fw))
    held = _post(live_api, "/matches", {"mentor_id": busy["user"]["id"]}, held_mentee["token"]).json()["match"]
    waiting = [_register(live_api, mentee_body()) for _ in range(8)]
    for mentee in waiting:  # joined in this order: first come, first served
        assert _post(live_api, "/waitlist", {"message": "hello"}, mentee["token"]).status_code == 201
    late = [_register(live_api, mentee_body()) for _ in range(2)]
    direct = [_register(live_api, mentee_body(target_framework="jax")) for _ in range(3)]
    fresh = [_register(live_api, mentor_body(capacity=2, **fw)) for _ in range(2)]
    mentors = [busy, *fresh]
    busy_id, busy_token = busy["user"]["id"], busy["token"]

    results = _race([
        lambda: requests.patch(live_api + "/users/me", json={"capacity": 4},
                               headers={"Authorization": f"Bearer {busy_token}"}, timeout=30).status_code,
        lambda: _post(live_api, f"/matches/{held['id']}/decline", token=busy_token).status_code,
        *((lambda m=m: _post(live_api, "/matches", {"mentor_id": busy_id}, m["token"]).status_code) for m in direct),
        *((lambda m=m: _post(live_api, "/waitlist", {}, m["token"]).status_code) for m in late),
        lambda: waitlist.offer_to(busy_id),
        lambda: waitlist.offer_to(busy_id),
        *((lambda m=m: waitlist.offer_to(m["user"]["id"])) for m in fresh),
        lambda: waitlist.offer_for("pytorch"),
        reader.deliver,
    ])
    assert results[0] == 200 and results[1] == 200, results
    assert set(results[2:5]) <= {201, 409} and results[5:7] == [201, 201], results

    # The stream catches up (as Lambda would): every free slot goes to the waitlist.
    for _ in range(10):
        if not reader.deliver():
            break
    assert reader.failures == []
    assert list(outbox.glob("*.eml"))  # the stream ran: the verification emails, the offers' emails

    offered_to: dict[str, list[str]] = {}
    for mentor in mentors:
        _, me = _get(live_api, "/users/me", mentor["token"])
        _, page = _get(live_api, "/matches?status=pending&limit=100", mentor["token"])
        assert me["active_mentees"] <= me["capacity"]
        assert len(page["matches"]) == me["active_mentees"]
        for match in page["matches"]:
            if match["origin"] == "waitlist":
                offered_to.setdefault(match["mentee_id"], []).append(mentor["user"]["id"])
    assert all(len(mentor_ids) == 1 for mentor_ids in offered_to.values()), offered_to  # each entry once

    still_waiting = set()
    for mentee in [*waiting, *late]:
        status, _ = _get(live_api, "/waitlist", mentee["token"])
        assert status in (200, 404)
        _, page = _get(live_api, "/matches", mentee["token"])
        assert len(page["matches"]) == (1 if mentee["user"]["id"] in offered_to else 0)
        if status == 200:
            still_waiting.add(mentee["user"]["id"])
        assert (status == 404) == (mentee["user"]["id"] in offered_to)
    # Every free slot was offered, or nobody is left waiting.
    loads = [(_get(live_api, "/users/me", m["token"])[1]) for m in mentors]
    assert not still_waiting or all(me["active_mentees"] == me["capacity"] for me in loads)
    # First come, first served: the offered among those who joined before the race are the earliest.
    offered_flags = [mentee["user"]["id"] in offered_to for mentee in waiting]
    assert offered_flags == sorted(offered_flags, reverse=True), offered_flags
    assert len(offered_to) >= 5  # 8 slots, at most 3 of them taken by direct requests
