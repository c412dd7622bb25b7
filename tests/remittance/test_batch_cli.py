"""`pointage batch run`: output per contract, 'already done', one-line errors."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from pointage.cli.main import app
from pointage.core.statuses import DetailedStatus
from pointage.payment.models import Transaction
from pointage.remittance.models import CaptureBatchRun
from pointage.shop import service as shop_service
from tests.factories import IBAN_BANK_B, make_payment, make_shop
from tests.remittance.builders import MORNING, dump


@pytest.fixture
def invoke(database_url):
    runner = CliRunner()

    def _invoke(*args: str):
        return runner.invoke(app, list(args), env={"POINTAGE_DATABASE_URL": database_url})

    return _invoke


def test_run_prints_each_remittance_then_already_done(session, invoke):
    setup = make_shop(session, fee_rate_bp=80, fee_fixed_minor=5, credit_delay_days=2)
    make_payment(session, setup.shop, amount_minor=10_000, created_at=MORNING)
    make_payment(session, setup.shop, amount_minor=5_000, currency="USD", created_at=MORNING)
    session.commit()
    session.close()

    first = invoke("batch", "run", "--date", "2026-04-30")
    assert first.exit_code == 0, first.output
    assert "contract C12345678: 2 captured, 0 expired" in first.output
    assert (
        "remittance 1 EUR: 1 payment(s), 0 refund(s); gross 100.00, refunds 0.00, fee 0.85, "
        "net 99.15; expected credit 99.15 on 2026-05-05"
    ) in first.output
    assert "remittance 2 USD: 1 payment(s)" in first.output

    again = invoke("batch", "run", "--date", "2026-04-30")
    assert again.exit_code == 0, again.output
    assert "contract C12345678: already done" in again.output


def test_shop_option_runs_only_that_shop(session, invoke):
    mine = make_shop(session)
    other = make_shop(session, shop_id="87654321", iban=IBAN_BANK_B)
    make_payment(session, mine.shop, created_at=MORNING)
    foreign = make_payment(session, other.shop, created_at=MORNING)
    session.commit()
    session.close()

    result = invoke("batch", "run", "--date", "2026-04-30", "--shop", "12345678")
    assert result.exit_code == 0, result.output
    assert "C12345678" in result.output
    assert "C87654321" not in result.output
    assert session.get(Transaction, foreign.id).detailed_status == DetailedStatus.AUTHORISED


def test_transactions_without_contract_are_reported_and_left(session, invoke):
    merchant = shop_service.create_merchant(session, "No contract yet")
    shop = shop_service.create_shop(session, merchant, shop_id="11112222", name="Bare shop")
    orphan = make_payment(session, shop, created_at=MORNING)
    session.commit()
    session.close()

    result = invoke("batch", "run", "--date", "2026-04-30")
    assert result.exit_code == 0, result.output
    assert "shop 11112222 has 1 transaction(s) due without a contract" in result.output
    assert session.get(Transaction, orphan.id).detailed_status == DetailedStatus.AUTHORISED


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--date", "2026-02-30"], "'2026-02-30' is not a calendar date written YYYY-MM-DD"),
        (["--date", "30/04/2026"], "'30/04/2026' is not a calendar date written YYYY-MM-DD"),
        (["--date", "20260430"], "'20260430' is not a calendar date written YYYY-MM-DD"),
        (["--date", "2999-01-01"], "2999-01-01 has not come yet in time zone Europe/Paris"),
        (["--date", "2026-04-30", "--shop", "99999999"], "shop 99999999 not found"),
    ],
)
def test_bad_input_is_one_line_and_changes_nothing(session, engine, invoke, args, message):
    setup = make_shop(session)
    make_payment(session, setup.shop, created_at=MORNING)
    session.commit()
    session.close()
    before = dump(engine)

    result = invoke("batch", "run", *args)
    assert result.exit_code == 1
    assert result.output.startswith("error: ")
    assert message in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert "Traceback" not in result.output
    assert dump(engine) == before


def test_missing_date_is_a_usage_error(invoke):
    result = invoke("batch", "run")
    assert result.exit_code == 2
    assert "--date" in result.output


def test_runs_are_claimed_even_with_nothing_due(session, invoke):
    make_shop(session)
    session.commit()
    session.close()
    result = invoke("batch", "run", "--date", "2026-04-30")
    assert "contract C12345678: nothing due" in result.output
    with session.begin():
        assert session.scalar(select(func.count(CaptureBatchRun.id))) == 1
        assert session.scalar(select(func.count(Transaction.id))) == 0
