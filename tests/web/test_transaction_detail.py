"""The transaction detail page through HTTP: what it shows (header, timeline down to the bank
file's record and the match's criteria), each action allowed and refused, the confirmation
page, the CSRF token, read-only users, and transactions that are not the shop's."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from pointage.auth.service.users import create_user
from pointage.core.statuses import DetailedStatus, Mode, OperationKind, Role
from pointage.payment.detail.views import CHANGE_LABELS, EVENT_TITLES
from pointage.payment.models import Operation, Transaction
from pointage.payment.views_detail_model import CHANGED_FIELDS, MATCH_TITLES
from tests.web.backoffice_world import GIVEN, OTHER, PASSWORD, World, make_world, sign_in, token_of
from tests.web.detail_data import charged_back, payment, reconciled, suggested, transaction

PARIS, LYON = list(GIVEN)
NICE = OTHER[0]
ENGLISH = {"accept-language": "en-GB"}


@pytest.fixture
def world(settings, session_factory) -> World:
    return make_world(settings, session_factory)


def signed_in(world: World, email: str | None = None) -> TestClient:
    client = world.client(headers=ENGLISH)
    response = sign_in(client) if email is None else sign_in(client, email, PASSWORD)
    assert response.status_code == 303
    return client


def act(client: TestClient, uuid: str, action: str, **data: str):
    """The action's form posted from the detail page, with the page's token."""
    token = token_of(client.get(f"/transactions/{uuid}").text)
    return client.post(f"/transactions/{uuid}/{action}", data={**data, "csrf_token": token})


def text(html: str) -> str:
    """The page's words, tags removed and spaces folded."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def operations(world: World, uuid: str) -> list[Operation]:
    with world.factory() as session:
        tx = transaction(session, uuid)
        return list(
            session.scalars(
                select(Operation).where(Operation.transaction_pk == tx.id).order_by(Operation.id)
            )
        )


def stored(world: World, uuid: str) -> Transaction:
    with world.factory() as session:
        tx = transaction(session, uuid)
        session.expunge(tx)
        return tx


def children(world: World, uuid: str) -> list[Transaction]:
    with world.factory() as session:
        parent = transaction(session, uuid)
        rows = list(session.scalars(select(Transaction).where(Transaction.parent_id == parent.id)))
        session.expunge_all()
        return rows


# -- what the page shows ---------------------------------------------------------------------


def test_the_header_and_the_timeline_go_down_to_the_bank_files_record_and_criteria(world):
    with world.factory() as session, session.begin():
        data = reconciled(session, PARIS)
    page = signed_in(world).get(f"/transactions/{data.payment}")

    assert page.status_code == 200
    words = text(page.text)
    for fact in (
        "€100.00",
        "PAID",
        "CAPTURED",
        "Order id A-1",
        "CB 497010XXXXXX0044",
        "Contract C11111111",
        "Expected credit date 4 Mar 2026",
        "Captured on 2 Mar 2026",
    ):
        assert fact in words
    indicator = re.search(
        r'id="reconciliation-indicator"[^>]*>(.*?)</span>\s*</p>', page.text, re.S
    )
    assert indicator and "Reconciled" in text(indicator.group(1)) and "✓" in indicator.group(1)
    assert 'class="recon recon-ok"' in page.text
    timeline = text(page.text.split('id="timeline"')[1])
    # In order: the payment, its capture into the remittance, the match of the bank's credit.
    assert (
        timeline.index("Payment received from the gateway")
        < timeline.index("Captured in a remittance")
        < timeline.index("Reconciled automatically")
    )
    assert "Remittance no. 1 of 2 Mar 2026, contract C11111111" in timeline
    assert "releve.txt (cfonb120) 2 FR7630006000011234567890189 4 Mar 2026 €148.70" in timeline
    assert "Line 2 of releve.txt, as the bank wrote it" in timeline
    assert "remittance_reference 1 - ✕ Not met 0 no remittance number in the label" in timeline
    assert "amount 99.15 EUR 99.15 EUR ✓ Met 40" in timeline
    assert "Test" not in text(page.text.split("<h1>")[1].split("</header>")[0])


