"""The app's own cost per request: latency beside the time its DynamoDB calls took.

    .venv/bin/python -m benchmarks.overhead [--samples 50] [--messages 100000] [--json]

Sends each request of benchmarks/round_trips.CASES `samples` times through `chalice.test.Client`
(in-process) against DynamoDB Local, after WARM_UP_SAMPLES of each kind (unmeasured, so that the
numbers are the steady state, not DynamoDB Local's JIT compiling). A request's DynamoDB time is the sum, over its calls, of
each botocore call from its first event to its last (`provide-client-params` to `after-call`:
building the request, signing, the HTTP round trip, parsing the response); the gap, latency
minus that, is what the app itself spends: routing, validation, PynamoDB (de)serialisation,
scoring, JSON. Budget: p50 gap at most 5 ms (GAP_BUDGET_MS), or the case's own for a batch
(a program's match: 5 ms per pair it opens, each a request's work).

Of the SDK's time, botocore building the requests (`provide-client-params` to `before-call`) is
shown on its own (`sdk_build_p50_ms`), with the gap it would make if counted as the app's
(`gap_with_sdk_build_p50_ms`): it grows with the calls a request makes and the items it writes.

Then the flat cost of a page of messages: threads of 100 and `messages` messages (bulk-loaded),
the first page, one from the middle and the oldest full page, with the same columns: items read
and the app's gap must not grow with the thread.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

from benchmarks import common
from benchmarks.round_trips import Case, available_cases

GAP_BUDGET_MS = 5.0
# Requests of each kind sent before any is measured (see `run`).
WARM_UP_SAMPLES = 10


def measure(client, meter: common.DynamoMeter, case: Case, samples: int) -> dict:
    totals, db, wire, build = [], [], [], []
    request = None
    for n in range(samples + 1):  # the first request of each kind warms lazy imports up, unmeasured
        if request is None or not case.can_repeat:
            request = case.prepare(client)
        meter.reset()
        started = time.perf_counter()
        status, body = client.request(request.method, request.path, request.body, request.token, request.headers)
        elapsed = time.perf_counter() - started
        if status != request.status:
            raise RuntimeError(f"{case.name}: HTTP {status} {body}")
        if n:
            totals.append(elapsed)
            db.append(meter.seconds)
            wire.append(meter.wire_seconds)
            build.append(meter.build_seconds)
    gaps = [total - spent for total, spent in zip(totals, db)]
    gap_p50 = common.ms(common.percentile(gaps, 0.5))
    budget = case.gap_budget_ms if case.gap_budget_ms is not None else GAP_BUDGET_MS
    with_build = [gap + building for gap, building in zip(gaps, build)]
    return {
        "samples": samples,
        "p50_ms": common.ms(common.percentile(totals, 0.5)),
        "p95_ms": common.ms(common.percentile(totals, 0.95)),
        "db_p50_ms": common.ms(common.percentile(db, 0.5)),
        "http_p50_ms": common.ms(common.percentile(wire, 0.5)),
        "gap_p50_ms": gap_p50,
        "gap_p95_ms": common.ms(common.percentile(gaps, 0.95)),
        # Of the DynamoDB time, what botocore spends building the requests (more and bigger requests
        # cost more), and the gap if that were counted as the app's.
        "sdk_build_p50_ms": common.ms(common.percentile(build, 0.5)),
        "gap_with_sdk_build_p50_ms": common.ms(common.percentile(with_build, 0.5)),
        "gap_budget_ms": budget,
        "within_budget": gap_p50 <= budget,
    }


def _fill(settings, thread_id: str, senders: tuple[str, str], count: int) -> list[str]:
    """`count` messages in the thread, one millisecond apart and in the past, bulk-loaded;
    returns their sort keys, oldest first."""
    from chalicelib.storage import threads as thread_store

    start_ms = time.time_ns() // 1_000_000 - count - 60_000
    sort_keys = []
    with common.BulkWriter(settings) as writer:
        for n in range(count):
            message = thread_store.new_message(thread_id, senders[n % 2], f"Message {n}: " + "lorem ipsum " * 12,
                                               start_ms + n)
            sort_keys.append(message.sk)
            writer.put([message.serialize()])
    return sort_keys


def message_pages(client, url: str, samples: int, messages: int) -> list[dict]:
    """A page of 20 messages in threads of 100 and of `messages` messages: the first page, one
    from the middle and the oldest full page (with a cursor), timed beside their DynamoDB time."""
    from benchmarks.round_trips import Request, conversation
    from chalicelib.storage import keys, paging

    rows = []
    for count in sorted({100, messages}):
        settings = common.fresh_table(url, "pages")
        meter = common.DynamoMeter().attach()
        learner, teacher, current = conversation(client, messages=0)
        thread_id = current["thread_id"]
        sort_keys = _fill(settings, thread_id, (learner.id, teacher.id), count)
        path = f"/threads/{thread_id}/messages?limit=20"

        def at(position: int) -> str:  # the page that starts just below this message
            cursor = paging.encode_cursor({"pk": {"S": keys.thread(thread_id)}, "sk": {"S": sort_keys[position]}})
            return f"{path}&cursor={cursor}"

        raw = _BareQuery(settings, keys.thread(thread_id))
        pages = (("first page", path, None), ("page from the middle", at(count // 2), sort_keys[count // 2]),
                 ("oldest full page", at(20), sort_keys[20]))
        for name, page, start in pages:
            case = Case(f"GET /threads/{{id}}/messages, {name}, {count:,}-message thread",
                        ("GET", "/threads/{thread_id}/messages"), 3,
                        lambda _client, page=page: Request("GET", page, token=learner.token))
            result = measure(client, meter, case, samples)
            meter.reset()
            client.request("GET", page, token=learner.token)
            rows.append(common.row("flat cost", case.name, messages=count, dynamodb_calls=meter.count,
                                   items_read=meter.items, **result, bare_query_p50_ms=raw.p50_ms(start, samples)))
    return rows


class _BareQuery:
    """The page's Query sent by a bare botocore client, without the app: DynamoDB Local alone."""

    def __init__(self, settings, partition: str):
        from scripts.local_stack import _dynamodb_client

        self.client = _dynamodb_client(settings.endpoint, settings.region, timeout=30.0)
        self.request = {
            "TableName": settings.table_name,
            "KeyConditionExpression": "pk = :pk AND begins_with(sk, :msg)",
            "ExpressionAttributeValues": {":pk": {"S": partition}, ":msg": {"S": "MSG#"}},
            "ScanIndexForward": False,
            "Limit": 21,
        }
        self.partition = partition

    def p50_ms(self, start: str | None, samples: int) -> float:
        request = dict(self.request)
        if start is not None:
            request["ExclusiveStartKey"] = {"pk": {"S": self.partition}, "sk": {"S": start}}
        times = []
        for _ in range(samples):
            started = time.perf_counter()
            self.client.query(**request)
            times.append(time.perf_counter() - started)
        return common.ms(common.percentile(times, 0.5))


