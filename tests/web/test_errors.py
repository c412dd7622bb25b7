"""Every error answer of the resource API is application/problem+json with type, title,
status, detail, code and param: the framework's own (no route, wrong method, malformed
credentials, invalid JSON), the domain's, a too large body, too many attempts, a crash."""

from __future__ import annotations

import pytest
from fastapi import HTTPException
from fastapi.testclient import TestClient

from pointage.core.errors import TooManyAttempts
from pointage.web.app import create_app

FIELDS = {"type", "title", "status", "detail", "code", "param"}


@pytest.fixture
def api(settings):
    app = create_app(settings)

    @app.get("/v1/probe/crash")
    def crash() -> None:
        raise RuntimeError("secret internals: 4970101234560055")

    @app.get("/v1/probe/throttled")
    def throttled() -> None:
        raise TooManyAttempts("too many failed attempts; retry later", retry_after_seconds=42)

    @app.get("/v1/probe/teapot")
    def teapot() -> None:
        raise HTTPException(418, "short and stout")

    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


def _problem(response, status, code):
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert set(body) >= FIELDS
    assert (body["status"], body["code"]) == (status, code)
    assert body["type"] == f"https://pointage.dev/problems/{code}"
    assert body["title"] and body["detail"]
    return body


def test_an_unknown_route_is_a_problem(api):
    body = _problem(api.get("/v1/no-such-thing"), 404, "not_found")
    assert body["param"] is None
    _problem(api.get("/nowhere"), 404, "not_found")


def test_a_wrong_method_is_a_problem_naming_the_allowed_ones(api):
    # Two routes share the path, one with GET, one with PUT: both are named.
    response = api.delete("/v1/report-settings")
    body = _problem(response, 405, "method_not_allowed")
    assert "DELETE" in body["detail"]
    allowed = set(response.headers["allow"].split(", "))
    assert {"GET", "PUT"} <= allowed <= {"GET", "HEAD", "PUT"}


@pytest.mark.parametrize(
    "authorization", ["Basic !!!", "Basic " + "bm8tY29sb24=", "Bearer", "Token abc"]
)
def test_malformed_credentials_are_an_authentication_problem(api, authorization):
    response = api.get("/v1/transactions/abc", headers={"Authorization": authorization})
    _problem(response, 401, "authentication_failed")


def test_invalid_json_names_the_body(api):
    response = api.post(
        "/v1/transactions",
        content=b'{"amount": ',
        headers={"content-type": "application/json", "authorization": "Bearer x"},
    )
    body = _problem(response, 422, "invalid_input")
    assert body["param"] == "body"
    assert body["detail"] == "body: not valid JSON"


def test_a_body_that_is_not_utf_8_is_invalid_json(api):
    # The framework answered 400, a status the API does not declare, to bytes JSON cannot be.
    response = api.post(
        "/v1/transactions",
        content=b'{"amount": "\xff\xfe"}',
        headers={"content-type": "application/json", "authorization": "Bearer x"},
    )
    body = _problem(response, 422, "invalid_input")
    assert (body["param"], body["detail"]) == ("body", "body: not valid JSON")


def test_a_malformed_upload_form_is_invalid_input(api):
    fields = {f"field{n}": (None, "x") for n in range(12)}
    response = api.post("/v1/statements", files=fields, headers={"authorization": "Bearer x"})
    body = _problem(response, 422, "invalid_input")
    assert body["param"] == "body"
    assert "too many fields" in body["detail"].lower()


def test_a_too_large_upload_is_a_problem(api, settings):
    settings.statement_max_bytes = 10
    response = api.post(
        "/v1/statements",
        files={"file": ("big.txt", b"x" * 200_000)},
        headers={"authorization": "Bearer x"},
    )
    _problem(response, 413, "request_too_large")


def test_too_many_attempts_is_a_problem_with_retry_after(api):
    response = api.get("/v1/probe/throttled")
    _problem(response, 429, "too_many_attempts")
    assert response.headers["retry-after"] == "42"


def test_a_crash_is_a_problem_that_shows_nothing_of_it(api):
    response = api.get("/v1/probe/crash")
    body = _problem(response, 500, "internal_error")
    assert "4970" not in response.text and "RuntimeError" not in response.text
    assert body["param"] is None


def test_any_other_http_error_keeps_its_status_in_its_code(api):
    body = _problem(api.get("/v1/probe/teapot"), 418, "http_418")
    assert body["detail"] == "short and stout"
