"""Every route of the API in one table: what it takes, what it answers, and the errors it can end
with. chalicelib.openapi generates the OpenAPI document from it and from the models it names
(request models in chalicelib.schemas, response models in chalicelib.responses).

Only the document reads this table, on first use: it names the pydantic models, which the app
does not import when it starts. tests/api/test_openapi.py checks that the table lists exactly the
routes the Chalice app serves, each under the name of its view.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

from .. import responses, schemas
from ..links import UNSUBSCRIBE_TOKEN
from ..http import DEFAULT_LIMIT, MAX_BODY_BYTES, MAX_LIMIT
from ..services.matching import MAX_SUGGESTIONS
from ..values import FrameworkId, GoalId, Id, MatchStatus


@dataclass(frozen=True)
class Param:
    """A path, query or header parameter. Path parameters are always required, the others when
    `required`."""

    name: str
    where: Literal["path", "query", "header"]
    type: Any
    description: str | None = None
    default: Any = None
    required: bool = False


@dataclass(frozen=True)
class Text:
    """A body that is not JSON: a text in one of `media_types`."""

    media_types: tuple[str, ...]


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    view: str  # the Chalice view's name; also the operation's id
    summary: str
    tag: str
    # What a success answers: a response model (JSON), a Text, or None (no body).
    response: Any
    answer: str  # what that response is, in a few words
    status: int = 200
    auth: bool = True  # a bearer token is required (401 without a valid one)
    auth_optional: bool = False  # without `auth`: a bearer token may be given (401 if it is not valid)
    database: bool = True  # it reads or writes the table (503 when that is unavailable)
    body: Any = None  # the request model
    body_required: bool = True
    params: tuple[Param, ...] = ()
    # Errors besides those every route may end with: 401 (with auth), 413 and 429, and 503
    # (with the database).
    errors: tuple[int, ...] = ()
    description: str | None = None
    response_headers: tuple[Param, ...] = ()  # headers every success carries
    not_modified: bool = False  # 304 for a matching If-None-Match
    rate_limit: "ErrorResponse | None" = None  # the service's own 429, instead of API Gateway's


@dataclass(frozen=True)
class ErrorResponse:
    name: str  # of its component
    description: str
    model: type[BaseModel] = responses.Error
    headers: tuple[Param, ...] = ()  # headers it always carries


RETRY_AFTER = Param("Retry-After", "header", Annotated[int, Field(ge=0)], "Seconds to wait before retrying.")
CACHE_CONTROL = Param("Cache-Control", "header", str, "How long a cache may keep the answer.")


ERRORS: dict[int, ErrorResponse] = {
    400: ErrorResponse(
        "BadRequest",
        "Invalid input: unknown vocabulary value, missing field, wrong type, too long, bad cursor, malformed JSON.",
    ),
    401: ErrorResponse("Unauthorized", "Missing or invalid bearer token."),
    403: ErrorResponse("Forbidden", "Authenticated, but the caller's role may not do this."),
    404: ErrorResponse("NotFound", "Not found, or not visible to the caller (existence is never revealed)."),
    409: ErrorResponse(
        "Conflict", "Conflict: duplicate email, capacity reached, invalid state transition, closed thread."
    ),
    413: ErrorResponse("PayloadTooLarge", f"The request body is over {MAX_BODY_BYTES // 1024} KiB."),
    429: ErrorResponse(
        "TooManyRequests",
        "Too many requests: API Gateway throttles the stage before the service runs, with its own error shape.",
        model=responses.GatewayError,
    ),
    503: ErrorResponse(
        "ServiceUnavailable",
        "The database is throttling or unavailable; retry after `Retry-After` seconds.",
        headers=(RETRY_AFTER,),
    ),
}
SIGN_IN_LIMIT = ErrorResponse(
    "SignInEmailsLimited",
    "Too many sign-in emails to this address: at most 3 per 15 minutes (API Gateway's throttling, with "
    "its own shape, can answer 429 too).",
    headers=(RETRY_AFTER,),
)
# Every route may answer these, whatever it does.
EVERY_ROUTE_ERRORS = (413, 429)


def _limit(maximum: int, default: int) -> Param:
    # An empty `limit=` means the default, like an absent one.
    return Param(
        "limit", "query", Annotated[int, Field(ge=1, le=maximum)] | Literal[""],
        f"How many (default {default}, at most {maximum}; empty: the default).", default=default,
    )


LIMIT = _limit(MAX_LIMIT, DEFAULT_LIMIT)
CURSOR = Param(
    "cursor", "query", Annotated[str, Field(max_length=1024)],
    "`next_cursor` of the previous page, unchanged. It is opaque and tied to the listing it came "
    "from; any other value is a 400.",
)
USER_ID = Param("user_id", "path", Id)
MATCH_ID = Param("match_id", "path", Id)
THREAD_ID = Param("thread_id", "path", Id)
PROGRAM_ID = Param("program_id", "path", Id)
SESSION_ID = Param("session_id", "path", Annotated[str, Field(min_length=1, max_length=64)])
IF_NONE_MATCH = Param(
    "If-None-Match", "header", str, "An ETag from an earlier response: 304 while the file is unchanged."
)


def _transition(action: str, summary: str, rule: str) -> Route:
    return Route(
        "POST", f"/matches/{{match_id}}/{action}", f"{action}_match", summary, "matches",
        responses.MatchEnvelope, "The match in its new state.",
        params=(MATCH_ID,), body=schemas.TransitionRequest, body_required=False,
        errors=(400, 404, 409), description=f"{rule} Any other transition is a 409.",
    )


ROUTES: tuple[Route, ...] = (
    # --- users ---
    Route(
        "GET", "/vocabulary", "get_vocabulary", "The frameworks, goals and motivations, with labels and aliases.",
        "users", responses.Vocabulary, "The vocabulary (cacheable).",
        auth=False, database=False, response_headers=(CACHE_CONTROL,),
    ),
    Route(
        "POST", "/users", "register", "Register a mentee or a mentor.", "users",
        responses.Registered, "The new account's profile and its token (shown once).", status=201,
        auth=False, body=schemas.Registration, errors=(400, 409),
        description="409 if the email (case-insensitive) is taken.",
    ),
    Route("GET", "/users/me", "get_me", "The caller's own profile.", "users", responses.OwnProfile, "The profile."),
    Route(
        "PATCH", "/users/me", "patch_me", "Change some fields of the caller's profile, with the registration rules.",
        "users", responses.OwnProfile, "The updated profile.",
        body=schemas.ProfileUpdate, errors=(400, 404, 409),
        description="The fields of the caller's role (a mentee's fields for a mentee, a mentor's for a mentor). "
                    "`role` cannot change (400); only `bio`, `current_stack`, `years_in_ml` and "
                    "`transition_story` can be cleared with null. 409 if the new email is taken, or if a "
                    "mentor's new capacity is below their open matches; 404 if the account was deleted meanwhile.",
    ),
    Route(
        "DELETE", "/users/me", "delete_me", "Delete the caller's account.", "users", None,
        "Deleted: open matches ended, profile, email, token and index entries removed. Messages stay, "
        "shown as from a deleted user.",
        status=204,
    ),
    Route("GET", "/users/me/export", "export_me", "Everything stored about the caller.", "users",
          responses.Export, "The export."),
    Route(
        "GET", "/users/{user_id}", "get_user",
        "A public profile: any mentor, or a mentee to a mentor they share a match with.", "users",
        responses.PublicProfile, "The public profile.", params=(USER_ID,), errors=(404,),
    ),
    Route(
        "POST", "/unsubscribe", "unsubscribe", "Turn one kind of notification email off (RFC 8058 one-click).",
        "users", responses.Unsubscribed, "The kind turned off.", auth=False, body_required=False, errors=(400, 404),
        params=(Param("token", "query", Annotated[str, Field(pattern=UNSUBSCRIBE_TOKEN.pattern)],
                      "The token of the email's List-Unsubscribe link.", required=True),),
        description="No other authentication: the token is signed for one user and one kind. A mail client "
                    "posts `List-Unsubscribe=One-Click` as a form; any body is ignored. A token of the right form "
                    "that this service did not sign is a 404.",
    ),
    Route(
        "GET", "/mentors", "list_mentors", "Mentors who are accepting and have a free slot.", "users",
        responses.MentorList, "A page of mentors.", auth=False, auth_optional=True, errors=(400, 401),
        description="Public. With a bearer token (optional; 401 if it is not valid), mentors whom the caller "
                    "blocked or who blocked the caller are left out, so a page may hold fewer than `limit`.",
        params=(
            Param("framework", "query", FrameworkId | Literal[""], "Only mentors of this framework. Empty: no filter."),
            Param("goal", "query", GoalId | Literal[""], "Only mentors who help with this goal. Empty: no filter."),
            LIMIT,
            CURSOR,
        ),
    ),
    # --- sign-in and sessions ---
    Route(
        "POST", "/auth/links", "request_sign_in_link", "Email a sign-in link and code to an address.", "sign-in",
        responses.LinkSent, "Accepted: the same answer for every well-formed email.", status=202,
        auth=False, body=schemas.LinkRequest, errors=(400,), rate_limit=SIGN_IN_LIMIT,
        description="If an account has this email, a sign-in email goes out with a link "
                    "(`<app>/#/signin?token=<link token>`) and a 6-digit code, both single-use and valid for 15 "
                    "minutes. Nothing in the answer (status, body or work done) tells whether the email has an "
                    "account. At most 3 per email per 15 minutes, unknown emails included: over that, a 429 "
                    "with `Retry-After`.",
    ),
    Route(
        "POST", "/auth/sessions", "sign_in", "Sign in with an emailed link's token, or the email and its code.",
        "sign-in", responses.SignedIn, "The new session: the profile, its token (shown once) and the session.",
        status=201, auth=False, body=schemas.SessionRequest, errors=(400, 401),
        description="A used, expired or wrong token or code is a 401. Five wrong codes for an email in a row "
                    "burn every unused link of that email. Using a link or its code marks the email verified.",
    ),
    Route(
        "POST", "/auth/signout", "sign_out", "End the current session (sign out).", "sign-in", None,
        "Signed out: this session's token no longer works.", status=204,
    ),
    Route(
        "GET", "/sessions", "list_sessions", "The caller's sessions (one per signed-in device).", "sign-in",
        responses.SessionList, "The sessions, the current one first.",
        description="A session unused for 90 days expires. `last_used_at` may lag by up to a day. An account "
                    "registered before sessions existed also lists its original token, as the session `v1`.",
    ),
    Route(
        "DELETE", "/sessions", "end_other_sessions", "End every session of the caller except the current one.",
        "sign-in", None, "Ended: only the current session's token still works.", status=204,
    ),
    Route(
        "DELETE", "/sessions/{session_id}", "end_session", "End one of the caller's sessions.", "sign-in", None,
        "Ended: that session's token stops working at once.", status=204, params=(SESSION_ID,), errors=(404,),
    ),
    # --- matches ---
    Route(
        "GET", "/matches/suggestions", "suggestions",
        "The mentors who fit the calling mentee best, with the reasons why.", "matches",
        responses.Suggestions, "Suggestions, best first.", params=(_limit(MAX_SUGGESTIONS, 5),),
        errors=(400, 403), description="Mentees only (403 for a mentor).",
    ),
    Route(
        "POST", "/matches", "request_match",
        "Request a match with a mentor (the best suggestion when none is named).", "matches",
        responses.MatchEnvelope, "The pending match.", status=201,
        body=schemas.MatchRequest, body_required=False, errors=(400, 403, 404, 409),
        description="Mentees only (403). The optional `message` becomes the thread's first message. 404 "
                    "for an unknown mentor, 400 if the id is not a mentor's, 409 if the mentor is full or not "
                    "accepting, if the mentee has 3 open matches, or already one with this mentor.",
    ),
    Route(
        "GET", "/matches", "list_matches", "The caller's matches, newest first.", "matches",
        responses.MatchList, "A page of matches.", errors=(400,),
        params=(Param("status", "query", MatchStatus, "Only matches in this state."), LIMIT, CURSOR),
    ),
    Route(
        "GET", "/matches/{match_id}", "get_match", "One of the caller's matches.", "matches",
        responses.MatchEnvelope, "The match.", params=(MATCH_ID,), errors=(404,),
    ),
    _transition("accept", "The mentor accepts a pending match.", "pending → active; only the mentor."),
    _transition("decline", "The mentor declines a pending match.", "pending → declined; only the mentor."),
    _transition("cancel", "The mentee withdraws a pending request.", "pending → cancelled; only the mentee."),
    _transition("end", "Either participant ends an active match.", "active → ended."),
    Route(
        "POST", "/matches/{match_id}/feedback", "give_feedback", "Rate an ended match (once per participant).",
        "matches", responses.FeedbackEnvelope, "The feedback as stored.", status=201,
        params=(MATCH_ID,), body=schemas.FeedbackRequest, errors=(400, 404, 409),
        description="Participants only (404 otherwise), once the match has ended (409 before, and 409 the "
                    "second time). The note is private to the service. A mentee's rating counts towards the "
                    "mentor's public `rating` (shown from 3 ratings on).",
    ),
    # --- the waitlist ---
    Route(
        "POST", "/waitlist", "join_waitlist", "Wait for a mentor of the caller's target framework.", "waitlist",
        responses.WaitlistEnvelope, "The caller's place on the waitlist.", status=201,
        body=schemas.WaitlistRequest, body_required=False, errors=(400, 403, 409),
        description="Mentees only (403). When a mentor of the framework has a free slot, the longest-waiting "
                    "mentee who can still open a match with them gets a pending match (`origin: \"waitlist\"`, "
                    "the optional `message` as its intro) and leaves the list. 409 if already waiting, or at "
                    "3 open matches.",
    ),
    Route(
        "GET", "/waitlist", "get_waitlist", "The caller's place on the waitlist.", "waitlist",
        responses.WaitlistEnvelope, "The place: framework, position (1 is next) and when it was taken.",
        errors=(403, 404), description="Mentees only (403). 404 when the caller is not waiting.",
    ),
    Route(
        "DELETE", "/waitlist", "leave_waitlist", "Leave the waitlist.", "waitlist", None,
        "Left: no offer will come from it.", status=204, errors=(403, 404),
        description="Mentees only (403). 404 when the caller is not waiting (or an offer took the place first).",
    ),
    # --- cohort programs ---
    Route(
        "POST", "/programs", "create_program", "Create a cohort program (the caller organises it).", "programs",
        responses.ProgramEnvelope, "The open program, with its join code.", status=201,
        body=schemas.ProgramRequest, errors=(400,),
        description="Members join with the code until `closes_at` (in the future, within a year); then (or "
                    "earlier, by `POST /programs/{id}/match`) everyone is matched at once.",
    ),
    Route(
        "GET", "/programs", "list_programs", "The caller's programs (organised or joined), newest first.",
        "programs", responses.ProgramList, "The programs.",
    ),
    Route(
        "POST", "/programs/join", "join_program", "Join a program with its code.", "programs",
        responses.MembershipEnvelope, "The membership.", status=201, body=schemas.JoinRequest,
        errors=(400, 404, 409),
        description="Mentors and mentees join with the profile they have. 404 for an unknown code; 409 when "
                    "already a member, or when sign-ups have closed.",
    ),
    Route(
        "GET", "/programs/{program_id}", "get_program", "A program, with its counts.", "programs",
        responses.ProgramEnvelope, "The program.", params=(PROGRAM_ID,), errors=(404,),
        description="The organiser and members only (404 otherwise).",
    ),
    Route(
        "DELETE", "/programs/{program_id}/members/me", "leave_program", "Leave a program while it is open.",
        "programs", None, "Left.", status=204, params=(PROGRAM_ID,), errors=(404, 409),
        description="404 when the caller is not a member; 409 once the program is matching or matched.",
    ),
    Route(
        "POST", "/programs/{program_id}/match", "match_program", "Match the program now (the organiser).",
        "programs", responses.ProgramEnvelope, "The matched program, with its numbers.",
        params=(PROGRAM_ID,), errors=(403, 404, 409),
        description="One pending match per matched mentee (`origin: \"program\"`), chosen to maximise the "
                    "number of mentees on their target framework, then the total score, within every mentor's "
                    "free capacity, the open-match limit, blocks and existing pairs. Also run automatically at "
                    "`closes_at`. 403 for a member who is not the organiser; 409 when matching or matched already.",
    ),
    Route(
        "GET", "/programs/{program_id}/matches", "list_program_matches", "The pairs a program matched.",
        "programs", responses.ProgramMatchList, "A page of pairs.", params=(PROGRAM_ID, LIMIT, CURSOR),
        errors=(400, 403, 404), description="The organiser only (403 for members, 404 for others).",
    ),
    # --- safety ---
    Route(
        "POST", "/users/{user_id}/block", "block_user", "Block a user.", "safety", None,
        "Blocked (also when blocked already).", status=204, params=(USER_ID,), errors=(400, 404),
        description="Closes any open match between the two (`close_reason: \"blocked\"`); from then on neither "
                    "appears in the other's suggestions, directory or profiles, can request the other or send to "
                    "their threads. The blocked user is not told. 404 for a user the caller cannot see (as for "
                    "`GET /users/{id}`); 400 for the caller themselves.",
    ),
    Route(
        "DELETE", "/users/{user_id}/block", "unblock_user", "Unblock a user.", "safety", None,
        "Unblocked (a block the other user made stays).", status=204, params=(USER_ID,), errors=(404,),
        description="404 when the caller has not blocked this user.",
    ),
    Route(
        "GET", "/users/me/blocks", "list_blocks", "The users the caller blocked, most recent first.", "safety",
        responses.BlockList, "The blocks.",
    ),
    Route(
        "POST", "/reports", "report_user", "Report a user to the operators.", "safety",
        responses.ReportEnvelope, "The report's receipt.", status=201, body=schemas.ReportRequest,
        errors=(400, 404),
        description="The operator is emailed. A user reported by 3 distinct users is hidden from the directory, "
                    "suggestions and the waitlist until an operator clears them. 404 for a user the caller cannot "
                    "see, or a `match_id` that is not the caller's match with them.",
    ),
    # --- threads ---
    Route(
        "GET", "/threads", "list_threads", "The caller's threads, most recent activity first.", "threads",
        responses.ThreadList, "A page of threads.", params=(LIMIT, CURSOR), errors=(400,),
    ),
    Route(
        "GET", "/threads/{thread_id}/messages", "list_messages",
        "A thread's messages, newest first; the cursor walks back in time.", "threads",
        responses.MessageList, "A page of messages.", params=(THREAD_ID, LIMIT, CURSOR), errors=(400, 404),
    ),
    Route(
        "POST", "/threads/{thread_id}/messages", "post_message",
        "Send a message (marks the thread read for the sender).", "threads",
        responses.MessageEnvelope, "The stored message.", status=201, body=schemas.MessageRequest,
        params=(
            THREAD_ID,
            Param("Idempotency-Key", "header", Annotated[str, Field(min_length=1, max_length=200)],
                  "A retry with the same key returns the same message and stores nothing new."),
        ),
        errors=(400, 404, 409),
        description="409 if the thread is read-only (its match is closed), or if the Idempotency-Key was "
                    "used for a different message.",
    ),
    Route(
        "POST", "/threads/{thread_id}/read", "mark_read", "Mark everything in the thread read for the caller.",
        "threads", responses.ReadMark, "Nothing left unread.", params=(THREAD_ID,), errors=(404,),
    ),
    # --- the web app and this document ---
    Route(
        "GET", "/", "index", "The web app (HTML).", "web", Text(("text/html",)), "The page.",
        auth=False, database=False, params=(IF_NONE_MATCH,), not_modified=True,
    ),
    Route(
        "GET", "/static/{name}", "static_asset", "A script, style sheet or icon of the web app.", "web",
        Text(("text/javascript", "text/css", "image/svg+xml")), "The file.",
        auth=False, database=False, errors=(404,), not_modified=True,
        params=(Param("name", "path", Annotated[str, Field(min_length=1)]), IF_NONE_MATCH),
    ),
    Route(
        "GET", "/openapi.json", "openapi_document", "This document.", "web",
        responses.OpenApiDocument, "The OpenAPI document.", auth=False, database=False,
    ),
)