def run(samples: int = 50, endpoint: str | None = None, messages: int = 100_000) -> list[dict]:
    rows = []
    with common.local_dynamodb(endpoint) as url:
        try:
            with common.app_client() as client:
                for case in available_cases():
                    # Unmeasured: DynamoDB Local's JIT compiles what each kind of request makes it do.
                    common.fresh_table(url, "warm-up")
                    measure(client, common.DynamoMeter().attach(), case, WARM_UP_SAMPLES)
                for case in available_cases():
                    # Each case on an empty table, so that no case reads what another one wrote.
                    common.fresh_table(url, "overhead")
                    meter = common.DynamoMeter().attach()
                    rows.append(common.row("overhead", case.name, **measure(client, meter, case, samples)))
                if messages:
                    rows += message_pages(client, url, samples, messages)
        finally:
            common.restore_default_settings()
    return rows


COLUMNS = ("request", "p50_ms", "p95_ms", "db_p50_ms", "gap_p50_ms", "gap_p95_ms", "sdk_build_p50_ms",
           "gap_with_sdk_build_p50_ms", "within_budget")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.overhead", description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=50, help="requests measured per kind")
    parser.add_argument("--messages", type=int, default=100_000,
                        help="messages in the long thread of the page measurements (0: skip them)")
    parser.add_argument("--endpoint", help="an already running DynamoDB endpoint (default: start DynamoDB Local)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    rows = run(args.samples, args.endpoint, args.messages)
    if args.json:
        print(json.dumps(rows, indent=2))
    else:
        print(" | ".join(COLUMNS))
        for r in rows:
            print(" | ".join(str(r[c]) for c in COLUMNS))
    return 0


if __name__ == "__main__":
    sys.exit(main())
