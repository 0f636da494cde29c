"""Errors a request can end with. They are Chalice's own error classes, so responses keep
Chalice's `{"Code", "Message"}` shape; the names below say what they mean in this domain."""

from __future__ import annotations

from chalice import (
    BadRequestError,
    ChaliceUnhandledError,
    ConflictError,
    ForbiddenError,
    NotFoundError,
    UnauthorizedError,
)

NotAuthenticated = UnauthorizedError  # 401: missing or invalid token
NotAllowed = ForbiddenError  # 403: authenticated, but the role may not do this
NotFound = NotFoundError  # 404: unknown, or not visible to the caller (existence never revealed)
Conflict = ConflictError  # 409: duplicate email, capacity, invalid transition, closed thread


def InvalidInput(field: str, problem: str) -> BadRequestError:  # noqa: N802 (reads like the class it builds)
    """400 whose message starts with the offending field: ``goals: at least one goal is required``."""
    return BadRequestError(f"{field}: {problem}")


class DatabaseUnavailable(ChaliceUnhandledError):
    """DynamoDB throttled us or could not be reached. It propagates past the view so that the
    HTTP middleware can answer 503 with ``Retry-After`` instead of a 500."""

    retry_after_seconds = 1
