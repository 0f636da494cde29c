"""Bearer tokens: `<user id>.<secret>`, 256 random bits of secret, only a SHA-256 hash stored.

The user id in front lets the check be folded into a request's first read: the profile is read
with whatever else the request needs (one BatchGetItem or Query), and the secret is compared,
in constant time, before anything read is used.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Iterable, NamedTuple

from ..errors import NotAuthenticated
from ..storage import users as user_store
from ..storage.models import MatchItem, UserItem

_SECRET_BYTES = 32  # 256 bits


class Credentials(NamedTuple):
    """What a well-formed token says: whose it claims to be, and the secret to check."""

    user_id: str
    secret: str


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def issue_token(user_id: str) -> tuple[str, str]:
    """A new token for `user_id` and the hash to store. The token itself is never stored."""
    secret = secrets.token_urlsafe(_SECRET_BYTES)
    return f"{user_id}.{secret}", hash_secret(secret)


def credentials(authorization: str | None) -> Credentials:
    """The credentials of an `Authorization: Bearer <token>` header (401 when malformed); no I/O."""
    if not authorization:
        raise NotAuthenticated("Authorization: a Bearer token is required")
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise NotAuthenticated("Authorization: expected 'Bearer <token>'")
    user_id, dot, secret = token.strip().partition(".")
    if not dot or not user_id or not secret or len(user_id) > 64 or len(secret) > 128:
        raise NotAuthenticated("Authorization: invalid token")
    return Credentials(user_id, secret)


def verified(user: UserItem | None, given: Credentials) -> UserItem:
    """`user` (read by `given.user_id`) when the secret is theirs, else NotAuthenticated (401)."""
    if user is None or not hmac.compare_digest(user.token_hash, hash_secret(given.secret)):
        raise NotAuthenticated("Authorization: invalid token")
    return user


def authenticate(authorization: str | None) -> UserItem:
    """The user an `Authorization: Bearer <token>` header belongs to, or NotAuthenticated (401)."""
    given = credentials(authorization)
    return verified(user_store.find_user(given.user_id), given)


def authenticate_with(authorization: str | None, other_keys: Iterable[tuple[str, str]]) -> tuple[UserItem, dict]:
    """`authenticate`, with other items read by key in the same call (see users.find_user_with)."""
    given = credentials(authorization)
    user, found = user_store.find_user_with(given.user_id, other_keys)
    return verified(user, given), found


def authenticate_with_match(authorization: str | None, match_id: str | None) -> tuple[UserItem, MatchItem | None]:
    """`authenticate`, with the user's copy of match `match_id` read in the same call (None when
    there is no such match, the user is not in it, or `match_id` is None)."""
    given = credentials(authorization)
    if match_id is None:
        return verified(user_store.find_user(given.user_id), given), None
    user, match = user_store.find_user_with_match(given.user_id, match_id)
    return verified(user, given), match


def authenticate_with_matches(authorization: str | None) -> tuple[UserItem, list[MatchItem]]:
    """`authenticate`, with the user's match copies read by the same Query (suggestions exclude
    the mentors a mentee has matched with, and this saves them a round trip)."""
    given = credentials(authorization)
    user, matches = user_store.find_user_with_matches(given.user_id)
    return verified(user, given), matches
