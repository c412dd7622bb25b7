"""The back office's languages: every text of the templates and views translated into French,
the catalogs sound, and amounts and dates as each language writes them."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from pointage.web import formatting, i18n
from pointage.web.templating import environment, language_context

ROOT = Path(__file__).resolve().parents[2]
CATALOG = i18n.TRANSLATIONS_DIR / "{}" / "LC_MESSAGES" / "messages.po"
NBSP, NNBSP = "\u00a0", "\u202f"


def _used_msgids() -> set[str]:
    """What `pybabel extract -F babel.cfg -k N_` finds in the sources and templates."""
    with (ROOT / "babel.cfg").open() as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    keywords = {
        "_": None,
        "gettext": None,
        "ngettext": (1, 2),
        "pgettext": ((1, "c"), 2),
        "N_": None,
    }
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=keywords
    ):
        found.add(message if isinstance(message, str) else message[0])
    return found


def _catalog(language: str):
    with Path(str(CATALOG).format(language)).open("rb") as handle:
        return read_po(handle, locale=language)


def test_every_text_of_the_templates_and_views_has_a_french_translation():
    used = _used_msgids()
    assert "Skip to main content" in used  # the templates are read
    assert "Wrong e-mail address or password." in used  # and the views
    catalog = _catalog("fr")
    missing = sorted(
        msgid for msgid in used if not (catalog.get(msgid) and catalog.get(msgid).string)
    )
    assert missing == [], f"untranslated into French: {missing}"
    fuzzy = sorted(m.id for m in catalog if m.id and m.fuzzy)
    assert fuzzy == [], f"fuzzy (left out at compile time): {fuzzy}"


def test_the_catalogs_hold_only_texts_still_used_with_their_placeholders():
    used = _used_msgids()
    for language in i18n.LANGUAGES:
        catalog = _catalog(language)
        assert {m.id for m in catalog if m.id} == used, language
        problems = [(m.id, errors) for m, errors in catalog.check() if errors]
        assert problems == [], problems


def test_the_compiled_catalogs_translate():
    assert i18n.translations("fr").gettext("Cash management") == "Gestion de caisse"
    assert i18n.translations("en").gettext("Cash management") == "Cash management"


@pytest.mark.parametrize(
    ("minor", "currency", "french", "english"),
    [
        (123456, "EUR", f"1{NNBSP}234,56{NBSP}€", "€1,234.56"),
        (-123456, "EUR", f"-1{NNBSP}234,56{NBSP}€", "-€1,234.56"),
        (5, "EUR", f"0,05{NBSP}€", "€0.05"),
        (0, "EUR", f"0,00{NBSP}€", "€0.00"),
        (1234, "JPY", f"1{NNBSP}234{NBSP}JPY", "JP¥1,234"),
        (1234567, "TND", f"1{NNBSP}234,567{NBSP}TND", "TND1,234.567"),
        (123456789012, "EUR", f"1{NNBSP}234{NNBSP}567{NNBSP}890,12{NBSP}€", "€1,234,567,890.12"),
    ],
)
def test_amounts_in_minor_units_keep_their_currencys_decimals(minor, currency, french, english):
    assert formatting.money(minor, currency, i18n.format_locale("fr")) == french
    assert formatting.money(minor, currency, i18n.format_locale("en")) == english


def test_dates_counts_and_shares_in_each_language():
    fr, en = i18n.format_locale("fr"), i18n.format_locale("en")
    day = date(2026, 1, 4)
    assert (formatting.day(day, fr), formatting.day(day, en)) == ("4 janv. 2026", "4 Jan 2026")
    assert formatting.day(day, fr, "short") == "04/01/2026"
    assert (formatting.number(1234567, fr), formatting.number(1234567, en)) == (
        f"1{NNBSP}234{NNBSP}567",
        "1,234,567",
    )
    assert (formatting.ratio(975, 1000, fr), formatting.ratio(2, 3, en)) == (
        f"97,5{NBSP}%",
        "66.7%",
    )
    assert formatting.ratio(1, 0, fr) == "–"


def test_instants_are_shown_in_the_shops_time_zone():
    fr = i18n.format_locale("fr")
    late = datetime(2026, 1, 4, 23, 30, tzinfo=UTC)
    assert formatting.instant(late, "Europe/Paris", fr) == "5 janv. 2026, 00:30:00"
    assert formatting.instant(late, "America/Martinique", fr) == "4 janv. 2026, 19:30:00"
    assert formatting.instant(late, "Not/AZone", fr) == "5 janv. 2026, 00:30:00"
    summer = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)
    assert (
        formatting.instant(summer, None, i18n.format_locale("en"), "short") == "01/07/2026, 14:00"
    )


def test_the_template_filters_use_the_pages_language_and_shop():
    class Shop:
        timezone = "Indian/Reunion"

    source = "{{ 123456|money('EUR') }} | {{ at|instant }} | {{ d|day }} | {{ _('Reports') }}"
    template = environment().from_string(source)
    at = datetime(2026, 3, 1, 22, 0, tzinfo=UTC)
    values = {"at": at, "d": date(2026, 3, 2), "shop": Shop()}
    assert template.render(**language_context("fr"), **values) == (
        f"1{NNBSP}234,56{NBSP}€ | 2 mars 2026, 02:00:00 | 2 mars 2026 | Rapports"
    )
    assert template.render(**language_context("en"), **values) == (
        "€1,234.56 | 2 Mar 2026, 02:00:00 | 2 Mar 2026 | Reports"
    )


@pytest.mark.parametrize(
    ("header", "language"),
    [
        ("fr-FR,fr;q=0.9", "fr"),
        ("en-US,en;q=0.9,fr;q=0.8", "en"),
        ("fr;q=0.5, en;q=0.6", "en"),
        ("de-DE, it", None),
        ("EN", "en"),
        ("en;q=abc, fr", "fr"),
        ("*", None),
        ("", None),
        (None, None),
    ],
)
def test_the_browsers_languages_by_preference(header, language):
    assert i18n.from_accept_language(header) == language
