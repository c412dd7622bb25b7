"""The operations log is append-only: no repository method changes it, and the ORM refuses."""

from __future__ import annotations

import inspect
import re

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from pointage.audit.models import AuditEvent
from pointage.payment.models import AppendOnlyViolation, Operation
from pointage.payment.repository import TransactionRepository
from tests.factories import make_payment, make_shop

WRITING_WORDS = re.compile(r"update|delete|remove|erase|purge|edit|set|replace|amend|truncate")
# The methods that touch the log, and what they do: one insert, four reads (two of them for
# the API's pages of a transaction's log).
LOG_METHODS = {
    "log",
    "operations_of",
    "count_operations",
    "operations_listing",
    "operation_position",
}


def _methods() -> list[str]:
    return [name for name, _ in inspect.getmembers(TransactionRepository, inspect.isfunction)]


def test_the_repository_offers_no_way_to_change_an_operation() -> None:
    touching_the_log = {name for name in _methods() if re.search("operation|log", name)}
    assert touching_the_log == LOG_METHODS
    # "for_update" takes a row lock on a transaction to read it; it writes nothing.
    writers = [n for n in _methods() if WRITING_WORDS.search(n.replace("_for_update", ""))]
    assert writers == []


def test_the_repository_source_issues_no_update_or_delete() -> None:
    source = inspect.getsource(inspect.getmodule(TransactionRepository))  # type: ignore[arg-type]
    assert not re.search(r"(?<![\w.])(update|delete)\s*\(", source)  # sqlalchemy.update()
    assert not re.search(r"\.(delete|merge|bulk_\w+)\(", source)  # session.delete()…


@pytest.fixture
def logged(session: Session) -> Operation:
    make_payment(session, make_shop(session).shop)
    session.commit()  # so that the rollback after a refused flush keeps it
    operation = session.scalars(select(Operation)).one()
    assert operation.kind == "create"
    return operation


def test_updating_an_operation_through_the_orm_is_refused(
    session: Session, logged: Operation
) -> None:
    logged.comment = "rewritten history"
    with pytest.raises(AppendOnlyViolation, match="append-only"):
        session.flush()
    session.rollback()
    assert session.scalars(select(Operation.comment)).one() is None


def test_deleting_an_operation_through_the_orm_is_refused(
    session: Session, logged: Operation
) -> None:
    session.delete(logged)
    with pytest.raises(AppendOnlyViolation, match="append-only"):
        session.flush()
    session.rollback()
    assert len(session.scalars(select(Operation)).all()) == 1


def test_appending_is_still_allowed(session: Session, logged: Operation) -> None:
    repo = TransactionRepository(session)
    repo.log(
        Operation(
            shop_id=logged.shop_id,
            transaction_pk=logged.transaction_pk,
            kind="update",
            source="api",
            actor="test",
            comment="a correction is a new entry",
        )
    )
    session.flush()
    assert repo.count_operations() == 2


@pytest.mark.parametrize("table", [Operation.__table__, AuditEvent.__table__])
@pytest.mark.parametrize("change", ["update", "delete"])
def test_the_database_itself_refuses_to_change_the_logs(
    session: Session, logged: Operation, table, change: str
) -> None:
    """Even SQL that bypasses the ORM (a script, a bulk statement) cannot edit history."""
    statement = (
        table.update().values(actor="someone else") if change == "update" else table.delete()
    )
    with pytest.raises(DBAPIError, match="append-only"):
        session.execute(statement)
    session.rollback()
    assert session.scalar(select(func.count()).select_from(table)) > 0
