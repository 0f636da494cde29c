"""Cohort programs (contract: "Cohort programs"): create, join with a code, leave, match everyone
at once (by the organiser or at `closes_at`), and the pairs with scores and reasons."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from chalicelib import clock
from chalicelib.services import schedule
from tests.api.test_notifications import verify
from tests.factories import register_mentee, register_mentor


def later(**delta) -> str:
    return (datetime.now(timezone.utc) + timedelta(**delta)).strftime("%Y-%m-%dT%H:%M:%SZ")


def create(api, organiser, name="ML guild", **body) -> dict:
    response = api.post("/programs", {"name": name, "closes_at": later(days=7), **body}, token=organiser.token)
    assert response.status_code == 201, response.json
    return response.json["program"]


def join(api, program, *users):
    for user in users:
        response = api.post("/programs/join", {"join_code": program["join_code"]}, token=user.token)
        assert response.status_code == 201, response.json


def program_matches(api, user) -> list[dict]:
    return [m for m in api.get("/matches", token=user.token).json["matches"] if m["origin"] == "program"]


def test_a_program_is_created_open_with_a_join_code_and_listed_for_its_organiser(api):
    organiser = register_mentor(api)
    program = create(api, organiser, description="Backend engineers into our ML teams")
    assert program["status"] == "open" and program["is_organiser"] is True and program["membership"] is None
    assert program["mentors"] == program["mentees"] == 0
    assert program["matched"] is None and program["total_score"] is None
    code = program["join_code"]
    assert len(code) == 9 and code[4] == "-" and code.replace("-", "").isalnum() and code.isupper()
    assert "0" not in code and "O" not in code and "1" not in code and "I" not in code
    [listed] = api.get("/programs", token=organiser.token).json["programs"]
    assert listed["id"] == program["id"] and listed["description"] == "Backend engineers into our ML teams"


@pytest.mark.parametrize(("body", "field"), [
    ({"closes_at": later(days=1)}, "name"),
    ({"name": "  ", "closes_at": later(days=1)}, "name"),
    ({"name": "x" * 101, "closes_at": later(days=1)}, "name"),
    ({"name": "Guild"}, "closes_at"),
    ({"name": "Guild", "closes_at": "next friday"}, "closes_at"),
    ({"name": "Guild", "closes_at": "2027-01-15T17:00:00"}, "closes_at"),  # no time zone
    ({"name": "Guild", "closes_at": later(days=-1)}, "closes_at"),
    ({"name": "Guild", "closes_at": later(days=400)}, "closes_at"),
    ({"name": "Guild", "closes_at": 1767225600}, "closes_at"),
    ({"name": "Guild", "closes_at": later(days=1), "description": "x" * 2001}, "description"),
    ({"name": "Guild", "closes_at": later(days=1), "cohort": 3}, "cohort"),
])
def test_a_bad_program_is_a_400_naming_the_field_and_stores_nothing(api, body, field):
    organiser = register_mentee(api)
    response = api.post("/programs", body, token=organiser.token)
    assert response.status_code == 400, response.json
    assert response.json["Message"].startswith(f"{field}:"), response.json
    assert api.get("/programs", token=organiser.token).json["programs"] == []


def test_members_join_with_the_code_in_any_case_and_leave_while_open(api):
    organiser = register_mentee(api)
    program = create(api, organiser)
    mentor, mentee = register_mentor(api), register_mentee(api)
    joined = api.post("/programs/join", {"join_code": program["join_code"].lower().replace("-", " ")},
                      token=mentor.token)
    assert joined.status_code == 201
    assert joined.json["membership"]["role"] == "mentor" and joined.json["membership"]["program_id"] == program["id"]
    join(api, program, mentee)
    again = api.post("/programs/join", {"join_code": program["join_code"]}, token=mentee.token)
    assert again.status_code == 409

    seen = api.get(f"/programs/{program['id']}", token=mentee.token).json["program"]
    assert (seen["mentors"], seen["mentees"]) == (1, 1)
    assert seen["is_organiser"] is False and seen["membership"]["role"] == "mentee"
    assert api.get(f"/programs/{program['id']}", token=register_mentee(api).token).status_code == 404

    assert api.delete(f"/programs/{program['id']}/members/me", token=mentee.token).status_code == 204
    assert api.delete(f"/programs/{program['id']}/members/me", token=mentee.token).status_code == 404
    assert api.get(f"/programs/{program['id']}", token=mentee.token).status_code == 404
    assert api.get(f"/programs/{program['id']}", token=organiser.token).json["program"]["mentees"] == 0
    assert api.get("/programs", token=mentee.token).json["programs"] == []


@pytest.mark.parametrize(("code", "status"), [("ZZZZ-ZZZZ", 404), ("ABC", 400), ("", 400), (12345678, 400)])
def test_a_wrong_join_code_is_a_404_and_a_malformed_one_a_400(api, code, status):
    response = api.post("/programs/join", {"join_code": code}, token=register_mentee(api).token)
    assert response.status_code == status
    assert response.json["Message"].startswith("join_code:")


def test_the_match_gives_the_only_jax_mentor_to_the_jax_mentee_whoever_came_first(api):
    organiser = register_mentee(api)
    program = create(api, organiser)
    # Pia (PyTorch) joins first and would take Jo first come first served: Jo also knows PyTorch,
    # and helps with both of her goals; Jay's only fit on his framework is Jo.
    pia = register_mentee(api, name="Pia", target_framework="pytorch", goals=["kaggle", "interview-prep"])
    jay = register_mentee(api, name="Jay", target_framework="jax", frameworks=[], goals=["ml-systems"])
    jo = register_mentor(api, name="Jo", frameworks=["jax", "pytorch"], goals=["kaggle", "interview-prep"], capacity=1)
    pat = register_mentor(api, name="Pat", frameworks=["pytorch"], goals=["ml-systems"], capacity=1)
    join(api, program, pia, jay, jo, pat)

    matched = api.post(f"/programs/{program['id']}/match", token=organiser.token)
    assert matched.status_code == 200, matched.json
    result = matched.json["program"]
    assert result["status"] == "matched" and result["matched"] == 2 and result["unmatched"] == 0

    pairs = api.get(f"/programs/{program['id']}/matches", token=organiser.token).json["matches"]
    by_mentee = {p["mentee"]["name"]: p for p in pairs}
    assert by_mentee["Jay"]["mentor"]["name"] == "Jo" and by_mentee["Pia"]["mentor"]["name"] == "Pat"
    assert all(p["on_target"] for p in pairs)
    assert "Both focus on JAX" in by_mentee["Jay"]["reasons"]
    assert result["total_score"] == sum(p["score"] for p in pairs)

    [jays] = program_matches(api, jay)
    assert jays["status"] == "pending" and jays["mentor_id"] == jo.id and jays["id"] == by_mentee["Jay"]["match_id"]
    assert [m["mentee_id"] for m in program_matches(api, jo)] == [jay.id]
    assert api.get("/users/me", token=jo.token).json["active_mentees"] == 1


def test_only_the_organiser_matches_and_sees_the_pairs_and_only_once(api):
    organiser, member, stranger = register_mentee(api), register_mentee(api), register_mentee(api)
    program = create(api, organiser)
    join(api, program, member, register_mentor(api))
    assert api.post(f"/programs/{program['id']}/match", token=member.token).status_code == 403
    assert api.post(f"/programs/{program['id']}/match", token=stranger.token).status_code == 404
    assert api.get(f"/programs/{program['id']}/matches", token=member.token).status_code == 403
    assert api.post(f"/programs/{program['id']}/match", token=organiser.token).status_code == 200
    again = api.post(f"/programs/{program['id']}/match", token=organiser.token)
    assert again.status_code == 409 and again.json["Message"].startswith("status:")
    assert len(program_matches(api, member)) == 1
    late = register_mentee(api)
    assert api.post("/programs/join", {"join_code": program["join_code"]}, token=late.token).status_code == 409
    assert api.delete(f"/programs/{program['id']}/members/me", token=member.token).status_code == 409


def test_the_match_keeps_every_usual_limit(api):
    organiser = register_mentee(api)
    program = create(api, organiser)
    full = register_mentor(api, name="Full", capacity=1)
    paused = register_mentor(api, name="Paused", accepting=False)
    blocked = register_mentor(api, name="Blocked")
    already = register_mentor(api, name="Already")
    free = register_mentor(api, name="Free", capacity=1)
    busy_mentee = register_mentee(api, name="Busy")
    blocker = register_mentee(api, name="Blocker")
    paired = register_mentee(api, name="Paired")
    outsider = register_mentee(api)
    assert api.post("/matches", {"mentor_id": full.id}, token=outsider.token).status_code == 201  # Full is full
    for mentor in (register_mentor(api), register_mentor(api), register_mentor(api)):
        assert api.post("/matches", {"mentor_id": mentor.id}, token=busy_mentee.token).status_code == 201
    assert api.post(f"/users/{blocked.id}/block", token=blocker.token).status_code == 204
    assert api.post("/matches", {"mentor_id": already.id}, token=paired.token).status_code == 201
    join(api, program, full, paused, blocked, already, free, busy_mentee, blocker, paired)

    assert api.post(f"/programs/{program['id']}/match", token=organiser.token).status_code == 200
    pairs = api.get(f"/programs/{program['id']}/matches", token=organiser.token).json["matches"]
    chosen = {(p["mentee"]["name"], p["mentor"]["name"]) for p in pairs}
    assert not any(mentor in ("Full", "Paused") for _, mentor in chosen)
    assert "Busy" not in {mentee for mentee, _ in chosen}  # 3 open matches already
    assert ("Blocker", "Blocked") not in chosen and ("Paired", "Already") not in chosen
    assert len(pairs) == 2  # Blocker and Paired, with Free and (for whichever Free does not take) another
    assert api.get("/users/me", token=free.token).json["active_mentees"] <= 1


def test_the_schedule_matches_a_program_when_it_closes_and_takes_up_a_run_that_stopped(api, monkeypatch):
    from chalicelib.storage import programs as program_store

    organiser = register_mentee(api)
    program = create(api, organiser)
    mentee, mentor = register_mentee(api), register_mentor(api)
    join(api, program, mentee, mentor)
    closes = datetime.fromisoformat(program["closes_at"])
    assert "program" not in schedule.run(closes - timedelta(minutes=1))
    assert api.get(f"/programs/{program['id']}", token=organiser.token).json["program"]["status"] == "open"

    # A run that claims the program and stops before opening anything (the function timed out):
    assert program_store.claim_for_matching(program["id"], clock.iso(closes), clock.iso(closes - timedelta(minutes=10)),
                                            clock.iso(closes + timedelta(minutes=10)))
    assert "program" not in schedule.run(closes + timedelta(minutes=5))  # still running, as far as anyone knows
    done = schedule.run(closes + timedelta(minutes=11))
    assert done["program"] == 1
    seen = api.get(f"/programs/{program['id']}", token=organiser.token).json["program"]
    assert seen["status"] == "matched" and seen["matched"] == 1
    assert len(program_matches(api, mentee)) == 1
    assert "program" not in schedule.run(closes + timedelta(hours=1))  # nothing due any more


def test_a_run_taken_up_again_never_opens_a_second_match_for_a_mentee(api):
    from chalicelib.services import programs

    organiser = register_mentee(api)
    program = create(api, organiser)
    mentees = [register_mentee(api) for _ in range(3)]
    join(api, program, *mentees, register_mentor(api, capacity=3))
    assert programs.match_program(program["id"])
    # As if a stale run went again: the pairs already opened are kept, nothing is opened twice.
    from chalicelib.storage import programs as program_store

    assert not programs.match_program(program["id"])  # matched: nothing to claim
    assert len(program_store.pairs(program["id"])) == 3
    assert [len(program_matches(api, m)) for m in mentees] == [1, 1, 1]


def test_members_are_told_by_email_matched_or_not(api, mailbox):
    organiser = register_mentee(api, name="Olga")
    program = create(api, organiser, name="Payments ML guild")
    matched, unmatched = register_mentee(api, name="Ben"), register_mentee(api, name="Cy", target_framework="onnx",
                                                                          goals=["applied-theory"], frameworks=[])
    mentor = register_mentor(api, name="Ana", capacity=1, goals=["kaggle"])
    for user in (organiser, matched, unmatched, mentor):
        verify(api, mailbox, user)
    join(api, program, matched, unmatched, mentor)
    assert api.post(f"/programs/{program['id']}/match", token=organiser.token).status_code == 200

    summary = [m for m in mailbox.to(organiser.profile["email"]) if "is matched" in str(m["Subject"])]
    assert len(summary) == 1 and "1 mentees got a match request, 1 could not" in summary[0].get_body(("plain",)).get_content()
    assert any("without a mentor for you" in str(m["Subject"]) for m in mailbox.to(unmatched.profile["email"]))
    offer = [m for m in mailbox.to(matched.profile["email"]) if "match request with Ana" in str(m["Subject"])]
    assert offer and "cohort program" in offer[0].get_body(("plain",)).get_content()
    request = [m for m in mailbox.to(mentor.profile["email"]) if "asks you to be their mentor" in str(m["Subject"])]
    assert request and "your cohort program matched you" in request[0].get_body(("plain",)).get_content()


def test_the_pairs_come_in_pages(api):
    organiser = register_mentee(api)
    program = create(api, organiser)
    mentees = [register_mentee(api) for _ in range(5)]
    join(api, program, *mentees, register_mentor(api, capacity=5))
    api.post(f"/programs/{program['id']}/match", token=organiser.token)
    first = api.get(f"/programs/{program['id']}/matches?limit=2", token=organiser.token).json
    assert len(first["matches"]) == 2 and first["next_cursor"]
    seen = [p["mentee"]["id"] for p in first["matches"]]
    cursor = first["next_cursor"]
    while cursor:
        page = api.get(f"/programs/{program['id']}/matches?limit=2&cursor={cursor}", token=organiser.token).json
        seen += [p["mentee"]["id"] for p in page["matches"]]
        cursor = page["next_cursor"]
    assert sorted(seen) == sorted(m.id for m in mentees)
    forged = api.get(f"/programs/{program['id']}/matches?cursor=bm9wZQ", token=organiser.token)
    assert forged.status_code == 400


_ONLY_THE_RUN_IMPORTS_THE_SOLVER = """
import json, sys
from moto import mock_aws
with mock_aws():
    from chalicelib.storage import db
    from chalicelib.config import Settings
    from chalicelib.storage.tables import create_table
    create_table(None, "mlbridge-solver-import", "us-east-1", stream=False)
    db.configure(Settings(table_name="mlbridge-solver-import", region="us-east-1", endpoint=None))
    from chalice.test import Client
    from app import app
    from tests.factories import mentee_body, mentor_body
    seen = {}
    with Client(app) as client:
        def call(method, path, body=None, token=None):
            headers = {"Content-Type": "application/json", **({"Authorization": "Bearer " + token} if token else {})}
            response = getattr(client.http, method)(path, headers=headers, body=json.dumps(body) if body else None)
            return json.loads(response.body) if response.body else None
        organiser = call("post", "/users", mentee_body())["token"]
        mentor = call("post", "/users", mentor_body())["token"]
        program = call("post", "/programs", {"name": "G", "closes_at": "%s"}, organiser)["program"]
        call("post", "/programs/join", {"join_code": program["join_code"]}, mentor)
        call("post", "/programs/join", {"join_code": program["join_code"]}, organiser)
        call("get", "/programs/" + program["id"], token=organiser)
        call("get", "/matches/suggestions", token=organiser)
        seen["before"] = sorted(m for m in ("numpy", "scipy") if m in sys.modules)
        call("post", "/programs/" + program["id"] + "/match", token=organiser)
        seen["after"] = sorted(m for m in ("numpy", "scipy") if m in sys.modules)
        seen["matched"] = call("get", "/programs/" + program["id"], token=organiser)["program"]["matched"]
    print(json.dumps(seen))
