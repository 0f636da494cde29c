"""The OpenAPI 3.1 description of the HTTP API, served at ``GET /openapi.json``.

Generated, never written by hand: the paths from the route table (chalicelib.routes.contract),
every schema by pydantic from the models and types the table names: request models
(chalicelib.schemas), response models (chalicelib.responses) and the value types they share
(chalicelib.values), all in one pass so that each named type is one component.

The document is built on first use and cached (never at import, to keep cold starts cheap).
``tests/api/test_openapi.py`` checks that the table lists exactly the routes of the Chalice app.
"""

from __future__ import annotations

import threading
from typing import Any

from pydantic import TypeAdapter

from .http import DEFAULT_LIMIT, MAX_BODY_BYTES, MAX_LIMIT
from .routes.contract import ERRORS, EVERY_ROUTE_ERRORS, ROUTES, ErrorResponse, Param, Route, Text

OPENAPI_VERSION = "3.1.0"
API_VERSION = "1"

_JSON = "application/json"
_SCHEMAS = "#/components/schemas/"
_RESPONSES = "#/components/responses/"


def _schemas(routes: tuple[Route, ...], errors: dict[int | str, ErrorResponse]) -> tuple[dict, dict]:
    """The JSON schema of every type the routes and errors name, by key, and the named ones
    (the components), from one pydantic pass."""
    inputs = []
    for index, route in enumerate(routes):
        if route.body is not None:
            inputs.append(((index, "body"), "validation", TypeAdapter(route.body)))
        if isinstance(route.response, Text):
            inputs.append(((index, "response"), "serialization", TypeAdapter(str)))
        elif route.response is not None:
            inputs.append(((index, "response"), "serialization", TypeAdapter(route.response)))
        for param in route.params:
            inputs.append(((index, "param", param.name), "validation", TypeAdapter(param.type)))
        for header in route.response_headers:
            inputs.append(((index, "header", header.name), "serialization", TypeAdapter(header.type)))
    for status, error in errors.items():
        inputs.append((("error", status), "serialization", TypeAdapter(error.model)))
        for header in error.headers:
            inputs.append((("error", status, header.name), "serialization", TypeAdapter(header.type)))
    by_key, definitions = TypeAdapter.json_schemas(inputs, ref_template=_SCHEMAS + "{model}")
    return {key: schema for (key, _mode), schema in by_key.items()}, definitions.get("$defs", {})


def _parameter(param: Param, schema: dict) -> dict:
    parameter: dict[str, Any] = {"name": param.name, "in": param.where, "required": param.where == "path" or param.required}
    if param.description:
        parameter["description"] = param.description
    parameter["schema"] = schema if param.default is None else {**schema, "default": param.default}
    return parameter


def _response_header(header: Param, schema: dict) -> dict:
    return {"required": True, "description": header.description, "schema": schema}


def _operation(index: int, route: Route, schemas: dict) -> dict:
    operation: dict[str, Any] = {"operationId": route.view, "summary": route.summary, "tags": [route.tag]}
    if route.description:
        operation["description"] = route.description
    if route.auth_optional:
        operation["security"] = [{}, {"bearerAuth": []}]
    elif not route.auth:
        operation["security"] = []
    if route.params:
        operation["parameters"] = [_parameter(p, schemas[(index, "param", p.name)]) for p in route.params]
    if route.body is not None:
        operation["requestBody"] = {
            "required": route.body_required,
            "content": {_JSON: {"schema": schemas[(index, "body")]}},
        }
    success: dict[str, Any] = {"description": route.answer}
    if isinstance(route.response, Text):
        success["content"] = {media: {"schema": schemas[(index, "response")]} for media in route.response.media_types}
    elif route.response is not None:
        success["content"] = {_JSON: {"schema": schemas[(index, "response")]}}
    if route.response_headers:
        success["headers"] = {
            header.name: _response_header(header, schemas[(index, "header", header.name)])
            for header in route.response_headers
        }
    answers: dict[str, Any] = {str(route.status): success}
    if route.not_modified:
        answers["304"] = {"description": "Not modified (If-None-Match)."}
    for status in _error_statuses(route):
        answers[str(status)] = {"$ref": _RESPONSES + ERRORS[status].name}
    if route.rate_limit is not None:
        answers["429"] = {"$ref": _RESPONSES + route.rate_limit.name}
    operation["responses"] = answers
    return operation


def _error_statuses(route: Route) -> list[int]:
    statuses = {*route.errors, *EVERY_ROUTE_ERRORS}
    if route.auth:
        statuses.add(401)
    if route.database:
        statuses.add(503)
    return sorted(statuses)


def _error_responses(errors: dict[int | str, ErrorResponse], schemas: dict) -> dict:
    components = {}
    for status, error in errors.items():
        response: dict[str, Any] = {
            "description": error.description,
            "content": {_JSON: {"schema": schemas[("error", status)]}},
        }
        if error.headers:
            response["headers"] = {
                header.name: _response_header(header, schemas[("error", status, header.name)])
                for header in error.headers
            }
        components[error.name] = response
    return components


def _build() -> dict:
    errors = {**ERRORS, **{route.rate_limit.name: route.rate_limit for route in ROUTES if route.rate_limit}}
    schemas, components = _schemas(ROUTES, errors)
    paths: dict[str, dict] = {}
    for index, route in enumerate(ROUTES):
        paths.setdefault(route.path, {})[route.method.lower()] = _operation(index, route, schemas)
    return {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": "mlbridge",
            "version": API_VERSION,
            "summary": "Mentorship matching for backend engineers moving into machine learning.",
            "description": (
                "JSON in, JSON out. Errors keep Chalice's shape, `{\"Code\", \"Message\"}`, and the message "
                "names the offending field. Times are ISO 8601 UTC; ids are opaque. Lists are paginated "
                f"with `limit` (default {DEFAULT_LIMIT}, at most {MAX_LIMIT}) and the opaque "
                "`cursor` from `next_cursor`. Any request whose body is over "
                f"{MAX_BODY_BYTES // 1024} KiB is a 413. A 503 (database throttling or unavailable) "
                "comes with `Retry-After`. In front of the service, API Gateway answers 429 when "
                "it throttles."
            ),
        },
        "servers": [{"url": "/"}],
        "tags": [
            {"name": "users", "description": "Accounts, profiles, the mentor listing and the vocabulary."},
            {"name": "sign-in", "description": "Signing in by an emailed link or code; sessions, one per device."},
            {"name": "matches", "description": "Suggestions and the match lifecycle."},
            {"name": "threads", "description": "One thread per match: messages and read marks."},
            {"name": "waitlist", "description": "Mentees waiting for a mentor's free slot, first come, first served."},
            {"name": "safety", "description": "Blocking and reporting users."},
            {"name": "programs", "description": "Cohort programs: sign up with a code, matched all at once, optimally."},
            {"name": "web", "description": "The web app and this document."},
        ],
        "security": [{"bearerAuth": []}],
        "paths": paths,
        "components": {
            "securitySchemes": {
                "bearerAuth": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "The token returned once by POST /users.",
                },
            },
            "schemas": components,
            "responses": _error_responses(errors, schemas),
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
