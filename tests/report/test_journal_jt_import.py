"""A transaction journal written by Pointage is one Pointage imports: written from one
database, imported into another with the same shop, every transaction comes back as it was."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from pointage.db.migrate import upgrade
from pointage.db.session import make_engine, make_session_factory
from pointage.formats.journals.csv_writer import write_csv
from pointage.formats.journals.model import JournalKind
from pointage.payment.journal_import import import_journal
from pointage.payment.models import Transaction
from pointage.shop.models import Contract
from tests.factories import make_shop
from tests.report.jt_jo_data import build_day, journal

COMPARED = (
    "uuid",
    "transaction_id",
    "transaction_date",
    "created_at",
    "operation_type",
    "amount_minor",
    "original_amount_minor",
    "currency",
    "detailed_status",
    "status",
    "order_id",
    "customer_reference",
    "card_brand",
    "card_masked",
    "authorisation_number",
    "expected_capture_date",
)


@pytest.fixture
def other_database(migrated_template: str, tmp_path: Path) -> Iterator[Session]:
    """A second, empty database (SQLite) with the same shop and contract."""
    target = tmp_path / "other.db"
    if migrated_template.startswith("sqlite:///"):
        shutil.copyfile(migrated_template.removeprefix("sqlite:///"), target)
    else:
        upgrade(f"sqlite:///{target}")
    engine = make_engine(f"sqlite:///{target}")
    session = make_session_factory(engine)()
    make_shop(session)
    session.commit()
    yield session
    session.close()
    engine.dispose()


def stored(session: Session) -> dict[str, dict[str, object]]:
    session.expire_all()  # the capture batch updates rows in bulk, behind the ORM's back
    parent = aliased(Transaction)
    query = (
        select(Transaction, Contract.number, parent.uuid)
        .outerjoin(Contract, Contract.id == Transaction.contract_id)
        .outerjoin(parent, parent.id == Transaction.parent_id)
    )
    return {
        tx.uuid: {name: getattr(tx, name) for name in COMPARED}
        | {"contract": contract, "parent": parent_uuid}
        for tx, contract, parent_uuid in session.execute(query)
    }


def test_a_written_journal_imports_into_another_database_unchanged(
    session: Session, other_database: Session, tmp_path: Path
) -> None:
    day = build_day(session)
    path = tmp_path / "JT_SHOP_12345678_260302.csv"
    written = write_csv(journal(session, JournalKind.JT, day.shop), path)

    result = import_journal(other_database, path.read_bytes(), filename=path.name)
    other_database.commit()

    assert (result.read, result.imported, result.skipped) == (written, written, 0)
    originals = stored(session)
    imported = stored(other_database)
    assert len(imported) == written == 8
    for uuid, transaction in imported.items():
        original = originals[uuid]
        if original["parent"] is not None and original["operation_type"] == "DEBIT":
            # The journal does not say which payment a duplicate was copied from (the import
            # reads PARENT_TRANSACTION_UUID as a refund's payment only).
            original = original | {"parent": None}
        assert transaction == original


def test_importing_it_again_changes_nothing(
    session: Session, other_database: Session, tmp_path: Path
) -> None:
    day = build_day(session)
    path = tmp_path / "jt.csv"
    write_csv(journal(session, JournalKind.JT, day.shop), path, encoding="iso-8859-15")
    import_journal(other_database, path.read_bytes(), filename=path.name)
    again = import_journal(other_database, path.read_bytes(), filename=path.name)
    assert (again.imported, again.skipped) == (0, 8)
