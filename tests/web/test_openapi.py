"""The OpenAPI document is complete: every operation summarised, tagged, described, with its
error answers and who may call it; every schema property typed or described; the docs pages
served without any outside server."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from pointage.web.app import create_app
from pointage.web.openapi import PUBLIC

METHODS = {"get", "post", "put", "patch", "delete"}


@pytest.fixture(scope="module")
def document():
    from pointage.settings import Settings

    settings = Settings(database_url="sqlite:///unused.db", scheduler_enabled=False)
    return create_app(settings).openapi()


def _operations(document, prefix=""):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method in METHODS and path.startswith(prefix):
                yield method, path, operation


def test_the_document_says_who_made_it_under_which_licence(document):
    info = document["info"]
    assert info["license"]["identifier"] == "AGPL-3.0-or-later"
    assert info["contact"]["name"]
    assert "/v1/" in info["description"] and "/api-payment/V4/" in info["description"]
    assert document["servers"]


def test_every_operation_is_summarised_tagged_and_described(document):
    described_tags = {tag["name"] for tag in document["tags"] if tag.get("description")}
    missing = []
    for method, path, operation in _operations(document):
        for part in ("summary", "description", "tags"):
            if not operation.get(part):
                missing.append(f"{method.upper()} {path}: no {part}")
        for tag in operation.get("tags", []):
            if tag not in described_tags:
                missing.append(f"{method.upper()} {path}: tag {tag!r} has no description")
    assert missing == []


def test_every_resource_operation_documents_its_errors_as_problems(document):
    problem = document["components"]["schemas"]["Problem"]
    missing = []
    for method, path, operation in _operations(document, "/v1/"):
        responses = operation["responses"]
        errors = {status for status in responses if status[0] in "45"}
        for status in {"401", "500"} - errors:
            missing.append(f"{method.upper()} {path}: no {status}")
        for status in errors:
            content = responses[status].get("content", {})
            if list(content) != ["application/problem+json"]:
                missing.append(f"{method.upper()} {path} {status}: {list(content)}")
            elif content["application/problem+json"]["schema"]["required"] != problem["required"]:
                missing.append(f"{method.upper()} {path} {status}: not a Problem")
    assert missing == []
    assert {"type", "title", "status", "detail", "code", "param"} <= set(problem["properties"])


def test_every_operation_but_the_public_ones_needs_a_key(document):
    schemes = document["components"]["securitySchemes"]
    assert schemes["HTTPBearer"] == {
        "type": "http",
        "scheme": "bearer",
        "description": schemes["HTTPBearer"]["description"],
    }
    assert schemes["HTTPBasic"]["scheme"] == "basic"
    for method, path, operation in _operations(document):
        names = [name for requirement in operation.get("security", []) for name in requirement]
        if (method, path) in PUBLIC:
            assert names == [], path
        elif path.startswith("/v1/"):
            assert names and names[0] == "HTTPBearer", (method, path, names)
        else:
            assert path.startswith("/api-payment/V4/"), f"{path}: which door is it?"
            assert names and names[0] == "HTTPBasic", (method, path, names)


def test_production_only_operations_document_the_refusal_of_test_keys(document):
    statement = document["paths"]["/v1/statements/{file_id}"]["get"]["responses"]
    assert "403" in statement
    transaction = document["paths"]["/v1/transactions/{uuid}"]["get"]["responses"]
    assert "403" not in transaction


def test_every_resource_post_takes_an_idempotency_key(document):
    posts = list(_operations(document, "/v1/"))
    assert any(method == "post" for method, _, _ in posts)
    for method, path, operation in posts:
        headers = [p for p in operation.get("parameters", []) if p["in"] == "header"]
        has_key = any(p["name"] == "Idempotency-Key" for p in headers)
        assert has_key == (method == "post"), (method, path)
        if method == "post":
            assert "409" in operation["responses"], path
            success = [s for s in operation["responses"] if s.startswith("2")]
            assert all(
                "Idempotent-Replayed" in operation["responses"][s].get("headers", {})
                for s in success
            ), path


def _untyped(schema, where):
    """Where in `schema` a property has neither a type nor a description."""
    found = []
    for name, prop in schema.get("properties", {}).items():
        if not (prop.get("description") or _typed(prop)):
            found.append(f"{where}.{name}")
    return found


def _typed(prop):
    if {"type", "$ref", "const", "enum"} & set(prop):
        return True
    members = prop.get("anyOf") or prop.get("oneOf") or prop.get("allOf") or []
    return bool(members) and all(_typed(member) for member in members)


def test_every_schema_property_is_typed_or_described(document):
    missing = []
    for name, schema in document["components"]["schemas"].items():
        missing += _untyped(schema, name)
    assert missing == []


def test_the_untyped_check_can_fail():
    assert _untyped({"properties": {"a": {}, "b": {"anyOf": [{}, {"type": "null"}]}}}, "S") == [
        "S.a",
        "S.b",
    ]


def test_no_default_validation_error_schema_is_left(document):
    schemas = document["components"]["schemas"]
    text = str(document["paths"])
    assert ("HTTPValidationError" in schemas) == ("HTTPValidationError" in text)
    assert "HTTPValidationError" not in str(
        [op["responses"] for _, _, op in _operations(document, "/v1/")]
    )


def test_the_documentation_pages_need_no_outside_server(settings):
    with TestClient(create_app(settings)) as client:
        assert client.get("/openapi.json").json()["openapi"].startswith("3.1")
        for page in ("/docs", "/redoc"):
            html = client.get(page).text
            assert "cdn." not in html
            assert not re.findall(r'(?:src|href)="https?://', html), page
            assets = re.findall(r'(?:src|href)="([^"]+\.(?:js|css))"', html)
            assert assets, page
            for asset in assets:
                served = client.get(asset)
                assert served.status_code == 200, asset
                assert len(served.content) > 1000, asset
