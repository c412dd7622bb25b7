"""Reconciliation runs: from the database to stored matches and transaction statuses.

A run, for one merchant as of one business day: record the run; load the open
remittances and the unclaimed bank entries; let the engine decide; store each automatic
match with its claims and evidence, the suggestions (replacing the open ones, never
proposing again one a person rejected), and why each entry and remittance stayed open;
recompute the statuses of every transaction not reconciled before (the day alone moves
`pending` to `to_review`: the daily job is a run); close the run with its counts.

`run_reconciliation` never commits: the caller's transaction makes a run all-or-nothing,
and since a run loads only what is still open, running again after a crash resumes from
what was committed. `reconcile_all` owns its transactions: one per merchant, and a failed
run recorded in its own.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Collection, Sequence
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session, sessionmaker

from pointage.core.errors import PointageError
from pointage.core.statuses import ReconciliationStatus
from pointage.db.base import utcnow
from pointage.db.session import unit_of_work
from pointage.matching.model import Proposal, Rule
from pointage.matching.settings import DEFAULT_SETTINGS, EngineSettings
from pointage.reconciliation import status
from pointage.reconciliation.models import MatchOrigin, RunStatus, RunTrigger
from pointage.reconciliation.repository import run_records as records
from pointage.reconciliation.repository import runs as queries
from pointage.reconciliation.repository import status as status_queries
from pointage.reconciliation.service import apply
from pointage.reconciliation.service.apply import Clues, Decision, Engine
from pointage.reconciliation.service.report import RecordedProposal, RunReport

log = logging.getLogger(__name__)

# The day runs reconcile as of when no one says: the French banks' day.
BANK_TIME_ZONE = ZoneInfo("Europe/Paris")


def business_today(now: datetime | None = None) -> date:
    """Today in the banks' time zone."""
    return (now or utcnow()).astimezone(BANK_TIME_ZONE).date()


def run_reconciliation(
    session: Session,
    *,
    merchant_id: int,
    trigger: RunTrigger,
    actor: str,
    today: date,
    dry_run: bool = False,
    settings: EngineSettings | None = None,
    engine: Engine | None = None,
    clues: Clues | None = None,
) -> RunReport:
    """Reconcile the merchant's open remittances and bank entries as of `today`; see the
    module docstring. A dry run computes the same report and writes nothing."""
    settings = settings or DEFAULT_SETTINGS
    if dry_run:
        decision = apply.decide(session, merchant_id, today, settings, engine=engine, clues=clues)
        return _dry_report(session, merchant_id, trigger, today, decision)
    queries.lock_merchant_runs(session, merchant_id)
    started = utcnow()
    run_id = records.insert_run(
        session,
        merchant_id=merchant_id,
        trigger=trigger.value,
        actor=actor,
        business_date=today,
        started_at=started,
    )
    decision = apply.decide(session, merchant_id, today, settings, engine=engine, clues=clues)
    report = _store(session, merchant_id, run_id, trigger, today, decision, started)
    records.finish_run(
        session,
        run_id,
        status=RunStatus.COMPLETED.value,
        finished_at=utcnow(),
        matched=report.matched,
        suggested=report.suggested,
        open_entries=report.open_entries,
        open_remittances=report.open_remittances,
        to_review=report.to_review,
    )
    return report


def _store(
    session: Session,
    merchant_id: int,
    run_id: int,
    trigger: RunTrigger,
    today: date,
    decision: Decision,
    at: datetime,
) -> RunReport:
    """Store the engine's decision and recompute the statuses; what the run did."""
    result = decision.result
    match_ids = apply.store_matches(session, merchant_id, run_id, result.matches, at)
    rejected = queries.rejected_claim_keys(session, merchant_id)
    suggestions, skipped = apply.fresh_suggestions(result.suggestions, rejected)
    suggestion_ids = apply.store_suggestions(session, merchant_id, run_id, suggestions, at)
    open_items = (*result.open_entries, *decision.reversals, *result.open_remittances)
    apply.store_open_items(session, run_id, open_items)
    statuses = _refresh_statuses(session, merchant_id, today, result.matches)
    return RunReport(
        run_id=run_id,
        merchant_id=merchant_id,
        trigger=trigger.value,
        business_date=today,
        dry_run=False,
        status=RunStatus.COMPLETED,
        matched=len(match_ids),
        suggested=len(suggestion_ids),
        open_entries=len(result.open_entries) + len(decision.reversals),
        open_remittances=len(result.open_remittances),
        to_review=statuses.get(ReconciliationStatus.TO_REVIEW.value, 0),
        skipped_rejected=skipped,
        remittance_statuses=statuses,
        matches=_recorded(match_ids, result.matches),
        suggestions=_recorded(suggestion_ids, suggestions),
        open_items=open_items,
    )


def _recorded(
    ids: Sequence[int | None], proposals: Sequence[Proposal]
) -> tuple[RecordedProposal, ...]:
    return tuple(RecordedProposal(i, p) for i, p in zip(ids, proposals, strict=True))


def _credited(matches: Sequence[Proposal]) -> dict[int, str | None]:
    """Remittance id → anomaly of the credit match that now pays it."""
    return {
        remittance_id: match.anomaly
        for match in matches
        if match.rule not in (Rule.COMMISSION_DEBIT, Rule.CHARGEBACK)
        for remittance_id in match.remittance_ids
    }


