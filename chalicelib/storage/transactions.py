"""Running a TransactWrite with retries on transient conflicts, and telling which condition failed."""

from __future__ import annotations

import random
import time
from typing import Any, Callable

from pynamodb.attributes import VersionAttribute
from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from ..errors import DatabaseUnavailable
from . import db
from .models import TableItem

# Cancellation codes that mean "someone else was writing the same item": worth another try.
_TRANSIENT = {"TransactionConflict", "ThrottlingError", "ProvisionedThroughputExceeded"}
# The order in which PynamoDB's TransactWrite sends its operations (Connection.transact_write_items:
# condition checks, which this module does not use, then deletes, puts and updates), which is the
# order of DynamoDB's cancellation reasons.
_REQUEST_ORDER = ("delete", "put", "update")


class Retry(Exception):
    """Raised by an attempt to start over with fresh reads (what it conditioned on changed)."""


class TransactionCancelled(Exception):
    """DynamoDB cancelled the transaction.

    `failed` maps the (pk, sk) of every operation whose condition failed to the item as it was
    (raw DynamoDB form, when the operation asked for ALL_OLD; otherwise None).
    """

    def __init__(self, failed: dict[tuple[str, str], dict | None], transient: bool):
        super().__init__(f"transaction cancelled: {sorted(failed)}")
        self.failed = failed
        self.transient = transient

    def failed_on(self, pk: str, sk: str | None = None) -> bool:
        return any(p == pk and (sk is None or s == sk) for p, s in self.failed)


class Transaction:
    """PynamoDB's TransactWrite on the shared connection, remembering each operation's key so that
    a cancellation can say which conditions failed. Plus two shorthands: `put_new` and `set_values`."""

    def __init__(self):
        self.write = TransactWrite(connection=db.connection())
        self.keys: dict[str, list[tuple[str, str]]] = {kind: [] for kind in _REQUEST_ORDER}

    def save(self, item: TableItem, condition=None, return_values: str | None = None) -> None:
        """Put `item` (conditioned on its version when it has one, as PynamoDB does)."""
        self.write.save(item, condition=condition, return_values=return_values)
        self.keys["put"].append((item.pk, item.sk))

    def delete(self, item: TableItem, condition=None) -> None:
        self.write.delete(item, condition=condition)
        self.keys["delete"].append((item.pk, item.sk))

    def update(self, item: TableItem, actions: list, condition=None, return_values: str | None = None) -> None:
        """Update `item`'s key with `actions`; a VersionAttribute set on `item` adds PynamoDB's
        version condition and increment."""
        self.write.update(item, actions=actions, condition=condition, return_values=return_values)
        self.keys["update"].append((item.pk, item.sk))

    def put_new(self, item: TableItem) -> None:
        """Put `item`, conditioned on its key being free."""
        self.save(item, condition=type(item).pk.does_not_exist())

    def set_values(self, item_type: type[TableItem], pk: str, sk: str, values: dict[str, Any], *,
                   expected: dict[str, Any] | None = None, must_exist: bool = False) -> None:
        """Update the item at (`pk`, `sk`): set `values` (None removes the attribute), conditioned
        on each attribute of `expected` having its value there (None: not being there), and on
        the item existing when `must_exist`. For items without a version (a versioned item is
        updated with `update` on a model holding the version it was computed from)."""
        attributes = item_type.get_attributes()
        if any(isinstance(attribute, VersionAttribute) for attribute in attributes.values()):
            raise TypeError(f"{item_type.__name__} has a version: update it with `update`")
        actions = [
            attributes[name].remove() if value is None else attributes[name].set(value)
            for name, value in values.items()
        ]
        condition = item_type.pk.exists() if must_exist else None
        for name, value in (expected or {}).items():
            clause = attributes[name].does_not_exist() if value is None else attributes[name] == value
            condition = clause if condition is None else condition & clause
        self.update(item_type(pk, sk), actions, condition=condition)

    def operation_keys(self) -> list[tuple[str, str]]:
        """The key of each operation, in the order the request sends them."""
        return [key for kind in _REQUEST_ORDER for key in self.keys[kind]]


def write(build: Callable[[Transaction], None]) -> None:
    """One TransactWriteItems call: `build` adds the operations.

    Raises TransactionCancelled when DynamoDB cancels it (a condition failed or a conflict).
    """
    transaction = Transaction()
    build(transaction)
    try:
        with transaction.write:
            pass
    except TransactWriteError as error:
        reasons = error.cancellation_reasons
        if error.cause_response_code in {"TransactionConflictException", "TransactionInProgressException"}:
            raise TransactionCancelled({}, transient=True) from error
        if not reasons:
            raise
        failed = {
            key: reason.raw_item
            for key, reason in zip(transaction.operation_keys(), reasons)
            if reason is not None and reason.code == "ConditionalCheckFailed"
        }
        transient = any(reason is not None and reason.code in _TRANSIENT for reason in reasons)
        raise TransactionCancelled(failed, transient=transient and not failed) from error


def run_with_retries(attempt: Callable[[], object], attempts: int = 12) -> object:
    """Call `attempt` until it returns; Retry or a transient cancellation makes it go again.

    Each attempt re-reads what it conditions on, so a lost race is decided on fresh data.
    """
    for number in range(attempts):
        try:
            return attempt()
        except Retry:
            pass
        except TransactionCancelled as cancelled:
            if not cancelled.transient:
                raise
        time.sleep(min(0.2, 0.005 * 2**number) * random.random())
    raise DatabaseUnavailable("Too much contention on this resource, please retry")
