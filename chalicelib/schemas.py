"""Request bodies, validated with pydantic. Vocabulary values are normalised to ids here, so
the services only ever see clean data; every error names its field (see `first_error`).

The value types (frameworks, goals, languages, time zones...) live in chalicelib.values, shared
with the response models; the OpenAPI document is generated from these models as they are.
"""

from __future__ import annotations

from typing import Annotated, Literal, Union

from pydantic import (
    MISSING,
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    EmailStr,
    Field,
    StrictBool,
    StrictInt,
    StrictStr,
    StringConstraints,
    ValidationError,
)
from typing_extensions import TypeAliasType

from .errors import InvalidInput
from .values import FrameworkInput, GoalInput, LanguageInput, MotivationInput, TimezoneInput


def _unique(values: list[str]) -> list[str]:
    return list(dict.fromkeys(values))


def _stripped(value: str) -> str:
    return value.strip()


def _integral(value):
    # JSON has one number type: 7.0 is the integer 7 (JSON Schema agrees), so it is accepted as 7.
    # Strings, booleans and fractions stay errors.
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _deliverable_domain(schema: dict) -> None:
    # pydantic's EmailStr (email-validator) refuses special-use domains such as example.test;
    # JSON Schema patterns (ECMA 262) have no inline flags, so both cases are spelled out.
    from email_validator import SPECIAL_USE_DOMAIN_NAMES

    def any_case(word: str) -> str:
        return "".join(f"[{c.lower()}{c.upper()}]" if c.isalpha() else "\\" + c for c in word)

    schema["not"] = {"pattern": "[@.](?:" + "|".join(any_case(name) for name in SPECIAL_USE_DOMAIN_NAMES) + ")$"}


def _text(max_length: int, description: str | None = None):
    """Text that must hold something besides white space, at most `max_length` characters once
    trimmed; the value kept is the trimmed one."""
    return Annotated[
        str,
        StringConstraints(strict=True, strip_whitespace=True, min_length=1, max_length=max_length, pattern=r"\S"),
        Field(description=description),
    ]


BackendYears = Annotated[StrictInt, Field(ge=0, le=50), BeforeValidator(_integral)]
Capacity = Annotated[StrictInt, Field(ge=1, le=10), BeforeValidator(_integral)]
YearsInMl = Annotated[StrictInt, Field(ge=0, le=60), BeforeValidator(_integral)]
Name = _text(100)
Bio = Annotated[StrictStr, Field(max_length=2000)]
CurrentStack = Annotated[StrictStr, Field(max_length=200)]
TransitionStory = Annotated[StrictStr, Field(max_length=1000)]
Languages = Annotated[list[LanguageInput], Field(min_length=1, max_length=5), AfterValidator(_unique)]
Email = Annotated[
    EmailStr,
    Field(
        max_length=254,
        description="An email address with a deliverable domain (not .test, .local, .invalid, ...).",
        json_schema_extra=_deliverable_domain,
    ),
]
MenteeFrameworks = Annotated[list[FrameworkInput], Field(max_length=10), AfterValidator(_unique)]
MenteeGoals = Annotated[list[GoalInput], Field(min_length=1, max_length=5), AfterValidator(_unique)]
MentorFrameworks = Annotated[list[FrameworkInput], Field(min_length=1, max_length=10), AfterValidator(_unique)]
MentorGoals = Annotated[list[GoalInput], Field(min_length=1, max_length=9), AfterValidator(_unique)]
MovedVia = Annotated[
    list[GoalInput],
    Field(max_length=9, description="How the mentor moved into ML (goal ids), e.g. `[\"internal-transfer\"]`."),
    AfterValidator(_unique),
]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)


class _Common(_Body):
    name: Name
    email: Email
    timezone: TimezoneInput
    languages: Languages
    bio: Bio | None = None


class MenteeFields(_Body):
    target_framework: FrameworkInput
    frameworks: MenteeFrameworks = []
    goals: MenteeGoals
    motivation: MotivationInput
    backend_years: BackendYears
    current_stack: CurrentStack | None = None


