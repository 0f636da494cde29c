"""HTTP plumbing shared by the routes: the JSON body, the token header, paging parameters, the
Blueprint whose views let database trouble through, and the middleware that bounds bodies, maps
database trouble to 503 and logs one JSON line a request."""

from __future__ import annotations

import functools
import json
import re
import time

import chalice
from chalice import ChaliceUnhandledError, ChaliceViewError, Response
from chalice.app import Request

from .errors import DatabaseUnavailable, InvalidInput, RateLimited, as_database_unavailable, database_trouble, trouble_name
from .logs import logger

MAX_BODY_BYTES = 64 * 1024
# Pages of a list: `?limit=` (default and maximum), and an opaque `cursor`.
DEFAULT_LIMIT = 20
MAX_LIMIT = 100
# How deep a JSON body may nest: no body of this API comes close. Deeper is a 400 before the
# parser or a validator recurses into a RecursionError (a 500).
MAX_JSON_DEPTH = 32


def _not_json(constant: str):
    raise ValueError(f"{constant} is not JSON")


# Python's parser also reads NaN and Infinity, which JSON does not have.
_DECODER = json.JSONDecoder(parse_constant=_not_json)
# A parsed str can only hold a surrogate code point through an escape from \uD800 to \uDFFF:
# strict UTF-8 decoding rejects encoded surrogates.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def json_body(request: Request, *, optional: bool = False):
    """The parsed JSON body; an empty body is {} when `optional`.

    400, naming the body or the field, when the body is not UTF-8, not JSON, nested deeper than
    MAX_JSON_DEPTH, or has a string with a lone surrogate (`"\\ud83d"`: half an emoji, no text).
    The checks beyond parsing cost a few C-level scans of the text unless it has many brackets
    or surrogate escapes."""
    raw = request.raw_body
    if not raw or not raw.strip():
        if optional:
            return {}
        raise InvalidInput("body", "a JSON object is required")
    try:
        text = raw.decode("utf-8-sig") if isinstance(raw, bytes) else raw  # a leading BOM is ignored
    except UnicodeDecodeError:
        raise InvalidInput("body", "is not valid UTF-8") from None
    try:
        value = _DECODER.decode(text)
    except RecursionError:
        raise _nested_too_deeply() from None
    except ValueError:
        raise InvalidInput("body", "malformed JSON") from None
    # There are at least as many brackets as levels: most bodies need no walk.
    if text.count("[") + text.count("{") > MAX_JSON_DEPTH and _deeper_than(value, MAX_JSON_DEPTH):
        raise _nested_too_deeply()
    if _SURROGATE_ESCAPE.search(text) and not _is_text(json.dumps(value, ensure_ascii=False)):
        raise InvalidInput(_where_not_text(value), "must be valid Unicode (it has a lone surrogate)")
    return value


def _nested_too_deeply():
    return InvalidInput("body", f"nested too deeply (at most {MAX_JSON_DEPTH} levels)")


def _deeper_than(value, limit: int) -> bool:
    """Whether arrays and objects nest more than `limit` levels deep in `value` (no recursion)."""
    stack = [(value, 1)] if isinstance(value, (dict, list)) else []
    while stack:
        node, depth = stack.pop()
        if depth > limit:
            return True
        for child in node.values() if isinstance(node, dict) else node:
            if isinstance(child, (dict, list)):
                stack.append((child, depth + 1))
    return False


def _is_text(string: str) -> bool:
    try:
        string.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _where_not_text(value) -> str:
    """Where the first string in `value` that is not valid Unicode is: `message`, `languages.1`;
    for a key, the object that has it; `body` for the top level."""
    stack = [(value, "")]
    while stack:
        node, path = stack.pop()
        if isinstance(node, str):
            if not _is_text(node):
                return path[:100] or "body"
        elif isinstance(node, dict):
            if not all(_is_text(key) for key in node):
                return path[:100] or "body"
            stack.extend((child, f"{path}.{key}" if path else key) for key, child in reversed(node.items()))
        elif isinstance(node, list):
            stack.extend((child, f"{path}.{index}" if path else str(index))
                         for index, child in reversed(list(enumerate(node))))
    return "body"


