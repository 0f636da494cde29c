"""The match lifecycle: requesting, the state machine, capacity and the mentee's limits."""

from __future__ import annotations

import pytest

from chalicelib.storage import db
from tests.factories import register_mentee, register_mentor


def request_match(api, mentee, mentor, message=None):
    body = {"mentor_id": mentor.id}
    if message is not None:
        body["message"] = message
    return api.post("/matches", body, token=mentee.token)


def mentor_profile(api, mentor):
    return api.get("/users/me", token=mentor.token).json


def listed_ids(api):
    return [m["id"] for m in api.get("/mentors").json["mentors"]]


def test_requesting_a_mentor_opens_a_pending_match_with_a_thread(api):
    mentor = register_mentor(api)
    mentee = register_mentee(api)
    response = request_match(api, mentee, mentor, message="Hi! I want to move to our ranking team.")
    assert response.status_code == 201
    match = response.json["match"]
    assert set(match) == {"id", "mentee_id", "mentor_id", "status", "score", "reasons", "thread_id", "created_at",
                          "updated_at", "closed_at", "closed_by", "close_reason", "origin", "feedback"}
    assert match["origin"] == "request" and match["feedback"] is None
    assert match["closed_at"] is None and match["closed_by"] is None and match["close_reason"] is None
    assert match["status"] == "pending" and match["mentee_id"] == mentee.id and match["mentor_id"] == mentor.id
    assert 0 <= match["score"] <= 100 and "Both focus on PyTorch" in match["reasons"]
    assert match["thread_id"]
    assert mentor_profile(api, mentor)["active_mentees"] == 1
    export = api.get("/users/me/export", token=mentee.token).json
    assert [m["body"] for m in export["messages"]] == ["Hi! I want to move to our ranking team."]
    assert [m["id"] for m in export["matches"]] == [match["id"]]


def test_request_without_mentor_id_takes_the_best_suggestion(api):
    register_mentor(api, frameworks=["tensorflow"], goals=["kaggle"])
    best = register_mentor(api, frameworks=["pytorch"], goals=["internal-transfer", "interview-prep"])
    mentee = register_mentee(api)
    response = api.post("/matches", {}, token=mentee.token)
    assert response.status_code == 201
    assert response.json["match"]["mentor_id"] == best.id


def test_request_without_mentor_id_takes_the_first_of_the_suggestions_ties_included(api):
    busy, *free = [register_mentor(api, capacity=3) for _ in range(3)]
    assert request_match(api, register_mentee(api), busy).status_code == 201
    mentee = register_mentee(api)
    suggested = api.get("/matches/suggestions", token=mentee.token).json["suggestions"]
    assert suggested[0]["mentor"]["id"] == min(m.id for m in free)  # equal scores: less busy, then id
    response = api.post("/matches", {}, token=mentee.token)
    assert response.status_code == 201
    assert response.json["match"]["mentor_id"] == suggested[0]["mentor"]["id"]
    assert response.json["match"]["score"] == suggested[0]["score"]


def test_request_without_mentor_id_and_no_mentor_is_a_conflict(api):
    mentee = register_mentee(api)
    response = api.post("/matches", token=mentee.token)
    assert response.status_code == 409


def test_full_mentor_rejects_new_request(api):
    mentor = register_mentor(api, capacity=1)
    first, second = register_mentee(api), register_mentee(api)
    assert request_match(api, first, mentor).status_code == 201
    response = request_match(api, second, mentor)
    assert response.status_code == 409 and response.json["Message"].startswith("mentor_id:")
    assert mentor_profile(api, mentor)["active_mentees"] == 1


def test_mentor_not_accepting_rejects_requests(api):
    mentor = register_mentor(api, accepting=False)
    response = request_match(api, register_mentee(api), mentor)
    assert response.status_code == 409


def test_mentee_can_have_at_most_three_open_matches(api):
    mentee = register_mentee(api)
    mentors = [register_mentor(api) for _ in range(4)]
    for mentor in mentors[:3]:
        assert request_match(api, mentee, mentor).status_code == 201
    response = request_match(api, mentee, mentors[3])
    assert response.status_code == 409 and response.json["Message"].startswith("mentee:")
    assert mentor_profile(api, mentors[3])["active_mentees"] == 0


def test_only_one_open_match_with_the_same_mentor(api):
    mentor = register_mentor(api, capacity=5)
    mentee = register_mentee(api)
    assert request_match(api, mentee, mentor).status_code == 201
    response = request_match(api, mentee, mentor)
    assert response.status_code == 409
    assert mentor_profile(api, mentor)["active_mentees"] == 1