def _refresh_statuses(
    session: Session, merchant_id: int, today: date, matches: Sequence[Proposal]
) -> dict[str, int]:
    """Recompute the statuses of the transactions of every remittance not reconciled before
    this run (those it matched included) and the dispute flags of the payments it found
    taken back; how many remittances ended in each status."""
    remittances = queries.unreconciled_remittance_ids(session, merchant_id) | set(
        _credited(matches)
    )
    counts = status.refresh(session, today=today, remittance_ids=remittances)
    taken_back = {tid for m in matches if m.rule == Rule.CHARGEBACK for tid in m.transaction_ids}
    if taken_back:
        status.refresh_disputes(session, taken_back)
    return {state.value: count for state, count in sorted(counts.items())}


def _dry_report(
    session: Session, merchant_id: int, trigger: RunTrigger, today: date, decision: Decision
) -> RunReport:
    result = decision.result
    suggestions, skipped = apply.fresh_suggestions(
        result.suggestions, queries.rejected_claim_keys(session, merchant_id)
    )
    statuses = _projected_statuses(session, merchant_id, today, result.matches)
    return RunReport(
        run_id=None,
        merchant_id=merchant_id,
        trigger=trigger.value,
        business_date=today,
        dry_run=True,
        status=RunStatus.COMPLETED,
        matched=len(result.matches),
        suggested=len(suggestions),
        open_entries=len(result.open_entries) + len(decision.reversals),
        open_remittances=len(result.open_remittances),
        to_review=statuses.get(ReconciliationStatus.TO_REVIEW.value, 0),
        skipped_rejected=skipped,
        remittance_statuses=statuses,
        matches=_recorded([None] * len(result.matches), result.matches),
        suggestions=_recorded([None] * len(suggestions), suggestions),
        open_items=(*result.open_entries, *decision.reversals, *result.open_remittances),
    )


def _projected_statuses(
    session: Session, merchant_id: int, today: date, matches: Sequence[Proposal]
) -> dict[str, int]:
    """What `_refresh_statuses` would count, computed without writing anything."""
    credited = _credited(matches)
    remittances = queries.unreconciled_remittance_ids(session, merchant_id) | set(credited)
    counts: Counter[str] = Counter()
    for state in status_queries.remittance_states(session, remittances):
        if state.remittance_id in credited:
            projected = status.of_match(MatchOrigin.ENGINE.value, credited[state.remittance_id])
        else:
            projected = status.without_credit(
                state.expected_credit_minor,
                state.expected_credit_date,
                state.grace_business_days,
                today,
            )
        counts[projected.value] += 1
    return dict(sorted(counts.items()))


# -- every merchant, each in its own transaction ----------------------------------------------


def merchants_of_accounts(session: Session, account_ids: Collection[int]) -> list[int]:
    """The merchants owning these bank accounts (whom an import concerns)."""
    return queries.merchants_of_accounts(session, account_ids)


def merchants_of_contracts(session: Session, contract_numbers: Collection[str]) -> dict[str, int]:
    """Contract number → merchant (whom a capture batch concerns)."""
    return queries.merchants_of_contracts(session, contract_numbers)


def reconcile_all(
    session_factory: sessionmaker[Session],
    *,
    trigger: RunTrigger,
    actor: str,
    today: date,
    dry_run: bool = False,
    merchant_ids: Collection[int] | None = None,
    settings: EngineSettings | None = None,
    engine: Engine | None = None,
    clues: Clues | None = None,
) -> list[RunReport]:
    """Run reconciliation for these merchants (default: every merchant with a contract),
    one transaction each. A merchant whose run fails is rolled back, its failure recorded
    as a failed run in a transaction of its own and logged; the others go on. Nothing is
    raised for a failed run: its report says `failed` and why."""
    if merchant_ids is None:
        with unit_of_work(session_factory) as session:
            merchant_ids = queries.merchants_with_contracts(session)
    reports = []
    for merchant_id in sorted(set(merchant_ids)):
        try:
            with unit_of_work(session_factory) as session:
                report = run_reconciliation(
                    session,
                    merchant_id=merchant_id,
                    trigger=trigger,
                    actor=actor,
                    today=today,
                    dry_run=dry_run,
                    settings=settings,
                    engine=engine,
                    clues=clues,
                )
                if dry_run:
                    session.rollback()  # nothing was written; say so to the database too
        except Exception as exc:
            log.exception("reconciliation run of merchant %s failed", merchant_id)
            report = _record_failure(
                session_factory, merchant_id, trigger, actor, today, dry_run, exc
            )
        reports.append(report)
    return reports


def failure_sentence(exc: Exception) -> str:
    """Why a run failed, for the people who read runs: a domain error's own sentence; for
    anything else only its kind (the details, which may show internals, go to the log)."""
    if isinstance(exc, PointageError):
        return exc.message
    return f"unexpected error ({type(exc).__name__}); the details are in the server log"


def _record_failure(
    session_factory: sessionmaker[Session],
    merchant_id: int,
    trigger: RunTrigger,
    actor: str,
    today: date,
    dry_run: bool,
    exc: Exception,
) -> RunReport:
    sentence = failure_sentence(exc)
    run_id = None
    if not dry_run:
        try:
            with unit_of_work(session_factory) as session:
                run_id = records.insert_run(
                    session,
                    merchant_id=merchant_id,
                    trigger=trigger.value,
                    actor=actor,
                    business_date=today,
                    started_at=utcnow(),
                    status=RunStatus.FAILED,
                    error=sentence,
                )
        except Exception:
            # The database itself may be what failed: the log keeps the failure then.
            log.exception("the failed run of merchant %s could not be recorded", merchant_id)
    return RunReport(
        run_id=run_id,
        merchant_id=merchant_id,
        trigger=trigger.value,
        business_date=today,
        dry_run=dry_run,
        status=RunStatus.FAILED,
        error=sentence,
    )