def authorization(request: Request) -> str | None:
    """The `Authorization` header (services.auth checks it)."""
    return request.headers.get("authorization")


def query_param(request: Request, name: str) -> str | None:
    params = request.query_params or {}
    return params.get(name)


def limit_param(request: Request, default: int = DEFAULT_LIMIT, maximum: int = MAX_LIMIT) -> int:
    """`?limit=`: an integer from 1 to `maximum`; `default` when absent or empty (400 otherwise)."""
    raw = query_param(request, "limit")
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise InvalidInput("limit", "must be an integer") from None
    if value < 1 or value > maximum:
        raise InvalidInput("limit", f"must be between 1 and {maximum}")
    return value


def _error(status: int, code: str, message: str, headers: dict | None = None) -> Response:
    return Response(body={"Code": code, "Message": message}, status_code=status, headers=headers or {})


def http_middleware(event: Request, get_response):
    """Bounds the body size, answers 503 for database trouble, and logs one line a request: the
    method, the route template, the status and the duration, with API Gateway's request id as the
    correlation id of every line logged meanwhile. Never a token, an email or a body."""
    started = time.perf_counter()
    context = getattr(event, "context", None) or {}
    logger.thread_safe_append_keys(correlation_id=context.get("requestId"))
    try:
        response = _response(event, get_response)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        logger.info(
            "request",
            extra={
                "method": event.method,
                "route": context.get("resourcePath"),
                "status": response.status_code,
                "duration_ms": round((time.perf_counter() - started) * 1000, 2),
            },
        )
        return response
    finally:
        logger.thread_safe_remove_keys(["correlation_id"])


def _response(event: Request, get_response) -> Response:
    try:
        body = event.raw_body
    except ValueError:  # a text body that does not encode as UTF-8 (a lone surrogate)
        return _error(400, "BadRequestError", "body: is not valid UTF-8")
    if body and len(body) > MAX_BODY_BYTES:
        return _error(413, "RequestEntityTooLargeError", f"body: must be at most {MAX_BODY_BYTES} bytes")
    try:
        return get_response(event)
    except Exception as exc:  # only what the views let through: see Blueprint
        if not database_trouble(exc):
            raise
        logger.warning("database unavailable", extra={"error": trouble_name(exc)})
        return _error(
            503,
            "ServiceUnavailableError",
            str(as_database_unavailable(exc)),
            {"Retry-After": str(DatabaseUnavailable.retry_after_seconds)},
        )


class Blueprint(chalice.Blueprint):
    """Chalice's Blueprint, whose views let database trouble through to the HTTP middleware, and
    answer errors.RateLimited with a 429 and its `Retry-After`.

    Chalice answers 500 for whatever a view raises before any middleware sees it, except a
    ChaliceUnhandledError. So each view is registered wrapped: database trouble (botocore's or
    PynamoDB's, see errors.database_trouble) leaves it as DatabaseUnavailable, which the middleware
    answers with a 503. chalice.test.Client, `chalice local` and Lambda all call the app the same
    way, so it works alike in all three."""

    def route(self, path: str, **kwargs):
        register = super().route(path, **kwargs)
        return lambda view: register(_letting_database_trouble_through(view))


def _letting_database_trouble_through(view):
    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        try:
            return view(*args, **kwargs)
        except (ChaliceViewError, ChaliceUnhandledError):
            raise  # a 4xx the view meant, or already let through
        except RateLimited as limited:  # Chalice's 429 cannot carry Retry-After
            return _error(429, "TooManyRequestsError", limited.message,
                          {"Retry-After": str(limited.retry_after_seconds)})
        except Exception as exc:
            if database_trouble(exc):
                raise as_database_unavailable(exc) from exc
            raise

    return wrapped
