"""DynamoDB round trips per request: for every route, the calls one request makes and the items it
reads, beside the route's budget.

    .venv/bin/python -m benchmarks.round_trips [--json]

`CASES` is the one table of call budgets: tests/api/test_call_budgets.py asserts it on moto and
DynamoDB Local, this module measures it against DynamoDB Local and benchmarks/overhead.py times
the same requests. Each case prepares what its request needs through the API (not counted), then
the request itself is counted from botocore's events on the app's client.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
from dataclasses import dataclass, field
from typing import Callable, Protocol

from benchmarks import common


class Client(Protocol):
    def request(self, method: str, path: str, body=None, token: str | None = None,
                headers: dict | None = None) -> tuple[int, object]: ...


@dataclass
class Request:
    method: str
    path: str
    body: object = None
    token: str | None = None
    headers: dict | None = None
    status: int = 200


@dataclass(frozen=True)
class Case:
    name: str
    route: tuple[str, str]  # (method, route template) as registered with Chalice
    budget: int  # the most DynamoDB calls one request may make
    prepare: Callable[[Client], Request] = field(compare=False)
    note: str = ""
    repeatable: bool | None = None  # may the prepared request be sent again? (default: GETs)
    # The app's own time allowed per request (benchmarks/overhead.py): GAP_BUDGET_MS unless set, as
    # for a batch whose work grows with what it processes.
    gap_budget_ms: float | None = None

    @property
    def can_repeat(self) -> bool:
        return self.route[0] == "GET" if self.repeatable is None else self.repeatable


# --- building blocks (through the API, like a client would) ----------------------------------

_emails = itertools.count(1)


def _email(kind: str) -> str:
    return f"budget-{kind}-{next(_emails)}@example.com"


def _mentee_body(**overrides) -> dict:
    from tests.factories import mentee_body

    return mentee_body(email=_email("mentee"), **overrides)


def _mentor_body(**overrides) -> dict:
    from tests.factories import mentor_body

    return mentor_body(email=_email("mentor"), **overrides)


@dataclass
class User:
    id: str
    token: str


def _ok(result: tuple[int, object], expected: int, what: str):
    status, body = result
    if status != expected:
        raise RuntimeError(f"{what}: HTTP {status} {body}")
    return body


def mentee(client: Client, **overrides) -> User:
    body = _ok(client.request("POST", "/users", _mentee_body(**overrides)), 201, "register a mentee")
    return User(body["user"]["id"], body["token"])


def mentor(client: Client, **overrides) -> User:
    overrides.setdefault("capacity", 10)
    body = _ok(client.request("POST", "/users", _mentor_body(**overrides)), 201, "register a mentor")
    return User(body["user"]["id"], body["token"])


def match(client: Client, who: User, with_mentor: User, accept: bool = False) -> dict:
    body = _ok(client.request("POST", "/matches", {"mentor_id": with_mentor.id}, who.token), 201, "request a match")
    if accept:
        body = _ok(client.request("POST", f"/matches/{body['match']['id']}/accept", None, with_mentor.token),
                   200, "accept a match")
    return body["match"]


def conversation(client: Client, messages: int = 3) -> tuple[User, User, dict]:
    """A mentee and a mentor with an active match whose thread holds `messages` messages."""
    teacher, learner = mentor(client), mentee(client)
    current = match(client, learner, teacher, accept=True)
    for n in range(messages):
        sender = learner if n % 2 == 0 else teacher
        _ok(client.request("POST", f"/threads/{current['thread_id']}/messages", {"body": f"Message {n}"},
                           sender.token), 201, "send a message")
    return learner, teacher, current


def inbox(client: Client, threads: int) -> User:
    """A mentor with `threads` threads, each with one message from its mentee."""
    teacher = mentor(client, capacity=max(threads, 1))
    for _ in range(threads):
        learner = mentee(client)
        current = match(client, learner, teacher)
        _ok(client.request("POST", f"/threads/{current['thread_id']}/messages", {"body": "Hello"}, learner.token),
            201, "send a message")
    return teacher


# --- the cases -------------------------------------------------------------------------------


def _vocabulary(client):
    return Request("GET", "/vocabulary")


def _register_mentee(client):
    return Request("POST", "/users", _mentee_body(), status=201)


def _register_mentor(client):
    return Request("POST", "/users", _mentor_body(), status=201)


def _own_profile(client):
    return Request("GET", "/users/me", token=mentee(client).token)


def _patch_profile(client):
    return Request("PATCH", "/users/me", {"bio": "Now learning JAX as well."}, token=mentor(client).token)


def _delete_account(client):
    learner = mentee(client)
    return Request("DELETE", "/users/me", token=learner.token, status=204)


def _account_with_email(client) -> tuple[User, str]:
    email = _email("signin")
    body = _ok(client.request("POST", "/users", _mentee_body_with(email)), 201, "register a mentee")
    return User(body["user"]["id"], body["token"]), email


def _mentee_body_with(email: str) -> dict:
    from tests.factories import mentee_body

    return mentee_body(email=email)


def _newest_link(email: str) -> tuple[str, str]:
    """The token and code of the newest link sent to `email`, derived as the change stream does
    (the emails themselves are not what is measured)."""
    from chalicelib import links
    from chalicelib.storage import sign_in

    digest = links.address_digest(email)
    newest = max(sign_in.state_and_links(digest)[1], key=lambda link: link.id)
    return links.token_of(digest, newest.id), links.code_of(newest.id)


def _ask_link(client):
    _, email = _account_with_email(client)
    return Request("POST", "/auth/links", {"email": email}, status=202)


def _sign_in_by_link(client):
    _, email = _account_with_email(client)
    token, _ = _newest_link(email)
    return Request("POST", "/auth/sessions", {"token": token}, status=201)


def _sign_in_by_code(client):
    _, email = _account_with_email(client)
    _, code = _newest_link(email)
    return Request("POST", "/auth/sessions", {"email": email, "code": code}, status=201)


def _signed_in_twice(client) -> tuple[User, str]:
    """An account with two sessions: the registration's and one signed in by link."""
    user, email = _account_with_email(client)
    token, _ = _newest_link(email)
    body = _ok(client.request("POST", "/auth/sessions", {"token": token}), 201, "sign in")
    return user, body["session"]["id"]


