"""The machine-wide settings file IT writes, the agent's own file, and which wins."""

from __future__ import annotations

import re

import pytest

from backoffice import machine_settings, paths, storage


@pytest.fixture
def files(tmp_path, monkeypatch):
    machine, user = tmp_path / "poste.toml", tmp_path / "agent.toml"
    monkeypatch.setenv(machine_settings.MACHINE_ENV, str(machine))
    monkeypatch.setenv(machine_settings.USER_ENV, str(user))
    return machine, user


def test_the_agent_overrides_only_what_it_allows(files):
    machine, user = files
    machine.write_text(
        'database_url = "postgresql://portail@serveur/backoffice"\n'
        'portal_url = "https://portail.example.fr"\n'
        "sync_interval_minutes = 15\n"
        'backup_dir = "/srv/sauvegardes"\n'
        'allow_user_override = ["sync_interval_minutes"]\n',
        encoding="utf-8",
    )
    user.write_text(
        'database_url = "sqlite:////tmp/perso.sqlite3"\nsync_interval_minutes = 5\n',
        encoding="utf-8",
    )
    settings = machine_settings.load()
    assert settings.database_url == "postgresql://portail@serveur/backoffice"
    assert settings.portal_url == "https://portail.example.fr"
    assert settings.sync_interval_minutes == 5
    assert str(settings.backup_dir) == "/srv/sauvegardes"
    assert settings.sources["sync_interval_minutes"] == user
    assert settings.sources["database_url"] == machine
    assert settings.user_may_override == {"sync_interval_minutes"}


def test_nothing_is_overridable_when_the_machine_file_allows_nothing(files):
    machine, user = files
    machine.write_text('portal_url = "https://portail.example.fr"\n', encoding="utf-8")
    user.write_text('portal_url = "https://autre.example.fr"\n', encoding="utf-8")
    assert machine_settings.load().portal_url == "https://portail.example.fr"


def test_without_a_machine_file_the_agent_file_sets_anything(files):
    _machine, user = files
    user.write_text("sync_interval_minutes = 30\n", encoding="utf-8")
    settings = machine_settings.load()
    assert settings.sync_interval_minutes == 30 and settings.machine_file is None


def test_database_url_precedence_option_then_environment_then_files(files, monkeypatch):
    machine, _user = files
    machine.write_text('database_url = "postgresql://portail@serveur/bo"\n', encoding="utf-8")
    assert storage.resolve_database_url() == "postgresql+psycopg://portail@serveur/bo"
    monkeypatch.setenv("BACKOFFICE_DATABASE_URL", "sqlite:///env.sqlite3")
    assert storage.resolve_database_url() == "sqlite:///env.sqlite3"
    assert storage.resolve_database_url("sqlite:///option.sqlite3") == "sqlite:///option.sqlite3"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("portal_url = \n", "mal écrit (format TOML)"),
        ('portail = "x"\n', "Clé inconnue « portail »"),
        ('sync_interval_minutes = "15"\n', "doit être un nombre de minutes"),
        ("sync_interval_minutes = 5000\n", "doit être un nombre de minutes"),
        ('allow_user_override = ["portail"]\n', "cite des clés inconnues : portail"),
    ],
)
def test_a_wrong_machine_file_is_refused_in_french_naming_it(files, text, expected):
    machine, _user = files
    machine.write_text(text, encoding="utf-8")
    with pytest.raises(machine_settings.SettingsFileError, match=re.escape(expected)) as refused:
        machine_settings.load()
    assert str(machine) in str(refused.value)


def test_the_sync_settings_fall_back_on_the_files(files, sqlite_db):
    from backoffice.sync import settings as sync_settings

    machine, _user = files
    machine.write_text(
        'portal_url = "https://portail.example.fr"\nsync_interval_minutes = 0\n', encoding="utf-8"
    )
    with sqlite_db.session() as session:
        assert sync_settings.portal_url(session) == "https://portail.example.fr"
        assert sync_settings.automatic_interval(session) == 0
        sync_settings.save_settings(session, url="https://stocke.example.fr", interval=20)
    with sqlite_db.session() as session:
        assert sync_settings.portal_url(session) == "https://stocke.example.fr"
        assert sync_settings.automatic_interval(session) == 20


def test_portable_mode_is_refused_where_its_folder_cannot_be_written(tmp_path, monkeypatch):
    program = tmp_path / "Program Files" / "Portail Famille"
    program.mkdir(parents=True)
    (program / "portable.flag").write_text("")
    (program / "data").write_text("")  # no folder can be made here (as read-only would)
    monkeypatch.delenv("BACKOFFICE_DATA_DIR")
    monkeypatch.setattr(paths, "_program_dir", lambda: program)
    assert paths.is_portable()
    with pytest.raises(paths.PortableNotWritable, match="Mode portable impossible"):
        paths.data_dir()


def test_portable_mode_works_where_the_folder_is_writable(tmp_path, monkeypatch):
    (tmp_path / "portable.flag").write_text("")
    monkeypatch.delenv("BACKOFFICE_DATA_DIR")
    monkeypatch.setattr(paths, "_program_dir", lambda: tmp_path)
    assert paths.data_dir() == tmp_path / "data"
    assert list((tmp_path / "data").iterdir()) == []  # the probe file is gone


def test_the_example_of_the_packaging_readme_is_a_valid_machine_file(files):
    from pathlib import Path

    readme = (Path(__file__).resolve().parent.parent / "packaging" / "README.md").read_text(
        encoding="utf-8"
    )
    machine, _user = files
    machine.write_text(re.search(r"```toml\n(.*?)```", readme, re.S).group(1), encoding="utf-8")
    settings = machine_settings.load()
    assert settings.sync_interval_minutes == 15
    assert settings.user_may_override == {"sync_interval_minutes"}
    assert str(settings.backup_dir).startswith("\\\\serveur")
