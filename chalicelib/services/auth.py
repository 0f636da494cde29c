"""Bearer tokens and the check that every authenticated request makes.

A token is `<user id>.<session id>.<secret>` (256 random bits of secret, only a SHA-256 hash
stored, on the session item). Version 1 issued `<user id>.<secret>`, checked against the hash on
the profile; those tokens keep working, and list as a session of their own (LEGACY_SESSION_ID).

The ids in front let the check be folded into a request's first read: the profile and the session
are read with whatever else the request needs (one BatchGetItem or Query), and the secret is
compared, in constant time, before anything read is used. A session unused for 90 days expires
(by this check, and by TTL); its last use is written at most once a day.
"""

from __future__ import annotations

import hmac
import secrets
from datetime import datetime, timedelta
from typing import Iterable, NamedTuple

from .. import clock
from ..links import token_hash
from ..errors import NotAuthenticated
from ..storage import keys
from ..storage import sessions as session_store
from ..storage import users as user_store
from ..storage.models import MatchItem, SessionItem, UserItem

_SECRET_BYTES = 32  # 256 bits
SESSION_LIFETIME = timedelta(days=90)
LAST_USED_PRECISION = timedelta(days=1)
MAX_USER_AGENT_LENGTH = 300
# The id under which a version-1 token (one per account, on the profile) lists as a session.
LEGACY_SESSION_ID = "v1"


class Credentials(NamedTuple):
    """What a well-formed token says: whose it claims to be, its session, and the secret to check."""

    user_id: str
    session_id: str | None  # None: a version-1 token
    secret: str

    def keys(self) -> list[tuple[str, str]]:
        """The items the check reads: the profile, and the session."""
        profile = user_store.profile_key(self.user_id)
        if self.session_id is None:
            return [profile]
        return [profile, session_store.session_key(self.user_id, self.session_id)]


class Caller(NamedTuple):
    user: UserItem
    session: SessionItem | None  # None: a version-1 token

    @property
    def session_id(self) -> str:
        return self.session.id if self.session is not None else LEGACY_SESSION_ID


def new_session(user_id: str, user_agent: str | None) -> tuple[str, SessionItem]:
    """A new session of `user_id` and its token. The token itself is never stored."""
    session_id = clock.new_id()
    secret = secrets.token_urlsafe(_SECRET_BYTES)
    now = clock.now()
    session = SessionItem(
        *session_store.session_key(user_id, session_id),
        id=session_id,
        token_hash=token_hash(secret),
        created_at=clock.iso(now),
        last_used_at=clock.iso(now),
        user_agent=(user_agent or "")[:MAX_USER_AGENT_LENGTH] or None,
        expires_at=_expiry(now),
    )
    return f"{user_id}.{session_id}.{secret}", session


def _expiry(last_used: datetime) -> int:
    return int((last_used + SESSION_LIFETIME).timestamp())


def credentials(authorization: str | None) -> Credentials:
    """The credentials of an `Authorization: Bearer <token>` header (401 when malformed); no I/O."""
    if not authorization:
        raise NotAuthenticated("Authorization: a Bearer token is required")
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise NotAuthenticated("Authorization: expected 'Bearer <token>'")
    parts = token.strip().split(".")
    if len(parts) == 2:
        (user_id, secret), session_id = parts, None
    elif len(parts) == 3:
        user_id, session_id, secret = parts
        if not session_id or len(session_id) > 64:
            raise NotAuthenticated("Authorization: invalid token")
    else:
        raise NotAuthenticated("Authorization: invalid token")
    if not user_id or not secret or len(user_id) > 64 or len(secret) > 128:
        raise NotAuthenticated("Authorization: invalid token")
    return Credentials(user_id, session_id, secret)


def verified_caller(given: Credentials, found: dict) -> Caller:
    """The caller, when the items read by `given.keys()` (taken out of `found`) prove the secret;
    else NotAuthenticated (401). Marks the session used when its last mark is a day old."""
    profile_key, *session_key = given.keys()
    profile = found.pop(profile_key, None)
    session_item = found.pop(session_key[0], None) if session_key else None
    user = UserItem.from_raw_data(profile) if profile is not None else None
    digest = token_hash(given.secret)
    if user is None or user.banned:
        raise NotAuthenticated("Authorization: invalid token")
    if given.session_id is None:
        if user.token_hash is None or not hmac.compare_digest(user.token_hash, digest):
            raise NotAuthenticated("Authorization: invalid token")
        return Caller(user, None)
    session = session_store.session_of(session_item)
    now = clock.now()
    if session is None or not hmac.compare_digest(session.token_hash, digest):
        raise NotAuthenticated("Authorization: invalid token")
    if session.expires_at <= now.timestamp():
        raise NotAuthenticated("Authorization: this session has expired; sign in again")
    if now - datetime.fromisoformat(session.last_used_at) >= LAST_USED_PRECISION:
        session.last_used_at, session.expires_at = clock.iso(now), _expiry(now)
        session_store.mark_used(user.id, session.id, session.last_used_at, session.expires_at)
    return Caller(user, session)


def verified(given: Credentials, found: dict) -> UserItem:
    """`verified_caller`'s user."""
    return verified_caller(given, found).user


def authenticate_caller(authorization: str | None) -> Caller:
    """The caller (user and session) an `Authorization: Bearer <token>` header belongs to, in
    one read, or NotAuthenticated (401)."""
    given = credentials(authorization)
    return verified_caller(given, user_store.read(given.keys()))


def authenticate(authorization: str | None) -> UserItem:
    """The user an `Authorization: Bearer <token>` header belongs to, or NotAuthenticated (401)."""
    return authenticate_caller(authorization).user


def authenticate_with(authorization: str | None, other_keys: Iterable[tuple[str, str]]) -> tuple[UserItem, dict]:
    """`authenticate`, with other items read by key in the same BatchGetItem. Returns the user and
    the other items found, in DynamoDB's form, by key (missing ones are absent)."""
    return _verified_with(credentials(authorization), other_keys)


def _verified_with(given: Credentials, other_keys: Iterable[tuple[str, str]]) -> tuple[UserItem, dict]:
    found = user_store.read([*given.keys(), *other_keys])
    return verified(given, found), found


def authenticate_with_match(authorization: str | None, match_id: str | None) -> tuple[UserItem, MatchItem | None]:
    """`authenticate`, with the user's copy of match `match_id` read in the same call (None when
    there is no such match, the user is not in it, or `match_id` is None)."""
    given = credentials(authorization)
    if match_id is None:
        return _verified_with(given, [])[0], None
    match_key = (keys.user(given.user_id), keys.match(match_id))
    user, found = _verified_with(given, [match_key])
    item = found.get(match_key)
    return user, (MatchItem.from_raw_data(item) if item is not None else None)


def authenticate_with_matches(authorization: str | None) -> tuple[UserItem, list[MatchItem]]:
    """`authenticate`, with the user's match copies read by the same Query (suggestions exclude
    the mentors a mentee has matched with, and this saves them a round trip)."""
    caller, matches = authenticate_caller_with_matches(authorization)
    return caller.user, matches


def authenticate_caller_with_matches(authorization: str | None) -> tuple[Caller, list[MatchItem]]:
    """`authenticate_with_matches`, with the caller's session."""
    given = credentials(authorization)
    found, matches = user_store.find_user_with_matches(given.user_id, given.session_id)
    return verified_caller(given, found), matches