def test_after_cancelling_the_mentee_may_ask_the_same_mentor_again(api):
    mentor = register_mentor(api)
    mentee = register_mentee(api)
    match = request_match(api, mentee, mentor).json["match"]
    assert api.post(f"/matches/{match['id']}/cancel", token=mentee.token).status_code == 200
    assert request_match(api, mentee, mentor).status_code == 201


def test_unknown_mentor_is_a_404_and_a_mentee_id_is_a_400(api):
    mentee = register_mentee(api)
    other = register_mentee(api)
    assert api.post("/matches", {"mentor_id": "01ARZ3NDEKTSV4RRFFQ69G5FAV"}, token=mentee.token).status_code == 404
    response = api.post("/matches", {"mentor_id": other.id}, token=mentee.token)
    assert response.status_code == 400 and response.json["Message"].startswith("mentor_id:")


@pytest.mark.parametrize("body, field", [
    ({"mentor_id": 42}, "mentor_id"), ({"message": "x" * 4001}, "message"), ({"extra": 1}, "extra"),
])
def test_invalid_match_request_is_a_400(api, body, field):
    register_mentor(api)
    mentee = register_mentee(api)
    response = api.post("/matches", body, token=mentee.token)
    assert response.status_code == 400 and response.json["Message"].startswith(f"{field}:")
    assert api.get("/matches", token=mentee.token).json["matches"] == []


def test_mentors_cannot_request_matches(api):
    mentor = register_mentor(api)
    other = register_mentor(api)
    response = api.post("/matches", {"mentor_id": other.id}, token=mentor.token)
    assert response.status_code == 403


def _open(api, capacity=2):
    mentor = register_mentor(api, capacity=capacity)
    mentee = register_mentee(api)
    match = request_match(api, mentee, mentor).json["match"]
    return mentor, mentee, match


def test_mentor_accepts_a_pending_match(api):
    mentor, mentee, match = _open(api)
    response = api.post(f"/matches/{match['id']}/accept", token=mentor.token)
    assert response.status_code == 200 and response.json["match"]["status"] == "active"
    assert api.get(f"/matches/{match['id']}", token=mentee.token).json["match"]["status"] == "active"
    assert mentor_profile(api, mentor)["active_mentees"] == 1


@pytest.mark.parametrize("action, actor, expected", [
    ("decline", "mentor", "declined"),
    ("cancel", "mentee", "cancelled"),
])
def test_closing_a_pending_match_frees_the_slot(api, action, actor, expected):
    mentor, mentee, match = _open(api, capacity=1)
    assert mentor.id not in listed_ids(api)
    token = mentor.token if actor == "mentor" else mentee.token
    response = api.post(f"/matches/{match['id']}/{action}", {"reason": "timing"}, token=token)
    assert response.status_code == 200 and response.json["match"]["status"] == expected
    assert mentor_profile(api, mentor)["active_mentees"] == 0
    assert mentor.id in listed_ids(api)
    assert api.get("/users/me", token=mentee.token).json["open_matches"] == 0


def test_a_closed_match_says_when_who_and_why_also_in_the_export(api):
    mentor, mentee, match = _open(api)
    api.post(f"/matches/{match['id']}/accept", token=mentor.token)
    ended = api.post(f"/matches/{match['id']}/end", {"reason": "goal reached"}, token=mentee.token).json["match"]
    assert ended["closed_by"] == mentee.id and ended["close_reason"] == "goal reached"
    assert ended["closed_at"] == ended["updated_at"] and ended["closed_at"] >= match["created_at"]
    for user in (mentor, mentee):
        assert api.get(f"/matches/{match['id']}", token=user.token).json["match"] == ended
        exported = api.get("/users/me/export", token=user.token).json["matches"]
        assert exported == [ended]


def test_a_match_closed_without_a_reason_has_a_null_reason(api):
    mentor, mentee, match = _open(api)
    declined = api.post(f"/matches/{match['id']}/decline", token=mentor.token).json["match"]
    assert declined["closed_by"] == mentor.id and declined["close_reason"] is None
    assert declined["closed_at"] is not None


