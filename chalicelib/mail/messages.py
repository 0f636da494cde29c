"""Composing an email: a named template rendered twice (plain text, HTML) into one RFC 5322
message, multipart/alternative, the plain part first as RFC 2046 asks (the last part is preferred).

A template is a pair of files in templates/: `<name>.txt` and `<name>.html`. The plain-text one
sets the subject with `{% set subject = "..." %}`. Both extend a layout that names the app and
links into the web app. HTML is autoescaped; plain text is not (it is never rendered as markup)."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from pathlib import Path

from chalicelib.config import MailSettings

APP_NAME = "mlbridge"
TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"


@functools.cache
def _environment():
    # Imported here, not at the top: the app's cold start never pays for Jinja2.
    import jinja2

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html",), default_for_string=False),
        undefined=jinja2.StrictUndefined,  # a missing context value is an error, not an empty link
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def template_names() -> list[str]:
    """The emails there are templates for (each has a .txt and an .html file)."""
    return sorted(path.stem for path in TEMPLATES_DIR.glob("*.txt") if not path.name.startswith("_"))


def compose(
    template: str,
    context: Mapping[str, object],
    *,
    to: str,
    settings: MailSettings | None = None,
    headers: Mapping[str, str] | None = None,
) -> EmailMessage:
    """The email `template` rendered with `context` (plus `app_name` and `app_url`), to `to`.

    `headers` are extra header fields, e.g. `List-Unsubscribe` and `List-Unsubscribe-Post:
    List-Unsubscribe=One-Click` (RFC 8058) on notification emails."""
    settings = settings or MailSettings.from_env()
    values = {**context, "app_name": APP_NAME, "app_url": settings.app_url}
    environment = _environment()
    text_module = environment.get_template(f"{template}.txt").make_module(values)
    html = environment.get_template(f"{template}.html").render(values)
    # The email package refuses line breaks in a header value, so a subject stays one line.
    subject = " ".join(str(text_module.subject).split())

    message = EmailMessage()
    message["From"] = settings.sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = make_msgid(domain=_domain(settings.sender))
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(str(text_module))
    message.add_alternative(html, subtype="html")
    return message


def _domain(address: str) -> str:
    return parseaddr(address)[1].rpartition("@")[2] or "localhost"
