"""How users look from outside: the own profile, the public profile and a deleted user, as the
response models of chalicelib.responses, built from a user item (or a mentor's directory listing)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import reputation
from .responses import DeletedUser, OwnMentee, OwnMentor, PublicMentee, PublicMentor

if TYPE_CHECKING:
    from .storage.models import UserItem


def _number(value):
    return None if value is None else int(value)


def _public_values(user: UserItem) -> dict:
    values = {
        "id": user.id,
        "role": user.role,
        "name": user.name,
        "bio": user.bio,
        "timezone": user.timezone,
        "languages": user.languages,
    }
    if user.role == "mentee":
        values.update(
            target_framework=user.target_framework,
            frameworks=user.frameworks or [],
            goals=user.goals,
            motivation=user.motivation,
            backend_years=_number(user.backend_years),
            current_stack=user.current_stack,
        )
    else:
        values.update(
            frameworks=user.frameworks,
            goals=user.goals,
            capacity=_number(user.capacity),
            accepting=bool(user.accepting),
            years_in_ml=_number(user.years_in_ml),
            transition_story=user.transition_story,
            moved_via=list(user.moved_via or []),
            **reputation.public_values(user),
        )
    return values


def public_profile(user: UserItem) -> PublicMentee | PublicMentor:
    """The profile as anyone allowed to see it sees it: no email, no token, no keys, and no
    counters (a mentor's load is theirs to see; the directory keeps a copy of a mentor's listed
    attributes, so taking or freeing a slot leaves it as it is)."""
    model = PublicMentee if user.role == "mentee" else PublicMentor
    return model.model_validate(_public_values(user))


# What a listing written before mentors had a reputation and `moved_via` stands for.
_LISTING_DEFAULTS = {"moved_via": [], "mentorships_completed": 0, "rating": None, "rating_count": 0,
                     "response_hours": None}


def listed_profile(listing: dict) -> PublicMentor:
    """A mentor's public profile from their directory listing (storage.directory.listing).
    Entries written by earlier versions may carry more (a load, since removed) or less (no
    reputation yet): only the public profile's fields are taken, missing ones as a new mentor's."""
    fields = PublicMentor.model_fields
    return PublicMentor.model_validate(
        {**_LISTING_DEFAULTS, **{name: value for name, value in listing.items() if name in fields}})


def own_profile(user: UserItem) -> OwnMentee | OwnMentor:
    """The profile its owner sees: the public one plus email, timestamps and their counters."""
    values = _public_values(user)
    values.update(email=user.email, email_verified=bool(user.email_verified),
                  notifications=notification_preferences(user),
                  created_at=user.created_at, updated_at=user.updated_at)
    if user.role == "mentee":
        return OwnMentee.model_validate({**values, "open_matches": _number(user.open_matches or 0)})
    return OwnMentor.model_validate({**values, "active_mentees": _number(user.active_mentees or 0)})


def deleted_profile(user_id: str) -> DeletedUser:
    """Stands in for a user who deleted their account, wherever their messages remain."""
    return DeletedUser(id=user_id, role=None, name="Deleted user", deleted=True)


NOTIFICATION_KINDS = ("requests", "updates", "messages", "reminders")


def notification_preferences(user: UserItem) -> dict[str, bool]:
    """The user's notification settings: every kind on unless turned off."""
    stored = user.notifications or {}
    return {kind: bool(stored.get(kind, True)) for kind in NOTIFICATION_KINDS}