def test_capacity_cannot_drop_below_the_open_matches_and_accepting_them_all_stays_within_it(api):
    mentor = register_mentor(api, capacity=3)
    matches = [request_match(api, register_mentee(api), mentor).json["match"] for _ in range(3)]
    response = api.patch("/users/me", {"capacity": 1}, token=mentor.token)
    assert response.status_code == 409, response.json
    assert response.json["Message"].startswith("capacity:") and "3 open matches" in response.json["Message"]
    assert mentor_profile(api, mentor)["capacity"] == 3  # nothing stored
    for match in matches:
        assert api.post(f"/matches/{match['id']}/accept", token=mentor.token).status_code == 200
    profile = mentor_profile(api, mentor)
    assert profile["active_mentees"] == 3 <= profile["capacity"]
    # Once a match ends, the capacity may come down to what is still open.
    api.post(f"/matches/{matches[0]['id']}/end", token=mentor.token)
    assert api.patch("/users/me", {"capacity": 2}, token=mentor.token).status_code == 200
    assert api.patch("/users/me", {"capacity": 1}, token=mentor.token).status_code == 409


@pytest.mark.parametrize("actor", ["mentor", "mentee"])
def test_either_side_ends_an_active_match(api, actor):
    mentor, mentee, match = _open(api, capacity=1)
    api.post(f"/matches/{match['id']}/accept", token=mentor.token)
    token = mentor.token if actor == "mentor" else mentee.token
    response = api.post(f"/matches/{match['id']}/end", token=token)
    assert response.status_code == 200 and response.json["match"]["status"] == "ended"
    assert mentor_profile(api, mentor)["active_mentees"] == 0
    assert mentor.id in listed_ids(api)


# (state to reach, action, who tries it): every transition the state machine does not allow.
INVALID_TRANSITIONS = [
    ("pending", "end", "mentor"), ("pending", "end", "mentee"),
    ("pending", "accept", "mentee"), ("pending", "decline", "mentee"), ("pending", "cancel", "mentor"),
    ("active", "accept", "mentor"), ("active", "decline", "mentor"), ("active", "cancel", "mentee"),
    ("declined", "accept", "mentor"), ("declined", "end", "mentee"), ("declined", "cancel", "mentee"),
    ("cancelled", "accept", "mentor"), ("cancelled", "decline", "mentor"), ("cancelled", "end", "mentor"),
    ("ended", "end", "mentor"), ("ended", "accept", "mentor"), ("ended", "cancel", "mentee"),
]

_REACH = {"pending": [], "active": [("accept", "mentor")], "declined": [("decline", "mentor")],
          "cancelled": [("cancel", "mentee")], "ended": [("accept", "mentor"), ("end", "mentee")]}


@pytest.mark.parametrize("state, action, actor", INVALID_TRANSITIONS)
def test_invalid_transition_is_a_409_and_changes_nothing(api, state, action, actor):
    mentor, mentee, match = _open(api)
    tokens = {"mentor": mentor.token, "mentee": mentee.token}
    for step, who in _REACH[state]:
        assert api.post(f"/matches/{match['id']}/{step}", token=tokens[who]).status_code == 200
    before = mentor_profile(api, mentor)["active_mentees"]
    response = api.post(f"/matches/{match['id']}/{action}", token=tokens[actor])
    assert response.status_code == 409, response.json
    assert api.get(f"/matches/{match['id']}", token=mentee.token).json["match"]["status"] == state
    assert mentor_profile(api, mentor)["active_mentees"] == before


def test_non_participant_gets_404_for_any_match_route(api):
    mentor, mentee, match = _open(api)
    outsider_mentor, outsider_mentee = register_mentor(api), register_mentee(api)
    for outsider in (outsider_mentor, outsider_mentee):
        assert api.get(f"/matches/{match['id']}", token=outsider.token).status_code == 404
        for action in ("accept", "decline", "cancel", "end"):
            assert api.post(f"/matches/{match['id']}/{action}", token=outsider.token).status_code == 404
    assert api.get(f"/matches/{match['id']}", token=mentee.token).json["match"]["status"] == "pending"


def test_listing_matches_newest_first_with_a_status_filter(api):
    mentee = register_mentee(api)
    mentors = [register_mentor(api) for _ in range(3)]
    ids = [request_match(api, mentee, m).json["match"]["id"] for m in mentors]
    api.post(f"/matches/{ids[0]}/accept", token=mentors[0].token)
    api.post(f"/matches/{ids[1]}/decline", token=mentors[1].token)
    listing = api.get("/matches", token=mentee.token).json
    assert [m["id"] for m in listing["matches"]] == ids[::-1] and listing["next_cursor"] is None
    assert [m["id"] for m in api.get("/matches?status=active", token=mentee.token).json["matches"]] == [ids[0]]
    assert [m["id"] for m in api.get("/matches?status=pending", token=mentors[2].token).json["matches"]] == [ids[2]]
    first_page = api.get("/matches?limit=2", token=mentee.token).json
    assert [m["id"] for m in first_page["matches"]] == [ids[2], ids[1]]
    rest = api.get(f"/matches?limit=2&cursor={first_page['next_cursor']}", token=mentee.token).json
    assert [m["id"] for m in rest["matches"]] == [ids[0]] and rest["next_cursor"] is None


