"""The waitlist (contract: "Waitlist (v2)"): a mentee waits for a mentor of their target framework;
a free slot (a mentor registers, raises capacity, starts accepting, or a match closes) becomes a
pending match for the longest-waiting mentee who can still open one, from the change stream.

`settle(mailbox)` runs the stream until nothing new is written (an offer writes a match, whose
records send the emails), as Lambda would after the writes."""

from __future__ import annotations

import pytest

from tests.api.test_notifications import subjects, verify
from tests.factories import register_mentee, register_mentor


def settle(mailbox) -> None:
    for _ in range(10):
        if not mailbox.reader.deliver():
            break
    assert mailbox.reader.failures == [], mailbox.reader.failures


def join(api, mentee, message=None, status=201) -> dict | None:
    response = api.post("/waitlist", {"message": message} if message is not None else {}, token=mentee.token)
    assert response.status_code == status, response.json
    return response.json["waitlist"] if status == 201 else response.json


def place(api, mentee) -> dict | None:
    response = api.get("/waitlist", token=mentee.token)
    if response.status_code == 404:
        return None
    assert response.status_code == 200, response.json
    return response.json["waitlist"]


def pending(api, user) -> list[dict]:
    return api.get("/matches?status=pending", token=user.token).json["matches"]


def full_mentor(api, capacity=1, **overrides):
    """A pytorch mentor whose every slot is held by another mentee's request."""
    mentor = register_mentor(api, capacity=capacity, frameworks=["pytorch"], **overrides)
    for _ in range(capacity):
        response = api.post("/matches", {"mentor_id": mentor.id}, token=register_mentee(api).token)
        assert response.status_code == 201, response.json
    return mentor


def load(api, mentor) -> int:
    return api.get("/users/me", token=mentor.token).json["active_mentees"]


def test_join_read_and_leave(api):
    mentee = register_mentee(api, target_framework="jax")
    assert place(api, mentee) is None
    joined = join(api, mentee, "  Hi! I am learning JAX.  ")
    assert joined["framework"] == "jax" and joined["position"] == 1 and joined["created_at"]
    assert place(api, mentee) == joined
    again = join(api, mentee, status=409)
    assert again["Message"].startswith("waitlist:")
    assert api.delete("/waitlist", token=mentee.token).status_code == 204
    assert place(api, mentee) is None
    assert api.delete("/waitlist", token=mentee.token).status_code == 404
    assert join(api, mentee)["position"] == 1  # may join again


def test_only_mentees_wait(api):
    mentor = register_mentor(api)
    assert api.post("/waitlist", {}, token=mentor.token).status_code == 403
    assert api.get("/waitlist", token=mentor.token).status_code == 403
    assert api.delete("/waitlist", token=mentor.token).status_code == 403
    assert api.post("/waitlist", {}).status_code == 401
    assert api.get("/waitlist").status_code == 401


@pytest.mark.parametrize("body", [{"message": 5}, {"message": "x" * 4001}, {"mentor_id": "abc"}, []])
def test_a_bad_body_is_a_400(api, body):
    mentee = register_mentee(api)
    response = api.post("/waitlist", body, token=mentee.token)
    assert response.status_code == 400, response.json
    assert place(api, mentee) is None


def test_a_mentee_at_three_open_matches_cannot_join(api):
    mentee = register_mentee(api)
    for _ in range(3):
        mentor = register_mentor(api)
        assert api.post("/matches", {"mentor_id": mentor.id}, token=mentee.token).status_code == 201
    response = api.post("/waitlist", {}, token=mentee.token)
    assert response.status_code == 409 and response.json["Message"].startswith("mentee:")


def test_positions_are_first_come_first_served_per_framework(api):
    first, second, third = (register_mentee(api) for _ in range(3))
    other = register_mentee(api, target_framework="jax")
    assert [join(api, m)["position"] for m in (first, second, third)] == [1, 2, 3]
    assert join(api, other)["position"] == 1  # its own framework's queue
    assert api.delete("/waitlist", token=first.token).status_code == 204
    assert place(api, second)["position"] == 1 and place(api, third)["position"] == 2


def test_raising_capacity_offers_the_slot_to_the_longest_waiting_mentee(api, mailbox):
    mentor = full_mentor(api, name="Ana")
    first, second = register_mentee(api, name="Ben"), register_mentee(api)
    verify(api, mailbox, first)
    join(api, first, "Hi Ana, I want to learn PyTorch.")
    join(api, second, "Me too")
    settle(mailbox)
    assert pending(api, first) == [] and place(api, first)["position"] == 1  # no free slot yet

    assert api.patch("/users/me", {"capacity": 2}, token=mentor.token).status_code == 200
    settle(mailbox)
    (match,) = pending(api, first)
    assert match["mentor_id"] == mentor.id and match["origin"] == "waitlist" and match["status"] == "pending"
    assert place(api, first) is None  # left the list
    assert place(api, second)["position"] == 1 and pending(api, second) == []
    assert load(api, mentor) == 2
    assert api.get("/users/me", token=first.token).json["open_matches"] == 1
    messages = api.get(f"/threads/{match['thread_id']}/messages", token=mentor.token).json["messages"]
    assert [(m["sender_id"], m["body"]) for m in messages] == [(first.id, "Hi Ana, I want to learn PyTorch.")]
    assert "You have a match request with Ana on mlbridge" in subjects(mailbox, first)
    # The mentor can accept it like any request.
    assert api.post(f"/matches/{match['id']}/accept", token=mentor.token).status_code == 200


