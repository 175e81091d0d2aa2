"""Each install signs with its own key, never one that is written in the repository."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from lbteach.secret import SecretKeyMissing, key_file_for, local_secret_key, secret_key

ROOT = Path(__file__).resolve().parents[1]


def test_an_install_without_a_key_makes_its_own_readable_by_its_user_only(tmp_path):
    path = tmp_path / "secret_key"
    key = local_secret_key(path)
    assert len(key) >= 50
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert local_secret_key(path) == key  # kept: sessions survive a restart
    assert local_secret_key(tmp_path / "other" / "secret_key") != key  # no two installs share one
    assert sorted(p.name for p in tmp_path.iterdir()) == ["other", "secret_key"]  # no leftovers


def test_a_cut_short_key_file_is_replaced(tmp_path):
    path = tmp_path / "secret_key"
    path.write_text("short\n")
    key = local_secret_key(path)
    assert len(key) >= 50
    assert path.read_text().strip() == key


def test_the_key_lives_beside_the_sqlite_database(tmp_path):
    assert key_file_for(f"sqlite:///{tmp_path}/db.sqlite3", ROOT) == tmp_path / "secret_key"
    assert key_file_for("postgres://u@h/db", ROOT) == ROOT / "secret_key"


def test_a_configured_key_wins_and_production_must_configure_one(tmp_path):
    url = f"sqlite:///{tmp_path}/db.sqlite3"
    assert secret_key(" set ", production=True, database_url=url, base_dir=tmp_path) == "set"
    with pytest.raises(SecretKeyMissing, match="SECRET_KEY is not set"):
        secret_key("", production=True, database_url=url, base_dir=tmp_path)
    assert not (tmp_path / "secret_key").exists()


def test_the_running_key_is_written_nowhere_in_the_repository():
    tracked = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    for name in tracked:
        path = ROOT / name
        if path.is_file() and path.stat().st_size < 2_000_000:
            assert settings.SECRET_KEY not in path.read_text(errors="ignore"), name
    assert "secret_key" in (ROOT / ".gitignore").read_text().split()


def test_the_site_refuses_to_start_in_production_without_a_key(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "lbteach.settings",
        "HTTPS": "true",
        "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3",
    }
    env.pop("SECRET_KEY", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr
