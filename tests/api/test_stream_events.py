"""The change-stream handler on recorded events (tests/fixtures/stream_match_lifecycle.json: a
request with an intro, its accept and its end, as the stream delivered them, with the two verified
users and the mentor's inbox row they name): what each participant is told, once."""

from __future__ import annotations

import json
from pathlib import Path

from chalicelib import events
from chalicelib.storage import db

RECORDED = json.loads((Path(__file__).resolve().parent.parent / "fixtures" / "stream_match_lifecycle.json").read_text())


def test_recorded_events_tell_each_participant_once(backend, mailbox):
    for item in RECORDED["items"]:
        db.put_item(item)
    assert events.handle({"Records": RECORDED["records"]}) == {"batchItemFailures": []}
    assert events.handle({"Records": RECORDED["records"]}) == {"batchItemFailures": []}  # delivered twice
    sent = [(str(m["To"]), str(m["Subject"])) for m in mailbox.messages()]
    assert sorted(sent) == sorted([
        ("ana@example.com", "Ben asks you to be their mentor on mlbridge"),
        ("ben@example.com", "Ana accepted your request on mlbridge"),
        ("ana@example.com", "Ben ended your mentorship on mlbridge"),
    ])
    request = next(m for m in mailbox.messages() if "asks you" in str(m["Subject"]))
    assert "Hi Ana!" in request.get_body(("plain",)).get_content()


def test_a_failing_send_is_reported_and_sent_on_the_retry(backend, mailbox, monkeypatch):
    from chalicelib import mail

    for item in RECORDED["items"]:
        db.put_item(item)
    real_send, calls = mail.send, []

    def flaky(message, transport=None):
        calls.append(message["Subject"])
        if len(calls) == 1:
            raise ConnectionError("SES unreachable")
        return real_send(message, transport)

    monkeypatch.setattr(mail, "send", flaky)
    first = events.handle({"Records": RECORDED["records"]})
    failed = [f["itemIdentifier"] for f in first["batchItemFailures"]]
    assert len(failed) == 1
    retry = [r for r in RECORDED["records"] if r["dynamodb"]["SequenceNumber"] in failed]
    assert events.handle({"Records": retry}) == {"batchItemFailures": []}
    assert len(mailbox.messages()) == 3  # nothing lost, nothing twice
