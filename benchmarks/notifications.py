"""What notifications cost, off the request path: the change stream's handler per record, and the
scheduled run as the table grows.

    .venv/bin/python -m benchmarks.notifications [--json]

- stream: for each change that sends an email (a sign-in link; a new request, which the mentor
  hears of; an accept, which the mentee hears of), the handler's DynamoDB calls, items read and
  time per record (a match changes two copies, one of which sends), mail written to an outbox
  directory (SES's own latency is not the app's; composing the first email loads the templates).
- schedule: one run over a table holding N pending requests that are not due yet (bulk-loaded,
  due in a year) and 10 that are (real requests through the API, due now): its DynamoDB calls,
  items read and time must not grow with N.
Against DynamoDB Local, like the other benchmarks. Request paths gain no call from any of this:
benchmarks/round_trips.py (and tests/api/test_call_budgets.py) hold their budgets.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from datetime import timedelta

from benchmarks import common

DUE_NOW = 10


def _stream_rows(client, meter: common.DynamoMeter, settings) -> list[dict]:
    from chalicelib import events
    from scripts.local_stream import StreamReader
    from tests.factories import mentee_body, mentor_body

    reader = StreamReader(settings.table_name, endpoint=settings.endpoint, region=settings.region)
    reader.read()  # start after what is there
    rows = []

    def measure(name: str, act) -> None:
        act()
        records = [r for r in reader.read() if r["dynamodb"].get("NewImage", {}).get("kind", {}).get("S") in ("link", "match")]
        meter.reset()
        started = time.perf_counter()
        for record in records:
            events.handle({"Records": [record]})
        elapsed = time.perf_counter() - started
        rows.append({
            "benchmark": "notifications", "request": f"stream: {name}",
            "dynamodb_calls": round(meter.count / max(1, len(records)), 1),
            "items_read": round(meter.items / max(1, len(records)), 1),
            "p50_ms": common.ms(elapsed / max(1, len(records))), "records": len(records),
        })

    mentor_email, mentee_email = "bench-mentor@example.com", "bench-mentee@example.com"
    state = {}

    def register():
        state["mentor"] = client.request("POST", "/users", mentor_body(email=mentor_email, capacity=10))[1]
        state["mentee"] = client.request("POST", "/users", mentee_body(email=mentee_email))[1]

    measure("verification link (sign-in email)", register)
    for email in (mentor_email, mentee_email):
        _verify(client, email)
    reader.read()
    measure("new request (the mentor's email)", lambda: state.update(match=client.request(
        "POST", "/matches", {"mentor_id": state["mentor"]["user"]["id"], "message": "Hello!"},
        state["mentee"]["token"])[1]["match"]))
    measure("accept (the mentee's email)", lambda: client.request(
        "POST", f"/matches/{state['match']['id']}/accept", None, state["mentor"]["token"]))
    return rows


def _verify(client, email: str) -> None:
    from chalicelib import links
    from chalicelib.storage import sign_in

    digest = links.address_digest(email)
    newest = max(sign_in.state_and_links(digest)[1], key=lambda link: link.id)
    client.request("POST", "/auth/sessions", {"token": links.token_of(digest, newest.id)})


def _schedule_row(client, meter: common.DynamoMeter, endpoint: str, pending: int) -> dict:
    from chalicelib import clock
    from chalicelib.services import schedule
    from chalicelib.storage import due, keys
    from tests.factories import mentee_body, mentor_body

    settings = common.fresh_table(endpoint, f"schedule{pending}")
    far = clock.iso(clock.now() + timedelta(days=365))
    with common.BulkWriter(settings) as writer:
        writer.put(
            {
                "pk": {"S": keys.user(f"BULKMENTEE{n:08d}")}, "sk": {"S": keys.match(f"BULKMATCH{n:08d}")},
                "kind": {"S": "match"}, "status": {"S": "pending"},
                **{name: {"S": value} for name, value in due.attributes(far, due.EXPIRY, f"BULKMATCH{n:08d}").items()},
            }
            for n in range(pending)
        )
    teacher = client.request("POST", "/users", mentor_body(capacity=10))[1]
    for _ in range(DUE_NOW):
        learner = client.request("POST", "/users", mentee_body())[1]
        client.request("POST", "/matches", {"mentor_id": teacher["user"]["id"]}, learner["token"])
    with tempfile.TemporaryDirectory() as outbox:
        os.environ["MAIL_OUTBOX_DIR"] = outbox
        meter.reset()
        started = time.perf_counter()
        done = schedule.run(clock.now() + timedelta(days=8))
        elapsed = time.perf_counter() - started
    assert done["expire"] == DUE_NOW, done
    return {
        "benchmark": "notifications", "request": f"schedule run: {pending:,} pending, {DUE_NOW} due",
        "dynamodb_calls": meter.count, "items_read": meter.items, "p50_ms": common.ms(elapsed),
        "pending": pending, "calls_per_due_item": round((meter.count - 8) / DUE_NOW, 1),
    }


def run(endpoint: str | None = None, sizes=(1_000, 100_000)) -> list[dict]:
    from chalicelib.mail import default_transport

    os.environ.setdefault("SIGNIN_KEY", "benchmark-signin-key-" + "0" * 32)
    pending_sizes = (1_000, 100_000) if max(sizes) >= 100_000 else (1_000, 10_000)
    rows: list[dict] = []
    previous_outbox = os.environ.get("MAIL_OUTBOX_DIR")
    with common.local_dynamodb(endpoint) as url, tempfile.TemporaryDirectory() as outbox:
        os.environ["MAIL_OUTBOX_DIR"] = outbox
        default_transport.cache_clear()
        try:
            with common.app_client() as client:
                settings = common.fresh_table(url, "stream", stream=True)
                meter = common.DynamoMeter().attach()
                rows.extend(_stream_rows(client, meter, settings))
                for pending in pending_sizes:
                    rows.append(_schedule_row(client, meter, url, pending))
        finally:
            if previous_outbox is None:
                os.environ.pop("MAIL_OUTBOX_DIR", None)
            else:
                os.environ["MAIL_OUTBOX_DIR"] = previous_outbox
            default_transport.cache_clear()
            common.restore_default_settings()
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    rows = run()
    print(json.dumps(rows, indent=2) if args.json else "\n".join(str(row) for row in rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
