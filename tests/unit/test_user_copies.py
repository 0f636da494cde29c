"""A user copied to be changed and saved: equal to the original, independent of it."""

from __future__ import annotations

from chalicelib.storage import keys
from chalicelib.storage.models import UserItem
from chalicelib.storage.users import copy_of


def _mentor() -> UserItem:
    return UserItem(
        keys.user("01MENTOR"), keys.PROFILE, id="01MENTOR", role="mentor", name="Ada", email="ada@example.com",
        timezone="Europe/Berlin", languages=["en", "de"], bio="ML engineer.", frameworks=["pytorch", "jax"],
        goals=["kaggle"], capacity=3, accepting=True, active_mentees=1, version=4, token_hash="digest",
        created_at="2026-11-01T00:00:00.000Z", updated_at="2026-11-01T00:00:00.000Z",
    )


def test_a_copy_serializes_like_the_original_and_keeps_its_version():
    original = _mentor()
    copy = copy_of(original)
    assert type(copy) is UserItem
    assert copy.serialize() == original.serialize()
    assert copy.version == 4


def test_changing_a_copy_leaves_the_original_as_read():
    original = _mentor()
    copy = copy_of(original)
    copy.active_mentees = 2
    copy.frameworks.append("tensorflow")
    copy.name = "Ada L."
    assert (original.active_mentees, original.frameworks, original.name) == (1, ["pytorch", "jax"], "Ada")
