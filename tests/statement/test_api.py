"""POST /v1/statements and GET /v1/statements/{id}: multipart upload of real CFONB 120
files, the shop's merchant's accounts only, all or nothing, size limit before reading."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from pointage.audit.models import AuditEvent
from pointage.auth.service.keys import issue_production_key
from pointage.settings import Settings
from pointage.statement.models import StatementEntry, StatementFile
from pointage.web.app import create_app
from tests.factories import IBAN_BANK_B, make_shop
from tests.remittance.builders import dump
from tests.statement.cfonb import (
    EXAMPLE,
    add_example_accounts,
    day_statement,
    days_file,
)

SHOP, OTHER_SHOP = "12345678", "87654321"


@pytest.fixture
def keys(session, settings) -> dict[str, str]:
    """Shop 12345678 (merchant with account A and the example's accounts), and shop
    87654321 of another merchant, with account B."""
    setup = make_shop(session, shop_id=SHOP)
    add_example_accounts(session, setup.merchant)
    other = make_shop(session, shop_id=OTHER_SHOP, iban=IBAN_BANK_B)
    found = {
        SHOP: issue_production_key(session, setup.shop, settings.secret_key),
        OTHER_SHOP: issue_production_key(session, other.shop, settings.secret_key),
    }
    session.commit()
    return found


def upload(client, keys, data: bytes, shop: str = SHOP, **fields: str):
    return client.post(
        "/v1/statements",
        files={"file": ("releve.txt", data, "text/plain")},
        data=fields,
        auth=(shop, keys[shop]),
    )


def count(session, model) -> int:
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_an_upload_is_imported_and_can_be_read_back(client, keys, session) -> None:
    response = upload(client, keys, EXAMPLE.read_bytes())

    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["format"], body["filename"], body["already_imported"]) == (
        "cfonb120",
        "releve.txt",
        False,
    )
    assert (body["entries"], body["imported"], body["skipped"]) == (6, 6, 0)
    first = body["statements"][0]
    assert first["iban"] == "FR7615589000009876543210088" and first["balance_difference"] == 0
    assert first["opening_date"] == "2019-05-15" and first["skip_reasons"] == {}
    again = client.get(f"/v1/statements/{body['file_id']}", auth=(SHOP, keys[SHOP]))
    assert again.status_code == 200
    assert again.json()["statements"][0]["imported"] == 3
    assert count(session, StatementEntry) == 6
    actor = session.scalar(
        select(AuditEvent.actor).where(AuditEvent.action == "statements.file_imported")
    )
    assert actor == f"api:{SHOP}"


def test_the_same_upload_twice_answers_200_and_adds_nothing(client, keys, session) -> None:
    first = upload(client, keys, EXAMPLE.read_bytes())

    second = upload(client, keys, EXAMPLE.read_bytes())

    assert second.status_code == 200
    assert second.json()["already_imported"] is True
    assert second.json()["file_id"] == first.json()["file_id"]
    assert count(session, StatementFile) == 1


def test_an_account_of_another_merchant_is_refused_like_an_unknown_one(
    client, keys, engine
) -> None:
    before = dump(engine)
    # The example's accounts belong to shop 12345678's merchant, not to 87654321's.
    response = upload(client, keys, EXAMPLE.read_bytes(), shop=OTHER_SHOP)

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["code"] == "file_rejected"
    assert problem["detail"] == "releve.txt refused, nothing imported: 2 problems"
    assert "unknown bank account 15589 00000 98765432100" in problem["errors"][0]
    assert dump(engine) == before


def test_an_unbalanced_file_is_refused_unless_accepted_with_a_reason(client, keys, session) -> None:
    data = days_file(day_statement(0, [500], closing=100_400))

    refused = upload(client, keys, data)
    accepted = upload(client, keys, data, accept_unbalanced_reason="fee booked twice")

    assert refused.status_code == 422
    assert "does not add up" in refused.json()["errors"][0]
    assert accepted.status_code == 201, accepted.text
    body = accepted.json()
    assert body["accepted_unbalanced_reason"] == "fee booked twice"
    assert body["accepted_by"] == f"api:{SHOP}"
    assert body["statements"][0]["balance_difference"] == -100


@pytest.mark.parametrize(
    ("fields", "param"),
    [({"format": "pdf"}, "format"), ({"lenient": "perhaps"}, "lenient")],
)
def test_bad_form_fields_are_refused(client, keys, fields, param) -> None:
    response = upload(client, keys, EXAMPLE.read_bytes(), **fields)

    assert response.status_code == 422
    assert response.json()["param"] == param


def test_an_upload_without_a_file_is_refused(client, keys) -> None:
    response = client.post("/v1/statements", data={"format": "cfonb120"}, auth=(SHOP, keys[SHOP]))

    assert response.status_code == 422
    assert response.json()["param"] == "file"


def test_the_format_can_be_forced(client, keys) -> None:
    response = upload(client, keys, EXAMPLE.read_bytes(), format="mt940")

    assert response.status_code == 422  # not an MT940 file: the parser says so


def test_an_unreadable_file_is_refused_with_its_name_and_record(client, keys, session) -> None:
    bomb = (
        b'<?xml version="1.0"?>\n<!DOCTYPE d [<!ENTITY a "aaaaaaaaaa">]>\n'
        b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">&a;</Document>'
    )
    response = client.post(
        "/v1/statements", files={"file": ("bomb.xml", bomb)}, auth=(SHOP, keys[SHOP])
    )

    assert response.status_code == 422
    problem = response.json()
    assert problem["code"] == "statement_file_unreadable"
    assert problem["param"] == "file"
    assert problem["detail"].startswith("bomb.xml: record 2: ")
    assert count(session, StatementFile) == 0


def test_another_merchants_file_is_not_found(client, keys) -> None:
    file_id = upload(client, keys, EXAMPLE.read_bytes()).json()["file_id"]

    response = client.get(f"/v1/statements/{file_id}", auth=(OTHER_SHOP, keys[OTHER_SHOP]))

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


@pytest.mark.parametrize("auth", [None, (SHOP, "wrong-key")])
def test_an_upload_needs_the_shops_credentials(client, keys, session, auth) -> None:
    response = client.post(
        "/v1/statements", files={"file": ("r.txt", EXAMPLE.read_bytes())}, auth=auth
    )

    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"
    assert count(session, StatementFile) == 0


# The size limit.


@pytest.fixture
def small_client(settings: Settings) -> Iterator[TestClient]:
    limited = settings.model_copy(update={"statement_max_bytes": 1_000})
    with TestClient(create_app(limited), raise_server_exceptions=False) as test_client:
        yield test_client


def test_a_declared_size_over_the_limit_is_refused_before_the_body_is_read(
    small_client, keys
) -> None:
    pulled: list[int] = []

    def body() -> Iterator[bytes]:
        for _ in range(100):
            pulled.append(1)
            yield b"x" * 10_000

    response = small_client.post(
        "/v1/statements",
        content=body(),
        headers={
            "content-type": "multipart/form-data; boundary=B",
            "content-length": "1000000",
        },
        auth=(SHOP, keys[SHOP]),
    )

    assert response.status_code == 413
    assert response.json()["detail"] == "the statement file exceeds 1000 bytes"
    assert pulled == []


def test_an_anonymous_upload_is_refused_before_its_body_is_read(client) -> None:
    pulled: list[int] = []

    def body() -> Iterator[bytes]:
        for _ in range(100):
            pulled.append(1)
            yield b"x" * 10_000

    response = client.post(
        "/v1/statements",
        content=body(),
        headers={"content-type": "multipart/form-data; boundary=B"},
    )

    assert response.status_code == 401
    assert pulled == []


def test_a_file_part_over_the_limit_is_refused(small_client, keys, session) -> None:
    response = upload(small_client, keys, EXAMPLE.read_bytes())  # 2.7 kB, under the allowance

    assert response.status_code == 413
    assert count(session, StatementFile) == 0


def test_a_body_without_a_length_is_read_only_up_to_the_limit(settings: Settings, keys) -> None:
    app = create_app(settings.model_copy(update={"statement_max_bytes": 1_000}))
    head = b'--B\r\nContent-Disposition: form-data; name="file"; filename="r.txt"\r\n\r\n'
    received: list[int] = []
    sent: list[dict] = []

    async def receive() -> dict:
        chunk = head if not received else b"x" * 16_384
        received.append(len(chunk))
        return {"type": "http.request", "body": chunk, "more_body": len(received) < 1_000}

    async def send(message: dict) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/v1/statements",
        "raw_path": b"/v1/statements",
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"content-type", b"multipart/form-data; boundary=B"),
            (b"authorization", b"Basic " + base64.b64encode(f"{SHOP}:{keys[SHOP]}".encode())),
        ],
        "client": ("127.0.0.1", 1),
        "server": ("testserver", 80),
    }
    asyncio.run(app(scope, receive, send))

    assert sent[0]["status"] == 413
    # The headers, then 16 KiB chunks up to the limit and its 64 KiB allowance: 5 of them.
    assert len(received) == 6
