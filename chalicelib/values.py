"""The closed value sets and small value types of the contract, shared by the request models
(chalicelib.schemas) and the response models (chalicelib.responses).

Frameworks, goals, motivations, languages and match statuses are `Literal` types; the first four
are built from chalicelib.vocabulary and chalicelib.languages. Each is a named type alias, so the
OpenAPI document lists its values once, under that name. Requests accept more spellings than the
ids (labels and aliases, in any case): the `...Input` types turn a value into its id before the
`Literal` checks it, and name the value they cannot turn into one.

Time zones are the several hundred IANA names of the time zone database: a request's is checked by
looking it up, and the list is read from the database only when the OpenAPI document is built.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, BeforeValidator, Field
from pydantic_core import PydanticCustomError
from typing_extensions import TypeAliasType

from . import vocabulary
from .languages import ISO_639_1

_ANY_SPELLING = " Requests may also use its label or an alias from GET /vocabulary, in any case; responses always use the id."

FrameworkId = TypeAliasType(
    "FrameworkId",
    Annotated[Literal[vocabulary.FRAMEWORK_IDS], Field(description="A framework id." + _ANY_SPELLING)],
)
GoalId = TypeAliasType(
    "GoalId",
    Annotated[Literal[vocabulary.GOAL_IDS], Field(description="A goal id." + _ANY_SPELLING)],
)
MotivationId = TypeAliasType(
    "MotivationId",
    Annotated[Literal[vocabulary.MOTIVATION_IDS], Field(description="A motivation id." + _ANY_SPELLING)],
)
LanguageCode = TypeAliasType(
    "LanguageCode",
    Annotated[
        Literal[tuple(sorted(ISO_639_1))],
        Field(description="An ISO 639-1 language code (requests may use any case)."),
    ],
)
MatchStatus = TypeAliasType(
    "MatchStatus",
    Annotated[
        Literal["pending", "active", "declined", "cancelled", "ended", "expired"],
        Field(description="pending → active | declined | cancelled | expired; active → ended."),
    ],
)


def _iana_zone_names(schema: dict) -> None:
    from zoneinfo import available_timezones  # reads the time zone database: only for the document

    schema["enum"] = sorted(available_timezones())


Timezone = TypeAliasType(
    "Timezone",
    Annotated[
        str,
        Field(
            min_length=1,
            max_length=64,
            description="An IANA time zone name, e.g. Europe/Berlin.",
            json_schema_extra=_iana_zone_names,
        ),
    ],
)

Id = Annotated[str, Field(min_length=1, description="An opaque id (a ULID).")]
Time = Annotated[
    str,
    Field(description="ISO 8601 UTC, e.g. 2026-11-28T10:15:00.000Z", json_schema_extra={"format": "date-time"}),
]
Count = Annotated[int, Field(ge=0)]
Score = Annotated[int, Field(ge=0, le=100)]


# --- request spellings ------------------------------------------------------------------------


def _must_be_text(value) -> None:
    if not isinstance(value, str):
        raise PydanticCustomError("string_type", "Input should be a valid string")


def _to_id(normalize, kind: str):
    def to_id(value):
        _must_be_text(value)
        normalized = normalize(value)
        if normalized is None:
            raise ValueError(f"unknown {kind} '{value[:50]}' (see GET /vocabulary)")
        return normalized

    return BeforeValidator(to_id)


def _language_code(value):
    _must_be_text(value)
    code = value.strip().lower()
    if code not in ISO_639_1:
        raise ValueError(f"'{value[:20]}' is not an ISO 639-1 language code like 'en'")
    return code


def _known_zone(value: str) -> str:
    from zoneinfo import ZoneInfo  # on first use, with the tzdata lookup it sets up

    try:
        ZoneInfo(value)
    except Exception:  # ZoneInfoNotFoundError, ValueError for malformed keys, OSError
        raise ValueError(f"unknown time zone '{value[:60]}', use an IANA name like Europe/Berlin") from None
    return value


FrameworkInput = Annotated[FrameworkId, _to_id(vocabulary.normalize_framework, "framework")]
GoalInput = Annotated[GoalId, _to_id(vocabulary.normalize_goal, "goal")]
MotivationInput = Annotated[MotivationId, _to_id(vocabulary.normalize_motivation, "motivation")]
LanguageInput = Annotated[LanguageCode, BeforeValidator(_language_code)]
TimezoneInput = Annotated[Timezone, AfterValidator(_known_zone)]
