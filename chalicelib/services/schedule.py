"""The schedule: what is due now. Deployed, a scheduled Lambda function runs it every 15 minutes
(app.py); under `make run`, the local worker every SCHEDULE_SECONDS (scripts/local_stream.py).

- a request pending for REQUEST_EXPIRY_MINUTES (default 7 days) expires: the slot and the mentee's
  count are freed, the thread becomes read-only, `closed_by` is "system";
- a request still pending after 3 days reminds its mentor;
- unread messages in a thread its reader has not read for 15 minutes are emailed, once until read;
- a cohort program whose `closes_at` came is matched (services.programs), and one whose run
  stopped halfway is taken up again.

Everything due is found through the due index (storage.due), never by reading the table. Running
twice at once is safe: an expiry is a transition conditioned on the status (an accept racing it has
one winner), and each email is sent once (notifications.notify).
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from .. import clock, notifications
from ..config import request_expiry
from ..logs import logger
from ..storage import due as due_store
from ..storage import users as user_store
from ..storage.models import MatchItem, ThreadMembership

def run(now: datetime | None = None) -> Counter:
    """Do what is due at `now`; how many of each kind were done (and failed)."""
    moment = now or clock.now()
    done: Counter = Counter()
    for item in due_store.due_items(clock.iso(moment)):
        what = due_store.what_of(item)
        try:
            acted = _ACTIONS[what](item, moment)
        except Exception:  # one item's trouble never stops the others; it stays due for the next run
            logger.exception("a scheduled action failed", extra={"what": what})
            done[f"{what}-failed"] += 1
            continue
        done[what if acted else f"{what}-skipped"] += 1
    if done:
        logger.info("schedule ran", extra=dict(done))
    return done


def _expire(item: dict, now: datetime) -> bool:
    from . import matches  # matches builds on this module (it sets what is due)

    return matches.expire_request(MatchItem.from_raw_data(item), now)


def _remind(item: dict, now: datetime) -> bool:
    copy = MatchItem.from_raw_data(item)
    if copy.status == "pending":
        people = user_store.find_users([copy.mentee_id, copy.mentor_id])
        mentee = people.get(copy.mentee_id)
        days = max(1, (now - datetime.fromisoformat(copy.created_at)).days)
        notifications.notify(
            "reminders",
            people.get(copy.mentor_id),
            "request_reminder",
            {"other_name": mentee.name if mentee else "A mentee", "days": days,
             "expiry_days": notifications.expiry_days()},
            key=f"reminder#{copy.match_id}",
        )
    return due_store.settle(item)


def _unread(item: dict, now: datetime) -> bool:
    row = ThreadMembership.from_raw_data(item)
    owner = row.pk.partition("#")[2]
    if int(row.unread or 0) > 0:
        people = user_store.find_users([owner, row.other_id])
        other = people.get(row.other_id)
        last = row.last_message or {}
        notifications.notify(
            "messages",
            people.get(owner),
            "unread_messages",
            {
                "other_name": other.name if other else "Someone",
                "unread": int(row.unread),
                "preview": last.get("body") if last.get("sender_id") == row.other_id else None,
                "thread_id": row.thread_id,
            },
            key=f"unread#{row.thread_id}#{owner}#{item['gsi2sk']['S']}",
        )
    # Parked, not removed: more messages before it is read send no second email.
    return due_store.settle(item, park=int(row.unread or 0) > 0)


def _match_program(item: dict, now: datetime) -> bool:
    """A program whose `closes_at` came, or whose run stopped halfway."""
    from . import programs  # on first use: only a program's run imports the solver

    return programs.match_program(item["id"]["S"], now)


_ACTIONS = {due_store.EXPIRY: _expire, due_store.REMINDER: _remind, due_store.UNREAD: _unread,
            due_store.PROGRAM: _match_program}
