"""Atom (RFC 4287) and RSS 2.0 feeds of the status page's incidents and maintenance, each
entry with its timeline of updates, from the page's picture (pointage.status.summary): the
50 most recent, never a draft, still served from the last known state while the database
cannot be reached.

Built with the standard library's xml.etree.ElementTree: two small, fixed documents need no
feed library (no new dependency to vet and keep up to date), and ElementTree escapes every
text it writes, so an incident's name or update cannot break the XML. Nothing is parsed
here; the tests read the feeds back with defusedxml.
"""

from __future__ import annotations

import html
import xml.etree.ElementTree as ET  # writing only: nothing is parsed here
from email.utils import format_datetime
from typing import Any

from pointage.status.summary import Picture, parse_iso

ATOM_NS = "http://www.w3.org/2005/Atom"


def _entry_html(incident: dict[str, Any]) -> str:
    """The timeline as a small HTML fragment (escaped once more by the XML writer)."""
    parts = []
    for update in incident["incident_updates"]:
        parts.append(
            f"<p><small>{html.escape(update['display_at'])}</small><br>"
            f"<strong>{html.escape(update['status'].replace('_', ' ').capitalize())}</strong>"
            f" - {html.escape(update['body'])}</p>"
        )
    if incident.get("postmortem_body"):
        parts.append(
            f"<p><strong>Postmortem</strong> - {html.escape(incident['postmortem_body'])}</p>"
        )
    return "".join(parts) or f"<p>{html.escape(incident['name'])}</p>"


def _title(incident: dict[str, Any]) -> str:
    kind = "Maintenance" if incident.get("kind") == "maintenance" else "Incident"
    return f"{kind}: {incident['name']}"


def _serialize(root: ET.Element) -> bytes:
    data: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return data


def atom(picture: Picture) -> bytes:
    page = picture["page"]
    ET.register_namespace("", ATOM_NS)

    def sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
        element = ET.SubElement(parent, f"{{{ATOM_NS}}}{tag}", attrs)
        if text is not None:
            element.text = text
        return element

    feed = ET.Element(f"{{{ATOM_NS}}}feed", {"xml:lang": "en"})
    sub(feed, "id", f"{page['url']}/history")
    sub(feed, "title", f"{page['name']} status - incident history")
    incidents = picture["recent"]
    sub(feed, "updated", incidents[0]["updated_at"] if incidents else page["updated_at"])
    sub(feed, "link", rel="alternate", type="text/html", href=page["url"])
    sub(feed, "link", rel="self", type="application/atom+xml", href=f"{page['url']}/history.atom")
    author = sub(feed, "author")
    sub(author, "name", page["name"])
    for incident in incidents:
        entry = sub(feed, "entry")
        sub(entry, "id", incident["shortlink"])
        sub(entry, "title", _title(incident))
        sub(entry, "published", incident["created_at"])
        sub(entry, "updated", incident["updated_at"])
        sub(entry, "link", rel="alternate", type="text/html", href=incident["shortlink"])
        sub(entry, "content", _entry_html(incident), type="html")
    return _serialize(feed)


def rss(picture: Picture) -> bytes:
    page = picture["page"]
    root = ET.Element("rss", {"version": "2.0"})
    channel = ET.SubElement(root, "channel")

    def sub(parent: ET.Element, tag: str, text: str, **attrs: str) -> ET.Element:
        element = ET.SubElement(parent, tag, attrs)
        element.text = text
        return element

    sub(channel, "title", f"{page['name']} status - incident history")
    sub(channel, "link", page["url"])
    sub(channel, "description", f"Incidents and scheduled maintenance of {page['name']}.")
    sub(channel, "language", "en")
    incidents = picture["recent"]
    updated = incidents[0]["updated_at"] if incidents else page["updated_at"]
    sub(channel, "lastBuildDate", format_datetime(parse_iso(updated), usegmt=True))
    for incident in incidents:
        item = ET.SubElement(channel, "item")
        sub(item, "title", _title(incident))
        sub(item, "link", incident["shortlink"])
        sub(item, "guid", incident["shortlink"], isPermaLink="true")
        sub(item, "pubDate", format_datetime(parse_iso(incident["created_at"]), usegmt=True))
        sub(item, "description", _entry_html(incident))
    return _serialize(root)
