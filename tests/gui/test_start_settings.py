"""At start, a wrong settings file of the desktop, or portable mode where its folder is
read-only, stops the back-office with a French dialog (and the same line on stderr)."""

from __future__ import annotations

import pytest

from backoffice import app as app_module
from backoffice import machine_settings, paths


@pytest.mark.allow_log_warnings
def test_a_wrong_machine_file_stops_the_start_in_french(
    qapp, no_dialogs, tmp_path, monkeypatch, capsys
):
    machine = tmp_path / "settings.toml"
    machine.write_text('portail = "https://portail.example.fr"\n', encoding="utf-8")
    monkeypatch.setenv(machine_settings.MACHINE_ENV, str(machine))

    assert app_module.main([]) == 1

    (dialog,) = no_dialogs
    assert dialog.kind == "critical" and dialog.title == app_module.STARTUP_FAILED_TITLE
    assert f"Clé inconnue « portail » dans le fichier de paramètres {machine}" in dialog.text
    assert dialog.text in capsys.readouterr().err


@pytest.mark.allow_log_warnings
def test_portable_mode_in_a_read_only_folder_stops_the_start(
    qapp, no_dialogs, tmp_path, monkeypatch
):
    (tmp_path / "portable.flag").write_text("")
    (tmp_path / "data").write_text("")  # no data folder can be made there
    monkeypatch.delenv("BACKOFFICE_DATA_DIR")
    monkeypatch.setattr(paths, "_program_dir", lambda: tmp_path)

    assert app_module.main([]) == 1

    (dialog,) = no_dialogs
    assert dialog.text.startswith("Mode portable impossible")
