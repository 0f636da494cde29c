"""Cohort programs: the program, its join code, members, the pairs it matched, and each user's
own list of their programs (see services.programs)."""

from __future__ import annotations

from botocore.exceptions import ClientError

from . import db, due, keys, paging, transactions
from .models import JoinCode, ProgramItem, ProgramLink, ProgramMember, ProgramPair

class NotOpen(Exception):
    """The program is no longer open (matching or matched)."""


class AlreadyMember(Exception):
    """The user is a member already."""


def program_key(program_id: str) -> tuple[str, str]:
    return keys.program(program_id), keys.PROGRAM


def member_key(program_id: str, user_id: str) -> tuple[str, str]:
    return keys.program(program_id), keys.member(user_id)


def join_code_key(code: str) -> tuple[str, str]:
    return keys.join_code(code), keys.JOIN


def program_of(found: dict, program_id: str) -> ProgramItem | None:
    item = found.get(program_key(program_id))
    return ProgramItem.from_raw_data(item) if item is not None else None


def member_of(found: dict, program_id: str, user_id: str) -> ProgramMember | None:
    item = found.get(member_key(program_id, user_id))
    return ProgramMember.from_raw_data(item) if item is not None else None


def find_program(program_id: str, *, consistent: bool = False) -> ProgramItem | None:
    item = db.get_item(*program_key(program_id), consistent=consistent)
    return ProgramItem.from_raw_data(item) if item is not None else None


def due_at(closes_at: str, program_id: str) -> dict[str, str]:
    return due.attributes(closes_at, due.PROGRAM, program_id)


def create(program: ProgramItem, link: ProgramLink) -> bool:
    """Store a new program with its join code (False when the code is taken: draw another)."""

    def build(tx: transactions.Transaction):
        tx.put_new(program)
        tx.put_new(JoinCode(*join_code_key(program.join_code), program_id=program.id, name=program.name))
        tx.put_new(link)

    try:
        transactions.write(build)
    except transactions.TransactionCancelled as cancelled:
        if cancelled.failed_on(keys.join_code(program.join_code)):
            return False
        raise
    return True


def find_code(code: str) -> JoinCode | None:
    item = db.get_item(*join_code_key(code))
    return JoinCode.from_raw_data(item) if item is not None else None


def _counter(role: str):
    return ProgramItem.mentors if role == "mentor" else ProgramItem.mentees


def join(program_id: str, member: ProgramMember, link: ProgramLink) -> None:
    """Add a member, counting them on the program, while it is open."""

    def build(tx: transactions.Transaction):
        tx.put_new(member)
        tx.put_new(link)
        tx.update(ProgramItem(*program_key(program_id)), [_counter(member.role).add(1)],
                  condition=ProgramItem.status == "open")

    try:
        transactions.write(build)
    except transactions.TransactionCancelled as cancelled:
        if cancelled.failed_on(member.pk, member.sk):
            raise AlreadyMember() from None
        if cancelled.failed_on(*program_key(program_id)):
            raise NotOpen() from None
        raise


def leave(program_id: str, member: ProgramMember) -> None:
    """Remove a member while the program is open."""

    def build(tx: transactions.Transaction):
        tx.delete(ProgramMember(member.pk, member.sk), condition=ProgramMember.pk.exists())
        tx.delete(ProgramLink(keys.user(member.user_id), keys.program_link(program_id, "member")))
        tx.update(ProgramItem(*program_key(program_id)), [_counter(member.role).add(-1)],
                  condition=ProgramItem.status == "open")

    try:
        transactions.write(build)
    except transactions.TransactionCancelled as cancelled:
        if cancelled.failed_on(*program_key(program_id)):
            raise NotOpen() from None
        if cancelled.failed:
            raise transactions.Retry() from None  # left meanwhile: the caller reads again
        raise


