import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured

from truce.settings import envbool, envint, envlist


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("TRUE", True), (" yes ", True), ("0", False), ("off", False), ("", False)],
)
def test_envbool_reads_the_usual_spellings(monkeypatch, raw, expected):
    monkeypatch.setenv("X_FLAG", raw)
    assert envbool("X_FLAG", "false") is expected


def test_envbool_and_envint_fail_loudly_on_nonsense(monkeypatch):
    monkeypatch.setenv("X_FLAG", "maybe")
    monkeypatch.setenv("X_NUM", "ten")
    with pytest.raises(ImproperlyConfigured, match="X_FLAG must be a boolean"):
        envbool("X_FLAG", "false")
    with pytest.raises(ImproperlyConfigured, match="X_NUM must be an integer"):
        envint("X_NUM", "1")


def test_envlist_splits_and_drops_blanks(monkeypatch):
    monkeypatch.setenv("X_HOSTS", " a.com, ,b.com ")
    assert envlist("X_HOSTS", "") == ["a.com", "b.com"]


def _settings_in_subprocess(env: dict[str, str]) -> subprocess.CompletedProcess:
    code = "import truce.settings as s; print(s.DATABASES['default']['ENGINE'], s.DATA_DIR)"
    return subprocess.run(
        [sys.executable, "-c", code],
        env={"PATH": "/usr/bin:/bin", **env},
        capture_output=True,
        text=True,
    )


def test_settings_refuse_to_start_without_a_secret_key_outside_debug(tmp_path):
    result = _settings_in_subprocess({"TRUCE_DATA_DIR": str(tmp_path)})
    assert result.returncode != 0
    assert "TRUCE_SECRET_KEY is not set" in result.stderr


def test_sqlite_in_the_data_dir_by_default_and_postgres_by_url(tmp_path):
    sqlite = _settings_in_subprocess({"TRUCE_DATA_DIR": str(tmp_path / "d"), "TRUCE_DEBUG": "1"})
    postgres = _settings_in_subprocess(
        {
            "TRUCE_DEBUG": "1",
            "TRUCE_DATA_DIR": str(tmp_path),
            "DATABASE_URL": "postgres://u@127.0.0.1:5432/x",
        }
    )

    assert sqlite.stdout.split() == ["django.db.backends.sqlite3", str(tmp_path / "d")]
    assert (tmp_path / "d").is_dir()
    assert postgres.stdout.split()[0] == "django.db.backends.postgresql"
