"""Domain errors. They subclass Chalice's error classes so a view needs no translation layer:
Chalice turns them into `{"Code", "Message"}` responses with the right status."""

from __future__ import annotations

from chalice import (
    BadRequestError,
    ChaliceUnhandledError,
    ConflictError,
    ForbiddenError,
    NotFoundError,
    UnauthorizedError,
)


class InvalidInput(BadRequestError):
    """400: the message starts with the offending field, e.g. ``goals: at least one goal is required``."""

    def __init__(self, field: str, problem: str):
        super().__init__(f"{field}: {problem}")
        self.field = field


class NotAuthenticated(UnauthorizedError):
    """401: missing or invalid token."""


class NotAllowed(ForbiddenError):
    """403: authenticated, but the caller's role may not do this."""


class NotFound(NotFoundError):
    """404: unknown, or not visible to the caller (existence is never revealed)."""


class Conflict(ConflictError):
    """409: duplicate email, capacity reached, invalid state transition, closed thread."""


class DatabaseUnavailable(ChaliceUnhandledError):
    """DynamoDB throttled us or could not be reached. It propagates past the view so that the
    HTTP middleware can answer 503 with ``Retry-After`` instead of a 500."""

    retry_after_seconds = 1
