"""Registration, profiles, account deletion, export, the public mentor listing and the vocabulary."""

from __future__ import annotations

from functools import cache

from .. import clock
from . import auth, sign_in
from ..errors import Conflict, InvalidInput, NotFound
from ..profiles import listed_profile, notification_preferences, own_profile, public_profile
from ..responses import Export, Message, MentorList, OwnMentee, OwnMentor, PublicMentee, PublicMentor, Registered, Unsubscribed, Vocabulary
from ..storage import directory, keys, paging, transactions
from ..storage import matches as match_store
from ..storage import users as user_store
from ..storage.models import MatchItem, SessionItem, UserItem


def register(body, user_agent: str | None = None) -> Registered:
    """Create a mentee or mentor account with its first session, and send a verification email
    (from the change stream). Returns the own profile and the session's token (shown once)."""
    from .. import schemas  # on first use: building the pydantic models slows cold starts

    if not isinstance(body, dict):
        raise InvalidInput("body", "must be a JSON object")
    role = body.get("role")
    if role not in ("mentee", "mentor"):
        raise InvalidInput("role", "must be 'mentee' or 'mentor'")
    model = schemas.MenteeRegistration if role == "mentee" else schemas.MentorRegistration
    data = schemas.parse(model, body).model_dump(exclude={"role"})
    user_id = clock.new_id()
    token, session = auth.new_session(user_id, user_agent)
    now = clock.now_iso()
    user = UserItem(
        keys.user(user_id),
        keys.PROFILE,
        id=user_id,
        role=role,
        email_verified=False,
        created_at=now,
        updated_at=now,
        **data,
    )
    user_store.create_user(user, session, sign_in.verification_link(user.email, user_id))
    return Registered(user=own_profile(user), token=token)


def update_profile(user: UserItem, body) -> OwnMentee | OwnMentor:
    """Apply a partial update with the registration rules; the role never changes."""
    from .. import schemas  # on first use: building the pydantic models slows cold starts

    if not isinstance(body, dict):
        raise InvalidInput("body", "must be a JSON object")
    if "role" in body:
        raise InvalidInput("role", "cannot be changed")
    model = schemas.MenteeUpdate if user.role == "mentee" else schemas.MentorUpdate
    changes = schemas.parse(model, body).model_dump(exclude_unset=True)  # null only where clearable

    def attempt():
        current = user if attempt.first else user_store.find_user(user.id)
        attempt.first = False
        if current is None:
            raise NotFound("user: not found")
        open_matches = int(current.active_mentees or 0)
        if "capacity" in changes and changes["capacity"] < open_matches:
            # Pending and active matches hold their slots: a lower capacity would overbook the
            # mentor. Checked on the version the save is conditioned on, so no match slips in.
            raise Conflict(
                f"capacity: you have {open_matches} open matches (pending or active); "
                f"capacity cannot be lower than that until some of them close"
            )
        updated = user_store.copy_of(current)
        for field, value in changes.items():
            if field == "notifications":
                value = {**notification_preferences(current), **value}  # only the kinds given change
            setattr(updated, field, value)
        updated.updated_at = clock.now_iso()
        new_items = []
        if keys.email(updated.email) != keys.email(current.email):
            # A new address is unverified until a link sent to it is used.
            updated.email_verified = False
            new_items.append(sign_in.verification_link(updated.email, updated.id))
        user_store.save_user(current, updated, *new_items)
        return updated

    attempt.first = True
    return own_profile(transactions.run_with_retries(attempt))


def get_public_profile(viewer: UserItem, user_id: str) -> PublicMentee | PublicMentor:
    """Any mentor; a mentee only to a mentor they share a match with; otherwise 404 (also when
    either blocked the other, or the user was banned)."""
    if user_id == viewer.id:
        return public_profile(viewer)
    user = user_store.find_user(user_id) if len(user_id) <= 64 else None
    if user is None or user.banned or user_id in (viewer.blocked or ()) or user_id in (viewer.blocked_by or ()):
        raise NotFound("user: not found")  # blocked either way: neither sees the other
    if user.role == "mentor":
        return public_profile(user)
    if viewer.role == "mentor" and match_store.have_shared_match(viewer.id, user.id):
        return public_profile(user)
    raise NotFound("user: not found")


