"""The dashboard tests' shops: A and A2 of one merchant (own contracts and accounts), B of
another merchant. The user of the tests sees A only, unless a test says otherwise."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy.orm import Session

from pointage.demo.setup import french_iban
from pointage.shop import service as shops
from tests.dashboard.builders import Book
from tests.factories import IBAN_BANK_B, ShopSetup, make_shop


@dataclass
class World:
    a: Book
    a2: Book  # same merchant as A, another shop
    b: Book  # another merchant

    @property
    def merchant_id(self) -> int:
        return self.a.shop.merchant_id


@pytest.fixture
def world(session: Session) -> World:
    a = make_shop(session, shop_id="11111111")
    account = shops.create_bank_account(
        session, a.merchant, iban=french_iban("30004", "00828", "00010999999"), label="Second"
    )
    shop = shops.create_shop(session, a.merchant, shop_id="11112222", name="Shop A2")
    contract = shops.create_contract(
        session, shop, account, number="C11112222", acquirer="Test Acquirer"
    )
    b = make_shop(session, shop_id="22222222", iban=IBAN_BANK_B)
    session.flush()
    return World(
        Book(session, a),
        Book(session, ShopSetup(a.merchant, shop, account, contract)),
        Book(session, b),
    )
