"""Response bodies: one pydantic model per shape the API answers with (docs: ../shared/API.md).

The services return these models and the routes serialise them (`chalicelib.routes.respond`);
the OpenAPI document is generated from them. They are built from the service's own stored data,
validated all the same: a response that drifts from its model fails loudly instead of reaching a
client. Models are built on first use (`defer_build`), so a cold start pays only for the ones its
first request answers with.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field
from typing_extensions import TypeAliasType

from .values import (
    Count,
    FrameworkId,
    GoalId,
    Id,
    LanguageCode,
    MatchStatus,
    MotivationId,
    Score,
    Time,
    Timezone,
)


class _Response(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)


NextCursor = TypeAliasType(
    "NextCursor",
    Annotated[str | None, Field(description="Pass as `cursor` for the next page; null on the last page.")],
)


class Error(_Response):
    """Chalice's error shape; the message starts with the offending field."""

    Code: str = Field(examples=["BadRequestError"])
    Message: str = Field(examples=["goals: at least one goal is required"])


class GatewayError(_Response):
    """API Gateway's own error shape, for what it answers before the service runs (throttling)."""

    message: str = Field(examples=["Too Many Requests"])


# --- profiles ---------------------------------------------------------------------------------


class PublicMentee(_Response):
    """A mentee's public profile: never an email, token material or internal keys."""

    id: Id
    role: Literal["mentee"]
    name: str
    bio: str | None
    timezone: Timezone
    languages: list[LanguageCode]
    target_framework: FrameworkId
    frameworks: list[FrameworkId]
    goals: list[GoalId]
    motivation: MotivationId
    backend_years: Count
    current_stack: str | None


class PublicMentor(_Response):
    """A mentor's public profile: never an email, token material or internal keys."""

    id: Id
    role: Literal["mentor"]
    name: str
    bio: str | None
    timezone: Timezone
    languages: list[LanguageCode]
    frameworks: list[FrameworkId]
    goals: list[GoalId]
    capacity: Annotated[int, Field(ge=1)]
    accepting: bool
    years_in_ml: Count | None
    transition_story: str | None = Field(description="Shown as written; never read by the ranking.")
    moved_via: list[GoalId] = Field(description="How the mentor moved into ML (goal ids): the ranking's mentions "
                                                "such as \"Also moved into ML by internal transfer\" come from it.")
    mentorships_completed: Count = Field(description="Matches that ended after being active (not by a block).")
    rating: Annotated[float, Field(ge=1, le=5)] | None = Field(
        description="The mean of the mentees' ratings, one decimal; null under 3 ratings.")
    rating_count: Count = Field(description="How many mentees rated the mentor.")
    response_hours: Annotated[float, Field(ge=0)] | None = Field(
        description="Median hours from request to accept or decline over the last 20 answered requests; "
                    "null under 3.")


Email = Annotated[str, Field(json_schema_extra={"format": "email"})]


class Notifications(_Response):
    """Which notification emails the user gets (only ever to a verified email)."""

    requests: bool = Field(description="Mentors: a new match request.")
    updates: bool = Field(description="Accepted, declined, cancelled, ended, expired, offered from the waitlist.")
    messages: bool = Field(description="Unread messages in a thread not read for 15 minutes.")
    reminders: bool = Field(description="Mentors: a request still pending after 3 days.")


class OwnMentee(PublicMentee):
    """The calling mentee's own profile: the public one plus email, timestamps and the open-match count."""

    email: Email
    email_verified: bool = Field(description="Whether a sign-in or verification link sent to the email was used.")
    notifications: Notifications
    created_at: Time
    updated_at: Time
    open_matches: Count = Field(description="Pending plus active matches.")


class OwnMentor(PublicMentor):
    """The calling mentor's own profile: the public one plus email, timestamps and the open-match count."""

    email: Email
    email_verified: bool = Field(description="Whether a sign-in or verification link sent to the email was used.")
    notifications: Notifications
    created_at: Time
    updated_at: Time
    active_mentees: Count = Field(description="Pending plus active matches.")


PublicProfile = TypeAliasType(
    "PublicProfile", Annotated[Union[PublicMentee, PublicMentor], Field(discriminator="role")]
)
OwnProfile = TypeAliasType("OwnProfile", Annotated[Union[OwnMentee, OwnMentor], Field(discriminator="role")])


class DeletedUser(_Response):
    """Stands in for a participant who deleted their account."""

    id: Id
    role: None
    name: Literal["Deleted user"]
    deleted: Literal[True]


class Registered(_Response):
    """A new account: its own profile and its bearer token."""

    user: OwnProfile
    token: str = Field(description="The bearer token of the account's first session. Shown once; only a hash is stored.")


class Session(_Response):
    """One signed-in device."""

    id: str
    created_at: Time
    last_used_at: Time | None = Field(description="May lag by up to a day; null for a version-1 token.")
    label: str = Field(examples=["Firefox on Linux"], description="From the User-Agent of the sign-in.")
    current: bool = Field(description="Whether this is the session of the token making the request.")


class SessionList(_Response):
    sessions: list[Session]


class SignedIn(_Response):
    """A new session: the own profile, the session's bearer token and the session."""

    user: OwnProfile
    token: str = Field(description="The bearer token of this session. Shown once; only a hash is stored.")
    session: Session


class LinkSent(_Response):
    """The same answer for every well-formed email, whether or not it has an account."""

    sent: Literal[True]


class Unsubscribed(_Response):
    """The notification kind turned off."""

    unsubscribed: Literal["requests", "updates", "messages", "reminders"]


class MentorList(_Response):
    mentors: list[PublicMentor]
    next_cursor: NextCursor


# --- the vocabulary ---------------------------------------------------------------------------


class VocabularyFramework(_Response):
    id: FrameworkId
    label: str
    aliases: list[str]


