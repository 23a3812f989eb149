"""The documentation site's configuration (zensical.toml): every page of the navigation
exists (``zensical build --strict`` catches broken links and anchors in the pages, not a
missing navigation target), and every guide is in the navigation."""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
GUIDES = {"client.md", "documents.md", "sign-in.md", "tokens.md", "management.md"}
GUIDES |= {"proxy.md", "testing.md", "cli.md", "reference.md", "index.md"}


def _pages(nav: list[Any]) -> Iterator[str]:
    for entry in nav:
        for value in entry.values() if isinstance(entry, dict) else [entry]:
            if isinstance(value, list):
                yield from _pages(value)
            else:
                yield str(value)


def test_every_navigation_entry_is_a_page_and_every_guide_is_listed() -> None:
    config = tomllib.loads((ROOT / "zensical.toml").read_text())["project"]
    docs = ROOT / config["docs_dir"]
    pages = list(_pages(config["nav"]))
    missing = [page for page in pages if not (docs / page).is_file()]
    assert missing == []
    assert GUIDES <= set(pages)
    assert len(pages) == len(set(pages))


def test_the_docs_extra_pins_exact_versions() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    docs = project["optional-dependencies"]["docs"]
    assert {line.split("==")[0] for line in docs} >= {"zensical", "mkdocstrings-python"}
    assert all("==" in line for line in docs), docs


def test_the_readmes_links_into_the_checkout_exist() -> None:
    """The README is the front page outside the site: its relative links are checked here."""
    import re

    text = (ROOT / "README.md").read_text()
    links = re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", text)
    local = [link for link in links if "://" not in link]
    assert len(local) >= 8, local
    assert [link for link in local if not (ROOT / link).exists()] == []