def test_a_test_mode_transaction_is_shown_with_a_test_badge(world):
    with world.factory() as session, session.begin():
        uuid = payment(session, PARIS, mode=Mode.TEST)
    page = signed_in(world).get(f"/transactions/{uuid}")
    assert page.status_code == 200
    assert re.search(r'<span class="badge detail-test"[^>]*>Test</span>', page.text)


@pytest.mark.parametrize("whose", ["other selected", "not given", "unknown", "malformed"])
def test_a_transaction_not_of_the_selected_shop_is_not_found(world, whose):
    with world.factory() as session, session.begin():
        uuids = {
            "other selected": payment(session, LYON),
            "not given": payment(session, NICE),
            "unknown": "0" * 32,
            "malformed": "not-a-uuid",
        }
    client = signed_in(world)
    page = client.get(f"/transactions/{uuids[whose]}")
    assert page.status_code == 404
    assert "Page not found" in page.text
    assert client.get(f"/transactions/{uuids[whose]}/cancel").status_code == 404
    assert act(client, uuids[whose], "cancel").status_code == 404
    if whose in ("other selected", "not given"):
        assert stored(world, uuids[whose]).detailed_status == "AUTHORISED"


def test_a_post_for_another_shops_transaction_changes_nothing(world):
    with world.factory() as session, session.begin():
        own = payment(session, PARIS)
        theirs = payment(session, NICE)
    client = signed_in(world)
    token = token_of(client.get(f"/transactions/{own}").text)
    answer = client.post(f"/transactions/{theirs}/cancel", data={"csrf_token": token})
    assert answer.status_code == 404
    assert stored(world, theirs).detailed_status == "AUTHORISED"


# -- merchant operations ---------------------------------------------------------------------


def test_refund_creates_a_refund_on_the_timeline_with_who_and_why(world):
    with world.factory() as session, session.begin():
        data = reconciled(session, PARIS)
    client = signed_in(world)

    answer = act(client, data.payment, "refund", amount="40.00", comment="Damaged parcel")

    assert answer.status_code == 303
    assert answer.headers["location"] == f"/transactions/{data.payment}"
    (refund,) = children(world, data.payment)
    assert (refund.operation_type, refund.amount_minor) == ("CREDIT", 4_000)
    (logged,) = operations(world, refund.uuid)
    assert (logged.kind, logged.source, logged.actor, logged.comment) == (
        "refund",
        "back_office",
        "compta@example.com",
        "Damaged parcel",
    )
    page = client.get(answer.headers["location"])
    words = text(page.text)
    assert "A refund of €40.00 was created; the next daily batch captures it." in words
    timeline = text(page.text.split('id="timeline"')[1])
    assert "Refunded By compta@example.com · Back office Refund of €40.00:" in timeline
    assert "Damaged parcel" in timeline
    assert f'href="/transactions/{refund.uuid}"' in page.text
    assert "Left to refund €60.00" in words


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Enter an amount."),
        ("abc", "Enter an amount such as 12.50."),
        ("1.234", "An amount in EUR has at most 2 decimals."),
        ("0", "The amount must be above zero."),
        ("-5", "Enter an amount such as 12.50."),
        ("100.01", "The refund cannot be above €100.00, what is left to refund."),
    ],
)
def test_a_wrong_refund_amount_is_told_next_to_the_field_and_changes_nothing(world, typed, message):
    with world.factory() as session, session.begin():
        data = reconciled(session, PARIS)
    client = signed_in(world)

    answer = act(client, data.payment, "refund", amount=typed)

    assert answer.status_code == 422
    error = re.search(r'<p class="field-error" id="confirm-amount-error">(.*?)</p>', answer.text)
    assert error and error.group(1) == message
    assert 'aria-describedby="confirm-amount-error"' in answer.text
    assert f'value="{typed}"' in answer.text  # what was typed, to correct
    assert children(world, data.payment) == []