def _list_sessions(client):
    user, _ = _signed_in_twice(client)
    return Request("GET", "/sessions", token=user.token)


def _end_session(client):
    user, other = _signed_in_twice(client)
    return Request("DELETE", f"/sessions/{other}", token=user.token, status=204)


def _end_other_sessions(client):
    user, _ = _signed_in_twice(client)
    return Request("DELETE", "/sessions", token=user.token, status=204)


def _sign_out(client):
    return Request("POST", "/auth/signout", token=mentee(client).token, status=204)


def _unsubscribe(client):
    from chalicelib import links

    return Request("POST", f"/unsubscribe?token={links.unsubscribe_token(mentee(client).id, 'messages')}",
                   headers={"Content-Type": "application/x-www-form-urlencoded"}, body=None)


def _export(client):
    learner, _, _ = conversation(client)
    return Request("GET", "/users/me/export", token=learner.token)


def _public_mentor(client):
    return Request("GET", f"/users/{mentor(client).id}", token=mentee(client).token)


def _public_mentee(client):
    learner, teacher, _ = conversation(client, messages=0)
    return Request("GET", f"/users/{learner.id}", token=teacher.token)


def _list_mentors(client):
    for _ in range(3):
        mentor(client)
    return Request("GET", "/mentors?framework=pytorch&goal=interview-prep")


def _suggestions(client):
    for _ in range(6):
        mentor(client)
    learner = mentee(client)
    match(client, learner, mentor(client))  # an exclusion to read
    return Request("GET", "/matches/suggestions?limit=5", token=learner.token)


def _suggestions_across_the_date_line(client):
    # The zones after Pacific/Auckland's are at the start of the directory: the read wraps around.
    for zone in ("America/Los_Angeles", "Australia/Sydney", "Asia/Tokyo", "Europe/Berlin", "Asia/Kolkata"):
        mentor(client, timezone=zone)
    return Request("GET", "/matches/suggestions?limit=5", token=mentee(client, timezone="Pacific/Auckland").token)


