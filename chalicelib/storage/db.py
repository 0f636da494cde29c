"""The one DynamoDB connection, and the one module that calls the DynamoDB client directly.

Everything the service sends to DynamoDB goes through `connection()`: PynamoDB's low-level
`Connection` (built with its public constructor, from the environment's settings, on first use,
so cold starts stay cheap and tests can point it at another endpoint with `configure()`).

- Writes are PynamoDB models in a `TransactWrite` on that connection (storage/transactions.py).
- Reads on the request paths, and the few single-item writes, call its botocore client (the
  client boto3 would give) through the functions below. They are here, and only here, because the
  model-level calls cost too much for what these paths do: `Model.get`, `Model.query` and
  `Model.batch_get` each build their own connection and botocore client per model class (one per
  item type: more clients, more memory, each counted apart), and PynamoDB's expression objects
  cost more than the whole of a small Query. Items come back in DynamoDB's form and become models
  with the public `Model.from_raw_data`.

Errors are botocore's own (ClientError, connection errors): chalicelib.errors.database_trouble
tells which of them mean "the database is unavailable" (503), wherever they are raised.
"""

from __future__ import annotations

import threading
from dataclasses import replace
from typing import Any, Iterable

from pynamodb.connection import Connection

from ..config import Settings
from . import models

Key = tuple[str, str]

_lock = threading.Lock()
_state: dict[str, Any] = {"settings": None, "connection": None}


def configure(settings: Settings | None = None) -> Settings:
    """Point the models and the connection at the table and endpoint of `settings` (default: the
    environment). A change of endpoint, region, time-outs or retries makes the next call build a
    fresh connection; a change of table alone keeps the connection (and its botocore client)."""
    settings = settings or Settings.from_env()
    with _lock:
        previous = _state["settings"]
        _state["settings"] = settings
        if previous is None or replace(previous, table_name="") != replace(settings, table_name=""):
            _state["connection"] = None  # the connection is not tied to a table: kept for another
        meta = models.TableItem.Meta  # every item class shares this Meta object
        meta.table_name = settings.table_name
        meta.region = settings.region
        meta.host = settings.endpoint
        meta.connect_timeout_seconds = settings.connect_timeout_seconds
        meta.read_timeout_seconds = settings.read_timeout_seconds
        meta.max_retry_attempts = settings.max_retry_attempts
    return settings


def settings() -> Settings:
    current = _state["settings"]
    return current if current is not None else configure()


def is_connected() -> bool:
    """Whether a connection was built yet (nothing is built at import)."""
    return _state["connection"] is not None


def connection() -> Connection:
    """The shared connection, built once (under a lock: botocore's client creation is not
    thread-safe)."""
    current = _state["connection"]
    if current is not None:
        return current
    config = settings()
    with _lock:
        if _state["connection"] is None:
            built = Connection(
                region=config.region,
                host=config.endpoint,
                connect_timeout_seconds=config.connect_timeout_seconds,
                read_timeout_seconds=config.read_timeout_seconds,
                max_retry_attempts=config.max_retry_attempts,
                max_pool_connections=20,
            )
            built.client  # noqa: B018  create the botocore client under the lock
            _state["connection"] = built
        return _state["connection"]


def table_name() -> str:
    return settings().table_name


def _client():
    return connection().client


def key(pk: str, sk: str) -> dict:
    return {"pk": {"S": pk}, "sk": {"S": sk}}


def get_item(pk: str, sk: str, *, consistent: bool = False) -> dict | None:
    """One item in DynamoDB's form, or None."""
    response = _client().get_item(TableName=table_name(), Key=key(pk, sk), ConsistentRead=consistent)
    return response.get("Item")


# The most keys one BatchGetItem reads (DynamoDB's limit).
MAX_BATCH_GET_KEYS = 100


def get_items(keys: Iterable[Key]) -> dict[Key, dict]:
    """Items by key in BatchGetItem calls (one per MAX_BATCH_GET_KEYS keys, plus any retry of
    unprocessed keys); missing items are simply absent from the result."""
    unique = list(dict.fromkeys(keys))
    found: dict[Key, dict] = {}
    name = table_name()
    size = MAX_BATCH_GET_KEYS
    for start in range(0, len(unique), size):
        request = {name: {"Keys": [key(pk, sk) for pk, sk in unique[start:start + size]]}}
        while request:
            response = _client().batch_get_item(RequestItems=request)
            for item in response.get("Responses", {}).get(name, ()):
                found[item["pk"]["S"], item["sk"]["S"]] = item
            request = response.get("UnprocessedKeys") or None
    return found


def query(**request) -> dict:
    """One Query of the table (request in DynamoDB's form, without the table name)."""
    return _client().query(TableName=table_name(), **request)


def query_all(**request) -> list[dict]:
    """Every item a Query finds, following LastEvaluatedKey (for small partitions only)."""
    items: list[dict] = []
    while True:
        response = query(**request)
        items.extend(response.get("Items", ()))
        start = response.get("LastEvaluatedKey")
        if start is None:
            return items
        request["ExclusiveStartKey"] = start


def update_item(**request) -> dict:
    """One UpdateItem (request in DynamoDB's form, without the table name)."""
    return _client().update_item(TableName=table_name(), **request)


def put_item(item: dict, *, condition: str | None = None) -> None:
    """One PutItem of an item in DynamoDB's form, under `condition` when given (a ClientError when
    it fails: see is_condition_failure)."""
    request = {"ConditionExpression": condition} if condition else {}
    _client().put_item(TableName=table_name(), Item=item, **request)


def delete_item(pk: str, sk: str, *, condition: str | None = None, values: dict | None = None) -> None:
    """One DeleteItem, under `condition` (with its `values`) when given: a ClientError when it fails
    (see is_condition_failure)."""
    request = {"ConditionExpression": condition} if condition else {}
    if values:
        request["ExpressionAttributeValues"] = values
    _client().delete_item(TableName=table_name(), Key=key(pk, sk), **request)


def delete_items(keys: Iterable[Key]) -> None:
    """Delete items by key in BatchWriteItem calls of 25 (retrying unprocessed ones)."""
    unique = list(dict.fromkeys(keys))
    name = table_name()
    for start in range(0, len(unique), 25):
        request = {name: [{"DeleteRequest": {"Key": key(pk, sk)}} for pk, sk in unique[start:start + 25]]}
        while request:
            response = _client().batch_write_item(RequestItems=request)
            request = response.get("UnprocessedItems") or None


def is_condition_failure(error: Exception) -> bool:
    """Whether a botocore ClientError is a failed condition of a single-item write."""
    response = getattr(error, "response", None) or {}
    return response.get("Error", {}).get("Code") == "ConditionalCheckFailedException"
