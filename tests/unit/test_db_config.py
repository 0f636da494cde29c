"""Reads and transactions reach DynamoDB through one connection configured from the environment."""

import subprocess
import sys
import textwrap


def test_first_model_call_uses_the_configured_endpoint_and_region():
    script = textwrap.dedent(
        """
        import os
        os.environ.update(DYNAMODB_ENDPOINT="http://127.0.0.1:9", AWS_DEFAULT_REGION="eu-west-1",
                          TABLE_NAME="mlbridge-x", AWS_ACCESS_KEY_ID="a", AWS_SECRET_ACCESS_KEY="b")
        from chalicelib.storage import db, transactions
        from chalicelib.storage.models import MessageItem, UserItem
        # No configure() call: the first use must still honour the environment.
        transaction = transactions.Transaction()
        client = db.connection().client
        assert client.meta.endpoint_url == "http://127.0.0.1:9", client.meta.endpoint_url
        assert client.meta.region_name == "eu-west-1"
        assert db.table_name() == "mlbridge-x" == UserItem.Meta.table_name == MessageItem.Meta.table_name
        assert transaction.write is not None and db.connection().client is client  # one client, shared
        print("ok")
        """
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_unreachable_database_is_a_503_with_retry_after():
    script = textwrap.dedent(
        """
        import json, os
        os.environ.update(DYNAMODB_ENDPOINT="http://127.0.0.1:9", AWS_ACCESS_KEY_ID="a",
                          AWS_SECRET_ACCESS_KEY="b", DYNAMODB_CONNECT_TIMEOUT="0.5", DYNAMODB_MAX_RETRIES="0")
        from chalice.test import Client
        from app import app
        with Client(app) as client:
            response = client.http.get("/users/me", headers={"Authorization": "Bearer 01ARZ3NDEKTSV4RRFFQ69G5FAV.secret"})
        print(response.status_code, response.headers.get("Retry-After"), json.loads(response.body)["Code"])
        """
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1].split() == ["503", "1", "ServiceUnavailableError"]
