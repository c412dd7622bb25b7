"""A generated report on disk and in the database, with the shop's report settings."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from pointage.auth.keys import encrypt_key
from pointage.report.models import (
    Delivery,
    DeliveryAttempt,
    GeneratedReport,
    ReportSetting,
)
from pointage.settings import Settings
from tests.factories import IBAN_BANK_A, make_shop

CSV_CONTENT = "TITRE;12345678;20260303T020000Z;POINTAGE_JT_V1\nENTETE;ORDER_ID\nTRANSACTION;Café\n"


@dataclass
class Built:
    report: GeneratedReport
    setting: ReportSetting
    file: Path


def make_report(
    session: Session,
    settings: Settings,
    *,
    shop_id: str = "12345678",
    iban: str = IBAN_BANK_A,
    content: bytes | None = None,
    fmt: str = "csv",
    encoding: str = "utf-8",
    journal: str = "jt",
    day: date = date(2026, 3, 2),
    **setting_fields: Any,
) -> Built:
    """A shop with report settings (`setting_fields`, e.g. local_directory=…) and one
    generated journal whose file lies in the reports directory."""
    shop = make_shop(session, shop_id=shop_id, iban=iban).shop
    password = setting_fields.pop("sftp_password", None)
    if password is not None:
        setting_fields["sftp_password_encrypted"] = encrypt_key(password, settings.secret_key)
    setting = ReportSetting(shop_id=shop.id, journals=[journal], **setting_fields)
    session.add(setting)
    data = content if content is not None else CSV_CONTENT.encode(encoding)
    filename = f"{journal.upper()}_SHOP_{shop_id}_{day:%y%m%d}.{fmt}"
    relative = Path(shop_id) / filename
    path = Path(settings.reports_dir) / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    report = GeneratedReport(
        shop_id=shop.id,
        journal=journal,
        period_start=day,
        period_end=day,
        format=fmt,
        encoding=encoding,
        filename=filename,
        storage_path=str(relative),
        sha256=hashlib.sha256(data).hexdigest(),
        size_bytes=len(data),
        row_count=1,
        generated_by="test",
    )
    session.add(report)
    session.flush()
    return Built(report, setting, path)


def deliveries(factory: sessionmaker[Session]) -> list[Delivery]:
    """Every delivery as the database has it now (read in a session of its own)."""
    with factory() as session:
        return list(session.scalars(select(Delivery).order_by(Delivery.id)))


def attempts(factory: sessionmaker[Session], delivery_id: int) -> list[DeliveryAttempt]:
    with factory() as session:
        return list(
            session.scalars(
                select(DeliveryAttempt)
                .where(DeliveryAttempt.delivery_id == delivery_id)
                .order_by(DeliveryAttempt.id)
            )
        )
