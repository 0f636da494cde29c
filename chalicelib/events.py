"""The table's change stream: what follows a write, off the request path.

Deployed, Lambda delivers the stream's records to the `on_table_change` function (app.py); under
`make run` and in the tests, scripts/local_stream.py reads DynamoDB Local's stream and hands the
same records to `handle`. A record that fails is reported back (Powertools' partial batch
response): Lambda retries the batch from the first failed record on, so the records before it are
not sent again (those after it may be: a batch holds at most 10). Records are kept up to a day
(the stream's retention: a waitlist offer or a report must not be lost); a link that expired
before its record came is not emailed.

What follows a change:
- a new sign-in link with an account: the sign-in email, or the verification email at registration
  and on an email change. The link's secret and code are derived again from its id
  (chalicelib.links): the stored item holds only their hashes;
- a match copy written: its owner's notification, if any (chalicelib.notifications);
- a mentor's free slots growing, or a new waitlist entry: offers from the waitlist
  (chalicelib.services.waitlist);
- a new report of a user: the operator's email (OPERATOR_EMAIL);
- a program matched: its organiser's summary, and an email to each mentee it could not match.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord

from . import clock, links
from .logs import logger
from .storage.models import MatchItem, SignInLink

_TEMPLATES = {"sign-in": "sign_in", "verify": "verify_email"}
_processor = BatchProcessor(event_type=EventType.DynamoDBStreams)


def handle(event: dict[str, Any]) -> dict[str, Any]:
    """Process a batch of stream records (Lambda's event); `{"batchItemFailures": [...]}`."""
    return process_partial_response(event=event, record_handler=_handle_record, processor=_processor)


def _handle_record(record: DynamoDBRecord) -> None:
    change = record.raw_event.get("dynamodb", {})
    new, old = change.get("NewImage"), change.get("OldImage")
    if new is None:
        return  # a deletion: nothing follows from one
    kind = new.get("kind", {}).get("S")
    if kind == "link" and old is None:
        send_link(SignInLink.from_raw_data(new))
    elif kind == "match":
        from . import notifications

        notifications.on_match_change(MatchItem.from_raw_data(old) if old else None, MatchItem.from_raw_data(new))
    elif kind in ("user", "waitlist"):
        _offer_from_waitlist(kind, new, old)
    elif kind == "program" and new.get("status", {}).get("S") == "matched" and (
            old is None or old.get("status", {}).get("S") != "matched"):
        from . import notifications
        from .storage.models import ProgramItem

        notifications.program_matched(ProgramItem.from_raw_data(new))
    elif kind == "report" and old is None:
        from . import notifications
        from .storage.models import ReportItem

        notifications.report_received(ReportItem.from_raw_data(new))


def _offer_from_waitlist(kind: str, new: dict, old: dict | None) -> None:
    """A mentor's free slots grew (registered, raised capacity, started accepting, a match closed):
    offer them to the waitlist. A new waitlist entry: a mentor may have a free slot already."""
    from .services import waitlist
    from .storage.models import UserItem, WaitlistEntry

    if kind == "user":
        after = UserItem.from_raw_data(new)
        if after.role == "mentor" and waitlist.free_slots(after) > waitlist.free_slots(
                UserItem.from_raw_data(old) if old else None):
            waitlist.offer_to(after.id)
    elif old is None:
        waitlist.offer_for(WaitlistEntry.from_raw_data(new).framework)


def send_link(link: SignInLink) -> str | None:
    """Email a new link to its address (nothing for an address without an account); the id sent under."""
    if link.expires_at <= clock.now().timestamp():
        logger.info("a sign-in link expired before its email could go", extra={"link_id": link.id})
        return None  # worthless now; the person asks for another
    if link.user_id is None:
        return None  # no account: nothing is sent
    from .notifications import send_once

    digest = link.pk.partition("#")[2]
    sent_as = send_once(
        f"link#{link.id}", _TEMPLATES[link.purpose],
        {"link_token": links.token_of(digest, link.id), "code": links.code_of(link.id)}, to=link.email,
    )
    if sent_as is None:
        return None  # sent already (the stream delivered the insertion twice)
    logger.info("sent a sign-in email", extra={"purpose": link.purpose, "link_id": link.id, "sent_as": sent_as})
    return sent_as
