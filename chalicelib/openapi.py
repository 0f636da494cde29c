"""The OpenAPI 3.1 description of the HTTP API, served at ``GET /openapi.json``.

One source of truth for each part:
- request bodies are the JSON schemas of the pydantic models in ``chalicelib.schemas``, with the
  closed value lists (frameworks, goals, motivations, languages, time zones) named, because the
  models check those with validators that a JSON schema cannot see;
- response bodies are written once, here;
- the values of the lists come from ``chalicelib.vocabulary``, ``chalicelib.languages`` and the
  IANA time zone database.

The document is built on first use and cached (never at import, to keep cold starts cheap).
``tests/api/test_openapi.py`` checks that it lists exactly the routes of the Chalice app.
"""

from __future__ import annotations

import threading
from typing import Any
from zoneinfo import available_timezones

from email_validator import SPECIAL_USE_DOMAIN_NAMES
from pydantic import BaseModel

from . import schemas, vocabulary
from .http import MAX_BODY_BYTES
from .languages import ISO_639_1
from .services.matches import STATUSES
from .services.matching import MAX_SUGGESTIONS
from .storage import paging

OPENAPI_VERSION = "3.1.0"
API_VERSION = "1"

_JSON = "application/json"


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _nullable(schema: dict) -> dict:
    return {"anyOf": [schema, {"type": "null"}]}


def _array(items: dict, **constraints) -> dict:
    return {"type": "array", "items": items, **constraints}


def _object(properties: dict, *, optional: tuple[str, ...] = (), closed: bool = True, **extra) -> dict:
    schema = {
        "type": "object",
        "properties": properties,
        "required": [name for name in properties if name not in optional],
        **extra,
    }
    if closed:
        schema["additionalProperties"] = False
    return schema


_STRING = {"type": "string"}
_ID = {"type": "string", "minLength": 1, "description": "An opaque id (a ULID)."}
_TIME = {"type": "string", "format": "date-time", "description": "ISO 8601 UTC, e.g. 2026-11-28T10:15:00.000Z"}
_COUNT = {"type": "integer", "minimum": 0}

# --- named value lists ------------------------------------------------------------------------

_ANY_SPELLING = " Input also accepts the labels and aliases of GET /vocabulary, in any case; output is always the id."


def _value_lists() -> dict[str, dict]:
    return {
        "FrameworkId": {
            "type": "string",
            "enum": list(vocabulary.FRAMEWORK_IDS),
            "description": "A framework id." + _ANY_SPELLING,
        },
        "GoalId": {"type": "string", "enum": list(vocabulary.GOAL_IDS), "description": "A goal id." + _ANY_SPELLING},
        "MotivationId": {
            "type": "string",
            "enum": list(vocabulary.MOTIVATION_IDS),
            "description": "A motivation id." + _ANY_SPELLING,
        },
        "LanguageCode": {
            "type": "string",
            "enum": sorted(ISO_639_1),
            "description": "An ISO 639-1 language code (input is case-insensitive).",
        },
        "Timezone": {
            "type": "string",
            "enum": sorted(available_timezones()),
            "description": "An IANA time zone name, e.g. Europe/Berlin.",
        },
    }


# Request fields whose values come from a closed list. The pydantic models accept plain strings and
# check them in validators; the document names the list instead, so that clients (and the fuzzer)
# know which values are valid.
_FIELD_VALUE_LISTS = {
    "target_framework": "FrameworkId",
    "frameworks": "FrameworkId",
    "goals": "GoalId",
    "motivation": "MotivationId",
    "languages": "LanguageCode",
    "timezone": "Timezone",
}
# Text fields that must contain something besides white space (checked after trimming).
_NOT_BLANK = {"minLength": 1, "pattern": r"\S"}


def _any_case(word: str) -> str:
    # JSON Schema patterns (ECMA 262) have no inline flags: spell out both cases instead.
    return "".join(f"[{c.lower()}{c.upper()}]" if c.isalpha() else "\\" + c for c in word)


