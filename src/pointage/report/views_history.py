"""The filter of the report history (`/reports`): `journal` (one of the journals) and
`period` (a day the report's period includes), as typed, each checked with the key of its
message (report.views.FILTER_ERRORS). An empty field does not filter."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from urllib.parse import urlencode

from starlette.datastructures import QueryParams

from pointage.report.views_settings import JOURNAL_CHOICES


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
