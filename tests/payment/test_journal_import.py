"""Importing a transaction journal file: all or nothing, idempotent, refunds linked."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from pointage.audit.models import AuditEvent
from pointage.cli.main import app
from pointage.core.errors import FileRejected
from pointage.payment.journal_import import import_journal
from pointage.payment.models import Transaction
from tests.factories import IBAN_BANK_B, make_payment, make_shop

GOLDEN = Path(__file__).parent.parent / "data" / "journal" / "JT_BOUTIQUE_DEMO_12345678_260302.csv"
TITLE = "TITRE;BOUTIQUE;26/03/03_01:55:00;TABLE_V_CUSTOM"
HEADER = (
    "ENTETE;SHOP_ID;TRANSACTION_UUID;TRANSACTION_ID;TRANSACTION_DATE;TRANSACTION_TYPE;"
    "AMOUNT;CURRENCY;TRANSACTION_STATUS;CARD_TYPE;CONTRACT;PARENT_TRANSACTION_UUID"
)


def row(
    n: int,
    *,
    tx: int | None = None,
    shop: str = "12345678",
    kind: str = "DEBIT",
    parent: str = "",
    contract: str = "",
    amount: str = "1000",
    day: str = "20260302",
) -> str:
    """A TRANSACTION record: uuid from `n`, transaction id from `tx` (default `n`)."""
    return (
        f"TRANSACTION;{shop};{n:032x};{n if tx is None else tx:06d};{day}120000;{kind};{amount};"
        f"978;CAPTURED;CB;{contract};{parent}"
    )


def journal(*rows: str) -> bytes:
    return ("\n".join([TITLE, HEADER, *rows]) + "\n").encode()


def count(session: Session) -> int:
    return int(session.scalar(select(func.count(Transaction.id))) or 0)


@pytest.fixture
def shop(session: Session):
    setup = make_shop(session)
    session.commit()
    return setup


def test_golden_file_is_imported_with_derived_columns(session: Session, shop) -> None:
    result = import_journal(session, GOLDEN.read_bytes(), filename=GOLDEN.name)
    session.commit()

    assert (result.read, result.imported, result.skipped) == (5, 5, 0)
    stored = {t.transaction_id: t for t in session.scalars(select(Transaction))}
    captured, authorised, refused, refund, verification = (stored[f"00000{i}"] for i in range(1, 6))
    assert (captured.status, captured.reconciliation_status, captured.dispute_flag) == (
        "PAID",
        "pending",
        "no",
    )
    assert (authorised.reconciliation_status, authorised.dispute_flag) == ("not_applicable", "na")
    assert refused.status == "UNPAID"
    assert refund.parent_id == captured.id and refund.reconciliation_status == "pending"
    assert captured.contract_id == shop.contract.id
    assert authorised.contract_id == shop.contract.id  # by card brand, no CONTRACT given
    assert str(verification.transaction_date) == "2026-03-03"  # 23:05 UTC is the 3rd in Paris
    assert authorised.expected_capture_date.isoformat() == "2026-03-05"
    assert captured.card_masked == "497010XXXXXX0044" and captured.amount_minor == 4990
    assert (
        session.scalar(
            select(func.count(AuditEvent.id)).where(
                AuditEvent.action == "transactions.journal_imported"
            )
        )
        == 1
    )


def test_reimporting_the_same_file_skips_every_transaction(session: Session, shop) -> None:
    import_journal(session, GOLDEN.read_bytes(), filename=GOLDEN.name)
    session.commit()

    again = import_journal(session, GOLDEN.read_bytes(), filename=GOLDEN.name)
    session.commit()

    assert (again.read, again.imported, again.skipped) == (5, 0, 5)
    assert again.shops["12345678"].skipped == 5
    assert count(session) == 5


def test_a_file_with_new_and_known_transactions_imports_only_the_new(
    session: Session, shop
) -> None:
    import_journal(session, journal(row(1), row(2)), filename="a.csv")
    result = import_journal(session, journal(row(1), row(2), row(3)), filename="b.csv")

    assert (result.imported, result.skipped) == (1, 2)
    assert count(session) == 3


def test_an_unknown_shop_refuses_the_file_and_stores_nothing(session: Session, shop) -> None:
    with pytest.raises(FileRejected) as refused:
        import_journal(session, journal(row(1), row(2, shop="87654321")), filename="jt.csv")

    assert refused.value.errors == [
        "jt.csv:4: SHOP_ID: unknown shop 87654321 (1 transactions of the file)"
    ]
    assert count(session) == 0


def test_a_bad_row_in_the_middle_refuses_the_whole_file(session: Session, shop) -> None:
    rows = [row(n) for n in range(1, 200)]
    rows[100] = row(101, amount="12.50")

    with pytest.raises(FileRejected) as refused:
        import_journal(session, journal(*rows), filename="jt.csv")

    assert len(refused.value.errors) == 1
    assert refused.value.errors[0].startswith("jt.csv:103: AMOUNT (column 7): ")
    assert count(session) == 0


def test_duplicates_inside_the_file_name_both_lines(session: Session, shop) -> None:
    rows = [row(1), row(1, tx=2), row(3), row(4, tx=3)]

    with pytest.raises(FileRejected) as refused:
        import_journal(session, journal(*rows), filename="jt.csv")

    assert refused.value.errors == [
        "jt.csv:4: TRANSACTION_UUID: same uuid as line 3",
        "jt.csv:6: TRANSACTION_ID: transaction id 000003 is used twice on 2026-03-02 (line 5 too)",
    ]


def test_a_transaction_id_already_used_by_another_stored_transaction_is_refused(
    session: Session, shop
) -> None:
    import_journal(session, journal(row(1)), filename="a.csv")
    other_uuid = row(9, tx=1)

    with pytest.raises(FileRejected) as refused:
        import_journal(session, journal(row(2), other_uuid), filename="b.csv")

    assert refused.value.errors[0].startswith(
        "b.csv:4: TRANSACTION_ID: transaction id 000001 of 2026-03-02"
    )
    assert count(session) == 1


def test_a_refund_is_linked_to_its_payment_in_the_database(session: Session, shop) -> None:
    payment = make_payment(session, shop.shop)

    import_journal(session, journal(row(7, kind="CREDIT", parent=payment.uuid)), filename="jt.csv")

    refund = session.scalar(select(Transaction).where(Transaction.operation_type == "CREDIT"))
    assert refund is not None and refund.parent_id == payment.id


def test_a_refund_of_an_unknown_payment_is_refused(session: Session, shop) -> None:
    with pytest.raises(FileRejected) as refused:
        import_journal(session, journal(row(1, kind="CREDIT", parent="f" * 32)), filename="jt.csv")

    assert refused.value.errors == [f"jt.csv:3: PARENT_TRANSACTION_UUID: no payment {'f' * 32}"]


def test_a_contract_of_another_shop_is_refused(session: Session, shop) -> None:
    make_shop(session, shop_id="87654321", iban=IBAN_BANK_B)

    with pytest.raises(FileRejected) as refused:
        import_journal(session, journal(row(1, contract="C87654321")), filename="jt.csv")

    assert refused.value.errors == [
        "jt.csv:3: CONTRACT: C87654321 is not a contract of shop 12345678"
    ]
    assert count(session) == 0


def test_a_uuid_stored_for_another_day_refuses_the_file_and_rolls_back(
    session: Session, shop
) -> None:
    payment = make_payment(session, shop.shop)  # 2026-03-02, outside the file's day below
    clash = (
        f"TRANSACTION;12345678;{payment.uuid};123456;20260310120000;DEBIT;1000;978;CAPTURED;CB;;"
    )

    with pytest.raises(FileRejected) as refused:
        import_journal(session, journal(row(1, day="20260310"), clash), filename="jt.csv")

    assert refused.value.errors == [
        "jt.csv:4: TRANSACTION_UUID: this uuid is stored for another shop or day"
    ]
    assert count(session) == 1  # the payment only: row 1 was rolled back with the rest


def test_a_format_error_lists_at_most_a_hundred_problems(session: Session, shop) -> None:
    rows = [row(n, amount="x") for n in range(1, 300)]

    with pytest.raises(FileRejected) as refused:
        import_journal(session, journal(*rows), filename="jt.csv")

    assert len(refused.value.errors) == 100
    assert "the first ones" in refused.value.message


# The command, as a user runs it.


@pytest.fixture
def cli_env(database_url: str, shop) -> dict[str, str]:
    return {"POINTAGE_DATABASE_URL": database_url, "POINTAGE_SCHEDULER_ENABLED": "false"}


def test_cli_imports_then_skips_on_a_second_run(
    cli_env: dict[str, str], tmp_path: Path, session_factory: sessionmaker[Session]
) -> None:
    path = tmp_path / GOLDEN.name
    shutil.copy(GOLDEN, path)
    runner = CliRunner()

    first = runner.invoke(app, ["transactions", "import", str(path)], env=cli_env)
    second = runner.invoke(app, ["transactions", "import", str(path)], env=cli_env)

    assert first.exit_code == 0, first.output
    assert f"{GOLDEN.name}: 5 read, 5 imported, 0 already present" in first.output
    assert "shop 12345678: 5 read, 5 imported, 0 already present" in first.output
    assert second.exit_code == 0
    assert "5 read, 0 imported, 5 already present" in second.output
    with session_factory() as check:
        assert count(check) == 5


def test_cli_refuses_a_malformed_file_in_one_line_per_problem(
    cli_env: dict[str, str], tmp_path: Path, session_factory: sessionmaker[Session]
) -> None:
    path = tmp_path / "jt.csv"
    path.write_bytes(journal(row(1), row(2, amount="1,00")))

    result = CliRunner().invoke(app, ["transactions", "import", str(path)], env=cli_env)

    assert result.exit_code == 1
    assert "error: jt.csv refused, nothing imported: 1 problems" in result.output
    assert "  jt.csv:4: AMOUNT (column 7): amounts are whole minor units" in result.output
    assert "Traceback" not in result.output
    with session_factory() as check:
        assert count(check) == 0


def test_cli_names_a_missing_file(cli_env: dict[str, str], tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["transactions", "import", str(tmp_path / "absent.csv")], env=cli_env
    )

    assert result.exit_code == 1
    assert "error: cannot read" in result.output and "absent.csv" in result.output
    assert "Traceback" not in result.output


def test_refunds_above_the_payment_are_refused_counting_stored_refunds(
    session: Session, shop
) -> None:
    payment = make_payment(session, shop.shop, amount_minor=1_000)  # in the database
    import_journal(
        session, journal(row(7, kind="CREDIT", parent=payment.uuid, amount="600")), filename="a"
    )
    file_payment = f"{1:032x}"
    too_much = journal(
        row(1, amount="500"),  # a payment of the file, refunded in the same file
        row(2, kind="CREDIT", parent=file_payment, amount="300"),
        row(3, kind="CREDIT", parent=file_payment, amount="201"),
        row(4, kind="CREDIT", parent=payment.uuid, amount="401"),
    )

    with pytest.raises(FileRejected) as refused:
        import_journal(session, too_much, filename="jt.csv")

    assert refused.value.errors == [
        f"jt.csv:5: AMOUNT: refunds of {file_payment} would exceed the payment's amount by 1 "
        "(minor units)",
        f"jt.csv:6: AMOUNT: refunds of {payment.uuid} would exceed the payment's amount by 1 "
        "(minor units)",
    ]
    assert count(session) == 2


def test_a_refund_in_another_currency_than_its_payment_is_refused(session: Session, shop) -> None:
    payment = make_payment(session, shop.shop, currency="USD")

    with pytest.raises(FileRejected) as refused:
        import_journal(session, journal(row(7, kind="CREDIT", parent=payment.uuid)), filename="j")

    assert refused.value.errors == ["j:3: CURRENCY: the refunded payment is in USD"]


def test_reimporting_a_file_with_refunds_does_not_count_them_twice(session: Session, shop) -> None:
    data = journal(row(1, amount="500"), row(2, kind="CREDIT", parent=f"{1:032x}", amount="500"))
    import_journal(session, data, filename="jt.csv")

    again = import_journal(session, data, filename="jt.csv")

    assert (again.imported, again.skipped) == (0, 2)
