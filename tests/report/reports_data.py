"""Builders of the scheduled-report tests: a shop with payments on DAY and report settings
delivering to a local folder, the capture batch of a day, counts read back."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from pointage.jobs.capture import run_day
from pointage.report.models import Delivery, GeneratedReport
from pointage.report.service.settings import save_settings
from pointage.settings import Settings
from tests.factories import IBAN_BANK_A, ShopSetup, make_payment, make_shop

DAY = date(2026, 3, 2)  # a Monday
# 07:00 in Paris the day after: DAY is over, its batch ran at 23:00.
NOW = datetime(2026, 3, 3, 6, 0, tzinfo=UTC)
CREATED = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
SECRET = "test-secret-key-0123456789abcdef0123456789"


def report_settings(settings: Settings, tmp_path: Path) -> Settings:
    return settings.model_copy(
        update={"reports_dir": str(tmp_path / "reports"), "delivery_backoff_seconds": 60}
    )


def shop_with_reports(
    session: Session,
    outbox: Path | None,
    *,
    shop_id: str = "12345678",
    iban: str = IBAN_BANK_A,
    created: datetime = CREATED,
    **fields: Any,
) -> ShopSetup:
    """A shop with two payments on DAY and settings asking for JT and JO every day,
    delivered into `outbox`, as if saved at `created`."""
    setup = make_shop(session, shop_id=shop_id, iban=iban)
    for n, amount in enumerate((1_250, 990)):
        make_payment(session, setup.shop, amount_minor=amount, order_id=f"{shop_id}-{n}")
    changes: dict[str, Any] = {"journals": ["jt", "jo"], **fields}
    if outbox is not None:
        changes.setdefault("local_directory", str(outbox))
    setting = save_settings(session, setup.shop, changes, "test", secret_key=SECRET)
    setting.created_at = created
    session.flush()
    return setup


def run_batch(factory: sessionmaker[Session], *days: date) -> None:
    for day in days:
        run_day(factory, day)


def count(factory: sessionmaker[Session], model: type[Any], *where: Any) -> int:
    """Rows of `model`, read in a session of its own (committed data only)."""
    with factory() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def reports(factory: sessionmaker[Session]) -> list[GeneratedReport]:
    with factory() as session:
        return list(
            session.scalars(
                select(GeneratedReport).order_by(
                    GeneratedReport.period_start, GeneratedReport.journal
                )
            )
        )


def deliveries(factory: sessionmaker[Session]) -> list[Delivery]:
    with factory() as session:
        return list(session.scalars(select(Delivery).order_by(Delivery.id)))
