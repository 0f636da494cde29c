"""Sign-in links and codes: what they are made of, and how they are checked. Pure; no I/O.

A link is stored only as hashes (`SignInLink.token_hash`, `.code_hash`). The email that carries it
is sent after the write, from the table's change stream (chalicelib.events), which sees only what
was stored: so a link's secret and its code are derived from its id with a key the stage keeps
secret (`SIGNIN_KEY`), by HMAC-SHA256. The table alone (a backup, a stream reader) cannot produce
a working link; the key alone finds no link.

- link token: `<address digest>.<link id>.<secret>`: the digest names the email's sign-in
  partition without carrying the address (it is a keyed digest too), the id the link in it.
- code: 6 digits. Guessing is bounded by the rate limit (3 links per email per 15 minutes) and by
  five wrong codes burning every unused link of the email.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import os
import re
from typing import NamedTuple

LIFETIME_SECONDS = 15 * 60
LINKS_PER_WINDOW = 3  # sign-in links per email per LIFETIME_SECONDS (verification links are free)
WRONG_CODES_ALLOWED = 5  # the fifth wrong code burns every unused link of the email
CODE_DIGITS = 6
MIN_KEY_LENGTH = 32

_DIGEST = re.compile(r"^[0-9a-f]{32}$")
_LINK_ID = re.compile(r"^[0-9A-HJKMNP-TV-Z]{26}$")  # a ULID
_SECRET = re.compile(r"^[A-Za-z0-9_-]{43}$")
_CODE = re.compile(rf"^[0-9]{{{CODE_DIGITS}}}$")


class KeyMissing(RuntimeError):
    """The stage has no usable SIGNIN_KEY: a deployment mistake, never a client's."""


class LinkToken(NamedTuple):
    address_digest: str
    link_id: str
    secret: str


@functools.cache
def _key() -> bytes:
    key = os.environ.get("SIGNIN_KEY", "")
    if len(key) < MIN_KEY_LENGTH:
        raise KeyMissing(f"SIGNIN_KEY must be set to a random string of at least {MIN_KEY_LENGTH} characters")
    return key.encode()


def reset_key() -> None:
    """Forget the key read (tests that change SIGNIN_KEY)."""
    _key.cache_clear()


def _mac(purpose: str, value: str) -> bytes:
    return hmac.new(_key(), f"{purpose}:{value}".encode(), hashlib.sha256).digest()


def address_digest(email: str) -> str:
    """The keyed digest of an email address (case-insensitive) that names its sign-in partition."""
    return _mac("address", email.strip().lower()).hex()[:32]


def secret_of(link_id: str) -> str:
    return base64.urlsafe_b64encode(_mac("token", link_id)).decode().rstrip("=")


def code_of(link_id: str) -> str:
    return f"{int.from_bytes(_mac('code', link_id)[:8], 'big') % 10**CODE_DIGITS:0{CODE_DIGITS}d}"


def token_of(address_digest_: str, link_id: str) -> str:
    return f"{address_digest_}.{link_id}.{secret_of(link_id)}"


def token_hash(secret: str) -> str:
    """The stored form of a secret (a link's, or a session token's): its SHA-256, hex."""
    return hashlib.sha256(secret.encode()).hexdigest()


def code_hash(link_id: str, code: str) -> str:
    return hashlib.sha256(f"{link_id}:{code}".encode()).hexdigest()


def parse_token(token: str) -> LinkToken | None:
    """The parts of a well-formed link token, else None."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    digest, link_id, secret = parts
    if not (_DIGEST.match(digest) and _LINK_ID.match(link_id) and _SECRET.match(secret)):
        return None
    return LinkToken(digest, link_id, secret)


def is_code(value: str) -> bool:
    return bool(_CODE.match(value))


def matches(stored_hash: str, computed_hash: str) -> bool:
    return hmac.compare_digest(stored_hash, computed_hash)


# --- one-click unsubscribe (RFC 8058): `<user id>.<kind>.<signature>`, no expiry ------------------


def unsubscribe_token(user_id: str, kind: str) -> str:
    signature = base64.urlsafe_b64encode(_mac("unsubscribe", f"{user_id}:{kind}")[:18]).decode()
    return f"{user_id}.{kind}.{signature}"


UNSUBSCRIBE_TOKEN = re.compile(r"^[0-9A-Za-z]{1,64}\.(requests|updates|messages|reminders)\.[A-Za-z0-9_-]{24}$")


def is_unsubscribe_token(token: str) -> bool:
    """Whether `token` has the form of an unsubscribe token (signed or not)."""
    return bool(UNSUBSCRIBE_TOKEN.match(token))


def parse_unsubscribe_token(token: str) -> tuple[str, str] | None:
    """(user id, notification kind) of a token this service signed, else None."""
    if not is_unsubscribe_token(token):
        return None
    user_id, kind, _ = token.split(".")
    return (user_id, kind) if matches(token, unsubscribe_token(user_id, kind)) else None
