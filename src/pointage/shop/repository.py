"""All queries on merchants, shops, bank accounts and contracts."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from pointage.shop.models import BankAccount, Contract, Merchant, Shop


class ShopRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, obj: Merchant | Shop | BankAccount | Contract) -> None:
        self.session.add(obj)
        self.session.flush()

    def shop_by_shop_id(self, shop_id: str) -> Shop | None:
        return self.session.scalar(select(Shop).where(Shop.shop_id == shop_id))

    def shop(self, pk: int) -> Shop | None:
        return self.session.get(Shop, pk)

    def shops(self) -> Sequence[Shop]:
        return self.session.scalars(select(Shop).order_by(Shop.shop_id)).all()

    def shops_of_merchant(self, merchant_id: int) -> Sequence[Shop]:
        return self.session.scalars(
            select(Shop).where(Shop.merchant_id == merchant_id).order_by(Shop.shop_id)
        ).all()

    def contracts_of_shop(self, shop_pk: int) -> Sequence[Contract]:
        return self.session.scalars(
            select(Contract).where(Contract.shop_id == shop_pk).order_by(Contract.id)
        ).all()

    def contract(self, pk: int) -> Contract | None:
        return self.session.get(Contract, pk)

    def contract_by_number(self, number: str) -> Contract | None:
        return self.session.scalar(select(Contract).where(Contract.number == number))

    def bank_account(self, pk: int) -> BankAccount | None:
        return self.session.get(BankAccount, pk)

    def bank_account_by_iban(self, iban: str) -> BankAccount | None:
        return self.session.scalar(select(BankAccount).where(BankAccount.iban == iban))

    def merchant(self, pk: int) -> Merchant | None:
        return self.session.get(Merchant, pk)
