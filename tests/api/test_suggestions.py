"""Suggestions: ranked, explained, and only mentors who can take the mentee now."""

from __future__ import annotations

import json

from chalicelib.storage import db
from tests.factories import register_mentee, register_mentor


def suggestions(api, mentee, limit=None):
    path = "/matches/suggestions" + (f"?limit={limit}" if limit else "")
    response = api.get(path, token=mentee.token)
    assert response.status_code == 200, response.json
    return response.json["suggestions"]


def test_target_framework_ranks_first_with_reasons(api):
    jax = register_mentor(api, frameworks=["jax"], goals=["internal-transfer", "interview-prep"], timezone="Europe/Berlin")
    torch_far = register_mentor(api, frameworks=["pytorch"], goals=["ml-systems"], timezone="Asia/Tokyo", languages=["ja"])
    mentee = register_mentee(api, target_framework="pytorch", frameworks=[], goals=["internal-transfer", "interview-prep"])
    result = suggestions(api, mentee)
    # The target framework outweighs everything the JAX mentor shares (both goals, the time zone).
    assert [s["mentor"]["id"] for s in result] == [torch_far.id, jax.id]
    assert result[0]["reasons"][0] == "Both focus on PyTorch"
    assert result[0]["score"] > result[1]["score"]
    assert "Helps with Internal transfer and Interview prep" in result[1]["reasons"]
    assert 0 <= result[1]["score"] < 51 <= result[0]["score"] <= 100
    assert "email" not in result[0]["mentor"]


def test_a_mentor_sharing_neither_a_framework_nor_a_goal_is_not_suggested(api):
    register_mentor(api, frameworks=["jax"], goals=["kaggle"], timezone="Europe/Berlin", languages=["en"])
    sharing_a_goal = register_mentor(api, frameworks=["jax"], goals=["interview-prep"], timezone="Asia/Tokyo")
    mentee = register_mentee(api, target_framework="pytorch", frameworks=["tensorflow"], goals=["interview-prep"],
                             timezone="Europe/Berlin", languages=["en"])
    assert [s["mentor"]["id"] for s in suggestions(api, mentee)] == [sharing_a_goal.id]


def test_shared_goals_then_time_zone_order_the_mentors(api):
    goals_near = register_mentor(api, goals=["internal-transfer", "interview-prep"], timezone="Europe/Paris")
    goals_far = register_mentor(api, goals=["internal-transfer", "interview-prep"], timezone="America/Los_Angeles")
    one_goal_near = register_mentor(api, goals=["internal-transfer"], timezone="Europe/Berlin")
    mentee = register_mentee(api, goals=["internal-transfer", "interview-prep"], timezone="Europe/Berlin")
    ranked = [s["mentor"]["id"] for s in suggestions(api, mentee)]
    assert ranked.index(goals_near.id) < ranked.index(goals_far.id)
    assert ranked.index(goals_near.id) < ranked.index(one_goal_near.id)
    top = suggestions(api, mentee)[0]
    assert "Helps with Internal transfer and Interview prep" in top["reasons"]


def test_widens_to_other_frameworks_when_the_target_yields_too_few(api):
    sklearn = register_mentor(api, frameworks=["scikit-learn"])
    mentee = register_mentee(api, target_framework="pytorch", frameworks=["scikit-learn"])
    assert [s["mentor"]["id"] for s in suggestions(api, mentee)] == [sklearn.id]


def test_ties_go_to_the_mentor_with_fewer_mentees(api):
    busy = register_mentor(api, capacity=3)
    free = register_mentor(api, capacity=3)
    api.post("/matches", {"mentor_id": busy.id}, token=register_mentee(api).token)
    mentee = register_mentee(api)
    ranked = suggestions(api, mentee)
    assert [s["mentor"]["id"] for s in ranked] == [free.id, busy.id]
    assert ranked[0]["score"] == ranked[1]["score"]


