"""The filter form of the remittance list (`/remittances`): the query string as given, each
field checked with a message for the field at fault, and the filters the API's list takes
(remittance.listing).

Fields: `from`, `to` (remittance dates), `status` (a reconciliation status), `contract` (one
of the shop's contract numbers), `currency` (an ISO 4217 code). An empty field does not
filter.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import urlencode

from starlette.datastructures import QueryParams

from pointage.core.money import is_currency
from pointage.core.statuses import ReconciliationStatus
from pointage.remittance.listing import RemittanceFilters

FIELDS = ("from", "to", "status", "contract", "currency")
STATUS_CHOICES = tuple(item.value for item in ReconciliationStatus)
FIRST_DAY = date(2000, 1, 1)
LAST_DAY = date(2100, 12, 31)


@dataclass
class RemittanceForm:
    """The form's values as typed, the error of each field at fault (a key of the page's
    messages, remittance.views.FORM_ERRORS) and, when there is none, the filters."""

    values: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)
    filters: RemittanceFilters = field(default_factory=RemittanceFilters)

    @property
    def query(self) -> str:
        """The non-empty fields as a query string (for links that keep the filter)."""
        return urlencode([(name, value) for name, value in self.values.items() if value])

    @property
    def active(self) -> bool:
        return any(self.values.values())


def read_form(params: QueryParams, contracts: Sequence[str]) -> RemittanceForm:
    values = {name: (params.get(name) or "").strip() for name in FIELDS}
    form = RemittanceForm(values)
    first, last = _date(form, "from"), _date(form, "to")
    if first is not None and last is not None and first > last:
        form.errors["from"] = "order"
    if values["status"] and values["status"] not in STATUS_CHOICES:
        form.errors["status"] = "choice"
    if values["contract"] and values["contract"] not in contracts:
        form.errors["contract"] = "contract"
    currency = values["currency"].upper()
    if currency and not (len(currency) == 3 and is_currency(currency)):
        form.errors["currency"] = "currency"
    if form.errors:
        return form
    form.values["currency"] = currency
    form.filters = RemittanceFilters(
        contract=values["contract"] or None,
        date_from=first,
        date_to=last,
        status=[values["status"]] if values["status"] else None,
        currency=[currency] if currency else None,
    )
    return form


def _date(form: RemittanceForm, name: str) -> date | None:
    text = form.values[name]
    if not text:
        return None
    try:
        if len(text) != 10:
            raise ValueError(text)
        day = date.fromisoformat(text)
    except ValueError:
        form.errors[name] = "date"
        return None
    if not FIRST_DAY <= day <= LAST_DAY:
        form.errors[name] = "date"
        return None
    return day
