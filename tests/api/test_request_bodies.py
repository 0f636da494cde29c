"""A client's broken body is a 4xx on every JSON route, never a 500: nesting deep enough to make a
parser recurse out of stack, text that is not Unicode (bytes that are not UTF-8, a lone surrogate
escape), NaN. Where a route requires a token, a missing token is a 401 first."""

from __future__ import annotations

import json

import pytest

from chalicelib.http import MAX_JSON_DEPTH
from tests import factories

DEEP_BODIES = {
    "arrays": "[" * 1500 + "]" * 1500,
    "objects": '{"a":' * 1500 + "1" + "}" * 1500,
}


@pytest.fixture
def routes(api):
    """Every route that reads a JSON body: (method, path, token of a caller who may use it)."""
    mentor = factories.register_mentor(api)
    mentee = factories.register_mentee(api)
    match = api.post("/matches", {"mentor_id": mentor.id}, token=mentee.token).json["match"]
    assert api.post(f"/matches/{match['id']}/accept", token=mentor.token).status_code == 200
    return [
        ("POST", "/users", None),
        ("PATCH", "/users/me", mentee.token),
        ("POST", "/matches", mentee.token),
        ("POST", f"/matches/{match['id']}/accept", mentor.token),
        ("POST", f"/matches/{match['id']}/decline", mentor.token),
        ("POST", f"/matches/{match['id']}/cancel", mentee.token),
        ("POST", f"/matches/{match['id']}/end", mentee.token),
        ("POST", f"/threads/{match['thread_id']}/messages", mentee.token),
    ]


@pytest.mark.parametrize("shape", sorted(DEEP_BODIES))
def test_a_deeply_nested_body_is_a_400_on_every_json_route_and_a_401_first_without_a_token(api, routes, shape):
    body = DEEP_BODIES[shape]
    for method, path, token in routes:
        response = api.request(method, path, raw=body, token=token)
        assert response.status_code == 400, (method, path, response.json)
        assert response.json["Message"] == f"body: nested too deeply (at most {MAX_JSON_DEPTH} levels)"
        if token:
            assert api.request(method, path, raw=body).status_code == 401, (method, path)


@pytest.mark.parametrize("raw, message", [
    (b'{"body": "caf\xe9"}', "body: is not valid UTF-8"),
    ('{"body": NaN}', "body: malformed JSON"),
    ('{"body": "hi"} trailing', "body: malformed JSON"),
])
def test_a_body_that_is_not_utf8_json_is_a_400_on_every_json_route(api, routes, raw, message):
    for method, path, token in routes:
        response = api.request(method, path, raw=raw, token=token)
        assert (response.status_code, response.json["Message"]) == (400, message), (method, path)


LONE_SURROGATE = "hi \\ud83d"  # as it appears in JSON text: half of an emoji's surrogate pair


def test_a_lone_surrogate_is_a_400_naming_the_field_and_nothing_is_stored(api):
    mentor = factories.register_mentor(api, capacity=5)
    mentee = factories.register_mentee(api)

    intro = api.post("/matches", raw=f'{{"mentor_id": "{mentor.id}", "message": "{LONE_SURROGATE}"}}',
                     token=mentee.token)
    assert intro.status_code == 400
    assert intro.json["Message"].startswith("message: must be valid Unicode")
    assert api.get("/matches", token=mentee.token).json["matches"] == []

    match = api.post("/matches", {"mentor_id": mentor.id}, token=mentee.token).json["match"]
    api.post(f"/matches/{match['id']}/accept", token=mentor.token)
    sent = api.post(f"/threads/{match['thread_id']}/messages", raw=f'{{"body": "{LONE_SURROGATE}"}}',
                    token=mentee.token)
    assert sent.status_code == 400 and sent.json["Message"].startswith("body: must be valid Unicode")
    assert api.get(f"/threads/{match['thread_id']}/messages", token=mentee.token).json["messages"] == []

    registration = json.dumps(factories.mentee_body(languages=["en", "de"])).replace('"de"', '"\\udc00"')
    response = api.post("/users", raw=registration)
    assert response.status_code == 400 and response.json["Message"].startswith("languages.1: must be valid Unicode")


def test_an_emoji_sent_as_an_escaped_surrogate_pair_is_kept(api):
    mentor = factories.register_mentor(api)
    mentee = factories.register_mentee(api)
    intro = "Hi \U0001F600"
    response = api.post("/matches", raw=json.dumps({"mentor_id": mentor.id, "message": intro}), token=mentee.token)
    assert response.status_code == 201, response.json
    thread_id = response.json["match"]["thread_id"]
    messages = api.get(f"/threads/{thread_id}/messages", token=mentee.token).json["messages"]
    assert [message["body"] for message in messages] == [intro]


def test_a_text_body_that_is_not_unicode_is_a_400_through_the_lambda_entry_point(backend):
    """API Gateway hands the body over as text; one holding a lone surrogate cannot be encoded."""
    from app import app

    event = {
        "resource": "/users", "path": "/users", "httpMethod": "POST",
        "headers": {"content-type": "application/json"}, "multiValueHeaders": {},
        "queryStringParameters": None, "multiValueQueryStringParameters": None,
        "pathParameters": None, "stageVariables": None,
        "requestContext": {"resourcePath": "/users", "httpMethod": "POST", "path": "/api/users",
                           "stage": "api", "requestId": "surrogate-request"},
        "body": '{"name": "hi \ud83d"}', "isBase64Encoded": False,
    }
    response = app(event, None)
    assert response["statusCode"] == 400
    assert json.loads(response["body"])["Message"] == "body: is not valid UTF-8"
