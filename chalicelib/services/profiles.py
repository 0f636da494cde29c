"""How users look from outside: the own profile, the public profile and a deleted user."""

from __future__ import annotations

from ..storage.models import UserItem

_MENTEE_FIELDS = ("target_framework", "frameworks", "goals", "motivation", "backend_years", "current_stack")
_MENTOR_FIELDS = ("frameworks", "goals", "capacity", "accepting", "years_in_ml", "transition_story", "active_mentees")


def _number(value):
    return None if value is None else int(value)


def public_profile(user: UserItem) -> dict:
    """The profile as anyone allowed to see it sees it: no email, no token, no keys."""
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
            active_mentees=_number(user.active_mentees or 0),
        )
    return profile


def own_profile(user: UserItem) -> dict:
    """The profile its owner sees: the public one plus email and timestamps."""
    profile = public_profile(user)
    profile.update(email=user.email, created_at=user.created_at, updated_at=user.updated_at)
    if user.role == "mentee":
        profile["open_matches"] = _number(user.open_matches or 0)
    return profile


def deleted_profile(user_id: str) -> dict:
    """Stands in for a user who deleted their account, wherever their messages remain."""
    return {"id": user_id, "role": None, "name": "Deleted user", "deleted": True}


ROLE_FIELDS = {"mentee": _MENTEE_FIELDS, "mentor": _MENTOR_FIELDS}