def _suggestions_widened(client):
    # Fewer ONNX mentors than asked for: every listed mentor is read as well (DIR#ALL).
    mentor(client, frameworks=["scikit-learn"])
    learner = mentee(client, target_framework="onnx", frameworks=["scikit-learn"])
    return Request("GET", "/matches/suggestions?limit=5", token=learner.token)


def _request_match(client):
    return Request("POST", "/matches", {"mentor_id": mentor(client).id, "message": "Hello!"},
                   token=mentee(client).token, status=201)


def _request_best_match(client):
    for _ in range(3):
        mentor(client)
    return Request("POST", "/matches", {}, token=mentee(client).token, status=201)


def _list_matches(client):
    learner, _, _ = conversation(client, messages=0)
    return Request("GET", "/matches", token=learner.token)


def _get_match(client):
    learner, _, current = conversation(client, messages=0)
    return Request("GET", f"/matches/{current['id']}", token=learner.token)


def _transition(action: str, by_mentor: bool, active: bool):
    def prepare(client):
        teacher, learner = mentor(client), mentee(client)
        current = match(client, learner, teacher, accept=active)
        return Request("POST", f"/matches/{current['id']}/{action}", {"reason": "bench"},
                       token=(teacher if by_mentor else learner).token)

    return prepare


def _feedback(client):
    learner, teacher, current = conversation(client, messages=0)
    _ok(client.request("POST", f"/matches/{current['id']}/end", None, learner.token), 200, "end a match")
    return Request("POST", f"/matches/{current['id']}/feedback", {"rating": 5, "note": "Great"},
                   token=learner.token, status=201)


def _block(with_open_match: bool):
    def prepare(client):
        if with_open_match:
            learner, teacher, _ = conversation(client, messages=0)
        else:
            learner, teacher = mentee(client), mentor(client)
        return Request("POST", f"/users/{teacher.id}/block", token=learner.token, status=204)

    return prepare


def _unblock(client):
    learner, teacher = mentee(client), mentor(client)
    _ok(client.request("POST", f"/users/{teacher.id}/block", None, learner.token), 204, "block a mentor")
    return Request("DELETE", f"/users/{teacher.id}/block", token=learner.token, status=204)


def _blocks(client):
    learner = mentee(client)
    for _ in range(3):
        _ok(client.request("POST", f"/users/{mentor(client).id}/block", None, learner.token), 204, "block a mentor")
    return Request("GET", "/users/me/blocks", token=learner.token)


def _report(client):
    learner, teacher, current = conversation(client, messages=0)
    return Request("POST", "/reports", {"user_id": teacher.id, "match_id": current["id"], "reason": "no-show"},
                   token=learner.token, status=201)


def _list_mentors_signed_in(client):
    learner = mentee(client)
    for _ in range(3):
        mentor(client)
    return Request("GET", "/mentors?framework=pytorch", token=learner.token)


def _program(client, members: int = 0) -> tuple[User, dict]:
    """An organiser's open program with `members` mentees and one mentor (capacity enough for all)."""
    import datetime

    organiser = mentee(client)
    closes_at = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=7)).strftime("%Y-%m-%dT%H:%M:%SZ")
    program = _ok(client.request("POST", "/programs", {"name": "Guild", "closes_at": closes_at}, organiser.token),
                  201, "create a program")["program"]
    if members:
        for user in [mentor(client, capacity=max(members, 1)), *(mentee(client) for _ in range(members))]:
            _ok(client.request("POST", "/programs/join", {"join_code": program["join_code"]}, user.token),
                201, "join a program")
    return organiser, program


def _create_program(client):
    import datetime

    closes_at = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=7)).strftime("%Y-%m-%dT%H:%M:%SZ")
    return Request("POST", "/programs", {"name": "Guild", "closes_at": closes_at}, token=mentee(client).token,
                   status=201)


def _list_programs(client):
    organiser, _ = _program(client)
    return Request("GET", "/programs", token=organiser.token)


def _join_program(client):
    _, program = _program(client)
    return Request("POST", "/programs/join", {"join_code": program["join_code"]}, token=mentee(client).token,
                   status=201)