# pydantic's EmailStr (email-validator) refuses special-use domains such as example.test.
_DELIVERABLE_EMAIL = {
    "not": {"pattern": "[@.](?:" + "|".join(_any_case(name) for name in SPECIAL_USE_DOMAIN_NAMES) + ")$"},
    "description": "An email address with a deliverable domain (not .test, .local, .invalid, ...).",
}
_FIELD_REFINEMENTS = {"name": _NOT_BLANK, "email": _DELIVERABLE_EMAIL}


def _refine_fields(schema: dict) -> None:
    """Point the fields of `_FIELD_VALUE_LISTS` at their list and add `_FIELD_REFINEMENTS`,
    keeping pydantic's other rules."""

    def refine(field: str, node: dict) -> dict:
        if node.get("type") == "array":
            return {**node, "items": _ref(_FIELD_VALUE_LISTS[field])}
        if node.get("type") == "string":
            return _ref(_FIELD_VALUE_LISTS[field])
        return node

    for field, node in schema.get("properties", {}).items():
        if field in _FIELD_VALUE_LISTS:
            if "anyOf" in node:
                node["anyOf"] = [refine(field, option) for option in node["anyOf"]]
            else:
                refined = refine(field, node)
                if "default" in node:
                    refined = {**refined, "default": node["default"]}
                schema["properties"][field] = refined
        if field in _FIELD_REFINEMENTS:
            options = node["anyOf"] if "anyOf" in node else [node]
            for option in options:
                if option.get("type") == "string":
                    option.update(_FIELD_REFINEMENTS[field])


def _request_schema(model: type[BaseModel], *, nullable: frozenset[str] | None = None) -> dict:
    """The JSON schema of a request model, as the API validates it.

    `nullable`: for partial updates, the only fields that may be null (clearing them); the models
    use None for "not given", which the service rejects as a value for every other field.
    """
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    schema.pop("$defs", None)  # the request models are flat
    _refine_fields(schema)
    if nullable is not None:
        for field, node in schema["properties"].items():
            if field not in nullable and "anyOf" in node:
                options = [option for option in node["anyOf"] if option.get("type") != "null"]
                node.pop("anyOf")
                node.update(options[0] if len(options) == 1 else {"anyOf": options})
                node.pop("default", None)
    return schema


def _request_schemas() -> dict[str, dict]:
    message = _request_schema(schemas.MessageRequest)
    body = message["properties"]["body"]
    body.update(_NOT_BLANK, maxLength=4000, description="1 to 4000 characters after trimming white space.")
    return {
        "MenteeRegistration": _request_schema(schemas.MenteeRegistration),
        "MentorRegistration": _request_schema(schemas.MentorRegistration),
        "MenteeUpdate": _request_schema(schemas.MenteeUpdate, nullable=schemas.CLEARABLE_FIELDS),
        "MentorUpdate": _request_schema(schemas.MentorUpdate, nullable=schemas.CLEARABLE_FIELDS),
        "MatchRequest": _request_schema(schemas.MatchRequest),
        "TransitionRequest": _request_schema(schemas.TransitionRequest),
        "MessageRequest": message,
    }


# --- response bodies --------------------------------------------------------------------------

_COMMON_PROFILE = {
    "id": _ID,
    "name": _STRING,
    "bio": _nullable(_STRING),
    "timezone": _ref("Timezone"),
    "languages": _array(_ref("LanguageCode")),
}
_MENTEE_FIELDS = {
    "target_framework": _ref("FrameworkId"),
    "frameworks": _array(_ref("FrameworkId")),
    "goals": _array(_ref("GoalId")),
    "motivation": _ref("MotivationId"),
    "backend_years": {"type": "integer", "minimum": 0},
    "current_stack": _nullable(_STRING),
}
_MENTOR_FIELDS = {
    "frameworks": _array(_ref("FrameworkId")),
    "goals": _array(_ref("GoalId")),
    "capacity": {"type": "integer", "minimum": 1},
    "accepting": {"type": "boolean"},
    "years_in_ml": _nullable({"type": "integer", "minimum": 0}),
    "transition_story": _nullable(_STRING),
}
_OWN_FIELDS = {"email": {"type": "string", "format": "email"}, "created_at": _TIME, "updated_at": _TIME}


