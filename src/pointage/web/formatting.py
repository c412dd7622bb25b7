"""Amounts, dates and instants as people read them, in the page's language.

Amounts arrive as integer minor units with their ISO 4217 code and keep the currency's own
number of decimals (EUR 2, JPY 0, TND 3): 123456 EUR is "1 234,56 €" in French and
"€1,234.56" in English. Instants are stored in UTC and shown in the shop's time zone;
banking dates (value dates, remittance dates) are calendar dates and are shown as they are.
"""

from __future__ import annotations

import copy
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal, parse_pattern

from pointage.core.money import exponent, to_decimal

DEFAULT_ZONE = "Europe/Paris"


def money(minor: int, currency: str, locale: Locale) -> str:
    """`minor` units of `currency`, with the currency's symbol where the locale puts it."""
    digits = exponent(currency)
    pattern = copy.copy(parse_pattern(locale.currency_formats["standard"].pattern))
    pattern.frac_prec = (digits, digits)
    value = to_decimal(minor, currency)
    return str(pattern.apply(value, locale, currency=currency, currency_digits=False))


def number(value: int, locale: Locale) -> str:
    """A count with the locale's grouping: 1 234 567 / 1,234,567."""
    return format_decimal(value, locale=locale)


def ratio(numerator: int, denominator: int, locale: Locale) -> str:
    """A share as a percentage with one decimal ("97,5 %" / "97.5%"); "–" when undefined."""
    if denominator == 0:
        return "–"
    pattern = copy.copy(parse_pattern(locale.percent_formats[None].pattern))
    pattern.frac_prec = (1, 1)
    return str(pattern.apply(Decimal(numerator) / Decimal(denominator), locale))


def day(value: date, locale: Locale, style: str = "medium") -> str:
    """A calendar date: "4 janv. 2026" / "4 Jan 2026" (style medium), "04/01/2026" (short)."""
    return format_date(value, format=style, locale=locale)


def instant(value: datetime, zone: str | None, locale: Locale, style: str = "medium") -> str:
    """A UTC instant in the shop's time zone: "4 janv. 2026, 14:05:09"."""
    return format_datetime(value, format=style, tzinfo=time_zone(zone), locale=locale)


def time_zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or DEFAULT_ZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(DEFAULT_ZONE)
