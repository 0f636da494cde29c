"""How users look from outside: the own profile, the public profile and a deleted user."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .storage.models import UserItem


def _number(value):
    return None if value is None else int(value)


def public_profile(user: UserItem) -> dict:
    """The profile as anyone allowed to see it sees it: no email, no token, no keys, and no
    counters (a mentor's load is theirs to see; the directory keeps a copy of this profile, so
    taking or freeing a slot leaves it as it is)."""
    profile = {
        "id": user.id,
        "role": user.role,
        "name": user.name,
        "bio": user.bio,
        "timezone": user.timezone,
        "languages": list(user.languages),
    }
    if user.role == "mentee":
        profile.update(
            target_framework=user.target_framework,
            frameworks=list(user.frameworks or []),
            goals=list(user.goals),
            motivation=user.motivation,
            backend_years=_number(user.backend_years),
            current_stack=user.current_stack,
        )
    else:
        profile.update(
            frameworks=list(user.frameworks),
            goals=list(user.goals),
            capacity=_number(user.capacity),
            accepting=bool(user.accepting),
            years_in_ml=_number(user.years_in_ml),
            transition_story=user.transition_story,
        )
    return profile


def own_profile(user: UserItem) -> dict:
    """The profile its owner sees: the public one plus email, timestamps and their counters."""
    profile = public_profile(user)
    profile.update(email=user.email, created_at=user.created_at, updated_at=user.updated_at)
    if user.role == "mentee":
        profile["open_matches"] = _number(user.open_matches or 0)
    else:
        profile["active_mentees"] = _number(user.active_mentees or 0)
    return profile


def deleted_profile(user_id: str) -> dict:
    """Stands in for a user who deleted their account, wherever their messages remain."""
    return {"id": user_id, "role": None, "name": "Deleted user", "deleted": True}
