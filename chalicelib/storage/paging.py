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

DEFAULT_LIMIT = 20
MAX_LIMIT = 100


@dataclass
class Page:
    items: list
    next_key: dict | None


def _key_of(item, key_attributes: tuple[str, ...]) -> dict:
    return {name: {"S": getattr(item, name)} for name in key_attributes}


def fetch_page(
    query,
    hash_key: str,
    *,
    limit: int,
    key_attributes: tuple[str, ...] = ("pk", "sk"),
    start_key: dict | None = None,
    range_key_condition=None,
    filter_condition=None,
    newest_first: bool = False,
    max_read: int | None = None,
) -> Page:
    """Run `query` (a Model's or an Index's `query`) for one page of at most `limit` items.

    With a filter, DynamoDB may read items it does not return; `max_read` bounds how many it
    reads for this page (a page may then be shorter than `limit`, with a cursor to go on).
    """
    page_size = limit + 1 if filter_condition is None else max(limit + 1, min(max_read or 100, 100))
    results = query(
        hash_key,
        range_key_condition,
        filter_condition,
        scan_index_forward=not newest_first,
        last_evaluated_key=start_key,
        limit=limit + 1,
        page_size=page_size,
    )
    items = []
    for item in results:
        items.append(item)
        if len(items) > limit:
            break
        # Stop at a page boundary (all fetched items consumed) once enough items were read.
        if (
            max_read is not None
            and results.page_iter.total_scanned_count >= max_read
            and len(items) == results.total_count
        ):
            break
    return page_of(items, limit, lambda last: _key_of(last, key_attributes), results.last_evaluated_key)


def page_of(items: list, limit: int, key_of, last_evaluated_key: dict | None) -> Page:
    """The page of a Query that asked for `limit + 1` items: the first `limit`, and the key of the
    last one (`key_of(item)`) when there is more, else DynamoDB's LastEvaluatedKey."""
    if len(items) > limit:
        items = items[:limit]
        return Page(items, key_of(items[-1]))
    return Page(items, last_evaluated_key)


def parse_limit(raw: str | None, default: int = DEFAULT_LIMIT, maximum: int = MAX_LIMIT) -> int:
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise InvalidInput("limit", "must be an integer") from None
    if value < 1 or value > maximum:
        raise InvalidInput("limit", f"must be between 1 and {maximum}")
    return value


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
