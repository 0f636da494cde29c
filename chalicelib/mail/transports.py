"""Sending a composed email. Deployed stages send through Amazon SES (API v2, raw content, so the
message leaves exactly as composed); `make run` writes it to an outbox directory instead
(MAIL_OUTBOX_DIR) and prints one line about it. The transport is chosen from the settings once,
on the first email, and the SES client is created on the first send."""

from __future__ import annotations

import functools
import re
import sys
from collections.abc import Callable
from datetime import datetime, timezone
from email.message import EmailMessage
from email.utils import getaddresses
from pathlib import Path
from typing import Protocol

from chalicelib.config import MailSettings

LINK = re.compile(r"https?://[^\s<>\"]+")


class Transport(Protocol):
    def send(self, message: EmailMessage) -> str:
        """Send `message`; the id it was sent under."""


def recipients(message: EmailMessage) -> list[str]:
    return [address for _name, address in getaddresses(message.get_all("To", [])) if address]


class SesTransport:
    """Amazon SES v2 `SendEmail` with the raw message. The client is an argument for tests;
    otherwise it is created on the first send, never at import."""

    def __init__(self, sender: str, region: str, client=None):
        self.sender = sender
        self.region = region
        self._client = client

    def client(self):
        if self._client is None:
            import boto3
            from botocore.config import Config

            # Bounded like the DynamoDB calls: a slow SES must not eat the request's time.
            config = Config(connect_timeout=2, read_timeout=5, retries={"max_attempts": 2, "mode": "standard"})
            self._client = boto3.client("sesv2", region_name=self.region, config=config)
        return self._client

    def send(self, message: EmailMessage) -> str:
        response = self.client().send_email(
            FromEmailAddress=self.sender,
            Destination={"ToAddresses": recipients(message)},
            Content={"Raw": {"Data": message.as_bytes()}},
        )
        return response["MessageId"]


class OutboxTransport:
    """Each email as `<UTC time>-<id>.eml` in `directory` (the bytes SES would get), and one line
    on the console: recipient, subject and the links of the plain-text part."""

    def __init__(self, directory: str | Path, echo: Callable[[str], object] | None = None):
        self.directory = Path(directory)
        self.echo = echo or _print

    def send(self, message: EmailMessage) -> str:
        from ulid import ULID

        message_id = str(ULID())
        sent_at = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S.%fZ")
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self.directory / f"{sent_at}-{message_id}.eml"
        path.write_bytes(message.as_bytes())
        text = message.get_body(preferencelist=("plain",))
        links = LINK.findall(text.get_content()) if text is not None else []
        self.echo(
            f"mail to {', '.join(recipients(message))}: {message['Subject']!s}"
            + "".join(f" {link}" for link in dict.fromkeys(links))
            + f" ({path})"
        )
        return message_id


def _print(line: str) -> None:
    print(line, file=sys.stdout, flush=True)


def transport_for(settings: MailSettings) -> Transport:
    """The outbox when MAIL_OUTBOX_DIR is set, SES otherwise."""
    if settings.outbox_dir:
        return OutboxTransport(settings.outbox_dir)
    return SesTransport(settings.sender, settings.region)


@functools.cache
def default_transport() -> Transport:
    """The transport of this process's settings, made once (`default_transport.cache_clear()`
    makes the next email read the settings again)."""
    return transport_for(MailSettings.from_env())


def send(message: EmailMessage, transport: Transport | None = None) -> str:
    """Send a composed email (chalicelib.mail.compose) through `transport`, by default the one the
    settings choose; the id it was sent under."""
    return (transport or default_transport()).send(message)
