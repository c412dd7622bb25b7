"""What a reconciliation run writes: its row, its matches and their claims, suggestions and
open items; one bulk statement per table, on the session's connection, inside the caller's
transaction (a failure rolls every row back with the rest)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import insert, update
from sqlalchemy.orm import Session

from pointage.core.errors import Conflict
from pointage.db.bulk import insert_rows
from pointage.reconciliation.models import (
    Match,
    MatchEntry,
    ReconciliationRun,
    RunStatus,
    Suggestion,
    SuggestionStatus,
)


def insert_run(
    session: Session,
    *,
    merchant_id: int,
    trigger: str,
    actor: str,
    business_date: date,
    started_at: datetime,
    status: RunStatus = RunStatus.RUNNING,
    error: str | None = None,
) -> int:
    finished = started_at if status is not RunStatus.RUNNING else None
    result = session.execute(
        insert(ReconciliationRun).returning(ReconciliationRun.id),
        [
            {
                "merchant_id": merchant_id,
                "trigger": trigger,
                "actor": actor,
                "dry_run": False,
                "status": status.value,
                "business_date": business_date,
                "started_at": started_at,
                "finished_at": finished,
                "matched": 0,
                "suggested": 0,
                "open_entries": 0,
                "open_remittances": 0,
                "to_review": 0,
                "error": error,
            }
        ],
    )
    return int(result.scalar_one())


def finish_run(session: Session, run_id: int, **counts: int | str | datetime) -> None:
    """Record the run's counts and close it (status, finished_at among `counts`)."""
    session.execute(
        update(ReconciliationRun)
        .where(ReconciliationRun.id == run_id)
        .values(**counts)
        .execution_options(synchronize_session=False)
    )


def insert_matches(session: Session, rows: Sequence[dict[str, Any]]) -> list[int]:
    """Insert the matches (dicts of Match columns); their ids, in the order given."""
    if not rows:
        return []
    result = session.execute(
        insert(Match).returning(Match.id, sort_by_parameter_order=True), list(rows)
    )
    return [int(key) for key in result.scalars()]


def _already_claimed(message: str) -> Exception:
    # The partial unique indexes refuse a second active claim: the run must not go on.
    first = message.splitlines()[0] if message else "unique index"
    return Conflict(f"a bank entry, remittance or transaction is already claimed ({first})")


def insert_claims(
    session: Session,
    *,
    entries: Sequence[tuple[int, int, str]],
    remittances: Sequence[tuple[int, int, str]],
    transactions: Sequence[tuple[int, int, str]],
) -> None:
    """Insert active claim links, each (match id, claimed id, role)."""
    for table, column, rows in (
        (MatchEntry.__tablename__, "entry_id", entries),
        ("reconciliation_match_remittance", "remittance_id", remittances),
        ("reconciliation_match_transaction", "transaction_id", transactions),
    ):
        insert_rows(
            session,
            table,
            ("match_id", column, "role", "active"),
            [(match_id, claimed, role, True) for match_id, claimed, role in rows],
            duplicate=_already_claimed,
        )


def supersede_open_suggestions(session: Session, merchant_id: int, at: datetime) -> int:
    result = session.execute(
        update(Suggestion)
        .where(
            Suggestion.merchant_id == merchant_id,
            Suggestion.status == SuggestionStatus.OPEN.value,
        )
        .values(status=SuggestionStatus.SUPERSEDED.value, decided_at=at, decided_by="engine")
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def insert_suggestions(session: Session, rows: Sequence[dict[str, Any]]) -> list[int]:
    if not rows:
        return []
    result = session.execute(
        insert(Suggestion).returning(Suggestion.id, sort_by_parameter_order=True), list(rows)
    )
    return [int(key) for key in result.scalars()]


def insert_open_items(
    session: Session, run_id: int, items: Iterable[tuple[str, int, str, str]]
) -> None:
    """Insert why each entry or remittance stayed open: (kind, id, reason, detail)."""
    insert_rows(
        session,
        "reconciliation_open_item",
        ("run_id", "kind", "object_id", "reason", "detail"),
        [(run_id, kind, object_id, reason, detail) for kind, object_id, reason, detail in items],
        duplicate=RuntimeError,  # open items have no unique constraint
    )
