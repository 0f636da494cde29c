"""The mail module (chalicelib/mail): messages composed from templates, sent through Amazon SES v2
(moto here) on the deployed stages and written to an outbox directory for `make run`."""

from __future__ import annotations

import email
import email.policy
import subprocess
import sys

import pytest

from chalicelib.config import MailSettings
from chalicelib.mail import OutboxTransport, SesTransport, compose, send
from chalicelib.mail.messages import template_names
from chalicelib.mail.transports import default_transport, transport_for

SETTINGS = MailSettings(sender="mlbridge <no-reply@mlbridge-test.example.com>", app_url="https://app.example.com")
HOSTILE = "<script>alert(1)</script>"
LINK_TOKEN = "01JLINKTOKEN.s3cr3t-Value_x"
SIGN_IN_LINK = f"https://app.example.com/#/signin?token={LINK_TOKEN}"


def sign_in_email(**context):
    values = {"link_token": LINK_TOKEN, "code": "042137", **context}
    return compose("sign_in", values, to="ben@example.com", settings=SETTINGS)


def parts(message) -> tuple[str, str]:
    """The plain-text and the HTML part of a parsed message, decoded."""
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    return text, html


def parse(data: bytes):
    return email.message_from_bytes(data, policy=email.policy.default)


# ---- Composing ----

NOTIFICATION = {"name": "Ben", "kind_label": "Match updates"}
# An example context of each email, and what must be in it (beyond the app's name and link).
EXAMPLES = {
    "sign_in": ({"link_token": LINK_TOKEN, "code": "042137"}, [SIGN_IN_LINK, "042137", "15 minutes"]),
    "verify_email": ({"link_token": LINK_TOKEN, "code": "042137"}, [SIGN_IN_LINK, "042137", "15 minutes"]),
    "match_request": ({**NOTIFICATION, "other_name": "Ada", "intro": "Hi! Could you help?", "origin": "request",
                       "expiry_days": 7}, ["Ada", "Hi! Could you help?", "https://app.example.com/#/requests"]),
    "match_update": ({**NOTIFICATION, "headline": "Ana accepted your request", "detail": None, "reason": None,
                      "page": "thread/01T"}, ["Ana accepted your request", "https://app.example.com/#/thread/01T"]),
    "request_reminder": ({**NOTIFICATION, "other_name": "Ada", "days": 3, "expiry_days": 7},
                         ["Ada", "3 days", "https://app.example.com/#/requests"]),
    "unread_messages": ({**NOTIFICATION, "other_name": "Ana", "unread": 2, "preview": "See you Friday",
                         "thread_id": "01T"}, ["Ana", "2 messages", "See you Friday", "https://app.example.com/#/thread/01T"]),
    "report": ({"subject_id": "01S", "subject_name": "Sam", "subject_role": "mentor", "reporter_id": "01R",
                "reporter_name": "Ada", "reason": "harassment", "details": "Rude messages", "match_id": "01M",
                "distinct_reporters": 3, "hidden": True},
               ["Sam", "01S", "Ada", "harassment", "Rude messages", "01M", "python -m scripts.moderate clear 01S",
                "hidden from the directory"]),
}


def test_every_email_has_a_plain_and_an_html_part_names_the_app_and_links_into_the_web_app():
    assert template_names() == sorted(EXAMPLES)
    for name in template_names():
        context, expected = EXAMPLES[name]
        message = compose(name, context, to="ben@example.com", settings=SETTINGS)
        assert message.get_content_type() == "multipart/alternative"
        assert [part.get_content_type() for part in message.iter_parts()] == ["text/plain", "text/html"]
        assert message["From"] == SETTINGS.sender
        assert message["To"] == "ben@example.com"
        assert "mlbridge" in message["Subject"]
        assert message["Message-ID"].endswith("@mlbridge-test.example.com>")
        assert message["Date"]
        text, html = parts(message)
        for body in (text, html):
            assert "mlbridge" in body
            assert "https://app.example.com/" in body
            for part in expected:
                assert part in body, (name, part)


def test_the_sign_in_and_the_verification_email_say_different_things():
    sign_in = sign_in_email()
    verify = compose("verify_email", {"link_token": LINK_TOKEN, "code": "042137"}, to="ben@example.com",
                     settings=SETTINGS)
    assert sign_in["Subject"] == "Sign in to mlbridge"
    assert verify["Subject"] == "Verify your email for mlbridge"
    assert "confirm that this is your email address" in parts(verify)[0]


def test_a_hostile_name_is_escaped_in_html_and_left_as_text_in_the_plain_part():
    text, html = parts(sign_in_email(name=HOSTILE))
    assert f"Hi {HOSTILE}," in text
    assert HOSTILE not in html
    assert "Hi &lt;script&gt;alert(1)&lt;/script&gt;," in html


def test_a_hostile_link_token_cannot_leave_the_link_or_the_attribute():
    text, html = parts(sign_in_email(link_token='x" onclick="alert(1)'))
    assert 'onclick="alert(1)' not in html
    assert "token=x%22%20onclick%3D%22alert%281%29" in text


def test_a_missing_value_is_an_error_not_an_empty_link():
    import jinja2

    with pytest.raises(jinja2.UndefinedError, match="link_token"):
        compose("sign_in", {"code": "042137"}, to="ben@example.com", settings=SETTINGS)


