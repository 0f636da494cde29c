"""The operator's `python -m scripts.moderate`: list, clear and ban, against the test's table."""

from __future__ import annotations

import argparse
import json

from chalicelib.storage import db
from scripts import moderate
from tests.factories import register_mentee, register_mentor


def run(capsys, *command: str) -> tuple[int, str]:
    """The command against the test's table (moto: the in-process mock; else DynamoDB Local)."""
    settings = db.settings()
    where = ["--endpoint", settings.endpoint] if settings.endpoint else ["--aws"]
    code = moderate.main([*where, "--table", settings.table_name, "--region", settings.region, *command])
    return code, capsys.readouterr().out


def report(api, reporter, user_id, reason="harassment", **extra):
    response = api.post("/reports", {"user_id": user_id, "reason": reason, **extra}, token=reporter.token)
    assert response.status_code == 201, response.json
    return response.json["report"]


def listed(api, token=None) -> set[str]:
    return {m["id"] for m in api.get("/mentors", token=token).json["mentors"]}


def suggested(api, mentee) -> set[str]:
    return {s["mentor"]["id"] for s in api.get("/matches/suggestions?limit=20", token=mentee.token).json["suggestions"]}


def test_three_distinct_reporters_hide_a_mentor_until_moderate_clear_brings_them_back(api, capsys):
    mentor = register_mentor(api)
    reporters = [register_mentee(api) for _ in range(3)]
    assert mentor.id in listed(api) and mentor.id in suggested(api, reporters[0])

    report(api, reporters[0], mentor.id, details="Rude in the first call")
    report(api, reporters[0], mentor.id, reason="spam")  # the same reporter again counts once
    report(api, reporters[1], mentor.id)
    assert mentor.id in listed(api), "two distinct reporters do not hide anyone"
    report(api, reporters[2], mentor.id, reason="no-show")
    assert mentor.id not in listed(api)
    assert mentor.id not in suggested(api, reporters[0])

    code, out = run(capsys, "list")
    assert code == 0
    assert f"{mentor.id}  {mentor.profile['name']} (mentor), 3 distinct reporter(s), hidden" in out
    assert "Rude in the first call" in out and out.count("  20") == 4  # four reports, each with its time

    code, out = run(capsys, "--json", "list")
    [entry] = json.loads(out)
    assert entry["user_id"] == mentor.id and entry["distinct_reporters"] == 3 and entry["hidden"] is True
    assert sorted(r["reason"] for r in entry["reports"]) == ["harassment", "harassment", "no-show", "spam"]

    code, out = run(capsys, "clear", mentor.id)
    assert code == 0 and "listed again" in out
    assert mentor.id in listed(api) and mentor.id in suggested(api, reporters[0])
    assert run(capsys, "list")[1].strip() == "No open reports."

    # Counting starts again after a clear: one new report does not hide them.
    report(api, reporters[0], mentor.id)
    assert mentor.id in listed(api)


def test_moderate_ban_closes_matches_ends_sessions_and_keeps_the_user_hidden(api, capsys):
    mentor = register_mentor(api)
    mentee = register_mentee(api)
    match = api.post("/matches", {"mentor_id": mentor.id}, token=mentee.token).json["match"]
    report(api, mentee, mentor.id, match_id=match["id"])

    code, out = run(capsys, "ban", mentor.id)
    assert code == 0 and "Banned" in out
    assert api.get("/users/me", token=mentor.token).status_code == 401
    closed = api.get(f"/matches/{match['id']}", token=mentee.token).json["match"]
    assert closed["status"] == "declined" and closed["close_reason"] == "banned"
    assert mentor.id not in listed(api)
    assert api.get(f"/users/{mentor.id}", token=mentee.token).status_code == 404
    assert api.post("/matches", {"mentor_id": mentor.id}, token=mentee.token).status_code == 404
    assert run(capsys, "list")[1].strip() == "No open reports."  # resolved by the ban

    run(capsys, "clear", mentor.id)
    assert mentor.id not in listed(api), "clearing reports does not lift a ban"


def test_moderate_names_a_missing_user(api, capsys, monkeypatch):
    errors = []
    monkeypatch.setattr(moderate.sys, "stderr", type("Err", (), {"write": errors.append, "flush": lambda: None})())
    code, _ = run(capsys, "clear", "01NOSUCHUSER")
    assert code == 1
    assert "No user 01NOSUCHUSER" in "".join(errors)


def test_the_table_is_the_local_stacks_unless_told_otherwise():
    def args(*argv):
        return argparse.Namespace(aws="--aws" in argv, table=None, region=None, endpoint=None)

    local = moderate.settings_for(args(), {"DB_PORT": "8123"})
    assert local.endpoint == "http://127.0.0.1:8123" and local.table_name == "mlbridge-local"
    assert moderate.settings_for(args(), {"DYNAMODB_ENDPOINT": "http://127.0.0.1:9000"}).endpoint == "http://127.0.0.1:9000"
    deployed = moderate.settings_for(args("--aws"), {"TABLE_NAME": "mlbridge-prod", "AWS_REGION": "eu-west-1"})
    assert deployed.endpoint is None and deployed.table_name == "mlbridge-prod" and deployed.region == "eu-west-1"
