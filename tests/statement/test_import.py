"""Importing a bank statement file: accounts, de-duplication, checks, all or nothing."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from pointage.audit.models import AuditEvent
from pointage.core.errors import Conflict, FileRejected, InvalidInput
from pointage.db.session import unit_of_work
from pointage.formats.statements.model import AccountId
from pointage.shop import service as shop_service
from pointage.statement.models import BankStatement, StatementEntry, StatementFile
from pointage.statement.repository import StatementRepository
from pointage.statement.service import file_summary, import_statement_file
from tests.factories import IBAN_BANK_A, IBAN_BANK_B, make_shop
from tests.remittance.builders import dump
from tests.statement.builders import DAY, FakeParser, entry, result, statement

NEXT_DAY = DAY + timedelta(days=1)


def count(session: Session, model: type) -> int:
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


def stored_amounts(session: Session) -> list[int]:
    return list(session.scalars(select(StatementEntry.amount_minor).order_by(StatementEntry.id)))


@pytest.fixture
def shop(session: Session):
    setup = make_shop(session)
    session.commit()
    return setup


def run(session: Session, data: bytes, **kwargs):
    kwargs.setdefault("filename", data.decode())
    kwargs.setdefault("actor", "test")
    return import_statement_file(session, data, **kwargs)


def test_a_file_is_stored_whole_with_its_statements_and_entries(
    session, shop, fake_parser: FakeParser
) -> None:
    data = fake_parser.add(b"day-1", result(statement(entry(12_345), entry(-2_000, "PRLV EDF"))))

    report = run(session, data)

    file = session.get(StatementFile, report.file_id)
    assert file is not None and file.content == b"day-1" and file.merchant_id == shop.merchant.id
    assert file.sha256 == hashlib.sha256(b"day-1").hexdigest() and file.size_bytes == 5
    assert (report.entries, report.imported, report.skipped) == (2, 2, 0)
    assert report.statements[0].iban == IBAN_BANK_A
    assert report.statements[0].balance_difference_minor == 0
    (stored,) = session.scalars(select(BankStatement)).all()
    assert (stored.opening_amount_minor, stored.closing_amount_minor) == (100_000, 110_345)
    assert stored.bank_account_id == shop.bank_account.id and stored.entry_count == 2
    first, second = session.scalars(select(StatementEntry).order_by(StatementEntry.id))
    assert (first.amount_minor, first.label, first.value_date) == (12_345, "VIR SEPA CLIENT", DAY)
    assert (first.statement_id, first.file_id, first.record) == (stored.id, file.id, 2)
    assert second.amount_minor == -2_000 and second.dedup_key.startswith("fp:")
    assert first.references == {} and first.details == [] and first.reversal is False


def test_the_same_file_twice_adds_nothing_and_says_when_it_was_imported(
    session, shop, fake_parser: FakeParser
) -> None:
    data = fake_parser.add(b"day-1", result(statement(entry(500))))
    first = run(session, data)

    again = run(session, data, filename="renamed.txt")

    assert again.already_imported and again.file_id == first.file_id
    assert again.summary.startswith(f"day-1: already imported as file #{first.file_id} on ")
    assert again.imported == 1  # what that file brought, told again
    assert fake_parser.calls == 1  # recognised by its hash, not parsed again
    assert (count(session, StatementFile), count(session, StatementEntry)) == (1, 1)


def test_overlapping_files_add_only_the_movements_not_yet_known(
    session, shop, fake_parser: FakeParser
) -> None:
    day_1 = statement(entry(100), entry(200), day=DAY)
    day_2 = statement(entry(300), opening=100_300, day=NEXT_DAY)
    day_3 = statement(entry(-50), opening=100_600, day=NEXT_DAY + timedelta(days=1))
    first = run(session, fake_parser.add(b"days-1-2", result(day_1, day_2)))

    report = run(session, fake_parser.add(b"days-2-3", result(day_2, day_3)))

    known, new = report.statements
    assert known.already_known and (known.imported, known.skipped) == (0, 1)
    assert known.skip_reasons == {f"already imported from file #{first.file_id}": 1}
    assert not new.already_known and new.imported == 1
    assert count(session, BankStatement) == 3
    assert stored_amounts(session) == [100, 200, 300, -50]


def test_identical_lines_of_one_file_are_two_movements(
    session, shop, fake_parser: FakeParser
) -> None:
    twice = [entry(1_000, "VIR M DUPONT"), entry(1_000, "VIR M DUPONT")]
    run(session, fake_parser.add(b"a", result(statement(*twice))))
    assert stored_amounts(session) == [1_000, 1_000]

    # A later, wider file of the same day carries the two lines again, and a third one.
    thrice = [entry(1_000, "VIR M DUPONT") for _ in range(3)]
    report = run(session, fake_parser.add(b"b", result(statement(*thrice, closing=103_000))))

    assert (report.imported, report.skipped) == (1, 2)
    assert stored_amounts(session) == [1_000, 1_000, 1_000]
    keys = list(session.scalars(select(StatementEntry.dedup_key).order_by(StatementEntry.id)))
    assert [key.rsplit(":", 1)[1] for key in keys] == ["1", "2", "3"]
    assert len({key.rsplit(":", 1)[0] for key in keys}) == 1


def test_a_bank_reference_identifies_a_movement_whatever_its_label(
    session, shop, fake_parser: FakeParser
) -> None:
    first = run(
        session, fake_parser.add(b"a", result(statement(entry(700, "CB 1", reference="R1"))))
    )
    later = statement(
        entry(700, "CB 1 (relabelled)", reference="R1"),
        entry(800, "CB 2", reference="R2"),
        entry(800, "CB 2 again", reference="R2"),
    )

    report = run(session, fake_parser.add(b"b", result(later)))

    assert report.statements[0].skip_reasons == {
        f"already imported from file #{first.file_id}": 1,
        "same bank reference as record 3 of this file": 1,
    }
    keys = list(session.scalars(select(StatementEntry.dedup_key).order_by(StatementEntry.id)))
    assert keys == ["ref:R1", "ref:R2"]


def test_unbooked_entries_are_not_imported(session, shop, fake_parser: FakeParser) -> None:
    day = statement(entry(100), entry(999, status="PDNG"), closing=100_100)

    report = run(session, fake_parser.add(b"a", result(day)))

    assert report.statements[0].skip_reasons == {"not booked (status PDNG)": 1}
    assert stored_amounts(session) == [100]


@pytest.mark.parametrize(
    ("account", "found"),
    [
        (AccountId(iban="fr76 3000 6000 0112 3456 7890 189"), True),
        (AccountId(bank_code="30006", branch_code="00001", account_number="12345678901"), True),
        (AccountId(bank_code="30006", branch_code="00001", account_number="012345678901"), True),
        (AccountId(bank_code="30006", branch_code="00002", account_number="12345678901"), False),
        (AccountId(account_number="30006000011234567890189"), True),  # the BBAN
        (AccountId(account_number=IBAN_BANK_A), True),
        (AccountId(account_number="12345678901"), False),  # too little to be sure
    ],
)
def test_the_account_is_found_by_iban_rib_or_bban(
    session, shop, fake_parser: FakeParser, account: AccountId, found: bool
) -> None:
    data = fake_parser.add(b"a", result(statement(entry(1), account=account)))

    if found:
        assert run(session, data).statements[0].bank_account_id == shop.bank_account.id
    else:
        with pytest.raises(FileRejected):
            run(session, data)


def test_an_unknown_account_refuses_the_file_naming_the_statement(
    session, shop, fake_parser: FakeParser
) -> None:
    unknown = AccountId(bank_code="10278", branch_code="06061", account_number="00010204801")
    data = fake_parser.add(
        b"a", result(statement(entry(1)), statement(entry(2), account=unknown, record=5))
    )

    with pytest.raises(FileRejected) as refused:
        run(session, data, filename="releve.txt")

    assert refused.value.message == "releve.txt refused, nothing imported: 1 problems"
    assert refused.value.errors == [
        "record 5: statement of account 10278 06061 00010204801 (record 5): unknown bank "
        "account 10278 06061 00010204801"
    ]
    assert count(session, StatementFile) == 0


def test_an_account_of_another_merchant_is_unknown_to_this_one(
    session, shop, fake_parser: FakeParser
) -> None:
    other = make_shop(session, shop_id="87654321", iban=IBAN_BANK_B)
    data = fake_parser.add(b"a", result(statement(entry(1), iban=IBAN_BANK_B)))

    with pytest.raises(FileRejected) as refused:
        run(session, data, merchant_id=shop.merchant.id)

    assert f"unknown bank account IBAN {IBAN_BANK_B}" in refused.value.errors[0]
    assert run(session, data, merchant_id=other.merchant.id).imported == 1


def test_accounts_of_two_merchants_in_one_file_are_refused(
    session, shop, fake_parser: FakeParser
) -> None:
    make_shop(session, shop_id="87654321", iban=IBAN_BANK_B)
    data = fake_parser.add(b"a", result(statement(entry(1)), statement(entry(2), iban=IBAN_BANK_B)))

    with pytest.raises(FileRejected) as refused:
        run(session, data)

    assert refused.value.errors == ["the file names bank accounts of several merchants"]


def test_an_entry_in_another_currency_than_the_account_is_refused(
    session, shop, fake_parser: FakeParser
) -> None:
    data = fake_parser.add(b"a", result(statement(entry(1), entry(2, currency="USD"))))

    with pytest.raises(FileRejected) as refused:
        run(session, data)

    assert refused.value.errors == [
        f"record 3: entry in USD on account {IBAN_BANK_A}, which is kept in EUR"
    ]


def test_a_file_without_statements_is_refused(session, shop, fake_parser: FakeParser) -> None:
    with pytest.raises(FileRejected) as refused:
        run(session, fake_parser.add(b"empty", result()))

    assert refused.value.errors == ["the file holds no statement"]


def test_a_statement_that_does_not_add_up_is_refused_with_its_amounts(
    session, shop, fake_parser: FakeParser
) -> None:
    data = fake_parser.add(b"a", result(statement(entry(1_000), closing=100_900)))

    with pytest.raises(FileRejected) as refused:
        run(session, data)

    assert refused.value.errors == [
        f"record 1: statement of account {IBAN_BANK_A} (record 1) does not add up: opening "
        "1000.00 EUR + movements 10.00 EUR != closing 1009.00 EUR (difference -1.00 EUR); "
        "accept it with a reason to import it anyway"
    ]
    assert count(session, StatementEntry) == 0


def test_an_accepted_unbalanced_statement_is_imported_and_the_acceptance_recorded(
    session, shop, fake_parser: FakeParser
) -> None:
    data = fake_parser.add(b"a", result(statement(entry(1_000), closing=100_900)))

    report = run(session, data, actor="alice", accept_unbalanced_reason="bank fee line missing")

    file = session.get(StatementFile, report.file_id)
    assert file is not None
    assert (file.accepted_unbalanced_reason, file.accepted_by) == ("bank fee line missing", "alice")
    assert report.statements[0].balance_difference_minor == -100
    assert report.warnings[0].startswith("accepted (bank fee line missing): statement of account")
    events = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "statements.unbalanced_accepted")
    ).all()
    assert [(e.actor, e.object_id, e.detail["reason"]) for e in events] == [
        ("alice", str(file.id), "bank fee line missing")
    ]


def test_a_blank_acceptance_reason_is_refused(session, shop, fake_parser: FakeParser) -> None:
    data = fake_parser.add(b"a", result(statement(entry(1_000), closing=100_900)))

    with pytest.raises(InvalidInput) as refused:
        run(session, data, accept_unbalanced_reason="  ")

    assert refused.value.param == "accept_unbalanced_reason"


def test_a_gap_with_the_previous_statement_is_a_warning_and_is_stored(
    session, shop, fake_parser: FakeParser
) -> None:
    run(session, fake_parser.add(b"a", result(statement(entry(500), day=DAY))))  # closes 100,500
    later = statement(entry(1), opening=100_000, day=NEXT_DAY + timedelta(days=3))
    following = statement(entry(2), opening=100_001, day=NEXT_DAY + timedelta(days=4))

    report = run(session, fake_parser.add(b"b", result(later, following)))

    assert [s.continuity_gap_minor for s in report.statements] == [-500, 0]
    assert len(report.warnings) == 1
    assert (
        "opens at 1000.00 EUR but the account closed at 1005.00 EUR on 2026-03-02"
        in (report.warnings[0])
    )
    gaps = session.scalars(select(BankStatement.continuity_gap_minor).order_by(BankStatement.id))
    assert list(gaps) == [None, -500, 0]


def test_a_refused_file_leaves_the_database_as_it_was(
    engine, session_factory: sessionmaker[Session], shop, fake_parser: FakeParser
) -> None:
    with unit_of_work(session_factory) as session:
        run(session, fake_parser.add(b"a", result(statement(entry(1)))))
    before = dump(engine)
    bad = fake_parser.add(
        b"b",
        result(statement(entry(5), day=NEXT_DAY), statement(entry(1), iban=IBAN_BANK_B, record=9)),
    )

    with pytest.raises(FileRejected), unit_of_work(session_factory) as session:
        run(session, bad)

    assert dump(engine) == before


def test_a_failure_while_inserting_rolls_everything_back(
    engine,
    session_factory: sessionmaker[Session],
    shop,
    fake_parser: FakeParser,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    before = dump(engine)
    data = fake_parser.add(b"a", result(statement(entry(1)), statement(entry(2), day=NEXT_DAY)))
    inserted: list[int] = []
    real_insert = StatementRepository.insert_entries

    def insert_then_clash(self, rows):
        real_insert(self, rows)
        inserted.append(len(rows))
        if len(inserted) == 2:
            real_insert(self, rows)  # the same rows again: the unique key refuses them

    monkeypatch.setattr(StatementRepository, "insert_entries", insert_then_clash)

    with pytest.raises(Conflict), unit_of_work(session_factory) as session:
        run(session, data)

    assert inserted == [1, 1]
    assert dump(engine) == before


def test_the_summary_of_a_file_is_scoped_to_its_merchant(
    session, shop, fake_parser: FakeParser
) -> None:
    report = run(session, fake_parser.add(b"a", result(statement(entry(1), entry(2)))))

    summary = file_summary(session, report.file_id, merchant_id=shop.merchant.id)
    other = shop_service.create_merchant(session, "Other")

    assert summary is not None and (summary.entries, summary.imported) == (2, 2)
    assert summary.statements[0].statement_id == report.statements[0].statement_id
    assert file_summary(session, report.file_id, merchant_id=other.id) is None
    assert file_summary(session, report.file_id + 1) is None


def test_a_statement_without_a_closing_balance_is_imported_with_a_warning(
    session, shop, fake_parser: FakeParser
) -> None:
    day = statement(entry(100))
    day.closing_balance = None

    report = run(session, fake_parser.add(b"a", result(day)))

    assert report.imported == 1
    assert report.warnings == [
        f"record 1: statement of account {IBAN_BANK_A} (record 1) has no closing balance: "
        "whether it holds every movement cannot be checked"
    ]
    assert report.statements[0].balance_difference_minor is None


def test_the_same_statement_in_another_format_adds_no_movement(
    session, shop, fake_parser: FakeParser
) -> None:
    # The day's CFONB 120 (no bank references), then the same day's camt.053 (with them).
    cfonb = statement(entry(1_000, "REMISE CB 000123"), entry(1_000, "REMISE CB 000123"))
    camt = statement(
        entry(1_000, "REMISE CB 000123", reference="B1"),
        entry(1_000, "REMISE CB 000123", reference="B2"),
    )
    first = run(session, fake_parser.add(b"cfonb", result(cfonb)))

    report = run(session, fake_parser.add(b"camt", result(camt)))

    (known,) = report.statements
    assert known.already_known and (known.imported, known.skipped) == (0, 2)
    reason = f"same movement of the same statement imported from file #{first.file_id}"
    assert known.skip_reasons == {reason: 2}
    assert stored_amounts(session) == [1_000, 1_000]


def test_a_known_statement_still_brings_a_movement_it_did_not_have(
    session, shop, fake_parser: FakeParser
) -> None:
    # Same dated balances, one movement more, one less: the balances say it is the same
    # statement, the movements are compared one for one.
    run(session, fake_parser.add(b"a", result(statement(entry(300), entry(-300)))))

    report = run(
        session,
        fake_parser.add(
            b"b",
            result(
                statement(
                    entry(300, reference="R1"), entry(-300, reference="R2"), entry(500), entry(-500)
                )
            ),
        ),
    )

    (known,) = report.statements
    assert known.already_known and (known.imported, known.skipped) == (2, 2)
    assert sorted(stored_amounts(session)) == [-500, -300, 300, 500]


def test_statements_with_other_balances_are_not_the_same(
    session, shop, fake_parser: FakeParser
) -> None:
    run(session, fake_parser.add(b"a", result(statement(entry(1_000)))))

    # A bank reference gives the movement another key; other balances, another statement.
    again = statement(entry(1_000, reference="B1"), opening=100_001)
    report = run(session, fake_parser.add(b"b", result(again)))

    (other,) = report.statements
    assert not other.already_known and other.imported == 1
    assert stored_amounts(session) == [1_000, 1_000]
