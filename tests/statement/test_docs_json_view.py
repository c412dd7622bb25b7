"""docs/statements.md documents every field the JSON view prints."""

from __future__ import annotations

from pathlib import Path

from pointage.formats.statements.json_view import result_to_json
from pointage.formats.statements.model import EntryDetail, ParseIssue
from tests.statement.builders import entry, result, statement

DOC = Path(__file__).resolve().parents[2] / "docs" / "statements.md"


def test_every_field_of_the_json_view_is_in_the_documentation() -> None:
    line = entry(1)
    line.details = [EntryDetail(record=3, qualifier="LIB", text="x")]
    parsed = result(statement(line))
    parsed.issues.append(ParseIssue(2, "something"))
    view = result_to_json(parsed)
    first = view["statements"][0]
    fields = [
        *view,
        *(f"statements[].{key}" for key in first),
        *(f"account.{key}" for key in first["account"]),
        *(f"entries[].{key}" for key in first["entries"][0]),
        *(f"details[].{key}" for key in first["entries"][0]["details"][0]),
        *(f"issues[].{key}" for key in view["issues"][0]),
    ]

    text = DOC.read_text(encoding="utf-8")
    missing = [field for field in fields if f"| `{field}` |" not in text]

    assert missing == []
