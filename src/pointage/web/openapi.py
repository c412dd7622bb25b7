"""The OpenAPI document: what FastAPI derives from the routes, completed with what it cannot
know — the two security schemes and where they apply, the problem+json error schema on every
error answer, `Idempotency-Key` on the resource API's POSTs, tags with descriptions, the
server, contact and licence.

The document is built once, on first request, and kept.
"""

from __future__ import annotations

import json
from typing import Any, get_args

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute, iter_route_contexts

from pointage.web.auth import CurrentShop
from pointage.web.errors import Problem, problem_responses
from pointage.web.idempotency import HEADER, MAX_STORED_ANSWER, REPLAYED_HEADER

RESOURCE_PREFIX = "/v1/"
V4_PREFIX = "/api-payment/V4/"
# Operations anyone may call: the gateway's notification is authenticated by its signature.
PUBLIC = {
    ("post", "/ipn"),
    ("get", "/health"),
    # The status page's JSON: public by design, it holds no merchant data.
    ("get", "/api/v2/summary.json"),
    ("get", "/api/v2/status.json"),
    ("get", "/api/v2/components.json"),
    ("get", "/api/v2/incidents.json"),
    ("get", "/api/v2/incidents/unresolved.json"),
    ("get", "/api/v2/scheduled-maintenances/upcoming.json"),
    ("get", "/api/v2/scheduled-maintenances/active.json"),
}
BEARER, BASIC = "HTTPBearer", "HTTPBasic"

TAGS: list[dict[str, str]] = [
    {
        "name": "transactions",
        "description": "Payments and refunds as the payment page and the gateway report "
        "them, their reconciliation state, and the merchant's operations on them.",
    },
    {
        "name": "remittances",
        "description": "The daily capture batches sent to the acquiring bank, each with its "
        "transactions and the bank entry that credited it.",
    },
    {
        "name": "statements",
        "description": "Bank statement files uploaded and imported, and their entries with "
        "their match state.",
    },
    {
        "name": "reconciliation",
        "description": "Runs of the matching engine, its suggestions, matches made by hand and "
        "the explanation of each transaction's status.",
    },
    {
        "name": "reports",
        "description": "The daily journals: settings, generated files, deliveries and re-sends.",
    },
    {"name": "exports", "description": "The reconciliation state as an Excel workbook."},
    {
        "name": "webhooks",
        "description": "Endpoints that receive signed events, and the log of their deliveries.",
    },
    {
        "name": "gateway-compatible V4",
        "description": "The gateway-compatible V4 services (HTTP Basic with the shop id and "
        "key): existing integrations work unchanged.",
    },
    {
        "name": "notifications",
        "description": "The gateway's signed notifications (IPN), checked by their signature.",
    },
    {
        "name": "status page",
        "description": "The public status page's Statuspage-compatible JSON (no key needed).",
    },
    {
        "name": "status page operators",
        "description": "Incidents, scheduled maintenance and component overrides of the public "
        "status page, for its operators (Bearer operator tokens, pso_…).",
    },
    {"name": "service", "description": "The service's own health."},
]

_DESCRIPTION = """\
Payment reconciliation back office: transactions, remittances, bank statements,
reconciliation, reports and webhooks.

Two doors: the resource API under `/v1/`, authenticated with a shop's API key as a Bearer
token, and the gateway-compatible services under `/api-payment/V4/`, with HTTP Basic (shop
id and key). A test-mode key sees test-mode transactions only; bank-side resources need a
production key. Another shop's object answers 404, exactly as one that does not exist.

Amounts are integers in minor units of their currency. Lists are paginated with cursors
(`limit`, `starting_after`, `ending_before`, `has_more`). Errors are
`application/problem+json` with `type`, `title`, `status`, `detail`, `code` and `param`.
"""

_SECURITY_DESCRIPTIONS = {
    BEARER: "A shop's API key: `Authorization: Bearer <key>`. The resource API's scheme.",
    BASIC: "HTTP Basic with the 8-digit shop id as user name and the shop's API key as "
    "password: the gateway's own scheme, for the V4 services and existing integrations.",
}

_IDEMPOTENCY_PARAMETER: dict[str, Any] = {
    "name": HEADER,
    "in": "header",
    "required": False,
    "description": "Makes the POST safe to retry: the same key with the same request "
    "replays the first answer (with `Idempotent-Replayed: true`) instead of running it "
    "again; the same key with another request answers 409. 1 to 255 printable ASCII "
    f"characters, kept a day per API key. Answers over {MAX_STORED_ANSWER} bytes are not "
    "kept: a repeat answers 409 `idempotency_answer_not_stored`.",
    "schema": {"type": "string", "minLength": 1, "maxLength": 255},
}