def _profile(role: str, fields: dict, description: str) -> dict:
    properties = {"id": _COMMON_PROFILE["id"], "role": {"const": role}}
    properties.update({k: v for k, v in _COMMON_PROFILE.items() if k != "id"})
    properties.update(fields)
    return _object(properties, description=description)


def _response_schemas() -> dict[str, dict]:
    public = "A public profile: never an email, token material or internal keys."
    own = "The caller's own profile: the public one plus email, timestamps and the open-match count."
    match_statuses = list(STATUSES)
    return {
        "Error": _object(
            {"Code": {"type": "string", "examples": ["BadRequestError"]},
             "Message": {"type": "string", "examples": ["goals: at least one goal is required"]}},
            description="Chalice's error shape; the message starts with the offending field.",
        ),
        "PublicMentee": _profile("mentee", _MENTEE_FIELDS, public),
        "PublicMentor": _profile("mentor", _MENTOR_FIELDS, public),
        "PublicProfile": {
            "oneOf": [_ref("PublicMentee"), _ref("PublicMentor")],
            "discriminator": {"propertyName": "role", "mapping": {
                "mentee": "#/components/schemas/PublicMentee", "mentor": "#/components/schemas/PublicMentor"}},
        },
        "OwnMentee": _profile("mentee", {**_MENTEE_FIELDS, **_OWN_FIELDS, "open_matches": {
            **_COUNT, "description": "Pending plus active matches."}}, own),
        "OwnMentor": _profile("mentor", {**_MENTOR_FIELDS, **_OWN_FIELDS, "active_mentees": {
            **_COUNT, "description": "Pending plus active matches."}}, own),
        "OwnProfile": {
            "oneOf": [_ref("OwnMentee"), _ref("OwnMentor")],
            "discriminator": {"propertyName": "role", "mapping": {
                "mentee": "#/components/schemas/OwnMentee", "mentor": "#/components/schemas/OwnMentor"}},
        },
        "DeletedUser": _object(
            {"id": _ID, "role": {"type": "null"}, "name": {"const": "Deleted user"}, "deleted": {"const": True}},
            description="Stands in for a participant who deleted their account.",
        ),
        "Registered": _object(
            {"user": _ref("OwnProfile"),
             "token": {"type": "string", "description": "The bearer token. Shown once; only a hash is stored."}},
        ),
        "MentorList": _object(
            {"mentors": _array(_ref("PublicMentor")), "next_cursor": _ref("NextCursor")},
        ),
        "NextCursor": {**_nullable(_STRING), "description": "Pass as `cursor` for the next page; null on the last page."},
        "Vocabulary": _object({
            "frameworks": _array(_object({"id": _ref("FrameworkId"), "label": _STRING, "aliases": _array(_STRING)})),
            "goals": _array(_object({"id": _ref("GoalId"), "label": _STRING, "description": _STRING})),
            "motivations": _array(_object({"id": _ref("MotivationId"), "label": _STRING})),
        }),
        "Suggestions": _object({
            "suggestions": _array(_object({
                "mentor": _ref("PublicMentor"),
                "score": {"type": "integer", "minimum": 0, "maximum": 100},
                "reasons": _array(_STRING),
            })),
        }, description="Best first; only mentors who can take the mentee now."),
        "Match": _object({
            "id": _ID,
            "mentee_id": _ID,
            "mentor_id": _ID,
            "status": {"type": "string", "enum": match_statuses},
            "score": {"type": "integer", "minimum": 0, "maximum": 100},
            "reasons": _array(_STRING),
            "thread_id": _ID,
            "created_at": _TIME,
            "updated_at": _TIME,
        }),
        "MatchEnvelope": _object({"match": _ref("Match")}),
        "MatchList": _object({"matches": _array(_ref("Match")), "next_cursor": _ref("NextCursor")}),
        "Message": _object({
            "id": _ID, "thread_id": _ID, "sender_id": _ID, "body": _STRING, "created_at": _TIME,
        }),
        "MessageEnvelope": _object({"message": _ref("Message")}),
        "MessageList": _object({"messages": _array(_ref("Message")), "next_cursor": _ref("NextCursor")}),
        "Thread": _object({
            "id": _ID,
            "match_id": _ID,
            "other": {"oneOf": [_ref("PublicMentee"), _ref("PublicMentor"), _ref("DeletedUser")]},
            "last_message": _nullable(_ref("Message")),
            "unread": {**_COUNT, "description": "The other participant's messages since the caller last read."},
            "updated_at": _TIME,
        }),
        "ThreadList": _object({"threads": _array(_ref("Thread")), "next_cursor": _ref("NextCursor")}),
        "ReadMark": _object({"unread": {"const": 0}}),
        "Export": _object({
            "profile": _ref("OwnProfile"),
            "matches": _array(_ref("Match")),
            "messages": _array(_ref("Message")),
        }, description="Everything stored about the caller: profile, matches and the messages they sent."),
    }


