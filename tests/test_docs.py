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


def _slug(heading: str) -> str:
    """The anchor a Markdown renderer gives a heading (GitHub's rule)."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def _broken_links(page: Path) -> list[str]:
    text = re.sub(r"```.*?```", "", page.read_text(), flags=re.S)
    broken = []
    for target in re.findall(r"\]\(([^)\s]+)\)", text):
        if target.startswith(("http://", "https://", "mailto:")):
            continue
        name, _, anchor = target.partition("#")
        dest = (page.parent / name) if name else page
        if not dest.exists():
            broken.append(f"{page.name}: {target} does not exist")
        elif anchor and dest.suffix == ".md":
            headings = re.findall(r"^#+ (.*)$", dest.read_text(), re.M)
            if anchor not in {_slug(h) for h in headings}:
                broken.append(f"{page.name}: {target} names no heading")
    return broken


def test_every_link_of_the_api_pages_leads_somewhere():
    pages = [DOCS / "index.md", *sorted((DOCS / "api").glob("*.md"))]
    assert len(pages) >= 8
    broken = [b for page in pages for b in _broken_links(page)]
    assert broken == []


def test_the_link_check_sees_a_broken_link(tmp_path):
    page = tmp_path / "page.md"
    page.write_text("# Title\n\n[a](missing.md) [b](page.md#title) [c](#nowhere)\n")
    assert _broken_links(page) == [
        "page.md: missing.md does not exist",
        "page.md: #nowhere names no heading",
    ]


def test_every_api_page_is_linked_from_the_api_index():
    index = (DOCS / "api" / "index.md").read_text()
    for page in (DOCS / "api").glob("*.md"):
        if page.name != "index.md":
            assert f"]({page.name})" in index, f"docs/api/index.md does not link {page.name}"


def test_readme_shows_exactly_two_commands():
    text = README.read_text()
    block = re.search(r"```sh\n(.*?)```", text, re.S)
    assert block is not None
    commands = [line for line in block.group(1).splitlines() if line.strip()]
    assert [c.split()[0:2] for c in commands] == [["./dev", "run"], ["./dev", "test"]]
