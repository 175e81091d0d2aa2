"""Docs that tests keep honest: every setting the code reads is in the README's table."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_environment_setting_is_documented_in_the_readme():
    settings = (ROOT / "lbteach" / "settings.py").read_text()
    names = set(re.findall(r'(?:environ\.get|env_bool|env_list)\(\s*"([A-Z_]+)"', settings))
    names |= set(re.findall(r'environ\["([A-Z_]+)"\]', settings))
    readme = (ROOT / "README.md").read_text()
    documented = set(re.findall(r"^\| `([A-Z_]+)` \|", readme, re.M))
    assert names, "found no settings: the pattern above is stale"
    assert names - documented == set()


def test_readme_gives_the_two_commands():
    readme = (ROOT / "README.md").read_text()
    assert "make run" in readme
    assert "make test" in readme
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def settings_defaults() -> dict[str, str]:
    """Each setting's embedded default, as settings.py writes it."""
    settings = (ROOT / "lbteach" / "settings.py").read_text()
    return dict(re.findall(r'environ\.get\(\s*"([A-Z_]+)",\s*"([^"]*)"', settings))


def test_the_defaults_the_docs_give_are_the_settings_defaults():
    """README's table and deploy.md's bounds ("`LAB_MAX_ROOMS` (150)") follow settings.py."""
    defaults = settings_defaults()
    readme = (ROOT / "README.md").read_text()
    in_readme = re.findall(r"^\| `([A-Z_]+)` \| `([^`]*)` \|", readme, re.M)
    deploy = (ROOT / "docs" / "deploy.md").read_text()
    in_deploy = re.findall(r"`([A-Z_]+)` \(([\d.,]+)\)", deploy)
    assert len(in_readme) > 20, "the README's table pattern is stale"
    assert ("LAB_MAX_ROOMS", defaults["LAB_MAX_ROOMS"]) in in_deploy
    wrong = sorted(
        f"{where}: {name} says {value}, settings.py {defaults[name]}"
        for where, found in (("README.md", in_readme), ("docs/deploy.md", in_deploy))
        for name, value in found
        if name in defaults and value.replace(",", "") != defaults[name]
    )
    assert wrong == []
