"""Jinja2 for the back office: the environment and its filters (pages are rendered by
`pointage.web.backoffice.render`, which adds the layout's context).

Templates live in `web/templates/` (one folder per domain), autoescaped. Texts are marked with
`_("…")` (or `{% trans %}`) and translated into the page's language at render time; filters
format amounts and dates in it:

    {{ t.amount_minor|money(t.currency) }}   1 234,56 € / €1,234.56
    {{ r.value_date|day }}                   4 janv. 2026 / 4 Jan 2026
    {{ t.created_at|instant }}               in the selected shop's time zone
    {{ count|number }}, {{ done|ratio(total) }}

Every page answer carries the same protective headers: a Content-Security-Policy that allows
only the back office's own scripts, styles and images (no inline script), no framing, no
caching of pages that hold merchant data.
"""

from __future__ import annotations

import functools
from datetime import date, datetime
from pathlib import Path
from typing import Any

import jinja2
from fastapi.responses import RedirectResponse
from jinja2 import pass_context
from jinja2.runtime import Context

from pointage.web import formatting, i18n

TEMPLATES_DIR = Path(__file__).parent / "templates"

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


@pass_context
def _gettext(context: Context, message: str) -> str:
    return str(context["translations"].gettext(message))


@pass_context
def _ngettext(context: Context, singular: str, plural: str, count: int) -> str:
    return str(context["translations"].ngettext(singular, plural, count))


@pass_context
def _pgettext(context: Context, message_context: str, message: str) -> str:
    return str(context["translations"].pgettext(message_context, message))


@pass_context
def _money(context: Context, minor: int, currency: str) -> str:
    return formatting.money(minor, currency, context["format_locale"])


@pass_context
def _number(context: Context, value: int) -> str:
    return formatting.number(value, context["format_locale"])


@pass_context
def _ratio(context: Context, numerator: int, denominator: int) -> str:
    return formatting.ratio(numerator, denominator, context["format_locale"])


@pass_context
def _day(context: Context, value: date | None, style: str = "medium") -> str:
    return "" if value is None else formatting.day(value, context["format_locale"], style)


@pass_context
def _instant(
    context: Context, value: datetime | None, zone: str | None = None, style: str = "medium"
) -> str:
    """An instant in `zone`, else in the selected shop's zone, else Europe/Paris."""
    if value is None:
        return ""
    shop = context.get("shop")
    zone = zone or getattr(shop, "timezone", None)
    return formatting.instant(value, zone, context["format_locale"], style)


@functools.cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_callables(  # type: ignore[attr-defined]  # added by the i18n extension
        gettext=_gettext, ngettext=_ngettext, pgettext=_pgettext, newstyle=True
    )
    env.filters.update(money=_money, number=_number, ratio=_ratio, day=_day, instant=_instant)
    return env


def redirect(url: str) -> RedirectResponse:
    """See other: after a form, the browser GETs `url` (a reload does not post again)."""
    return RedirectResponse(url, status_code=303, headers=SECURITY_HEADERS)


def language_context(language: str) -> dict[str, Any]:
    return {
        "lang": language,
        "translations": i18n.translations(language),
        "format_locale": i18n.format_locale(language),
        "languages": i18n.LANGUAGE_NAMES,
    }
