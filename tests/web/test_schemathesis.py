"""Property-based run of the API from its OpenAPI document (Schemathesis): every operation of
the resource API (/v1/) and of the gateway-compatible V4 services is fed generated requests,
valid ones and ones that break the document's rules, and must never answer 5xx; every answer
must be one the document declares: its status code, its content type and a body matching the
schema of that status.

- Each operation runs on a fresh database holding the two shops of the isolation sweep and
  more (tests/web/schemathesis_world.py), with shop A's production key; the operations a
  test-mode key may call (transactions, V4, webhooks) run a second time with its test key.
- The generated requests name real objects (shop A's, shop B's, both modes' transactions)
  about as often as made-up ids, and one in four carries shop B's key or whatever
  Schemathesis made up for the security scheme instead of the caller's own key.
- The statement upload (multipart) and the binary downloads (XLSX export, report files) are
  part of the run: Schemathesis sends multipart bodies and checks the downloads' content type.
- 25 examples per operation and generation mode (valid and invalid), Hypothesis derandomized:
  CI sends the same requests every time. The coverage phase (boundary values, whose number
  grows with each parameter) and the stateful phase are off to keep the run bounded.

The checks are the four the document can answer for; Schemathesis's others do not fit this
run: `ignored_auth` takes the key set here for one it generated, and the data acceptance
checks take the domain's own rules (a refund of an uncaptured payment…) for a mismatch.
"""

from __future__ import annotations

import base64
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import hypothesis
import hypothesis.strategies as st
import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy.orm import Session

from pointage.settings import Settings
from pointage.web.app import create_app
from tests.web.isolation_world import A, B
from tests.web.schemathesis_world import Live, Snapshot, build_live

# Seconds, not minutes, but more than a unit test: `-m "not slow"` leaves it out.
pytestmark = pytest.mark.slow

EXAMPLES = 25
DOCUMENT = create_app(
    Settings(database_url="sqlite:///unused.db", scheduler_enabled=False)
).openapi()
CONFIG = schemathesis.Config.from_dict(
    {
        "generation": {"max-examples": EXAMPLES, "deterministic": True, "database": "none"},
        "phases": {"coverage": {"enabled": False}, "stateful": {"enabled": False}},
    }
)
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
V4 = "/api-payment/V4/"
ALL = schemathesis.openapi.from_dict(DOCUMENT, config=CONFIG).include(
    path_regex=r"^/(v1|api-payment/V4)/"
)
# A test-mode key sees test-mode transactions and webhooks; bank-side data answers it 403.
TEST_MODE = ALL.exclude(func=lambda ctx: "403" in ctx.operation.definition.raw["responses"])

# The database, application and world are made once per operation, for all its examples: one
# example may change what the next one sees (a cancelled payment, a reversed match), which
# these checks tolerate: every answer must still be declared and match its schema.
# How long a generated request may wait for its answer: a bound against a hung request,
# not a speed check (a busy CI machine takes seconds where a quiet one takes milliseconds).
ANSWER_WAIT_SECONDS = 120
FIXTURES_KEPT = hypothesis.settings(
    suppress_health_check=[hypothesis.HealthCheck.function_scoped_fixture]
)
# Whose credentials a request carries: mostly the caller's own key.
WHO = ["own"] * 6 + ["other shop", "generated"]


@dataclass
class Run:
    """What the generated requests are dressed with: the world, and whose key they carry."""

    live: Live
    own: tuple[str, str]  # (shop id, key)
    other: tuple[str, str]


# The run of the operation under test (set by its fixture before any request is generated).
CURRENT: dict[str, Run] = {}


def flatmap_case(context: Any, case: Any) -> st.SearchStrategy[Any]:
    """The generated case, with real ids in some of its parameters and body fields, and
    mostly the caller's own credentials."""
    pools = CURRENT["run"].live.pools
    body = case.body if isinstance(case.body, dict) else {}
    names = [*(case.path_parameters or {}), *(case.query or {}), *body]
    ids = st.fixed_dictionaries(
        {name: st.none() | st.sampled_from(pools.of(name)) for name in names if pools.of(name)}
    )
    return st.tuples(st.sampled_from(WHO), ids).map(lambda drawn: _dress(case, *drawn))