class MentorFields(_Body):
    frameworks: MentorFrameworks
    goals: MentorGoals
    capacity: Capacity
    accepting: StrictBool = True
    years_in_ml: YearsInMl | None = None
    transition_story: TransitionStory | None = None
    moved_via: MovedVia = []


class MenteeRegistration(_Common, MenteeFields):
    """A mentee's registration: the framework they will double down on, their goals and why."""

    role: Literal["mentee"]


class MentorRegistration(_Common, MentorFields):
    """A mentor's registration: what they know and help with, and how many mentees they take."""

    role: Literal["mentor"]


Registration = TypeAliasType(
    "Registration",
    Annotated[Union[MenteeRegistration, MentorRegistration], Field(discriminator="role")],
)

# A PATCH names only what changes: a field left out stays MISSING (and out of `model_dump`).
# Only these may be null, which clears them; every other field must keep a value.
CLEARABLE_FIELDS = frozenset({"bio", "current_stack", "years_in_ml", "transition_story"})


class NotificationChanges(_Body):
    """Which notification emails to get (only the kinds given change)."""

    requests: StrictBool | MISSING = MISSING
    updates: StrictBool | MISSING = MISSING
    messages: StrictBool | MISSING = MISSING
    reminders: StrictBool | MISSING = MISSING


class MenteeUpdate(_Body):
    """A mentee's partial update, with the registration rules (`role` cannot change)."""

    name: Name | MISSING = MISSING
    email: Email | MISSING = MISSING
    timezone: TimezoneInput | MISSING = MISSING
    languages: Languages | MISSING = MISSING
    bio: Bio | None | MISSING = MISSING
    target_framework: FrameworkInput | MISSING = MISSING
    frameworks: MenteeFrameworks | MISSING = MISSING
    goals: MenteeGoals | MISSING = MISSING
    motivation: MotivationInput | MISSING = MISSING
    backend_years: BackendYears | MISSING = MISSING
    current_stack: CurrentStack | None | MISSING = MISSING
    notifications: NotificationChanges | MISSING = MISSING


class MentorUpdate(_Body):
    """A mentor's partial update, with the registration rules (`role` cannot change)."""

    name: Name | MISSING = MISSING
    email: Email | MISSING = MISSING
    timezone: TimezoneInput | MISSING = MISSING
    languages: Languages | MISSING = MISSING
    bio: Bio | None | MISSING = MISSING
    frameworks: MentorFrameworks | MISSING = MISSING
    goals: MentorGoals | MISSING = MISSING
    capacity: Capacity | MISSING = MISSING
    accepting: StrictBool | MISSING = MISSING
    years_in_ml: YearsInMl | None | MISSING = MISSING
    transition_story: TransitionStory | None | MISSING = MISSING
    moved_via: MovedVia | MISSING = MISSING
    notifications: NotificationChanges | MISSING = MISSING


ProfileUpdate = TypeAliasType("ProfileUpdate", Union[MenteeUpdate, MentorUpdate])


class MatchRequest(_Body):
    """Without `mentor_id`, the best suggestion is taken; `message` becomes the thread's first message."""

    mentor_id: Annotated[StrictStr, Field(min_length=1, max_length=64)] | None = None
    message: Annotated[StrictStr, AfterValidator(_stripped), Field(max_length=4000)] | None = None


class WaitlistRequest(_Body):
    """Join the waitlist of the mentee's target framework; `message` becomes the intro of the
    match request an offer opens."""

    message: Annotated[StrictStr, AfterValidator(_stripped), Field(max_length=4000)] | None = None


class TransitionRequest(_Body):
    reason: Annotated[StrictStr, Field(max_length=500)] | None = None


class FeedbackRequest(_Body):
    """How the match went for the caller; the note is private to the service."""

    rating: Annotated[StrictInt, Field(ge=1, le=5, description="1 (poor) to 5 (excellent)."), BeforeValidator(_integral)]
    note: Annotated[StrictStr, AfterValidator(_stripped), Field(max_length=1000)] | None = None