def test_entries_written_before_entries_had_a_card_rank_the_same(api):
    near = register_mentor(api, frameworks=["pytorch"], goals=["kaggle"], timezone="Europe/Berlin")
    far = register_mentor(api, frameworks=["pytorch", "jax"], goals=["kaggle"], timezone="Asia/Tokyo")
    mentee = register_mentee(api, target_framework="pytorch", frameworks=["jax"], goals=["kaggle"],
                             timezone="Europe/Paris")
    before = suggestions(api, mentee)
    client, table = db.connection().client, db.settings().table_name
    for partition in ("DIR#ALL", "DIR#FW#pytorch", "DIR#FW#jax"):
        entries = client.query(TableName=table, KeyConditionExpression="pk = :pk",
                               ExpressionAttributeValues={":pk": {"S": partition}})["Items"]
        for entry in entries:
            client.update_item(TableName=table, Key={"pk": entry["pk"], "sk": entry["sk"]},
                               UpdateExpression="REMOVE card, active_mentees")
    after = suggestions(api, mentee)
    assert [s["mentor"]["id"] for s in before] == [near.id, far.id]
    assert after == before


def test_excludes_full_and_not_accepting_mentors_and_current_partners(api):
    full = register_mentor(api, capacity=1)
    api.post("/matches", {"mentor_id": full.id}, token=register_mentee(api).token)
    register_mentor(api, accepting=False)
    partner = register_mentor(api)
    available = register_mentor(api)
    mentee = register_mentee(api)
    api.post("/matches", {"mentor_id": partner.id}, token=mentee.token)
    assert [s["mentor"]["id"] for s in suggestions(api, mentee)] == [available.id]


def test_a_mentor_who_declined_is_not_suggested_again(api):
    mentor = register_mentor(api)
    mentee = register_mentee(api)
    match = api.post("/matches", {"mentor_id": mentor.id}, token=mentee.token).json["match"]
    api.post(f"/matches/{match['id']}/decline", token=mentor.token)
    assert suggestions(api, mentee) == []


def test_limit_bounds_the_suggestions(api):
    for _ in range(4):
        register_mentor(api)
    mentee = register_mentee(api)
    assert len(suggestions(api, mentee)) == 4
    assert len(suggestions(api, mentee, limit=2)) == 2
    assert api.get("/matches/suggestions?limit=21", token=mentee.token).status_code == 400


def test_mentors_may_not_ask_for_suggestions(api):
    mentor = register_mentor(api)
    response = api.get("/matches/suggestions", token=mentor.token)
    assert response.status_code == 403 and response.json["Code"] == "ForbiddenError"


def test_suggestions_take_at_most_four_calls(api, calls):
    for _ in range(3):
        register_mentor(api)
    mentee = register_mentee(api, frameworks=[])
    calls.reset()
    suggestions(api, mentee)
    assert calls.count <= 4, calls.operations


def test_a_directory_entry_written_by_an_earlier_version_still_lists_and_suggests(api):
    # Entries of earlier versions kept the mentor's load in their profile copy.
    mentor = register_mentor(api)
    client, table = db.connection().client, db.settings().table_name
    entries = client.query(TableName=table, KeyConditionExpression="pk = :pk",
                           ExpressionAttributeValues={":pk": {"S": "DIR#ALL"}})["Items"]
    for entry in entries:
        profile = json.loads(entry["profile"]["S"])
        entry["profile"] = {"S": json.dumps({**profile, "active_mentees": 0})}
        client.put_item(TableName=table, Item=entry)
    mentee = register_mentee(api, frameworks=[])
    response = api.get("/matches/suggestions", token=mentee.token)
    assert response.status_code == 200, response.json
    assert [s["mentor"]["id"] for s in response.json["suggestions"]] == [mentor.id]
    assert "active_mentees" not in response.json["suggestions"][0]["mentor"]
    listed = api.get("/mentors")
    assert listed.status_code == 200 and [m["id"] for m in listed.json["mentors"]] == [mentor.id]
