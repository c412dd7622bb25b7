"""Every shared CFONB 120 sample through the import: the good ones are imported whole, the
broken ones refused or imported with their problems as warnings, never anything else."""

from __future__ import annotations

from pathlib import Path

import pytest
from schwifty import IBAN
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pointage.core.errors import FileRejected
from pointage.formats.statements import parse
from pointage.formats.statements.model import StatementFileError
from pointage.shop import service as shop_service
from pointage.statement.models import StatementEntry
from pointage.statement.service import import_statement_file
from tests.formats.samples import SAMPLES_DIR

SAMPLES = sorted((SAMPLES_DIR / "cfonb120").glob("*.txt"))
BROKEN_WORDS = ("broken", "invalid", "without", "unstarted", "already_defined", "out_of_statement")


def _is_broken(path: Path) -> bool:
    return any(word in path.name for word in BROKEN_WORDS)


def _accounts_of(session: Session, data: bytes) -> None:
    """One merchant owning every account the file names, with the IBAN of its codes."""
    merchant = shop_service.create_merchant(session, "Sample owner")
    try:
        statements = parse(data).statements
    except StatementFileError:
        return
    codes = {
        (s.account.bank_code, s.account.branch_code, s.account.account_number) for s in statements
    }
    for number, (bank, branch, account) in enumerate(sorted(codes), start=1):
        iban = IBAN.generate("FR", bank_code=bank, branch_code=branch, account_code=account)
        shop_service.create_bank_account(session, merchant, iban=str(iban), label=f"A{number}")


def test_there_are_samples() -> None:
    assert len(SAMPLES) >= 10


@pytest.mark.parametrize("path", SAMPLES, ids=[p.name for p in SAMPLES])
def test_a_sample_is_imported_or_refused_clearly(session: Session, path: Path) -> None:
    data = path.read_bytes()
    _accounts_of(session, data)

    try:
        report = import_statement_file(session, data, filename=path.name, actor="test")
    except (FileRejected, StatementFileError) as refused:
        assert _is_broken(path), f"{path.name} refused: {refused}"
        return

    stored = session.scalar(select(func.count()).select_from(StatementEntry))
    assert stored == report.imported
    if _is_broken(path):
        assert report.warnings, f"{path.name} imported without a word of its problems"
    else:
        assert report.imported == sum(len(s.entries) for s in parse(data).statements)


def test_a_gap_between_two_days_of_a_sample_is_a_warning(session: Session) -> None:
    path = SAMPLES_DIR / "cfonb120" / "silarhi-complex-test.txt"
    _accounts_of(session, path.read_bytes())

    report = import_statement_file(session, path.read_bytes(), filename=path.name, actor="test")

    assert report.warnings == [
        "record 25: statement of account 10278 02204 00020427603 (record 25) opens at "
        "584353.02 EUR but the account closed at 11484.75 EUR on 2020-04-15 (gap 572868.27 "
        "EUR): a statement may be missing"
    ]
    assert [s.continuity_gap_minor for s in report.statements][-2:] == [0, 57286827]