# --- responses, parameters --------------------------------------------------------------------

_ERRORS = {
    "400": ("BadRequest", "Invalid input: unknown vocabulary value, missing field, wrong type, too long, bad cursor, malformed JSON."),
    "401": ("Unauthorized", "Missing or invalid bearer token."),
    "403": ("Forbidden", "Authenticated, but the caller's role may not do this."),
    "404": ("NotFound", "Not found, or not visible to the caller (existence is never revealed)."),
    "409": ("Conflict", "Conflict: duplicate email, capacity reached, invalid state transition, closed thread."),
    "413": ("PayloadTooLarge", f"The request body is over {MAX_BODY_BYTES // 1024} KiB."),
    "503": ("ServiceUnavailable", "The database is throttling or unavailable; retry after `Retry-After` seconds."),
}


def _responses_components() -> dict:
    responses = {}
    for status, (name, description) in _ERRORS.items():
        response = {"description": description, "content": {_JSON: {"schema": _ref("Error")}}}
        if status == "503":
            response["headers"] = {
                "Retry-After": {"required": True, "description": "Seconds to wait before retrying.",
                                "schema": {"type": "integer", "minimum": 0}},
            }
        responses[name] = response
    return responses


def _json_response(description: str, schema_name: str, headers: dict | None = None) -> dict:
    response = {"description": description, "content": {_JSON: {"schema": _ref(schema_name)}}}
    if headers:
        response["headers"] = headers
    return response


def _parameters_components() -> dict:
    return {
        "Limit": {
            "name": "limit", "in": "query", "required": False,
            "description": f"Page size (default {paging.DEFAULT_LIMIT}, at most {paging.MAX_LIMIT}; empty: the default).",
            "schema": _limit(paging.MAX_LIMIT, paging.DEFAULT_LIMIT),
        },
        "Cursor": {
            "name": "cursor", "in": "query", "required": False,
            "description": "The `next_cursor` of the previous page, unchanged. It is opaque and tied to "
                           "the listing it came from; any other value is a 400.",
            "schema": {"type": "string", "maxLength": 1024},
        },
        "UserId": {"name": "user_id", "in": "path", "required": True, "schema": _ID},
        "MatchId": {"name": "match_id", "in": "path", "required": True, "schema": _ID},
        "ThreadId": {"name": "thread_id", "in": "path", "required": True, "schema": _ID},
        "IfNoneMatch": {
            "name": "If-None-Match", "in": "header", "required": False,
            "description": "An ETag from an earlier response: 304 while the file is unchanged.",
            "schema": {"type": "string"},
        },
    }


def _limit(maximum: int, default: int) -> dict:
    # An empty `limit=` means the default, like an absent one.
    return {"anyOf": [{"type": "integer", "minimum": 1, "maximum": maximum}, {"const": ""}], "default": default}