def test_a_refund_amount_is_read_with_a_decimal_comma(world):
    with world.factory() as session, session.begin():
        data = reconciled(session, PARIS)
    assert act(signed_in(world), data.payment, "refund", amount="12,50").status_code == 303
    assert [c.amount_minor for c in children(world, data.payment)] == [1_250]


def test_a_payment_not_captured_cannot_be_refunded(world):
    with world.factory() as session, session.begin():
        uuid = payment(session, PARIS)
    client = signed_in(world)
    page = client.get(f"/transactions/{uuid}")
    assert f"/transactions/{uuid}/refund" not in page.text

    answer = act(client, uuid, "refund", amount="10.00")

    assert answer.status_code == 409
    assert "Only a captured payment can be refunded" in answer.text
    assert "Nothing was changed." in answer.text
    assert children(world, uuid) == []


def test_validate_a_transaction_waiting_for_validation(world):
    with world.factory() as session, session.begin():
        uuid = payment(session, PARIS, DetailedStatus.AUTHORISED_TO_VALIDATE)
    client = signed_in(world)

    answer = act(client, uuid, "validate", comment="Stock checked")

    assert answer.status_code == 303
    assert stored(world, uuid).detailed_status == "AUTHORISED"
    last = operations(world, uuid)[-1]
    assert (last.kind, last.source, last.actor, last.comment) == (
        "validate",
        "back_office",
        "compta@example.com",
        "Stock checked",
    )
    page = client.get(f"/transactions/{uuid}")
    assert "The transaction is validated." in page.text
    assert "Status: AUTHORISED_TO_VALIDATE → AUTHORISED" in text(page.text)


def test_validate_is_refused_for_a_transaction_already_validated(world):
    with world.factory() as session, session.begin():
        uuid = payment(session, PARIS)
    answer = act(signed_in(world), uuid, "validate")
    assert answer.status_code == 409
    assert "Only a transaction waiting for validation can be validated." in answer.text
    assert len(operations(world, uuid)) == 1


def test_cancel_a_transaction_not_yet_captured(world):
    with world.factory() as session, session.begin():
        uuid = payment(session, PARIS)
    answer = act(signed_in(world), uuid, "cancel")
    assert answer.status_code == 303
    assert (stored(world, uuid).detailed_status, stored(world, uuid).status) == (
        "CANCELLED",
        "UNPAID",
    )


def test_cancel_is_refused_once_captured(world):
    with world.factory() as session, session.begin():
        data = reconciled(session, PARIS)
    answer = act(signed_in(world), data.payment, "cancel")
    assert answer.status_code == 409
    assert "Only a transaction not yet captured can be cancelled." in answer.text
    assert stored(world, data.payment).detailed_status == "CAPTURED"


def test_modify_lowers_the_amount(world):
    with world.factory() as session, session.begin():
        uuid = payment(session, PARIS)
    client = signed_in(world)
    capture = stored(world, uuid).expected_capture_date.isoformat()

    answer = act(client, uuid, "modify", amount="75.50", capture_date=capture)

    assert answer.status_code == 303
    assert stored(world, uuid).amount_minor == 7_550
    assert "Amount: €100.00 → €75.50" in text(client.get(f"/transactions/{uuid}").text)


@pytest.mark.parametrize(
    ("amount", "capture_date", "field", "message"),
    [
        ("100.01", None, "amount", "The new amount cannot be above the current amount, €100.00."),
        ("100.00", None, "amount", "Lower the amount or change the capture date."),
        ("100.00", "2020-01-01", "capture_date", "The capture date cannot be in the past."),
        ("100.00", "01/02/2030", "capture_date", "Enter a date as YYYY-MM-DD."),
    ],
)
def test_a_wrong_modification_is_told_next_to_its_field(
    world, amount, capture_date, field, message
):
    with world.factory() as session, session.begin():
        uuid = payment(session, PARIS)
    capture = capture_date or stored(world, uuid).expected_capture_date.isoformat()

    answer = act(signed_in(world), uuid, "modify", amount=amount, capture_date=capture)

    assert answer.status_code == 422
    error = re.search(rf'<p class="field-error" id="confirm-{field}-error">(.*?)</p>', answer.text)
    assert error and error.group(1) == message
    assert stored(world, uuid).amount_minor == 10_000
    assert len(operations(world, uuid)) == 1


