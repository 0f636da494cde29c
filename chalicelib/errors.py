"""Errors a request can end with. They are Chalice's own error classes, so responses keep
Chalice's `{"Code", "Message"}` shape; the names below say what they mean in this domain.

`database_trouble` tells which exceptions mean "the database is unavailable" (a 503 with
`Retry-After`), from what botocore and PynamoDB expose publicly: a ClientError's error code, the
connection error classes, a PynamoDB exception's `cause` and an explicit `raise ... from`."""

from __future__ import annotations

from botocore.exceptions import ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as BotocoreConnectionError
from chalice import (
    BadRequestError,
    ChaliceUnhandledError,
    ConflictError,
    ForbiddenError,
    NotFoundError,
    UnauthorizedError,
)
from pynamodb.exceptions import PynamoDBException

NotAuthenticated = UnauthorizedError  # 401: missing or invalid token
NotAllowed = ForbiddenError  # 403: authenticated, but the role may not do this
NotFound = NotFoundError  # 404: unknown, or not visible to the caller (existence never revealed)
Conflict = ConflictError  # 409: duplicate email, capacity, invalid transition, closed thread
Invalid = BadRequestError  # 400: what InvalidInput builds (to catch one)


def InvalidInput(field: str, problem: str) -> BadRequestError:  # noqa: N802 (reads like the class it builds)
    """400 whose message starts with the offending field: ``goals: at least one goal is required``."""
    return BadRequestError(f"{field}: {problem}")


class DatabaseUnavailable(ChaliceUnhandledError):
    """DynamoDB throttled us or could not be reached. It propagates past the view so that the
    HTTP middleware can answer 503 with ``Retry-After`` instead of a 500."""

    retry_after_seconds = 1


# DynamoDB error codes that mean "try again later", not "your request is wrong".
UNAVAILABLE_CODES = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "RequestLimitExceeded",
        "InternalServerError",
        "ServiceUnavailable",
        "LimitExceededException",
    }
)
# botocore's transport failures: no connection (refused, DNS, TLS, proxy, connect time-out) and
# no answer (read time-out, connection closed mid-response).
_TRANSPORT_ERRORS = (BotocoreConnectionError, HTTPClientError)


def _error_code(exc: BaseException) -> str | None:
    if isinstance(exc, ClientError):
        return exc.response.get("Error", {}).get("Code")
    return None


def trouble_source(exc: BaseException) -> BaseException | None:
    """The exception that makes `exc` database trouble: itself or one of its causes (a PynamoDB
    exception's `cause`, or `__cause__`), or None when `exc` is not database trouble.

    A DatabaseUnavailable is trouble itself; its botocore cause, when it has one, is the source."""
    seen: set[int] = set()
    current: BaseException | None = exc
    found: BaseException | None = None
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, _TRANSPORT_ERRORS) or _error_code(current) in UNAVAILABLE_CODES:
            return current
        if isinstance(current, DatabaseUnavailable) and found is None:
            found = current
        cause = current.cause if isinstance(current, PynamoDBException) else None
        current = cause if cause is not None else current.__cause__
    return found


def database_trouble(exc: BaseException) -> bool:
    """Whether `exc` means that the database is unavailable (503), not that the request is wrong:
    DatabaseUnavailable; a botocore ClientError whose code is one of UNAVAILABLE_CODES; a botocore
    connection error or time-out; or an exception caused by one of these (PynamoDB's exceptions
    carry the botocore error as `cause`)."""
    return trouble_source(exc) is not None


def trouble_name(exc: BaseException) -> str:
    """What went wrong, for the logs: the DynamoDB error code or the botocore error class (never
    a message, which may quote a request)."""
    source = trouble_source(exc) or exc
    return _error_code(source) or type(source).__name__


def as_database_unavailable(exc: BaseException) -> DatabaseUnavailable:
    """The DatabaseUnavailable to answer for database trouble `exc`, caused by it."""
    if isinstance(exc, DatabaseUnavailable):
        return exc
    busy = _error_code(trouble_source(exc) or exc) in UNAVAILABLE_CODES
    unavailable = DatabaseUnavailable(
        "The database is busy, please retry" if busy else "The database is unavailable, please retry"
    )
    unavailable.__cause__ = exc
    return unavailable


class RateLimited(Exception):
    """429: too many requests of one kind; the route answers with `Retry-After`."""

    def __init__(self, message: str, retry_after_seconds: int):
        super().__init__(message)
        self.message = message
        self.retry_after_seconds = max(1, int(retry_after_seconds))
