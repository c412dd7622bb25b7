"""The back office's dashboard page: the figures of pointage.dashboard.service for the shop
chosen in the header, as of today in that shop's time zone, over a period (the month to date
unless a range of days is chosen).

The page shows one shop, the one the header's selector names, so that "today" is one day
(each shop may have its own time zone) and the page says plainly whose figures they are.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any

from babel.dates import format_skeleton
from fastapi import Query, Request
from fastapi.responses import HTMLResponse

from pointage.dashboard.figures import AwaitingCredit, Forecast
from pointage.dashboard.service import Period, dashboard, month_to_date
from pointage.web import formatting, i18n
from pointage.web.backoffice import (
    CurrentUser,
    SelectedShop,
    gettext_for,
    page_language,
    page_router,
    render,
)
from pointage.web.charts import BarChart, bar_chart
from pointage.web.deps import DbSession

router = page_router()

# Days a period may be chosen in, and its longest span (a year, leap day included).
FIRST_DAY = date(2000, 1, 1)
LAST_DAY = date(2100, 12, 31)
MAX_SPAN_DAYS = 366


@dataclass(frozen=True, slots=True)
class PeriodForm:
    """The period as asked for (`from`, `to`), the period shown and the fields' errors."""

    values: dict[str, str]
    period: Period
    errors: dict[str, str]


@router.get("/dashboard")
def dashboard_page(
    request: Request,
    user: CurrentUser,
    shop: SelectedShop,
    session: DbSession,
    first: Annotated[str | None, Query(alias="from")] = None,
    last: Annotated[str | None, Query(alias="to")] = None,
) -> HTMLResponse:
    _ = gettext_for(request)
    today = shop_today(shop.timezone)
    form = period_form(first, last, today, _)
    figures = dashboard(session, [shop.id], today, form.period)
    context = {
        "figures": figures,
        "form": form,
        "age_charts": age_charts(figures.awaiting_credit, request, _),
        "forecast_charts": forecast_charts(figures.forecast, request, _),
    }
    return render(request, "dashboard/page.html", context, status_code=400 if form.errors else 200)


def shop_today(zone: str | None) -> date:
    """The date it is now in the shop's time zone."""
    return datetime.now(formatting.time_zone(zone)).date()


def period_form(
    first: str | None, last: str | None, today: date, _: Callable[[str], str]
) -> PeriodForm:
    """The period asked for; the month to date when nothing is, or when it is not valid (the
    fields then say why)."""
    values = {"from": (first or "").strip(), "to": (last or "").strip()}
    default = month_to_date(today)
    errors: dict[str, str] = {}
    days: dict[str, date | None] = {}
    for name, fallback in (("from", default.first), ("to", default.last)):
        day = _parse_day(values[name]) if values[name] else fallback
        if day is None:
            errors[name] = _("Enter a date between 2000-01-01 and 2100-12-31.")
        days[name] = day
    if errors:
        return PeriodForm(values, default, errors)
    period = Period(days["from"] or default.first, days["to"] or default.last)
    if period.first > period.last:
        errors["from"] = _("The first day is after the last day.")
    elif (period.last - period.first).days >= MAX_SPAN_DAYS:
        errors["to"] = _("A period covers at most 366 days.")
    if errors:
        return PeriodForm(values, default, errors)
    shown = {"from": period.first.isoformat(), "to": period.last.isoformat()}
    return PeriodForm(shown, period, errors)


def _parse_day(value: str) -> date | None:
    try:
        day = date.fromisoformat(value)
    except ValueError:
        return None
    return day if FIRST_DAY <= day <= LAST_DAY and len(value) == 10 else None


# -- charts ---------------------------------------------------------------------------------


def age_charts(
    awaiting: AwaitingCredit, request: Request, _: Callable[[str], str]
) -> list[BarChart]:
    """One chart per currency of the awaited credits, a bar per age."""
    locale = i18n.format_locale(page_language(request))
    labels = [_("0–1 days"), _("2–3 days"), _("4–7 days"), _("8+ days")]
    charts = []
    for line in awaiting.total.by_currency:
        currency = line.currency
        points = [
            (
                label,
                bucket.totals.amount(currency),
                _money(bucket.totals.amount(currency), currency, locale),
            )
            for label, bucket in zip(labels, awaiting.buckets, strict=True)
        ]
        title = _("Awaiting credit by age in business days") + f" ({currency})"
        charts.append(bar_chart(title, points))
    return charts


def forecast_charts(
    forecast: Forecast, request: Request, _: Callable[[str], str]
) -> list[BarChart]:
    """One chart per currency expected on the next business days, a bar per day."""
    locale = i18n.format_locale(page_language(request))
    currencies = sorted({line.currency for day in forecast.days for line in day.totals.by_currency})
    charts = []
    for currency in currencies:
        points = [
            (
                format_skeleton("MMMd", day.day, locale=locale),
                day.totals.amount(currency),
                _money(day.totals.amount(currency), currency, locale),
            )
            for day in forecast.days
        ]
        title = _("Credits expected on the next business days") + f" ({currency})"
        charts.append(bar_chart(title, points))
    return charts


def _money(minor: int, currency: str, locale: Any) -> str:
    return formatting.money(minor, currency, locale)