def _dress(case: Any, who: str, ids: dict[str, Any]) -> Any:
    run = CURRENT["run"]
    if who != "generated":
        shop_id, key = run.own if who == "own" else run.other
        if who == "own" and case.path.startswith("/v1/status/"):
            key = run.live.operator_token  # the status page's operators, not a shop's key
        case.headers = {**(case.headers or {}), "Authorization": _auth(case.path, shop_id, key)}
    for name, value in ids.items():
        if value is None:
            continue
        for part in (case.path_parameters, case.query):
            if part and name in part:
                part[name] = value
        if isinstance(case.body, dict) and name in case.body:
            case.body[name] = [value] if isinstance(case.body[name], list) else value
    return case


def _auth(path: str, shop_id: str, key: str) -> str:
    if path.startswith(V4):
        return "Basic " + base64.b64encode(f"{shop_id}:{key}".encode()).decode()
    return f"Bearer {key}"


ALL.hook(flatmap_case)
TEST_MODE.hook(flatmap_case)


@pytest.fixture(scope="session")
def files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the reports of this test process are written and delivered, whichever
    operation wrote them: the world's report file is there for every operation."""
    return tmp_path_factory.mktemp("schemathesis")


@pytest.fixture
def api_settings(settings: Settings, files: Path) -> Settings:
    # Generated requests carry made-up keys: the guessing limit must not turn them into 429.
    return settings.model_copy(
        update={"auth_max_failures": 1_000_000, "reports_dir": str(files / "reports")}
    )


@pytest.fixture
def app(api_settings: Settings) -> Iterator[FastAPI]:
    made = create_app(api_settings)
    with TestClient(made, raise_server_exceptions=False):
        yield made


# The world of this test process: built by its first operation, restored for the next ones.
_BUILT: dict[str, tuple[Live, Snapshot]] = {}


@pytest.fixture
def live(session: Session, api_settings: Settings, app: FastAPI, files: Path) -> Live:
    if "world" in _BUILT:
        built, snapshot = _BUILT["world"]
        snapshot.restore(session)
        return built
    with TestClient(app, raise_server_exceptions=False) as client:
        built = build_live(session, api_settings, client, files)
    _BUILT["world"] = (built, Snapshot.of(session))
    return built


@pytest.fixture
def as_production(live: Live) -> Iterator[None]:
    keys = live.world.keys
    CURRENT["run"] = Run(live, (A, keys["a_live"]), (B, keys["b_live"]))
    yield
    CURRENT.clear()


@pytest.fixture
def as_test_mode(live: Live) -> Iterator[None]:
    keys = live.world.keys
    CURRENT["run"] = Run(live, (A, keys["a_test"]), (B, keys["b_test"]))
    yield
    CURRENT.clear()


@ALL.parametrize()
@FIXTURES_KEPT
def test_production_key(case: Any, app: FastAPI, as_production: None) -> None:
    case.call_and_validate(app=app, checks=CHECKS, timeout=ANSWER_WAIT_SECONDS)


@TEST_MODE.parametrize()
@FIXTURES_KEPT
def test_test_mode_key(case: Any, app: FastAPI, as_test_mode: None) -> None:
    case.call_and_validate(app=app, checks=CHECKS, timeout=ANSWER_WAIT_SECONDS)


def test_the_generated_requests_reach_real_objects(app: FastAPI, as_production: None) -> None:
    # Without the world's ids, made-up uuids would only ever be answered 404: the run would
    # check the error answers alone, and pass whatever the objects' answers looked like.
    seen: Counter[int] = Counter()

    @hypothesis.given(case=ALL["/v1/transactions/{uuid}"]["GET"].as_strategy())
    @hypothesis.settings(
        max_examples=EXAMPLES,
        derandomize=True,
        database=None,
        suppress_health_check=list(hypothesis.HealthCheck),
        # A first call may open the application's connections: its time is no finding.
        deadline=None,
    )
    def call(case: Any) -> None:
        seen[case.call(app=app).status_code] += 1

    call()
    assert seen[200] > 0 and seen[404] > 0, seen
