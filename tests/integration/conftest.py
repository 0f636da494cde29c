"""A real `chalice local` server on a free loopback port, on DynamoDB Local, for racing requests."""

from __future__ import annotations

import itertools
import os

import pytest

from chalicelib.storage.tables import create_table

_numbers = itertools.count()


@pytest.fixture(scope="module")
def live_table(live_api, dynamodb_local) -> str:
    """The name of the table `live_api` serves."""
    return _tables[live_api]


_tables: dict[str, str] = {}


@pytest.fixture(scope="module")
def live_api(dynamodb_local):
    """Base URL of the API served by `chalice local` (threaded) on a fresh table."""
    from scripts.local_stack import start_api

    table = f"mlbridge-live-{os.getpid()}-{next(_numbers)}"
    create_table(dynamodb_local, table, "us-east-1")
    server = start_api(
        None,
        {
            "DYNAMODB_ENDPOINT": dynamodb_local,
            "TABLE_NAME": table,
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_ACCESS_KEY_ID": "local",
            "AWS_SECRET_ACCESS_KEY": "local",
        },
    )
    _tables[server.base_url] = table
    yield server.base_url
    server.stop()