@pytest.mark.parametrize("query, field", [("status=lost", "status"), ("limit=500", "limit"), ("cursor=xyz", "cursor")])
def test_listing_matches_rejects_bad_parameters(api, query, field):
    mentee = register_mentee(api)
    response = api.get(f"/matches?{query}", token=mentee.token)
    assert response.status_code == 400 and response.json["Message"].startswith(f"{field}:")


def test_someone_elses_cursor_is_refused(api):
    mentee, other = register_mentee(api), register_mentee(api)
    for _ in range(2):
        request_match(api, mentee, register_mentor(api))
    cursor = api.get("/matches?limit=1", token=mentee.token).json["next_cursor"]
    assert cursor
    assert api.get(f"/matches?cursor={cursor}", token=other.token).status_code == 400


def test_full_mentor_leaves_the_directory_and_returns_when_a_slot_frees(api):
    mentor = register_mentor(api, capacity=2)
    a, b = register_mentee(api), register_mentee(api)
    m1 = request_match(api, a, mentor).json["match"]
    assert mentor.id in listed_ids(api)
    request_match(api, b, mentor)
    assert mentor.id not in listed_ids(api)
    assert api.get("/matches/suggestions", token=register_mentee(api).token).json["suggestions"] == []
    api.post(f"/matches/{m1['id']}/decline", token=mentor.token)
    assert mentor.id in listed_ids(api)


def test_lowering_capacity_below_the_load_delists_the_mentor(api):
    mentor = register_mentor(api, capacity=3)
    request_match(api, register_mentee(api), mentor)
    assert api.patch("/users/me", {"capacity": 1}, token=mentor.token).status_code == 200
    assert mentor.id not in listed_ids(api)
    assert request_match(api, register_mentee(api), mentor).status_code == 409


def test_deleting_an_account_ends_its_open_matches_and_frees_capacity(api):
    mentor = register_mentor(api, capacity=1)
    mentee = register_mentee(api)
    match = request_match(api, mentee, mentor).json["match"]
    api.post(f"/matches/{match['id']}/accept", token=mentor.token)
    assert api.delete("/users/me", token=mentee.token).status_code == 204
    assert api.get(f"/matches/{match['id']}", token=mentor.token).json["match"]["status"] == "ended"
    assert mentor_profile(api, mentor)["active_mentees"] == 0
    assert mentor.id in listed_ids(api)


def test_a_deleted_account_leaves_nothing_in_its_partition_and_the_other_side_keeps_its_copy(api):
    mentor = register_mentor(api, capacity=2)
    mentee = register_mentee(api)
    ended = request_match(api, mentee, mentor).json["match"]
    api.post(f"/matches/{ended['id']}/accept", token=mentor.token)
    api.post(f"/matches/{ended['id']}/end", {}, token=mentee.token)
    pending = request_match(api, mentee, mentor).json["match"]
    assert api.delete("/users/me", token=mentee.token).status_code == 204
    client, table = db.connection().client, db.settings().table_name
    left = client.query(TableName=table, KeyConditionExpression="pk = :pk",
                        ExpressionAttributeValues={":pk": {"S": f"USER#{mentee.id}"}})["Items"]
    assert left == []
    statuses = {m["id"]: m["status"] for m in api.get("/matches", token=mentor.token).json["matches"]}
    assert statuses == {ended["id"]: "ended", pending["id"]: "cancelled"}


def test_deleted_mentor_releases_the_mentees_limit(api):
    mentor = register_mentor(api)
    mentee = register_mentee(api)
    match = request_match(api, mentee, mentor).json["match"]
    api.delete("/users/me", token=mentor.token)
    assert api.get(f"/matches/{match['id']}", token=mentee.token).json["match"]["status"] == "declined"
    assert api.get("/users/me", token=mentee.token).json["open_matches"] == 0


def test_creating_a_match_with_a_mentor_id_takes_at_most_three_calls(api, calls):
    mentor = register_mentor(api)
    mentee = register_mentee(api)
    calls.reset()
    assert request_match(api, mentee, mentor, message="hello").status_code == 201
    assert calls.count <= 3, calls.operations