class VocabularyGoal(_Response):
    id: GoalId
    label: str
    description: str


class VocabularyMotivation(_Response):
    id: MotivationId
    label: str


class Vocabulary(_Response):
    """The ids requests may use (or their labels and aliases) and responses use."""

    frameworks: list[VocabularyFramework]
    goals: list[VocabularyGoal]
    motivations: list[VocabularyMotivation]


# --- matching and matches ---------------------------------------------------------------------


class Suggestion(_Response):
    mentor: PublicMentor
    score: Score
    reasons: list[str]


class Suggestions(_Response):
    """Best first; only mentors who can take the mentee now."""

    suggestions: list[Suggestion]


class Match(_Response):
    """A match between a mentee and a mentor; `closed_at`, `closed_by` and `close_reason` are null
    while it is open."""

    id: Id
    mentee_id: Id
    mentor_id: Id
    status: MatchStatus
    score: Score
    reasons: list[str]
    thread_id: Id
    created_at: Time
    updated_at: Time
    closed_at: Time | None
    closed_by: str | None = Field(description='Who closed it: a participant\'s id, or "system".')
    close_reason: str | None
    origin: Literal["request", "waitlist", "program"] = Field(
        description="How it began: a mentee's request, an offer from the waitlist, or a cohort program.")
    feedback: Feedback | None = Field(
        description="The caller's own feedback on it (null until given; only once it ended).")


class Feedback(_Response):
    """The caller's feedback on an ended match. The note is private to the service: the other
    participant never sees it."""

    match_id: Id
    rating: Annotated[int, Field(ge=1, le=5)]
    note: str | None
    created_at: Time


class FeedbackEnvelope(_Response):
    feedback: Feedback


class MatchEnvelope(_Response):
    match: Match


class MatchList(_Response):
    matches: list[Match]
    next_cursor: NextCursor


# --- the waitlist -------------------------------------------------------------------------------


class WaitlistPlace(_Response):
    """The calling mentee's place on the waitlist of their target framework."""

    framework: FrameworkId
    position: Annotated[int, Field(ge=1, description="1 for the longest-waiting mentee of the framework.")]
    created_at: Time = Field(description="When the mentee joined: first come, first served.")


class WaitlistEnvelope(_Response):
    waitlist: WaitlistPlace


# --- threads ----------------------------------------------------------------------------------


class Message(_Response):
    id: Id
    thread_id: Id
    sender_id: Id
    body: str
    created_at: Time


class MessageEnvelope(_Response):
    message: Message


class MessageList(_Response):
    """Newest first; the cursor walks back in time."""

    messages: list[Message]
    next_cursor: NextCursor


class Thread(_Response):
    """A row of the inbox: the thread of one of the caller's matches."""

    id: Id
    match_id: Id
    other: Union[PublicMentee, PublicMentor, DeletedUser]
    last_message: Message | None
    unread: Count = Field(description="The other participant's messages since the caller last read.")
    updated_at: Time


class ThreadList(_Response):
    """Most recent activity first."""

    threads: list[Thread]
    next_cursor: NextCursor


class ReadMark(_Response):
    unread: Literal[0]


# --- cohort programs ------------------------------------------------------------------------------


class Membership(_Response):
    program_id: Id
    program_name: str
    role: Literal["mentor", "mentee"]
    joined_at: Time


class Program(_Response):
    """A cohort program, as its organiser and members see it."""

    id: Id
    name: str
    description: str | None
    join_code: str = Field(description="What members join with (`POST /programs/join`).")
    closes_at: Time = Field(description="When sign-ups close and the program is matched (if not by hand before).")
    status: Literal["open", "matching", "matched"]
    organiser_id: Id
    created_at: Time
    mentors: Count = Field(description="Members who joined as mentors.")
    mentees: Count = Field(description="Members who joined as mentees.")
    matched: Count | None = Field(description="Mentees given a pending match; null until matched.")
    unmatched: Count | None = Field(description="Mentees no mentor could take; null until matched.")
    total_score: Count | None = Field(description="The sum of the matches' scores; null until matched.")
    matched_at: Time | None
    is_organiser: bool = Field(description="Whether the caller organises it.")
    membership: Membership | None = Field(description="The caller's membership, if they joined.")


class ProgramEnvelope(_Response):
    program: Program


class ProgramList(_Response):
    """The caller's programs (organised or joined), the newest first."""

    programs: list[Program]


class MembershipEnvelope(_Response):
    membership: Membership


class ProgramMatch(_Response):
    """A pair the program matched (the match is pending until the mentor accepts)."""

    mentee: Union[PublicMentee, DeletedUser]
    mentor: Union[PublicMentor, DeletedUser]
    score: Score
    reasons: list[str]
    on_target: bool = Field(description="Whether the mentor knows the mentee's target framework.")
    match_id: Id


class ProgramMatchList(_Response):
    matches: list[ProgramMatch]
    next_cursor: NextCursor


# --- safety -------------------------------------------------------------------------------------


class Block(_Response):
    user_id: Id
    name: str = Field(description="The blocked user's name when they were blocked.")
    created_at: Time


class BlockList(_Response):
    """The users the caller blocked, most recent first."""

    blocks: list[Block]


class ReportReceipt(_Response):
    id: Id
    created_at: Time


class ReportEnvelope(_Response):
    report: ReportReceipt


# --- the data export --------------------------------------------------------------------------


class Export(_Response):
    """Everything stored about the caller: profile, matches (with the caller's feedback), the
    messages they sent and the users they blocked."""

    profile: OwnProfile
    matches: list[Match]
    messages: list[Message]
    blocks: list[Block]


# The OpenAPI document itself, as far as a model says anything about it.
OpenApiDocument = dict[str, Any]
