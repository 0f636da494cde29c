"""One page of a Query, with an exact `next` key (None on the last page) and opaque cursors.

A page asks DynamoDB for one item more than it returns: if that item exists there is a next page,
and the cursor is the key of the last item returned, so a last page never hands out a cursor.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Any

from ..errors import InvalidInput
from . import db


@dataclass
class Page:
    items: list
    next_key: dict | None


def fetch_page(
    *,
    key_condition: str,
    values: dict[str, dict],
    limit: int,
    key_attributes: tuple[str, ...] = ("pk", "sk"),
    start_key: dict | None = None,
    index: str | None = None,
    filter_expression: str | None = None,
    names: dict[str, str] | None = None,
    newest_first: bool = False,
    max_read: int | None = None,
) -> Page:
    """One page of at most `limit` items of a Query (expressions in DynamoDB's form), as raw items.

    With a filter, DynamoDB may read items it does not return; `max_read` bounds how many it
    reads for this page (a page may then be shorter than `limit`, with a cursor to go on).
    """
    request: dict = {
        "KeyConditionExpression": key_condition,
        "ExpressionAttributeValues": values,
        "ScanIndexForward": not newest_first,
        "Limit": limit + 1 if filter_expression is None else max(limit + 1, min(max_read or 100, 100)),
    }
    if index is not None:
        request["IndexName"] = index
    if filter_expression is not None:
        request["FilterExpression"] = filter_expression
    if names:
        request["ExpressionAttributeNames"] = names
    items: list[dict] = []
    scanned = 0
    last_key = start_key
    while True:
        if last_key is not None:
            request["ExclusiveStartKey"] = last_key
        response = db.query(**request)
        items.extend(response.get("Items", ()))
        scanned += response.get("ScannedCount", 0)
        last_key = response.get("LastEvaluatedKey")
        if last_key is None or len(items) > limit or (max_read is not None and scanned >= max_read):
            break
    return page_of(items, limit, lambda last: {name: last[name] for name in key_attributes}, last_key)


def page_of(items: list, limit: int, key_of, last_evaluated_key: dict | None) -> Page:
    """The page of a Query that asked for `limit + 1` items: the first `limit`, and the key of the
    last one (`key_of(item)`) when there is more, else DynamoDB's LastEvaluatedKey."""
    if len(items) > limit:
        items = items[:limit]
        return Page(items, key_of(items[-1]))
    return Page(items, last_evaluated_key)


def encode_cursor(key: dict | None) -> str | None:
    if key is None:
        return None
    flat = {name: value["S"] for name, value in key.items()}
    raw = json.dumps(flat, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None, *, expected: dict[str, Any], key_attributes: tuple[str, ...]) -> dict | None:
    """The start key a cursor stands for, or InvalidInput (400) if it is not one we could have made.

    `expected` pins the attributes the cursor must carry unchanged (the partition being listed),
    so a cursor cannot be pointed at somebody else's data.
    """
    if cursor is None or cursor == "":
        return None
    try:
        if len(cursor) > 1024:
            raise ValueError
        padded = cursor + "=" * (-len(cursor) % 4)
        flat = json.loads(base64.urlsafe_b64decode(padded.encode()).decode())
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise InvalidInput("cursor", "is not a valid cursor") from None
    if (
        not isinstance(flat, dict)
        or set(flat) != set(key_attributes)
        or not all(isinstance(value, str) and value for value in flat.values())
        or any(flat.get(name) != value for name, value in expected.items())
    ):
        raise InvalidInput("cursor", "is not a valid cursor")
    return {name: {"S": value} for name, value in flat.items()}
