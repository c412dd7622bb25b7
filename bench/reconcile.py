"""Benchmark: automatic reconciliation of a large merchant, against the pandas merge a user
would otherwise script, on the same data, with the accuracy of each against the truth.

    .venv/bin/python bench/reconcile.py        # 1,000,000 transactions, 20,000 remittances,
                                               # 25,000 bank entries
    .venv/bin/python bench/reconcile.py --transactions 3000 --remittances 120 --entries 200

The data (bench/reconcile_data.py, one seed) is written into a fresh migrated SQLite
database (bench/reconcile_store.py): shops, accounts and contracts through the services,
remittances and payments by bulk insert, the bank lines as one CFONB 120 file per account
through the statement import. Then, in one run:

  (a) the engine alone: `pointage.matching.engine.reconcile` on an EngineInput built from
      the generated values (chargeback candidates looked up as a run does). Target < 5 s.
      Its memory: the tracemalloc peak of a second, traced call.
  (b) the whole run, database to persisted statuses: `run_reconciliation` and the commit,
      in a fresh process so that its peak RSS is its own. Target < 30 s on SQLite.
  (c) the baseline: pandas, remittances merged with the bank's credits on (account, amount),
      pairs kept within 3 calendar days of the expected credit date, one-to-one by nearest
      date.

Each is timed by the wall clock (the targets) and by the CPU time of its process, which
says what the code costs when other work shares the machine.

Accuracy against the generator's truth: an automatic match is correct when the remittances,
fees and payment it claims are exactly those its bank lines pay; precision is correct /
automatic matches, credit recall the share of the remittance credit lines a correct match
claims.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
import tracemalloc
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import date
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import pandas as pd
from reconcile_data import CREDIT_KINDS, BenchData, GenLine, generate
from reconcile_store import Stored, write
from sqlalchemy import select
from sqlalchemy.orm import Session

from pointage.db.migrate import upgrade
from pointage.db.session import make_engine, make_session_factory, unit_of_work
from pointage.matching.chargebacks import chargeback_clues
from pointage.matching.engine import reconcile
from pointage.matching.model import (
    BankMovement,
    EngineInput,
    ExpectedCredit,
    FeeSchedule,
    Proposal,
    Rule,
)
from pointage.matching.settings import DEFAULT_SETTINGS
from pointage.payment.models import Transaction
from pointage.reconciliation.models import (
    ClaimRole,
    Match,
    MatchEntry,
    MatchOrigin,
    MatchRemittance,
    MatchTransaction,
)
from pointage.reconciliation.repository.runs import chargeback_candidates

ENGINE_TARGET_SECONDS = 5.0
RUN_TARGET_SECONDS = 30.0
DATE_TOLERANCE_DAYS = 3
SEED = 2026


@dataclass(frozen=True, slots=True)
class Claim:
    """An automatic match as the accuracy sees it: lines, and what it says they pay."""

    entries: frozenset[int]
    credits: frozenset[int] = frozenset()  # remittance ids
    fees: frozenset[int] = frozenset()
    chargebacks: frozenset[int] = frozenset()  # transaction ids


@dataclass(frozen=True, slots=True)
class Accuracy:
    matches: int
    correct: int
    credit_lines: int
    credits_found: int
    by_kind: dict[str, tuple[int, int]]  # kind -> (lines, found by a correct match)

    @property
    def precision(self) -> float:
        return self.correct / self.matches if self.matches else 1.0

    @property
    def recall(self) -> float:
        return self.credits_found / self.credit_lines if self.credit_lines else 1.0


class Truth:
    """What the generator knows, keyed by database ids."""

    def __init__(self, data: BenchData, taken_back: dict[str, int]) -> None:
        self.lines: dict[int, GenLine] = {line.id: line for line in data.lines}
        self.remittance_ids = [r.id for r in data.remittances]
        self.taken_back = taken_back  # uuid -> transaction id

    def is_correct(self, claim: Claim) -> bool:
        credits: set[int] = set()
        fees: set[int] = set()
        chargebacks: set[int] = set()
        for entry_id in claim.entries:
            line = self.lines.get(entry_id)
            if line is None or line.kind not in (*CREDIT_KINDS, "commission_debit", "chargeback"):
                return False
            credits.update(self.remittance_ids[i] for i in line.remittances)
            fees.update(self.remittance_ids[i] for i in line.fees)
            if line.chargeback is not None:
                chargebacks.add(self.taken_back[line.chargeback.uuid])
        return (claim.credits, claim.fees, claim.chargebacks) == (credits, fees, chargebacks)

    def accuracy(self, claims: Iterable[Claim]) -> Accuracy:
        claims = list(claims)
        right = [claim for claim in claims if self.is_correct(claim)]
        found = {entry_id for claim in right for entry_id in claim.entries}
        by_kind: dict[str, tuple[int, int]] = {}
        for line in self.lines.values():
            total, hits = by_kind.get(line.kind, (0, 0))
            by_kind[line.kind] = (total + 1, hits + (line.id in found))
        credit_lines = [line for line in self.lines.values() if line.kind in CREDIT_KINDS]
        return Accuracy(
            matches=len(claims),
            correct=len(right),
            credit_lines=len(credit_lines),
            credits_found=sum(1 for line in credit_lines if line.id in found),
            by_kind=by_kind,
        )


def claim_of(proposal: Proposal) -> Claim:
    remittances = frozenset(proposal.remittance_ids)
    fee = proposal.rule == Rule.COMMISSION_DEBIT
    return Claim(
        entries=frozenset(proposal.entry_ids),
        credits=frozenset() if fee else remittances,
        fees=remittances if fee else frozenset(),
        chargebacks=frozenset(proposal.transaction_ids),
    )


# -- (a) the engine alone -----------------------------------------------------------------------


def expected_credits(data: BenchData, stored: Stored) -> list[ExpectedCredit]:
    out = []
    for r in data.remittances:
        contract = data.contracts[r.contract]
        gross = contract.settlement == "gross"
        out.append(
            ExpectedCredit(
                id=r.id,
                account_id=stored.account_ids[contract.account],
                account_currency="EUR",
                bank_code=("30004", "10278")[contract.account],
                contract_number=contract.number,
                number=r.number,
                remittance_date=r.day,
                currency=r.currency,
                payment_count=r.count - r.refund_count,
                refund_count=r.refund_count,
                gross_minor=r.gross,
                refunds_minor=r.refunds,
                fee_minor=r.fee,
                net_minor=r.net,
                expected_credit_minor=r.expected,
                expected_credit_date=r.expected_date,
                settlement_mode=contract.settlement,
                fee_schedule=FeeSchedule(contract.fee_bp, contract.fee_fixed),
                awaiting_credit=r.expected != 0,
                awaiting_fee_debit=gross and r.fee > 0,
            )
        )
    return out


def movements(data: BenchData, stored: Stored) -> list[BankMovement]:
    out = []
    for line in sorted(data.lines, key=lambda line: line.id):
        references = {}
        if line.entry_number is not None:
            references["entry_number"] = line.entry_number
        if line.reference is not None:
            references["reference"] = line.reference
        out.append(
            BankMovement(
                id=line.id,
                account_id=stored.account_ids[line.account],
                bank_code=("30004", "10278")[line.account],
                amount_minor=line.amount,
                currency="EUR",
                value_date=line.value_date,
                booking_date=line.day,
                label=line.label,
                bank_operation_code=line.code,
                references=references,
                details=line.details,
                record=line.record,
                file_id=line.file_id,
            )
        )
    return out


def engine_input(session: Session, data: BenchData, stored: Stored) -> EngineInput:
    entries = movements(data, stored)
    clues = chargeback_clues(entries, DEFAULT_SETTINGS)
    payments = chargeback_candidates(
        session, stored.merchant_id, clues, DEFAULT_SETTINGS.chargeback_max_age_days
    )
    return EngineInput(
        remittances=expected_credits(data, stored),
        entries=entries,
        payments=payments,
        today=data.last_day,
    )


def traced_peak_mib(data: EngineInput) -> float:
    tracemalloc.start()
    try:
        reconcile(data, DEFAULT_SETTINGS)
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


# -- (b) the whole run, in a process of its own --------------------------------------------------


def whole_run(url: str, merchant_id: int, today: date) -> dict[str, Any]:
    """run_reconciliation + commit; seconds and peak RSS of this (fresh) process."""
    from pointage.reconciliation.models import RunTrigger
    from pointage.reconciliation.service.run import run_reconciliation

    before = peak_rss_mib()
    engine = make_engine(url)
    started, cpu = time.perf_counter(), time.process_time()
    with unit_of_work(make_session_factory(engine)) as session:
        report = run_reconciliation(
            session, merchant_id=merchant_id, trigger=RunTrigger.CLI, actor="bench", today=today
        )
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    engine.dispose()
    peak = peak_rss_mib()
    return {
        "seconds": seconds,
        "cpu": cpu,
        "rss_peak_mib": peak,
        "rss_growth_mib": peak - before,
        "matched": report.matched,
        "suggested": report.suggested,
        "statuses": dict(report.remittance_statuses),
    }


def stored_claims(session: Session, merchant_id: int) -> list[Claim]:
    """The automatic matches the run persisted, read back from the database."""
    in_force = (
        Match.merchant_id == merchant_id,
        Match.origin == MatchOrigin.ENGINE.value,
        Match.reversed_at.is_(None),
    )
    entries: dict[int, set[int]] = {}
    for match_id, entry_id in session.execute(
        select(Match.id, MatchEntry.entry_id).join(MatchEntry).where(*in_force)
    ):
        entries.setdefault(match_id, set()).add(entry_id)
    remittances: dict[tuple[int, str], set[int]] = {}
    for match_id, role, remittance_id in session.execute(
        select(Match.id, MatchRemittance.role, MatchRemittance.remittance_id)
        .join(MatchRemittance)
        .where(*in_force)
    ):
        remittances.setdefault((match_id, role), set()).add(remittance_id)
    taken: dict[int, set[int]] = {}
    for match_id, transaction_id in session.execute(
        select(Match.id, MatchTransaction.transaction_id)
        .join(MatchTransaction)
        .where(*in_force, MatchTransaction.role == ClaimRole.CHARGEBACK.value)
    ):
        taken.setdefault(match_id, set()).add(transaction_id)
    return [
        Claim(
            entries=frozenset(ids),
            credits=frozenset(remittances.get((match_id, ClaimRole.CREDIT.value), ())),
            fees=frozenset(remittances.get((match_id, ClaimRole.FEE.value), ())),
            chargebacks=frozenset(taken.get(match_id, ())),
        )
        for match_id, ids in entries.items()
    ]


# -- (c) the baseline: a pandas merge -----------------------------------------------------------


def pandas_baseline(data: BenchData) -> list[Claim]:
    """What a user scripts: same account and amount, value date within a few days of the
    expected one, each remittance and each bank credit used once, nearest date first."""
    contracts = data.contracts
    remittances = pd.DataFrame(
        {
            "remittance_id": [r.id for r in data.remittances],
            "account": [contracts[r.contract].account for r in data.remittances],
            "amount": [r.expected for r in data.remittances],
            "expected": pd.to_datetime([r.expected_date for r in data.remittances]),
        }
    )
    credits = [line for line in data.lines if line.amount > 0]
    entries = pd.DataFrame(
        {
            "entry_id": [line.id for line in credits],
            "account": [line.account for line in credits],
            "amount": [line.amount for line in credits],
            "value_date": pd.to_datetime([line.value_date for line in credits]),
        }
    )
    pairs = remittances.merge(entries, on=["account", "amount"])
    pairs["gap"] = (pairs["value_date"] - pairs["expected"]).dt.days.abs()
    pairs = pairs[pairs["gap"] <= DATE_TOLERANCE_DAYS].sort_values(
        ["gap", "remittance_id", "entry_id"]
    )
    pairs = pairs.drop_duplicates("entry_id").drop_duplicates("remittance_id")
    return [
        Claim(entries=frozenset({int(e)}), credits=frozenset({int(r)}))
        for e, r in zip(pairs["entry_id"], pairs["remittance_id"], strict=True)
    ]


# -- the run ------------------------------------------------------------------------------------


def timed(action: Any) -> tuple[float, float, Any]:
    """Wall-clock and CPU seconds of `action()`, and its result. On a busy machine the CPU
    time says what the code costs, the wall time what it took."""
    started, cpu = time.perf_counter(), time.process_time()
    result = action()
    return time.perf_counter() - started, time.process_time() - cpu, result


def percent(ratio: float) -> str:
    return f"{ratio * 100:6.2f} %"


def row(
    label: str, clock: tuple[float, float], matched: int, suggested: str, accuracy: Accuracy
) -> str:
    return (
        f"  {label:<26} {clock[0]:8.2f} s {clock[1]:8.2f} s {matched:>9,} {suggested:>10} "
        f"{percent(accuracy.precision):>10} {percent(accuracy.recall):>10}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--transactions", type=int, default=1_000_000)
    parser.add_argument("--remittances", type=int, default=20_000)
    parser.add_argument("--entries", type=int, default=25_000, help="bank lines at least")
    parser.add_argument("--database", type=Path, help="SQLite file to create (default: temp)")
    args = parser.parse_args()
    if args.database is not None and args.database.exists():
        raise SystemExit(f"{args.database} exists: give a path for a new database")
    # The whole run's process is started now, while this one is small: Linux keeps a
    # process's peak RSS across fork and exec, so a process started later would inherit
    # the generator's peak as its own.
    with (
        ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn")) as pool,
        tempfile.TemporaryDirectory() as workdir,
    ):
        pool.submit(peak_rss_mib).result()
        path = args.database or Path(workdir) / "reconcile.db"
        measure(args, f"sqlite:///{path}", pool)


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(args: argparse.Namespace, url: str, pool: ProcessPoolExecutor) -> None:
    made, _cpu, data = timed(
        lambda: generate(SEED, args.transactions, args.remittances, args.entries)
    )
    upgrade(url)
    database = make_engine(url)
    with unit_of_work(make_session_factory(database)) as session:
        written, _cpu, stored = timed(lambda: write(session, data))
    kinds: dict[str, int] = {}
    for line in data.lines:
        kinds[line.kind] = kinds.get(line.kind, 0) + 1
    print(
        f"{args.transactions:,} transactions in {len(data.remittances):,} remittances "
        f"({len(data.contracts)} contracts, {data.shops} shops, 2 accounts), "
        f"{len(data.lines):,} bank lines from {data.first_day} to {data.last_day}"
    )
    print("  lines: " + ", ".join(f"{kind} {count:,}" for kind, count in sorted(kinds.items())))
    print(f"  generated in {made:.1f} s, written to SQLite in {written:.1f} s")

    with unit_of_work(make_session_factory(database)) as session:
        data_in = engine_input(session, data, stored)
        uuids = [p.uuid for p in data.chargebacks]
        taken_back = {
            uuid: pk
            for uuid, pk in session.execute(
                select(Transaction.uuid, Transaction.id).where(Transaction.uuid.in_(uuids))
            )
        }
    truth = Truth(data, taken_back)
    engine_seconds, engine_cpu, result = timed(lambda: reconcile(data_in, DEFAULT_SETTINGS))
    engine_accuracy = truth.accuracy(claim_of(p) for p in result.matches)
    engine_peak = traced_peak_mib(data_in)
    pandas_seconds, pandas_cpu, pairs = timed(lambda: pandas_baseline(data))
    pandas_accuracy = truth.accuracy(pairs)

    database.dispose()
    run = pool.submit(whole_run, url, stored.merchant_id, data.last_day).result()
    database = make_engine(url)
    with unit_of_work(make_session_factory(database)) as session:
        run_accuracy = truth.accuracy(stored_claims(session, stored.merchant_id))
    database.dispose()

    heads = ("time", "cpu", "matched", "suggested", "precision", "recall")
    print(
        f"  {'':<26} "
        + " ".join(f"{h:>{w}}" for h, w in zip(heads, (10, 10, 9, 10, 10, 10), strict=True))
    )
    print(row("(a) engine alone", (engine_seconds, engine_cpu), len(result.matches),
              f"{len(result.suggestions):,}", engine_accuracy))  # fmt: skip
    print(row("(b) whole run, SQLite", (run["seconds"], run["cpu"]), run["matched"],
              f"{run['suggested']:,}", run_accuracy))  # fmt: skip
    print(row("(c) pandas merge", (pandas_seconds, pandas_cpu), len(pairs), "-", pandas_accuracy))
    print("  (recall: of the remittance credit lines; precision: of all automatic matches)")
    for kind in ("remittance_credit", "grouped_remittance_credit", "remittance_credit_fx",
                 "commission_debit", "chargeback"):  # fmt: skip
        total, found = engine_accuracy.by_kind.get(kind, (0, 0))
        baseline = pandas_accuracy.by_kind.get(kind, (0, 0))[1]
        print(f"    {kind:<26} {total:>7,} lines: engine {found:>7,}, pandas {baseline:>7,}")
    print(f"  remittance statuses after the run: {run['statuses']}")
    print(
        f"  memory: engine tracemalloc peak {engine_peak:.0f} MiB; whole run peak RSS "
        f"{run['rss_peak_mib']:.0f} MiB ({run['rss_growth_mib']:+.0f} MiB during the run)"
    )
    print(
        f"  ratio engine / pandas: {engine_seconds / pandas_seconds:.1f}x the time "
        f"({engine_cpu / pandas_cpu:.1f}x the CPU time)"
    )
    for name, seconds, target in (
        ("engine alone", engine_seconds, ENGINE_TARGET_SECONDS),
        ("whole run", run["seconds"], RUN_TARGET_SECONDS),
    ):
        verdict = "met" if seconds < target else f"NOT met (+{seconds - target:.1f} s)"
        print(f"  target {name} < {target:.0f} s: {verdict}")


if __name__ == "__main__":
    main()