def test_extra_headers_such_as_one_click_unsubscribe_are_added():
    headers = {
        "List-Unsubscribe": "<https://app.example.com/unsubscribe?token=t1>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }
    message = compose("sign_in", {"link_token": LINK_TOKEN, "code": "1"}, to="ben@example.com",
                      settings=SETTINGS, headers=headers)
    parsed = parse(message.as_bytes())
    assert parsed["List-Unsubscribe"] == "<https://app.example.com/unsubscribe?token=t1>"
    assert parsed["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_settings_come_from_the_environment():
    settings = MailSettings.from_env({
        "MAIL_FROM": "mlbridge <no-reply@mlbridge-dev.example.com>",
        "APP_URL": "https://dev.example.com/api/",
        "MAIL_OUTBOX_DIR": ".data/outbox",
        "AWS_DEFAULT_REGION": "eu-central-1",
    })
    assert settings == MailSettings("mlbridge <no-reply@mlbridge-dev.example.com>", "https://dev.example.com/api",
                                    ".data/outbox", "eu-central-1")
    assert isinstance(transport_for(settings), OutboxTransport)
    ses = transport_for(MailSettings.from_env({"MAIL_FROM": settings.sender}))
    assert isinstance(ses, SesTransport) and ses.sender == settings.sender


# ---- Amazon SES v2 (moto) ----

def test_ses_sends_the_raw_message_with_the_recipient_sender_subject_both_parts_and_the_link(monkeypatch):
    from moto import mock_aws
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.ses.models import ses_backends

    import boto3

    monkeypatch.setenv("MAIL_FROM", SETTINGS.sender)
    monkeypatch.setenv("APP_URL", SETTINGS.app_url)
    monkeypatch.delenv("MAIL_OUTBOX_DIR", raising=False)
    default_transport.cache_clear()
    try:
        with mock_aws():
            # SES (and moto) refuse to send from an identity that is not verified.
            boto3.client("sesv2", region_name="us-east-1").create_email_identity(
                EmailIdentity="mlbridge-test.example.com")
            message = compose("sign_in", {"link_token": LINK_TOKEN, "code": "042137"}, to="ben@example.com")
            transport = default_transport()
            assert isinstance(transport, SesTransport)
            message_id = send(message)

            (sent,) = ses_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].sent_messages
    finally:
        default_transport.cache_clear()
    assert sent.id == message_id
    assert sent.source == SETTINGS.sender
    assert "ben@example.com" in sent.destinations
    received = parse(sent.raw_data.encode())
    assert received["From"] == SETTINGS.sender
    assert received["To"] == "ben@example.com"
    assert received["Subject"] == "Sign in to mlbridge"
    text, html = parts(received)
    assert SIGN_IN_LINK in text and SIGN_IN_LINK in html
    assert "042137" in text and "042137" in html


def test_the_ses_client_is_created_on_the_first_send_only(monkeypatch):
    import boto3

    requests, created = [], []

    class Client:
        def send_email(self, **request):
            requests.append(request)
            return {"MessageId": f"m-{len(requests)}"}

    monkeypatch.setattr(boto3, "client", lambda service, **kwargs: created.append(service) or Client())
    transport = SesTransport(SETTINGS.sender, "us-east-1")
    assert created == []
    assert transport.send(sign_in_email()) == "m-1"
    assert transport.send(sign_in_email()) == "m-2"
    assert created == ["sesv2"]
    request = requests[0]
    assert request["FromEmailAddress"] == SETTINGS.sender
    assert request["Destination"] == {"ToAddresses": ["ben@example.com"]}
    assert parse(request["Content"]["Raw"]["Data"])["Subject"] == "Sign in to mlbridge"


# ---- The outbox of `make run` ----

def test_the_outbox_keeps_each_email_as_an_eml_file_and_prints_one_line(tmp_path, capsys):
    outbox = tmp_path / "outbox"
    transport = transport_for(MailSettings(sender=SETTINGS.sender, app_url=SETTINGS.app_url, outbox_dir=str(outbox)))
    message = sign_in_email(name=HOSTILE)

    message_id = send(message, transport)

    (path,) = outbox.iterdir()
    assert path.name.endswith(f"-{message_id}.eml")
    assert path.name[:8].isdigit() and path.name[8] == "T"  # UTC time first: the files sort by time
    assert path.read_bytes() == message.as_bytes()
    written = parse(path.read_bytes())
    assert written["To"] == "ben@example.com"
    assert written["Subject"] == "Sign in to mlbridge"
    text, html = parts(written)
    assert SIGN_IN_LINK in text and SIGN_IN_LINK in html
    assert HOSTILE in text and HOSTILE not in html

    (line,) = capsys.readouterr().out.splitlines()
    assert "ben@example.com" in line
    assert "Sign in to mlbridge" in line
    assert SIGN_IN_LINK in line


def test_two_emails_are_two_files(tmp_path):
    lines = []
    transport = OutboxTransport(tmp_path, echo=lines.append)
    first = send(sign_in_email(), transport)
    second = send(sign_in_email(), transport)
    assert first != second
    assert len(list(tmp_path.glob("*.eml"))) == 2
    assert len(lines) == 2


# ---- Cold start ----

def test_importing_app_imports_no_mail_module_and_no_jinja2():
    script = "import sys, app; print(sorted(m for m in sys.modules if m.startswith(('chalicelib.mail', 'jinja2'))))"
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_importing_the_mail_package_imports_neither_jinja2_nor_boto3():
    script = "import sys, chalicelib.mail; print(sorted({'jinja2', 'boto3'} & set(sys.modules)))"
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