def _get_program(client):
    organiser, program = _program(client, members=2)
    return Request("GET", f"/programs/{program['id']}", token=organiser.token)


def _leave_program(client):
    _, program = _program(client)
    member = mentee(client)
    _ok(client.request("POST", "/programs/join", {"join_code": program["join_code"]}, member.token), 201, "join")
    return Request("DELETE", f"/programs/{program['id']}/members/me", token=member.token, status=204)


def _match_program(client):
    organiser, program = _program(client, members=2)
    return Request("POST", f"/programs/{program['id']}/match", token=organiser.token)


def _program_matches(client):
    organiser, program = _program(client, members=3)
    _ok(client.request("POST", f"/programs/{program['id']}/match", None, organiser.token), 200, "match a program")
    return Request("GET", f"/programs/{program['id']}/matches", token=organiser.token)


def _inbox(threads: int):
    def prepare(client):
        return Request("GET", "/threads?limit=20", token=inbox(client, threads).token)

    return prepare


def _messages(client):
    learner, _, current = conversation(client, messages=25)
    return Request("GET", f"/threads/{current['thread_id']}/messages?limit=20", token=learner.token)


def _next_messages(client):
    learner, _, current = conversation(client, messages=25)
    path = f"/threads/{current['thread_id']}/messages?limit=20"
    first = _ok(client.request("GET", path, None, learner.token), 200, "first page")
    return Request("GET", f"{path}&cursor={first['next_cursor']}", token=learner.token)


def _send(client):
    learner, _, current = conversation(client, messages=1)
    return Request("POST", f"/threads/{current['thread_id']}/messages", {"body": "How do I start?"},
                   token=learner.token, status=201)


def _send_again(client):
    learner, _, current = conversation(client, messages=1)
    path = f"/threads/{current['thread_id']}/messages"
    headers = {"Idempotency-Key": "retry-1"}
    _ok(client.request("POST", path, {"body": "Once"}, learner.token, headers), 201, "first send")
    return Request("POST", path, {"body": "Once"}, token=learner.token, headers=headers, status=201)


def _mark_read(client):
    _, teacher, current = conversation(client, messages=2)
    return Request("POST", f"/threads/{current['thread_id']}/read", token=teacher.token)


def _join_waitlist(client):
    return Request("POST", "/waitlist", {"message": "Hello!"}, token=mentee(client).token, status=201)


def _waiting_mentee(client) -> User:
    learner = mentee(client)
    _ok(client.request("POST", "/waitlist", {}, learner.token), 201, "join the waitlist")
    return learner


def _get_waitlist(client):
    return Request("GET", "/waitlist", token=_waiting_mentee(client).token)


def _leave_waitlist(client):
    return Request("DELETE", "/waitlist", token=_waiting_mentee(client).token, status=204)


def _page(client):
    return Request("GET", "/")


def _asset(client):
    return Request("GET", "/static/app.js")


def _openapi(client):
    return Request("GET", "/openapi.json")


