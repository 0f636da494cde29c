"""Creating the table (local stack and tests). On AWS the table comes from infra/ instead."""

from __future__ import annotations

import boto3
from botocore.exceptions import ClientError

TTL_ATTRIBUTE = "expires_at"


def table_definition(table_name: str, stream: bool = True) -> dict:
    """The CreateTable request: keys, the inbox index, on-demand billing and the change stream
    (mirrors infra/)."""
    return {
        "TableName": table_name,
        "AttributeDefinitions": [
            {"AttributeName": name, "AttributeType": "S"}
            for name in ("pk", "sk", "gsi1pk", "gsi1sk", "gsi2pk", "gsi2sk")
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
            },
            {
                # What the schedule must do, by when (sparse: only items with something due).
                "IndexName": "gsi2",
                "KeySchema": [
                    {"AttributeName": "gsi2pk", "KeyType": "HASH"},
                    {"AttributeName": "gsi2sk", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            },
        ],
        "BillingMode": "PAY_PER_REQUEST",
        # The change stream (chalicelib.events): mail and notifications after a write.
        **({"StreamSpecification": {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}} if stream else {}),
    }


def create_table(endpoint: str | None, table_name: str, region: str, *, stream: bool = True) -> bool:
    """Create the table if it does not exist and wait until it is active. True if created.

    `stream=False` leaves out the change stream: for tests and benchmarks that never read it
    (DynamoDB Local keeps every record of it in memory, which slows it down as writes pile up)."""
    client = boto3.client("dynamodb", endpoint_url=endpoint, region_name=region)
    try:
        client.create_table(**table_definition(table_name, stream))
        created = True
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "ResourceInUseException":
            raise
        created = False
    client.get_waiter("table_exists").wait(
        TableName=table_name, WaiterConfig={"Delay": 0.2, "MaxAttempts": 150}
    )
    if not created and stream:
        _enable_stream(client, table_name)
        _add_missing_indexes(client, table_name)
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


def _add_missing_indexes(client, table_name: str) -> None:
    """Add the indexes a table made by an earlier version lacks (a `make run` database)."""
    definition = table_definition(table_name)
    table = client.describe_table(TableName=table_name)["Table"]
    present = {index["IndexName"] for index in table.get("GlobalSecondaryIndexes", [])}
    for index in definition["GlobalSecondaryIndexes"]:
        if index["IndexName"] in present:
            continue
        names = {element["AttributeName"] for element in index["KeySchema"]}
        client.update_table(
            TableName=table_name,
            AttributeDefinitions=[a for a in definition["AttributeDefinitions"] if a["AttributeName"] in names],
            GlobalSecondaryIndexUpdates=[{"Create": index}],
        )
        client.get_waiter("table_exists").wait(TableName=table_name, WaiterConfig={"Delay": 0.2, "MaxAttempts": 150})
