"""Bearer tokens: `<user id>.<secret>`, 256 random bits of secret, only a SHA-256 hash stored.

The user id in front lets the check be a single GetItem; the comparison is constant-time.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from .errors import NotAuthenticated
from .storage import users as user_store
from .storage.models import MatchItem, UserItem

_SECRET_BYTES = 32  # 256 bits


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def issue_token(user_id: str) -> tuple[str, str]:
    """A new token for `user_id` and the hash to store. The token itself is never stored."""
    secret = secrets.token_urlsafe(_SECRET_BYTES)
    return f"{user_id}.{secret}", hash_secret(secret)


def _token_parts(authorization: str | None) -> tuple[str, str]:
    if not authorization:
        raise NotAuthenticated("Authorization: a Bearer token is required")
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise NotAuthenticated("Authorization: expected 'Bearer <token>'")
    user_id, dot, secret = token.strip().partition(".")
    if not dot or not user_id or not secret or len(user_id) > 64 or len(secret) > 128:
        raise NotAuthenticated("Authorization: invalid token")
    return user_id, secret


def _verified(user: UserItem | None, secret: str) -> UserItem:
    if user is None or not hmac.compare_digest(user.token_hash, hash_secret(secret)):
        raise NotAuthenticated("Authorization: invalid token")
    return user


def authenticate(authorization: str | None) -> UserItem:
    """The user an `Authorization: Bearer <token>` header belongs to, or NotAuthenticated (401)."""
    user_id, secret = _token_parts(authorization)
    return _verified(user_store.find_user(user_id), secret)


def authenticate_with_match(authorization: str | None, match_id: str | None) -> tuple[UserItem, MatchItem | None]:
    """`authenticate`, with the user's copy of match `match_id` read in the same call (None when
    there is no such match, the user is not in it, or `match_id` is None)."""
    user_id, secret = _token_parts(authorization)
    if match_id is None:
        return _verified(user_store.find_user(user_id), secret), None
    user, match = user_store.find_user_with_match(user_id, match_id)
    return _verified(user, secret), match


def authenticate_with_matches(authorization: str | None) -> tuple[UserItem, list[MatchItem]]:
    """`authenticate`, with the user's match copies read by the same Query (suggestions exclude
    the mentors a mentee has matched with, and this saves them a round trip)."""
    user_id, secret = _token_parts(authorization)
    user, matches = user_store.find_user_with_matches(user_id)
    return _verified(user, secret), matches
