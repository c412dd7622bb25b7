"""What the subscription and notification tests share: settings with an SMTP login and a
public address, an incident inserted with the models (as the incidents' services would), a
notification row queued for it, and helpers to read what was sent."""

from __future__ import annotations

import re
from datetime import datetime
from email.message import EmailMessage
from urllib.parse import urlsplit

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from pointage.db.base import utcnow
from pointage.settings import Settings
from pointage.status.components import ensure_components
from pointage.status.ids import new_public_id
from pointage.status.models import (
    StatusIncident,
    StatusIncidentComponent,
    StatusIncidentUpdate,
    StatusNotification,
    StatusSubscriber,
)
from pointage.web.app import create_app

PUBLIC_URL = "https://status.example.com"
_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def notify_settings(settings: Settings, smtp_port: int = 25) -> Settings:
    return settings.model_copy(
        update={
            "public_url": PUBLIC_URL,
            "smtp_host": "127.0.0.1",
            "smtp_port": smtp_port,
            "smtp_username": "reports",
            "smtp_password": "smtp-secret-Pa55",
            "smtp_from": "status@example.com",
            "delivery_timeout_seconds": 5,
            "webhook_allow_http_loopback": True,
            "webhook_timeout_seconds": 5,
        }
    )


def client_of(settings: Settings) -> TestClient:
    # The pages' texts are asserted in English, their source language (French is the default).
    return TestClient(
        create_app(settings),
        raise_server_exceptions=False,
        follow_redirects=False,
        headers={"Accept-Language": "en"},
    )


def form_token(client: TestClient, path: str = "/status/subscribe") -> str:
    found = _TOKEN.search(client.get(path).text)
    assert found, "no CSRF token on the page"
    return found.group(1)


def subscribe(client: TestClient, **fields: str):
    return client.post("/status/subscribe", data={**fields, "csrf_token": form_token(client)})


def local(url: str) -> str:
    """The path and query of one of our absolute links, to follow it through the app."""
    assert url.startswith(PUBLIC_URL + "/"), url
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def text_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())


def html_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("html",))
    assert part is not None
    return str(part.get_content())


def link_in(text: str, path: str) -> str:
    found = re.search(re.escape(PUBLIC_URL + path) + r"\?token=[A-Za-z0-9_.%-]+", text)
    assert found, f"no {path} link in {text!r}"
    return found.group(0)


def insert_incident(
    factory: sessionmaker[Session],
    *,
    name: str = "Card payments failing",
    now: datetime | None = None,
) -> tuple[int, int]:
    """An incident on the API with one update; (incident id, update id)."""
    at = now or utcnow()
    with factory() as session, session.begin():
        components = ensure_components(session, at)
        incident = StatusIncident(
            public_id=new_public_id(),
            kind="incident",
            name=name,
            status="investigating",
            impact="major",
            created_at=at,
            updated_at=at,
            started_at=at,
            created_by="ops@example.com",
        )
        session.add(incident)
        session.flush()
        session.add(
            StatusIncidentComponent(incident_id=incident.id, component_id=components["api"].id)
        )
        update = StatusIncidentUpdate(
            public_id=new_public_id(),
            incident_id=incident.id,
            status="investigating",
            body="Payments through the API fail for some shops; we are looking into it.",
            affected={"api": "partial_outage"},
            created_at=at,
            display_at=at,
            created_by="ops@example.com",
        )
        session.add(update)
        session.flush()
        return incident.id, update.id


def queue(
    factory: sessionmaker[Session],
    subscriber_id: int,
    incident: tuple[int, int],
    *,
    event: str = "incident.created",
    now: datetime | None = None,
) -> int:
    at = now or utcnow()
    with factory() as session, session.begin():
        row = StatusNotification(
            subscriber_id=subscriber_id,
            event=event,
            incident_id=incident[0],
            update_id=incident[1],
            status="pending",
            next_attempt_at=at,
            created_at=at,
        )
        session.add(row)
        session.flush()
        return row.id


def subscriber_of(factory: sessionmaker[Session], target: str) -> StatusSubscriber:
    with factory() as session:
        found = session.scalars(
            select(StatusSubscriber).where(StatusSubscriber.target == target)
        ).one()
        session.expunge(found)
        return found


def notification(factory: sessionmaker[Session], row_id: int) -> StatusNotification:
    with factory() as session:
        found = session.get(StatusNotification, row_id)
        assert found is not None
        session.expunge(found)
        return found
