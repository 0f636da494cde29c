"""Key formats of the single table. Every key the code builds comes from here."""

from __future__ import annotations

PROFILE = "PROFILE"
EMAIL = "EMAIL"
THREAD = "THREAD"
PAIR = "PAIR"
MATCH_PREFIX = "MATCH#"
THREAD_PREFIX = "THREAD#"
MESSAGE_PREFIX = "MSG#"
# In a user's partition sessions sort after the profile and before the thread memberships:
# MATCH#... < PROFILE < SESSION#... < THREAD#...
SESSION_PREFIX = "SESSION#"
SIGN_IN_STATE = "STATE"
LINK_PREFIX = "LINK#"
SENT = "SENT"
WAITLIST = "WAITLIST"
DUE_SHARDS = 8
# An inbox row whose unread messages were emailed waits here, never due, until it is read.
DUE_PARKED = "~parked"
# In a user's partition blocks sort before the match copies, outside every range a request reads.
BLOCK_PREFIX = "BLOCK#"
# The operator's queue of open reports (gsi1).
REPORT_QUEUE = "REPORTS"
DIRECTORY_ALL = "DIR#ALL"
DIRECTORY_FRAMEWORK_PREFIX = "DIR#FW#"


def user(user_id: str) -> str:
    return f"USER#{user_id}"


def email(address: str) -> str:
    return f"EMAIL#{address.lower()}"


def session(session_id: str) -> str:
    return f"{SESSION_PREFIX}{session_id}"


def sign_in(address_digest: str) -> str:
    """The partition of one email's sign-in links and their state; keyed by a keyed digest of
    the address (services.links.address_digest), so a link never carries the address itself."""
    return f"SIGNIN#{address_digest}"


def link(link_id: str) -> str:
    return f"{LINK_PREFIX}{link_id}"


def sent(what: str) -> str:
    return f"SENT#{what}"


def due_shard(item_id: str) -> str:
    """The due partition of an item: spread over DUE_SHARDS partitions by its id."""
    import zlib

    return f"DUE#{zlib.crc32(item_id.encode()) % DUE_SHARDS}"


def due_shards() -> list[str]:
    return [f"DUE#{n}" for n in range(DUE_SHARDS)]


def due_sort(when: str, what: str, item_id: str) -> str:
    return f"{when}#{what}#{item_id}"


def waitlist(framework: str) -> str:
    return f"WAIT#{framework}"


def waitlist_sort(created_at: str, mentee_id: str) -> str:
    return f"{created_at}#{mentee_id}"


def directory_framework(framework: str) -> str:
    return f"{DIRECTORY_FRAMEWORK_PREFIX}{framework}"


def directory_goal(goal: str) -> str:
    return f"DIR#GOAL#{goal}"


def directory_sort(utc_offset_minutes: int, mentor_id: str) -> str:
    # Offsets run from -12:00 to +14:00; shifted so they sort as fixed-width strings, which lets a
    # suggestion read the mentors nearest the mentee's time zone first.
    return f"{utc_offset_minutes + 1440:04d}#{mentor_id}"


def directory_sort_floor(utc_offset_minutes: int) -> str:
    return f"{utc_offset_minutes + 1440:04d}#"


def match(match_id: str) -> str:
    return f"{MATCH_PREFIX}{match_id}"


def pair(mentee_id: str, mentor_id: str) -> str:
    return f"PAIR#{mentee_id}#{mentor_id}"


def thread(thread_id: str) -> str:
    return f"{THREAD_PREFIX}{thread_id}"


def membership(thread_id: str) -> str:
    return f"{THREAD_PREFIX}{thread_id}"


def message(message_id: str) -> str:
    return f"{MESSAGE_PREFIX}{message_id}"


def idempotency(sender_id: str, key_digest: str) -> str:
    return f"IDEM#{sender_id}#{key_digest}"


def inbox(user_id: str) -> str:
    return f"INBOX#{user_id}"


def inbox_sort(updated_at: str, thread_id: str) -> str:
    return f"{updated_at}#{thread_id}"


def block(user_id: str) -> str:
    return f"{BLOCK_PREFIX}{user_id}"


def reports(user_id: str) -> str:
    return f"REPORT#{user_id}"


PROGRAM = "PROGRAM"
JOIN = "JOIN"
MEMBER_PREFIX = "MEMBER#"
PROGRAM_PAIR_PREFIX = "PAIR#"
# In a user's partition their programs sort before the match copies, outside every range a request reads.
PROGRAM_LINK_PREFIX = "JOINED#"


def program(program_id: str) -> str:
    return f"PROGRAM#{program_id}"


def join_code(code: str) -> str:
    return f"JOIN#{code}"


def member(user_id: str) -> str:
    return f"{MEMBER_PREFIX}{user_id}"


def program_pair(mentee_id: str) -> str:
    return f"{PROGRAM_PAIR_PREFIX}{mentee_id}"


def program_link(program_id: str, what: str) -> str:
    """`what`: "organiser" or "member"."""
    return f"{PROGRAM_LINK_PREFIX}{program_id}#{what}"