def test_a_closed_match_frees_a_slot_for_the_waitlist(api, mailbox):
    mentor = full_mentor(api)
    (held,) = pending(api, mentor)
    waiting = register_mentee(api)
    join(api, waiting)
    settle(mailbox)
    assert api.post(f"/matches/{held['id']}/decline", token=mentor.token).status_code == 200
    settle(mailbox)
    (match,) = pending(api, waiting)
    assert match["mentor_id"] == mentor.id and match["origin"] == "waitlist"
    assert load(api, mentor) == 1


def test_a_mentor_who_starts_accepting_gets_an_offer(api, mailbox):
    mentor = register_mentor(api, frameworks=["pytorch"], accepting=False)
    waiting = register_mentee(api)
    join(api, waiting)
    settle(mailbox)
    assert pending(api, waiting) == []
    assert api.patch("/users/me", {"accepting": True}, token=mentor.token).status_code == 200
    settle(mailbox)
    assert [m["mentor_id"] for m in pending(api, waiting)] == [mentor.id]


def test_new_mentors_take_waiting_mentees_in_order_and_never_over_capacity(api, mailbox):
    waiting = [register_mentee(api) for _ in range(5)]
    for mentee in waiting:
        join(api, mentee, f"I am {mentee.id}")
    jax_mentee = register_mentee(api, target_framework="jax")
    join(api, jax_mentee)
    settle(mailbox)

    first = register_mentor(api, capacity=2, frameworks=["pytorch"])
    settle(mailbox)
    assert [bool(pending(api, m)) for m in waiting] == [True, True, False, False, False]
    assert load(api, first) == 2
    assert pending(api, jax_mentee) == []  # not this mentor's framework
    assert [place(api, m)["position"] for m in waiting[2:]] == [1, 2, 3]

    second = register_mentor(api, capacity=1, frameworks=["pytorch", "jax"])
    settle(mailbox)
    # The longest-waiting across the mentor's frameworks: the third pytorch mentee joined before the jax one.
    assert [m["mentor_id"] for m in pending(api, waiting[2])] == [second.id]
    assert pending(api, jax_mentee) == [] and load(api, second) == 1

    mailbox.reader.iterators.clear()  # the stream delivered again offers nothing twice
    settle(mailbox)
    assert load(api, first) == 2 and load(api, second) == 1
    assert [bool(pending(api, m)) for m in waiting] == [True, True, True, False, False]
    for mentee in waiting[:3]:
        (match,) = pending(api, mentee)
        intro = api.get(f"/threads/{match['thread_id']}/messages", token=mentee.token).json["messages"]
        assert [m["body"] for m in intro] == [f"I am {mentee.id}"]


def test_joining_when_a_mentor_is_free_offers_at_once(api, mailbox):
    mentor = register_mentor(api, frameworks=["pytorch"], capacity=1)
    settle(mailbox)
    mentee = register_mentee(api)
    join(api, mentee)
    settle(mailbox)
    assert [m["mentor_id"] for m in pending(api, mentee)] == [mentor.id]
    assert place(api, mentee) is None and load(api, mentor) == 1


def test_mentees_who_cannot_match_the_mentor_stay_waiting(api, mailbox):
    mentor = full_mentor(api, capacity=1)
    (held,) = pending(api, mentor)
    paired = register_mentee(api)  # will have an open match with this mentor already
    busy = register_mentee(api)  # will be at 3 open matches
    ready = register_mentee(api)
    for mentee in (paired, busy, ready):
        join(api, mentee)
    settle(mailbox)
    assert api.post(f"/matches/{held['id']}/decline", token=mentor.token).status_code == 200
    assert api.post("/matches", {"mentor_id": mentor.id}, token=paired.token).status_code == 201
    assert api.patch("/users/me", {"capacity": 2}, token=mentor.token).status_code == 200
    for _ in range(3):
        other = register_mentor(api, frameworks=["jax"])
        assert api.post("/matches", {"mentor_id": other.id}, token=busy.token).status_code == 201
    settle(mailbox)
    assert [m["origin"] for m in pending(api, ready)] == ["waitlist"]
    assert place(api, paired)["position"] == 1 and place(api, busy)["position"] == 2
    assert load(api, mentor) == 2


def test_a_deleted_mentee_is_never_offered_a_match(api, mailbox):
    gone, waiting = register_mentee(api), register_mentee(api)
    join(api, gone)
    join(api, waiting)
    assert api.delete("/users/me", token=gone.token).status_code == 204
    mentor = register_mentor(api, frameworks=["pytorch"], capacity=1)
    settle(mailbox)
    assert [m["mentor_id"] for m in pending(api, waiting)] == [mentor.id]
    assert load(api, mentor) == 1


def test_deleting_the_account_takes_the_place_in_the_queue_with_it(api):
    from chalicelib.storage import db, keys

    first = register_mentee(api, target_framework="onnx")
    second = register_mentee(api, target_framework="onnx")
    assert api.post("/waitlist", {}, token=first.token).status_code == 201
    assert api.post("/waitlist", {}, token=second.token).json["waitlist"]["position"] == 2
    assert api.delete("/users/me", token=first.token).status_code == 204
    assert api.get("/waitlist", token=second.token).json["waitlist"]["position"] == 1
    left = db.query_all(KeyConditionExpression="pk = :pk", ExpressionAttributeValues={":pk": {"S": keys.waitlist("onnx")}})
    assert [item["mentee_id"]["S"] for item in left] == [second.id]
