"""Running a TransactWrite with retries on transient conflicts, and reading why one failed."""

from __future__ import annotations

import random
import time
from typing import Callable

from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from ..errors import DatabaseUnavailable
from . import db

# Cancellation codes that mean "someone else was writing the same item": worth another try.
_TRANSIENT = {"TransactionConflict", "ThrottlingError", "ProvisionedThroughputExceeded"}


class Retry(Exception):
    """Raised by a transaction builder (or after a failed condition) to start over with fresh reads."""


def cancellation_codes(error: TransactWriteError) -> list[str | None]:
    return [reason.code if reason else None for reason in error.cancellation_reasons]


def is_transient(error: TransactWriteError) -> bool:
    codes = cancellation_codes(error)
    if any(code in _TRANSIENT for code in codes):
        return True
    return error.cause_response_code in {"TransactionConflictException", "TransactionInProgressException"}


def write(build: Callable[[TransactWrite], None]) -> None:
    """One TransactWrite: `build` adds the operations; committed as a single call."""
    with TransactWrite(connection=db.connection()) as transaction:
        build(transaction)


def run_with_retries(attempt: Callable[[], object], attempts: int = 12) -> object:
    """Call `attempt` until it returns; it raises Retry (or a transient TransactWriteError) to go again.

    Each attempt re-reads what it conditions on, so a lost race is decided on fresh data.
    """
    for number in range(attempts):
        try:
            return attempt()
        except Retry:
            pass
        except TransactWriteError as error:
            if not is_transient(error):
                raise
        time.sleep(min(0.2, 0.005 * 2**number) * random.random())
    raise DatabaseUnavailable("Too much contention on this resource, please retry")
