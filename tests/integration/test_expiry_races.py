"""An accept racing the expiry of the same request, through a real `chalice local` (the accept) and
the scheduled function (the expiry) on one DynamoDB Local table: exactly one of them wins."""

from __future__ import annotations

from datetime import timedelta

import requests

from chalicelib import clock
from chalicelib.config import Settings
from chalicelib.services import schedule
from chalicelib.storage import db
from tests.factories import mentee_body, mentor_body
from tests.integration.test_match_races import _post, _race, _register


def test_accept_racing_expiry_has_exactly_one_winner(live_api, live_table, dynamodb_local):
    db.configure(Settings(table_name=live_table, region="us-east-1", endpoint=dynamodb_local))
    later = clock.now() + timedelta(days=8)  # past the default 7-day expiry
    outcomes = []
    for _ in range(6):
        mentor = _register(live_api, mentor_body(capacity=10))
        mentee = _register(live_api, mentee_body())
        match = _post(live_api, "/matches", {"mentor_id": mentor["user"]["id"]}, mentee["token"]).json()["match"]
        accepted, expired = _race([
            lambda: _post(live_api, f"/matches/{match['id']}/accept", token=mentor["token"]).status_code,
            lambda: schedule.run(later)["expire"],
        ])
        final = requests.get(f"{live_api}/matches/{match['id']}", timeout=30,
                             headers={"Authorization": f"Bearer {mentee['token']}"}).json()["match"]
        me = requests.get(f"{live_api}/users/me", timeout=30,
                          headers={"Authorization": f"Bearer {mentor['token']}"}).json()
        if accepted == 200:
            assert expired == 0 and final["status"] == "active" and me["active_mentees"] == 1
        else:
            assert accepted == 409 and expired == 1 and final["status"] == "expired" and me["active_mentees"] == 0
        outcomes.append(final["status"])
    assert set(outcomes) <= {"active", "expired"}
