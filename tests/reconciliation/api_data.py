"""The world of the reconciliation API tests: a shop with its remittance and bank file, a
neighbour shop of the same merchant, a shop of another merchant, and their keys."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from pointage.auth.service.keys import issue_production_key
from pointage.settings import Settings
from pointage.shop import service as shop_service
from tests.factories import IBAN_BANK_B, make_shop
from tests.reconciliation.manual_data import Books, books, captured
from tests.statement.cfonb import EXAMPLE_IBANS

MINE, NEIGHBOUR, STRANGER = "12345678", "23456789", "87654321"


@dataclass
class Api:
    data: Books
    keys: dict[str, str]
    neighbour_remittance: int
    neighbour_payment: str

    def auth(self, shop: str = MINE) -> tuple[str, str]:
        return shop, self.keys[shop]


def make_api(session: Session, settings: Settings) -> Api:
    """Shop MINE with its remittance and bank file; NEIGHBOUR, another shop of the same
    merchant paid on another account; STRANGER, a shop of another merchant."""
    data = books(session)
    merchant = data.setup.merchant
    neighbour = shop_service.create_shop(session, merchant, shop_id=NEIGHBOUR, name="Neighbour")
    account = shop_service.create_bank_account(session, merchant, iban=IBAN_BANK_B, label="B")
    contract = shop_service.create_contract(
        session, neighbour, account, number="C2", acquirer="Test Acquirer", credit_delay_days=2
    )
    theirs = captured(
        session, type(data.setup)(merchant, neighbour, account, contract), [3_000], tag="N"
    )
    stranger = make_shop(session, shop_id=STRANGER, iban=EXAMPLE_IBANS[0])
    keys = {
        shop.shop_id: issue_production_key(session, shop, settings.secret_key)
        for shop in (data.setup.shop, neighbour, stranger.shop)
    }
    session.commit()
    return Api(data, keys, theirs.remittance.id, theirs.payments[0].uuid)


def problem(response, status: int, param: str | None = None) -> dict:
    """The problem+json body of an error answer with this status (and param)."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    if param is not None:
        assert body["param"] == param, body
    return body