def test_duplicate_a_captured_payment(world):
    with world.factory() as session, session.begin():
        data = reconciled(session, PARIS)
    answer = act(signed_in(world), data.payment, "duplicate", amount="30.00")
    assert answer.status_code == 303
    (copy,) = children(world, data.payment)
    assert (copy.operation_type, copy.amount_minor, copy.card_masked) == (
        "DEBIT",
        3_000,
        "497010XXXXXX0044",
    )


def test_duplicate_is_refused_for_a_payment_not_captured(world):
    with world.factory() as session, session.begin():
        uuid = payment(session, PARIS)
    answer = act(signed_in(world), uuid, "duplicate", amount="30.00")
    assert answer.status_code == 409
    assert children(world, uuid) == []


# -- reconciliation by hand ------------------------------------------------------------------


def test_reconcile_by_hand_with_a_comment_changes_the_indicator(world):
    with world.factory() as session, session.begin():
        data = reconciled(session, PARIS, matched=False)
    client = signed_in(world)
    assert stored(world, data.payment).reconciliation_status == "pending"

    answer = act(client, data.payment, "reconcile", comment="Paid by bank transfer")

    assert answer.status_code == 303
    assert stored(world, data.payment).reconciliation_status == "reconciled_manual"
    page = client.get(f"/transactions/{data.payment}")
    assert 'class="recon recon-ok-manual"' in page.text
    timeline = text(page.text.split('id="timeline"')[1])
    assert "Reconciled by hand without a bank entry By compta@example.com" in timeline
    assert "Paid by bank transfer" in timeline


@pytest.mark.parametrize(
    ("comment", "message"),
    [
        ("   ", "Enter a comment: say why."),
        ("x" * 2001, "A comment has at most 2000 characters."),
        ("paid\x00", "A comment cannot contain a NUL character."),
    ],
)
def test_reconcile_by_hand_needs_a_comment_that_can_be_stored(world, comment, message):
    with world.factory() as session, session.begin():
        data = reconciled(session, PARIS, matched=False)
    answer = act(signed_in(world), data.payment, "reconcile", comment=comment)
    assert answer.status_code == 422
    error = f'<p class="field-error" id="confirm-comment-error">{message}</p>'
    assert error in answer.text
    assert stored(world, data.payment).reconciliation_status == "pending"


def test_reconcile_by_hand_is_refused_when_a_match_already_reconciles_it(world):
    with world.factory() as session, session.begin():
        data = reconciled(session, PARIS)
    answer = act(signed_in(world), data.payment, "reconcile", comment="Again")
    assert answer.status_code == 409
    assert "cannot be marked reconciled" in answer.text
    assert stored(world, data.payment).reconciliation_status == "reconciled"


def test_unmatch_undoes_the_match_and_keeps_it_in_the_history(world):
    with world.factory() as session, session.begin():
        data = reconciled(session, PARIS)
    client = signed_in(world)
    match = str(data.match_id)

    answer = act(client, data.payment, "unmatch", match=match, comment="Wrong credit")

    assert answer.status_code == 303
    assert stored(world, data.payment).reconciliation_status != "reconciled"
    page = client.get(f"/transactions/{data.payment}")
    timeline = text(page.text.split('id="timeline"')[1])
    assert timeline.index("Reconciled automatically") < timeline.index("Match undone")
    assert "Match undone By compta@example.com" in timeline and "Wrong credit" in timeline
    # Undone twice: refused, nothing changes.
    again = act(client, data.payment, "unmatch", match=match, comment="Again")
    assert again.status_code == 409
    assert "This match was already undone." in again.text


