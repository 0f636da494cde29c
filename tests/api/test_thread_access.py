"""Participants only: every thread and match route, tried by an outsider (404 for anything that
names a thread or a match, never revealing it exists), with a wrong token and with none (401)."""

from __future__ import annotations

import pytest

from tests.factories import register_mentee, register_mentor

# (method, path template, body); {thread} and {match} are filled with a real pair's ids.
ID_ROUTES = [
    ("GET", "/threads/{thread}/messages", None),
    ("POST", "/threads/{thread}/messages", {"body": "let me in"}),
    ("POST", "/threads/{thread}/read", {}),
    ("GET", "/matches/{match}", None),
    ("POST", "/matches/{match}/accept", {}),
    ("POST", "/matches/{match}/decline", {}),
    ("POST", "/matches/{match}/cancel", {}),
    ("POST", "/matches/{match}/end", {}),
]
LIST_ROUTES = [("GET", "/threads", None), ("GET", "/matches", None)]
ALL_ROUTES = ID_ROUTES + LIST_ROUTES


@pytest.fixture
def pair(api):
    """A mentee and a mentor with a pending match whose thread holds the intro."""
    mentor = register_mentor(api)
    mentee = register_mentee(api)
    match = api.post("/matches", {"mentor_id": mentor.id, "message": "private intro"}, token=mentee.token).json["match"]
    return {"mentee": mentee, "mentor": mentor, "match": match["id"], "thread": match["thread_id"]}


def call(api, method, template, body, pair, **kw):
    path = template.format(thread=pair["thread"], match=pair["match"])
    return api.request(method, path, body, **kw)


def assert_untouched(api, pair):
    mentee, mentor = pair["mentee"], pair["mentor"]
    messages = api.get(f"/threads/{pair['thread']}/messages", token=mentee.token).json["messages"]
    assert [m["body"] for m in messages] == ["private intro"]
    assert api.get(f"/matches/{pair['match']}", token=mentor.token).json["match"]["status"] == "pending"
    assert api.get("/threads", token=mentor.token).json["threads"][0]["unread"] == 1


@pytest.mark.parametrize("role", ["mentee", "mentor"])
@pytest.mark.parametrize("method, template, body", ID_ROUTES, ids=[f"{m} {p}" for m, p, _ in ID_ROUTES])
def test_an_outsider_gets_404_for_a_thread_or_match_they_are_not_in(api, pair, role, method, template, body):
    outsider = register_mentee(api) if role == "mentee" else register_mentor(api)
    response = call(api, method, template, body, pair, token=outsider.token)
    assert response.status_code == 404, response.json
    assert pair["thread"] not in response.json["Message"] and pair["match"] not in response.json["Message"]
    assert_untouched(api, pair)


@pytest.mark.parametrize("role", ["mentee", "mentor"])
def test_an_outsiders_lists_do_not_show_other_peoples_threads_or_matches(api, pair, role):
    outsider = register_mentee(api) if role == "mentee" else register_mentor(api)
    assert api.get("/threads", token=outsider.token).json == {"threads": [], "next_cursor": None}
    assert api.get("/matches", token=outsider.token).json == {"matches": [], "next_cursor": None}


@pytest.mark.parametrize("method, template, body", ID_ROUTES, ids=[f"{m} {p}" for m, p, _ in ID_ROUTES])
def test_an_unknown_or_overlong_id_is_404_for_a_participant(api, pair, method, template, body):
    for unknown in ("01J0000000000000000000000X", "x" * 65):
        ids = {"thread": unknown, "match": unknown}
        response = call(api, method, template, body, ids, token=pair["mentee"].token)
        assert response.status_code == 404, response.json


def _wrong_tokens(pair):
    return {
        "wrong secret": f"{pair['mentee'].id}.{'x' * 43}",
        "other users secret": f"{pair['mentee'].id}.{pair['mentor'].token.split('.', 1)[1]}",
        "garbage": "garbage",
        "unknown user": f"01J0000000000000000000000X.{'x' * 43}",
    }


@pytest.mark.parametrize("method, template, body", ALL_ROUTES, ids=[f"{m} {p}" for m, p, _ in ALL_ROUTES])
def test_a_wrong_token_is_401(api, pair, method, template, body):
    for name, token in _wrong_tokens(pair).items():
        response = call(api, method, template, body, pair, token=token)
        assert response.status_code == 401, (name, response.json)
    response = call(api, method, template, body, pair, headers={"Authorization": f"Basic {pair['mentee'].token}"})
    assert response.status_code == 401
    assert_untouched(api, pair)


@pytest.mark.parametrize("method, template, body", ALL_ROUTES, ids=[f"{m} {p}" for m, p, _ in ALL_ROUTES])
def test_no_token_is_401(api, pair, method, template, body):
    response = call(api, method, template, body, pair)
    assert response.status_code == 401, response.json
    assert response.json["Message"].startswith("Authorization:")
    assert_untouched(api, pair)


def test_a_participants_token_works_on_every_route(api, pair):
    # The same matrix from the inside, so the 404s above are not an accident of the paths.
    mentee, mentor = pair["mentee"], pair["mentor"]
    assert call(api, "GET", "/threads/{thread}/messages", None, pair, token=mentor.token).status_code == 200
    assert call(api, "POST", "/threads/{thread}/read", {}, pair, token=mentor.token).status_code == 200
    assert call(api, "POST", "/threads/{thread}/messages", {"body": "hi"}, pair, token=mentor.token).status_code == 201
    assert call(api, "GET", "/matches/{match}", None, pair, token=mentee.token).status_code == 200
    assert [t["id"] for t in api.get("/threads", token=mentee.token).json["threads"]] == [pair["thread"]]
    assert call(api, "POST", "/matches/{match}/accept", {}, pair, token=mentor.token).status_code == 200
    assert call(api, "POST", "/matches/{match}/end", {}, pair, token=mentee.token).status_code == 200
