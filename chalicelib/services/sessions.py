"""The caller's sessions (one per signed-in device): list them, end one, end the others, sign out."""

from __future__ import annotations

from .. import clock, devices
from ..links import token_hash
from ..errors import NotAuthenticated, NotFound
from ..responses import Session, SessionList
from ..storage import sessions as session_store
from ..storage import transactions
from ..storage import users as user_store
from ..storage.models import SessionItem
from . import auth
from .auth import LEGACY_SESSION_ID, Caller

MAX_SESSION_ID_LENGTH = 64


def session_document(session: SessionItem, current: bool) -> Session:
    return Session(
        id=session.id,
        created_at=session.created_at,
        last_used_at=session.last_used_at,
        label=devices.label(session.user_agent),
        current=current,
    )


def list_sessions(authorization: str | None) -> SessionList:
    """GET /sessions: the caller's live sessions, the current one first, then the most recently
    used. One Query reads the profile and every session, the token check included."""
    caller, sessions = _caller_with_sessions(authorization)
    now = clock.now().timestamp()
    documents = [
        session_document(caller.session if session.id == caller.session_id else session,
                         current=session.id == caller.session_id)
        for session in sessions
        if session.expires_at > now
    ]
    if caller.user.token_hash is not None:
        documents.append(_legacy_session(caller))
    documents.sort(key=lambda session: session.last_used_at or "", reverse=True)
    documents.sort(key=lambda session: not session.current)
    return SessionList(sessions=documents)


def _caller_with_sessions(authorization: str | None) -> tuple[Caller, list[SessionItem]]:
    given = auth.credentials(authorization)
    found, sessions = user_store.find_user_with_sessions(given.user_id)
    return auth.verified_caller(given, found), sessions


def _legacy_session(caller: Caller) -> Session:
    """The token a version-1 registration issued, as a session that can be ended like the others."""
    return Session(
        id=LEGACY_SESSION_ID,
        created_at=caller.user.created_at,
        last_used_at=None,
        label="Token from registration",
        current=caller.session is None,
    )


def end_session(caller: Caller, session_id: str) -> None:
    """DELETE /sessions/{id}: that session's token stops working at once (404 if not the caller's)."""
    if session_id == LEGACY_SESSION_ID and caller.user.token_hash is not None:
        _forget_legacy_token(caller.user.id)
    elif not (0 < len(session_id) <= MAX_SESSION_ID_LENGTH and session_store.end_session(caller.user.id, session_id)):
        raise NotFound("session: not found")


def end_other_sessions(authorization: str | None) -> None:
    """DELETE /sessions: every session of the caller but the current one."""
    caller, sessions = _caller_with_sessions(authorization)
    session_store.end_sessions(caller.user.id, [s.id for s in sessions if s.id != caller.session_id])
    if caller.session is not None and caller.user.token_hash is not None:
        _forget_legacy_token(caller.user.id)


def sign_out(authorization: str | None) -> None:
    """POST /auth/signout: the current session ends. A session's token is checked by the delete
    itself (one call); a version-1 token is removed from the profile."""
    given = auth.credentials(authorization)
    if given.session_id is None:
        _forget_legacy_token(auth.authenticate_caller(authorization).user.id)
    elif not session_store.end_session_with_token(given.user_id, given.session_id, token_hash(given.secret),
                                                  int(clock.now().timestamp())):
        raise NotAuthenticated("Authorization: invalid token")


def _forget_legacy_token(user_id: str) -> None:
    def attempt():
        user = user_store.find_user(user_id)
        if user is not None and user.token_hash is not None:
            user_store.forget_legacy_token(user)

    transactions.run_with_retries(attempt)