CASES: tuple[Case, ...] = (
    Case("GET /vocabulary", ("GET", "/vocabulary"), 0, _vocabulary),
    Case("POST /users (mentee)", ("POST", "/users"), 1, _register_mentee, "one transaction"),
    Case("POST /users (mentor)", ("POST", "/users"), 1, _register_mentor, "with directory entries"),
    Case("GET /users/me", ("GET", "/users/me"), 1, _own_profile, "the token check reads the profile"),
    Case("PATCH /users/me", ("PATCH", "/users/me"), 2, _patch_profile, repeatable=True),
    Case("DELETE /users/me", ("DELETE", "/users/me"), 3, _delete_account, "no matches; more per match"),
    Case("POST /auth/links", ("POST", "/auth/links"), 2, _ask_link, "the same for an unknown email"),
    Case("POST /auth/sessions (link)", ("POST", "/auth/sessions"), 3, _sign_in_by_link, "link, user, transaction"),
    Case("POST /auth/sessions (code)", ("POST", "/auth/sessions"), 3, _sign_in_by_code, "links, user, transaction"),
    Case("GET /sessions", ("GET", "/sessions"), 1, _list_sessions, "one Query: profile and sessions"),
    Case("DELETE /sessions/{id}", ("DELETE", "/sessions/{session_id}"), 2, _end_session),
    Case("DELETE /sessions", ("DELETE", "/sessions"), 2, _end_other_sessions),
    Case("POST /auth/signout", ("POST", "/auth/signout"), 1, _sign_out, "the delete checks the token"),
    Case("POST /unsubscribe", ("POST", "/unsubscribe"), 2, _unsubscribe, "the user, then the versioned save"),
    Case("GET /users/me/export", ("GET", "/users/me/export"), 4, _export, "one thread; +1 per thread"),
    Case("GET /users/{id} (a mentor)", ("GET", "/users/{user_id}"), 2, _public_mentor),
    Case("GET /users/{id} (own mentee)", ("GET", "/users/{user_id}"), 3, _public_mentee),
    Case("GET /mentors?framework&goal", ("GET", "/mentors"), 1, _list_mentors, "public"),
    Case("GET /mentors (signed in)", ("GET", "/mentors"), 2, _list_mentors_signed_in, "without the blocked"),
    Case("GET /matches/suggestions", ("GET", "/matches/suggestions"), 4, _suggestions),
    Case("GET /matches/suggestions (Pacific/Auckland)", ("GET", "/matches/suggestions"), 4,
         _suggestions_across_the_date_line, "reads wrap around the date line"),
    Case("GET /matches/suggestions (widened)", ("GET", "/matches/suggestions"), 4, _suggestions_widened,
         "target framework has too few mentors: DIR#ALL read too"),
    Case("POST /matches with mentor_id", ("POST", "/matches"), 3, _request_match, "with an intro message"),
    Case("POST /matches (best suggestion)", ("POST", "/matches"), 6, _request_best_match,
         "suggestions' reads, then the mentor and the transaction"),
    Case("GET /matches", ("GET", "/matches"), 2, _list_matches),
    Case("GET /matches/{id}", ("GET", "/matches/{match_id}"), 1, _get_match, "read with the token check"),
    Case("POST /matches/{id}/accept", ("POST", "/matches/{match_id}/accept"), 2, _transition("accept", True, False)),
    Case("POST /matches/{id}/decline", ("POST", "/matches/{match_id}/decline"), 3,
         _transition("decline", True, False)),
    Case("POST /matches/{id}/cancel", ("POST", "/matches/{match_id}/cancel"), 3,
         _transition("cancel", False, False)),
    Case("POST /matches/{id}/end", ("POST", "/matches/{match_id}/end"), 3, _transition("end", False, True)),
    Case("POST /matches/{id}/feedback", ("POST", "/matches/{match_id}/feedback"), 3, _feedback,
         "copy with the token check, the mentor, one transaction"),
    Case("POST /users/{id}/block", ("POST", "/users/{user_id}/block"), 3, _block(False),
         "the other and the pair lock in one read"),
    Case("POST /users/{id}/block (open match)", ("POST", "/users/{user_id}/block"), 4, _block(True),
         "+ the match copy; closing in the same transaction"),
    Case("DELETE /users/{id}/block", ("DELETE", "/users/{user_id}/block"), 3, _unblock),
    Case("GET /users/me/blocks", ("GET", "/users/me/blocks"), 2, _blocks),
    Case("POST /reports", ("POST", "/reports"), 3, _report, "the user and the match copy in one read"),
    Case("POST /programs", ("POST", "/programs"), 2, _create_program, "the program, its code, the organiser's link"),
    Case("GET /programs", ("GET", "/programs"), 3, _list_programs, "links Query, programs BatchGetItem"),
    Case("POST /programs/join", ("POST", "/programs/join"), 3, _join_program, "the code, then one transaction"),
    Case("GET /programs/{id}", ("GET", "/programs/{program_id}"), 1, _get_program, "read with the token check"),
    Case("DELETE /programs/{id}/members/me", ("DELETE", "/programs/{program_id}/members/me"), 2, _leave_program),
    Case("POST /programs/{id}/match (2 mentees, 1 mentor)", ("POST", "/programs/{program_id}/match"), 14,
         _match_program, "8 + 1 Query per mentee + 2 calls per pair opened",
         gap_budget_ms=10.0),  # a batch: each pair opened is a request's work (5 ms each)
    Case("GET /programs/{id}/matches", ("GET", "/programs/{program_id}/matches"), 3, _program_matches),
    Case("POST /waitlist", ("POST", "/waitlist"), 3, _join_waitlist,
         "token check with the spot, transaction, position COUNT Query"),
    Case("GET /waitlist", ("GET", "/waitlist"), 2, _get_waitlist, "token check with the spot, position COUNT Query"),
    Case("DELETE /waitlist", ("DELETE", "/waitlist"), 2, _leave_waitlist, "token check with the spot, transaction"),
    Case("GET /threads (1 thread)", ("GET", "/threads"), 2, _inbox(1)),
    Case("GET /threads (8 threads)", ("GET", "/threads"), 2, _inbox(8), "same calls whatever the count"),
    Case("GET /threads/{id}/messages", ("GET", "/threads/{thread_id}/messages"), 2, _messages),
    Case("GET /threads/{id}/messages (cursor)", ("GET", "/threads/{thread_id}/messages"), 2, _next_messages),
    Case("POST /threads/{id}/messages", ("POST", "/threads/{thread_id}/messages"), 2, _send, repeatable=True),
    Case("POST /threads/{id}/messages (retried key)", ("POST", "/threads/{thread_id}/messages"), 2, _send_again,
         repeatable=True),
    Case("POST /threads/{id}/read", ("POST", "/threads/{thread_id}/read"), 2, _mark_read, repeatable=True),
    Case("GET /", ("GET", "/"), 0, _page, "web app"),
    Case("GET /static/{name}", ("GET", "/static/{name}"), 0, _asset, "web app"),
    Case("GET /openapi.json", ("GET", "/openapi.json"), 0, _openapi),
)


