"""A (contract, day) runs once, ever: a second run, even a simultaneous one, changes nothing."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from pointage.core.statuses import DetailedStatus
from pointage.db.session import make_engine, make_session_factory
from pointage.jobs.capture import run_contract
from pointage.remittance.models import CaptureBatchRun, Remittance
from pointage.remittance.service import ContractBatchResult
from tests.factories import make_payment, make_shop
from tests.remittance.builders import DAY, MORNING, dump


def _prepare(session, payments: int = 20):
    setup = make_shop(session)
    for number in range(payments):
        make_payment(session, setup.shop, amount_minor=1_000 + number, created_at=MORNING)
    make_payment(
        session, setup.shop, status=DetailedStatus.AUTHORISED_TO_VALIDATE, created_at=MORNING
    )
    session.commit()
    return setup


def test_second_run_changes_nothing(session, session_factory, engine):
    setup = _prepare(session)
    session.close()
    first = run_contract(session_factory, setup.contract.id, DAY, source="test")
    assert (first.captured_count, first.expired_count, len(first.remittances)) == (20, 1, 1)
    before = dump(engine)
    # Something new due since: a second run of the same day must not take it either.
    with session_factory() as late:
        make_payment(late, setup.shop, order_id="LATE", created_at=MORNING)
        late.commit()
    after_new_payment = dump(engine)
    second = run_contract(session_factory, setup.contract.id, DAY, source="test")
    assert second == ContractBatchResult(setup.contract.number, DAY, already_done=True)
    assert dump(engine) == after_new_payment
    assert len(after_new_payment["transaction"]) == len(before["transaction"]) + 1


def _run_in_thread(database_url, contract_id, barrier, results, errors):
    engine = make_engine(database_url)
    try:
        barrier.wait(timeout=10)
        results.append(run_contract(make_session_factory(engine), contract_id, DAY, source="test"))
    except Exception as exc:  # reported to the test body, which fails on it
        errors.append(exc)
    finally:
        engine.dispose()


def test_two_simultaneous_runs_make_one_remittance(session, database_url, session_factory):
    setup = _prepare(session, payments=200)
    session.close()
    barrier = threading.Barrier(2)
    results: list[ContractBatchResult] = []
    errors: list[Exception] = []
    threads = [
        threading.Thread(
            target=_run_in_thread, args=(database_url, setup.contract.id, barrier, results, errors)
        )
        for _ in range(2)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert sorted(r.already_done for r in results) == [False, True]
    with session_factory() as check:
        assert check.scalar(select(func.count(Remittance.id))) == 1
        assert check.scalar(select(func.count(CaptureBatchRun.id))) == 1
        (remittance,) = check.scalars(select(Remittance)).all()
        assert remittance.payment_count == 200
