"""What the report history (`/reports`) shows besides its list: the filter, `journal` (one
of the journals) and `period` (a day the report's period includes), as typed, each checked
with the key of its message (report.views.FILTER_ERRORS), an empty field not filtering; the
failed deliveries; the channels a re-send may use."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from urllib.parse import urlencode

from sqlalchemy.orm import Session
from starlette.datastructures import QueryParams

from pointage.report.delivery.service import configured_channels
from pointage.report.models import DeliveryStatus, GeneratedReport
from pointage.report.service import history
from pointage.report.service import settings as report_settings
from pointage.report.service.history import DeliveryView
from pointage.report.views_settings import JOURNAL_CHOICES
from pointage.shop.models import Shop

FAILED_SHOWN = 20


@dataclass
class HistoryFilter:
    values: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)
    journal: str | None = None
    day: date | None = None

    @property
    def query(self) -> str:
        """The non-empty fields as a query string (for links that keep the filter)."""
        return urlencode([(name, value) for name, value in self.values.items() if value])


def read_history_filter(params: QueryParams) -> HistoryFilter:
    values = {name: (params.get(name) or "").strip() for name in ("journal", "period")}
    found = HistoryFilter(values)
    if values["journal"]:
        if values["journal"] in JOURNAL_CHOICES:
            found.journal = values["journal"]
        else:
            found.errors["journal"] = "journal"
    if values["period"]:
        try:
            if len(values["period"]) != 10:
                raise ValueError(values["period"])
            found.day = date.fromisoformat(values["period"])
        except ValueError:
            found.errors["period"] = "period"
    return found


def failed_deliveries(
    session: Session, shop: Shop
) -> tuple[list[tuple[DeliveryView, GeneratedReport]], int]:
    """The shop's deliveries that gave up, newest first, each with its report."""
    views, total = history.deliveries_of_shop(
        session, shop, status=DeliveryStatus.FAILED.value, limit=FAILED_SHOWN
    )
    reports = {view.delivery.report_id: None for view in views}
    found = {pk: history.report_of_shop(session, shop, pk) for pk in reports}
    return [(view, found[view.delivery.report_id]) for view in views], total


def configured(session: Session, shop: Shop) -> list[str]:
    setting = report_settings.get_settings(session, shop)
    return [] if setting is None else [channel.value for channel in configured_channels(setting)]
