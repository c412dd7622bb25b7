"""The transaction list kept up to date while it is open: the page asks every few seconds
`GET /transactions/changes?since=<instant>&ids=<uuid>,<uuid>…` for those of its lines that
changed (a reconciliation run, a manual match, an operation, a status received from the
gateway all stamp `Transaction.updated_at`), and replaces each with the line as the list
now shows it.

The answer is JSON: `since`, the instant to ask from next time, and `rows`, each with the
transaction's `uuid`, its `updated` stamp, the line's `html` and a `message` to announce.
`since` lags the server's clock by `OVERLAP` so that a change whose unit of work commits
after the question was read is still seen by the next one; the page skips a line whose
stamp it already shows.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from fastapi import Request
from sqlalchemy.orm import Session

from pointage.core.errors import InvalidInput
from pointage.payment.models import Transaction
from pointage.payment.repository import TransactionRepository
from pointage.web.backoffice import gettext_for, page_language
from pointage.web.templating import environment, language_context

if TYPE_CHECKING:
    from pointage.payment.views import Line

OVERLAP = timedelta(seconds=30)
MAX_IDS = 100
POLL_SECONDS = 5
_UUID = re.compile(r"[0-9a-f]{32}")


def since_now() -> str:
    """The `since` of a page read now."""
    return (datetime.now(UTC) - OVERLAP).isoformat(timespec="microseconds")


def read_since(text: str) -> datetime:
    try:
        instant = datetime.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput("since: give an ISO 8601 instant with its zone", param="since") from None
    if instant.tzinfo is None:
        raise InvalidInput("since: the instant needs a zone (Z, +01:00)", param="since")
    return instant.astimezone(UTC)


def read_ids(text: str) -> list[str]:
    ids = [part.strip() for part in text.split(",") if part.strip()]
    if len(ids) > MAX_IDS:
        raise InvalidInput(f"ids: at most {MAX_IDS} transactions", param="ids")
    if not all(_UUID.fullmatch(uuid) for uuid in ids):
        raise InvalidInput("ids: transaction ids are 32 hexadecimal characters", param="ids")
    return list(dict.fromkeys(ids))


def changed(
    session: Session, shop_pk: int, mode: str, since: datetime, uuids: Sequence[str]
) -> Sequence[Transaction]:
    return TransactionRepository(session).changed_since(shop_pk, mode, uuids, since)


def answer(request: Request, lines: Sequence[Line]) -> dict[str, Any]:
    """The JSON body: the lines rendered as the list renders them, in the page's language."""
    _ = gettext_for(request)
    template = environment().get_template("transactions/list_row.html")
    context = {
        **language_context(page_language(request)),
        "shop": getattr(request.state, "shop_view", None),
        "stamp": stamp,
    }
    rows = []
    for line in lines:
        tx = line.transaction
        message = _("Transaction {id} updated: {status}, {reconciliation}.").format(
            id=tx.transaction_id, status=tx.status, reconciliation=_(line.indicator.label)
        )
        rows.append(
            {
                "uuid": tx.uuid,
                "updated": stamp(tx),
                "html": template.render({**context, "line": line}),
                "message": message,
            }
        )
    return {"since": since_now(), "rows": rows}


def stamp(tx: Transaction) -> str:
    """The version of a line the page shows (its `data-updated`)."""
    return tx.updated_at.astimezone(UTC).isoformat(timespec="microseconds")
