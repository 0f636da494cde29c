"""Signing in by an emailed link or its 6-digit code (see chalicelib.links for what they are).

Nobody can tell from these routes whether an email has an account: asking for a link reads the
same items and writes the same ones (the email's state and a link item, without a user for an
unknown email) and answers the same; the email itself is sent afterwards, from the table's change
stream (chalicelib.events), only for a link with a user.
"""

from __future__ import annotations

import math
from datetime import datetime

from .. import clock, links
from ..errors import NotAuthenticated, RateLimited
from ..profiles import own_profile
from ..responses import LinkSent, SignedIn
from ..storage import keys, transactions
from ..storage import sign_in as sign_in_store
from ..storage import users as user_store
from ..storage.models import SignInLink, SignInState
from . import auth, sessions

SIGN_IN = "sign-in"
VERIFY = "verify"


def new_link(email: str, user_id: str | None, purpose: str, now: datetime | None = None) -> SignInLink:
    """A link (stored as hashes) for `email`; its insertion sends the email when it has a user."""
    now = now or clock.now()
    link_id = clock.new_id()
    digest = links.address_digest(email)
    return SignInLink(
        *sign_in_store.link_key(digest, link_id),
        id=link_id,
        email=email,
        user_id=user_id,
        purpose=purpose,
        token_hash=links.token_hash(links.secret_of(link_id)),
        code_hash=links.code_hash(link_id, links.code_of(link_id)),
        created_at=clock.iso(now),
        expires_at=int(now.timestamp()) + links.LIFETIME_SECONDS,
    )


def verification_link(email: str, user_id: str) -> SignInLink:
    """The link sent at registration and on an email change (outside the rate limit)."""
    return new_link(email, user_id, VERIFY)


def request_link(body) -> LinkSent:
    """POST /auth/links: a sign-in email to `email` if it has an account; the same answer, and the
    same reads and writes, if not. At most LINKS_PER_WINDOW per email per 15 minutes (429)."""
    from .. import schemas  # on first use: building the pydantic models slows cold starts

    email = schemas.parse(schemas.LinkRequest, body).email
    digest = links.address_digest(email)

    def attempt() -> None:
        user_id, before = sign_in_store.account_and_state(email, digest)
        now = clock.now()
        moment = int(now.timestamp())
        recent = [int(sent) for sent in (before.sent_at if before else []) if sent > moment - links.LIFETIME_SECONDS]
        if len(recent) >= links.LINKS_PER_WINDOW:
            wait = min(recent) + links.LIFETIME_SECONDS - moment
            raise RateLimited(
                f"email: at most {links.LINKS_PER_WINDOW} sign-in emails per 15 minutes; "
                f"try again in {math.ceil(wait / 60)} minute(s)",
                wait,
            )
        after = _next_state(before, digest, moment)
        after.sent_at = [*recent, moment]
        sign_in_store.add_link(before, after, new_link(email, user_id, SIGN_IN, now))

    transactions.run_with_retries(attempt)
    return LinkSent(sent=True)


def sign_in(body, user_agent: str | None) -> SignedIn:
    """POST /auth/sessions: a new session for the link's token, or for the email and its code."""
    from .. import schemas  # on first use: building the pydantic models slows cold starts

    request = schemas.sign_in_request(body)
    if isinstance(request, schemas.LinkSignIn):
        link = _link_of_token(request.token)
    else:
        link = _link_of_code(request.email, request.code)
    return _open_session(link, user_agent)


def _link_of_token(token: str) -> SignInLink:
    parsed = links.parse_token(token)
    link = sign_in_store.find_link(parsed.address_digest, parsed.link_id) if parsed else None
    if link is None or not links.matches(link.token_hash, links.token_hash(parsed.secret)) or not _usable(link):
        raise NotAuthenticated("token: this sign-in link is wrong, used or expired; ask for a new one")
    return link


def _usable(link: SignInLink) -> bool:
    return link.used_at is None and link.user_id is not None and link.expires_at > clock.now().timestamp()


def _link_of_code(email: str, code: str) -> SignInLink:
    """The unused link of `email` whose code is `code`. A wrong code counts; the fifth in a row
    (within 15 minutes) burns every unused link of the email."""
    digest = links.address_digest(email)

    def attempt() -> SignInLink | None:
        before, items = sign_in_store.state_and_links(digest)
        for link in items:
            if _usable(link) and links.matches(link.code_hash, links.code_hash(link.id, code)):
                return link
        now = clock.now()
        moment = int(now.timestamp())
        after = _next_state(before, digest, moment)
        in_a_row = before is not None and before.wrong_since is not None and before.wrong_since > moment - links.LIFETIME_SECONDS
        after.wrong_codes = (int(before.wrong_codes or 0) if in_a_row else 0) + 1
        after.wrong_since = before.wrong_since if in_a_row else moment
        burn = []
        if after.wrong_codes >= links.WRONG_CODES_ALLOWED:
            burn = [link for link in items if link.used_at is None]
            after.wrong_codes, after.wrong_since = 0, None
        sign_in_store.record_wrong_code(before, after, burn, clock.iso(now))
        return None

    link = transactions.run_with_retries(attempt)
    if link is None:
        raise NotAuthenticated("code: this code is wrong or expired; check the latest email, or ask for a new one")
    return link


def _next_state(before: SignInState | None, digest: str, moment: int) -> SignInState:
    """A copy of the email's state to change (a fresh one when there is none); it lives (TTL) at
    least as long as any link it counts."""
    state = SignInState(*sign_in_store.state_key(digest), sent_at=[], wrong_codes=0)
    if before is not None:
        state.sent_at = list(before.sent_at or [])
        state.wrong_codes, state.wrong_since = before.wrong_codes, before.wrong_since
    state.expires_at = max(int(before.expires_at) if before else 0, moment + links.LIFETIME_SECONDS)
    return state


def _open_session(link: SignInLink, user_agent: str | None) -> SignedIn:
    """Spend `link`, mark its email verified and open a session, in one transaction."""

    def attempt() -> SignedIn:
        user = user_store.find_user(link.user_id)
        if user is None or user.banned or keys.email(user.email) != keys.email(link.email):
            # The account was deleted or banned, or its email changed, since the link was sent.
            raise NotAuthenticated("token: this sign-in link is no longer valid; ask for a new one")
        token, session = auth.new_session(user.id, user_agent)
        try:
            sign_in_store.use_link(link, user, session, clock.now_iso())
        except sign_in_store.LinkAlreadyUsed:
            raise NotAuthenticated("token: this sign-in link was already used; ask for a new one") from None
        user.email_verified = True
        return SignedIn(user=own_profile(user), token=token, session=sessions.session_document(session, current=True))

    return transactions.run_with_retries(attempt)

