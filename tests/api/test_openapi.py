"""The OpenAPI document: generated from one route table that lists exactly the app's routes,
valid OpenAPI 3.1, every schema generated from the pydantic request and response models, every
error documented, and real responses that match it."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate as validate_openapi

from chalicelib import openapi, responses, schemas, vocabulary
from chalicelib.routes.contract import ROUTES
from tests import factories

HTTP_METHODS = {"get", "put", "post", "delete", "patch", "options", "head", "trace"}
# Operations that never touch the database, so they cannot answer 503.
WITHOUT_DATABASE = {("GET", "/vocabulary"), ("GET", "/"), ("GET", "/static/{name}"), ("GET", "/openapi.json")}


def _operations(document: dict):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method in HTTP_METHODS:
                yield method.upper(), path, operation


def _resolve(document: dict, node: dict) -> dict:
    while "$ref" in node and node["$ref"].startswith("#/components/"):
        section, name = node["$ref"].split("/")[2:4]
        node = document["components"][section][name]
    return node


def test_the_route_table_lists_every_route_of_the_app_under_its_view_name_and_nothing_else():
    from app import app

    routed = {(method, path, entry.view_name) for path, methods in app.routes.items() for method, entry in methods.items()}
    table = {(route.method, route.path, route.view) for route in ROUTES}
    assert len(table) == len(ROUTES), "a route is listed twice"
    assert sorted(routed - table) == [], "routes of the app missing from chalicelib/routes/contract.py"
    assert sorted(table - routed) == [], "routes in chalicelib/routes/contract.py that the app does not serve"


def test_every_route_of_the_app_is_documented_and_every_documented_operation_is_routed():
    from app import app

    routed = {(method, path) for path, methods in app.routes.items() for method in methods}
    documented = {(method, path) for method, path, _ in _operations(openapi.document())}
    assert sorted(routed - documented) == [], "routes without a path and method in the OpenAPI document"
    assert sorted(documented - routed) == [], "documented operations that the app does not route"
    operation_ids = [operation["operationId"] for _, _, operation in _operations(openapi.document())]
    assert len(set(operation_ids)) == len(operation_ids)


def test_document_is_valid_openapi_3_1():
    document = openapi.document()
    assert document["openapi"].startswith("3.1.")
    validate_openapi(document)
    json.dumps(document)  # plain JSON all the way down


def test_document_is_built_on_first_use_not_at_import():
    script = textwrap.dedent(
        """
        import app
        from chalicelib import openapi
        assert openapi._document is None, "the OpenAPI document was built at import"
        openapi.document()
        assert openapi._document is not None
        print("ok")
        """
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_served_at_openapi_json_without_touching_the_database():
    from chalice.test import Client

    from app import app

    with Client(app) as client:
        response = client.http.get("/openapi.json")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    assert json.loads(response.body) == openapi.document_for("")


def _proxy_event(path: str, resource: str, stage_path: str) -> dict:
    """An API Gateway (REST, proxy integration) event, as Lambda receives it behind a stage."""
    return {
        "resource": resource,
        "path": path,
        "httpMethod": "GET",
        "headers": {"Accept": "application/json"},
        "multiValueHeaders": {"Accept": ["application/json"]},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": None,
        "stageVariables": None,
        "requestContext": {
            "resourcePath": resource,
            "httpMethod": "GET",
            "path": stage_path,
            "stage": "api",
            "requestId": "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
        },
        "body": None,
        "isBase64Encoded": False,
    }


def test_servers_name_the_api_gateway_stage_prefix():
    from app import app

    response = app(_proxy_event("/openapi.json", "/openapi.json", "/api/openapi.json"), None)
    assert response["statusCode"] == 200
    assert json.loads(response["body"])["servers"] == [{"url": "/api"}]


@pytest.mark.parametrize(
    "name, model",
    [
        ("MenteeRegistration", schemas.MenteeRegistration),
        ("MentorRegistration", schemas.MentorRegistration),
        ("MenteeUpdate", schemas.MenteeUpdate),
        ("MentorUpdate", schemas.MentorUpdate),
        ("MatchRequest", schemas.MatchRequest),
        ("TransitionRequest", schemas.TransitionRequest),
        ("MessageRequest", schemas.MessageRequest),
    ],
)
def test_request_schemas_are_generated_from_the_pydantic_models(name, model):
    documented = openapi.document()["components"]["schemas"][name]
    generated = model.model_json_schema()
    assert set(documented["properties"]) == set(model.model_fields)
    assert sorted(documented.get("required", [])) == sorted(generated.get("required", []))
    assert documented["additionalProperties"] is False


def test_closed_value_lists_are_named_in_request_schemas():
    components = openapi.document()["components"]["schemas"]
    mentee = components["MenteeRegistration"]["properties"]
    assert mentee["target_framework"] == {"$ref": "#/components/schemas/FrameworkId"}
    assert mentee["goals"]["items"] == {"$ref": "#/components/schemas/GoalId"}
    assert mentee["timezone"] == {"$ref": "#/components/schemas/Timezone"}
    assert "Europe/Berlin" in components["Timezone"]["enum"]


def test_value_lists_are_the_vocabulary_and_are_named_in_responses_too():
    components = openapi.document()["components"]["schemas"]
    assert components["FrameworkId"]["enum"] == list(vocabulary.FRAMEWORK_IDS)
    assert components["GoalId"]["enum"] == list(vocabulary.GOAL_IDS)
    assert components["MotivationId"]["enum"] == list(vocabulary.MOTIVATION_IDS)
    assert "en" in components["LanguageCode"]["enum"]
    mentor = components["PublicMentor"]["properties"]
    assert mentor["frameworks"]["items"] == {"$ref": "#/components/schemas/FrameworkId"}
    assert mentor["timezone"] == {"$ref": "#/components/schemas/Timezone"}
    assert components["Match"]["properties"]["status"] == {"$ref": "#/components/schemas/MatchStatus"}
    from chalicelib.services.matches import STATUSES

    assert components["MatchStatus"]["enum"] == list(STATUSES)


def test_each_named_type_is_one_component():
    # A model or type alias used by requests and responses alike has one schema, not an -Input
    # and an -Output variant.
    names = openapi.document()["components"]["schemas"]
    assert [name for name in names if name.endswith(("-Input", "-Output"))] == []


@pytest.mark.parametrize("route", ROUTES, ids=[f"{r.method} {r.path}" for r in ROUTES])
def test_response_schemas_are_generated_from_the_response_models(route):
    operation = openapi.document()["paths"][route.path][route.method.lower()]
    success = operation["responses"][str(route.status)]
    if route.response is None:
        assert "content" not in success
        return
    for media_type, content in success["content"].items():
        if media_type == "application/json" and isinstance(route.response, type):
            assert content["schema"] == {"$ref": f"#/components/schemas/{route.response.__name__}"}
            generated = route.response.model_json_schema(mode="serialization")
            documented = openapi.document()["components"]["schemas"][route.response.__name__]
            assert set(documented["properties"]) == set(generated["properties"])
            assert documented["additionalProperties"] is False


def test_a_match_has_every_field_of_the_contract_with_the_closing_ones_nullable():
    match = openapi.document()["components"]["schemas"]["Match"]
    assert set(match["properties"]) == set(match["required"]) == {
        "id", "mentee_id", "mentor_id", "status", "score", "reasons", "thread_id", "created_at", "updated_at",
        "closed_at", "closed_by", "close_reason", "origin", "feedback",
    }
    assert match["properties"]["origin"]["enum"] == ["request", "waitlist", "program"]
    assert "expired" in openapi.document()["components"]["schemas"]["MatchStatus"]["enum"]
    for field in ("closed_at", "closed_by", "close_reason"):
        assert {"type": "null"} in match["properties"][field]["anyOf"], field


def test_only_clearable_fields_may_be_null_in_a_profile_update():
    for name in ("MenteeUpdate", "MentorUpdate"):
        for field, node in openapi.document()["components"]["schemas"][name]["properties"].items():
            allows_null = any(option.get("type") == "null" for option in node.get("anyOf", []))
            assert allows_null == (field in schemas.CLEARABLE_FIELDS), (name, field)


def test_every_operation_documents_the_errors_it_can_return():
    document = openapi.document()
    for method, path, operation in _operations(document):
        responses = operation["responses"]
        label = f"{method} {path}"
        assert "413" in responses, label
        if operation.get("security", document["security"]):
            assert "401" in responses, label
        if (method, path) not in WITHOUT_DATABASE:
            assert "503" in responses, label
            retry_after = _resolve(document, responses["503"])["headers"]["Retry-After"]
            assert retry_after["required"] is True
        # API Gateway throttles every route of the stage, before the service runs, in its own shape;
        # the sign-in emails' limit is the service's own, in the contract's shape with Retry-After.
        too_many = _resolve(document, responses["429"])
        if (method, path) == ("POST", "/auth/links"):
            assert too_many["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}
            assert too_many["headers"]["Retry-After"]["required"] is True
        else:
            assert too_many["content"]["application/json"]["schema"] == {
                "$ref": "#/components/schemas/GatewayError"}, label
        for status, response in responses.items():
            if status.startswith(("4", "5")) and status != "429":
                content = _resolve(document, response)["content"]["application/json"]
                assert content["schema"] == {"$ref": "#/components/schemas/Error"}, (label, status)


def test_public_profiles_cannot_carry_an_email_or_token():
    components = openapi.document()["components"]["schemas"]
    for name in ("PublicMentee", "PublicMentor"):
        assert components[name]["additionalProperties"] is False
        assert not {"email", "token", "token_hash", "pk", "sk"} & set(components[name]["properties"])


def test_a_response_model_refuses_what_its_schema_does_not_allow():
    # The models are the boundary: a service that builds a response off the contract fails there
    # (a 500 the tests see), instead of sending it.
    from pydantic import ValidationError

    profile = {"id": "01J", "role": "mentor", "name": "Ana", "bio": None, "timezone": "Europe/Lisbon",
               "languages": ["en"], "frameworks": ["pytorch"], "goals": ["kaggle"], "capacity": 2,
               "accepting": True, "years_in_ml": None, "transition_story": None, "moved_via": ["kaggle"],
               "mentorships_completed": 0, "rating": None, "rating_count": 0, "response_hours": None}
    responses.PublicMentor.model_validate(profile)
    for change in ({"email": "ana@example.com"}, {"frameworks": ["torch"]}, {"languages": ["english"]},
                   {"rating": 5.5}, {"moved_via": ["moving"]}, {"response_hours": -1}):
        with pytest.raises(ValidationError):
            responses.PublicMentor.model_validate({**profile, **change})


# --- real responses against the document ----------------------------------------------------


class DocumentedResponses:
    """Validates a response body against the schema documented for its operation and status."""

    def __init__(self):
        self.document = openapi.document()

    def check(self, method: str, path: str, response) -> None:
        operation = self.document["paths"][path][method.lower()]
        status = str(response.status_code)
        assert status in operation["responses"], f"{method} {path} answered an undocumented {status}"
        documented = _resolve(self.document, operation["responses"][status])
        if "content" not in documented:
            assert not response.body
            return
        schema = documented["content"]["application/json"]["schema"]
        validator = Draft202012Validator(
            {**schema, "components": self.document["components"]},
            format_checker=Draft202012Validator.FORMAT_CHECKER,
        )
        errors = [f"{list(error.absolute_path)}: {error.message}" for error in validator.iter_errors(response.json)]
        assert errors == [], f"{method} {path} {status}: {errors}"


def test_responses_of_a_whole_journey_match_the_document(api):
    documented = DocumentedResponses()

    def call(method, template, path=None, **kwargs):
        response = api.request(method, path or template, **kwargs)
        documented.check(method, template, response)
        return response

    call("GET", "/vocabulary")
    mentor = call("POST", "/users", body=factories.mentor_body()).json
    mentee = call("POST", "/users", body=factories.mentee_body()).json
    mentor_token, mentee_token = mentor["token"], mentee["token"]
    call("POST", "/users", body=factories.mentee_body(email=mentee["user"]["email"]))  # 409
    call("POST", "/users", body=factories.mentee_body(goals=[]))  # 400
    call("GET", "/users/me", token=mentee_token)
    call("GET", "/users/me", token="nobody.secret")  # 401
    call("PATCH", "/users/me", body={"bio": None, "backend_years": 9}, token=mentee_token)
    call("PATCH", "/users/me", body={"capacity": 3}, token=mentor_token)
    call("GET", "/users/{user_id}", f"/users/{mentor['user']['id']}", token=mentee_token)
    call("GET", "/users/{user_id}", "/users/unknown", token=mentee_token)  # 404
    call("GET", "/mentors")
    call("GET", "/mentors", "/mentors?framework=torch&goal=kaggle&limit=1")
    call("GET", "/mentors", "/mentors?cursor=forged")  # 400
    call("GET", "/matches/suggestions", token=mentee_token)
    call("GET", "/matches/suggestions", token=mentor_token)  # 403
    match = call("POST", "/matches", body={"mentor_id": mentor["user"]["id"], "message": "Hi!"},
                 token=mentee_token).json["match"]
    call("GET", "/matches", token=mentor_token)
    call("GET", "/matches/{match_id}", f"/matches/{match['id']}", token=mentee_token)
    call("POST", "/matches/{match_id}/cancel", f"/matches/{match['id']}/cancel", token=mentor_token)  # 409
    call("POST", "/matches/{match_id}/accept", f"/matches/{match['id']}/accept", token=mentor_token)
    call("GET", "/users/{user_id}", f"/users/{mentee['user']['id']}", token=mentor_token)
    thread_id = match["thread_id"]
    call("POST", "/threads/{thread_id}/messages", f"/threads/{thread_id}/messages", body={"body": "Welcome"},
         token=mentor_token, headers={"Idempotency-Key": "k1"})
    call("GET", "/threads", token=mentee_token)
    call("GET", "/threads/{thread_id}/messages", f"/threads/{thread_id}/messages?limit=1", token=mentee_token)
    call("POST", "/threads/{thread_id}/read", f"/threads/{thread_id}/read", token=mentee_token)
    call("POST", "/matches/{match_id}/end", f"/matches/{match['id']}/end", body={"reason": "done"},
         token=mentee_token)
    call("POST", "/threads/{thread_id}/messages", f"/threads/{thread_id}/messages", body={"body": "Late"},
         token=mentee_token)  # 409: read-only
    call("GET", "/users/me/export", token=mentee_token)
    call("DELETE", "/users/me", token=mentor_token)
    call("GET", "/threads", token=mentee_token)  # the other side is now a deleted user
    call("POST", "/users", raw="x" * (70 * 1024))  # 413