def _no_filter_or(list_name: str) -> dict:
    return {"anyOf": [_ref(list_name), {"const": ""}]}


def _param(name: str) -> dict:
    return {"$ref": f"#/components/parameters/{name}"}


def _operation(summary: str, responses: dict, *, errors: tuple[str, ...], public: bool = False,
               parameters: list | None = None, body: dict | None = None, body_required: bool = True,
               tag: str, operation_id: str, description: str | None = None) -> dict:
    operation: dict[str, Any] = {"operationId": operation_id, "summary": summary, "tags": [tag]}
    if description:
        operation["description"] = description
    if public:
        operation["security"] = []
    if parameters:
        operation["parameters"] = parameters
    if body is not None:
        operation["requestBody"] = {"required": body_required, "content": {_JSON: {"schema": body}}}
    all_responses = dict(responses)
    for status in sorted({*errors, "413"}):
        all_responses[status] = {"$ref": f"#/components/responses/{_ERRORS[status][0]}"}
    operation["responses"] = all_responses
    return operation


def _paths() -> dict:
    profile_statuses = ("401", "503")
    transition_doc = {
        "accept": ("The mentor accepts a pending match.", "pending → active; only the mentor."),
        "decline": ("The mentor declines a pending match.", "pending → declined; only the mentor."),
        "cancel": ("The mentee withdraws a pending request.", "pending → cancelled; only the mentee."),
        "end": ("Either participant ends an active match.", "active → ended."),
    }
    paths: dict[str, dict] = {
        "/vocabulary": {"get": _operation(
            "The frameworks, goals and motivations, with labels and aliases.",
            {"200": _json_response("The vocabulary (cacheable).", "Vocabulary",
                                   {"Cache-Control": {"schema": _STRING}})},
            errors=(), public=True, tag="users", operation_id="get_vocabulary")},
        "/users": {"post": _operation(
            "Register a mentee or a mentor.",
            {"201": _json_response("The new account's profile and its token (shown once).", "Registered")},
            errors=("400", "409", "503"), public=True, tag="users", operation_id="register",
            body={"oneOf": [_ref("MenteeRegistration"), _ref("MentorRegistration")],
                  "discriminator": {"propertyName": "role", "mapping": {
                      "mentee": "#/components/schemas/MenteeRegistration",
                      "mentor": "#/components/schemas/MentorRegistration"}}},
            description="409 if the email (case-insensitive) is taken.")},
        "/users/me": {
            "get": _operation(
                "The caller's own profile.", {"200": _json_response("The profile.", "OwnProfile")},
                errors=profile_statuses, tag="users", operation_id="get_me"),
            "patch": _operation(
                "Change some fields of the caller's profile, with the registration rules.",
                {"200": _json_response("The updated profile.", "OwnProfile")},
                errors=("400", "401", "404", "409", "503"), tag="users", operation_id="patch_me",
                body={"anyOf": [_ref("MenteeUpdate"), _ref("MentorUpdate")]},
                description="The fields of the caller's role (a mentee's fields for a mentee, a "
                            "mentor's for a mentor). `role` cannot change (400); only `bio`, "
                            "`current_stack`, `years_in_ml` and `transition_story` can be cleared with "
                            "null. 409 if the new email is taken; 404 if the account was deleted meanwhile."),
            "delete": _operation(
                "Delete the caller's account.",
                {"204": {"description": "Deleted: open matches ended, profile, email, token and index "
                                        "entries removed. Messages stay, shown as from a deleted user."}},
                errors=profile_statuses, tag="users", operation_id="delete_me"),
        },
        "/users/me/export": {"get": _operation(
            "Everything stored about the caller.", {"200": _json_response("The export.", "Export")},
            errors=profile_statuses, tag="users", operation_id="export_me")},
        "/users/{user_id}": {"get": _operation(
            "A public profile: any mentor, or a mentee to a mentor they share a match with.",
            {"200": _json_response("The public profile.", "PublicProfile")},
            errors=("401", "404", "503"), tag="users", operation_id="get_user",
            parameters=[_param("UserId")])},
        "/mentors": {"get": _operation(
            "Mentors who are accepting and have a free slot.",
            {"200": _json_response("A page of mentors.", "MentorList")},
            errors=("400", "503"), public=True, tag="users", operation_id="list_mentors",
            parameters=[
                {"name": "framework", "in": "query", "required": False, "schema": _no_filter_or("FrameworkId"),
                 "description": "Only mentors of this framework. Empty: no filter."},
                {"name": "goal", "in": "query", "required": False, "schema": _no_filter_or("GoalId"),
                 "description": "Only mentors who help with this goal. Empty: no filter."},
                _param("Limit"), _param("Cursor"),
            ])},
        "/matches/suggestions": {"get": _operation(
            "The mentors who fit the calling mentee best, with the reasons why.",
            {"200": _json_response("Suggestions, best first.", "Suggestions")},
            errors=("400", "401", "403", "503"), tag="matches", operation_id="suggestions",
            parameters=[{"name": "limit", "in": "query", "required": False,
                         "description": f"How many (default 5, at most {MAX_SUGGESTIONS}; empty: the default).",
                         "schema": _limit(MAX_SUGGESTIONS, 5)}],
            description="Mentees only (403 for a mentor).")},
        "/matches": {
            "post": _operation(
                "Request a match with a mentor (the best suggestion when none is named).",
                {"201": _json_response("The pending match.", "MatchEnvelope")},
                errors=("400", "401", "403", "404", "409", "503"), tag="matches", operation_id="request_match",
                body=_ref("MatchRequest"), body_required=False,
                description="Mentees only (403). The optional `message` becomes the thread's first "
                            "message. 404 for an unknown mentor, 400 if the id is not a mentor's, 409 if "
                            "the mentor is full or not accepting, if the mentee has 3 open matches, or "
                            "already one with this mentor."),
            "get": _operation(
                "The caller's matches, newest first.",
                {"200": _json_response("A page of matches.", "MatchList")},
                errors=("400", "401", "503"), tag="matches", operation_id="list_matches",
                parameters=[{"name": "status", "in": "query", "required": False,
                             "schema": {"type": "string", "enum": list(STATUSES)}},
                            _param("Limit"), _param("Cursor")]),
        },
        "/matches/{match_id}": {"get": _operation(
            "One of the caller's matches.", {"200": _json_response("The match.", "MatchEnvelope")},
            errors=("401", "404", "503"), tag="matches", operation_id="get_match",
            parameters=[_param("MatchId")])},
    }
    for action, (summary, rule) in transition_doc.items():
        paths[f"/matches/{{match_id}}/{action}"] = {"post": _operation(
            summary, {"200": _json_response("The match in its new state.", "MatchEnvelope")},
            errors=("400", "401", "404", "409", "503"), tag="matches", operation_id=f"{action}_match",
            parameters=[_param("MatchId")], body=_ref("TransitionRequest"), body_required=False,
            description=f"{rule} Any other transition is a 409.")}
    paths.update({
        "/threads": {"get": _operation(
            "The caller's threads, most recent activity first.",
            {"200": _json_response("A page of threads.", "ThreadList")},
            errors=("400", "401", "503"), tag="threads", operation_id="list_threads",
            parameters=[_param("Limit"), _param("Cursor")])},
        "/threads/{thread_id}/messages": {
            "get": _operation(
                "A thread's messages, newest first; the cursor walks back in time.",
                {"200": _json_response("A page of messages.", "MessageList")},
                errors=("400", "401", "404", "503"), tag="threads", operation_id="list_messages",
                parameters=[_param("ThreadId"), _param("Limit"), _param("Cursor")]),
            "post": _operation(
                "Send a message (marks the thread read for the sender).",
                {"201": _json_response("The stored message.", "MessageEnvelope")},
                errors=("400", "401", "404", "409", "503"), tag="threads", operation_id="post_message",
                parameters=[_param("ThreadId"), {
                    "name": "Idempotency-Key", "in": "header", "required": False,
                    "description": "A retry with the same key returns the same message and stores nothing new.",
                    "schema": {"type": "string", "minLength": 1, "maxLength": 200}}],
                body=_ref("MessageRequest"),
                description="409 if the thread is read-only (its match is closed), or if the "
                            "Idempotency-Key was used for a different message."),
        },
        "/threads/{thread_id}/read": {"post": _operation(
            "Mark everything in the thread read for the caller.",
            {"200": _json_response("Nothing left unread.", "ReadMark")},
            errors=("401", "404", "503"), tag="threads", operation_id="mark_read",
            parameters=[_param("ThreadId")])},
        "/": {"get": _operation(
            "The web app (HTML).",
            {"200": {"description": "The page.", "content": {"text/html": {"schema": _STRING}}},
             "304": {"description": "Not modified (If-None-Match)."}},
            errors=(), public=True, tag="web", operation_id="web_app", parameters=[_param("IfNoneMatch")])},
        "/static/{name}": {"get": _operation(
            "A script, style sheet or icon of the web app.",
            {"200": {"description": "The file.", "content": {
                "text/javascript": {"schema": _STRING},
                "text/css": {"schema": _STRING},
                "image/svg+xml": {"schema": _STRING}}},
             "304": {"description": "Not modified (If-None-Match)."}},
            errors=("404",), public=True, tag="web", operation_id="web_asset",
            parameters=[{"name": "name", "in": "path", "required": True, "schema": {"type": "string", "minLength": 1}},
                        _param("IfNoneMatch")])},
        "/openapi.json": {"get": _operation(
            "This document.",
            {"200": {"description": "The OpenAPI document.", "content": {_JSON: {"schema": {"type": "object"}}}}},
            errors=(), public=True, tag="web", operation_id="openapi_document")},
    })
    return paths


