"""What the benchmarks share: a local DynamoDB, fresh tables, a meter on the app's client, an
in-process JSON client, percentiles, bulk loading and a description of the machine.

Nothing here talks to AWS: DynamoDB Local runs on 127.0.0.1 and the credentials are dummies.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import logging
import os
import platform
import statistics
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Iterable, Iterator

# Dummy credentials and a fixed region before anything builds a botocore client, and a sign-in
# key (registration stores a verification link derived with it).
for _name, _value in (("AWS_ACCESS_KEY_ID", "local"), ("AWS_SECRET_ACCESS_KEY", "local"),
                      ("AWS_DEFAULT_REGION", "us-east-1"), ("SIGNIN_KEY", "benchmark-signin-key-" + "0" * 32)):
    os.environ.setdefault(_name, _value)
os.environ.pop("AWS_PROFILE", None)

REGION = "us-east-1"
BATCH_SIZE = 25  # BatchWriteItem's maximum
_table_numbers = itertools.count(1)


# --- DynamoDB Local and tables ---------------------------------------------------------------


@contextlib.contextmanager
def local_dynamodb(endpoint: str | None = None) -> Iterator[str]:
    """Yields the endpoint of DynamoDB Local, in memory, started here and stopped on exit
    (or `endpoint` as it is, when one is given)."""
    if endpoint is not None:
        yield endpoint
        return
    from scripts.local_stack import start_dynamodb_local

    server = start_dynamodb_local()
    try:
        yield server.endpoint
    finally:
        server.stop()


def fresh_table(endpoint: str, purpose: str, *, stream: bool = False):
    """Create an empty table and point the app's models at it; returns its Settings. Without the
    change stream unless asked: DynamoDB Local keeps every stream record in memory, which slows all
    its writes (about 2.5x on the overhead benchmark); on AWS a stream adds nothing to a request."""
    from chalicelib.config import Settings
    from chalicelib.storage import db
    from chalicelib.storage.tables import create_table

    name = f"mlbridge-bench-{purpose}-{os.getpid()}-{next(_table_numbers)}"
    settings = Settings(table_name=name, region=REGION, endpoint=endpoint)
    create_table(endpoint, name, REGION, stream=stream)
    db.configure(settings)
    return settings


def restore_default_settings() -> None:
    from chalicelib.config import Settings
    from chalicelib.storage import db

    db.configure(Settings.from_env())


# --- measuring DynamoDB calls ----------------------------------------------------------------


def items_in(parsed: dict) -> int:
    """Items a response carries: Query/Scan `Items`, GetItem `Item`, BatchGetItem `Responses`."""
    if "ScannedCount" in parsed:  # a Query reads (and is billed for) the items it scanned
        return int(parsed["ScannedCount"])
    if "Items" in parsed:
        return len(parsed["Items"])
    if "Item" in parsed:
        return 1
    responses = parsed.get("Responses")
    if isinstance(responses, dict):
        return sum(len(items) for items in responses.values())
    return 0


@dataclass
class Call:
    operation: str
    seconds: float  # provide-client-params to after-call: the SDK call, from building the request to parsing
    wire_seconds: float  # before-send to before-parse: the HTTP round trip alone
    items: int
    build_seconds: float = 0.0  # provide-client-params to before-call: of which botocore building the request


@dataclass
class DynamoMeter:
    """Every DynamoDB call the app's botocore client makes: operation, its time from botocore's
    first event (`provide-client-params`) to its last (`after-call`): all the SDK does for the
    call, as a trace of the call would show it (the span AWS X-Ray's botocore patch records).
    Of that, the HTTP round trip (`before-send` to `before-parse`) and botocore building the
    request (`provide-client-params` to `before-call`: serialising the parameters, resolving the
    endpoint); and the items it read. One call at a time per thread."""

    calls: list[Call] = field(default_factory=list)
    _marks: dict = field(default_factory=dict)

    def attach(self) -> "DynamoMeter":
        from chalicelib.storage import db

        events = db.connection().client.meta.events
        events.register("provide-client-params.dynamodb", self._mark("build"))
        events.register("before-call.dynamodb", self._mark("call"))
        events.register("before-send.dynamodb", self._mark("send"))
        events.register("before-parse.dynamodb", self._mark("parse"))
        events.register("after-call.dynamodb", self._after)
        return self

    def _mark(self, name: str):
        def mark(**_kwargs) -> None:
            self._marks[(threading.get_ident(), name)] = time.perf_counter()

        return mark

    def _after(self, parsed, model, **_kwargs) -> None:
        now = time.perf_counter()
        thread = threading.get_ident()
        called = self._marks.pop((thread, "call"), now)
        built = self._marks.pop((thread, "build"), called)
        sent = self._marks.pop((thread, "send"), now)
        received = self._marks.pop((thread, "parse"), sent)
        self.calls.append(Call(model.name, now - built, received - sent, items_in(parsed or {}), called - built))

    def reset(self) -> None:
        self.calls.clear()
        self._marks.clear()

    @property
    def count(self) -> int:
        return len(self.calls)

    @property
    def operations(self) -> list[str]:
        return [call.operation for call in self.calls]

    @property
    def items(self) -> int:
        return sum(call.items for call in self.calls)

    @property
    def seconds(self) -> float:
        return sum(call.seconds for call in self.calls)

    @property
    def wire_seconds(self) -> float:
        return sum(call.wire_seconds for call in self.calls)

    @property
    def build_seconds(self) -> float:
        return sum(call.build_seconds for call in self.calls)


# --- the app in-process ----------------------------------------------------------------------


class JsonClient:
    """JSON requests to the app through chalice.test.Client (in-process, no HTTP server)."""

    def __init__(self, http):
        self.http = http

    def request(self, method: str, path: str, body=None, token: str | None = None,
                headers: dict | None = None) -> tuple[int, object]:
        all_headers = {"Content-Type": "application/json"}
        if token:
            all_headers["Authorization"] = f"Bearer {token}"
        all_headers.update(headers or {})
        payload = None if body is None else json.dumps(body)
        response = getattr(self.http, method.lower())(path, headers=all_headers, body=payload)
        data = None
        if response.body:
            try:
                data = json.loads(response.body)
            except ValueError:
                data = response.body
        return response.status_code, data


@contextlib.contextmanager
def app_client() -> Iterator[JsonClient]:
    from chalice.test import Client

    from app import app

    # The request log stays on (formatting it is part of a request's cost) but is written to
    # /dev/null rather than to the terminal the benchmark reports to.
    with open(os.devnull, "w", encoding="utf-8") as sink:
        streams = []
        for handler in app.log.handlers:
            if isinstance(handler, logging.StreamHandler):
                streams.append((handler, handler.setStream(sink)))
        try:
            with Client(app, stage_name="local") as client:
                yield JsonClient(client.http)
        finally:
            for handler, stream in streams:
                handler.setStream(stream)


# --- numbers ---------------------------------------------------------------------------------


def percentile(values: Iterable[float], fraction: float) -> float:
    """The `fraction` quantile (0..1) with linear interpolation between the closest ranks."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    position = fraction * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def median(values: Iterable[float]) -> float:
    return statistics.median(list(values))


def ms(seconds: float) -> float:
    return round(seconds * 1000, 2)


# --- bulk loading ----------------------------------------------------------------------------


class BulkWriter:
    """Puts raw items (DynamoDB attribute-value dicts, as `Model.serialize()` makes them) with
    BatchWriteItem, 25 at a time, from `workers` threads, while the caller goes on building more;
    retries unprocessed items. Uses its own botocore client, so the app's meter sees none of it.

        with BulkWriter(settings) as writer:
            writer.put(items)
    """

    def __init__(self, settings, workers: int = 4, in_flight: int = 64):
        from scripts.local_stack import _dynamodb_client

        self.table = settings.table_name
        self.client = _dynamodb_client(settings.endpoint, settings.region, timeout=60.0)
        self.pool = ThreadPoolExecutor(max_workers=workers)
        self.slots = threading.BoundedSemaphore(in_flight)
        self.futures: list = []
        self.pending: list[dict] = []
        self.written = 0

    def put(self, items: Iterable[dict]) -> None:
        self.pending.extend(items)
        while len(self.pending) >= BATCH_SIZE:
            self._send(self.pending[:BATCH_SIZE])
            del self.pending[:BATCH_SIZE]

    def _send(self, chunk: list[dict]) -> None:
        self.slots.acquire()  # bounds the memory held by queued batches
        future = self.pool.submit(self._write, chunk)
        future.add_done_callback(lambda _: self.slots.release())
        self.futures.append(future)
        self.written += len(chunk)

    def _write(self, chunk: list[dict]) -> None:
        pending = {self.table: [{"PutRequest": {"Item": item}} for item in chunk]}
        for attempt in range(20):
            unprocessed = self.client.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}
            if not unprocessed:
                return
            pending = unprocessed
            time.sleep(min(1.0, 0.05 * 2 ** attempt))
        raise RuntimeError("BatchWriteItem kept returning unprocessed items")

    def close(self) -> None:
        if self.pending:
            self._send(self.pending)
            self.pending = []
        self.pool.shutdown(wait=True)
        for future in self.futures:
            future.result()  # raises the first failure, if any
        self.futures.clear()

    def __enter__(self) -> "BulkWriter":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


def bulk_write(settings, raw_items: Iterable[dict], workers: int = 4) -> float:
    """Put `raw_items` with a BulkWriter; returns the seconds it took."""
    started = time.perf_counter()
    with BulkWriter(settings, workers) as writer:
        writer.put(raw_items)
    return time.perf_counter() - started


# --- the machine -----------------------------------------------------------------------------


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.lower().startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def machine() -> dict:
    return {
        "platform": platform.platform(),
        "python": platform.python_version(),
        "cpu": cpu_model(),
        "cores": os.cpu_count() or 0,
    }


# --- rows ------------------------------------------------------------------------------------


def row(benchmark: str, request: str, **values) -> dict:
    """One result row. Common keys (shared with benchmarks/threads.py): `benchmark`, `request`,
    `samples`, `dynamodb_calls`, `items_read`, `p50_ms`, `p95_ms`; anything else is extra."""
    return {"benchmark": benchmark, "request": request, **values}