"""


def test_only_a_programs_matching_run_imports_the_solver():
    import json
    import subprocess
    import sys
    from pathlib import Path

    script = _ONLY_THE_RUN_IMPORTS_THE_SOLVER % later(days=3)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
                            cwd=Path(__file__).resolve().parents[2],
                            env={**__import__("os").environ, "AWS_ACCESS_KEY_ID": "testing",
                                 "AWS_SECRET_ACCESS_KEY": "testing", "LOG_LEVEL": "WARNING"})
    assert result.returncode == 0, result.stderr[-2000:]
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen == {"before": [], "after": ["numpy", "scipy"], "matched": 1}


def test_a_deleted_member_leaves_no_membership_link_or_block_behind(api):
    from chalicelib.storage import db

    organiser = register_mentee(api)
    program = create(api, organiser)
    member, mentor = register_mentee(api), register_mentor(api)
    join(api, program, member, mentor)
    assert api.post(f"/users/{mentor.id}/block", token=member.token).status_code == 204
    assert api.delete("/users/me", token=member.token).status_code == 204
    client, table = db.connection().client, db.settings().table_name
    left = client.query(TableName=table, KeyConditionExpression="pk = :pk",
                        ExpressionAttributeValues={":pk": {"S": f"USER#{member.id}"}})["Items"]
    assert left == []
    in_program = client.query(TableName=table, KeyConditionExpression="pk = :pk",
                              ExpressionAttributeValues={":pk": {"S": f"PROGRAM#{program['id']}"}})["Items"]
    assert sorted(item["sk"]["S"] for item in in_program) == sorted(["PROGRAM", f"MEMBER#{mentor.id}"])