def install(app: FastAPI) -> None:
    """Serve the completed document at the application's `openapi_url`."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = build(app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def build(app: FastAPI) -> dict[str, Any]:
    document = get_openapi(
        title=app.title,
        version=app.version,
        summary="Reconciliation of card payments with the bank account, and its API.",
        description=_DESCRIPTION,
        routes=app.routes,
        tags=TAGS,
        servers=[{"url": "/", "description": "The server this document is served by"}],
        contact={"name": "Pointage", "url": "https://pointage.dev"},
        license_info={"name": "AGPL-3.0-or-later", "identifier": "AGPL-3.0-or-later"},
    )
    components = document.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    schemas["Problem"] = Problem.model_json_schema()
    _describe_security(components)
    production_only = _production_only(app)
    for path, operations in document.get("paths", {}).items():
        for method, operation in operations.items():
            _complete(method, path, operation)
            if (method, path) in production_only:
                operation["responses"].setdefault("403", _problem(403))
            if "tags" in operation:
                operation["tags"] = list(dict.fromkeys(operation["tags"]))
    if not _refers(document.get("paths"), "HTTPValidationError"):
        schemas.pop("HTTPValidationError", None)
        schemas.pop("ValidationError", None)
    return document


def _refers(part: Any, schema: str) -> bool:
    """Whether `part` of the document refers to the component `schema`."""
    return f'"#/components/schemas/{schema}"' in json.dumps(part)


def _production_only(app: FastAPI) -> set[tuple[str, str]]:
    """The operations that need a production key (web.auth.CurrentShop): a test-mode key
    gets 403 there."""
    needed = get_args(CurrentShop)[1].dependency
    found: set[tuple[str, str]] = set()
    for context in iter_route_contexts(app.routes):
        if isinstance(context.original_route, APIRoute) and _uses(context.dependant, needed):
            path = str(context.path_format)
            found |= {(method.lower(), path) for method in context.methods or ()}
    return found


def _uses(dependant: Dependant, call: Any) -> bool:
    return any(d.call is call or _uses(d, call) for d in dependant.dependencies)


def _describe_security(components: dict[str, Any]) -> None:
    schemes = components.setdefault("securitySchemes", {})
    schemes.setdefault(BEARER, {"type": "http", "scheme": "bearer"})
    schemes.setdefault(BASIC, {"type": "http", "scheme": "basic"})
    for name, description in _SECURITY_DESCRIPTIONS.items():
        schemes[name]["description"] = description


def _complete(method: str, path: str, operation: dict[str, Any]) -> None:
    responses = operation.setdefault("responses", {})
    if path.startswith(V4_PREFIX):
        # The V4 services answer in the gateway's own shape, errors included: their routes
        # document it; the framework's default validation answer does not apply.
        _secure(path, operation)
        if _refers(responses.get("422"), "HTTPValidationError"):
            del responses["422"]
        return
    public = (method, path) in PUBLIC
    if not public:
        _secure(path, operation)
        for status in (401, 429):
            responses.setdefault(str(status), _problem(status))
    if "422" in responses or operation.get("parameters") or operation.get("requestBody"):
        responses["422"] = _problem(422)
    responses.setdefault("500", _problem(500))
    for status, response in responses.items():
        if status[0] in "45" and not response.get("content"):
            # A route's own description of an error: the body is a problem all the same.
            response["content"] = _problem(int(status))["content"]
    if method == "post" and path.startswith(RESOURCE_PREFIX):
        _idempotent(operation)


def _secure(path: str, operation: dict[str, Any]) -> None:
    """The schemes the route accepts: a key as a Bearer token or with HTTP Basic, the
    resource API's first."""
    given = {name for requirement in operation.get("security", []) for name in requirement}
    accepted = [BEARER, BASIC] if path.startswith(RESOURCE_PREFIX) else [BASIC, BEARER]
    chosen = [name for name in accepted if name in given] or accepted
    operation["security"] = [{name: []} for name in chosen]


def _idempotent(operation: dict[str, Any]) -> None:
    parameters = operation.setdefault("parameters", [])
    if not any(p.get("name") == HEADER for p in parameters):
        parameters.append(dict(_IDEMPOTENCY_PARAMETER))
    operation["responses"].setdefault("409", _problem(409))
    for status, response in operation["responses"].items():
        if status.startswith("2"):
            response.setdefault("headers", {})[REPLAYED_HEADER] = {
                "description": "`true` when this is the kept answer of an earlier request "
                "with the same Idempotency-Key",
                "schema": {"type": "string", "enum": ["true"]},
            }


def _problem(status: int) -> dict[str, Any]:
    return problem_responses(status)[status]
