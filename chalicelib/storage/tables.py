"""Creating the table (local stack and tests). On AWS the table comes from infra/ instead."""

from __future__ import annotations

import boto3
from botocore.exceptions import ClientError

TTL_ATTRIBUTE = "expires_at"


def table_definition(table_name: str) -> dict:
    """The CreateTable request: keys, the inbox index, on-demand billing and the change stream
    (mirrors infra/)."""
    return {
        "TableName": table_name,
        "AttributeDefinitions": [
            {"AttributeName": name, "AttributeType": "S"}
            for name in ("pk", "sk", "gsi1pk", "gsi1sk")
        ],
        "KeySchema": [
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        "GlobalSecondaryIndexes": [
            {
                "IndexName": "gsi1",
                "KeySchema": [
                    {"AttributeName": "gsi1pk", "KeyType": "HASH"},
                    {"AttributeName": "gsi1sk", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
        "BillingMode": "PAY_PER_REQUEST",
        # The change stream (chalicelib.events): mail and notifications after a write.
        "StreamSpecification": {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    }


def create_table(endpoint: str | None, table_name: str, region: str) -> bool:
    """Create the table if it does not exist and wait until it is active. True if created."""
    client = boto3.client("dynamodb", endpoint_url=endpoint, region_name=region)
    try:
        client.create_table(**table_definition(table_name))
        created = True
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "ResourceInUseException":
            raise
        created = False
    client.get_waiter("table_exists").wait(
        TableName=table_name, WaiterConfig={"Delay": 0.2, "MaxAttempts": 150}
    )
    if not created:
        _enable_stream(client, table_name)
    if created:
        try:
            client.update_time_to_live(
                TableName=table_name,
                TimeToLiveSpecification={"Enabled": True, "AttributeName": TTL_ATTRIBUTE},
            )
        except ClientError:
            pass  # TTL is a clean-up, not a correctness feature; some local engines lack it
    return created


def _enable_stream(client, table_name: str) -> None:
    """Turn the change stream on for a table made before it existed (a `make run` database)."""
    table = client.describe_table(TableName=table_name)["Table"]
    if not table.get("StreamSpecification", {}).get("StreamEnabled"):
        client.update_table(TableName=table_name, StreamSpecification=table_definition(table_name)["StreamSpecification"])
        client.get_waiter("table_exists").wait(TableName=table_name, WaiterConfig={"Delay": 0.2, "MaxAttempts": 150})
