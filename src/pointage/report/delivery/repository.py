"""All queries of report deliveries."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from pointage.report.models import (
    Delivery,
    DeliveryStatus,
    GeneratedReport,
    ReportSetting,
)
from pointage.shop.models import Shop


def find_delivery(session: Session, report_id: int, channel: str, sequence: int) -> Delivery | None:
    return session.scalars(
        select(Delivery).where(
            Delivery.report_id == report_id,
            Delivery.channel == channel,
            Delivery.sequence == sequence,
        )
    ).one_or_none()


def last_sequence(session: Session, report_id: int, channel: str) -> int | None:
    return session.scalar(
        select(func.max(Delivery.sequence)).where(
            Delivery.report_id == report_id, Delivery.channel == channel
        )
    )


def insert_delivery(session: Session, delivery: Delivery) -> bool:
    """Insert in a savepoint; False when (report, channel, sequence) is already taken, by
    another process scheduling the same delivery at the same moment."""
    try:
        with session.begin_nested():
            session.add(delivery)
    except IntegrityError:
        return False
    return True


def lock_next_due(session: Session, now: datetime, exclude: Collection[int]) -> Delivery | None:
    """The pending delivery due first, locked. SKIP LOCKED lets several workers on
    PostgreSQL each take a different one; SQLite has no row locks (the clause is not
    rendered) and serialises writers with BEGIN IMMEDIATE instead."""
    query = (
        select(Delivery)
        .where(
            Delivery.status == DeliveryStatus.PENDING.value,
            or_(Delivery.next_attempt_at.is_(None), Delivery.next_attempt_at <= now),
        )
        .order_by(Delivery.next_attempt_at.is_not(None), Delivery.next_attempt_at, Delivery.id)
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    if exclude:
        query = query.where(Delivery.id.not_in(exclude))
    return session.scalars(query).first()


def lock_delivery(session: Session, delivery_id: int) -> Delivery:
    return session.scalars(
        select(Delivery).where(Delivery.id == delivery_id).with_for_update()
    ).one()


def report_of(session: Session, delivery: Delivery) -> GeneratedReport:
    return session.scalars(
        select(GeneratedReport).where(GeneratedReport.id == delivery.report_id)
    ).one()


def setting_of_shop(session: Session, shop_id: int) -> ReportSetting | None:
    return session.scalars(
        select(ReportSetting).where(ReportSetting.shop_id == shop_id)
    ).one_or_none()


def shop_by_id(session: Session, shop_id: int) -> Shop:
    return session.scalars(select(Shop).where(Shop.id == shop_id)).one()
