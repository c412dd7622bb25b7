from pointage.core.statuses import DetailedStatus
from tests.factories import make_payment, make_shop


def test_a_shop_and_a_payment_can_be_stored(session):
    setup = make_shop(session)
    tx = make_payment(session, setup.shop)
    session.commit()
    assert tx.detailed_status == DetailedStatus.AUTHORISED
    assert tx.contract_id == setup.contract.id
    assert setup.bank_account.bank_code == "30006"
