"""Notification emails: who is told what, and when.

They never run on a request path: the table's change stream (chalicelib.events) hands over the
changes of matches, and the schedule (services.schedule) the reminders and unread messages. Each
goes only to a verified email whose owner has that kind on, and at most once: a marker keyed by
what it is about (storage.sent) is written before sending, and removed again if sending fails, so
the stream's retry sends it then.
"""

from __future__ import annotations

from typing import Mapping

from . import links
from .config import MailSettings, request_expiry
from .logs import logger
from .profiles import notification_preferences
from .storage import sent as sent_store
from .storage import users as user_store
from .storage.models import MatchItem, UserItem

KIND_LABELS = {
    "requests": "New requests",
    "updates": "Match updates",
    "messages": "Unread messages",
    "reminders": "Reminders",
}




def unsubscribe_headers(user_id: str, kind: str, settings: MailSettings) -> dict[str, str]:
    """RFC 8058 one-click unsubscribe: a POST to the URL turns this kind off."""
    url = f"{settings.app_url}/unsubscribe?token={links.unsubscribe_token(user_id, kind)}"
    return {"List-Unsubscribe": f"<{url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


def send_once(key: str, template: str, context: Mapping[str, object], *, to: str,
              settings: MailSettings | None = None, headers: Mapping[str, str] | None = None) -> str | None:
    """Compose `template` and send it to `to`, at most once per `key`: the sent marker is claimed
    first and released if sending fails (so a retry sends it). The id it was sent under; None when
    it was sent before (the stream delivered a change twice, or the schedule ran twice)."""
    if not sent_store.claim(key):
        return None
    from . import mail  # on first use: Jinja2 and the SES client

    try:
        return mail.send(mail.compose(template, context, to=to, settings=settings, headers=headers))
    except Exception:
        sent_store.release(key)  # not sent: the retry may send it
        raise


def notify(kind: str, recipient: UserItem | None, template: str, context: Mapping[str, object], key: str) -> bool:
    """Email `recipient` the `template` if they want `kind` and their email is verified, once per
    `key`. True when it was sent now."""
    if recipient is None or not recipient.email_verified or not notification_preferences(recipient)[kind]:
        return False
    settings = MailSettings.from_env()
    sent = send_once(
        key, template, {**context, "name": recipient.name, "kind_label": KIND_LABELS[kind]},
        to=recipient.email, settings=settings, headers=unsubscribe_headers(recipient.id, kind, settings),
    )
    if sent is None:
        return False
    logger.info("sent a notification", extra={"kind": kind, "template": template, "key": key})
    return True


# --- matches -----------------------------------------------------------------------------------

_UPDATES = {
    # new status: (who is told, headline, page)
    "active": ("mentee", "{mentor} accepted your request", "thread/{thread}"),
    "declined": ("mentee", "{mentor} declined your request", "suggestions"),
    "cancelled": ("mentor", "{mentee} withdrew their request", "requests"),
    "ended": ("other", "{closer} ended your mentorship", "matches"),
    "expired": ("both", "Your match request expired unanswered", "matches"),
}


# Matches closed by a block (services.safety) or an operator's ban send no email.
SILENT_CLOSE_REASONS = ("blocked", "banned")


def on_match_change(old: MatchItem | None, new: MatchItem) -> None:
    """A participant's copy of a match was written: tell that participant what they should know.

    Each change is seen on both copies (one per participant); each copy's owner is told about it
    on their own copy, so nobody is told twice."""
    owner = new.pk.partition("#")[2]
    if old is None:
        if new.status == "pending" and owner == new.mentor_id:
            _request_received(new)
        elif new.status == "pending" and owner == new.mentee_id and new.origin in ("waitlist", "program"):
            _offered_from_waitlist(new)
        return
    if old.status == new.status or new.status not in _UPDATES:
        return
    if new.close_reason in SILENT_CLOSE_REASONS:
        return  # a block or a ban: nobody is told (the blocked user least of all)
    told, headline, page = _UPDATES[new.status]
    if told == "other":
        told = "mentee" if new.closed_by == new.mentor_id else "mentor"
    if told != "both" and owner != getattr(new, f"{told}_id"):
        return
    people = user_store.find_users([new.mentee_id, new.mentor_id])
    mentee, mentor = people.get(new.mentee_id), people.get(new.mentor_id)
    names = {
        "mentee": mentee.name if mentee else "Your mentee",
        "mentor": mentor.name if mentor else "Your mentor",
    }
    names["closer"] = names["mentor"] if new.closed_by == new.mentor_id else names["mentee"]
    detail = None
    if new.status == "ended":
        detail = "How did it go? You can rate this mentorship on the Matches page (the note you add is private)."
    elif new.status == "expired":
        detail = ("The request was not answered in time, so it was closed and its slot freed."
                  if owner == new.mentor_id else
                  "Your mentor did not answer in time. You can ask another mentor, or wait for the next free one.")
    notify(
        "updates",
        people.get(owner),
        "match_update",
        {
            "headline": headline.format(mentor=names["mentor"], mentee=names["mentee"], closer=names["closer"]),
            "detail": detail,
            "reason": new.close_reason if new.status in ("declined", "cancelled", "ended") else None,
            "page": page.format(thread=new.thread_id),
        },
        key=f"match#{new.match_id}#{new.status}#{owner}",
    )


def _request_received(match: MatchItem) -> None:
    """The mentor learns of a new request, with the intro: both profiles and the mentor's inbox
    row (which holds the intro as its last message) in one read."""
    from .storage import keys
    from .storage.models import ThreadMembership

    row_key = (keys.user(match.mentor_id), keys.membership(match.thread_id))
    found = user_store.read([user_store.profile_key(match.mentee_id), user_store.profile_key(match.mentor_id), row_key])
    people = user_store.users_of(found)
    row = ThreadMembership.from_raw_data(found[row_key]) if row_key in found else None
    last = (row.last_message if row is not None else None) or {}
    mentee = people.get(match.mentee_id)
    notify(
        "requests",
        people.get(match.mentor_id),
        "match_request",
        {
            "other_name": mentee.name if mentee else "A mentee",
            "intro": last.get("body") if last.get("sender_id") == match.mentee_id else None,
            "origin": match.origin or "request",
            "expiry_days": expiry_days(),
        },
        key=f"match#{match.match_id}#pending#{match.mentor_id}",
    )


_OFFER_DETAILS = {
    "waitlist": "A mentor had a free slot, so your place on the waitlist became a request to them. "
                "They will accept or decline it.",
    "program": "Your cohort program matched its members, and this mentor fits you best of those with a "
               "free slot. They will accept or decline the request.",
}


def _offered_from_waitlist(match: MatchItem) -> None:
    """A request the mentee did not make themselves: from the waitlist, or from a program."""
    people = user_store.find_users([match.mentee_id, match.mentor_id])
    mentor = people.get(match.mentor_id)
    notify(
        "updates",
        people.get(match.mentee_id),
        "match_update",
        {
            "headline": f"You have a match request with {mentor.name if mentor else 'a mentor'}",
            "detail": _OFFER_DETAILS[match.origin],
            "reason": None,
            "page": "matches",
        },
        key=f"match#{match.match_id}#offered#{match.mentee_id}",
    )


def expiry_days() -> int:
    return max(1, round(request_expiry().total_seconds() / 86400))


# --- reports -------------------------------------------------------------------------------------


def report_received(report) -> bool:
    """Email the operator (OPERATOR_EMAIL) about a new report, once. True when sent now."""
    settings = MailSettings.from_env()
    if settings.operator is None:
        logger.warning("a user was reported and OPERATOR_EMAIL is not set: nobody is emailed",
                       extra={"report_id": report.id, "user_id": report.user_id})
        return False
    people = user_store.find_users([report.user_id, report.reporter_id])
    subject, reporter = people.get(report.user_id), people.get(report.reporter_id)
    context = {
        "subject_id": report.user_id,
        "subject_name": subject.name if subject else "Deleted user",
        "subject_role": subject.role if subject else "deleted",
        "reporter_id": report.reporter_id,
        "reporter_name": reporter.name if reporter else "Deleted user",
        "reason": report.reason,
        "details": report.details,
        "match_id": report.match_id,
        "distinct_reporters": len(subject.reported_by or ()) if subject else 0,
        "hidden": bool(subject and subject.hidden),
    }
    if send_once(f"report#{report.id}", "report", context, to=settings.operator, settings=settings) is None:
        return False
    logger.info("sent a report to the operator", extra={"report_id": report.id})
    return True


# --- programs --------------------------------------------------------------------------------------


def program_matched(program) -> int:
    """A program was matched: its organiser gets the numbers, and each mentee no mentor could take
    is told (the matched ones hear of their request, the mentors of theirs). How many were sent."""
    from .storage import programs as program_store

    members = program_store.members(program.id)
    paired = {pair.mentee_id for pair in program_store.pairs(program.id)}
    unmatched = [m.user_id for m in members if m.role == "mentee" and m.user_id not in paired]
    people = user_store.find_users([program.organiser_id, *unmatched])
    sent = notify(
        "updates", people.get(program.organiser_id), "match_update",
        {
            "headline": f"{program.name} is matched",
            "detail": f"{int(program.matched or 0)} mentees got a match request, {int(program.unmatched or 0)} "
                      "could not be matched with the mentors' free slots.",
            "reason": None, "page": f"programs/{program.id}",
        },
        key=f"program#{program.id}#matched#{program.organiser_id}",
    )
    for mentee_id in unmatched:
        sent += notify(
            "updates", people.get(mentee_id), "match_update",
            {
                "headline": f"{program.name} is matched, without a mentor for you this time",
                "detail": "No mentor of the program had a free slot that fits you. You can ask a mentor "
                          "yourself, or wait for the next free one of your framework on the waitlist.",
                "reason": None, "page": "suggestions",
            },
            key=f"program#{program.id}#unmatched#{mentee_id}",
        )
    return sent
