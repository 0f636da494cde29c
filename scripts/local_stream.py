"""The table's change stream and the schedule on this machine: what Lambda's event source mapping
and the scheduled function do when deployed.

`make run` and the browser tests run it as a process of its own (`python -m scripts.local_stream`,
next to `chalice local`); the API tests use `StreamReader` in-process, on moto or DynamoDB Local.
It reads every shard of the table's stream and hands the records, in batches shaped like Lambda's
event, to chalicelib.events.handle. Nothing here is deployed.

Environment (as for the API): DYNAMODB_ENDPOINT, TABLE_NAME, AWS_DEFAULT_REGION, and what the
handler needs: SIGNIN_KEY, APP_URL, MAIL_OUTBOX_DIR; SCHEDULE_SECONDS (default 60) how often the
schedule runs (chalicelib.services.schedule); STREAM_CHECKPOINT names a file that keeps
where each shard was left (make run: DATA_DIR/stream-checkpoint.json), so a restart resends nothing.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any, Callable

if __package__ in (None, ""):  # run as a file: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import boto3  # noqa: E402
from botocore.exceptions import ClientError  # noqa: E402

POLL_SECONDS = 0.25
DEFAULT_SCHEDULE_SECONDS = 60


class StreamReader:
    """Reads a table's stream from its start (TRIM_HORIZON), shard by shard, remembering where
    each shard was left; `deliver()` hands whatever is new to `handler` and returns how many
    records it delivered."""

    def __init__(self, table_name: str, *, endpoint: str | None = None, region: str = "us-east-1",
                 handler: Callable[[dict], Any] | None = None, checkpoint: Path | None = None):
        self.table_name = table_name
        self.dynamodb = boto3.client("dynamodb", endpoint_url=endpoint, region_name=region)
        self.streams = boto3.client("dynamodbstreams", endpoint_url=endpoint, region_name=region)
        self.region = region
        self.handler = handler
        self.stream_arn: str | None = None
        self.iterators: dict[str, str | None] = {}  # shard id -> next iterator (None: shard finished)
        self.failures: list[dict] = []
        # Where each shard was left, kept across restarts (make run): what was handled stays handled.
        self.checkpoint = checkpoint
        self.positions: dict[str, str] = {}
        if checkpoint is not None and checkpoint.is_file():
            self.positions = json.loads(checkpoint.read_text())

    def arn(self) -> str:
        """The ARN of the table's stream (an error when the table has none)."""
        if self.stream_arn is None:
            table = self.dynamodb.describe_table(TableName=self.table_name)["Table"]
            self.stream_arn = table.get("LatestStreamArn")
            if not self.stream_arn:
                raise RuntimeError(f"table {self.table_name} has no stream (StreamSpecification)")
        return self.stream_arn

    def read(self) -> list[dict]:
        """Every record written since the last read, oldest first, in Lambda's event form."""
        arn = self.arn()
        records: list[dict] = []
        for shard in self.streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]:
            shard_id = shard["ShardId"]
            if shard_id not in self.iterators:
                position = self.positions.get(shard_id)
                start = {"ShardIteratorType": "AFTER_SEQUENCE_NUMBER", "SequenceNumber": position} if position \
                    else {"ShardIteratorType": "TRIM_HORIZON"}
                self.iterators[shard_id] = self.streams.get_shard_iterator(
                    StreamArn=arn, ShardId=shard_id, **start,
                )["ShardIterator"]
            while self.iterators[shard_id]:
                try:
                    response = self.streams.get_records(ShardIterator=self.iterators[shard_id])
                except ClientError as error:
                    if error.response["Error"]["Code"] not in ("ExpiredIteratorException", "TrimmedDataAccessException"):
                        raise
                    del self.iterators[shard_id]  # start the shard again from what is left
                    break
                self.iterators[shard_id] = response.get("NextShardIterator")
                batch = response.get("Records", [])
                records.extend(_as_lambda_record(record, arn, self.region) for record in batch)
                if batch:
                    self.positions[shard_id] = batch[-1]["dynamodb"]["SequenceNumber"]
                if not batch:
                    break
        return records

    def deliver(self) -> int:
        """Hand the new records to the handler (chalicelib.events.handle unless given another)."""
        records = self.read()
        if records:
            handler = self.handler
            if handler is None:
                from chalicelib import events

                handler = events.handle
            try:
                response = handler({"Records": records}) or {}
                self.failures.extend(response.get("batchItemFailures", []))
            except Exception as error:  # every record failed: Lambda would retry; here it is reported
                self.failures.append({"error": repr(error)})
                print(f"stream: a batch of {len(records)} records failed: {error!r}", file=sys.stderr, flush=True)
            if self.checkpoint is not None:
                self.checkpoint.write_text(json.dumps(self.positions))
        return len(records)


def _as_lambda_record(record: dict, stream_arn: str, region: str) -> dict:
    change = dict(record["dynamodb"])
    created = change.get("ApproximateCreationDateTime")
    if isinstance(created, datetime):
        change["ApproximateCreationDateTime"] = created.timestamp()
    return {**record, "dynamodb": change, "eventSourceARN": stream_arn, "awsRegion": region}


def run_schedule() -> None:
    """What the deployed schedule does every 15 minutes (app.run_schedule)."""
    from chalicelib.services import schedule

    schedule.run()


class _Stop(Exception):
    pass


def _on_signal(signum, frame):  # noqa: ARG001
    raise _Stop()


def main() -> int:
    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    reader = StreamReader(
        os.environ.get("TABLE_NAME", "mlbridge-local"),
        endpoint=os.environ.get("DYNAMODB_ENDPOINT") or None,
        region=os.environ.get("AWS_DEFAULT_REGION", "us-east-1"),
        checkpoint=Path(os.environ["STREAM_CHECKPOINT"]) if os.environ.get("STREAM_CHECKPOINT") else None,
    )
    reader.arn()
    schedule_every = float(os.environ.get("SCHEDULE_SECONDS") or DEFAULT_SCHEDULE_SECONDS)
    next_run = time.monotonic()
    print(f"stream: reading the change stream of {reader.table_name}; the schedule runs every "
          f"{schedule_every:g} s", flush=True)
    try:
        while True:
            try:
                reader.deliver()
                if time.monotonic() >= next_run:
                    next_run = time.monotonic() + schedule_every
                    run_schedule()
            except ClientError as error:  # the database restarting, say: try again shortly
                print(f"stream: {error}", file=sys.stderr, flush=True)
                time.sleep(1)
            time.sleep(POLL_SECONDS)
    except (_Stop, KeyboardInterrupt):
        return 0


if __name__ == "__main__":
    raise SystemExit(main())
