"""Request bodies, validated with pydantic. Vocabulary values are normalised to ids here, so
the services only ever see clean data; every error names its field (see `first_error`)."""

from __future__ import annotations

from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    EmailStr,
    Field,
    StrictBool,
    StrictInt,
    StrictStr,
    ValidationError,
)

from . import vocabulary
from .errors import InvalidInput
from .languages import ISO_639_1


def _vocabulary_value(normalize, kind: str):
    def check(value: str) -> str:
        normalized = normalize(value)
        if normalized is None:
            raise ValueError(f"unknown {kind} '{value[:50]}' (see GET /vocabulary)")
        return normalized

    return AfterValidator(check)


def _unique(values: list[str]) -> list[str]:
    return list(dict.fromkeys(values))


def _timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except Exception:  # ZoneInfoNotFoundError, ValueError for malformed keys, OSError
        raise ValueError(f"unknown time zone '{value[:60]}', use an IANA name like Europe/Berlin")
    return value


def _language(value: str) -> str:
    code = value.strip().lower()
    if code not in ISO_639_1:
        raise ValueError(f"'{value[:20]}' is not an ISO 639-1 language code like 'en'")
    return code


def _stripped(value: str) -> str:
    return value.strip()


def _not_blank(value: str) -> str:
    value = value.strip()
    if not value:
        raise ValueError("must not be empty")
    return value


def _integral(value):
    # JSON has one number type: 7.0 is the integer 7 (JSON Schema agrees), so it is accepted as 7.
    # Strings, booleans and fractions stay errors.
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


BackendYears = Annotated[StrictInt, Field(ge=0, le=50), BeforeValidator(_integral)]
Capacity = Annotated[StrictInt, Field(ge=1, le=10), BeforeValidator(_integral)]
YearsInMl = Annotated[StrictInt, Field(ge=0, le=60), BeforeValidator(_integral)]
Text = Annotated[StrictStr, AfterValidator(_stripped)]
Name = Annotated[StrictStr, Field(max_length=100), AfterValidator(_not_blank)]
Bio = Annotated[StrictStr, Field(max_length=2000)]
FrameworkId = Annotated[StrictStr, Field(max_length=64), _vocabulary_value(vocabulary.normalize_framework, "framework")]
GoalId = Annotated[StrictStr, Field(max_length=64), _vocabulary_value(vocabulary.normalize_goal, "goal")]
MotivationId = Annotated[StrictStr, Field(max_length=64), _vocabulary_value(vocabulary.normalize_motivation, "motivation")]
Timezone = Annotated[StrictStr, Field(min_length=1, max_length=64), AfterValidator(_timezone)]
Language = Annotated[StrictStr, Field(max_length=8), AfterValidator(_language)]
Languages = Annotated[list[Language], Field(min_length=1, max_length=5), AfterValidator(_unique)]
Email = Annotated[EmailStr, Field(max_length=254)]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)


class _Common(_Body):
    name: Name
    email: Email
    timezone: Timezone
    languages: Languages
    bio: Bio | None = None


class MenteeFields(_Body):
    target_framework: FrameworkId
    frameworks: Annotated[list[FrameworkId], Field(max_length=10), AfterValidator(_unique)] = []
    goals: Annotated[list[GoalId], Field(min_length=1, max_length=5), AfterValidator(_unique)]
    motivation: MotivationId
    backend_years: BackendYears
    current_stack: Annotated[StrictStr, Field(max_length=200)] | None = None


class MentorFields(_Body):
    frameworks: Annotated[list[FrameworkId], Field(min_length=1, max_length=10), AfterValidator(_unique)]
    goals: Annotated[list[GoalId], Field(min_length=1, max_length=9), AfterValidator(_unique)]
    capacity: Capacity
    accepting: StrictBool = True
    years_in_ml: YearsInMl | None = None
    transition_story: Annotated[StrictStr, Field(max_length=1000)] | None = None


class MenteeRegistration(_Common, MenteeFields):
    role: Literal["mentee"]


class MentorRegistration(_Common, MentorFields):
    role: Literal["mentor"]