def test_unmatch_of_a_match_not_of_this_transaction_is_not_found(world):
    with world.factory() as session, session.begin():
        data = reconciled(session, PARIS)
    answer = act(signed_in(world), data.payment, "unmatch", match="999999", comment="No")
    assert answer.status_code == 404
    assert stored(world, data.payment).reconciliation_status == "reconciled"


# -- confirmation, CSRF, roles ---------------------------------------------------------------


def test_each_action_is_confirmed_in_a_dialog_or_on_a_page_of_its_own(world):
    with world.factory() as session, session.begin():
        data = reconciled(session, PARIS)
    client = signed_in(world)
    page = client.get(f"/transactions/{data.payment}")
    link = f'href="/transactions/{data.payment}/refund" data-dialog="dialog-refund"'
    assert link in page.text
    assert '<dialog id="dialog-refund"' in page.text

    confirm = client.get(f"/transactions/{data.payment}/refund")

    assert confirm.status_code == 200
    assert "Refund this payment?" in confirm.text
    assert f'<form method="post" action="/transactions/{data.payment}/refund"' in confirm.text
    assert 'name="csrf_token"' in confirm.text
    assert 'value="100.00"' in confirm.text
    assert children(world, data.payment) == []  # asking changes nothing


def test_the_confirmation_of_an_action_the_state_does_not_allow_says_so(world):
    with world.factory() as session, session.begin():
        uuid = payment(session, PARIS)
    answer = signed_in(world).get(f"/transactions/{uuid}/refund")
    assert answer.status_code == 409
    assert "Only a captured payment can be refunded" in answer.text


def test_an_action_without_the_csrf_token_is_refused(world):
    with world.factory() as session, session.begin():
        uuid = payment(session, PARIS)
    client = signed_in(world)
    answer = client.post(f"/transactions/{uuid}/cancel", data={"csrf_token": "forged"})
    assert answer.status_code == 403
    assert "This form has expired" in answer.text
    assert stored(world, uuid).detailed_status == "AUTHORISED"


def test_a_read_only_user_sees_no_action_and_is_refused_if_they_post(world):
    with world.factory() as session, session.begin():
        create_user(session, "lecture@example.com", Role.READ_ONLY, [PARIS], password=PASSWORD)
        data = reconciled(session, PARIS)
    client = signed_in(world, "lecture@example.com")
    page = client.get(f"/transactions/{data.payment}")
    assert page.status_code == 200
    assert "Your account may look at this transaction but not act on it." in page.text
    assert "data-dialog" not in page.text and "<dialog" not in page.text

    assert client.get(f"/transactions/{data.payment}/refund").status_code == 403
    assert act(client, data.payment, "refund", amount="10.00").status_code == 403
    assert (
        act(client, data.payment, "unmatch", match=str(data.match_id), comment="x").status_code
        == 403
    )
    assert children(world, data.payment) == []
    assert stored(world, data.payment).reconciliation_status == "reconciled"


def test_an_unknown_action_is_not_found(world):
    with world.factory() as session, session.begin():
        uuid = payment(session, PARIS)
    assert act(signed_in(world), uuid, "delete").status_code == 404


def test_a_chargeback_is_on_the_timeline_with_the_banks_debit(world):
    with world.factory() as session, session.begin():
        data = charged_back(session, PARIS)
    page = signed_in(world).get(f"/transactions/{data.payment}")
    assert "Dispute Disputed" in text(page.text)
    events = page.text.split('id="timeline"')[1].split('<li class="tl-event')
    (chargeback,) = [e for e in events if e.startswith(' tl-chargeback"')]
    words = text(chargeback)
    assert "Chargeback: the payment was taken back" in words
    assert "impayes.txt (cfonb120) 2" in words and "-€100.00 IMPAYE CB A-1" in words
    assert "rule chargeback" in words


