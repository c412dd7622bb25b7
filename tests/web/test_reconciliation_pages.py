"""The reconciliation page through HTTP: unmatched entries with the engine's suggestions,
confirm, reject, match by hand, undo, runs started now; who may act, what another
merchant's objects answer, and refused actions told on the page with nothing changed."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from pointage.payment.models import Transaction
from pointage.reconciliation import views, views_page
from pointage.reconciliation.models import Match, ReconciliationRun, Suggestion
from pointage.remittance.models import Remittance
from pointage.settings import Settings
from pointage.statement.models import StatementEntry
from pointage.web.app import create_app
from tests.reconciliation.manual_data import imported, suggestion_row
from tests.web.backoffice_world import page_token, sign_in
from tests.web.reconciliation_data import (
    ACCOUNTANT,
    ADMIN,
    PASSWORD,
    READER,
    Books,
    build,
)

PAGE = "/reconciliation"


@pytest.fixture
def books(session_factory: sessionmaker[Session]) -> Books:
    return build(session_factory)


@pytest.fixture
def app_factory(settings: Settings):
    def make(email: str = ACCOUNTANT) -> TestClient:
        client = TestClient(
            create_app(settings),
            raise_server_exceptions=False,
            follow_redirects=False,
            headers={"Accept-Language": "en"},
        )
        assert sign_in(client, email, PASSWORD).status_code == 303
        return client

    return make


def _post(client: TestClient, path: str, data: dict[str, object]):
    return client.post(path, data={**data, "csrf_token": page_token(client, PAGE)})


def _status(session_factory, suggestion_id: int) -> str:
    with session_factory() as session:
        found = session.get(Suggestion, suggestion_id)
        assert found is not None
        return found.status


def _entry_ids(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'<article class="rc-entry" id="entry-(\d+)"', html)]


def test_the_page_lists_unmatched_entries_with_suggestions_criteria_and_reasons(books, app_factory):
    client = app_factory()

    page = client.get(PAGE)

    assert page.status_code == 200
    html = page.text
    first, second = books.first.entry_ids[0], books.second.entry_ids[0]
    assert sorted(_entry_ids(html)) == sorted([first, second, books.open_entry.id])
    assert f"Suggestion {books.first.id}: remittance credit, score 55" in html
    assert "below the threshold: scores 55, 70 needed" in html
    assert "Remittance No. 1" in html and "Remittance No. 2" in html
    assert "Nothing expected looks like it" in html  # the transfer's reason
    assert f'action="/reconciliation/suggestions/{books.first.id}/confirm"' in html
    assert "Match by hand" in html
    assert "Recent runs" in html and "test" in html


def test_confirm_in_one_click_matches_the_entry_and_it_leaves_the_list(
    books, app_factory, session_factory
):
    client = app_factory()

    answer = _post(client, f"{PAGE}/suggestions/{books.first.id}/confirm", {"back": PAGE})

    assert answer.status_code == 303 and answer.headers["location"] == PAGE
    assert _status(session_factory, books.first.id) == "confirmed"
    page = client.get(PAGE).text
    assert books.first.entry_ids[0] not in _entry_ids(page)
    assert "Suggestion confirmed" in page
    with session_factory() as session:
        match = session.scalars(select(Match).where(Match.suggestion_id == books.first.id)).one()
        assert match.actor == f"user:{ACCOUNTANT}"
        statuses = session.scalars(
            select(Transaction.reconciliation_status).where(
                Transaction.remittance_id == books.first.remittance_ids[0]
            )
        ).all()
    assert set(statuses) == {"reconciled_manual"}
    assert f'action="/reconciliation/matches/{match.id}/undo"' in page


def test_confirming_a_decided_suggestion_is_told_on_the_page(books, app_factory, session_factory):
    client = app_factory()
    _post(client, f"{PAGE}/suggestions/{books.first.id}/confirm", {})

    again = _post(client, f"{PAGE}/suggestions/{books.first.id}/confirm", {})

    assert again.status_code == 409
    assert "The action was refused" in again.text and "already confirmed" in again.text
    with session_factory() as session:
        assert session.scalar(select(func.count()).select_from(Match)) == 1


def test_reject_records_why_and_needs_a_reason(books, app_factory, session_factory):
    client = app_factory()

    blank = _post(client, f"{PAGE}/suggestions/{books.second.id}/reject", {"comment": "  "})

    assert blank.status_code == 400 and "Comment: say why" in blank.text
    assert _status(session_factory, books.second.id) == "open"

    done = _post(
        client, f"{PAGE}/suggestions/{books.second.id}/reject", {"comment": "not this one"}
    )

    assert done.status_code == 303
    with session_factory() as session:
        rejected = session.get(Suggestion, books.second.id)
        assert rejected is not None
        assert (rejected.status, rejected.comment) == ("rejected", "not this one")
    page = client.get(PAGE).text
    assert f"Suggestion {books.second.id}:" not in page
    assert books.second.entry_ids[0] in _entry_ids(page)  # still unmatched, now open


def test_match_by_hand_searches_then_matches_with_a_comment(books, app_factory, session_factory):
    client = app_factory()
    entry = books.open_entry.id

    found = client.get(PAGE, params={"match": entry, "amount": "90.22"})

    assert found.status_code == 200
    assert f'value="{books.awaiting.id}"' in found.text
    assert _entry_ids(found.text) == [entry]
    form = {"kind": "remittances", "amount": "90.22", "picked": str(books.awaiting.id)}
    refused = _post(client, f"{PAGE}/entries/{entry}/match", {**form, "comment": ""})
    assert refused.status_code == 400
    assert "Comment: say why you match them" in refused.text
    with session_factory() as session:
        assert session.scalar(select(func.count()).select_from(Match)) == 0

    done = _post(client, f"{PAGE}/entries/{entry}/match", {**form, "comment": "fee taken"})

    assert done.status_code == 303
    with session_factory() as session:
        match = session.scalars(select(Match)).one()
        assert (match.origin, match.comment, match.difference_minor) == ("manual", "fee taken", -22)
    assert entry not in _entry_ids(client.get(PAGE).text)


def test_match_by_hand_needs_something_picked_and_valid_search_fields(books, app_factory):
    client = app_factory()
    entry = books.open_entry.id

    nothing = _post(client, f"{PAGE}/entries/{entry}/match", {"comment": "why"})
    bad = client.get(PAGE, params={"match": entry, "amount": "abc", "date": "2026-13-01"})

    assert nothing.status_code == 400 and "Pick at least one" in nothing.text
    assert "Amount: enter an amount" in bad.text and "Date: enter a date" in bad.text


def test_an_already_claimed_remittance_is_refused_on_the_page(books, app_factory):
    client = app_factory()
    _post(client, f"{PAGE}/suggestions/{books.first.id}/confirm", {})
    form = {"kind": "remittances", "picked": str(books.first.remittance_ids[0]), "comment": "x"}

    answer = _post(client, f"{PAGE}/entries/{books.open_entry.id}/match", form)

    assert answer.status_code == 409
    assert "already claimed" in answer.text


def test_undo_opens_the_entry_again(books, app_factory, session_factory):
    client = app_factory()
    _post(client, f"{PAGE}/suggestions/{books.first.id}/confirm", {})
    with session_factory() as session:
        match_id = session.scalars(select(Match.id)).one()

    blank = _post(client, f"{PAGE}/matches/{match_id}/undo", {"comment": ""})
    assert blank.status_code == 400
    done = _post(client, f"{PAGE}/matches/{match_id}/undo", {"comment": "wrong credit"})

    assert done.status_code == 303
    with session_factory() as session:
        match = session.get(Match, match_id)
        assert match is not None and match.reversed_at is not None
    page = client.get(PAGE).text
    assert books.first.entry_ids[0] in _entry_ids(page)
    assert f"/reconciliation/matches/{match_id}/undo" not in page


def test_a_read_only_user_sees_without_buttons_and_is_refused(books, app_factory, session_factory):
    client = app_factory(READER)

    page = client.get(PAGE)
    refused = _post(client, f"{PAGE}/suggestions/{books.first.id}/confirm", {})
    run = _post(client, f"{PAGE}/runs", {})

    assert page.status_code == 200 and books.first.entry_ids[0] in _entry_ids(page.text)
    assert "/confirm" not in page.text and "Match by hand" not in page.text
    assert "Run reconciliation now" not in page.text
    assert refused.status_code == 403 and run.status_code == 403
    assert _status(session_factory, books.first.id) == "open"


def test_another_merchants_objects_are_not_found(books, app_factory, session_factory):
    client = app_factory(ADMIN)
    foreign = books.foreign_suggestion.id

    assert _post(client, f"{PAGE}/suggestions/{foreign}/confirm", {}).status_code == 404
    assert _post(client, f"{PAGE}/suggestions/{foreign}/reject", {"comment": "x"}).status_code == (
        404
    )
    assert client.get(PAGE, params={"entry": books.foreign_entry.id}).status_code == 404
    form = {"picked": str(books.awaiting.id), "comment": "x"}
    answer = _post(client, f"{PAGE}/entries/{books.foreign_entry.id}/match", form)
    assert answer.status_code == 404
    assert _status(session_factory, foreign) == "open"


def test_one_entry_shown_and_wrong_filters_told(books, app_factory):
    client = app_factory()

    one = client.get(PAGE, params={"entry": books.open_entry.id})
    state = client.get(PAGE, params={"state": "nonsense"})
    entry = client.get(PAGE, params={"entry": "abc"})
    cursor = client.get(PAGE, params={"after": "999999"})

    assert _entry_ids(one.text) == [books.open_entry.id]
    assert state.status_code == 400 and "Show: choose a value" in state.text
    assert entry.status_code == 400 and "Entry: enter the number" in entry.text
    assert cursor.status_code == 400 and "no longer exists" in cursor.text


def test_the_suggested_filter_and_a_matched_entry(books, app_factory):
    client = app_factory()
    suggested = client.get(PAGE, params={"state": "suggested"})
    opened = client.get(PAGE, params={"state": "open"})
    _post(client, f"{PAGE}/suggestions/{books.first.id}/confirm", {})

    matched = client.get(PAGE, params={"entry": books.first.entry_ids[0]})

    assert sorted(_entry_ids(suggested.text)) == sorted(
        [books.first.entry_ids[0], books.second.entry_ids[0]]
    )
    assert _entry_ids(opened.text) == [books.open_entry.id]
    assert "is matched: there is nothing left to do" in matched.text


def test_run_now_starts_a_run_and_tells_its_counts(books, app_factory, session_factory):
    client = app_factory()
    with session_factory() as session:
        before = session.scalar(select(func.count()).select_from(ReconciliationRun))

    answer = _post(client, f"{PAGE}/runs", {})

    assert answer.status_code == 303
    with session_factory() as session:
        runs = session.scalars(select(ReconciliationRun).order_by(ReconciliationRun.id)).all()
    assert len(runs) == before + 1
    assert runs[-1].actor == f"user:{ACCOUNTANT}"
    assert runs[-1].trigger == "backoffice"
    assert f"Run {runs[-1].id} done" in client.get(PAGE).text


def test_actions_need_the_forms_token(books, app_factory, session_factory):
    client = app_factory()

    answer = client.post(f"{PAGE}/suggestions/{books.first.id}/confirm", data={})

    assert answer.status_code == 403
    assert _status(session_factory, books.first.id) == "open"


def test_the_page_covers_the_shops_given(books, app_factory):
    accountant, admin = app_factory(), app_factory(ADMIN)
    search = {"match": books.open_entry.id, "kind": "transactions", "order_id": "L-1"}
    lyon = books.lyon_payment.uuid

    mine = accountant.get(PAGE, params=search)
    every = admin.get(PAGE, params=search)
    form = {"kind": "transactions", "picked": lyon, "comment": "x"}
    refused = _post(accountant, f"{PAGE}/entries/{books.open_entry.id}/match", form)

    assert f'value="{lyon}"' not in mine.text
    assert "of the accounts credited by the shop" in mine.text
    assert f'value="{lyon}"' in every.text
    assert "every shop of the merchant" in every.text
    assert refused.status_code == 404


def test_match_by_hand_to_a_transaction(books, app_factory, session_factory):
    client = app_factory(ADMIN)
    with session_factory() as session:
        tx = session.scalars(select(Transaction).where(Transaction.order_id == "C-1")).one()
    found = client.get(
        PAGE, params={"match": books.open_entry.id, "kind": "transactions", "amount": "91"}
    )
    assert f'value="{tx.uuid}"' in found.text

    form = {"kind": "transactions", "amount": "91", "picked": tx.uuid, "comment": "paid apart"}
    done = _post(client, f"{PAGE}/entries/{books.open_entry.id}/match", form)

    assert done.status_code == 303
    with session_factory() as session:
        status = session.scalar(
            select(Transaction.reconciliation_status).where(Transaction.id == tx.id)
        )
        match = session.scalars(select(Match)).one()
    assert (status, match.actor) == ("reconciled_manual", f"user:{ADMIN}")


def test_a_search_in_something_else_is_told(books, app_factory):
    client = app_factory()

    page = client.get(PAGE, params={"match": books.open_entry.id, "kind": "cards"})

    assert "Search in: choose remittances or transactions." in page.text
    assert 'name="picked"' not in page.text and "Nothing found" not in page.text


def test_a_suggestion_of_two_entries_is_shown_once_and_confirmed_for_both(
    books, app_factory, session_factory
):
    with session_factory() as session, session.begin():
        run = session.get(ReconciliationRun, books.first.run_id)
        entries = session.scalars(
            select(StatementEntry).where(
                StatementEntry.id.in_([books.open_entry.id, books.second.entry_ids[0]])
            )
        ).all()
        awaiting = session.get(Remittance, books.awaiting.id)
        split = suggestion_row(session, run, entries=list(entries), remittances=[awaiting]).id
    client = app_factory()

    page = client.get(PAGE).text

    assert page.count(f'id="suggestion-{split}"') == 1
    assert f"Also named by suggestion {split}, shown under entry" in page
    assert _post(client, f"{PAGE}/suggestions/{split}/confirm", {}).status_code == 303
    left = _entry_ids(client.get(PAGE).text)
    assert books.open_entry.id not in left and books.second.entry_ids[0] not in left


def test_every_choice_of_the_list_has_its_label():
    assert tuple(views.STATES) == views_page.STATE_CHOICES


def test_a_failed_run_is_told_on_the_page_and_recorded(
    books, app_factory, session_factory, monkeypatch
):
    client = app_factory()

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the engine broke")

    monkeypatch.setattr("pointage.reconciliation.service.run.run_reconciliation", broken)

    answer = _post(client, f"{PAGE}/runs", {})

    assert answer.status_code == 500
    assert "The reconciliation run failed" in answer.text
    assert "Traceback" not in answer.text
    with session_factory() as session:
        last = session.scalars(
            select(ReconciliationRun).order_by(ReconciliationRun.id.desc())
        ).first()
    assert last is not None and last.status == "failed"
    assert "Failed" in client.get(PAGE).text


def test_the_page_in_french_writes_amounts_the_french_way(books, settings):
    client = TestClient(
        create_app(settings),
        follow_redirects=False,
        headers={"Accept-Language": "fr-FR"},
    )
    sign_in(client, ACCOUNTANT, PASSWORD)

    page = client.get(PAGE)

    assert page.status_code == 200 and '<html lang="fr">' in page.text
    assert "148,70\xa0€" in page.text or "148,70 €" in page.text


def test_the_list_pages_by_cursor(books, app_factory, session_factory):
    with session_factory() as session, session.begin():
        more = imported(session, [1_000 + n for n in range(20)], day=6, filename="more.txt")
    client = app_factory()

    first = client.get(PAGE)
    older = re.search(r'href="/reconciliation\?after=(\d+)"', first.text)
    assert older is not None
    second = client.get(PAGE, params={"after": older.group(1)})
    newer = re.search(r'href="/reconciliation\?before=(\d+)"', second.text)
    assert newer is not None
    back = client.get(PAGE, params={"before": newer.group(1)})

    shown = _entry_ids(first.text)
    assert shown == sorted(shown, reverse=True) and len(shown) == 20
    assert shown[0] == more.entries[-1].id
    rest = _entry_ids(second.text)
    assert sorted(shown + rest) == sorted([e.id for e in more.entries] + _books_entries(books))
    assert _entry_ids(back.text) == shown


def _books_entries(books: Books) -> list[int]:
    return [books.first.entry_ids[0], books.second.entry_ids[0], books.open_entry.id]