class MenteeUpdate(_Body):
    name: Name | None = None
    email: Email | None = None
    timezone: Timezone | None = None
    languages: Languages | None = None
    bio: Bio | None = None
    target_framework: FrameworkId | None = None
    frameworks: Annotated[list[FrameworkId], Field(max_length=10), AfterValidator(_unique)] | None = None
    goals: Annotated[list[GoalId], Field(min_length=1, max_length=5), AfterValidator(_unique)] | None = None
    motivation: MotivationId | None = None
    backend_years: BackendYears | None = None
    current_stack: Annotated[StrictStr, Field(max_length=200)] | None = None


class MentorUpdate(_Body):
    name: Name | None = None
    email: Email | None = None
    timezone: Timezone | None = None
    languages: Languages | None = None
    bio: Bio | None = None
    frameworks: Annotated[list[FrameworkId], Field(min_length=1, max_length=10), AfterValidator(_unique)] | None = None
    goals: Annotated[list[GoalId], Field(min_length=1, max_length=9), AfterValidator(_unique)] | None = None
    capacity: Capacity | None = None
    accepting: StrictBool | None = None
    years_in_ml: YearsInMl | None = None
    transition_story: Annotated[StrictStr, Field(max_length=1000)] | None = None


# Fields a PATCH may set to null (clearing them); every other field must keep a value.
CLEARABLE_FIELDS = frozenset({"bio", "current_stack", "years_in_ml", "transition_story"})


class MatchRequest(_Body):
    mentor_id: Annotated[StrictStr, Field(min_length=1, max_length=64)] | None = None
    message: Annotated[StrictStr, AfterValidator(_stripped), Field(max_length=4000)] | None = None


class TransitionRequest(_Body):
    reason: Annotated[StrictStr, Field(max_length=500)] | None = None


def _message_body(value: str) -> str:
    value = value.strip()
    if not value:
        raise ValueError("must not be empty")
    if len(value) > 4000:
        raise ValueError("must be at most 4000 characters")
    return value


class MessageRequest(_Body):
    # Limits apply after trimming; checked in one validator so the order is explicit.
    body: Annotated[StrictStr, AfterValidator(_message_body)]


# --- turning pydantic errors into one clear message that names the field -------------------

_MESSAGES = {
    "missing": "is required",
    "extra_forbidden": "unknown field",
    "string_type": "must be a string",
    "int_type": "must be an integer",
    "bool_type": "must be true or false",
    "list_type": "must be a list",
    "dict_type": "must be an object",
    "model_type": "must be an object",
    "model_attributes_type": "must be an object",
    "literal_error": "must be one of {expected}",
}


def _describe(error: dict, field: str) -> str:
    kind = error["type"]
    ctx = error.get("ctx") or {}
    if kind in _MESSAGES:
        return _MESSAGES[kind].format(**ctx)
    if kind == "string_too_short":
        return "must not be empty" if ctx.get("min_length") == 1 else f"must be at least {ctx['min_length']} characters"
    if kind == "string_too_long":
        return f"must be at most {ctx['max_length']} characters"
    if kind == "too_short":
        if ctx.get("min_length") == 1 and field.endswith("s"):
            return f"at least one {field[:-1].replace('_', ' ')} is required"
        return f"at least {ctx['min_length']} items are required"
    if kind == "too_long":
        return f"at most {ctx['max_length']} items are allowed"
    if kind == "value_error":
        return str(ctx.get("error", error["msg"]))
    message = error["msg"]
    return message[:1].lower() + message[1:]


def first_error(exc: ValidationError) -> InvalidInput:
    error = exc.errors(include_url=False)[0]
    location = [str(part) for part in error["loc"] if not str(part).startswith("function-")]
    field = ".".join(location) or "body"
    if error["type"] == "value_error" and "email" in field and "@" not in str(error.get("input", "@")):
        return InvalidInput(field, "must be an email address")
    return InvalidInput(field, _describe(error, field))


def parse(model: type[BaseModel], data) -> BaseModel:
    """Validate `data` against `model`, raising InvalidInput (400) that names the first bad field."""
    if not isinstance(data, dict):
        raise InvalidInput("body", "must be a JSON object")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise first_error(exc) from None
