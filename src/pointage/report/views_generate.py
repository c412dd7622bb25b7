"""The form that generates a journal on demand (`/reports/generate`): a journal, the first and
the last day of a period that is over (the last left empty: the first day alone), a format.
Each field is checked with the key of its message (report.views.GENERATE_ERRORS); what the
service refuses afterwards (report.service.on_demand) is put next to its field too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from pointage.core.errors import InvalidInput
from pointage.report.service.generate import MAX_PERIOD_DAYS, ReportExists
from pointage.report.views_settings import FORMAT_CHOICES, JOURNAL_CHOICES

FIRST_DAY = date(2000, 1, 1)


@dataclass
class GenerateForm:
    values: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)
    first: date | None = None
    last: date | None = None
    existing: int | None = None  # the report there is, when it was generated already


def read_generate(journal: str, first: str, last: str, fmt: str) -> GenerateForm:
    values = {"journal": journal.strip(), "first": first.strip(), "last": last.strip()}
    values["format"] = fmt.strip()
    form = GenerateForm(values)
    if values["journal"] not in JOURNAL_CHOICES:
        form.errors["journal"] = "choice"
    if values["format"] not in FORMAT_CHOICES:
        form.errors["format"] = "choice"
    form.first = _day(form, "first", required=True)
    form.last = _day(form, "last", required=False) or form.first
    if form.first is not None and form.last is not None:
        if form.last < form.first:
            form.errors["first"] = "order"
        elif (form.last - form.first).days >= MAX_PERIOD_DAYS:
            form.errors["last"] = "too_long"
    return form


def _day(form: GenerateForm, name: str, *, required: bool) -> date | None:
    text = form.values[name]
    if not text:
        if required:
            form.errors[name] = "required"
        return None
    try:
        if len(text) != 10:
            raise ValueError(text)
        day = date.fromisoformat(text)
    except ValueError:
        form.errors[name] = "date"
        return None
    if day < FIRST_DAY:
        form.errors[name] = "date"
        return None
    return day


def refused(form: GenerateForm, error: InvalidInput | ReportExists) -> None:
    """What the service refused: a report there is already, or a period not over."""
    if isinstance(error, ReportExists):
        form.errors["first"] = "exists"
        form.existing = error.report_id
    elif error.param in ("journal", "format"):
        form.errors[error.param] = "choice"
    elif error.param in ("date", "period_start", "period_end"):
        form.errors["last"] = "not_over"
    else:  # the settings' file name pattern makes no name for this period
        form.errors["journal"] = "refused"