def list_mentors(framework: str | None, goal: str | None, limit: int, cursor: str | None,
                 viewer: UserItem | None = None) -> MentorList:
    """Mentors who are accepting and have a free slot, optionally by framework and goal; for a
    signed-in `viewer`, without those either of them blocked (a page may then be shorter)."""
    from .. import vocabulary  # on first use, to keep cold starts cheap

    framework_id = goal_id = None
    if framework:
        framework_id = vocabulary.normalize_framework(framework)
        if framework_id is None:
            raise InvalidInput("framework", f"unknown framework '{framework[:50]}' (see GET /vocabulary)")
    if goal:
        goal_id = vocabulary.normalize_goal(goal)
        if goal_id is None:
            raise InvalidInput("goal", f"unknown goal '{goal[:50]}' (see GET /vocabulary)")
    if framework_id:
        partition = keys.directory_framework(framework_id)
    elif goal_id:
        partition = keys.directory_goal(goal_id)
    else:
        partition = keys.DIRECTORY_ALL
    start = paging.decode_cursor(cursor, expected={"pk": partition}, key_attributes=("pk", "sk"))
    listings, next_key = directory.page_of_listings(
        partition, goal=goal_id if framework_id and goal_id else None, limit=limit, start_key=start,
    )
    hidden = {*(viewer.blocked or ()), *(viewer.blocked_by or ())} if viewer is not None else set()
    return MentorList(mentors=[listed_profile(listing) for listing in listings if listing["id"] not in hidden],
                      next_cursor=paging.encode_cursor(next_key))


# Rounds of closing a deleted account's open matches and reading them again, per attempt.
_CLOSING_ROUNDS = 4


def delete_account(user: UserItem, matches: list[MatchItem], session: SessionItem | None = None) -> None:
    """End the user's open matches (freeing the slots), then delete profile, email claim, the
    current `session` (in the same transaction), the other sessions and the index entries. Messages stay in their threads, shown to the other side as a deleted user.

    `matches` are the user's match copies, read with `user` (the token check): the first attempt
    decides on them. The profile's deletion is conditioned on the version read with the copies, so
    a match opened or a profile changed meanwhile makes the next attempt read both afresh.
    """

    def attempt() -> list[MatchItem]:
        first = attempt.number == 0
        attempt.number += 1
        current, copies = (user, matches) if first else user_store.user_and_matches(user.id)
        # Closing changes the user's counters, so its version: read again, with any match opened
        # meanwhile, until a read finds none open (matches keep opening: the next attempt).
        for _ in range(_CLOSING_ROUNDS):
            if current is None or not _close_open_matches(current, copies):
                break
            current, copies = user_store.user_and_matches(user.id)
        else:
            raise transactions.Retry()
        if current is not None:  # else deleted meanwhile by another request
            user_store.delete_user(current, *([session] if session is not None else []))
        return copies

    attempt.number = 0
    copies = transactions.run_with_retries(attempt)
    user_store.delete_index_entries(user.id, copies, user.blocked or ())


def _close_open_matches(user: UserItem, copies: list[MatchItem]) -> bool:
    """End, cancel or decline each open match of `user`; True when any was open."""
    from . import matches  # matches builds on users; imported here to keep the layers acyclic

    return matches.close_open_matches(user, copies, "account deleted")


def export_account(user: UserItem) -> Export:
    """Everything stored about the user: profile, matches, the messages they sent, their blocks."""
    from ..storage import threads as thread_store  # on first use: only the export reads messages here
    from . import matches  # matches builds on users; imported on first use, to keep cold starts cheap

    from . import safety  # on first use, like the others

    return Export(
        profile=own_profile(user),
        matches=[matches.match_document(m) for m in match_store.all_matches(user.id)],
        messages=[Message.model_validate(m) for m in thread_store.messages_sent_by(user.id)],
        blocks=safety.list_blocks(user).blocks if user.blocked else [],
    )


def unsubscribe(token: str | None) -> Unsubscribed:
    """POST /unsubscribe?token=: turn off the notification kind the token names (one click, from
    an email's List-Unsubscribe header; the signed token is the only credential)."""
    from .. import links

    if not links.is_unsubscribe_token(token or ""):
        raise InvalidInput("token", "is not an unsubscribe token (use the link of the email)")
    parsed = links.parse_unsubscribe_token(token)
    if parsed is None:
        raise NotFound("token: no such subscription (use the link of the email)")
    user_id, kind = parsed
    user = user_store.find_user(user_id)
    if user is not None and notification_preferences(user)[kind]:
        update_profile(user, {"notifications": {kind: False}})
    return Unsubscribed(unsubscribed=kind)


@cache
def vocabulary_document() -> Vocabulary:
    """GET /vocabulary: the frameworks, goals and motivations, with labels and aliases (built once)."""
    from .. import vocabulary

    return Vocabulary.model_validate(vocabulary.as_document())
