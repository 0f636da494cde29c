"""The table's change stream (chalicelib.events): a sign-in link written by a request is emailed
afterwards, through SES on a deployed stage (moto records what it sent), once per link."""

from __future__ import annotations

import pytest

from chalicelib import events, links
from chalicelib.storage.models import SignInLink
from scripts.local_stream import StreamReader
from tests.factories import register_mentee

pytestmark = pytest.mark.stream

SENDER = "mlbridge <no-reply@mlbridge-test.example.com>"


@pytest.fixture
def ses(monkeypatch, backend):
    """SES v2 on moto, the transport the stream function uses deployed; yields the sent messages."""
    import boto3
    from moto import mock_aws
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.ses.models import ses_backends

    from chalicelib.mail.transports import default_transport

    monkeypatch.setenv("MAIL_FROM", SENDER)
    monkeypatch.delenv("MAIL_OUTBOX_DIR", raising=False)
    default_transport.cache_clear()
    with mock_aws():
        boto3.client("sesv2", region_name="us-east-1").create_email_identity(EmailIdentity="mlbridge-test.example.com")
        yield ses_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].sent_messages
    default_transport.cache_clear()


def _reader():
    from chalicelib.storage import db

    settings = db.settings()
    return StreamReader(settings.table_name, endpoint=settings.endpoint, region=settings.region)


def test_links_are_emailed_through_ses_once_and_only_for_accounts(api, ses):
    mentee = register_mentee(api)
    email = mentee.profile["email"]
    api.post("/auth/links", {"email": email})
    api.post("/auth/links", {"email": "nobody-here@example.com"})
    api.patch("/users/me", {"bio": "Changed"}, token=mentee.token)  # a write that is not a link
    reader = _reader()
    assert reader.deliver() >= 5
    assert reader.failures == []
    # The verification email and the sign-in email; none to the unknown address.
    assert len(ses) == 2 and all(email in str(sent.destinations) for sent in ses)
    assert all(sent.source == SENDER for sent in ses)
    subjects = sorted(sent.raw_data.split("Subject: ", 1)[1].split("\n", 1)[0].strip() for sent in ses)
    assert subjects == ["Sign in to mlbridge", "Verify your email for mlbridge"]
    reader.deliver()  # only the handler's own markers are new: nothing more is sent
    assert len(ses) == 2


def test_the_emailed_token_and_code_are_the_ones_the_link_was_stored_for(api, mailbox):
    mentee = register_mentee(api)
    token, code = mailbox.link_and_code(mailbox.latest(mentee.profile["email"]))
    parsed = links.parse_token(token)
    from chalicelib.storage import sign_in

    link = sign_in.find_link(parsed.address_digest, parsed.link_id)
    assert links.matches(link.token_hash, links.token_hash(parsed.secret))
    assert links.matches(link.code_hash, links.code_hash(link.id, code))


def test_a_record_that_fails_is_reported_alone_for_the_stream_to_retry(api, mailbox, monkeypatch):
    register_mentee(api)
    register_mentee(api)
    records = _reader().read()
    inserts = [r for r in records if r["dynamodb"].get("NewImage", {}).get("kind", {}).get("S") == "link"]
    assert len(inserts) == 2
    failing = inserts[0]["dynamodb"]["NewImage"]["id"]["S"]
    real_send = events.send_link

    def send(link: SignInLink):
        if link.id == failing:
            raise RuntimeError("SES is down")
        return real_send(link)

    monkeypatch.setattr(events, "send_link", send)
    response = events.handle({"Records": records})
    assert response == {"batchItemFailures": [{"itemIdentifier": inserts[0]["dynamodb"]["SequenceNumber"]}]}
    assert len(mailbox.messages()) == 1