REPORT_REASONS = ("harassment", "spam", "inappropriate", "no-show", "other")


class ReportRequest(_Body):
    """Report a user to the operators (optionally about one of the caller's matches with them)."""

    user_id: Annotated[StrictStr, Field(min_length=1, max_length=64)]
    match_id: Annotated[StrictStr, Field(min_length=1, max_length=64)] | None = None
    reason: Literal["harassment", "spam", "inappropriate", "no-show", "other"]
    details: Annotated[StrictStr, AfterValidator(_stripped), Field(max_length=2000)] | None = None


def _aware_time(value: str):
    from datetime import datetime, timezone

    try:
        parsed = datetime.fromisoformat(value.strip().replace("z", "Z").replace("Z", "+00:00"))
    except ValueError:
        raise ValueError("must be an ISO 8601 time, e.g. 2026-12-24T17:00:00Z") from None
    if parsed.tzinfo is None:
        raise ValueError("must give its time zone, e.g. 2026-12-24T17:00:00Z")
    return parsed.astimezone(timezone.utc)


class ProgramRequest(_Body):
    """A cohort program: people join with its code until `closes_at`, then all are matched at once."""

    name: _text(100)
    closes_at: Annotated[
        StrictStr,
        AfterValidator(_aware_time),
        Field(json_schema_extra={"format": "date-time"},
              description="When sign-ups close and the program is matched: in the future, within a year."),
    ]
    description: Annotated[StrictStr, AfterValidator(_stripped), Field(max_length=2000)] | None = None


JOIN_CODE_PATTERN = r"^\s*[A-Za-z0-9]{4}[ -]?[A-Za-z0-9]{4}\s*$"


class JoinRequest(_Body):
    """Join a program with its code (with the caller's profile and role)."""

    join_code: Annotated[
        StrictStr,
        Field(pattern=JOIN_CODE_PATTERN, description="The program's code, e.g. `K7QF-2MZP` (case and dash optional)."),
        AfterValidator(lambda value: "".join(ch for ch in value if ch.isalnum()).upper()),
    ]


class MessageRequest(_Body):
    body: _text(4000, "1 to 4000 characters after trimming white space.")


# --- sign-in --------------------------------------------------------------------------------


class LinkRequest(_Body):
    """Ask for a sign-in email."""

    email: Email


class LinkSignIn(_Body):
    """Sign in with the token of an emailed link."""

    token: Annotated[StrictStr, Field(min_length=1, max_length=300, description="The `token` of the link.")]


class CodeSignIn(_Body):
    """Sign in with the email and the 6-digit code of an emailed link."""

    email: Email
    code: Annotated[
        StrictStr,
        Field(pattern=r"^\s*[0-9]{3}[ -]?[0-9]{3}\s*$", description="The 6-digit code from the email (`123 456` too)."),
        AfterValidator(lambda value: "".join(ch for ch in value if ch.isdigit())),
    ]


SessionRequest = TypeAliasType("SessionRequest", Union[LinkSignIn, CodeSignIn])


def sign_in_request(body) -> LinkSignIn | CodeSignIn:
    """The sign-in body: a link's token, or an email and its code (400 naming the field)."""
    if isinstance(body, dict) and "token" in body:
        return parse(LinkSignIn, body)
    return parse(CodeSignIn, body)


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
    if error.get("input", "") is None and kind.endswith("_type"):
        return "must not be null"
    if kind in _MESSAGES:
        return _MESSAGES[kind].format(**ctx)
    if kind == "string_too_short":
        return "must not be empty" if ctx.get("min_length") == 1 else f"must be at least {ctx['min_length']} characters"
    if kind == "string_pattern_mismatch" and field == "code":
        return "must be the 6 digits from the email"
    if kind == "string_pattern_mismatch" and field == "join_code":
        return "must be a program's 8-character code, e.g. K7QF-2MZP"
    if kind == "string_pattern_mismatch" and ctx.get("pattern") == r"\S":
        return "must not be empty"
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
