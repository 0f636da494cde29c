"""The one DynamoDB connection every model and transaction shares.

Nothing here runs at import time: the connection (and its botocore client) is built on first use,
so cold starts stay cheap and tests can point the models at another endpoint with `configure()`.
"""

from __future__ import annotations

import threading

from botocore.exceptions import ClientError, ConnectionError as BotocoreConnectionError
from botocore.exceptions import ConnectTimeoutError, ReadTimeoutError
from pynamodb.connection import Connection, TableConnection
from pynamodb.models import Model

from ..config import Settings
from ..errors import DatabaseUnavailable

# Error codes that mean "try again later", not "your request is wrong".
_UNAVAILABLE_CODES = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "RequestLimitExceeded",
        "InternalServerError",
        "ServiceUnavailable",
        "LimitExceededException",
    }
)


class _GuardedConnection(Connection):
    """A PynamoDB connection that turns throttling and unreachability into DatabaseUnavailable."""

    def _make_api_call(self, operation_name, operation_kwargs):
        try:
            return super()._make_api_call(operation_name, operation_kwargs)
        except (BotocoreConnectionError, ConnectTimeoutError, ReadTimeoutError) as exc:
            raise DatabaseUnavailable("The database is unavailable, please retry") from exc
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in _UNAVAILABLE_CODES:
                raise DatabaseUnavailable("The database is busy, please retry") from exc
            raise


_lock = threading.Lock()
_state: dict = {"settings": None, "table": None}


def configure(settings: Settings | None = None) -> Settings:
    """Point every model at the table and endpoint of `settings` (default: the environment).

    Drops any connection made before, so the next call builds a fresh one.
    """
    from . import models  # noqa: F401  (registers the model classes)

    settings = settings or Settings.from_env()
    with _lock:
        _state["settings"] = settings
        _state["table"] = None
        models.TableItem._connection = None
        meta = models.TableItem.Meta  # subclasses share this Meta object
        meta.table_name = settings.table_name
        meta.region = settings.region
        meta.host = settings.endpoint
    return settings


def settings() -> Settings:
    current = _state["settings"]
    return current if current is not None else configure()


def table_connection() -> TableConnection:
    """The shared TableConnection, created once (thread-safe: botocore client creation is not)."""
    table = _state["table"]
    if table is not None:
        return table
    from . import models

    current = settings()
    with _lock:
        if _state["table"] is None:
            # PynamoDB's own implementation builds the MetaTable (key schema and indexes).
            table = Model._get_connection.__func__(models.TableItem)
            meta_table = table.get_meta_table()
            table.connection = _GuardedConnection(
                region=current.region,
                host=current.endpoint,
                connect_timeout_seconds=current.connect_timeout_seconds,
                read_timeout_seconds=current.read_timeout_seconds,
                max_retry_attempts=current.max_retry_attempts,
                max_pool_connections=20,
            )
            table.connection.add_meta_table(meta_table)
            table.connection.client  # noqa: B018  create the botocore client under the lock
            _state["table"] = table
        return _state["table"]


def connection() -> Connection:
    """The low-level connection, for transactions (same endpoint and region as the models)."""
    return table_connection().connection