def members(program_id: str) -> list[ProgramMember]:
    items = db.query_all(
        KeyConditionExpression="pk = :pk AND begins_with(sk, :prefix)",
        ExpressionAttributeValues={":pk": {"S": keys.program(program_id)}, ":prefix": {"S": keys.MEMBER_PREFIX}},
    )
    return [ProgramMember.from_raw_data(item) for item in items]


def pairs(program_id: str) -> list[ProgramPair]:
    items = db.query_all(
        KeyConditionExpression="pk = :pk AND begins_with(sk, :prefix)",
        ExpressionAttributeValues={":pk": {"S": keys.program(program_id)},
                                   ":prefix": {"S": keys.PROGRAM_PAIR_PREFIX}},
    )
    return [ProgramPair.from_raw_data(item) for item in items]


def page_of_pairs(program_id: str, limit: int, start_key: dict | None) -> tuple[list[ProgramPair], dict | None]:
    page = paging.fetch_page(
        key_condition="pk = :pk AND begins_with(sk, :prefix)",
        values={":pk": {"S": keys.program(program_id)}, ":prefix": {"S": keys.PROGRAM_PAIR_PREFIX}},
        limit=limit,
        start_key=start_key,
    )
    return [ProgramPair.from_raw_data(item) for item in page.items], page.next_key


def claim_for_matching(program_id: str, now: str, stale_before: str, again_at: str) -> bool:
    """Move the program to "matching" (from open, or from a run that started before
    `stale_before` and never finished), due again at `again_at` in case this run stops halfway.
    Of two racing claims one wins."""
    try:
        db.update_item(
            Key=db.key(*program_key(program_id)),
            UpdateExpression="SET #status = :matching, matching_since = :now, gsi2pk = :shard, gsi2sk = :due",
            ConditionExpression="#status = :open OR (#status = :matching AND matching_since < :stale)",
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues={
                ":matching": {"S": "matching"}, ":open": {"S": "open"}, ":now": {"S": now},
                ":stale": {"S": stale_before},
                ":shard": {"S": keys.due_shard(program_id)},
                ":due": {"S": keys.due_sort(again_at, due.PROGRAM, program_id)},
            },
        )
    except ClientError as error:
        if db.is_condition_failure(error):
            return False
        raise
    return True


def finish(program_id: str, now: str, matched: int, unmatched: int, total_score: int) -> None:
    """The program is matched: its numbers, and nothing due any more (a run that finished first
    wrote the same numbers: they are counted from the pairs)."""
    try:
        _finish(program_id, now, matched, unmatched, total_score)
    except ClientError as error:
        if not db.is_condition_failure(error):
            raise


def _finish(program_id: str, now: str, matched: int, unmatched: int, total_score: int) -> None:
    db.update_item(
        Key=db.key(*program_key(program_id)),
        UpdateExpression="SET #status = :matched, matched_at = :now, matched = :n, unmatched = :u, "
                         "total_score = :s REMOVE gsi2pk, gsi2sk, matching_since",
        ConditionExpression="#status = :matching",
        ExpressionAttributeNames={"#status": "status"},
        ExpressionAttributeValues={
            ":matched": {"S": "matched"}, ":matching": {"S": "matching"}, ":now": {"S": now},
            ":n": {"N": str(matched)}, ":u": {"N": str(unmatched)}, ":s": {"N": str(total_score)},
        },
    )


def links_of(user_id: str) -> list[ProgramLink]:
    """The user's programs (organised or joined)."""
    items = db.query_all(
        KeyConditionExpression="pk = :pk AND begins_with(sk, :prefix)",
        ExpressionAttributeValues={":pk": {"S": keys.user(user_id)}, ":prefix": {"S": keys.PROGRAM_LINK_PREFIX}},
    )
    return [ProgramLink.from_raw_data(item) for item in items]


def programs_by_id(program_ids: list[str]) -> dict[str, ProgramItem]:
    found = db.get_items(program_key(pid) for pid in program_ids)
    return {item["id"]["S"]: ProgramItem.from_raw_data(item) for item in found.values()}

