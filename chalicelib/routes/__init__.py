"""The HTTP routes: one blueprint per area (users, matches, threads, the web app, this API's own
description). Every route is described in `chalicelib.routes.contract`, from which the OpenAPI
document is generated."""

from __future__ import annotations

from chalice import Response


def respond(model, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """A JSON response whose body is `model`, a response model of chalicelib.responses."""
    return Response(
        body=model.model_dump_json(),
        status_code=status,
        headers={**(headers or {}), "Content-Type": "application/json"},
    )


def json_body_of_caller(request, *, optional: bool = False):
    """The request's JSON body (chalicelib.http.json_body); when it cannot be read, a request without
    a valid token is answered 401 first, whatever its body."""
    from chalice import BadRequestError

    from ..http import authorization, json_body
    from ..services import auth

    try:
        return json_body(request, optional=optional)
    except BadRequestError:
        auth.authenticate(authorization(request))
        raise
