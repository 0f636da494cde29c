"""Item types of the single DynamoDB table (see docs/DATA_MODEL.md for every access pattern).

All items share the generic key attributes `pk`/`sk` (and `gsi1pk`/`gsi1sk` for the inbox index);
the `kind` discriminator tells PynamoDB which class an item is when it reads one back. The table
name, region and endpoint are set on `TableItem.Meta` by storage.db.configure(); no model makes
calls of its own (storage.db explains why).
"""

from __future__ import annotations

from pynamodb.attributes import (
    BooleanAttribute,
    DiscriminatorAttribute,
    JSONAttribute,
    ListAttribute,
    NumberAttribute,
    UnicodeAttribute,
    VersionAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from . import keys


class InboxIndex(GlobalSecondaryIndex):
    """gsi1: a user's threads by last activity (gsi1pk = INBOX#<user>, gsi1sk = <time>#<thread>)."""

    class Meta:
        index_name = "gsi1"
        projection = AllProjection()

    gsi1pk = UnicodeAttribute(hash_key=True)
    gsi1sk = UnicodeAttribute(range_key=True)


class DueIndex(GlobalSecondaryIndex):
    """gsi2: what the schedule must do, by when (gsi2pk = DUE#<shard>, gsi2sk = <time>#<what>#<id>).

    Sparse: only items with something due are in it (a pending request's copies, an inbox row with
    unread messages), so the schedule reads what is due, never the table (services.schedule)."""

    class Meta:
        index_name = "gsi2"
        projection = AllProjection()

    gsi2pk = UnicodeAttribute(hash_key=True)
    gsi2sk = UnicodeAttribute(range_key=True)


class TableItem(Model):
    class Meta:
        # Replaced by db.configure() from the environment before the first request.
        table_name = "mlbridge-local"
        region = "us-east-1"
        billing_mode = "PAY_PER_REQUEST"

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    kind = DiscriminatorAttribute()
    gsi1pk = UnicodeAttribute(null=True)
    gsi1sk = UnicodeAttribute(null=True)
    gsi2pk = UnicodeAttribute(null=True)
    gsi2sk = UnicodeAttribute(null=True)
    inbox = InboxIndex()
    due = DueIndex()


class UserItem(TableItem, discriminator="user"):
    """pk=USER#<id>, sk=PROFILE. The profile and the open-match counters."""

    id = UnicodeAttribute()
    role = UnicodeAttribute()
    name = UnicodeAttribute()
    email = UnicodeAttribute()
    timezone = UnicodeAttribute()
    languages = ListAttribute(of=UnicodeAttribute)
    bio = UnicodeAttribute(null=True)
    # The hash of the token a version-1 registration issued (a token without a session); new
    # accounts have none: their tokens belong to SessionItems.
    token_hash = UnicodeAttribute(null=True)
    email_verified = BooleanAttribute(null=True)  # absent: not verified
    notifications = JSONAttribute(null=True)  # {"requests": bool, ...}; absent kinds are on
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    frameworks = ListAttribute(of=UnicodeAttribute, default=list)
    goals = ListAttribute(of=UnicodeAttribute, default=list)
    # mentee
    target_framework = UnicodeAttribute(null=True)
    motivation = UnicodeAttribute(null=True)
    backend_years = NumberAttribute(null=True)
    current_stack = UnicodeAttribute(null=True)
    open_matches = NumberAttribute(default=0)
    # mentor
    capacity = NumberAttribute(null=True)
    accepting = BooleanAttribute(null=True)
    years_in_ml = NumberAttribute(null=True)
    transition_story = UnicodeAttribute(null=True)
    moved_via = ListAttribute(of=UnicodeAttribute, null=True)  # goal ids: how they moved into ML
    active_mentees = NumberAttribute(default=0)
    # mentor reputation (chalicelib.reputation): kept as running aggregates, never recomputed from
    # the history. Ratings by mentees (count and sum), mentorships ended after being active, the
    # minutes to answer the last 20 answered requests, and the last 20 requests' outcomes
    # ("a" answered, "e" expired), oldest first.
    rating_count = NumberAttribute(null=True)
    rating_sum = NumberAttribute(null=True)
    mentorships_completed = NumberAttribute(null=True)
    answer_minutes = ListAttribute(of=NumberAttribute, null=True)
    request_outcomes = UnicodeAttribute(null=True)
    # safety (services.safety): whom the user blocked, who blocked them (never shown to them),
    # who reported them since an operator last cleared them; hidden by 3 reports, banned by one.
    blocked = ListAttribute(of=UnicodeAttribute, null=True)
    blocked_by = ListAttribute(of=UnicodeAttribute, null=True)
    reported_by = ListAttribute(of=UnicodeAttribute, null=True)
    hidden = BooleanAttribute(null=True)
    banned = BooleanAttribute(null=True)
    # Optimistic locking: every change to a user (and so to a mentor's capacity, load and
    # directory entries) is conditioned on the version it was computed from.
    version = VersionAttribute()

    @classmethod
    def key(cls, user_id: str) -> tuple[str, str]:
        return keys.user(user_id), keys.PROFILE


class SessionItem(TableItem, discriminator="session"):
    """pk=USER#<user>, sk=SESSION#<id>: one signed-in device, holding its token's hash.

    Read with the profile in a request's first call (services.auth), so the token check costs no
    call of its own. Expires (by the check, and by TTL) 90 days after it was last used.
    """

    id = UnicodeAttribute()
    token_hash = UnicodeAttribute()
    created_at = UnicodeAttribute()
    last_used_at = UnicodeAttribute()  # written at most once a day
    user_agent = UnicodeAttribute(null=True)  # as sent, cut to a few hundred characters
    expires_at = NumberAttribute()  # TTL attribute (epoch seconds): last use + 90 days


class SignInState(TableItem, discriminator="signin"):
    """pk=SIGNIN#<address digest>, sk=STATE: one email's recent sign-in links and wrong codes.

    Exists for unknown emails too: asking for a link does the same work either way.
    """

    sent_at = ListAttribute(of=NumberAttribute, default=list)  # epoch seconds, the last 15 minutes
    wrong_codes = NumberAttribute(default=0)
    wrong_since = NumberAttribute(null=True)  # epoch seconds of the first of those wrong codes
    revision = NumberAttribute(default=0)  # every write is conditioned on the revision read
    expires_at = NumberAttribute()  # TTL attribute (epoch seconds)


class SignInLink(TableItem, discriminator="link"):
    """pk=SIGNIN#<address digest>, sk=LINK#<id>: one emailed link and its code, stored as hashes.

    Its insertion is what sends the email (the table's change stream, chalicelib.events); a link
    for an email without an account has no user and sends nothing.
    """

    id = UnicodeAttribute()
    email = UnicodeAttribute()
    user_id = UnicodeAttribute(null=True)
    purpose = UnicodeAttribute()  # "sign-in" | "verify"
    token_hash = UnicodeAttribute()
    code_hash = UnicodeAttribute()
    created_at = UnicodeAttribute()
    used_at = UnicodeAttribute(null=True)  # set when used, or when five wrong codes burn it
    expires_at = NumberAttribute()  # TTL attribute (epoch seconds): created + 15 minutes


class EmailClaim(TableItem, discriminator="email"):
    """pk=EMAIL#<lower-cased email>, sk=EMAIL. Exists once per email: uniqueness by condition."""

    user_id = UnicodeAttribute()


class DirectoryEntry(TableItem, discriminator="directory"):
    """pk=DIR#ALL | DIR#FW#<framework> | DIR#GOAL#<goal>, sk=<tz key>#<mentor id>.

    Present only while the mentor is accepting and has a free slot: written in the same transaction
    as every change to the mentor's profile or load, so discovery never shows a full mentor.
    """

    profile = JSONAttribute()  # the mentor's listed attributes (directory.listing): all a listing reads
    goals = ListAttribute(of=UnicodeAttribute)  # for GET /mentors?framework=&goal= (a filter)
    # On DIR#ALL and DIR#FW# entries only, which suggestions read (see directory.card):
    card = UnicodeAttribute(null=True)  # what scoring needs, cheap to parse
    active_mentees = NumberAttribute(null=True)  # the tie-break between equal mentors
    standing = NumberAttribute(null=True)  # scoring.standing of the mentor's reputation


class MatchItem(TableItem, discriminator="match"):
    """pk=USER#<participant>, sk=MATCH#<match id>: one copy per participant.

    A participant reads their own copy, so "not a participant" is simply "not found"; a
    transition updates both copies in one transaction, conditioned on the current status.
    """

    match_id = UnicodeAttribute()
    mentee_id = UnicodeAttribute()
    mentor_id = UnicodeAttribute()
    status = UnicodeAttribute()
    score = NumberAttribute()
    reasons = ListAttribute(of=UnicodeAttribute)
    thread_id = UnicodeAttribute()
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    closed_at = UnicodeAttribute(null=True)
    closed_by = UnicodeAttribute(null=True)  # a user id, or "system"
    close_reason = UnicodeAttribute(null=True)
    origin = UnicodeAttribute(null=True)  # "request" (absent on older matches) | "waitlist" | "program"
    # The copy's owner's feedback once the match ended ({"rating", "note", "created_at"}): on
    # their copy only, so the other participant never reads it; given once (a condition).
    feedback = JSONAttribute(null=True)


class PairLock(TableItem, discriminator="pair"):
    """pk=PAIR#<mentee>#<mentor>, sk=PAIR: exists while the pair has an open match."""

    match_id = UnicodeAttribute()


class ThreadItem(TableItem, discriminator="thread"):
    """pk=THREAD#<id>, sk=THREAD: who is in the thread and whether it is still open."""

    id = UnicodeAttribute()
    mentee_id = UnicodeAttribute()
    mentor_id = UnicodeAttribute()
    is_open = BooleanAttribute()
    updated_at = UnicodeAttribute()  # the newest message's time: sends commit in time order


class ThreadMembership(TableItem, discriminator="membership"):
    """pk=USER#<user>, sk=THREAD#<id>; gsi1 orders a user's memberships by last activity."""

    thread_id = UnicodeAttribute()
    match_id = UnicodeAttribute()
    other_id = UnicodeAttribute()
    unread = NumberAttribute(default=0)
    updated_at = UnicodeAttribute()
    last_message = JSONAttribute(null=True)


class MessageItem(TableItem, discriminator="message"):
    """pk=THREAD#<thread>, sk=MSG#<message ULID>: newest-first pages are one Query."""

    id = UnicodeAttribute()
    thread_id = UnicodeAttribute()
    sender_id = UnicodeAttribute()
    body = UnicodeAttribute()
    created_at = UnicodeAttribute()


class IdempotencyRecord(TableItem, discriminator="idempotency"):
    """pk=THREAD#<thread>, sk=IDEM#<sender>#<key digest>: the message a key already produced."""

    message = JSONAttribute()
    expires_at = NumberAttribute()  # TTL attribute (epoch seconds)


class SentMarker(TableItem, discriminator="sent"):
    """pk=SENT#<what was notified>, sk=SENT: written before a notification email goes out, so it
    goes out once (storage.sent)."""

    expires_at = NumberAttribute()  # TTL attribute (epoch seconds)


class WaitlistEntry(TableItem, discriminator="waitlist"):
    """pk=WAIT#<framework>, sk=<created_at>#<mentee id>: a mentee's place in a framework's queue,
    oldest first (storage.waitlist). Written and deleted with the mentee's WaitlistSpot."""

    mentee_id = UnicodeAttribute()
    framework = UnicodeAttribute()
    message = UnicodeAttribute(null=True)  # the intro of the match it becomes
    created_at = UnicodeAttribute()


class WaitlistSpot(TableItem, discriminator="waitlist_spot"):
    """pk=USER#<mentee>, sk=WAITLIST: the mentee's own record of their WaitlistEntry (one at most)."""

    framework = UnicodeAttribute()
    entry_sk = UnicodeAttribute()  # the sort key of the WaitlistEntry under WAIT#<framework>
    message = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()


class BlockItem(TableItem, discriminator="block"):
    """pk=USER#<blocker>, sk=BLOCK#<blocked user>: a block as its author lists it. What enforces
    it is on both profiles (`blocked`, `blocked_by`), which every request and message reads."""

    user_id = UnicodeAttribute()
    name = UnicodeAttribute()  # the blocked user's name when blocked
    created_at = UnicodeAttribute()


class ReportItem(TableItem, discriminator="report"):
    """pk=REPORT#<reported user>, sk=<report id>: one report. Open reports are in gsi1 under
    REPORTS (newest last), the operator's queue (scripts/moderate); clearing takes them out.
    Its insertion emails the operator (the change stream)."""

    id = UnicodeAttribute()
    user_id = UnicodeAttribute()  # the reported user
    reporter_id = UnicodeAttribute()
    match_id = UnicodeAttribute(null=True)
    reason = UnicodeAttribute()
    details = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()
    resolution = UnicodeAttribute(null=True)  # "cleared" | "banned", once an operator acted


class ProgramItem(TableItem, discriminator="program"):
    """pk=PROGRAM#<id>, sk=PROGRAM: a cohort program (services.programs). While open it is due at
    `closes_at` (gsi2): the schedule matches it then; while matching, due again shortly, so a run
    that stopped halfway is taken up again."""

    id = UnicodeAttribute()
    name = UnicodeAttribute()
    description = UnicodeAttribute(null=True)
    organiser_id = UnicodeAttribute()
    join_code = UnicodeAttribute()
    closes_at = UnicodeAttribute()
    status = UnicodeAttribute()  # "open" | "matching" | "matched"
    created_at = UnicodeAttribute()
    mentors = NumberAttribute(default=0)  # members, kept by joins and leaves (ADD)
    mentees = NumberAttribute(default=0)
    matching_since = UnicodeAttribute(null=True)
    matched_at = UnicodeAttribute(null=True)
    matched = NumberAttribute(null=True)
    unmatched = NumberAttribute(null=True)
    total_score = NumberAttribute(null=True)


class JoinCode(TableItem, discriminator="join_code"):
    """pk=JOIN#<code>, sk=JOIN: the program a join code belongs to (unique by condition), with the
    program's name: joining reads this item alone (the join's transaction checks the program is open)."""

    program_id = UnicodeAttribute()
    name = UnicodeAttribute()


class ProgramMember(TableItem, discriminator="program_member"):
    """pk=PROGRAM#<program>, sk=MEMBER#<user>: a member, with the role they joined with."""

    user_id = UnicodeAttribute()
    role = UnicodeAttribute()
    joined_at = UnicodeAttribute()


class ProgramPair(TableItem, discriminator="program_pair"):
    """pk=PROGRAM#<program>, sk=PAIR#<mentee>: the match a program opened for a mentee, written in
    the match's own transaction (attribute_not_exists: one per mentee, however often it runs)."""

    mentee_id = UnicodeAttribute()
    mentor_id = UnicodeAttribute()
    match_id = UnicodeAttribute()
    score = NumberAttribute()
    reasons = ListAttribute(of=UnicodeAttribute)
    on_target = BooleanAttribute()
    created_at = UnicodeAttribute()


class ProgramLink(TableItem, discriminator="program_link"):
    """pk=USER#<user>, sk=JOINED#<program>#organiser | JOINED#<program>#member: the user's own
    list of their programs (GET /programs); sorts before the match copies."""

    program_id = UnicodeAttribute()
    name = UnicodeAttribute()
    role = UnicodeAttribute()  # "organiser" | "mentor" | "mentee"
    created_at = UnicodeAttribute()