def registered_routes() -> set[tuple[str, str]]:
    """(method, route template) of every view the app registers."""
    from app import app

    return {(method, path) for path, entries in app.routes.items() for method in entries}


def available_cases() -> list[Case]:
    """The cases whose route the app registers (the web app's routes may be absent)."""
    routes = registered_routes()
    return [case for case in CASES if case.route in routes]


def measure(client: Client, meter: common.DynamoMeter, case: Case) -> dict:
    request = case.prepare(client)
    meter.reset()
    status, body = client.request(request.method, request.path, request.body, request.token, request.headers)
    if status != request.status:
        raise RuntimeError(f"{case.name}: HTTP {status} {body}")
    return {"dynamodb_calls": meter.count, "items_read": meter.items, "operations": meter.operations}


def run(endpoint: str | None = None) -> list[dict]:
    rows = []
    with common.local_dynamodb(endpoint) as url:
        try:
            with common.app_client() as client:
                for case in available_cases():
                    common.fresh_table(url, "round-trips")  # each case on an empty table
                    meter = common.DynamoMeter().attach()
                    result = measure(client, meter, case)
                    operations = ", ".join(f"{n} {op}" for op, n in _counted(result.pop("operations")))
                    rows.append(common.row(
                        "round trips", case.name, **result, budget=case.budget,
                        within_budget=result["dynamodb_calls"] <= case.budget,
                        calls=operations or "-", note=case.note,
                    ))
        finally:
            common.restore_default_settings()
    missing = registered_routes() - {case.route for case in CASES}
    for method, path in sorted(missing):
        rows.append(common.row("round trips", f"{method} {path}", note="no case: not measured"))
    return rows


def _counted(operations: list[str]) -> list[tuple[str, int]]:
    counts: dict[str, int] = {}
    for operation in operations:
        counts[operation] = counts.get(operation, 0) + 1
    return list(counts.items())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.round_trips", description=__doc__.splitlines()[0])
    parser.add_argument("--endpoint", help="an already running DynamoDB endpoint (default: start DynamoDB Local)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    rows = run(args.endpoint)
    if args.json:
        print(json.dumps(rows, indent=2))
    else:
        for r in rows:
            print(f"{r['request']:48} {r.get('dynamodb_calls', '-'):>3} / {r.get('budget', '-'):<3} "
                  f"items {r.get('items_read', '-'):<4} {r.get('calls', '')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
