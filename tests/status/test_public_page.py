"""The public status page, an incident's page, the history and the feeds, through HTTP with
no one signed in."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import defusedxml.ElementTree as SafeET
import pytest
from fastapi.testclient import TestClient

from pointage.settings import Settings
from pointage.status import snapshot
from pointage.web.app import create_app
from tests.status.public_seed import Seeded, incident, seed

NOW = datetime.now(UTC)
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def status_settings(settings: Settings, tmp_path: Path) -> Settings:
    snapshot.forget()
    return settings.model_copy(
        update={"status_snapshot_file": str(tmp_path / "snapshot.json"), "public_url": ""}
    )


@pytest.fixture
def seeded(status_settings: Settings, session_factory) -> Seeded:  # type: ignore[no-untyped-def]
    return seed(session_factory, NOW)


@pytest.fixture
def web(status_settings: Settings, seeded: Seeded) -> Iterator[TestClient]:
    with TestClient(
        create_app(status_settings), raise_server_exceptions=False, follow_redirects=False
    ) as client:
        yield client


def test_the_page_shows_state_components_bars_and_incidents(
    web: TestClient, seeded: Seeded
) -> None:
    answer = web.get("/status?lang=en")
    assert answer.status_code == 200
    html = answer.text
    assert "Partial System Outage" in html
    for name in ("Web Services API", "Reconciliation", "Database", "Daily processing"):
        assert name in html
    # Every component's 90 daily bars, each with its date and figure in text.
    assert html.count('class="status-bars"') == 8
    assert len(re.findall(r'<li class="status-bar ', html)) == 8 * 90
    assert "Partial outage" in html  # the API's state in words, not only a colour
    assert f'/status/incidents/{seeded.unresolved}"' in html
    assert "A database index is missing." in html  # its latest update
    assert "Database upgrade" in html and "Network maintenance" in html
    assert f'/status/incidents/{seeded.resolved}"' in html  # past incidents
    assert "Probe says the IPN is down" not in html  # a draft is never public
    assert "Overall uptime over 90 days" in html
    assert 'href="/sign-in' not in html  # no login, no back-office shell


def test_the_page_speaks_french_by_default_and_english_on_request(web: TestClient) -> None:
    french = web.get("/status", headers={"accept-language": "fr-FR"}).text
    assert '<html lang="fr">' in french
    english = web.get("/status", headers={"accept-language": "en-GB"}).text
    assert '<html lang="en">' in english and "Components" in english
    chosen = web.get("/status?lang=fr", headers={"accept-language": "en-GB"}).text
    assert '<html lang="fr">' in chosen
    # An unknown language is ignored, the page still answers.
    assert web.get("/status?lang=xx").status_code == 200


def test_an_incident_page_shows_its_timeline_and_postmortem(
    web: TestClient, seeded: Seeded
) -> None:
    html = web.get(f"/status/incidents/{seeded.resolved}?lang=en").text
    assert "Reports delivered late" in html
    assert html.index("All reports were delivered.") < html.index("Reports are late.")
    assert "Postmortem" in html and "A full disk stopped the delivery." in html
    html = web.get(f"/status/incidents/{seeded.unresolved}?lang=en").text
    assert "Web Services API" in html and "Partial outage" in html


def test_a_draft_or_unknown_incident_is_not_found(web: TestClient, seeded: Seeded) -> None:
    for public_id in (seeded.draft, "nosuchthing1", "x" * 500):
        answer = web.get(f"/status/incidents/{public_id}?lang=en")
        assert answer.status_code == 404
        assert "Incident not found" in answer.text
        assert "Probe says" not in answer.text


def test_the_history_is_paged(web: TestClient, seeded: Seeded, session_factory) -> None:  # type: ignore[no-untyped-def]
    with session_factory() as session, session.begin():
        for n in range(30):
            incident(session, f"Old incident {n:02d}", "resolved", at=NOW - timedelta(days=100 + n))
    first = web.get("/status/history?lang=en").text
    assert "Old incident 00" in first and "Old incident 29" not in first
    assert 'href="/status/history?page=2"' in first
    assert "Probe says the IPN is down" not in first
    second = web.get("/status/history?page=2").text
    assert "Old incident 29" in second and 'href="/status/history?page=1"' in second
    assert 'href="/status/history?page=3"' not in second


@pytest.mark.parametrize("value", ["0", "abc", "-1", "1000001"])
def test_a_bad_history_page_is_refused_naming_the_field(web: TestClient, value: str) -> None:
    answer = web.get(f"/status/history?page={value}&lang=en")
    assert answer.status_code == 400
    assert "page: must be a whole number" in answer.text


def test_atom_feed(web: TestClient, seeded: Seeded) -> None:
    answer = web.get("/status/history.atom")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("application/atom+xml")
    feed = SafeET.fromstring(answer.content)
    assert feed.tag == f"{ATOM}feed"
    assert feed.find(f"{ATOM}title").text.startswith("Pointage status")
    entries = feed.findall(f"{ATOM}entry")
    titles = [e.find(f"{ATOM}title").text for e in entries]
    assert "Incident: Slow answers from the API" in titles
    assert "Maintenance: Database upgrade" in titles
    assert not any("Probe says" in t for t in titles)
    resolved = next(e for e in entries if e.find(f"{ATOM}title").text.endswith("delivered late"))
    assert resolved.find(f"{ATOM}id").text.endswith(f"/status/incidents/{seeded.resolved}")
    content = resolved.find(f"{ATOM}content")
    assert content.get("type") == "html"
    assert "All reports were delivered." in content.text and "A full disk" in content.text
    datetime.fromisoformat(resolved.find(f"{ATOM}updated").text.replace("Z", "+00:00"))


def test_rss_feed(web: TestClient, seeded: Seeded) -> None:
    answer = web.get("/status/history.rss")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("application/rss+xml")
    rss = SafeET.fromstring(answer.content)
    assert rss.tag == "rss" and rss.get("version") == "2.0"
    channel = rss.find("channel")
    items = channel.findall("item")
    assert len(items) == 4  # the draft left out
    links = [i.find("link").text for i in items]
    assert any(link.endswith(f"/status/incidents/{seeded.unresolved}") for link in links)
    for item in items:
        assert item.find("guid").text == item.find("link").text
        assert item.find("pubDate").text.endswith("GMT")
    assert any("A database index is missing." in i.find("description").text for i in items)


def test_texts_are_escaped_in_the_page_and_the_feeds(
    web: TestClient,
    seeded: Seeded,
    session_factory,  # type: ignore[no-untyped-def]
) -> None:
    with session_factory() as session, session.begin():
        incident(
            session,
            "<script>alert(1)</script> & co",
            "investigating",
            at=NOW,
            updates=[("investigating", "Body <b>bold</b> ]]> &amp;", None)],
        )
    assert "<script>alert(1)</script>" not in web.get("/status").text
    feed = SafeET.fromstring(web.get("/status/history.atom").content)
    titles = [e.find(f"{ATOM}title").text for e in feed.findall(f"{ATOM}entry")]
    assert "Incident: <script>alert(1)</script> & co" in titles
    rss = SafeET.fromstring(web.get("/status/history.rss").content)
    assert rss.find("channel/item/title").text == "Incident: <script>alert(1)</script> & co"


def test_before_the_first_probe_round_the_page_shows_the_catalogue(
    status_settings: Settings,
) -> None:
    with TestClient(create_app(status_settings), raise_server_exceptions=False) as client:
        page = client.get("/status?lang=en")
        assert page.status_code == 200
        assert "All Systems Operational" in page.text and "Web Services API" in page.text
        assert "cannot be reached" not in page.text
        body = client.get("/api/v2/summary.json").json()
    assert len(body["components"]) == 11
    assert body["status"]["indicator"] == "none"
