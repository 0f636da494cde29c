"""HTTP plumbing shared by the routes: the JSON body, the caller, paging parameters, and the
middleware that bounds bodies, maps database trouble to 503 and logs one JSON line a request."""

from __future__ import annotations

import json
import logging
import time

from chalice import Response
from chalice.app import Request

from . import auth
from .errors import DatabaseUnavailable, InvalidInput
from .storage import paging

MAX_BODY_BYTES = 64 * 1024

log = logging.getLogger("mlbridge.http")


def json_body(request: Request, *, optional: bool = False):
    """The parsed JSON body. Malformed JSON is a 400; an empty body is {} when `optional`."""
    raw = request.raw_body
    if not raw or not raw.strip():
        if optional:
            return {}
        raise InvalidInput("body", "a JSON object is required")
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise InvalidInput("body", "malformed JSON") from None


def caller(request: Request):
    """The authenticated user (401 otherwise)."""
    return auth.authenticate(request.headers.get("authorization"))


def caller_with_match(request: Request, match_id: str | None):
    """The authenticated user and their copy of match `match_id` (or None), read together."""
    return auth.authenticate_with_match(request.headers.get("authorization"), match_id)


def caller_with_matches(request: Request):
    """The authenticated user and their match copies, read together (401 otherwise)."""
    return auth.authenticate_with_matches(request.headers.get("authorization"))


def query_param(request: Request, name: str) -> str | None:
    params = request.query_params or {}
    return params.get(name)


def limit_param(request: Request, default: int = paging.DEFAULT_LIMIT, maximum: int = paging.MAX_LIMIT) -> int:
    return paging.parse_limit(query_param(request, "limit"), default=default, maximum=maximum)


def created(body: dict) -> Response:
    return Response(body=body, status_code=201)


def _error(status: int, code: str, message: str, headers: dict | None = None) -> Response:
    return Response(body={"Code": code, "Message": message}, status_code=status, headers=headers or {})


def _request_id(event: Request) -> str:
    context = getattr(event, "context", None) or {}
    return context.get("requestId") or "-"


def http_middleware(event: Request, get_response):
    """Bounds the body size, turns DatabaseUnavailable into 503, logs without secrets."""
    started = time.perf_counter()
    body = event.raw_body
    if body and len(body) > MAX_BODY_BYTES:
        response = _error(413, "RequestEntityTooLargeError", f"body: must be at most {MAX_BODY_BYTES} bytes")
    else:
        try:
            response = get_response(event)
        except DatabaseUnavailable as exc:
            log.warning(json.dumps({"event": "database_unavailable", "request_id": _request_id(event), "error": exc.__cause__.__class__.__name__ if exc.__cause__ else "contention"}))
            response = _error(
                503,
                "ServiceUnavailableError",
                str(exc),
                {"Retry-After": str(DatabaseUnavailable.retry_after_seconds)},
            )
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    # Only the method, the route template and the status: never a token, an email or a body.
    context = getattr(event, "context", None) or {}
    log.info(
        json.dumps(
            {
                "event": "request",
                "request_id": _request_id(event),
                "method": event.method,
                "route": context.get("resourcePath"),
                "status": response.status_code,
                "duration_ms": round((time.perf_counter() - started) * 1000, 2),
            }
        )
    )
    return response
