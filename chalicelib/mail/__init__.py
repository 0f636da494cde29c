"""Email: messages composed from templates (messages.py) and sent by a transport chosen from the
settings (transports.py): Amazon SES v2 on the deployed stages, an outbox directory for `make run`.

Importing this package is cheap: Jinja2 and boto3 are imported, and the SES client created, on the
first email only (the routes that send mail import it when they need it)."""

from chalicelib.mail.messages import APP_NAME, compose
from chalicelib.mail.transports import OutboxTransport, SesTransport, default_transport, send

__all__ = ["APP_NAME", "compose", "send", "default_transport", "OutboxTransport", "SesTransport"]
