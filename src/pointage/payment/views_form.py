"""The filter form of the transaction list (`/transactions`): the query string as given,
each field checked with a message for the field at fault, and the same filters for the list,
the CSV and the Excel export.

Fields: `from`, `to` (dates in the shop's time zone), `status`, `reconciliation`, `dispute`,
`order_id`, `transaction_id`, `card` (the card's last four digits), `amount_min`,
`amount_max` (in the currency's units, "12.50" or "12,50"), `remittance` (its number). An
empty field does not filter. The list's order is `sort` (a key of `views_sort.SORT_COLUMNS`)
and `dir` (`asc` or `desc`), newest first when not given.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from urllib.parse import urlencode

from starlette.datastructures import QueryParams

from pointage.core.errors import InvalidAmount, InvalidInput
from pointage.core.money import to_minor
from pointage.core.statuses import DisputeFlag, ReconciliationStatus, Status
from pointage.payment import filters as list_filters
from pointage.payment.filters import RawFilters, TransactionFilters
from pointage.payment.views_sort import DIRECTIONS, SORT_COLUMNS, Sort
from pointage.report.export import ExportFilters

FIELDS = (
    "from",
    "to",
    "status",
    "reconciliation",
    "dispute",
    "order_id",
    "transaction_id",
    "card",
    "amount_min",
    "amount_max",
    "remittance",
)
# Amounts are typed in the currency's units and compared in minor units with two decimals
# (the list compares minor units whatever a transaction's currency).
AMOUNT_CURRENCY = "EUR"
MAX_AMOUNT = 10**13
MAX_REMITTANCE = 2**31 - 1
_SIX_DIGITS = re.compile(r"\d{6}")
_FOUR_DIGITS = re.compile(r"\d{4}")

STATUS_CHOICES = tuple(item.value for item in Status)
RECONCILIATION_CHOICES = tuple(item.value for item in ReconciliationStatus)
DISPUTE_CHOICES = tuple(item.value for item in DisputeFlag)


@dataclass
class FilterForm:
    """The form's values as typed, and the error of each field at fault (a key of the
    page's messages)."""

    values: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)
    filters: TransactionFilters = field(default_factory=TransactionFilters)
    date_from: date | None = None
    date_to: date | None = None
    sort: Sort = field(default_factory=Sort)

    @property
    def filter_query(self) -> str:
        """The form's non-empty fields as a query string (for links that keep the filter)."""
        return urlencode([(name, value) for name, value in self.values.items() if value])

    @property
    def query(self) -> str:
        """The filter and the order, when not the default one (links to other pages)."""
        order = "" if self.sort.is_default else self.sort_query()
        return "&".join(part for part in (self.filter_query, order) if part)

    def sort_query(self, sort: Sort | None = None) -> str:
        chosen = sort or self.sort
        return urlencode({"sort": chosen.key, "dir": chosen.direction})

    def sort_link(self, key: str) -> str:
        """The list's address sorted as a click on the header of column `key` asks."""
        return "/transactions?" + "&".join(
            part for part in (self.filter_query, self.sort_query(self.sort.toggled(key))) if part
        )

    @property
    def active(self) -> bool:
        return any(self.values.values())

    def export_filters(self, shop_id: str) -> ExportFilters:
        f = self.filters
        return ExportFilters(
            shop_ids=(shop_id,),
            date_from=self.date_from,
            date_to=self.date_to,
            statuses=f.statuses,
            reconciliation_statuses=f.reconciliation_statuses,
            disputes=f.disputes,
            order_id=f.order_id,
            amount_min=f.amount_min,
            amount_max=f.amount_max,
            remittance_number=f.remittance_number,
        )

    @property
    def excel_covers(self) -> bool:
        """Whether the Excel export narrows as the list does (it has no transaction id nor
        card filter)."""
        return not self.values["transaction_id"] and not self.values["card"]


def read_form(params: QueryParams, timezone: str) -> FilterForm:
    values = {name: (params.get(name) or "").strip() for name in FIELDS}
    form = FilterForm(values)
    form.date_from = _date(form, "from")
    form.date_to = _date(form, "to")
    if form.date_from and form.date_to and form.date_from > form.date_to:
        form.errors["from"] = "order"
    for name, choices in (
        ("status", STATUS_CHOICES),
        ("reconciliation", RECONCILIATION_CHOICES),
        ("dispute", DISPUTE_CHOICES),
    ):
        if values[name] and values[name] not in choices:
            form.errors[name] = "choice"
    _pattern(form, "order_id", lambda v: len(v) <= list_filters.MAX_ORDER_ID)
    _pattern(form, "transaction_id", _SIX_DIGITS.fullmatch)
    _pattern(form, "card", _FOUR_DIGITS.fullmatch)
    amount_min, amount_max = _amount(form, "amount_min"), _amount(form, "amount_max")
    if amount_min is not None and amount_max is not None and amount_min > amount_max:
        form.errors["amount_min"] = "amount_order"
    remittance = _remittance(form)
    form.sort = _sort(form, params)
    if form.errors:
        return form
    raw = RawFilters(
        created_from=values["from"] or None,
        created_to=values["to"] or None,
        status=[values["status"]] if values["status"] else None,
        reconciliation_status=[values["reconciliation"]] if values["reconciliation"] else None,
        dispute=[values["dispute"]] if values["dispute"] else None,
        order_id=values["order_id"] or None,
        amount_min=amount_min,
        amount_max=amount_max,
        remittance_number=remittance,
    )
    try:
        checked = list_filters.read(raw, timezone)
    except InvalidInput:  # every value was checked above; a date at the calendar's edge
        form.errors["from"] = "date"
        return form
    form.filters = _with_own(checked, values)
    return form


def _sort(form: FilterForm, params: QueryParams) -> Sort:
    key = (params.get("sort") or "").strip() or Sort().key
    column = SORT_COLUMNS.get(key)
    direction = (params.get("dir") or "").strip() or (
        column.first_direction if column else Sort().direction
    )
    if column is None or direction not in DIRECTIONS:
        form.errors["sort"] = "sort"
        return Sort()
    return Sort(key, direction)


def _with_own(checked: TransactionFilters, values: dict[str, str]) -> TransactionFilters:
    return replace(
        checked,
        transaction_id=values["transaction_id"] or None,
        card_last4=values["card"] or None,
    )


def _date(form: FilterForm, name: str) -> date | None:
    text = form.values[name]
    if not text:
        return None
    try:
        if len(text) != 10:
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError:
        form.errors[name] = "date"
        return None


def _pattern(form: FilterForm, name: str, check: Callable[[str], object]) -> None:
    text = form.values[name]
    if text and not check(text):
        form.errors[name] = name


def _amount(form: FilterForm, name: str) -> int | None:
    text = form.values[name].replace(" ", "").replace("\u202f", "").replace(",", ".")
    if not text:
        return None
    try:
        minor = to_minor(text, AMOUNT_CURRENCY)
    except InvalidAmount:
        minor = -1
    if not 0 <= minor <= MAX_AMOUNT:
        form.errors[name] = "amount"
        return None
    return minor


def _remittance(form: FilterForm) -> int | None:
    text = form.values["remittance"]
    if not text:
        return None
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= MAX_REMITTANCE:
        form.errors["remittance"] = "remittance"
        return None
    return int(text)
