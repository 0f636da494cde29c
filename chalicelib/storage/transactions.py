"""Running a TransactWrite with retries on transient conflicts, and telling which condition failed."""

from __future__ import annotations

import random
import time
from typing import Callable

from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from ..errors import DatabaseUnavailable
from . import db
from .models import TableItem, attribute_name, serialized, serialized_value

# Cancellation codes that mean "someone else was writing the same item": worth another try.
_TRANSIENT = {"TransactionConflict", "ThrottlingError", "ProvisionedThroughputExceeded"}


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


class Transaction(TransactWrite):
    """PynamoDB's TransactWrite, plus two operations built from plain values instead of models.

    A model costs PynamoDB tens of microseconds to build, serialise and wrap in expressions; the
    transactions opening and closing a match write up to a dozen items, which made that the biggest
    part of those requests' own time (docs/PERFORMANCE.md, "Overhead"). These add the same items
    (serialised by the models' own attributes, see models.serialized) to the same request, in the
    same order: PynamoDB sends its lists of deletes, puts and updates as they are.
    """

    def __init__(self):
        super().__init__(connection=db.connection())
        self._table_name = db.table_connection().table_name

    def put_new(self, item_type: type[TableItem], values: dict) -> None:
        """Put `item_type(**values)`, conditioned on its key being free."""
        self._put_items.append({
            "TableName": self._table_name,
            "Item": serialized(item_type, values),
            "ConditionExpression": "attribute_not_exists(#pk)",
            "ExpressionAttributeNames": {"#pk": "pk"},
        })

    def set_values(self, item_type: type[TableItem], pk: str, sk: str, values: dict, *,
                   expected: dict | None = None, must_exist: bool = False) -> None:
        """Update the item at (`pk`, `sk`): set `values` (None removes the attribute), conditioned
        on each attribute of `expected` having its value there (None: not being there), and on
        the item existing when `must_exist`."""
        names: dict[str, str] = {}
        typed: dict[str, dict] = {}

        def placeholders(kind: str, number: int, name: str, value) -> tuple[str, str | None]:
            # `#<kind><n>` names the attribute; `:<kind><n>` holds the value (None: no value)
            names[f"#{kind}{number}"] = attribute_name(item_type, name)
            if value is None:
                return f"#{kind}{number}", None
            typed[f":{kind}{number}"] = serialized_value(item_type, name, value)
            return f"#{kind}{number}", f":{kind}{number}"

        sets, removes, conditions = [], [], []
        for number, (name, value) in enumerate(values.items()):
            attribute, new_value = placeholders("s", number, name, value)
            if new_value is None:
                removes.append(attribute)
            else:
                sets.append(f"{attribute} = {new_value}")
        for number, (name, value) in enumerate((expected or {}).items()):
            attribute, old_value = placeholders("c", number, name, value)
            conditions.append(f"attribute_not_exists({attribute})" if old_value is None else f"{attribute} = {old_value}")
        if must_exist:
            names["#pk"] = "pk"
            conditions.append("attribute_exists(#pk)")
        clauses = [f"SET {', '.join(sets)}"] if sets else []
        if removes:
            clauses.append(f"REMOVE {', '.join(removes)}")
        operation = {
            "TableName": self._table_name,
            "Key": {"pk": {"S": pk}, "sk": {"S": sk}},
            "UpdateExpression": " ".join(clauses),
            "ExpressionAttributeNames": names,
        }
        if typed:
            operation["ExpressionAttributeValues"] = typed
        if conditions:
            operation["ConditionExpression"] = " AND ".join(conditions)
        self._update_items.append(operation)


def _operations_in_request_order(transaction: TransactWrite) -> list[dict]:
    # PynamoDB sends condition checks, then deletes, puts and updates; the cancellation reasons
    # come back in that order, one per operation.
    return [
        *transaction._condition_check_items,
        *transaction._delete_items,
        *transaction._put_items,
        *transaction._update_items,
    ]


def _key_of(operation: dict) -> tuple[str, str]:
    key = operation.get("Key") or operation.get("Item") or {}
    return key.get("pk", {}).get("S", ""), key.get("sk", {}).get("S", "")


def write(build: Callable[[Transaction], None]) -> None:
    """One TransactWriteItems call: `build` adds the operations.

    Raises TransactionCancelled when DynamoDB cancels it (a condition failed or a conflict).
    """
    transaction = Transaction()
    try:
        with transaction:
            build(transaction)
    except TransactWriteError as error:
        reasons = error.cancellation_reasons
        if error.cause_response_code in {"TransactionConflictException", "TransactionInProgressException"}:
            raise TransactionCancelled({}, transient=True) from error
        if not reasons:
            raise
        operations = _operations_in_request_order(transaction)
        failed = {
            _key_of(operation): reason.raw_item
            for operation, reason in zip(operations, reasons)
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