def test_why_it_is_still_open_and_the_suggestions_to_confirm_are_shown(world):
    with world.factory() as session, session.begin():
        data = suggested(session, PARIS)
    page = signed_in(world).get(f"/transactions/{data.payment}")
    card = text(page.text.split('id="reconciliation-heading"')[1].split("</section>")[0])
    assert "Not reconciled yet. No reconciliation run has looked at its remittance yet." in card
    assert "Suggestions to confirm" in card
    assert "bank entry of €148.70 on 4 Mar 2026 (REMISE CB 000001)" in card
    assert "Reconcile by hand…" in text(page.text)


def test_a_refunds_page_says_whose_refund_it_is(world):
    with world.factory() as session, session.begin():
        data = reconciled(session, PARIS)
    client = signed_in(world)
    assert act(client, data.payment, "refund", amount="10.00").status_code == 303
    (refund,) = children(world, data.payment)

    page = client.get(f"/transactions/{refund.uuid}")

    assert page.status_code == 200
    words = text(page.text)
    assert "Type CREDIT" in words and "€10.00" in words
    timeline = text(page.text.split('id="timeline"')[1])
    assert "Created as a refund By compta@example.com · Back office From the payment" in timeline
    assert f'href="/transactions/{data.payment}"' in page.text
    # A refund not yet captured may be cancelled, not refunded.
    assert f"/transactions/{refund.uuid}/cancel" in page.text
    assert f"/transactions/{refund.uuid}/refund" not in page.text


def _suggestion_id(page: str) -> str:
    found = re.search(r'name="suggestion" value="(\d+)"', page)
    assert found, "no suggestion to confirm on the page"
    return found.group(1)


def test_confirm_a_suggestion_reconciles_the_transaction(world):
    with world.factory() as session, session.begin():
        data = suggested(session, PARIS)
    client = signed_in(world)
    suggestion = _suggestion_id(client.get(f"/transactions/{data.payment}").text)
    confirm = client.get(f"/transactions/{data.payment}/confirm?suggestion={suggestion}")
    assert confirm.status_code == 200
    assert "bank entry of €148.70 on 4 Mar 2026 (REMISE CB 000001)" in text(confirm.text)

    answer = act(client, data.payment, "confirm", suggestion=suggestion)

    assert answer.status_code == 303
    assert stored(world, data.payment).reconciliation_status == "reconciled_manual"
    page = client.get(f"/transactions/{data.payment}")
    assert "The suggestion is confirmed" in page.text
    timeline = text(page.text.split('id="timeline"')[1])
    assert "Reconciled: suggestion confirmed By compta@example.com" in timeline
    # Confirmed already: refused, nothing changes.
    again = act(client, data.payment, "confirm", suggestion=suggestion)
    assert again.status_code == 409
    assert "This suggestion was already confirmed, rejected or superseded." in again.text


def test_confirm_a_suggestion_not_of_this_transaction_is_not_found(world):
    with world.factory() as session, session.begin():
        data = suggested(session, PARIS)
    client = signed_in(world)
    assert act(client, data.payment, "confirm", suggestion="999999").status_code == 404
    assert client.get(f"/transactions/{data.payment}/confirm?suggestion=x").status_code == 404
    assert stored(world, data.payment).reconciliation_status == "pending"


def test_in_french_amounts_and_dates_are_written_the_french_way(world):
    with world.factory() as session, session.begin():
        data = reconciled(session, PARIS)
    client = world.client(headers={"accept-language": "fr-FR"})
    assert sign_in(client).status_code == 303
    page = client.get(f"/transactions/{data.payment}")
    assert page.status_code == 200
    assert '<html lang="fr">' in page.text
    words = text(page.text).replace("\u202f", " ").replace("\xa0", " ")
    assert "100,00 €" in words and "148,70 €" in words
    assert "4 mars 2026" in words


def test_every_event_and_change_the_timeline_may_show_has_its_words():
    keys = {kind.value for kind in OperationKind} | set(MATCH_TITLES.values())
    assert keys <= set(EVENT_TITLES)
    assert set(CHANGED_FIELDS) <= set(CHANGE_LABELS)