def _build() -> dict:
    components_schemas = {**_value_lists(), **_request_schemas(), **_response_schemas()}
    return {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": "mlbridge",
            "version": API_VERSION,
            "summary": "Mentorship matching for backend engineers moving into machine learning.",
            "description": (
                "JSON in, JSON out. Errors keep Chalice's shape, `{\"Code\", \"Message\"}`, and the message "
                "names the offending field. Times are ISO 8601 UTC; ids are opaque. Lists are paginated "
                f"with `limit` (default {paging.DEFAULT_LIMIT}, at most {paging.MAX_LIMIT}) and the opaque "
                "`cursor` from `next_cursor`. Any request whose body is over "
                f"{MAX_BODY_BYTES // 1024} KiB is a 413. A 503 (database throttling or unavailable) "
                "comes with `Retry-After`. In front of the service, API Gateway may answer 429 when "
                "it throttles."
            ),
        },
        "servers": [{"url": "/"}],
        "tags": [
            {"name": "users", "description": "Accounts, profiles, the mentor listing and the vocabulary."},
            {"name": "matches", "description": "Suggestions and the match lifecycle."},
            {"name": "threads", "description": "One thread per match: messages and read marks."},
            {"name": "web", "description": "The web app and this document."},
        ],
        "security": [{"bearerAuth": []}],
        "paths": _paths(),
        "components": {
            "securitySchemes": {
                "bearerAuth": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "The token returned once by POST /users.",
                },
            },
            "schemas": components_schemas,
            "responses": _responses_components(),
            "parameters": _parameters_components(),
        },
    }


_lock = threading.Lock()
_document: dict | None = None


def document() -> dict:
    """The OpenAPI document (built on first call, then cached). Callers must not modify it."""
    global _document
    if _document is None:
        with _lock:
            if _document is None:
                _document = _build()
    return _document


def document_for(base_path: str) -> dict:
    """The document with `servers` pointing at the path prefix the API is reached under
    ("" locally, "/api" behind an API Gateway stage)."""
    # A shallow copy: the shared document itself is never modified.
    return {**document(), "servers": [{"url": base_path or "/"}]}


__all__ = ["document", "document_for", "OPENAPI_VERSION"]
