"""Settings read from the environment (set per stage in .chalice/config.json)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import timedelta

DEFAULT_REQUEST_EXPIRY_MINUTES = 7 * 24 * 60


def request_expiry(environ: dict | None = None) -> timedelta:
    """How long a match request may stay pending before it expires (REQUEST_EXPIRY_MINUTES)."""
    env = os.environ if environ is None else environ
    raw = (env.get("REQUEST_EXPIRY_MINUTES") or "").strip()
    return timedelta(minutes=int(raw) if raw else DEFAULT_REQUEST_EXPIRY_MINUTES)


@dataclass(frozen=True)
class Settings:
    table_name: str
    region: str
    endpoint: str | None
    # Bounded so a request fails well before API Gateway's 29 s integration timeout: the worst
    # case is (1 + retries) * (connect + read) plus back-off, about 21 s with these local defaults;
    # the deployed stages set 1 s / 3 s (about 15 s), under their 20 s Lambda timeout.
    connect_timeout_seconds: float = 2.0
    read_timeout_seconds: float = 4.0
    max_retry_attempts: int = 2

    @classmethod
    def from_env(cls, environ: dict | None = None) -> "Settings":
        env = os.environ if environ is None else environ
        return cls(
            table_name=env.get("TABLE_NAME", "mlbridge-local"),
            region=env.get("AWS_DEFAULT_REGION") or env.get("AWS_REGION") or "us-east-1",
            endpoint=env.get("DYNAMODB_ENDPOINT") or None,
            connect_timeout_seconds=float(env.get("DYNAMODB_CONNECT_TIMEOUT", 2.0)),
            read_timeout_seconds=float(env.get("DYNAMODB_READ_TIMEOUT", 4.0)),
            max_retry_attempts=int(env.get("DYNAMODB_MAX_RETRIES", 2)),
        )


@dataclass(frozen=True)
class MailSettings:
    """Where emails come from, where their links point, and how they leave (chalicelib/mail)."""

    # The From address: a stage sets an address of its verified SES identity (docs/DEPLOY.md).
    sender: str = "mlbridge <no-reply@localhost>"
    # The web app the emails link into, without a trailing slash.
    app_url: str = "http://localhost:8000"
    # When set (`make run`), emails are written to this directory instead of being sent by SES.
    outbox_dir: str | None = None
    region: str = "us-east-1"
    # Who gets reports of users (OPERATOR_EMAIL); without one, reports are only logged.
    operator: str | None = None

    @classmethod
    def from_env(cls, environ: dict | None = None) -> "MailSettings":
        env = os.environ if environ is None else environ
        return cls(
            sender=env.get("MAIL_FROM") or cls.sender,
            app_url=(env.get("APP_URL") or cls.app_url).rstrip("/"),
            outbox_dir=env.get("MAIL_OUTBOX_DIR") or None,
            region=env.get("AWS_DEFAULT_REGION") or env.get("AWS_REGION") or "us-east-1",
            operator=env.get("OPERATOR_EMAIL") or None,
        )
