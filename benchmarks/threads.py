"""What thread requests cost: DynamoDB calls, items read and written, read units, latency.

    .venv/bin/python -m benchmarks.threads [--messages 10000 --threads 200 --samples 50] [--json]

Starts DynamoDB Local in memory (or uses `endpoint`), fills one thread with `messages` messages
and a small one with 100 (batch writes), gives a mentor an inbox of `threads` threads, then sends
each request `samples` times through `chalice.test.Client` (the app in-process, its DynamoDB
calls over HTTP to DynamoDB Local). Calls and items are counted from botocore's events on the
app's own client; read units are DynamoDB Local's ReturnConsumedCapacity=TOTAL figures for reads
(it reports a flat 2.0 for any transaction, so writes are shown as items written).
Latencies are local and only comparable with each other.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import statistics
import sys
import time
from dataclasses import dataclass, field

SMALL_THREAD = 100
PAGE = 20
TABLE_PREFIX = "mlbridge-bench-threads"


_READS = {"GetItem", "Query", "BatchGetItem", "TransactGetItems"}


@dataclass
class Meter:
    """Per-request DynamoDB usage, from botocore's events on the app's client."""

    calls: list[str] = field(default_factory=list)
    items_read: int = 0
    items_written: int = 0
    read_units: float = 0.0
    _writing: int = 0

    def reset(self) -> None:
        self.calls.clear()
        self.items_read = self.items_written = self._writing = 0
        self.read_units = 0.0

    def provide_params(self, params, model, **_kwargs) -> None:
        params.setdefault("ReturnConsumedCapacity", "TOTAL")
        if model.name == "TransactWriteItems":
            self._writing = len(params["TransactItems"])
        elif model.name in ("PutItem", "UpdateItem", "DeleteItem"):
            self._writing = 1
        elif model.name == "BatchWriteItem":
            self._writing = sum(len(requests) for requests in params["RequestItems"].values())

    def before_call(self, model, **_kwargs) -> None:
        self.calls.append(model.name)

    def after_call(self, parsed, model, **_kwargs) -> None:
        if "Error" not in parsed:  # a cancelled transaction writes nothing
            self.items_written += self._writing
        self._writing = 0
        if "Items" in parsed:
            self.items_read += len(parsed["Items"])
        elif "Item" in parsed:
            self.items_read += 1
        elif isinstance(parsed.get("Responses"), dict):
            self.items_read += sum(len(items) for items in parsed["Responses"].values())
        # DynamoDB Local reports a flat 2.0 units for any transaction, so only reads are summed.
        consumed = parsed.get("ConsumedCapacity") if model.name in _READS else None
        for entry in consumed if isinstance(consumed, list) else [consumed] if consumed else []:
            self.read_units += float(entry.get("CapacityUnits", 0))


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


class Bench:
    def __init__(self, http, meter: Meter):
        self.http = http
        self.meter = meter
        self.rows: list[dict] = []

    def request(self, method: str, path: str, token: str | None = None, body=None, headers: dict | None = None):
        all_headers = {"Content-Type": "application/json", **(headers or {})}
        if token:
            all_headers["Authorization"] = f"Bearer {token}"
        response = getattr(self.http, method.lower())(path, headers=all_headers,
                                                        body=None if body is None else json.dumps(body))
        return response.status_code, json.loads(response.body) if response.body else None

    def measure(self, name: str, samples: int, make_request, expected_status: int) -> None:
        latencies, calls, read, written, units = [], [], [], [], []
        for n in range(samples):
            self.meter.reset()
            started = time.perf_counter()
            status, body = make_request(n)
            latencies.append((time.perf_counter() - started) * 1000)
            if status != expected_status:
                raise RuntimeError(f"{name}: HTTP {status} {body}")
            calls.append(len(self.meter.calls))
            read.append(self.meter.items_read)
            written.append(self.meter.items_written)
            units.append(self.meter.read_units)
        self.rows.append(
            {
                "benchmark": "threads",
                "request": name,
                "samples": samples,
                "dynamodb_calls": max(calls),
                "items_read": round(statistics.mean(read), 1),
                "items_written": round(statistics.mean(written), 1),
                "read_units": round(statistics.mean(units), 2),
                "p50_ms": round(_percentile(latencies, 0.50), 1),
                "p95_ms": round(_percentile(latencies, 0.95), 1),
            }
        )


# --- filling the table -----------------------------------------------------------------------


def _register(bench: Bench, body: dict) -> tuple[str, str]:
    status, data = bench.request("POST", "/users", body=body)
    assert status == 201, data
    return data["user"]["id"], data["token"]


def _open_thread(bench: Bench, mentee: tuple[str, str], mentor: tuple[str, str]) -> str:
    status, data = bench.request("POST", "/matches", mentee[1], {"mentor_id": mentor[0]})
    assert status == 201, data
    status, _ = bench.request("POST", f"/matches/{data['match']['id']}/accept", mentor[1])
    assert status == 200
    return data["match"]["thread_id"]


def _fill_thread(thread_id: str, senders: tuple[str, str], count: int) -> None:
    """`count` messages, alternating senders, one millisecond apart, ending a second ago."""
    from chalicelib.storage import keys
    from chalicelib.storage import threads as thread_store
    from chalicelib.storage.models import MessageItem, ThreadItem, ThreadMembership

    if count == 0:
        return
    start_ms = time.time_ns() // 1_000_000 - count - 1000
    with MessageItem.batch_write() as batch:
        for n in range(count):
            body = f"Message {n}: " + "lorem ipsum " * 12
            last = thread_store.new_message(thread_id, senders[n % 2], body, start_ms + n)
            batch.save(last)
    document = thread_store.message_values(last)
    ThreadItem(keys.thread(thread_id), keys.THREAD).update(actions=[ThreadItem.updated_at.set(last.created_at)])
    for user_id in senders:
        ThreadMembership(keys.user(user_id), keys.membership(thread_id)).update(actions=[
            ThreadMembership.last_message.set(document), ThreadMembership.updated_at.set(last.created_at),
            ThreadMembership.gsi1sk.set(keys.inbox_sort(last.created_at, thread_id)),
        ])


def _fill_inbox(owner_id: str, count: int) -> None:
    """`count` threads of `owner_id` (a mentor) with as many mentees, each with one message."""
    from chalicelib import clock
    from chalicelib.storage import keys
    from chalicelib.storage import threads as thread_store
    from chalicelib.storage.models import TableItem, UserItem

    now = clock.now_iso()
    start_ms = time.time_ns() // 1_000_000 - 10 * count - 5000
    with TableItem.batch_write() as batch:
        for n in range(count):
            mentee_id, thread_id = clock.new_id(), clock.new_id()
            batch.save(UserItem(
                keys.user(mentee_id), keys.PROFILE, id=mentee_id, role="mentee", name=f"Inbox mentee {n}",
                email=f"inbox-{mentee_id.lower()}@example.com", timezone="Europe/Berlin", languages=["en"],
                bio="Backend engineer.", token_hash="-", created_at=now, updated_at=now,
                target_framework="pytorch", frameworks=[], goals=["kaggle"], motivation="curiosity", backend_years=5,
            ))
            message = thread_store.new_message(thread_id, mentee_id, f"Hello from mentee {n}", start_ms + 10 * n)
            for item in thread_store.new_thread_items(
                thread_id=thread_id, match_id=clock.new_id(), mentee_id=mentee_id, mentor_id=owner_id,
                created_at=message.created_at, intro=message.body, intro_id=message.id,
            ):
                batch.save(item)


# --- the run ---------------------------------------------------------------------------------


def run(messages: int = 10_000, threads: int = 200, samples: int = 50, endpoint: str | None = None) -> list[dict]:
    """Measure the thread requests; one row per request kind (see the module docstring)."""
    for name, value in (("AWS_ACCESS_KEY_ID", "local"), ("AWS_SECRET_ACCESS_KEY", "local"),
                        ("AWS_DEFAULT_REGION", "us-east-1")):
        os.environ.setdefault(name, value)
    from chalice.test import Client

    from chalicelib.config import Settings
    from chalicelib.storage import db
    from chalicelib.storage.tables import create_table
    from scripts.local_stack import start_dynamodb_local
    from tests.factories import mentee_body, mentor_body

    # One JSON log line per request is for production; here it would drown the table.
    from chalicelib.logs import logger

    logger.setLevel(logging.WARNING)
    server = None
    if endpoint is None:
        server = start_dynamodb_local()
        endpoint = server.endpoint
    previous = db.settings()
    try:
        settings = Settings(table_name=f"{TABLE_PREFIX}-{os.getpid()}-{time.time_ns()}", region="us-east-1",
                            endpoint=endpoint)
        create_table(endpoint, settings.table_name, settings.region, stream=False)  # see common.fresh_table
        db.configure(settings)
        meter = Meter()
        events = db.connection().client.meta.events
        events.register("provide-client-params.dynamodb", meter.provide_params)
        events.register("before-call.dynamodb", meter.before_call)
        events.register("after-call.dynamodb", meter.after_call)

        from app import app

        with Client(app) as client:
            bench = Bench(client.http, meter)
            mentor = _register(bench, mentor_body(capacity=10))
            mentee, other_mentee = _register(bench, mentee_body()), _register(bench, mentee_body())
            big, small = _open_thread(bench, mentee, mentor), _open_thread(bench, other_mentee, mentor)
            _fill_thread(big, (mentee[0], mentor[0]), messages)
            _fill_thread(small, (other_mentee[0], mentor[0]), SMALL_THREAD)
            _fill_inbox(mentor[0], max(0, threads - 2))
            _measure(bench, samples, mentee, mentor, big, small, messages, threads)
        return bench.rows
    finally:
        db.configure(previous)
        if server is not None:
            server.stop()


def _deepest_cursor(bench: Bench, token: str, thread_id: str) -> str | None:
    """The cursor of the oldest full page of PAGE messages (walked once, not measured)."""
    cursor = deepest = None
    while True:
        path = f"/threads/{thread_id}/messages?limit={PAGE}" + (f"&cursor={cursor}" if cursor else "")
        _, body = bench.request("GET", path, token)
        if body["next_cursor"] is None:
            return deepest
        deepest = cursor = body["next_cursor"]


def _measure(bench: Bench, samples: int, mentee, mentor, big: str, small: str, messages: int, threads: int) -> None:
    token = mentee[1]
    deep_big = _deepest_cursor(bench, token, big)
    deep_small = _deepest_cursor(bench, mentor[1], small)

    def page(thread_id, user_token, cursor=None, limit=PAGE):
        path = f"/threads/{thread_id}/messages?limit={limit}" + (f"&cursor={cursor}" if cursor else "")
        return lambda _n: bench.request("GET", path, user_token)

    bench.measure(f"GET messages, first page of {PAGE}, {SMALL_THREAD}-message thread", samples,
                  page(small, mentor[1]), 200)
    bench.measure(f"GET messages, first page of {PAGE}, {messages:,}-message thread", samples,
                  page(big, token), 200)
    bench.measure(f"GET messages, deep page of {PAGE} (cursor), {SMALL_THREAD}-message thread", samples,
                  page(small, mentor[1], deep_small), 200)
    bench.measure(f"GET messages, deep page of {PAGE} (cursor), {messages:,}-message thread", samples,
                  page(big, token, deep_big), 200)
    bench.measure(f"GET messages, first page of 100, {messages:,}-message thread", samples,
                  page(big, token, limit=100), 200)
    bench.measure(f"GET /threads, first page of {PAGE}, inbox of {threads}", samples,
                  lambda _n: bench.request("GET", f"/threads?limit={PAGE}", mentor[1]), 200)
    bench.measure(f"GET /threads, page of 100, inbox of {threads}", samples,
                  lambda _n: bench.request("GET", "/threads?limit=100", mentor[1]), 200)
    bench.measure("POST message", samples,
                  lambda n: bench.request("POST", f"/threads/{big}/messages", token, {"body": f"Plain {n}"}), 201)
    bench.measure("POST message with Idempotency-Key", samples,
                  lambda n: bench.request("POST", f"/threads/{big}/messages", token, {"body": f"Keyed {n}"},
                                          {"Idempotency-Key": f"bench-{n}"}), 201)
    bench.measure("POST message, retry with the same Idempotency-Key", samples,
                  lambda n: bench.request("POST", f"/threads/{big}/messages", token, {"body": f"Keyed {n}"},
                                          {"Idempotency-Key": f"bench-{n}"}), 201)
    bench.measure("POST read", samples, lambda _n: bench.request("POST", f"/threads/{big}/read", mentor[1], {}), 200)


COLUMNS = ("request", "dynamodb_calls", "items_read", "items_written", "read_units", "p50_ms", "p95_ms")


def markdown(rows: list[dict]) -> str:
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "|".join("---" for _ in COLUMNS) + "|"]
    lines += ["| " + " | ".join(str(row[column]) for column in COLUMNS) + " |" for row in rows]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.threads", description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=10_000, help="messages in the long thread")
    parser.add_argument("--threads", type=int, default=200, help="threads in the measured inbox")
    parser.add_argument("--samples", type=int, default=50, help="requests measured per kind")
    parser.add_argument("--endpoint", help="an already running DynamoDB endpoint (default: start DynamoDB Local)")
    parser.add_argument("--json", action="store_true", help="print the rows as JSON instead of a table")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    rows = run(messages=args.messages, threads=args.threads, samples=args.samples, endpoint=args.endpoint)
    print(json.dumps(rows, indent=2) if args.json else markdown(rows))
    print(f"\n{len(rows)} rows in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
