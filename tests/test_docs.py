"""Documentation that is tested: every setting and every command is documented."""

from __future__ import annotations

import re
from pathlib import Path

import typer

from pointage.cli.main import app
from pointage.settings import Settings

DOCS = Path(__file__).resolve().parent.parent / "docs"
README = DOCS.parent / "README.md"


def _commands(typer_app: typer.Typer, prefix: str = "pointage") -> list[str]:
    group = typer.main.get_group(typer_app)
    found: list[str] = []

    def walk(command, path):
        subcommands = getattr(command, "commands", None)
        if subcommands:
            for name, sub in subcommands.items():
                walk(sub, f"{path} {name}")
        else:
            found.append(path)

    walk(group, prefix)
    return found


def test_every_setting_is_documented():
    text = (DOCS / "configuration.md").read_text()
    for name in Settings.model_fields:
        assert f"`POINTAGE_{name.upper()}`" in text, f"POINTAGE_{name.upper()} is not documented"


def test_every_command_is_documented():
    text = (DOCS / "cli.md").read_text()
    commands = _commands(app)
    assert len(commands) >= 4
    for command in commands:
        assert f"`{command}" in text, f"{command} is not in docs/cli.md"


def test_every_doc_linked_from_the_index_exists():
    index = (DOCS / "index.md").read_text()
    for target in re.findall(r"\]\(([^)#]+)\)", index):
        assert (DOCS / target).exists(), f"docs/index.md links to a missing {target}"


def test_readme_shows_exactly_two_commands():
    text = README.read_text()
    block = re.search(r"```sh\n(.*?)```", text, re.S)
    assert block is not None
    commands = [line for line in block.group(1).splitlines() if line.strip()]
    assert [c.split()[0:2] for c in commands] == [["./dev", "run"], ["./dev", "test"]]
