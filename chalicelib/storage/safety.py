"""Blocks and reports: their items, and the transactions that keep them with the profiles."""

from __future__ import annotations

from . import db, directory, keys, transactions
from .matches import save_user_changes
from .models import BlockItem, ReportItem, UserItem


def block_item(blocker: UserItem, blocked: UserItem, created_at: str) -> BlockItem:
    return BlockItem(keys.user(blocker.id), keys.block(blocked.id), user_id=blocked.id, name=blocked.name,
                     created_at=created_at)


def save_block(users_before: list[UserItem], users_after: list[UserItem], *, put: BlockItem | None = None,
               delete: tuple[str, str] | None = None) -> None:
    """Save the users' changed blocks (conditioned on the versions read) and put or delete the
    block's own item, in one transaction. Raises transactions.Retry when a user changed."""

    def build(tx: transactions.Transaction):
        for after in users_after:
            save_user_changes(tx, after)
        for before, after in zip(users_before, users_after):
            if before.role == "mentor":
                directory.sync(tx, before, after)
        if put is not None:
            tx.save(put)
        if delete is not None:
            tx.delete(BlockItem(*delete))

    try:
        transactions.write(build)
    except transactions.TransactionCancelled as cancelled:
        if cancelled.failed:
            raise transactions.Retry() from None
        raise


def blocks_of(user_id: str) -> list[BlockItem]:
    """The user's blocks, in one Query (they sort just before the match copies)."""
    items = db.query_all(
        KeyConditionExpression="pk = :pk AND begins_with(sk, :prefix)",
        ExpressionAttributeValues={":pk": {"S": keys.user(user_id)}, ":prefix": {"S": keys.BLOCK_PREFIX}},
    )
    return [BlockItem.from_raw_data(item) for item in items]


# --- reports --------------------------------------------------------------------------------------


def new_report(*, report_id: str, subject_id: str, reporter_id: str, match_id: str | None, reason: str,
               details: str | None, created_at: str) -> ReportItem:
    """A report, queued for the operator (gsi1 under REPORTS, oldest first)."""
    return ReportItem(
        keys.reports(subject_id), report_id,
        id=report_id, user_id=subject_id, reporter_id=reporter_id, match_id=match_id, reason=reason,
        details=details, created_at=created_at,
        gsi1pk=keys.REPORT_QUEUE, gsi1sk=f"{created_at}#{report_id}",
    )


def put_report(report: ReportItem) -> None:
    """Store a report that changes nothing else (its author reported this user before)."""
    transactions.write(lambda tx: tx.put_new(report))


def open_reports() -> list[ReportItem]:
    """Every report no operator acted on yet, oldest first (the queue is small: reports wait
    for an operator, who clears them)."""
    items = db.query_all(
        IndexName="gsi1",
        KeyConditionExpression="gsi1pk = :queue",
        ExpressionAttributeValues={":queue": {"S": keys.REPORT_QUEUE}},
    )
    return [ReportItem.from_raw_data(item) for item in items]


def reports_about(user_id: str) -> list[ReportItem]:
    items = db.query_all(
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": keys.reports(user_id)}},
    )
    return [ReportItem.from_raw_data(item) for item in items]


def resolve_reports(reports: list[ReportItem], resolution: str) -> None:
    """Mark reports resolved and take them out of the operator's queue."""
    for report in reports:
        transactions.write(lambda tx, report=report: tx.set_values(
            ReportItem, report.pk, report.sk, {"resolution": resolution, "gsi1pk": None, "gsi1sk": None},
            must_exist=True,
        ))


def sessions_of(user_id: str) -> list[tuple[str, str]]:
    """The keys of the user's sessions."""
    items = db.query_all(
        KeyConditionExpression="pk = :pk AND begins_with(sk, :prefix)",
        ExpressionAttributeValues={":pk": {"S": keys.user(user_id)}, ":prefix": {"S": keys.SESSION_PREFIX}},
        ProjectionExpression="pk, sk",
    )
    return [(item["pk"]["S"], item["sk"]["S"]) for item in items]


def end_sessions(user_id: str) -> None:
    db.delete_items(sessions_of(user_id))

