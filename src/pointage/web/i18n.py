"""The back office's languages: French (the default) and English.

Texts are written in English in the templates and the views, marked for translation, and
translated through gettext catalogs kept as `.po` files in `translations/<lang>/LC_MESSAGES/`.
The `.po` files are the only source: each process compiles them in memory the first time a
language is needed (a few milliseconds), so there is no compiled `.mo` file to forget to
rebuild. docs/backoffice.md gives the commands that extract and update the catalogs.

The language of a page: the signed-in user's saved preference, else the one chosen in this
session before signing in, else the browser's Accept-Language, else French.
"""

from __future__ import annotations

import functools
import io
from pathlib import Path

from babel import Locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

TRANSLATIONS_DIR = Path(__file__).parent / "translations"
DOMAIN = "messages"
LANGUAGES = ("fr", "en")
DEFAULT_LANGUAGE = "fr"
# The language's own name, for the switch (a person looks for their language's name).
LANGUAGE_NAMES = {"fr": "Français", "en": "English"}
# Formats of amounts and dates: France's, and British English (day before month, 24-hour
# clock) for the merchants' English-speaking staff.
_FORMAT_LOCALES = {"fr": "fr_FR", "en": "en_GB"}


def N_(message: str) -> str:  # gettext's usual name for "translate later"
    """Mark a message for extraction; it is translated where it is shown."""
    return message


def supported(language: object) -> str | None:
    """The language if it is one the back office speaks."""
    return language if isinstance(language, str) and language in LANGUAGES else None


@functools.cache
def translations(language: str) -> Translations:
    """The compiled catalog of a language (English, the source language, needs none)."""
    po_file = TRANSLATIONS_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    if language == "en" or not po_file.exists():
        return Translations()
    with po_file.open("rb") as handle:
        catalog = read_po(handle, locale=language, domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)  # fuzzy translations are left out, as msgfmt does
    compiled.seek(0)
    return Translations(compiled, domain=DOMAIN)


@functools.cache
def format_locale(language: str) -> Locale:
    return Locale.parse(_FORMAT_LOCALES.get(language, _FORMAT_LOCALES[DEFAULT_LANGUAGE]))


def from_accept_language(header: str | None) -> str | None:
    """The first language of the browser's list (by quality) that the back office speaks."""
    if not header:
        return None
    ranked: list[tuple[float, int, str]] = []
    for position, item in enumerate(header.split(",")[:32]):
        tag, _, params = item.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        primary = tag.strip().split("-")[0].lower()
        if quality > 0 and primary in LANGUAGES:
            ranked.append((-quality, position, primary))
    return min(ranked)[2] if ranked else None
