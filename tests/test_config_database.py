"""Where the database is: `database: {path}` stays SQLite as before, `database: {url}` names a backend by its
scheme, PAPERBOY_DATABASE_URL overrides the file, a bad URL is refused naming the key and the schemes,
and a password is never printed."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main
from jobs.config import ConfigError
from jobs.config_load import load_config

SOURCES = "sources:\n  - name: local\n    kind: directory\n    format: kedreamix\n    path: posts\n"


def write(tmp_path: Path, database: str) -> Path:
    (tmp_path / "posts").mkdir(exist_ok=True)
    f = tmp_path / "config.yaml"
    f.write_text(f"database:\n{database}\n{SOURCES}", encoding="utf-8")
    return f


@pytest.fixture(autouse=True)
def no_env_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PAPERBOY_DATABASE_URL", raising=False)


def test_a_path_is_sqlite_as_before(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, f"  path: {tmp_path / 'p.db'}"))
    assert config.database_path == tmp_path / "p.db"
    assert config.database_url is None


def test_sqlite_urls_relative_and_absolute(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    rel = load_config(write(tmp_path, "  url: sqlite:///data/p.db"))
    assert rel.database_path == tmp_path / "data" / "p.db"
    assert rel.database_url is not None and rel.database_url.backend == "sqlite"
    absolute = load_config(write(tmp_path, f"  url: sqlite:///{tmp_path / 'abs.db'}"))
    assert absolute.database_path == tmp_path / "abs.db"


def test_a_postgresql_url_and_check_config_hides_its_password(tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    f = write(tmp_path, "  url: postgresql://paperboy:s3cret@db.example:5432/papers")
    config = load_config(f)
    assert config.database_url is not None and config.database_url.backend == "postgresql"
    assert config.database_url.shown == "postgresql://paperboy:***@db.example:5432/papers"
    assert main(["check-config", str(f)]) == 0
    out, err = capsys.readouterr()
    assert "database: postgresql://paperboy:***@db.example:5432/papers (from database.url)" in out
    assert "s3cret" not in out + err


@pytest.mark.parametrize(("database", "said"), [
    ("  url: mysql://root:s3cret@localhost/papers",
     "database.url: 'mysql://root:***@localhost/papers': the scheme mysql:// is not supported; use one of "
     "sqlite://, postgresql://, postgres://"),
    ("  url: data/paperboy.db", "database.url: 'data/paperboy.db': not a URL; use one of sqlite://"),
    ("  url: sqlite://p.db", "database.url: 'sqlite://p.db': a SQLite URL is sqlite:///relative/path.db"),
    ("  url: postgresql://u:s3cret@host:port/x", "database.url: 'postgresql://…': Port could not be cast"),
    ("  path: p.db\n  url: sqlite:///p.db", "database: give path (a SQLite file) or url"),
])
def test_a_bad_database_url_names_the_key_and_the_schemes(tmp_path: Path, database: str, said: str,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    f = write(tmp_path, database)
    with pytest.raises(ConfigError) as err:
        load_config(f)
    assert str(err.value).startswith(f"{f}: {said}"), str(err.value)
    assert "s3cret" not in str(err.value)
    assert main(["check-config", str(f)]) == 2
    assert "s3cret" not in capsys.readouterr().err


def test_the_environment_overrides_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    f = write(tmp_path, f"  path: {tmp_path / 'file.db'}")
    monkeypatch.setenv("PAPERBOY_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
    config = load_config(f)
    assert config.database_url is not None
    assert (config.database_url.backend, config.database_url.key) == ("postgresql", "PAPERBOY_DATABASE_URL")
    monkeypatch.setenv("PAPERBOY_DATABASE_URL", f"sqlite:///{tmp_path / 'env.db'}")
    assert load_config(f).database_path == tmp_path / "env.db"
    monkeypatch.setenv("PAPERBOY_DATABASE_URL", "redis://:pw@localhost")
    with pytest.raises(ConfigError, match=r"^PAPERBOY_DATABASE_URL: 'redis://:\*\*\*@localhost': the scheme redis://"):
        load_config(f)
